/// Whether tensor operations record themselves for differentiation.
///
/// Recording is on by default. Inference code runs inside ``withoutGradient(_:)`` and costs no
/// graph. The state is task-local, so concurrent tasks do not disturb each other, and nothing
/// global needs resetting between training and evaluation.
public enum GradientMode {
    @TaskLocal static var isRecording = true

    /// Whether operations started now record themselves.
    public static var isEnabled: Bool { isRecording }
}

/// Runs `body` with recording off: results are plain values that cost no graph.
public func withoutGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isRecording.withValue(false, operation: body)
}

/// Runs `body` with recording on, even inside ``withoutGradient(_:)``.
public func withGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isRecording.withValue(true, operation: body)
}
