import Foundation
import TandemCore

/// A synthetic cohort of electrodermal-activity recordings whose dynamics, labels and parameters
/// are known by construction: the reference data of the EDA model, as the finite-difference
/// solvers are of the field models.
///
/// Each subject goes through protocol blocks (the first condition first, the others in a seeded
/// order), each block with a context vector `u` — questionnaire-like scores: the condition's mean,
/// plus a subject offset and a block draw, both Gaussian. The measured skin conductance (µS) is
/// `EDA = tonic + phasic + ε`:
/// - **tonic**: the exact solution of `dEDA/dt = −k·EDA + bᵀu(t)` (per subject `k = γα₀`,
///   `b = γβ`), constant `u` within a block, starting at the first block's equilibrium `bᵀu/k`;
/// - **phasic**: skin-conductance responses, a Poisson train of impulses whose rate depends on
///   the condition, each shaped by the Bateman function `e^(−t/τ₀) − e^(−t/τ₁)` (normalised to
///   peak 1, `τ₀ = 2 s`, `τ₁ = 0.7 s` as in cvxEDA: Greco et al., IEEE TBME 63(4), 2016,
///   doi:10.1109/TBME.2015.2474131) with log-normal amplitudes;
/// - **ε**: white Gaussian noise of standard deviation `noise`.
///
/// Optionally a wrist accelerometer (32 Hz, three axes in 1/64 g: gravity plus condition-dependent
/// movement) and skin temperature (°C, an Ornstein–Uhlenbeck drift around a condition offset).
/// Everything is drawn from one ``SeededGenerator``: a seed gives the same cohort on any machine.
public enum EDACohort {
    /// What the generator draws.
    public struct Settings: Sendable, Equatable {
        /// Number of subjects.
        public var subjects: Int
        /// Condition names; the first is every subject's first block.
        public var conditions: [String]
        /// Seconds of each condition's block.
        public var durations: [Double]
        /// The mean context vector of each condition, `[conditions][m]`.
        public var contextMeans: [[Double]]
        /// Standard deviations of the subject offset and of the per-block draw of `u`, per component.
        public var subjectSpread: [Double], blockSpread: [Double]
        /// Samples per second of the EDA (and temperature) channel.
        public var rate: Double
        /// The population's decay rate `k = γα₀` (1/s) and input gains `b = γβ` (µS/s per unit of `u`).
        public var decay: Double, gains: [Double]
        /// Relative standard deviation of each subject's `k` and `b` around the population's (log-normal).
        public var parameterSpread: Double
        /// Mean SCR amplitude (µS) and the bursts per minute of each condition.
        public var phasicAmplitude: Double, burstRates: [Double]
        /// Bateman time constants (s).
        public var tau0: Double = 2.0, tau1: Double = 0.7
        /// Standard deviation of the measurement noise (µS).
        public var noise: Double
        /// Whether to draw the accelerometer (32 Hz) and temperature channels.
        public var accelerometer: Bool, temperature: Bool
        /// Seed of every draw.
        public var seed: UInt64

        /// Settings with WESAD's four conditions (baseline, stress, amusement, meditation), SAM
        /// valence and arousal and a STAI-like anxiety score as `u`.
        public init(subjects: Int = 15, conditions: [String] = ["baseline", "stress", "amusement", "meditation"],
                    durations: [Double] = [300, 240, 180, 180],
                    contextMeans: [[Double]] = [[5, 3, 1.8], [4, 7, 3.2], [7, 5, 1.6], [6, 2, 1.4]],
                    subjectSpread: [Double] = [0.4, 0.4, 0.15], blockSpread: [Double] = [0.3, 0.3, 0.1],
                    rate: Double = 4, decay: Double = 0.02, gains: [Double] = [0.002, 0.010, 0.010], parameterSpread: Double = 0.01,
                    phasicAmplitude: Double = 0.05, burstRates: [Double] = [1, 4, 2.5, 0.7], noise: Double = 0.03,
                    accelerometer: Bool = true, temperature: Bool = true, seed: UInt64 = 0) {
            self.subjects = subjects
            self.conditions = conditions
            self.durations = durations
            self.contextMeans = contextMeans
            self.subjectSpread = subjectSpread
            self.blockSpread = blockSpread
            self.rate = rate
            self.decay = decay
            self.gains = gains
            self.parameterSpread = parameterSpread
            self.phasicAmplitude = phasicAmplitude
            self.burstRates = burstRates
            self.noise = noise
            self.accelerometer = accelerometer
            self.temperature = temperature
            self.seed = seed
        }

        /// Components of `u`.
        public var contextSize: Int { gains.count }

        /// What is inconsistent, or `nil`: one duration, mean and burst rate per condition, one
        /// spread and gain per component of `u`, positive rates.
        public var problem: String? {
            let c = conditions.count, m = gains.count
            if subjects < 1 { return "subjects must be at least 1" }
            if c < 2 { return "at least two conditions are needed to classify" }
            if durations.count != c || burstRates.count != c || contextMeans.count != c {
                return "durations, burst rates and context means need one entry per condition (\(c))"
            }
            if contextMeans.contains(where: { $0.count != m }) || subjectSpread.count != m || blockSpread.count != m {
                return "each context mean and both spreads need one entry per gain (\(m))"
            }
            if !(decay > 0) || !(rate > 0) || durations.contains(where: { !($0 > 0) }) { return "decay, rate and durations must be positive" }
            return nil
        }
    }

    /// One block of a subject's protocol.
    public struct Block: Sendable, Equatable {
        /// Index into ``Settings/conditions``.
        public let condition: Int
        /// Seconds from the start of the recording.
        public let start: Double, end: Double
        /// The context vector `u` of the block.
        public let context: [Double]
    }

    /// One subject's recording and its ground truth.
    public struct Subject: Sendable {
        /// `S1`, `S2`, ….
        public let id: String
        /// The protocol, in time order, covering `[0, duration)` without gaps.
        public let blocks: [Block]
        /// The subject's own `k = γα₀` and `b = γβ`.
        public let decay: Double, gains: [Double]
        /// Measured EDA (µS) at ``Settings/rate``, and its noise-free tonic and phasic parts.
        public let eda: [Double], tonic: [Double], phasic: [Double]
        /// Accelerometer samples `[n, 3]` row-major at 32 Hz (1/64 g), if drawn.
        public let accelerometer: [Double]?
        /// Skin temperature (°C) at ``Settings/rate``, if drawn.
        public let temperature: [Double]?
    }

    /// The accelerometer's rate (Hz), as the E4's.
    public static let accelerometerRate = 32.0

    /// Draws the cohort.
    /// - Precondition: ``Settings/problem`` is `nil`.
    public static func generate(_ s: Settings) -> [Subject] {
        precondition(s.problem == nil, "EDACohort: \(s.problem ?? "")")
        var root = SeededGenerator(seed: s.seed)
        return (0..<s.subjects).map { index in
            var g = root.split()
            return subject(index, s, &g)
        }
    }

    /// Bateman's function normalised to peak 1, at `t ≥ 0` seconds.
    public static func bateman(_ t: Double, tau0: Double, tau1: Double) -> Double {
        let peak = log(tau0 / tau1) * tau0 * tau1 / (tau0 - tau1)
        let top = exp(-peak / tau0) - exp(-peak / tau1)
        return t < 0 ? 0 : (exp(-t / tau0) - exp(-t / tau1)) / top
    }

    static func subject(_ index: Int, _ s: Settings, _ g: inout SeededGenerator) -> Subject {
        let m = s.contextSize
        let decay = s.decay * exp(s.parameterSpread * g.nextStandardNormal())
        let gainFactor = exp(s.parameterSpread * g.nextStandardNormal())
        let gains = s.gains.map { $0 * gainFactor }
        let offset = (0..<m).map { s.subjectSpread[$0] * g.nextStandardNormal() }
        // The first condition first, the rest shuffled (Fisher–Yates on the seeded stream).
        var order = Array(1..<s.conditions.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        var blocks: [Block] = [], t = 0.0
        for c in [0] + order {
            let u = (0..<m).map { s.contextMeans[c][$0] + offset[$0] + s.blockSpread[$0] * g.nextStandardNormal() }
            blocks.append(Block(condition: c, start: t, end: t + s.durations[c], context: u))
            t += s.durations[c]
        }
        let n = Int((t * s.rate).rounded(.down))
        func block(at time: Double) -> Block { blocks.last { $0.start <= time } ?? blocks[0] }
        func equilibrium(_ b: Block) -> Double { zip(gains, b.context).map(*).reduce(0, +) / decay }
        // Tonic: exact exponential relaxation x* + (x₀ − x*) e^(−k (t − t₀)) within each block.
        var tonic = [Double](repeating: 0, count: n)
        var blockIndex = 0, startLevel = equilibrium(blocks[0])
        for i in 0..<n {
            let time = Double(i) / s.rate
            while blockIndex + 1 < blocks.count, time >= blocks[blockIndex + 1].start {
                let b = blocks[blockIndex], target = equilibrium(b)
                startLevel = target + (startLevel - target) * exp(-decay * (b.end - b.start))
                blockIndex += 1
            }
            let b = blocks[blockIndex], target = equilibrium(b)
            tonic[i] = target + (startLevel - target) * exp(-decay * (time - b.start))
        }
        // Phasic: Poisson bursts, Bateman-shaped, truncated after 10 τ₀.
        var phasic = [Double](repeating: 0, count: n)
        let kernel = (0..<Int(10 * s.tau0 * s.rate)).map { bateman(Double($0) / s.rate, tau0: s.tau0, tau1: s.tau1) }
        for b in blocks {
            let rate = s.burstRates[b.condition] / 60
            guard rate > 0 else { continue }
            var time = b.start - log(1 - g.nextUnitDouble()) / rate
            while time < b.end {
                let amplitude = s.phasicAmplitude * exp(0.4 * g.nextStandardNormal() - 0.08)
                let first = Int((time * s.rate).rounded(.up))
                for (k, h) in kernel.enumerated() where first + k < n { phasic[first + k] += amplitude * h }
                time -= log(1 - g.nextUnitDouble()) / rate
            }
        }
        let eda = (0..<n).map { tonic[$0] + phasic[$0] + s.noise * g.nextStandardNormal() }
        var accelerometer: [Double]?
        if s.accelerometer {
            let count = Int(t * accelerometerRate)
            let activity = [2.0, 6.0, 4.0, 1.0]
            accelerometer = (0..<count).flatMap { i -> [Double] in
                let a = activity[block(at: Double(i) / accelerometerRate).condition % activity.count]
                return [a * g.nextStandardNormal(), a * g.nextStandardNormal(), 64 + a * g.nextStandardNormal()].map { $0.rounded() }
            }
        }
        var temperature: [Double]?
        if s.temperature {
            let shift = [0.0, -0.4, 0.1, 0.3]
            var value = 33.0 + 0.3 * g.nextStandardNormal()
            temperature = (0..<n).map { i in
                let target = 33.0 + shift[block(at: Double(i) / s.rate).condition % shift.count]
                value += (target - value) / (60 * s.rate) + 0.005 * g.nextStandardNormal()
                return value
            }
        }
        return Subject(id: "S\(index + 1)", blocks: blocks, decay: decay, gains: gains, eda: eda, tonic: tonic, phasic: phasic,
                       accelerometer: accelerometer, temperature: temperature)
    }
}
