import Foundation
import TandemGeometry
import TandemOperators
import TandemPDE
import TandemTestSupport
import TandemTraining
import TandemWorkflows
import XCTest

/// Training batches augmented by the symmetries of each function's geometry: the maps form the
/// dihedral group, the Darcy solver commutes with them (so a mapped sample is an exact sample),
/// each geometry gets exactly the maps that keep its mask, and a mapped batch reads inputs and
/// solutions through the map.
final class SymmetryAugmentationTests: TemporaryDirectoryTestCase {
    func testTheEightMapsAreTheDihedralGroup() throws {
        let (h, w) = (5, 5)
        let maps = GridSymmetry.all.map { $0.sourceIndices(height: h, width: w)! }
        XCTAssertEqual(GridSymmetry.all.first, .identity)
        XCTAssertEqual(maps[0], Array(0..<(h * w)))
        XCTAssertEqual(Set(maps.map { $0.description }).count, 8, "eight distinct maps")
        for m in maps { XCTAssertEqual(m.sorted(), Array(0..<(h * w)), "a permutation") }
        // Closed under composition: reading through b then a is again one of the eight.
        for a in maps {
            for b in maps { XCTAssertTrue(maps.contains(a.map { b[$0] })) }
        }
        XCTAssertNil(GridSymmetry(transposes: true, flipsRows: false, flipsColumns: false).sourceIndices(height: 4, width: 5))
        XCTAssertNotNil(GridSymmetry(transposes: false, flipsRows: true, flipsColumns: true).sourceIndices(height: 4, width: 5))
    }

    /// −∇·(K∇u) = 1, u = 0 on the boundary of the unit square: solving with a mapped permeability
    /// gives the mapped solution, to rounding, for all eight maps.
    func testTheDarcySolverCommutesWithTheGridSymmetries() throws {
        let n = 17
        let grid = try CartesianGrid(pointsPerAxis: [n, n], lower: [0, 0], upper: [1, 1])
        let solver = try DarcySolver(grid: grid)
        var generator = SystemRandomNumberGenerator()
        let permeability = (0..<(n * n)).map { _ in exp(Double.random(in: -1...1, using: &generator)) }
        let source = [Double](repeating: 1, count: n * n)
        let boundary = BoundaryValues(dirichlet: [Double](repeating: 0, count: solver.dirichletNodes.count))
        let u = try solver.solve(permeability: permeability, source: source, boundary: boundary).values
        let scale = u.map(abs).max()!
        for symmetry in GridSymmetry.all {
            let map = symmetry.sourceIndices(height: n, width: n)!
            let mapped = try solver.solve(permeability: map.map { permeability[$0] }, source: source, boundary: boundary).values
            let difference = zip(mapped, map.map { u[$0] }).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(difference, 1e-12 * scale, "\(symmetry)")
        }
    }

    /// The tiny Darcy problem on the square, the disk and the lower half of the square: the square
    /// and the disk keep all eight maps, the half keeps the identity and the left–right flip; a
    /// mapped batch reads its inputs and solution through the map.
    func testEachGeometryGetsTheMapsThatKeepItsMask() throws {
        let text = TestProblems.tinyDarcyOperator.replacingOccurrences(of: "[[boundary]]", with: """
            [[geometry]]
            name = "half"
            shape = "rectangle"
            lower = [0, 0]
            upper = [1, 0.5]

            [[boundary]]
            """).replacingOccurrences(of: "split = \"random\"", with: "split = \"random\"\naugment = \"symmetries\"")
        let path = try write(text, "augmented.toml")
        let run = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("run").path, profile: "paper", resume: false)
        _ = try run.generateReference()
        let data = try run.dataset()
        let trainer = try run.trainer(dataset: data, resume: false)
        let objective = trainer.objective
        let found = Dictionary(uniqueKeysWithValues: zip(data.taskNames, objective.symmetries.map { $0.map(\.symmetry) }))
        XCTAssertEqual(found["square"]?.count, 8)
        XCTAssertEqual(found["disk"]?.count, 8)
        XCTAssertEqual(found["half"], [.identity, GridSymmetry(transposes: false, flipsRows: false, flipsColumns: true)])
        // Each step draws a map per function from its task's maps, reproducibly.
        let functions = Array(data.train.prefix(6))
        let first = try XCTUnwrap(objective.symmetryDraws(functions, at: 3))
        XCTAssertEqual(first, objective.symmetryDraws(functions, at: 3))
        // A batch through the flip of the half: planes, solution and mask read through the map.
        let half = try XCTUnwrap(data.train.first { data.taskNames[data.tasks[$0]] == "half" })
        let flip = objective.symmetries[data.tasks[half]][1].sources
        let batch = objective.tensors([half], maps: [flip])
        let plain = objective.tensors([half])
        let m = data.pointCount
        for p in 0..<m {
            XCTAssertEqual(batch.mask.scalars[p], plain.mask.scalars[flip[p]])
            XCTAssertEqual(batch.input.scalars[p], plain.input.scalars[flip[p]])
            XCTAssertEqual(batch.input.scalars[m + p], plain.input.scalars[m + flip[p]])
            let physical = batch.target.scalars[p] * batch.deviation.scalars[p] + batch.mean.scalars[p]
            let original = plain.target.scalars[flip[p]] * plain.deviation.scalars[flip[p]] + plain.mean.scalars[flip[p]]
            XCTAssertEqual(physical, original, accuracy: 1e-5 * max(1, abs(original)))
        }
    }

    /// Augmentation needs input fields on the output grid: parameters as branch inputs are refused
    /// with the reason.
    func testAugmentingParameterInputsIsRefused() throws {
        let (n, functions) = (4, 2)
        var points = [Float]()
        for p in 0..<(n * n) { points += [Float(p % n) / Float(n - 1), Float(p / n) / Float(n - 1)] }
        let data = OperatorDataset(functions: [(0, 0), (1, 0)], branchInputs: [0.1, 0.2, 0.3, 0.4], branchShape: [2], points: points, pointDimension: 2,
                                   targets: [Float](repeating: 1, count: functions * n * n), masks: [Float](repeating: 1, count: functions * n * n),
                                   tasks: [0, 0], taskNames: ["square"], train: [0], test: [1], branchStatistics: [0, 1, 0, 1],
                                   hasSolution: true, geometryNames: ["square"], gridPoints: [n, n], timeCount: 1)
        let objective = OperatorObjective(dataset: data, scaling: OutputScaling(dataset: data), settings: .init(batch: 1, symmetries: true))
        XCTAssertThrowsError(try objective.augmentBySymmetries()) { error in
            XCTAssertTrue("\(error)".contains("fields"), "\(error)")
        }
        XCTAssertTrue(objective.symmetries.isEmpty)
    }
}
