import Foundation
import TandemIO
import XCTest

/// PNG output and the figure building blocks.
final class FigureTests: XCTestCase {
    /// CRC-32 (ISO 3309, as PNG uses it), computed bit by bit independently of zlib.
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    func testPNGHasValidChunksAndHeader() throws {
        var image = RasterImage(width: 3, height: 2)
        image.set(0, 0, .red)
        image.set(2, 1, .blue)
        XCTAssertEqual(Array(image.pixels[0..<3]), [214, 39, 40])
        XCTAssertEqual(Array(image.pixels[15..<18]), [31, 119, 180])
        let png = [UInt8](try image.pngData())
        XCTAssertEqual(Array(png[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8, kinds: [String] = []
        while offset < png.count {
            let length = Int(png[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let kind = Array(png[offset + 4..<offset + 8]), body = Array(png[offset + 8..<offset + 8 + length])
            let stored = png[offset + 8 + length..<offset + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            XCTAssertEqual(stored, crc32(kind + body), String(decoding: kind, as: UTF8.self))
            kinds.append(String(decoding: kind, as: UTF8.self))
            if kinds.last == "IHDR" { XCTAssertEqual(body, [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]) }
            offset += 12 + length
        }
        XCTAssertEqual(kinds, ["IHDR", "IDAT", "IEND"])
    }

    func testTextColormapsAndPanels() {
        var image = RasterImage(width: 40, height: 10)
        image.text("1.5e-3", x: 1, y: 1)
        let inked = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0] == 0 }.count
        XCTAssertGreaterThan(inked, 20)
        XCTAssertEqual(RasterImage.textWidth("abc"), 17)
        XCTAssertEqual(Colormap.viridis.color(0), RasterImage.Color(68, 1, 84))
        XCTAssertEqual(Colormap.viridis.color(1), RasterImage.Color(253, 231, 37))
        XCTAssertEqual(Colormap.viridis.color(2), Colormap.viridis.color(1))  // clamped
        XCTAssertEqual(FieldPanel.range(of: [3, -1, .nan, 7], mask: [true, true, true, false]), -1...3)
        let figure = Figures.panels([FieldPanel(title: "u", values: [0, 1, 2, 3], columns: 2, rows: 2, mask: [true, true, true, false])], title: "t", scale: 10)
        // Row 0 is drawn at the bottom: the masked-out cell (row 1, column 1) is gray at the top right.
        let (x0, y0) = (12, 50)
        func pixel(_ x: Int, _ y: Int) -> RasterImage.Color {
            let i = (y * figure.width + x) * 3
            return RasterImage.Color(figure.pixels[i], figure.pixels[i + 1], figure.pixels[i + 2])
        }
        XCTAssertEqual(pixel(x0 + 15, y0 + 5), .gray)
        XCTAssertEqual(pixel(x0 + 5, y0 + 15), Colormap.viridis.color(0))
        XCTAssertEqual(pixel(x0 + 5, y0 + 5), Colormap.viridis.color(1))
    }
}
