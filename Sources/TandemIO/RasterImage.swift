import CZlib
import Foundation

/// An 8-bit RGB raster with the few drawing operations Tandem's figures need (filled
/// rectangles, lines, 5 × 7 bitmap text) and PNG output through zlib.
public struct RasterImage: Sendable {
    /// An RGB colour.
    public struct Color: Equatable, Sendable {
        /// Channels, 0…255.
        public var red, green, blue: UInt8
        /// A colour from its channels.
        public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) { (self.red, self.green, self.blue) = (red, green, blue) }
        /// Named colours used by the figures.
        public static let white = Color(255, 255, 255), black = Color(0, 0, 0), gray = Color(200, 200, 200),
                          darkGray = Color(110, 110, 110), blue = Color(31, 119, 180), orange = Color(255, 127, 14),
                          green = Color(44, 160, 44), red = Color(214, 39, 40), purple = Color(148, 103, 189)
        /// A palette for line series, in order.
        public static let series: [Color] = [.blue, .orange, .green, .red, .purple, .darkGray]
    }

    /// Size in pixels.
    public let width: Int, height: Int
    /// Row-major RGB bytes, top row first.
    public private(set) var pixels: [UInt8]

    /// A `width × height` image filled with `background`.
    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0, "RasterImage: empty size \(width) × \(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    /// Sets one pixel; points outside the image are ignored.
    public mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.red
        pixels[i + 1] = color.green
        pixels[i + 2] = color.blue
    }

    /// Fills a rectangle (clipped to the image).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
        for yy in Swift.max(0, y)..<Swift.max(Swift.max(0, y), Swift.min(height, y + h)) {
            for xx in Swift.max(0, x)..<Swift.max(Swift.max(0, x), Swift.min(width, x + w)) { set(xx, yy, color) }
        }
    }

    /// A one-pixel rectangle outline.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
        line(x, y, x + w - 1, y, color)
        line(x, y + h - 1, x + w - 1, y + h - 1, color)
        line(x, y, x, y + h - 1, color)
        line(x + w - 1, y, x + w - 1, y + h - 1, color)
    }

    /// A straight line between two pixels (Bresenham), `thickness` pixels wide.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: Color, thickness: Int = 1) {
        var (x, y) = (x0, y0)
        let dx = Swift.abs(x1 - x0), dy = -Swift.abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            for o in 0..<thickness { set(x + (dy == 0 ? 0 : o), y + (dy == 0 ? o : 0), color) }
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Draws `text` with its top-left corner at `(x, y)` in the built-in 5 × 7 font, each font
    /// pixel `scale` pixels wide. Letters are drawn as capitals; unknown characters as blanks.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ color: Color = .black) {
        var cursor = x
        for character in text.uppercased() {
            if let rows = Self.glyphs[character] {
                for (r, bits) in rows.enumerated() {
                    for c in 0..<5 where bits & (0x10 >> c) != 0 {
                        fill(x: cursor + c * scale, y: y + r * scale, width: scale, height: scale, color)
                    }
                }
            }
            cursor += 6 * scale
        }
    }

    /// Width in pixels of `text` at `scale` (see ``text(_:x:y:scale:_:)``).
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { Swift.max(0, text.count * 6 * scale - scale) }

    /// Copies `image` with its top-left corner at `(x, y)`.
    public mutating func draw(_ image: RasterImage, x: Int, y: Int) {
        for yy in 0..<image.height {
            for xx in 0..<image.width {
                let i = (yy * image.width + xx) * 3
                set(x + xx, y + yy, Color(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]))
            }
        }
    }

    /// The image as a PNG file (8-bit RGB, no interlace; IDAT compressed by zlib).
    /// - Throws: ``FigureError/compression(_:)`` when zlib fails.
    public func pngData() throws -> Data {
        // Each scanline starts with filter type 0 (none).
        var raw = [UInt8](repeating: 0, count: height * (width * 3 + 1))
        for y in 0..<height {
            let row = y * (width * 3 + 1)
            raw.replaceSubrange(row + 1..<row + 1 + width * 3, with: pixels[y * width * 3..<(y + 1) * width * 3])
        }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        let status = compress2(&compressed, &compressedSize, raw, uLong(raw.count), 6)
        guard status == Z_OK else { throw FigureError.compression("zlib compress2 returned \(status)") }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ body: [UInt8]) {
            let typeBytes = Array(type.utf8)
            png.append(contentsOf: Self.bigEndian(UInt32(body.count)))
            png.append(contentsOf: typeBytes)
            png.append(contentsOf: body)
            let crc = (typeBytes + body).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            png.append(contentsOf: Self.bigEndian(UInt32(crc)))
        }
        chunk("IHDR", Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
        chunk("IDAT", Array(compressed[..<Int(compressedSize)]))
        chunk("IEND", [])
        return png
    }

    /// Writes the PNG file atomically.
    public func writePNG(to path: String) throws {
        do { try pngData().write(to: URL(fileURLWithPath: path), options: .atomic) } catch let error as FigureError { throw error } catch {
            throw FigureError.io(path: path, reason: error.localizedDescription)
        }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }

    /// 5 × 7 glyphs, one byte per row (bit 4 is the leftmost column).
    static let glyphs: [Character: [UInt8]] = [
        "0": [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        "1": [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "2": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        "3": [0x1E, 0x01, 0x01, 0x0E, 0x01, 0x01, 0x1E],
        "4": [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        "5": [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        "6": [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        "7": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        "8": [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        "9": [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        "A": [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        "B": [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        "C": [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        "D": [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        "E": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        "F": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        "G": [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        "H": [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        "I": [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "J": [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        "K": [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        "L": [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        "M": [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        "N": [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        "O": [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        "P": [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        "Q": [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        "R": [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        "S": [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        "T": [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        "U": [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        "V": [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        "W": [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        "X": [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        "Y": [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04],
        "Z": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        ".": [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        ",": [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        "-": [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        "+": [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        ":": [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        "|": [0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        "=": [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        "(": [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ")": [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        "%": [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        "/": [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        "_": [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        "[": [0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E],
        "]": [0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E],
        "#": [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        "×": [0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x00],
        "μ": [0x00, 0x00, 0x11, 0x11, 0x13, 0x1D, 0x10],
        "σ": [0x00, 0x00, 0x0F, 0x12, 0x11, 0x11, 0x0E],
        "‖": [0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]
}

/// Why a figure could not be written.
public enum FigureError: Error, Equatable, CustomStringConvertible {
    /// zlib failed.
    case compression(String)
    /// The file could not be written.
    case io(path: String, reason: String)

    /// The message.
    public var description: String {
        switch self {
        case let .compression(reason): return "PNG compression failed: \(reason)"
        case let .io(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
