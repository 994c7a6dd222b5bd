import TandemDistributed

/// Which part of every global batch this process computes in data-parallel training: rank
/// `rank` of `size` takes the contiguous block ``share(of:)`` of each batch's items (functions,
/// collocation points, observations), the first `count mod size` ranks one item more.
///
/// A sharded objective returns its **share of the global value**: each loss is normalised by the
/// global batch (its global count of points, rows or mask entries), so that the global loss, each
/// task's loss and the gradient are the sums of the shares over the ranks — what ``Trainer``
/// all-reduces. (Data parallelism as in Goyal et al., "Accurate, large minibatch SGD", 2017:
/// the same global batch as one process, split.)
public struct DataShard: Sendable, Equatable {
    /// This process's rank, from 0.
    public let rank: Int
    /// The number of processes.
    public let size: Int

    /// Rank `rank` of `size`.
    public init(rank: Int, size: Int) {
        precondition(size >= 1 && (0..<size).contains(rank), "DataShard: rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
    }

    /// One process: every item.
    public static let whole = DataShard(rank: 0, size: 1)

    /// Whether this is the whole batch.
    public var isWhole: Bool { size == 1 }

    /// This rank's indices of `0..<count`.
    public func share(of count: Int) -> Range<Int> { Communicator.share(of: count, rank: rank, size: size) }

    /// This rank's items of `items`.
    public func take<C: RandomAccessCollection>(_ items: C) -> [C.Element] where C.Index == Int {
        let range = share(of: items.count)
        return Array(items[(items.startIndex + range.lowerBound)..<(items.startIndex + range.upperBound)])
    }
}
