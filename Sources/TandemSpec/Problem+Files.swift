import Foundation

extension Problem {
    /// A file or folder a problem file names (a coefficient, observations, recordings), with the
    /// key that names it.
    public struct NamedFile: Sendable, Equatable {
        /// Where the file names it, e.g. `inputs.K.file`.
        public var keyPath: String
        /// The path as written in the file.
        public var path: String

        /// A file named at `keyPath` as `path`.
        public init(keyPath: String, path: String) {
            self.keyPath = keyPath
            self.path = path
        }
    }

    /// Every file or folder the problem reads or writes besides itself, in the order of the file's
    /// tables.
    public var namedFiles: [NamedFile] {
        switch payload {
        case let .pde(problem):
            var files: [NamedFile] = []
            if case let .file(spec) = problem.coefficient {
                files.append(NamedFile(keyPath: "inputs.\(problem.pde.coefficientKey).file", path: spec.path))
            }
            if let inverse = problem.inverse {
                files.append(NamedFile(keyPath: "inverse.observations", path: inverse.observations))
            }
            return files
        case let .signals(problem):
            return problem.path.map { [NamedFile(keyPath: "signals.path", path: $0)] } ?? []
        case let .atoms(problem):
            return problem.datasets.enumerated().compactMap { i, d in d.path.map { NamedFile(keyPath: "atoms.dataset[\(i)].path", path: $0) } }
        }
    }

    /// Whether `path`, as written in a problem file, stays inside the problem's directory: it is
    /// relative and none of its `..` components climbs above the directory. The test is on the
    /// written path (lexical, like a URL's path normalisation, RFC 3986 §5.2.4); symbolic links
    /// inside the directory are followed as the user placed them.
    public static func staysInside(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.hasPrefix("~") else { return false }
        var depth = 0
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return false }
            default: depth += 1
            }
        }
        return true
    }

    /// Refuses files named outside the problem's directory unless `allowed`: an absolute path or
    /// one whose `..` climbs out is a located error that says how to allow it. A problem file
    /// from elsewhere then reads and writes only beside itself.
    /// - Throws: ``ProblemFileError`` at the key that names the first such file.
    public func requireFilesInside(allowOutside allowed: Bool) throws {
        guard !allowed, let outside = namedFiles.first(where: { !Self.staysInside($0.path) }) else { return }
        let directory = header.directory.map { " (\($0))" } ?? ""
        throw error(at: outside.keyPath, "\"\(outside.path)\" is outside the problem file's directory\(directory); "
            + "place the file beside the problem file (a subfolder or a symbolic link there will do), "
            + "or pass --allow-outside-paths to read it where it is")
    }
}
