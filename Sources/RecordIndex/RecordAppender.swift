import Records

/// Appends records to the chain in DIR/records, then brings the index up to date: the one way
/// `isotrace audit --record` and the daemon write records. The records are durable (fsynced)
/// and the writers' lock released before the index is touched; the index can always be rebuilt
/// from the segments, so its failure comes back in the outcome (a warning), never as the
/// append's error.
public struct RecordAppender {
    public var outputDirectory: String
    public var signer: ChainSigner
    public var node: RecordNode
    /// False when the daemon was told to leave the index alone.
    public var updatesIndex: Bool

    public init(outputDirectory: String, key: RecordSigningKey, node: RecordNode, updatesIndex: Bool = true) {
        self.init(outputDirectory: outputDirectory, signer: .single(key), node: node, updatesIndex: updatesIndex)
    }

    public init(outputDirectory: String, signer: ChainSigner, node: RecordNode, updatesIndex: Bool = true) {
        self.outputDirectory = outputDirectory
        self.signer = signer
        self.node = node
        self.updatesIndex = updatesIndex
    }

    /// What one append did.
    public struct Outcome {
        /// Partial last lines moved aside (each named by a `recovery` record) before appending.
        public var recovered: [RecoveredPartial]
        public var appended: [AppendedRecord]
        /// The chain head after the append: the last record appended, and the SHA-256 of its line.
        public var head: ChainHead
        /// The `key_rotation` record appended before them (`rotate`), nil when none.
        public var rotation: AppendedRecord?
        /// Epoch key files of an interrupted rotation that the writer erased on opening.
        public var erasedKeyFiles: [String] = []
        /// The index update; nil when `updatesIndex` is false.
        public var index: Result<IndexUpdateReport, IndexError>?
    }

    /// Appends `bodies` (which may still be produced while it signs: a `HandOffQueue`) with one
    /// fsync per segment. `recovered` hears of every partial
    /// line the writer recovered on opening, before the append, so it is told even when the
    /// append then fails. Throws when nothing was appended (the chain is then as it was).
    /// `rotate`: with epoch keys, move to a new epoch key first (`ChainWriter.rotate`).
    /// `durable` is called once the records are durable, before the index is touched.
    public func append<Bodies: Sequence>(_ bodies: Bodies, rotate: Bool = false, recovered: (RecoveredPartial) -> Void = { _ in },
                                         durable: () -> Void = {}) throws -> Outcome where Bodies.Element == RecordBody {
        let writer = try ChainWriter.open(outputDirectory: outputDirectory, signer: signer, node: node, keepingWritten: updatesIndex)
        let appended: [AppendedRecord]
        var rotation: AppendedRecord?
        do {
            defer { writer.close() }
            writer.recovered.forEach(recovered)
            if rotate && writer.epoch != nil { rotation = try writer.rotate() }
            appended = try writer.append(bodies)
        }
        durable()
        var outcome = Outcome(recovered: writer.recovered, appended: appended, head: writer.head, rotation: rotation, erasedKeyFiles: writer.erasedKeyFiles)
        if updatesIndex {
            do {
                outcome.index = .success(try RecordIndex.update(directory: outputDirectory, written: writer.written))
            } catch {
                outcome.index = .failure(error)
            }
        }
        return outcome
    }
}
