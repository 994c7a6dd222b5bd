// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for the readers that take untrusted files: the problem file (TOML and
/// expressions), the checkpoint (safetensors) and the physiological signal files (E4 CSV,
/// WESAD quest). Built apart from Tandem's package with
/// `-sanitize=fuzzer`; `Fuzz/run.sh` builds and runs them with a seed corpus (see
/// docs/reliability.md).
let package = Package(
    name: "TandemFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Tandem", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(
            name: "fuzz-problem-file",
            dependencies: ["FuzzSupport", .product(name: "TandemSpec", package: "Tandem")],
            path: "Sources/FuzzProblemFile"),
        .executableTarget(
            name: "fuzz-signal-file",
            dependencies: ["FuzzSupport", .product(name: "TandemIO", package: "Tandem")],
            path: "Sources/FuzzSignalFile"),
        .executableTarget(
            name: "fuzz-checkpoint",
            dependencies: ["FuzzSupport", .product(name: "TandemNN", package: "Tandem")],
            path: "Sources/FuzzCheckpoint"),
    ]
)
