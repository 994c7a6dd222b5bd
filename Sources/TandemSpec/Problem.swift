import Foundation
import TOMLKit

/// A problem file, decoded and validated: a shared ``ProblemHeader`` and one payload that says
/// what the file is about.
///
/// The payload is a PDE (``PDEProblem``: `[pde]`, `[[geometry]]`, `[reference]`, a DeepONet or
/// PINN in `[model]`), physiological signals (``SignalProblem``, `[signals]`) or atomic data sets
/// (``AtomsProblem``, `[atoms]`); it is chosen by the table that names it, so each kind adds a
/// case, a top-level table and a decoder file, and never requires the PDE's tables. See `docs/problem-file.md` for every key. Only
/// declarative content: expressions are parsed into syntax trees, never run as code.
public struct Problem: Sendable {
    /// What kind of model a problem trains: the key the experiments are registered under.
    public enum ModelKind: String, CaseIterable, Sendable {
        /// A DeepONet trained on reference data (``PDEProblem/Model``).
        case deeponet
        /// A Fourier neural operator trained on reference data of a steady 2-D problem
        /// (``PDEProblem/Model/fourier``).
        case fno
        /// A POD-DeepONet: the DeepONet's branch predicting the coefficients of the training
        /// outputs' POD modes (``PDEProblem/Model/pod``).
        case podDeepONet = "pod-deeponet"
        /// A physics-informed network trained on the residual (``PDEProblem/PINNModel``).
        case pinn
        /// The multi-task EDA network on physiological signals (``SignalProblem/Model``).
        case edaPINN = "eda-pinn"
        /// The SchNet graph network of atomic energies and forces (``AtomsProblem/Model``).
        case schnet
        /// The DPA3-style line-graph network of atomic energies and forces (``AtomsProblem/Model``).
        case dpa3
    }

    /// What the file declares besides its header.
    public enum Payload: Sendable {
        /// A PDE on geometries, solved by the reference solvers (the `[pde]` table).
        case pde(PDEProblem)
        /// Physiological recordings and the EDA network (the `[signals]` table).
        case signals(SignalProblem)
        /// Labelled atomic configurations and an atomistic network (the `[atoms]` table).
        case atoms(AtomsProblem)

        /// The top-level table that selects each payload, in the order they are listed in messages.
        static let tables = ["pde", "signals", "atoms"]
    }

    /// Name, description, default seed, text and origin.
    public var header: ProblemHeader
    /// The problem itself.
    public var payload: Payload

    /// The problem's name.
    public var name: String { header.name }
    /// The file's name, for messages.
    public var file: String { header.file }
    /// The file's text, kept for provenance.
    public var text: String { header.text }

    /// The model kind `[model]` declares (what ``Problem/ModelKind`` the run trains).
    public var modelKind: ModelKind {
        switch payload {
        case let .pde(problem): return problem.modelKind
        case .signals: return .edaPINN
        case let .atoms(problem): return problem.model.kind
        }
    }

    /// The PDE payload, for commands that only make sense for one (`solve`, `observe`).
    /// - Throws: ``ProblemFileError`` naming what the file declares instead and `purpose`.
    public func pdeProblem(for purpose: String) throws -> PDEProblem {
        switch payload {
        case let .pde(problem): return problem
        case .signals: throw header.error(at: "signals", "declares physiological signals, not a PDE; \(purpose) needs a [pde] table")
        case .atoms: throw header.error(at: "atoms", "declares atomic data sets, not a PDE; \(purpose) needs a [pde] table")
        }
    }

    /// The signals payload.
    /// - Throws: ``ProblemFileError`` naming what the file declares instead and `purpose`.
    public func signalProblem(for purpose: String) throws -> SignalProblem {
        switch payload {
        case let .signals(problem): return problem
        case .pde: throw header.error(at: "pde", "declares a PDE; \(purpose) needs a [signals] table")
        case .atoms: throw header.error(at: "atoms", "declares atomic data sets; \(purpose) needs a [signals] table")
        }
    }

    /// The atoms payload.
    /// - Throws: ``ProblemFileError`` naming what the file declares instead and `purpose`.
    public func atomsProblem(for purpose: String) throws -> AtomsProblem {
        switch payload {
        case let .atoms(problem): return problem
        case .pde: throw header.error(at: "pde", "declares a PDE; \(purpose) needs an [atoms] table")
        case .signals: throw header.error(at: "signals", "declares physiological signals; \(purpose) needs an [atoms] table")
        }
    }

    /// An error about `keyPath` in this file, located at its line.
    public func error(at keyPath: String, _ message: String) -> ProblemFileError { header.error(at: keyPath, message) }

    /// Reads and validates a problem file.
    /// - Throws: ``ProblemFileError`` naming the file, line, key path and what was expected.
    public init(contentsOf path: String) throws {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ProblemFileError(file: name, line: nil, keyPath: "", message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try self.init(text: text, file: name, directory: directory)
    }

    /// Decodes a problem from TOML text; `file` names it in errors, `directory` is where relative
    /// paths in it start (`nil`: the working directory).
    public init(text: String, file: String, directory: String? = nil) throws {
        let statements = TOMLStatements(text: text)
        if let (line, message) = statements.refusal {
            throw ProblemFileError(file: file, line: line, keyPath: "", message: "TOML syntax: \(message)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ProblemFileError(file: file, line: error.source.begin.line, keyPath: "", message: "TOML syntax: \(error.description)")
        }
        let context = SpecContext(file: file, locator: SourceLocator(statements: statements.statements))
        let root = SpecTable(table, path: "", context: context)
        var header = try ProblemHeader(root, text: text, file: file)
        header.directory = directory
        self.header = header
        let declared = Payload.tables.filter(root.has)
        if declared.count > 1 { throw context.error(declared[1], "a file declares only one of [\(Payload.tables.joined(separator: "], ["))]") }
        switch declared.first {
        case "signals"?:
            payload = .signals(try SignalProblem(root, header: header))
        case "atoms"?:
            payload = .atoms(try AtomsProblem(root, header: header))
        case "pde"?:
            payload = .pde(try PDEProblem(root, header: header))
        default:
            // A file without a payload table is most often a PDE file missing `[pde]`: say what it lacks.
            if !root.has("geometry") {
                throw context.error("geometry", "missing; expected at least one [[geometry]] table")
            }
            throw context.error("pde", "missing; expected a [pde] table")
        }
        try root.finish()
    }
}

extension PDEProblem {
    /// Reads a problem file that must declare a PDE.
    /// - Throws: ``ProblemFileError`` as ``Problem/init(contentsOf:)``, or when the file declares another payload.
    public init(contentsOf path: String) throws {
        self = try Problem(contentsOf: path).pdeProblem(for: "a PDE problem")
    }

    /// Decodes TOML text that must declare a PDE (see ``Problem/init(text:file:directory:)``).
    /// - Throws: ``ProblemFileError`` as ``Problem/init(text:file:directory:)``, or when the text declares another payload.
    public init(text: String, file: String, directory: String? = nil) throws {
        self = try Problem(text: text, file: file, directory: directory).pdeProblem(for: "a PDE problem")
    }
}
