import Foundation
import XCTest

/// A test case with a fresh directory of its own, removed after each test.
open class TemporaryDirectoryTestCase: XCTestCase {
    /// The directory, made before each test.
    public var directory: URL!

    /// Makes the directory.
    override open func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Removes the directory.
    override open func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes `text` to `name` in the directory and returns its path.
    public func write(_ text: String, _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
