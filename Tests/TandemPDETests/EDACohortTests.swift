import Foundation
import TandemPDE
import XCTest

/// The synthetic EDA cohort: deterministic, and its tonic part solves the ODE it claims.
final class EDACohortTests: XCTestCase {
    func testSameSeedSameCohortOtherSeedOther() {
        var s = EDACohort.Settings(subjects: 3, durations: [60, 40, 40, 40], seed: 11)
        let a = EDACohort.generate(s), b = EDACohort.generate(s)
        XCTAssertEqual(a.map(\.eda), b.map(\.eda))
        XCTAssertEqual(a.map(\.accelerometer), b.map(\.accelerometer))
        s.seed = 12
        XCTAssertNotEqual(EDACohort.generate(s).map(\.eda), a.map(\.eda))
    }

    func testProtocolStartsWithTheFirstConditionAndCoversTheRecording() {
        let s = EDACohort.Settings(subjects: 6, durations: [60, 40, 30, 20], seed: 3)
        for subject in EDACohort.generate(s) {
            XCTAssertEqual(subject.blocks.first?.condition, 0)
            XCTAssertEqual(Set(subject.blocks.map(\.condition)), [0, 1, 2, 3])
            XCTAssertEqual(subject.blocks.last?.end, 150)
            XCTAssertEqual(subject.eda.count, 600)
            XCTAssertEqual(subject.accelerometer?.count, 150 * 32 * 3)
            for (a, b) in zip(subject.blocks, subject.blocks.dropFirst()) { XCTAssertEqual(a.end, b.start) }
        }
    }

    /// Central differences of the tonic part against `−k x + bᵀu` inside blocks: the error falls
    /// as h² (the tonic is the exact solution, sampled), so a 4× finer rate gives ≈ 16× less.
    func testTonicSolvesTheODE() {
        func worst(rate: Double) -> Double {
            let s = EDACohort.Settings(subjects: 2, durations: [120, 90, 90, 90], rate: rate, seed: 5)
            var worst = 0.0
            for subject in EDACohort.generate(s) {
                for i in 1..<(subject.tonic.count - 1) {
                    let t = Double(i) / rate
                    guard let block = subject.blocks.first(where: { $0.start + 1 < t && t < $0.end - 1 }) else { continue }
                    let derivative = (subject.tonic[i + 1] - subject.tonic[i - 1]) * rate / 2
                    let rhs = -subject.decay * subject.tonic[i] + zip(subject.gains, block.context).map(*).reduce(0, +)
                    worst = max(worst, abs(derivative - rhs))
                }
            }
            return worst
        }
        let coarse = worst(rate: 4), fine = worst(rate: 16)
        // Truncation error k³|x − x*| h²/6 with k = 0.02 1/s and |x − x*| ≲ 10 µS.
        XCTAssertLessThan(coarse, 1.5e-5 / 16)
        XCTAssertEqual(log(coarse / fine) / log(4), 2, accuracy: 0.2, "observed order \(log(coarse / fine) / log(4))")
    }

    func testNoiseAndPhasicAreWhatTheSettingsSay() {
        let s = EDACohort.Settings(subjects: 4, seed: 9)
        for subject in EDACohort.generate(s) {
            let residual = zip(subject.eda, zip(subject.tonic, subject.phasic)).map { $0 - $1.0 - $1.1 }
            let sd = (residual.map { $0 * $0 }.reduce(0, +) / Double(residual.count)).squareRoot()
            XCTAssertEqual(sd, s.noise, accuracy: 0.1 * s.noise)
            XCTAssertTrue(subject.phasic.allSatisfy { $0 >= 0 })
            XCTAssertGreaterThan(subject.phasic.max()!, 0)
        }
    }

    func testBatemanPeaksAtOne() {
        let (t0, t1) = (2.0, 0.7)
        let peak = log(t0 / t1) * t0 * t1 / (t0 - t1)
        XCTAssertEqual(EDACohort.bateman(peak, tau0: t0, tau1: t1), 1, accuracy: 1e-12)
        XCTAssertLessThan(EDACohort.bateman(peak * 0.9, tau0: t0, tau1: t1), 1)
        XCTAssertLessThan(EDACohort.bateman(peak * 1.1, tau0: t0, tau1: t1), 1)
        XCTAssertEqual(EDACohort.bateman(-1, tau0: t0, tau1: t1), 0)
    }

    func testInconsistentSettingsAreNamed() {
        var s = EDACohort.Settings()
        s.durations = [1, 2]
        XCTAssertNotNil(s.problem)
        s = EDACohort.Settings()
        s.subjectSpread = [1]
        XCTAssertNotNil(s.problem)
        XCTAssertNil(EDACohort.Settings().problem)
    }
}
