#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An output file written under a temporary name beside its target and renamed over the target
/// only when complete, so a failed or interrupted write never replaces a good file with a broken
/// one (the rule checkpoints follow too).
///
/// Creating it checks what NetCDF-C and HDF5 would only report as "Permission denied" or "HDF
/// error": a missing directory, a target that is a directory or a device, and the real `errno`
/// of creating a file there.
struct AtomicOutput {
    /// The file the user asked for.
    let path: String
    /// Where the data goes until ``commit()``.
    let temporary: String

    /// - Throws: ``NetCDFError/output(path:reason:)`` saying why nothing can be written at `path`.
    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw NetCDFError.output(path: path, reason: "the directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else { throw NetCDFError.output(path: path, reason: "\(directory) is not a directory") }
        var status = stat()
        if lstat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR { throw NetCDFError.output(path: path, reason: "it is a directory; give a file name") }
            if (status.st_mode & S_IFMT) != S_IFREG { throw NetCDFError.output(path: path, reason: "it exists and is not a regular file") }
        }
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw NetCDFError.output(path: path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        Glibc.close(descriptor)
    }

    /// Moves the finished file over the target.
    /// - Throws: ``NetCDFError/output(path:reason:)`` with `rename`'s reason.
    func commit() throws {
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw NetCDFError.output(path: path, reason: "cannot move the finished file into place: \(reason)")
        }
    }

    /// Removes the unfinished file; the target is left as it was.
    func discard() { unlink(temporary) }

    /// A note on free space when the target's file system is (nearly) full, for write errors
    /// the library reports without a cause; empty otherwise.
    var spaceNote: String {
        var info = statvfs()
        guard statvfs(temporary, &info) == 0 else { return "" }
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        return free < 16 << 20 ? " (the file system holding it has \(free) bytes free: no space left)" : ""
    }
}
