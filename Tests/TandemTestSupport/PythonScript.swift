import Foundation
import XCTest

/// Runs one of the repository's Python scripts with the test interpreter and decodes the JSON it
/// prints: how tests check Tandem against independent Python code (xarray, ASE).
public enum PythonScript {
    /// The repository's root (three levels above this file).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter `make test` configures (`TANDEM_TEST_PYTHON`, the pinned `.venv-test`), or `nil`.
    public static var interpreter: String? { ProcessInfo.processInfo.environment["TANDEM_TEST_PYTHON"] }

    /// The JSON `scripts/<name>` prints for `arguments`; fails the test (`label`) with the script's
    /// standard error when it exits with an error. `nil` without an interpreter.
    public static func json(_ name: String, _ arguments: [String], label: String) throws -> Any? {
        guard let python = interpreter else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repository.appendingPathComponent("scripts/\(name)").path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(label): \(message)")
        return try JSONSerialization.jsonObject(with: data)
    }
}
