// swift-tools-version:6.0
import PackageDescription

/// Benchmarks live in a package of their own beside Tandem's, so that the library's package
/// carries no benchmark target and `swift test` never builds one. `Benchmarks/run.sh` builds
/// `tandem-bench` from here and runs the peers (PyTorch, SciPy, scikit-sparse) beside it.
let package = Package(
    name: "TandemBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Tandem", path: "..")],
    targets: [
        .executableTarget(
            name: "tandem-bench",
            dependencies: [
                .product(name: "TandemCore", package: "Tandem"),
                .product(name: "TandemNN", package: "Tandem"),
                .product(name: "TandemMultiTask", package: "Tandem"),
                .product(name: "TandemTraining", package: "Tandem"),
                .product(name: "TandemDistributed", package: "Tandem"),
                .product(name: "TandemOperators", package: "Tandem"),
                .product(name: "TandemPINN", package: "Tandem"),
                .product(name: "TandemGeometry", package: "Tandem"),
                .product(name: "TandemPDE", package: "Tandem"),
                .product(name: "TandemAtoms", package: "Tandem"),
            ],
            path: "Sources/TandemBench",
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
    ]
)
