#if canImport(Glibc)
import Glibc
#endif
import Base
import SystemPackage

/// Appends signed records to the chain in DIR/records, durably and alone.
///
/// Opening takes an exclusive flock on DIR/records/.lock (held until `close()` or deinit; the
/// kernel drops it when the process dies), then reads the chain head under the lock, so two
/// writers never interleave lines or both continue from the same head. A partial last line (a
/// writer killed mid-write) is copied to `<segment>.<n>.partial`, cut off the segment and named by
/// a `recovery` record; complete lines are never rewritten.
///
/// `append` writes each segment's new lines as they are signed (in chunks of `chunkBytes`), then
/// fsync (and fsync of the directory when it created the segment), and returns only after that:
/// nothing is acknowledged before it is durable. Several records per call share one fsync. A
/// failure before the fsync (ENOSPC, a body that cannot be written) cuts the segment back to its
/// old size, so the chain stays intact; a writer killed before it leaves at most a partial last
/// line, which the next writer recovers.
public final class ChainWriter {
    public let directory: SegmentDirectory
    /// The key signing the next record: the epoch key (it changes at `rotate()`), or the one key.
    public private(set) var key: RecordSigningKey
    public let node: RecordNode
    public private(set) var head: ChainHead
    /// Partial lines this writer moved aside when it opened the chain.
    public private(set) var recovered: [RecoveredPartial] = []
    /// The epoch of `key` and its file; nil when signing with one long-lived key.
    public private(set) var epoch: (number: Int64, path: String, store: EpochKeyStore)?
    /// Leftover epoch key files (of a rotation a crash interrupted) erased on opening.
    public private(set) var erasedKeyFiles: [String] = []
    /// With `keepingWritten`: every record this writer made durable, in chain order (recovery and
    /// rotation records included), with where its line is, so the index takes them without
    /// reading them back (`RecordAppender`). Empty otherwise: a long-lived writer keeps nothing.
    public private(set) var written: [WrittenRecord] = []
    private var keepsWritten = false

    private var keyID: String
    private let clock: () -> UTCTime
    private var lockDescriptor: FileDescriptor?
    /// A partial last line left for the re-key to recover (`openForRekey`).
    private var pendingPartial: PartialLine?

    /// Opens (creating DIR/records when missing), locks, reads the head and recovers a partial line.
    public static func open(outputDirectory: String, key: RecordSigningKey, node: RecordNode,
                            clock: @escaping () -> UTCTime = UTCTime.now) throws -> ChainWriter {
        try open(outputDirectory: outputDirectory, signer: .single(key), node: node, clock: clock)
    }

    /// Opens the chain as `open(outputDirectory:key:node:clock:)` does; with epoch keys the key
    /// is the one the chain's last record continues with (`EpochKeyStore.current`), found under
    /// the lock, and leftover key files of an interrupted rotation are erased.
    public static func open(outputDirectory: String, signer: ChainSigner, node: RecordNode,
                            clock: @escaping () -> UTCTime = UTCTime.now, keepingWritten: Bool = false) throws -> ChainWriter {
        try open(outputDirectory: outputDirectory, signer: signer, node: node, clock: clock, recoverNow: true, keepingWritten: keepingWritten)
    }

    /// Opens the chain for a re-key by the root key (`rekey(to:epoch:path:store:)`), locked and
    /// its head read as `open` does; a partial last line is cut off only at the re-key, and its
    /// `recovery` record is signed by the new epoch key: the root key signs nothing but key
    /// rotations.
    public static func openForRekey(outputDirectory: String, root: RecordSigningKey, node: RecordNode,
                                    clock: @escaping () -> UTCTime = UTCTime.now) throws -> ChainWriter {
        try open(outputDirectory: outputDirectory, signer: .single(root), node: node, clock: clock, recoverNow: false, keepingWritten: false)
    }

    private static func open(outputDirectory: String, signer: ChainSigner, node: RecordNode,
                             clock: @escaping () -> UTCTime, recoverNow: Bool, keepingWritten: Bool) throws -> ChainWriter {
        let directory = SegmentDirectory(outputDirectory: outputDirectory)
        try Syscalls.makeDirectories(directory.path, mode: 0o750)
        try Syscalls.checkPrivateDirectory(outputDirectory)
        try Syscalls.checkPrivateDirectory(directory.path)
        let lock = try Syscalls.openOrCreateStateFile(directory.lockPath, O_RDWR, mode: 0o600)
        let writer: ChainWriter
        let partial: PartialLine?
        do {
            try Syscalls.lockExclusive(lock, path: directory.lockPath)
            let found = try readHead(directory)
            switch signer {
            case .single(let key):
                writer = ChainWriter(directory: directory, key: key, node: node, clock: clock, lock: lock, head: found.head)
            case .epochs(let store):
                let current = try store.current(lastLine: found.lastLine)
                writer = ChainWriter(directory: directory, key: current.key, node: node, clock: clock, lock: lock, head: found.head)
                writer.epoch = (current.epoch, current.path, store)
                writer.erasedKeyFiles = current.erased
            }
            partial = found.partial
            writer.keepsWritten = keepingWritten
        } catch {
            Syscalls.closeFile(lock)
            throw error
        }
        if let partial {
            if recoverNow { try writer.recover(partial) } else { writer.pendingPartial = partial }
        }
        return writer
    }

    private init(directory: SegmentDirectory, key: RecordSigningKey, node: RecordNode, clock: @escaping () -> UTCTime,
                 lock: FileDescriptor, head: ChainHead) {
        self.directory = directory
        self.key = key
        self.node = node
        self.keyID = key.keyID
        self.clock = clock
        self.lockDescriptor = lock
        self.head = head
    }

    deinit { close() }

    /// Releases the lock; the writer cannot append afterwards.
    public func close() {
        if let lockDescriptor { Syscalls.closeFile(lockDescriptor) }
        lockDescriptor = nil
    }

    public func append(_ body: RecordBody) throws -> AppendedRecord {
        try append([body])[0]
    }

    /// Signs and appends `bodies` in order; returns once every one of them is durable. When a
    /// batch spans two segments (midnight UTC) each segment's part is committed in turn, and an
    /// error leaves `head` at the last committed record. `bodies` may be produced while the
    /// writer signs (the daemon builds its records on one thread while this one signs them).
    public func append<Bodies: Sequence>(_ bodies: Bodies) throws -> [AppendedRecord] where Bodies.Element == RecordBody {
        precondition(lockDescriptor != nil, "append after close")
        var committed: [AppendedRecord] = []
        // The segment being appended to, and its lines not written out yet: each line is signed
        // into the end of `buffer`, which is written out in chunks and reused, so a cycle's
        // records pass through one buffer once (no copy of each line, no fresh pages per line).
        var open: OpenSegment?
        var buffer: [UInt8] = []
        var seq = head.seq, prev = head.lineHash
        do {
            try key.withSigner { signer in
                for body in bodies {
                    let time = clock()
                    var segment = SegmentDirectory.segmentName(for: time)
                    if let newest = open?.segment ?? head.segment, segment < newest { segment = newest }
                    if let current = open, current.segment != segment {
                        open = nil
                        committed += try commit(current, rest: buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                    if open == nil { open = try OpenSegment.open(segment, in: directory, head: head) }
                    seq += 1
                    let record = Record(seq: seq, time: time, node: node, prev: prev, keyID: keyID, body: body)
                    let start = buffer.count
                    try record.appendLine(signedWith: signer, to: &buffer)
                    let end = buffer.count
                    prev = Record.hash(ofLineIn: buffer, start..<end)
                    buffer.append(0x0A)
                    if keepsWritten {
                        open!.lines.append(WrittenRecord(record: record, segment: segment, offset: open!.offset(ofBufferPosition: start),
                                                         length: Int64(end - start), lineHash: prev))
                    }
                    open!.records.append(AppendedRecord(seq: seq, file: open!.path))
                    open!.head = ChainHead(seq: seq, lineHash: prev, segment: segment)
                    if buffer.count >= Self.chunkBytes {
                        try open!.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            if let current = open {
                open = nil
                committed += try commit(current, rest: buffer)
            }
        } catch {
            open?.cutBack()
            throw error
        }
        return committed
    }

    /// Lines are written out once this many bytes of them wait (a larger line at once).
    static let chunkBytes = 1 << 20

    /// Moves to a new epoch key: (1) a new Ed25519 pair, its private key written durably to
    /// epoch-<n+1>.key; (2) a `key_rotation` record naming it, signed by the current key and
    /// fsynced; (3) the current key erased from disk (`EpochKeyStore.erase`) and zeroed in
    /// memory. A crash at any step leaves a chain the next writer continues: before (2) the
    /// chain still names the current key and the new file is a leftover; after (2) it names the
    /// new one and the old file is the leftover; `EpochKeyStore.current` erases leftovers.
    /// The steps are test crash points (`CrashPoint`). Returns the rotation record.
    public func rotate() throws -> AppendedRecord {
        guard let epoch else { preconditionFailure("rotate() needs epoch keys") }
        CrashPoint.reached("rotation-start")
        let next = RecordSigningKey()
        let nextPath: String
        do {
            nextPath = try epoch.store.write(next, epoch: epoch.number + 1)
        } catch {
            next.erase()
            throw error
        }
        CrashPoint.reached("new-key-written")
        let record: AppendedRecord
        do {
            record = try append(KeyRotation(epoch: epoch.number + 1, publicKey: next.publicKey).body)
        } catch {
            try? epoch.store.erase(nextPath)
            next.erase()
            throw error
        }
        CrashPoint.reached("rotation-appended")
        let old = key
        key = next
        keyID = next.keyID
        self.epoch = (epoch.number + 1, nextPath, epoch.store)
        try epoch.store.erase(epoch.path)
        old.erase()
        CrashPoint.reached("rotation-done")
        return record
    }

    /// Re-keys a chain whose epoch key is lost or no longer trusted: appends the `key_rotation`
    /// to `epoch` naming `next`, signed by this writer's key (the root key, `openForRekey`), and
    /// goes on with `next` (written durably at `path` in `store` before this call). A partial
    /// last line found at opening is cut off first and its `recovery` record, signed by `next`,
    /// follows the rotation. Returns the rotation record.
    public func rekey(to next: RecordSigningKey, epoch number: Int64, path: String, store: EpochKeyStore) throws -> AppendedRecord {
        let cut = try pendingPartial.map(cutOff)
        pendingPartial = nil
        let record = try append(KeyRotation(epoch: number, publicKey: next.publicKey).body)
        key = next
        keyID = next.keyID
        epoch = (number, path, store)
        if let cut { try appendRecovery(cut) }
        return record
    }

    /// Makes a segment's part of an append durable (its last lines `rest` written first): the head
    /// moves to its last record and its lines join `written`. On failure the segment is cut back.
    private func commit(_ segment: OpenSegment, rest: [UInt8]) throws -> [AppendedRecord] {
        var segment = segment
        do {
            try segment.finish(rest, directory: directory)
        } catch {
            segment.cutBack()
            throw error
        }
        head = segment.head
        if keepsWritten { written += segment.lines }
        return segment.records
    }

    /// A partial line found at the end of the newest segment.
    private struct PartialLine {
        var segment: String
        var completeEnd: Int64
        var size: Int64
    }

    /// Finds the head: the last complete line of the newest non-empty segment (or of the one before,
    /// when the newest holds only a partial line), that line, and the partial line to recover, if any.
    private static func readHead(_ directory: SegmentDirectory) throws -> (head: ChainHead, lastLine: [UInt8]?, partial: PartialLine?) {
        var partial: PartialLine?
        var head = ChainHead.empty
        for segment in try directory.segments().reversed() {
            let path = directory.path(of: segment)
            let fd = try Syscalls.openStateFile(path, O_RDONLY)
            defer { Syscalls.closeFile(fd) }
            let tail = try SegmentTail.read(fd, path: path)
            if tail.size == 0 { continue }
            if tail.hasPartialLine {
                guard partial == nil && head.segment == nil else {
                    throw ChainError(path: path, reason: "ends with a partial line but later segments continue the chain; run isotrace verify")
                }
                partial = PartialLine(segment: segment, completeEnd: tail.completeEnd, size: tail.size)
            }
            guard let line = tail.lastLine else { continue }
            let seq: Int64?
            do {
                seq = try JSONParser().parse(line)["seq"]?.integerValue
            } catch {
                throw ChainError(path: path, reason: "last record is not valid JSON (\(error)); run isotrace verify")
            }
            guard let seq, seq >= 1 else { throw ChainError(path: path, reason: "last record has no valid seq; run isotrace verify") }
            head = ChainHead(seq: seq, lineHash: Record.hash(ofLine: line), segment: segment)
            if let partial, head.segment.map({ $0 < partial.segment }) ?? true { head.segment = partial.segment }
            return (head, line, partial)
        }
        if let partial { head.segment = partial.segment }
        return (head, nil, partial)
    }

    /// Copies the partial bytes to a new `.partial` file (durably), cuts them off the segment and
    /// appends the `recovery` record. A crash in between only leaves a duplicate `.partial` file.
    private func recover(_ partial: PartialLine) throws {
        try appendRecovery(try cutOff(partial))
    }

    /// The partial bytes, moved to their `.partial` file and cut off the segment.
    private struct CutPartial {
        var name: String
        var path: String
        var bytes: Int
    }

    private func cutOff(_ partial: PartialLine) throws -> CutPartial {
        let path = directory.path(of: partial.segment)
        let fd = try Syscalls.openStateFile(path, O_RDWR)
        defer { Syscalls.closeFile(fd) }
        let bytes = try Syscalls.read(fd, at: partial.completeEnd, count: Int(partial.size - partial.completeEnd), path: path)
        let (name, partialPath) = try writeNewPartialFile(for: partial.segment, bytes)
        try Syscalls.truncate(fd, to: partial.completeEnd, path: path)
        try Syscalls.sync(fd, path: path)
        return CutPartial(name: name, path: partialPath, bytes: bytes.count)
    }

    private func appendRecovery(_ cut: CutPartial) throws {
        let record = try append(.recovery(partialFile: cut.name, partialBytes: cut.bytes))
        recovered.append(RecoveredPartial(file: cut.path, bytes: cut.bytes, record: record))
    }

    private func writeNewPartialFile(for segment: String, _ bytes: [UInt8]) throws -> (name: String, path: String) {
        var number = 1
        while true {
            let name = "\(segment).\(number).partial"
            let path = directory.path(of: name)
            guard let fd = try Syscalls.createStateFile(path, O_WRONLY, mode: 0o640) else {
                number += 1
                continue
            }
            defer { Syscalls.closeFile(fd) }
            do {
                try Syscalls.writeAll(fd, bytes, path: path)
                try Syscalls.sync(fd, path: path)
                try Syscalls.fsyncDirectory(directory.path)
            } catch {
                Syscalls.remove(path)
                throw error
            }
            return (name, path)
        }
    }
}
