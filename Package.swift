// swift-tools-version:6.0
import PackageDescription

/// Release builds optimise across module boundaries so that the generic tensor kernels in
/// `TandemCore` are specialised for `Float` and `Double` inside the modules that call them.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemNN", targets: ["TandemNN"]),
        .library(name: "TandemSparse", targets: ["TandemSparse"]),
        .library(name: "TandemGeometry", targets: ["TandemGeometry"]),
        .library(name: "TandemPDE", targets: ["TandemPDE"]),
        .library(name: "TandemIO", targets: ["TandemIO"]),
        .library(name: "TandemAtoms", targets: ["TandemAtoms"]),
        .library(name: "TandemOperators", targets: ["TandemOperators"]),
        .library(name: "TandemPINN", targets: ["TandemPINN"]),
        .library(name: "TandemExpressions", targets: ["TandemExpressions"]),
        .library(name: "TandemSpec", targets: ["TandemSpec"]),
        .library(name: "TandemMultiTask", targets: ["TandemMultiTask"]),
        .library(name: "TandemDistributed", targets: ["TandemDistributed"]),
        .library(name: "TandemTraining", targets: ["TandemTraining"]),
        .library(name: "TandemWorkflows", targets: ["TandemWorkflows"]),
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries: a module map and a shim header each; only their wrapper module imports them.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(
            name: "CXSMM", path: "Sources/CXSMM",
            providers: [.apt(["libxsmm-dev"])]),
        .systemLibrary(
            name: "CSuiteSparse", path: "Sources/CSuiteSparse",
            providers: [.apt(["libsuitesparse-dev"])]),
        .systemLibrary(
            name: "CNetCDF", path: "Sources/CNetCDF",
            providers: [.apt(["libnetcdf-dev"])]),
        .systemLibrary(
            name: "CFFTW", path: "Sources/CFFTW",
            providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]),

        .target(
            name: "TandemCore",
            dependencies: [
                "CBLAS",
                "CXSMM",
                "CFFTW",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: numericSettings),
        .target(
            name: "TandemNN",
            dependencies: [
                "TandemCore",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: numericSettings),
        .target(
            name: "TandemSparse",
            dependencies: ["CSuiteSparse", "TandemCore"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemGeometry",
            dependencies: ["TandemCore"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemPDE",
            dependencies: ["TandemCore", "TandemSparse", "TandemGeometry"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemIO",
            dependencies: ["CNetCDF", "CZlib", "TandemCore"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemAtoms",
            dependencies: ["TandemCore", "TandemNN", "TandemTraining"],
            swiftSettings: numericSettings),
        .target(name: "TandemExpressions"),
        .target(
            name: "TandemSpec",
            dependencies: ["TandemExpressions", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "TandemOperators",
            dependencies: ["TandemCore", "TandemNN", "TandemTraining"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemPINN",
            dependencies: ["TandemCore", "TandemNN", "TandemGeometry", "TandemExpressions"],
            swiftSettings: numericSettings),
        .target(
            name: "TandemMultiTask",
            dependencies: [
                "TandemCore",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: numericSettings),
        .target(
            name: "TandemDistributed",
            swiftSettings: numericSettings),
        .target(
            name: "TandemTraining",
            dependencies: [
                "TandemCore", "TandemNN", "TandemMultiTask", "TandemDistributed",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: numericSettings),
        .target(
            name: "TandemWorkflows",
            dependencies: ["TandemCore", "TandemNN", "TandemMultiTask", "TandemDistributed", "TandemTraining", "TandemOperators", "TandemPINN", "TandemSparse", "TandemGeometry", "TandemPDE", "TandemIO", "TandemExpressions", "TandemSpec", "TandemAtoms"],
            swiftSettings: numericSettings),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemWorkflows", "TandemSpec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(
            name: "TandemTestSupport",
            dependencies: ["TandemCore"],
            path: "Tests/TandemTestSupport"),
        .testTarget(
            name: "TandemCoreTests",
            dependencies: ["TandemCore", "TandemTestSupport"]),
        .testTarget(
            name: "TandemAtomsTests",
            dependencies: ["TandemAtoms", "TandemCore", "TandemIO", "TandemNN", "TandemTraining", "TandemTestSupport"]),
        .testTarget(
            name: "TandemNNTests",
            dependencies: ["TandemNN", "TandemTestSupport"]),
        .testTarget(
            name: "TandemOperatorsTests",
            dependencies: ["TandemOperators", "TandemNN", "TandemTestSupport"]),
        .testTarget(
            name: "TandemPINNTests",
            dependencies: ["TandemPINN", "TandemNN", "TandemCore", "TandemExpressions", "TandemTestSupport"]),
        .testTarget(
            name: "TandemMultiTaskTests",
            dependencies: ["TandemMultiTask", "TandemCore", "TandemTestSupport"]),
        .testTarget(
            name: "TandemTrainingTests",
            dependencies: ["TandemTraining", "TandemMultiTask", "TandemNN", "TandemCore", "TandemTestSupport"]),
        .testTarget(
            name: "TandemWorkflowsTests",
            dependencies: ["TandemWorkflows", "TandemTraining", "TandemMultiTask", "TandemSpec", "TandemExpressions", "TandemIO", "TandemNN", "TandemOperators", "TandemCore", "TandemGeometry", "TandemPDE", "TandemTestSupport", "TandemAtoms"]),
        .testTarget(
            name: "TandemSparseTests",
            dependencies: ["TandemSparse", "TandemTestSupport"]),
        .testTarget(
            name: "TandemPDETests",
            dependencies: ["TandemPDE", "TandemSparse", "TandemGeometry"]),
        .testTarget(
            name: "TandemGeometryTests",
            dependencies: ["TandemGeometry"]),
        .testTarget(
            name: "TandemIOTests",
            dependencies: ["TandemIO", "TandemTestSupport"]),
        .testTarget(
            name: "TandemExpressionsTests",
            dependencies: ["TandemExpressions"]),
        .testTarget(
            name: "TandemSpecTests",
            dependencies: ["TandemSpec", "TandemExpressions"]),
        .testTarget(
            name: "TandemDistributedTests",
            dependencies: ["TandemDistributed"]),
        .testTarget(
            name: "TandemCLITests",
            dependencies: ["tandem", "TandemIO", "TandemNN", "TandemCore", "TandemTestSupport"]),
    ]
)
