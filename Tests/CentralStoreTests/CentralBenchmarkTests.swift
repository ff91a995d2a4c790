import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Opt-in benchmark (ISOTRACE_BENCH=1), not a test of speed: prints ingest records/s from 10
/// concurrent `isotrace ship` processes into a PostgreSQL with default durability (fsync on),
/// and the latency of `isotrace query --db --panda-id` with ISOTRACE_BENCH_ROWS (default 10
/// million) rows in the table, the extra rows made by generate_series in the server.
@Suite("Central store benchmark", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["ISOTRACE_BENCH"] == "1", "set ISOTRACE_BENCH=1 to run the benchmark"),
       .enabled(if: centralUnavailable == nil, "\(centralUnavailable ?? "")"))
struct CentralBenchmarkTests {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    @Test func ingestAndQuery() throws {
        let environment = ProcessInfo.processInfo.environment
        let perNode = Int(environment["ISOTRACE_BENCH_RECORDS"] ?? "") ?? 10_000
        let extraRows = Int(environment["ISOTRACE_BENCH_ROWS"] ?? "") ?? 10_000_000
        let server = try PostgresServer(settings: ["max_wal_size=8GB", "shared_buffers=1GB"])
        defer { server.remove() }
        let sink = ["--sink", server.url, "--password-file", server.passwordFile]
        #expect(try isotrace(["db", "init"] + sink).status == 0)
        let nodes = try (0..<10).map { try SimulatedNode(hostname: "bench-\($0)") }
        defer { nodes.forEach { $0.remove() } }
        var started = Self.now()
        for (index, node) in nodes.enumerated() {
            try node.append(perNode, pandaIDs: (0..<50).map { "42\(index)00000\($0)" }, pidBase: Int64(index) * 1_000_000)
        }
        print("bench: wrote \(perNode * 10) signed records on 10 nodes in \(String(format: "%.1f", Self.now() - started)) s")
        let bytes = try server.sql("SELECT 1") == "1" ? nodes.map { node in
            (try? FileManager.default.contentsOfDirectory(atPath: node.directory + "/records"))?.reduce(0) { sum, name in
                sum + ((try? FileManager.default.attributesOfItem(atPath: node.directory + "/records/" + name)[.size] as? Int) ?? 0)
            } ?? 0
        }.reduce(0, +) : 0
        print("bench: \(bytes / (perNode * 10)) bytes per record line on average")

        var before = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &before)
        started = Self.now()
        let results = try nodes.map { try Command.start([try IsotraceBinary.path(), "ship", "--out", $0.directory] + sink) }.map { $0.wait() }
        let elapsed = Self.now() - started
        for result in results { #expect(result.status == 0, "\(result)") }
        #expect(try server.sql("SELECT count(*) FROM isotrace.record") == String(perNode * 10))
        var after = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &after)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        let shipperCPU = seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) - seconds(before.ru_stime)
        print("bench: ingest \(perNode * 10) records from 10 concurrent shippers in \(String(format: "%.2f", elapsed)) s = \(Int(Double(perNode * 10) / elapsed)) records/s; the shippers used \(String(format: "%.1f", shipperCPU)) s of CPU (the rest is PostgreSQL and other load on the 2 cores)")

        if extraRows > 0 {
            started = Self.now()
            // Other nodes' records: 50 per PanDA ID, a 200-byte line, as many GIN entries as a real row.
            try server.sql("""
                INSERT INTO isotrace.record (key_id, seq, node, type, time, segment, line_no, panda_ids, task_ids, pids, uids, line)
                SELECT 'gen' || (g % 1000), g / 1000 + 1, 'gen-node-' || (g % 1000), 'process', now() - (g || ' ms')::interval,
                       'records/2026-11-26.jsonl', g / 1000 + 1, ARRAY[(5000000000 + g / 50)::text], ARRAY[(900000 + g / 5000)::text],
                       ARRAY[(g % 4000000)::bigint], ARRAY[(60000 + g % 1000)::bigint], repeat('x', 200)
                FROM generate_series(0, \(extraRows - 1)) AS g
                """)
            try server.sql("VACUUM ANALYZE isotrace.record")
            print("bench: generated \(extraRows) more rows in \(String(format: "%.0f", Self.now() - started)) s; table size \(try server.sql("SELECT pg_size_pretty(pg_total_relation_size('isotrace.record'))"))")
        }
        if extraRows > 0 {
            // Ingest again, now into the big table (its GIN indexes are no longer small).
            for (index, node) in nodes.enumerated() {
                try node.append(perNode, pandaIDs: (0..<50).map { "43\(index)00000\($0)" }, pidBase: Int64(index) * 1_000_000 + 500_000)
            }
            let start = Self.now()
            let again = try nodes.map { try Command.start([try IsotraceBinary.path(), "ship", "--out", $0.directory] + sink) }.map { $0.wait() }
            let took = Self.now() - start
            for result in again { #expect(result.status == 0 && result.stdout.contains("\(perNode) new"), "\(result)") }
            print("bench: ingest \(perNode * 10) more records into the table of \(extraRows + perNode * 10) rows in \(String(format: "%.2f", took)) s = \(Int(Double(perNode * 10) / took)) records/s")
        }
        let db = ["--db", server.url, "--password-file", server.passwordFile]
        var latencies: [Double] = []
        for round in 0..<20 {
            let pandaID = "42\(round % 10)00000\(round % 50)"
            let start = Self.now()
            let result = try isotrace(["query", "--panda-id", pandaID, "--format", "json"] + db)
            latencies.append(Self.now() - start)
            #expect(result.status == 0 && result.stdout.contains("bench-\(round % 10)"), "\(result)")
        }
        latencies.sort()
        print("bench: isotrace query --db --panda-id (whole command, \(perNode / 50) records per job) median \(String(format: "%.0f", latencies[10] * 1000)) ms, max \(String(format: "%.0f", latencies.last! * 1000)) ms over 20, with \(try server.sql("SELECT count(*) FROM isotrace.record")) rows")
        let plan = try server.sql("EXPLAIN (ANALYZE, TIMING) SELECT key_id, node, segment, line_no, line FROM isotrace.record WHERE panda_ids @> ARRAY['4230000012']::text[] ORDER BY key_id, seq")
        print("bench: the SQL alone:\n\(plan)")
    }
}
