import Foundation
@testable import RecordIndex
@testable import Records
import TestSupport
import Testing

/// What two chains written in two entry layouts (with `shared` and the one before) must answer
/// alike: the checks `EventEntryLayoutTests` and `SampledEntryLayoutTests` share.
enum EntryLayoutComparison {
    /// Both chains verify with `publicKey` and hold `records` records each; their rebuilt indexes
    /// have row for row the same process sightings (the record rows differ in their bytes only),
    /// which are returned.
    static func verifiedSameSightings(new: String, old: String, publicKey: RecordPublicKey, records: Int) throws -> [[String]] {
        for directory in [new, old] {
            let report = try ChainVerifier(outputDirectory: directory, publicKey: publicKey).verify()
            #expect(report.problems.isEmpty && report.records == records, "\(report.problems)")
            _ = try RecordIndex.rebuild(directory: directory)
        }
        let newRows = try HandedOverFactsTests.dump(new), oldRows = try HandedOverFactsTests.dump(old)
        #expect(newRows["process_sighting_all"] == oldRows["process_sighting_all"])
        return newRows["process_sighting_all"] ?? []
    }

    /// Each query, verified from the signed lines of either chain (`directory`, public key path):
    /// verified, not empty, and the same processes, jobs, resolution, records and shown rows.
    static func expectSameAnswers(_ queries: [RecordQuery], new: (String, String), old: (String, String)) throws {
        for query in queries {
            let answers = try [new, old].map { directory, keyPath in
                try VerifiedQuery(directory: directory, publicKey: try RecordPublicKey.load(path: keyPath), publicKeyPath: keyPath).run(query)
            }
            for answer in answers { #expect(answer.isVerified && !answer.result.isEmpty, "\(query)") }
            #expect(answers[0].result.processes == answers[1].result.processes, "\(query)")
            #expect(answers[0].result.jobs == answers[1].result.jobs, "\(query)")
            #expect(answers[0].result.resolution == answers[1].result.resolution, "\(query)")
            #expect(answers[0].result.records.map { [$0.seq.description, $0.type, $0.time] } == answers[1].result.records.map { [$0.seq.description, $0.type, $0.time] })
            let rows = answers.map { answer in
                let shown = QueryAnswer(answer, directory: "d")
                return shown.processes + shown.jobs.flatMap(\.processes)
            }
            #expect(rows[0] == rows[1] && !rows[0].isEmpty, "\(query)")
        }
    }

    /// The lines of both chains, pair by pair, once it is checked that there are as many and that
    /// a central store (Foundation's decoder) and the index's decoder take the same facts from
    /// each pair; the callers check more of each pair.
    static func sameLineFacts(new: String, old: String) throws -> [(new: Substring, old: Substring)] {
        let newLines = try lines(new), oldLines = try lines(old)
        #expect(newLines.count == oldLines.count)
        return try zip(newLines, oldLines).map { newLine, oldLine in
            let a = try RecordFacts.extract(Array(newLine.utf8)).get(), b = try RecordFacts.extract(Array(oldLine.utf8)).get()
            #expect(a.pandaIDs == b.pandaIDs && a.taskIDs == b.taskIDs && a.pids == b.pids && a.uids == b.uids && !a.pids.isEmpty)
            let decoded = try RecordLine.decode(Array(newLine.utf8), body: IndexedBody.self).body.processes
            let before = try RecordLine.decode(Array(oldLine.utf8), body: IndexedBody.self).body.processes
            #expect(decoded?.map(\.pandaID) == before?.map(\.pandaID) && decoded?.map(\.role) == before?.map(\.role)
                    && decoded?.map(\.pilot?.pid) == before?.map(\.pilot?.pid) && decoded?.map(\.uids) == before?.map(\.uids))
            return (newLine, oldLine)
        }
    }

    private static func lines(_ directory: String) throws -> [Substring] {
        try SegmentReader.segments(directory: directory).flatMap { segment in
            try String(contentsOfFile: segment.path, encoding: .utf8).split(separator: "\n")
        }
    }
}
