import TandemSpec
import XCTest

final class ProblemFileTests: XCTestCase {
    var valid: String { Self.valid }
    static let valid = """
        name = "demo"

        [pde]
        kind = "darcy"
        permeability = "1 + x*y"
        source = "sin(pi*x)"

        [[geometry]]
        name = "square"
        shape = "rectangle"
        lower = [0, 0]
        upper = [1, 1]

        [[geometry]]
        name = "holed"
        shape = "disk"
        center = [0.5, 0.5]
        radius = 0.5
        subtract = [{ shape = "disk", center = [0.5, 0.5], radius = 0.1 }]
        translate = [0.1, 0]

        [[boundary]]
        kind = "dirichlet"
        value = "x"

        [reference]
        grid = [33, 17]
        samples = 3
        seed = 9
        """

    func testValidFileDecodes() throws {
        let p = try PDEProblem(text: valid, file: "demo.toml")
        XCTAssertEqual(p.name, "demo")
        XCTAssertEqual(p.dimension, 2)
        XCTAssertEqual(p.geometries.map(\.name), ["square", "holed"])
        XCTAssertEqual(p.geometries[1].shape.subtract.count, 1)
        XCTAssertEqual(p.geometries[1].shape.translate, [0.1, 0])
        XCTAssertEqual(p.reference.grid, [33, 17])
        XCTAssertEqual(p.reference.samples, 3)
        XCTAssertEqual(p.reference.seed, 9)
        XCTAssertNil(p.reference.lower)
        guard case let .expression(k) = p.coefficient else { return XCTFail("expected an expression") }
        XCTAssertEqual(k.evaluate(["x": 2, "y": 3]), 7)
        XCTAssertEqual(p.source.evaluate(["x": 0.5, "y": 0]), 1, accuracy: 1e-15)
        XCTAssertEqual(p.restCondition.value.evaluate(["x": 0.25, "y": 0]), 0.25)
        XCTAssertEqual(p.condition(onFace: 3).kind, .dirichlet)
    }

    /// Conditions on named box faces; the rest of the boundary keeps the Dirichlet condition.
    func testBoundaryConditionsOnFaces() throws {
        let faces = valid.replacingOccurrences(of: "[reference]", with: """
            [[boundary]]
            kind = "neumann"
            on = ["x-min", "y-max"]
            value = "y"

            [[boundary]]
            kind = "robin"
            on = ["x-max"]
            alpha = 2.5
            value = "1"

            [reference]
            """)
        let p = try PDEProblem(text: faces, file: "demo.toml")
        XCTAssertEqual(p.boundaries.count, 3)
        XCTAssertEqual(p.condition(onFace: 0).kind, .neumann)
        XCTAssertEqual(p.condition(onFace: 3).kind, .neumann)
        XCTAssertEqual(p.condition(onFace: 1).alpha, 2.5)
        XCTAssertEqual(p.condition(onFace: 2).kind, .dirichlet)
        XCTAssertEqual(p.condition(onFace: 1).describe(coefficient: "K"), "K ∂u/∂n + 2.5·u = 1 on x-max (Robin)")
        func error(_ a: String, _ b: String) -> String {
            let text = faces.replacingOccurrences(of: a, with: b)
            XCTAssertNotEqual(text, faces, "replacement of \(a) did nothing")
            do { _ = try PDEProblem(text: text, file: "demo.toml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("on = [\"x-max\"]", "on = [\"x-mx\"]"),
                       "demo.toml:33: boundary[2].on: unknown face \"x-mx\"; expected one of x-min, x-max, y-min, y-max")
        XCTAssertEqual(error("on = [\"x-max\"]", "on = [\"y-max\"]"),
                       "demo.toml:33: boundary[2].on: face y-max already has a condition (boundary[1])")
        XCTAssertEqual(error("alpha = 2.5", "alpha = 0"), "demo.toml:34: boundary[2].alpha: expected a positive number, got 0.0")
        XCTAssertEqual(error("on = [\"x-min\", \"y-max\"]", "on = [\"x-min\", \"y-max\"]\nalpha = 1"),
                       "demo.toml:29: boundary[1].alpha: applies only to kind = \"robin\"")
        XCTAssertEqual(error("on = [\"x-min\", \"y-max\"]\n", ""),
                       "demo.toml:26: boundary[1].on: missing; neumann conditions apply to faces of the grid box (x-min, x-max, y-min, y-max); the rest of the boundary, curved parts included, takes a Dirichlet condition")
    }

    /// Each mistake is reported with the file, the line, the key path and what was expected.
    /// Which written paths stay inside the problem's directory, and which files a problem names.
    func testNamedFilesStayInsideTheProblemDirectory() throws {
        for inside in ["k.nc", "data/k.nc", "./data/../k.nc", "a/b/../../k.nc", "notebooks-data/x.nc"] {
            XCTAssertTrue(Problem.staysInside(inside), inside)
        }
        for outside in ["/etc/k.nc", "~/k.nc", "../k.nc", "a/../../k.nc", "./..", "data/../../k.nc"] {
            XCTAssertFalse(Problem.staysInside(outside), outside)
        }
        let text = valid.replacingOccurrences(of: "permeability = \"1 + x*y\"", with: "permeability = \"file\"")
            .replacingOccurrences(of: "[[geometry]]\nname = \"square\"", with: "[inputs.permeability]\nfile = \"../k.nc\"\n\n[[geometry]]\nname = \"square\"")
        let problem = try Problem(text: text, file: "p.toml", directory: "/work/p")
        XCTAssertEqual(problem.namedFiles, [Problem.NamedFile(keyPath: "inputs.permeability.file", path: "../k.nc")])
        XCTAssertNoThrow(try problem.requireFilesInside(allowOutside: true))
        XCTAssertThrowsError(try problem.requireFilesInside(allowOutside: false)) { error in
            XCTAssertTrue("\(error)".contains("p.toml:9: inputs.permeability.file: \"../k.nc\" is outside the problem file's directory (/work/p)"), "\(error)")
        }
        XCTAssertEqual(try Problem(text: valid, file: "p.toml").namedFiles, [])
    }

    func testErrorsNameFileLineKeyAndExpectation() {
        func error(_ replace: String, with replacement: String) -> String {
            let text = valid.replacingOccurrences(of: replace, with: replacement)
            XCTAssertNotEqual(text, valid, "replacement of \(replace) did nothing")
            do {
                _ = try PDEProblem(text: text, file: "demo.toml")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(error("shape = \"disk\"", with: "shape = \"circel\""),
                       "demo.toml:16: geometry[1].shape: unknown kind \"circel\"; expected one of interval, rectangle, disk, ellipse, polygon, box, sphere, cylinder")
        XCTAssertEqual(error("radius = 0.5", with: "radius = \"big\""),
                       "demo.toml:18: geometry[1].radius: expected a number, got the string \"big\"")
        XCTAssertEqual(error("source = \"sin(pi*x)\"", with: "source = \"sin(pi*q)\""),
                       "demo.toml:6: pde.source: in expression \"sin(pi*q)\" at column 8: unknown name \"q\"; expected one of x, y, pi, e")
        XCTAssertEqual(error("seed = 9", with: "seed = 9\nsamplez = 4"),
                       "demo.toml:30: reference.samplez: unknown key; expected one of grid, lower, memory_limit_gb, samples, seed, upper")
        XCTAssertEqual(error("grid = [33, 17]", with: "grid = [33]"),
                       "demo.toml:27: reference.grid: expected 2 point counts between 3 and 4096, got [33]")
        XCTAssertEqual(error("kind = \"darcy\"", with: "kind = \"stokes\""),
                       "demo.toml:4: pde.kind: unknown kind \"stokes\"; expected one of darcy, heat, reaction-diffusion")
        XCTAssertEqual(error("kind = \"darcy\"", with: "kind = \"reaction-diffusion\""),
                       "demo.toml: time: missing; reaction-diffusion problems need a [time] table")
        XCTAssertEqual(error("center = [0.5, 0.5]\nradius = 0.5", with: "center = [0.5]\nradius = 0.5"),
                       "demo.toml:17: geometry[1].center: expected 2 numbers, got 1")
        XCTAssertEqual(error("lower = [0, 0]", with: "lower = [0, \"a\"]"),
                       "demo.toml:11: geometry[0].lower[1]: expected a number, got the string \"a\"")
        XCTAssertEqual(error("name = \"holed\"", with: "name = \"square\""),
                       "demo.toml:15: geometry[1].name: duplicate geometry name \"square\"")
        XCTAssertTrue(error("[pde]", with: "[pde").hasPrefix("demo.toml:3: TOML syntax:"), error("[pde]", with: "[pde"))
        XCTAssertEqual(error("permeability = \"1 + x*y\"", with: "permeability = \"random\""),
                       "demo.toml:5: pde.permeability: is \"random\" but there is no [inputs.permeability] table")
        XCTAssertEqual(error("kind = \"dirichlet\"", with: "kind = \"dirichlett\""),
                       "demo.toml:23: boundary[0].kind: unknown kind \"dirichlett\"; expected one of dirichlet, neumann, robin")
    }

    /// Sizes that would exhaust memory or never finish are refused by `check`, before anything
    /// is allocated, saying how much they would need; `memory_limit_gb` is the explicit override.
    func testResourceLimitsAreCheckedBeforeAnythingIsAllocated() throws {
        func error(_ old: String, with new: String) -> String {
            do {
                _ = try PDEProblem(text: valid.replacingOccurrences(of: old, with: new), file: "demo.toml")
                return "no error"
            } catch { return "\(error)" }
        }
        let big = error("grid = [33, 17]", with: "grid = [4096, 4096]")
        XCTAssertTrue(big.hasPrefix("demo.toml:27: reference.grid: 4096 × 4096 points × 2 geometries × 3 samples would need about 44.5 GB"), big)
        XCTAssertTrue(big.contains("raise [reference] memory_limit_gb"), big)
        XCTAssertEqual(error("grid = [33, 17]", with: "grid = [4096, 4096]\nmemory_limit_gb = 64"), "no error")
        XCTAssertTrue(error("grid = [33, 17]", with: "grid = [33, 17]\nmemory_limit_gb = -1").contains("expected a positive number of gigabytes"))
        // A family of 10⁸ designs is counted, not built.
        let values = "[" + (0..<10_000).map { "0.\($0)" }.joined(separator: ", ") + "]"
        let start = Date()
        let family = error("translate = [0.1, 0]", with: "translate = [\"a\", \"b\"]\n[geometry.family]\na = \(values)\nb = \(values)")
        XCTAssertTrue(family.contains("geometry[1].family: declares 100000000 geometries; at most 4096"), family)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let many = (0..<4100).map { "[[geometry]]\nname = \"g\($0)\"\nshape = \"rectangle\"\nlower = [0, 0]\nupper = [1, 1]" }.joined(separator: "\n")
        XCTAssertTrue(error("[[boundary]]", with: many + "\n[[boundary]]").contains("is geometry 4097; at most 4096"))
    }

    func testReactionDiffusionFamiliesAndTime() throws {
        let text = """
            [pde]
            kind = "reaction-diffusion"
            diffusivity = "0.5"
            initial = "sin(pi*x)"

            [inputs.parameters]
            a = [0.1, 1]
            b = 2

            [[reaction]]
            name = "fisher"
            expression = "a*u*(1-u)"

            [[geometry]]
            name = "line"
            shape = "interval"
            lower = 0
            upper = 1

            [time]
            end = 2
            steps = 40
            outputs = 8
            scheme = "backward-euler"
            """
        let p = try PDEProblem(text: text, file: "rd.toml")
        let listed = try PDEProblem(text: text.replacingOccurrences(of: "outputs = 8", with: "output_times = [0.1, 0.75, 2]"), file: "rd.toml")
        XCTAssertEqual(listed.time?.times, [0, 0.1, 0.75, 2])
        XCTAssertEqual(listed.time?.stepsPerOutput, [2, 13, 25])
        XCTAssertEqual(p.time?.times.count, 9)
        for (bad, message) in [("output_times = [0.5, 0.5]", "expected increasing times, but 0.5 follows 0.5"),
                               ("output_times = [0, 1]", "expected times in (0, end = 2.0]"),
                               ("output_times = [1]\noutputs = 4", "give outputs (a count of evenly spaced times) or output_times (a list), not both")] {
            XCTAssertThrowsError(try PDEProblem(text: text.replacingOccurrences(of: "outputs = 8", with: bad), file: "rd.toml")) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
        XCTAssertEqual(p.pde, .reactionDiffusion)
        XCTAssertEqual(p.time?.steps, 40)
        XCTAssertEqual(p.time?.scheme, .backwardEuler)
        XCTAssertEqual(p.parameters.map(\.name), ["a", "b"])
        XCTAssertEqual(p.parameters[1].range, 2...2)
        XCTAssertEqual(p.reactions.map(\.name), ["fisher"])
        func message(_ a: String, _ b: String) -> String {
            do { _ = try PDEProblem(text: text.replacingOccurrences(of: a, with: b), file: "rd.toml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("a*u*(1-u)", "exp(u)").hasPrefix("rd.toml:12: reaction[0].expression: not a polynomial in u of degree at most 8"))
        XCTAssertEqual(message("outputs = 8", "outputs = 7"), "rd.toml:23: time.outputs: expected a positive divisor of steps (40), got 7; for times that do not divide [0, end] evenly list them as output_times")
        XCTAssertTrue(message("steps = 40", "steps = 1000000000").contains("time.steps: expected a positive integer of at most 100000000"), message("steps = 40", "steps = 1000000000"))
        XCTAssertTrue(message("outputs = 8", "outputs = 1000000").contains("time.outputs: expected at most 100000 output times"))
        XCTAssertTrue(message("b = 2", "b = nan").hasSuffix("inputs.parameters.b: expected a finite number, got nan"), message("b = 2", "b = nan"))
        XCTAssertTrue(message("a = [0.1, 1]", "a = [0.1, inf]").hasSuffix("inputs.parameters.a: expected finite bounds, got [0.1, inf]"),
                      message("a = [0.1, 1]", "a = [0.1, inf]"))
        XCTAssertEqual(message("a*u*(1-u)", "c*u"), "rd.toml:12: reaction[0].expression: in expression \"c*u\" at column 1: unknown name \"c\"; expected one of a, b, u, pi, e")
    }

    func testRandomPermeabilityAndMissingFile() throws {
        let text = valid.replacingOccurrences(of: "permeability = \"1 + x*y\"", with: "permeability = \"random\"")
            + "\n[inputs.permeability]\nkind = \"lognormal\"\ncovariance = \"spherical\"\nlength = 0.25\nterms = 50\n"
        let p = try PDEProblem(text: text, file: "r.toml")
        guard case let .random(field) = p.coefficient else { return XCTFail("expected a random field") }
        XCTAssertEqual(field.covariance, .spherical)
        XCTAssertEqual(field.terms, 50)
        XCTAssertEqual(field.variance, 1)
        XCTAssertThrowsError(try PDEProblem(contentsOf: "/nonexistent/x.toml")) {
            XCTAssertEqual("\($0)", "x.toml: cannot read the file (missing, unreadable or not UTF-8)")
        }
    }

    /// A geometry family expands into one geometry per combination of its parameters; numbers
    /// in the shape may be expressions of them, and `repeat` copies a part with index `i`.
    func testGeometryFamiliesAndRepeatedParts() throws {
        let text = """
            [pde]
            kind = "heat"
            conductivity = "1"

            [[geometry]]
            name = "plate"
            shape = "rectangle"
            lower = [0, 0]
            upper = [2, 1]
            subtract = [{ shape = "disk", repeat = "n", center = ["p", "(i + 1) / (n + 1)"], radius = 0.05 }]

            [geometry.family]
            n = [1, 3]
            p = [0.5, 1.5]
            """
        let p = try PDEProblem(text: text, file: "plate.toml")
        XCTAssertEqual(p.geometries.map(\.name), ["plate(n=1, p=0.5)", "plate(n=1, p=1.5)", "plate(n=3, p=0.5)", "plate(n=3, p=1.5)"])
        XCTAssertEqual(p.geometries.map(\.family), Array(repeating: "plate", count: 4))
        XCTAssertEqual(p.familyParameters("plate"), ["n", "p"])
        let last = p.geometries[3].shape.subtract
        XCTAssertEqual(last.count, 3)
        XCTAssertEqual(last.map { $0.parameters["center"]! }, [[1.5, 0.25], [1.5, 0.5], [1.5, 0.75]])
        func message(_ a: String, _ b: String) -> String {
            let changed = text.replacingOccurrences(of: a, with: b)
            XCTAssertNotEqual(changed, text)
            do { _ = try PDEProblem(text: changed, file: "plate.toml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("(i + 1) / (n + 1)", "(j + 1)"),
                       "plate.toml:10: geometry[0].subtract[0].center[1]: in expression \"(j + 1)\" at column 2: unknown name \"j\"; expected one of i, n, p, pi, e")
        XCTAssertEqual(message("repeat = \"n\"", "repeat = \"n / 2\""),
                       "plate.toml:10: geometry[0].subtract[0].repeat: expected a whole number of copies between 0 and 10000, got 0.5")
        XCTAssertEqual(message("n = [1, 3]", "x = [1, 3]"), "plate.toml:13: geometry[0].family.x: is a reserved name; choose another family parameter name")
    }
}

/// `[model]` and `[training]` with its profiles.
final class ModelSectionTests: XCTestCase {
    let text = ProblemFileTests.valid + """


        [model]
        branch_input = "fields"
        kernel = 3
        latent = 16

        [training]
        steps = 100
        optimizer = "adam-then-lion"
        switch_step = 60
        split = "geometry"
        train_geometries = ["square"]

        [training.quick]
        steps = 10
        batch = 4
        """

    func testModelAndTrainingProfilesDecode() throws {
        let problem = try PDEProblem(text: text, file: "demo.toml")
        XCTAssertEqual(problem.model.branchInput, .fields)
        XCTAssertEqual(problem.model.kernel, 3)
        XCTAssertEqual(problem.model.latent, 16)
        XCTAssertEqual(problem.model.filters, [16, 32, 64, 64])  // default
        XCTAssertEqual(problem.model.activation, .relu)
        XCTAssertFalse(problem.model.conditionedTrunk)  // defaults: the paper's DeepONet
        XCTAssertEqual(problem.model.outputScaling, .point)
        let paper = try XCTUnwrap(problem.trainingProfiles["paper"]), quick = try XCTUnwrap(problem.trainingProfiles["quick"])
        XCTAssertEqual(paper.steps, 100)
        XCTAssertEqual(paper.batch, 32)
        XCTAssertEqual(paper.switchStep, 60)
        XCTAssertEqual(paper.split, .geometry(train: ["square"]))
        XCTAssertEqual(paper.samples, 3)  // [reference] samples
        XCTAssertEqual(quick.steps, 10)
        XCTAssertEqual(quick.batch, 4)
        XCTAssertEqual(quick.optimizer, .adamThenLion)  // inherited
        XCTAssertEqual(quick.split, paper.split)
        // Without the sections: defaults for the problem's kind, the same settings in both profiles.
        let plain = try PDEProblem(text: ProblemFileTests.valid, file: "demo.toml")
        XCTAssertEqual(plain.model.branchInput, .fields)
        XCTAssertEqual(plain.trainingProfiles["quick"], plain.trainingProfiles["paper"])
    }

    func testPiecewiseLearningRateDecodesAndIsInheritedByProfiles() throws {
        let piecewise = text.replacingOccurrences(of: "switch_step = 60", with: "switch_step = 60\ndecay = \"piecewise\"\nboundaries = [30, 70]\nlearning_rates = [1e-3, 1e-4, 1e-5]")
            + "\n\n[training.exponential]\ndecay = \"exponential\"\ndecay_rate = 0.5\n"
        let problem = try PDEProblem(text: piecewise, file: "demo.toml")
        let paper = try XCTUnwrap(problem.trainingProfiles["paper"]), quick = try XCTUnwrap(problem.trainingProfiles["quick"])
        XCTAssertEqual(paper.piecewise, PDEProblem.Piecewise(boundaries: [30, 70], rates: [1e-3, 1e-4, 1e-5]))
        XCTAssertEqual(quick.piecewise, paper.piecewise)  // inherited
        XCTAssertEqual(paper.learningRate, 1e-3)  // the first rate
        let exponential = try XCTUnwrap(problem.trainingProfiles["exponential"])
        XCTAssertNil(exponential.piecewise)
        XCTAssertEqual(exponential.decayRate, 0.5)
        XCTAssertNil(try PDEProblem(text: text, file: "demo.toml").trainingProfiles["paper"]?.piecewise)

        func error(_ replace: String, with replacement: String) -> String {
            let changed = piecewise.replacingOccurrences(of: replace, with: replacement)
            XCTAssertNotEqual(changed, piecewise, "replacement of \(replace) did nothing")
            do { _ = try PDEProblem(text: changed, file: "demo.toml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("learning_rates = [1e-3, 1e-4, 1e-5]", with: "learning_rates = [1e-3, 1e-4]"),
                       "demo.toml:42: training.learning_rates: expected 3 rates (one more than the 2 boundaries), got 2")
        XCTAssertEqual(error("boundaries = [30, 70]", with: "boundaries = [70, 30]"),
                       "demo.toml:41: training.boundaries: expected increasing positive steps, got [70, 30]")
        XCTAssertEqual(error("decay = \"piecewise\"", with: "decay = \"cosine\""),
                       "demo.toml:40: training.decay: unknown decay \"cosine\"; expected one of exponential, piecewise")
        XCTAssertEqual(error("decay = \"piecewise\"", with: "decay = \"piecewise\"\ndecay_every = 10"),
                       "demo.toml:41: training.decay_every: a piecewise decay takes boundaries and learning_rates, not decay_every")
        XCTAssertEqual(error("decay = \"piecewise\"", with: "decay = \"piecewise\"\nlearning_rate = 1e-2"),
                       "demo.toml:41: training.learning_rate: a piecewise decay takes boundaries and learning_rates, not learning_rate")
        XCTAssertEqual(error("learning_rates = [1e-3, 1e-4, 1e-5]\n", with: "\n"),
                       "demo.toml:36: training.learning_rates: missing; expected one rate more than boundaries, e.g. [1e-3, 1e-4, 1e-5]")
    }

    func testModelAndTrainingErrorsNameLineKeyAndExpectation() {
        func error(_ replace: String, with replacement: String) -> String {
            let changed = text.replacingOccurrences(of: replace, with: replacement)
            XCTAssertNotEqual(changed, text, "replacement of \(replace) did nothing")
            do {
                _ = try PDEProblem(text: changed, file: "demo.toml")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(error("kernel = 3", with: "kernel = 4"), "demo.toml:33: model.kernel: expected an odd positive kernel size, got 4")
        XCTAssertEqual(error("branch_input = \"fields\"", with: "branch_input = \"functional-form\""),
                       "demo.toml:32: model.branch_input: functional-form encodes reaction families; this is a darcy problem")
        XCTAssertEqual(error("optimizer = \"adam-then-lion\"", with: "optimizer = \"sgd\""),
                       "demo.toml:38: training.optimizer: unknown optimizer \"sgd\"; expected one of adam, lion, adam-then-lion")
        XCTAssertEqual(error("train_geometries = [\"square\"]", with: "train_geometries = [\"sqare\"]"),
                       "demo.toml:41: training.train_geometries: unknown geometry \"sqare\"; expected names from square, holed")
        XCTAssertEqual(error("batch = 4", with: "batch = 0"), "demo.toml:45: training.quick.batch: expected an integer ≥ 1, got 0")
        XCTAssertEqual(error("latent = 16", with: "latent = 16\nconditioned_trunk = true"),
                       "demo.toml:35: model.conditioned_trunk: the trunk can be conditioned on a dense branch's input vector (parameters, functional-form), not on fields")
        XCTAssertTrue(error("latent = 16", with: "latent = 16\noutput_scaling = \"pointwise\"").contains("expected one of point, global"),
                      error("latent = 16", with: "latent = 16\noutput_scaling = \"pointwise\""))
        XCTAssertTrue(error("latent = 16", with: "latent = 16\nlatnt = 3").hasPrefix("demo.toml:35: model.latnt: unknown key; expected one of"),
                      error("latent = 16", with: "latent = 16\nlatnt = 3"))
        XCTAssertTrue(error("kernel = 3", with: "kernel = 3\nactivation = \"relu6\"").contains("expected one of identity, tanh, sigmoid, relu, leaky-relu"),
                      error("kernel = 3", with: "kernel = 3\nactivation = \"relu6\""))
    }
}
