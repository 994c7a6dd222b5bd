import TandemExpressions
import Foundation
import TandemCore
import TandemIO
import TandemWorkflows
import TandemNN
import TandemSpec
import TandemTestSupport
import TandemTraining
import XCTest

/// Physics-informed networks end to end: the problem file, the residual, training, comparison.
final class PINNTests: TemporaryDirectoryTestCase {

    func write(_ text: String) throws -> String { try write(text, "pinn.toml") }

    func assertProblemError(_ text: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PDEProblem(text: text, file: "bad.toml"), file: file, line: line) { error in
            let message = "\(error)"
            for part in expected { XCTAssertTrue(message.contains(part), "\(message) should contain \(part)", file: file, line: line) }
        }
    }

    func assertCheckError(_ text: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try PDEProblem(text: text, file: "pinn.toml"), "the file itself decodes", file: file, line: line)
        XCTAssertThrowsError(try ExperimentRegistry.describe(problemFile: try write(text)), file: file, line: line) { error in
            let message = "\(error)"
            for part in expected { XCTAssertTrue(message.contains(part), "\(message) should contain \(part)", file: file, line: line) }
        }
    }

    func testResidualFromTheKindAndFromTheFile() throws {
        let problem = try PDEProblem(text: TestProblems.tinyFisherPINN, file: "fisher.toml")
        XCTAssertEqual(problem.modelKind, .pinn)
        XCTAssertEqual(problem.pinnAxes, ["x", "t"])
        // u_t − (D·u_xx) − R(u), D constant so no ∇D·∇u term.
        let residual = try problem.pinnResidual()
        XCTAssertEqual(residual.variables, ["u", "u_t", "u_xx", "rho"])
        let values: [String: Double] = ["u": 0.3, "u_t": 0.2, "u_xx": -1.5, "rho": 1]
        XCTAssertEqual(residual.evaluate(values), 0.2 - 0.05 * -1.5 - 0.3 * 0.7, accuracy: 1e-15)

        // Darcy with K(x, y) gets the ∇K·∇u term from the symbolic derivative.
        let darcy = TestProblems.tinyFisherPINN
            .replacingOccurrences(of: "kind = \"reaction-diffusion\"\ndiffusivity = \"0.05\"\ninitial = \"sin(pi*x)\"", with: "kind = \"darcy\"\npermeability = \"1 + x*y\"\nsource = \"1\"")
            .replacingOccurrences(of: "[[reaction]]\nname = \"fisher\"\nexpression = \"rho*u*(1 - u)\"", with: "")
            .replacingOccurrences(of: "shape = \"interval\"\nlower = 0\nupper = 1", with: "shape = \"rectangle\"\nlower = [0, 0]\nupper = [1, 1]")
            .replacingOccurrences(of: "[time]\nend = 1.0\nsteps = 100\noutputs = 10", with: "")
            .replacingOccurrences(of: "grid = [101]", with: "grid = [21, 21]")
        let k = try PDEProblem(text: darcy, file: "darcy.toml").pinnResidual()
        let at: [String: Double] = ["x": 0.5, "y": 0.25, "u_x": 2, "u_y": 3, "u_xx": 5, "u_yy": 7, "rho": 1]
        // −(K(u_xx + u_yy) + K_x u_x + K_y u_y) − f with K = 1 + xy, K_x = y, K_y = x.
        XCTAssertEqual(k.evaluate(at), -((1 + 0.125) * 12 + 0.25 * 2 + 0.5 * 3) - 1, accuracy: 1e-12)

        // A residual written in the file is used as written.
        let general = TestProblems.tinyFisherPINN.replacingOccurrences(of: "initial = \"sin(pi*x)\"", with: "initial = \"sin(pi*x)\"\nresidual = \"u_t - 0.05*u_xx - rho*u*(1 - u)\"")
        XCTAssertEqual(try PDEProblem(text: general, file: "general.toml").pinnResidual().evaluate(values), residual.evaluate(values), accuracy: 1e-15)
    }

    func testBadPINNFilesAreRejectedAtCheckTime() {
        let base = TestProblems.tinyFisherPINN
        // An unknown symbol, and a derivative along an axis the problem does not have.
        assertProblemError(base.replacingOccurrences(of: "initial = \"sin(pi*x)\"", with: "initial = \"sin(pi*x)\"\nresidual = \"u_t - D*u_xx\""),
                           ["bad.toml:", "pde.residual", "D"])
        assertProblemError(base.replacingOccurrences(of: "initial = \"sin(pi*x)\"", with: "initial = \"sin(pi*x)\"\nresidual = \"u_t - u_yy\""),
                           ["pde.residual", "u_yy"])
        assertProblemError(base.replacingOccurrences(of: "activation = \"tanh\"", with: "activation = \"relu\""),
                           ["model.activation", "no second derivative"])
        assertProblemError(base.replacingOccurrences(of: "rho = 1.0", with: "rho = [0.5, 1.5]"),
                           ["inputs.parameters.rho", "is a range"])
        assertProblemError(base.replacingOccurrences(of: "initial = \"sin(pi*x)\"", with: "initial = \"random\"") + "\n[inputs.initial]\nkind = \"logistic\"\nlength = 0.2\n",
                           ["pde.initial", "random field"])
        // What needs the residual is checked by the PINN experiment (`tandem check`), located the same way.
        assertCheckError(base + "\n[[reaction]]\nname = \"second\"\nexpression = \"u\"\n", ["pinn.toml:", "reaction", "2 families"])
        assertCheckError(base.replacingOccurrences(of: "diffusivity = \"0.05\"", with: "diffusivity = \"random\"") + "\n[inputs.diffusivity]\nlength = 0.2\n",
                         ["pinn.toml:", "pde.diffusivity", "random field"])
        assertProblemError(base.replacingOccurrences(of: "lbfgs_iterations = 150", with: "lbfgs_iterations = 150\nsampling = \"poisson-disk\""),
                           ["training.sampling", "sobol"])
        assertProblemError(base.replacingOccurrences(of: "activation = \"tanh\"", with: "activation = \"tanh\"\nfourier_features = 8\nfourier_scale = 0"),
                           ["model.fourier_scale", "positive"])
        assertProblemError(base.replacingOccurrences(of: "lbfgs_iterations = 150", with: "lbfgs_iterations = 150\nbatch = 3"),
                           ["training.batch", "unknown key"])
    }

    func testTrainingReachesTheSolverAndResumesExactly() throws {
        let path = try write(TestProblems.tinyFisherPINN)
        let run = try PINNRun(problemPath: path, directory: directory.appendingPathComponent("run").path, profile: "quick", resume: false)
        let trainer = try run.trainer(resume: false)
        let report = try trainer.run()
        try run.record(report, trainer: trainer)
        XCTAssertEqual(report.step, 600)
        XCTAssertEqual(report.refinement?.iterations ?? 0, 150, "\(String(describing: report.refinement))")
        let (model, step, lbfgs) = try run.trainedModel()
        XCTAssertEqual(step, 600)
        XCTAssertNotNil(lbfgs)
        let comparison = try PINNComparison(run: run, model: model)
        XCTAssertLessThan(comparison.relativeL2, 0.02, "relative L2 against the solver")
        XCTAssertEqual(comparison.relativeL2PerTime.count, 11)
        let written = try PINNReport(run: run, comparison: comparison, modelDescription: PINNRun.describe(model), step: step).write()
        XCTAssertEqual(written, ["metrics.json", "report.md", "figures/solution.png", "figures/loss.png",
                                 "figures/multitask-weights.png", "figures/gradient-cosines.png"])
        XCTAssertTrue(try String(contentsOfFile: run.path("report.md"), encoding: .utf8).contains("| residual – boundary |"))

        // 100 steps, stop, resume to 200 == 200 steps straight (no L-BFGS), with Fourier
        // features (rebuilt from the seed) and Sobol points.
        let short = try write(TestProblems.tinyFisherPINN.replacingOccurrences(of: "steps = 600", with: "steps = 200")
                                .replacingOccurrences(of: "activation = \"tanh\"", with: "activation = \"tanh\"\nfourier_features = 8")
                                .replacingOccurrences(of: "lbfgs_iterations = 150", with: "lbfgs_iterations = 0\nresample_every = 50\nsampling = \"sobol\""), "short.toml")
        let straight = try PINNRun(problemPath: short, directory: directory.appendingPathComponent("straight").path, profile: "quick", resume: false)
        let a = try straight.trainer(resume: false)
        _ = try a.run()
        let split = try PINNRun(problemPath: short, directory: directory.appendingPathComponent("split").path, profile: "quick", resume: false)
        var calls = 0
        let interrupted = try split.trainer(resume: false).run(shouldStop: { calls += 1; return calls > 100 })
        XCTAssertTrue(interrupted.interrupted)
        XCTAssertEqual(interrupted.step, 100)
        let b = try split.trainer(resume: true)
        XCTAssertEqual(b.step, 100)
        _ = try b.run()
        for (name, value) in a.model.namedParameters {
            XCTAssertEqual(value.scalars, b.model.namedParameters[name]!.scalars, "resumed \(name)")
        }
        XCTAssertEqual(a.model.features?.frequencies.shape, [2, 8])
        XCTAssertEqual(a.model.features?.frequencies.scalars, b.model.features?.frequencies.scalars)
    }

    func testDivergenceStopsAndKeepsTheLastGoodCheckpoint() throws {
        // exp(u²) overflows once one huge step has made |u| large.
        let text = TestProblems.tinyFisherPINN
            .replacingOccurrences(of: "initial = \"sin(pi*x)\"", with: "initial = \"sin(pi*x)\"\nresidual = \"u_t - exp(u*u)\"")
            .replacingOccurrences(of: "learning_rate = 3e-3", with: "learning_rate = 1000")
            .replacingOccurrences(of: "checkpoint_every = 100", with: "checkpoint_every = 1")
        let run = try PINNRun(problemPath: try write(text), directory: directory.appendingPathComponent("diverging").path, profile: "quick", resume: false)
        let trainer = try run.trainer(resume: false)
        XCTAssertThrowsError(try trainer.run()) { error in
            guard case let TrainingError.diverged(step, _, checkpoint, _)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(checkpoint, step, "the checkpoint of the step before divergence is kept")
            XCTAssertTrue("\(error)".contains("last good checkpoint"), "\(error)")
        }
        let kept = try Checkpoint<Double>.read(from: run.path("checkpoint.safetensors"))
        XCTAssertTrue(kept.parameters.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }

    func testAnnealingAndRefinementAreLoggedAndKept() throws {
        let text = TestProblems.tinyFisherPINN
            .replacingOccurrences(of: "steps = 600", with: "steps = 60")
            .replacingOccurrences(of: "lbfgs_iterations = 150", with: "lbfgs_iterations = 0\nweighting = \"annealing\"\nanneal_every = 20\nrefine_every = 25\nrefine_add = 10\nrefine_candidates = 500")
        let run = try PINNRun(problemPath: try write(text), directory: directory.appendingPathComponent("adaptive").path, profile: "quick", resume: false)
        let trainer = try run.trainer(resume: false)
        _ = try trainer.run()
        XCTAssertEqual(trainer.objective.collocationCount, 512 + 20, "two refinements of 10 points")
        let history = try String(contentsOfFile: run.path("loss.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(history[0], "step,phase,loss,residual,boundary,initial,learning_rate,seconds,weight_residual,weight_boundary,weight_initial,"
                       + "grad_norm_residual,grad_norm_boundary,grad_norm_initial,cos_residual_boundary,cos_residual_initial,cos_boundary_initial")
        let last = history.last!.split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertNotEqual(Double(last[9]), 1, "the boundary weight was annealed")
        // Annealing computes the task gradients on its own steps (0, 20, 40): the row after step 40 has them.
        let row41 = try XCTUnwrap(history.first { $0.hasPrefix("41,") }).split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertNotNil(Double(row41[11]), "gradient norms at an annealing step")
        XCTAssertNil(Double(last[11]), "no gradients at step 59")
        XCTAssertEqual(trainer.strategyState?["weights"].count, 3)
        // The refined points and weights travel with the checkpoint.
        let resumed = try run.trainer(resume: true)
        let again = try resumed.run()
        XCTAssertEqual(resumed.objective.collocationCount, 532)
    }

    /// −u'' = 0 on [0, 1], u(0) = 0, with a Neumann (K u' = 1 → u = x) or Robin (K u' + u = 1 →
    /// u = x/2) condition at x = 1: the flux term's sign and the face classification matter.
    func testNeumannAndRobinConditionsOnBoxFaces() throws {
        for (condition, expected) in [("kind = \"neumann\"\non = [\"x-max\"]\nvalue = \"1\"", 1.0),
                                      ("kind = \"robin\"\non = [\"x-max\"]\nalpha = 1.0\nvalue = \"1\"", 0.5)] {
            let text = """
            name = "flux"
            [pde]
            kind = "darcy"
            source = "0"
            [[geometry]]
            name = "interval"
            shape = "interval"
            lower = 0
            upper = 1
            [[boundary]]
            \(condition)
            [[boundary]]
            kind = "dirichlet"
            on = ["x-min"]
            value = "0"
            [reference]
            grid = [41]
            [model]
            kind = "pinn"
            layers = [8]
            [training]
            steps = 200
            learning_rate = 1e-2
            collocation = 64
            boundary_points = 16
            lbfgs_iterations = 100
            """
            let run = try PINNRun(problemPath: try write(text, "flux.toml"), directory: directory.appendingPathComponent("flux-\(expected)").path,
                                  profile: "quick", resume: false)
            let trainer = try run.trainer(resume: false)
            _ = try trainer.run()
            let comparison = try PINNComparison(run: run, model: trainer.model)
            XCTAssertLessThan(comparison.relativeL2, 1e-2, "\(condition)")
            let last = comparison.prediction[40]
            XCTAssertEqual(last, expected, accuracy: 2e-2, "u(1) with \(condition)")
        }
    }

    /// `u = g + φ·N` holds the Dirichlet value exactly: the boundary defect is round-off, and a
    /// Poisson problem on the L-shape trains to the solver; hard conditions need one Dirichlet
    /// value and a geometry with a distance function, checked before training.
    func testHardBoundaryConditions() throws {
        let text = """
        name = "hard"
        [pde]
        kind = "darcy"
        source = "2*pi*pi*sin(pi*x)*sin(pi*y)"
        \(TestProblems.unitSquare)
        [[boundary]]
        kind = "dirichlet"
        value = "x*y"
        [reference]
        grid = [33, 33]
        [model]
        kind = "pinn"
        layers = [16, 16]
        hard_boundary = true
        [training]
        steps = 300
        learning_rate = 5e-3
        collocation = 256
        boundary_points = 64
        lbfgs_iterations = 200
        """
        let run = try PINNRun(problemPath: try write(text, "hard.toml"), directory: directory.appendingPathComponent("hard").path, profile: "quick", resume: false)
        let trainer = try run.trainer(resume: false)
        let report = try trainer.run()
        XCTAssertLessThan(report.tasks[1], 1e-20, "boundary defect with u = g + φN")
        let comparison = try PINNComparison(run: run, model: trainer.model)
        // u = sin πx sin πy + x·y.
        XCTAssertLessThan(comparison.relativeL2, 1e-2)

        assertProblemError(text.replacingOccurrences(of: "[[boundary]]\nkind = \"dirichlet\"\nvalue = \"x*y\"",
                                                     with: "[[boundary]]\nkind = \"dirichlet\"\nvalue = \"x*y\"\n[[boundary]]\nkind = \"neumann\"\non = [\"x-max\"]\nvalue = \"0\""),
                           ["model.hard_boundary", "Dirichlet"])
        let notch = text.replacingOccurrences(of: "shape = \"rectangle\"\nlower = [0, 0]\nupper = [1, 1]",
                                              with: "shape = \"polygon\"\nvertices = [[0, 0], [1, 0], [1, 1], [0.5, 0.5], [0, 1]]")
        let notchRun = try PINNRun(problemPath: try write(notch, "notch.toml"), directory: directory.appendingPathComponent("notch").path, profile: "quick", resume: false)
        XCTAssertThrowsError(try notchRun.trainer(resume: false)) { error in
            XCTAssertTrue("\(error)".contains("model.hard_boundary") && "\(error)".contains("distance"), "\(error)")
        }
    }

    /// An inverse Darcy problem: the parameter `a` of `K = exp(a·x)` is learned from 100 exact
    /// observations written by the solver (`tandem observe`), starting from `a = 0`. The data
    /// weight balances the scales: u is about 0.05 here, the residual about 1 (the source).
    func testInverseDarcyLearnsAPermeabilityParameter() throws {
        let text = """
        name = "darcy-inverse"
        [pde]
        kind = "darcy"
        permeability = "exp(a*x)"
        source = "1"
        [inputs.parameters]
        a = 0.8
        \(TestProblems.unitSquare)
        [[boundary]]
        kind = "dirichlet"
        value = "0"
        [reference]
        grid = [33, 33]
        [inverse]
        observations = "darcy-observations.nc"
        unknowns = { a = 0 }
        data_weight = 1000
        [model]
        kind = "pinn"
        layers = [32, 32]
        hard_boundary = true
        [training]
        steps = 1000
        learning_rate = 3e-3
        collocation = 512
        boundary_points = 64
        lbfgs_iterations = 1500
        """
        let path = try write(text, "darcy-inverse.toml")
        let problem = try PDEProblem(contentsOf: path)
        XCTAssertEqual(problem.inverse?.unknowns, ["a": 0])
        _ = try ObservationSampler.write(resolved: try ResolvedProblem(problem), count: 100, noise: 0, seed: 1,
                                         to: directory.appendingPathComponent("darcy-observations.nc").path)
        let run = try PINNRun(problemPath: path, directory: directory.appendingPathComponent("darcy-inverse").path, profile: "quick", resume: false)
        let trainer = try run.trainer(resume: false)
        XCTAssertEqual(trainer.model.coefficientValues["a"], 0)
        _ = try trainer.run()
        let comparison = try PINNComparison(run: run, model: trainer.model)
        let a = try XCTUnwrap(comparison.coefficients.first { $0.name == "a" })
        XCTAssertEqual(a.truth, 0.8)
        XCTAssertLessThan(a.relativeError, 0.05, "learned a = \(a.learned)")
        XCTAssertLessThan(comparison.relativeL2, 0.02)

        // Observations outside the geometry are refused, naming the observation.
        let bad = directory.appendingPathComponent("outside.nc").path
        let writer = try FieldFileWriter(path: bad, dimensions: [.init("observation", length: 2)], coordinates: [],
                                         variables: ["x", "y", "u"].map { .init($0, dimensions: ["observation"], units: "1", longName: $0) }, attributes: [:])
        try writer.write("x", values: [0.5, 1.5])
        try writer.write("y", values: [0.5, 0.5])
        try writer.write("u", values: [0.01, 0.01])
        try writer.close()
        XCTAssertThrowsError(try PINNProblem.observations(path: bad, resolved: run.resolved)) { error in
            XCTAssertTrue("\(error)".contains("inverse.observations") && "\(error)".contains("observation 1 (x = 1.5, y = 0.5) lies outside"), "\(error)")
        }

        // With a flux condition, K's parameter would enter it at its true value: refused.
        assertProblemError(text.replacingOccurrences(of: "kind = \"dirichlet\"\nvalue = \"0\"", with: "kind = \"dirichlet\"\nvalue = \"0\"\n[[boundary]]\nkind = \"neumann\"\non = [\"x-max\"]\nvalue = \"0\"")
                            .replacingOccurrences(of: "hard_boundary = true", with: ""),
                           ["inverse.unknowns.a", "neumann"])
        // An unknown the residual does not contain cannot be learned from the observations.
        assertCheckError(text.replacingOccurrences(of: "a = 0.8", with: "a = 0.8\nb = 2").replacingOccurrences(of: "{ a = 0 }", with: "{ a = 0, b = 1 }"),
                         ["pinn.toml:", "inverse.unknowns.b", "does not appear in the residual"])
    }

    /// A permeability read from a NetCDF file: a bilinear K is interpolated exactly (values and
    /// gradient), the solver's solution equals the one with K as an expression, the PINN residual
    /// is the same by both routes, the file travels with a run, and bad files are located errors.
    func testPermeabilityFromAFile() throws {
        let xs = (0..<9).map { Double($0) / 8 }, ys = (0..<5).map { Double($0) / 4 }
        func k(_ x: Double, _ y: Double) -> Double { 1 + 2 * x + 3 * y + x * y }
        let kPath = directory.appendingPathComponent("k.nc").path
        let writer = try FieldFileWriter(
            path: kPath, dimensions: [.init("y", length: 5), .init("x", length: 9)],
            coordinates: [.init(dimension: "x", values: xs, units: "1", longName: "x"), .init(dimension: "y", values: ys, units: "1", longName: "y")],
            variables: [.init("K", dimensions: ["y", "x"], units: "1", longName: "permeability")], attributes: [:])
        try writer.write("K", values: ys.flatMap { y in xs.map { x in k(x, y) } })
        try writer.close()
        let expressionText = """
        name = "darcy-k"
        [pde]
        kind = "darcy"
        permeability = "1 + 2*x + 3*y + x*y"
        source = "1"
        \(TestProblems.unitSquare)
        [reference]
        grid = [17, 17]
        [model]
        kind = "pinn"
        layers = [8, 8]
        [training]
        steps = 1
        collocation = 64
        boundary_points = 16
        """
        let fileText = expressionText.replacingOccurrences(of: "permeability = \"1 + 2*x + 3*y + x*y\"", with: "permeability = \"file\"")
            .replacingOccurrences(of: "[[geometry]]", with: "[inputs.permeability]\nfile = \"k.nc\"\n[[geometry]]")
        let byFile = try ResolvedProblem(try PDEProblem(contentsOf: try write(fileText, "file.toml")))
        let byExpression = try ResolvedProblem(try PDEProblem(contentsOf: try write(expressionText, "expression.toml")))
        XCTAssertTrue(byFile.summary().contains("from k.nc, variable K on a 9 × 5 grid"), byFile.summary())
        let field = try XCTUnwrap(byFile.coefficientFile)
        var g = SeededGenerator(seed: 3)
        for _ in 0..<20 {
            let p = [g.nextUnitDouble(), g.nextUnitDouble()]
            XCTAssertEqual(field.value(at: p), k(p[0], p[1]), accuracy: 1e-12)
            XCTAssertEqual(field.derivative(0, at: p), 2 + p[1], accuracy: 1e-12)
            XCTAssertEqual(field.derivative(1, at: p), 3 + p[0], accuracy: 1e-12)
        }
        // The solver sees the same K either way.
        let a = directory.appendingPathComponent("a.nc").path, b = directory.appendingPathComponent("b.nc").path
        _ = try ReferenceDataset(byFile).generate(path: a, samples: 1, seed: 0)
        _ = try ReferenceDataset(byExpression).generate(path: b, samples: 1, seed: 0)
        let ua = try FieldFileReader(path: a).variable("u").values, ub = try FieldFileReader(path: b).variable("u").values
        XCTAssertLessThan(zip(ua, ub).map { Swift.abs($0 - $1) }.max()!, 1e-12)
        // The residual the PINN minimises: K, K_x, K_y from the file against the symbolic ones.
        let fileRun = try PINNRun(problemPath: directory.appendingPathComponent("file.toml").path, directory: directory.appendingPathComponent("krun").path,
                                  profile: "quick", resume: false)
        let setupFile = try PINNProblem(fileRun.resolved, training: fileRun.training)
        let setupExpression = try PINNProblem(byExpression, training: fileRun.training)
        XCTAssertEqual(setupFile.residual.description.contains("K_x"), true, setupFile.residual.description)
        let model = fileRun.makeModel()
        let flat = (0..<50).flatMap { _ in [g.nextUnitDouble(), g.nextUnitDouble()] }
        let ra = setupFile.residual(of: model, at: setupFile.points(flat)).scalars
        let rb = setupExpression.residual(of: model, at: setupExpression.points(flat)).scalars
        XCTAssertLessThan(zip(ra, rb).map { Swift.abs($0 - $1) }.max()!, 1e-10)
        // The run keeps its own copy.
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("krun/coefficient.nc").path))
        try FileManager.default.moveItem(atPath: kPath, toPath: kPath + ".moved")
        let reopened = try ResolvedProblem(try PDEProblem(contentsOf: directory.appendingPathComponent("krun/problem.toml").path))
        XCTAssertEqual(reopened.coefficientFile?.values, field.values)
        // Located errors: a missing variable, a sample out of range, a grid the file does not cover.
        func assertResolveError(_ text: String, _ expected: [String], line: UInt = #line) {
            XCTAssertThrowsError(try ResolvedProblem(try PDEProblem(contentsOf: try write(text, "bad.toml"))), line: line) { error in
                for part in expected { XCTAssertTrue("\(error)".contains(part), "\(error) should contain \(part)", line: line) }
            }
        }
        let moved = fileText.replacingOccurrences(of: "file = \"k.nc\"", with: "file = \"k.nc.moved\"")
        assertResolveError(moved.replacingOccurrences(of: "file = \"k.nc.moved\"", with: "file = \"k.nc.moved\"\nvariable = \"kappa\""),
                           ["bad.toml", "inputs.permeability.variable", "kappa", "K"])
        assertResolveError(moved.replacingOccurrences(of: "file = \"k.nc.moved\"", with: "file = \"k.nc.moved\"\nsample = 1"),
                           ["inputs.permeability.sample", "1 sample"])
        assertResolveError(moved.replacingOccurrences(of: "upper = [1, 1]", with: "upper = [2, 1]"), ["inputs.permeability.file", "covers"])
        assertResolveError(fileText, ["inputs.permeability.file", "cannot read"])
        // A damaged data block: the variable is listed but cannot be read. That is said, not
        // "no variable K (it has … K …)". The damage is placed where it breaks K's data only.
        let intact = try Data(contentsOf: URL(fileURLWithPath: kPath + ".moved"))
        let damagedPath = directory.appendingPathComponent("k-damaged.nc").path
        var placed = false
        for offset in stride(from: intact.count - 64, to: 512, by: -16) where !placed {
            var damaged = intact
            for i in offset..<offset + 48 { damaged[i] ^= 0x5A }
            try damaged.write(to: URL(fileURLWithPath: damagedPath))
            guard let reader = try? FieldFileReader(path: damagedPath), (try? reader.variableNames)?.contains("K") == true else { continue }
            placed = (try? reader.variable("K")) == nil
        }
        XCTAssertTrue(placed, "found a place where damage breaks K's data alone")
        assertResolveError(moved.replacingOccurrences(of: "file = \"k.nc.moved\"", with: "file = \"k-damaged.nc\""),
                           ["inputs.permeability.variable", "cannot read \"K\" from", "damaged file?"])
    }
}
