/// A training run that cannot go on, with what was kept.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss, a gradient or the held-out loss became NaN or infinite at `step`; the checkpoint
    /// on disk is the last good one (`checkpointStep`), or there is none yet.
    case diverged(step: Int, loss: Double, checkpointStep: Int?, advice: String)
    /// A checkpoint that does not belong to this run: another problem file, another model, or a
    /// state this trainer cannot continue.
    case incompatibleCheckpoint(String)
    /// A setting the model family cannot train with (a multi-task strategy for a family without
    /// per-task losses).
    case unsupported(String)
    /// The processes of a data-parallel run hold different parameters (a checksum differs at a
    /// checkpoint): the run stops rather than go on with diverging copies.
    case ranksDisagree(step: Int, detail: String)

    /// The message.
    public var description: String {
        switch self {
        case let .diverged(step, loss, checkpoint, advice):
            return "training diverged at step \(step) (loss \(loss)); "
                + (checkpoint.map { "the last good checkpoint (step \($0)) is kept" } ?? "no checkpoint had been written yet")
                + (advice.isEmpty ? "" : "; " + advice)
        case let .incompatibleCheckpoint(reason): return "cannot resume: \(reason)"
        case let .unsupported(reason): return "cannot train: \(reason)"
        case let .ranksDisagree(step, detail):
            return "the MPI ranks hold different parameters at step \(step) (\(detail)); training stopped, the last checkpoint written before it is kept"
        }
    }
}
