import Base
import Records

/// The records built and not appended yet, in chain order. While a signing thread runs
/// (`DaemonLoop.startSigning`), each record appended here is handed to it at once (`handOff`),
/// so the chain writer signs the cycle's first records while the later ones are being built.
struct PendingRecords {
    private(set) var bodies: [RecordBody] = []
    /// The signing thread's queue, while one runs.
    var handOff: HandOffQueue<RecordBody>?

    var count: Int { bodies.count }
    var isEmpty: Bool { bodies.isEmpty }

    mutating func append(_ body: RecordBody) {
        bodies.append(body)
        handOff?.put(body)
    }

    func contains(where predicate: (RecordBody) -> Bool) -> Bool { bodies.contains(where: predicate) }

    mutating func removeFirst(_ count: Int) { bodies.removeFirst(count) }

    mutating func removeAll() { bodies.removeAll(keepingCapacity: true) }
}
