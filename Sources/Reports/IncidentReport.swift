import Base
import Foundation
import Plot
import ProcFS
import RecordIndex

/// `isotrace query --panda-id N --format html`: the evidence for one job, for a CSIRT. Who (owner
/// DN and how far to trust it), what (every process with start and last-seen times), where (node,
/// boot, container, namespaces, cgroup), when (a timeline of sightings and findings), and the
/// proof: every cited record with its hash, key and signature check, and how to re-check it
/// without isotrace.
public enum IncidentReport {
    public static func render(_ evidence: IncidentEvidence, generatedAt: UTCTime, generator: String) -> String {
        let job = evidence.job
        var body: [BodyNode] = [header(evidence, generatedAt: generatedAt, generator: generator)]
        if let job {
            body += [.h2(.text("Who")), who(evidence, job: job),
                     .h2(.text("What: every process")), what(job),
                     .h2(.text("Pilot instances")), pilots(job),
                     .h2(.text("Where")), whereSection(evidence, job: job),
                     .h2(.text("When: timeline")), timeline(job)]
            if !job.findings.isEmpty {
                body += [.h2(.text("Findings (once per change)")), findings(job)]
            }
        } else {
            body.append(.p(.untrusted("No record of PanDA job \(evidence.pandaID) in \(evidence.recordDirectory)/records.")))
        }
        body += [.h2(.text("Proof")), proof(evidence)]
        body.append(ReportPage.footer(generator: generator, generatedAt: generatedAt.description))
        return ReportPage.render(title: "isotrace incident report: PanDA job \(evidence.pandaID)", body: body)
    }

    static func header(_ evidence: IncidentEvidence, generatedAt: UTCTime, generator: String) -> BodyNode {
        let job = evidence.job
        let verdict: (String, String) = switch job?.isolated {
        case true?: ("ISOLATED", "isolated")
        case false?: ("NOT ISOLATED", "not-isolated")
        case nil: ("NOT JUDGED", "unknown")
        }
        let hosts = Set(evidence.nodes.compactMap(\.hostname)).sorted().joined(separator: ", ")
        let verification = evidence.answer.verification
        let failed = verification.failures.count
        let proofLine = evidence.proofs.isEmpty ? "no record cited"
            : verification.status == .notVerified ? "\(evidence.proofs.count) cited record(s), NOT VERIFIED (--no-verify)"
            : failed > 0 ? "\(failed) of \(evidence.proofs.count) cited record(s) FAILED verification"
            : verification.indexTampered ? "INDEX TAMPERED: the index disagreed with the signed records"
            : verification.status == .verified ? "all \(evidence.proofs.count) cited record(s) verified"
            : "VERIFICATION FAILED: the chain is broken"
        var summary = "\(job?.processes.count ?? 0) process(es)"
        if let job, job.pilots.count > 1 { summary += " under \(job.pilots.count) pilot instances" }
        if let job { summary += " seen \(span(job.firstSeen, job.lastSeen))" }
        if !hosts.isEmpty { summary += " on \(hosts)" }
        return .header(
            .h1(.untrusted("Incident report: PanDA job \(evidence.pandaID)"), .span(.class("verdict \(verdict.1)"), .text(verdict.0))),
            .p(.class("summary-line"), .untrusted(summary + " · "),
               .span(.class(verification.status == .verified ? "proof-ok" : "proof-bad"), .untrusted(proofLine))),
            .if(failed > 0, .ul(.class("forged"), .group(verification.failures.map { .li(.class("proof-bad"), .untrusted($0.text)) }))),
            .p(.class("meta"), .untrusted("from the records in \(evidence.recordDirectory) · generated \(generatedAt) by \(generator)"))
        )
    }

    static func who(_ evidence: IncidentEvidence, job: JobAnswer) -> BodyNode {
        let owners: BodyNode = job.owners.isEmpty
            ? .untrusted(evidence.answer.verification.status == .notVerified
                ? "not read (--no-verify: owners are read from the verified record lines)"
                : "not recorded (no verified audit record names the owner: the pilot log and the job's trace report gave no DN)")
            : .group(job.owners.enumerated().map { index, owner in
                .group(.if(index > 0, .br()), .untrusted(owner.dn), .text(" "),
                       ReportPage.badge(owner.payloadWritable ? "claim" : "evidence", owner.payloadWritable ? "st-warn" : "st-pass"),
                       .text(" "),
                       .small(.class("meta"), .untrusted((owner.payloadWritable
                            ? "a claim only: the payload could write \(owner.source)"
                            : "read from \(owner.source), which the payload cannot write") + "; " + cite(owner.seqs))))
            })
        let pilotUIDs = Set(job.pilots.compactMap(\.uid)).sorted().map(String.init).joined(separator: ", ")
        let payloadUIDs = job.payloadUIDs.map(String.init).joined(separator: ", ")
        let forgedPayload = job.processes.filter { $0.role == "payload" && !$0.forged.isEmpty }
        return ReportPage.facts([
            ("owner DN", owners),
            ("task", ReportPage.text(job.taskID)),
            ("batch job", ReportPage.text(job.batchJobID)),
            ("pilot uid", ReportPage.text(pilotUIDs.isEmpty ? nil : pilotUIDs)),
            ("payload uid(s)", .group(.untrusted(payloadUIDs.isEmpty ? "? (no verified record states it)" : payloadUIDs),
                                      .if(!payloadUIDs.isEmpty && payloadUIDs == pilotUIDs,
                                          .span(.class("failing-rules"), .text("  (the pilot's uid)"))),
                                      .if(!forgedPayload.isEmpty, .group(.br(), .span(.class("proof-bad"), .untrusted(
                                        "facts of \(forgedPayload.count) payload process(es) are also stated by records that FAILED verification: not shown as fact")))))),
        ])
    }

    static func what(_ job: JobAnswer) -> BodyNode {
        ReportPage.table(headers: ["role", "PID", "uid", "started", "end", "command", "records"], rows: job.processes.map { process in
            .tr(.if(!process.forged.isEmpty, .class("st-fail")),
                ReportPage.cell(process.role, className: "num"),
                ReportPage.cell(String(process.identity.pid), className: "num"),
                ReportPage.cell(process.uidsSeen.isEmpty ? nil : process.uidsSeen.map(String.init).joined(separator: " → "), className: "num"),
                ReportPage.cell(process.startTime?.description, className: "num time"),
                ReportPage.cell(process.exitRecorded.map { "ended after \(process.lastSeen) (exit recorded \($0))" } ?? "alive at last sight \(process.lastSeen)",
                                className: "num time"),
                .td(.code(.untrusted(process.command.map { $0.joined(separator: " ") } ?? "?")),
                    .if(process.exe != nil, .group(.br(), .small(.class("meta"), .untrusted("exe \(process.exe ?? "")"))))),
                .td(links(process.records), marks(process.forged))
            )
        })
    }

    static func pilots(_ job: JobAnswer) -> BodyNode {
        ReportPage.table(headers: ["pilot PID", "boot / start_ticks", "uid", "command", "seen", "payload PIDs", "verdicts"], rows: job.pilots.map { pilot in
            .tr(
                ReportPage.cell(String(pilot.identity.pid), className: "num"),
                ReportPage.cell(.code(.untrusted("\(pilot.identity.bootID) / \(pilot.identity.startTicks)"))),
                ReportPage.cell(pilot.uid.map(String.init), className: "num"),
                .td(.code(.untrusted(pilot.command.map { $0.joined(separator: " ") } ?? "?"))),
                ReportPage.cell(span(pilot.firstSeen, pilot.lastSeen), className: "num time"),
                ReportPage.cell(pilot.payloadPIDs.map(String.init).joined(separator: " "), className: "num"),
                .td(.group(pilot.verdicts.enumerated().map { index, verdict in
                    .group(.if(index > 0, .br()), .untrusted(verdictText(verdict.isolated, verdict.failingRules) + " " + span(verdict.firstSeen, verdict.lastSeen) + " "),
                           links(verdict.records))
                })))
        })
    }

    static func verdictText(_ isolated: Bool?, _ failing: [String]) -> String {
        isolated.map { $0 ? "isolated" : "NOT isolated (\(failing.joined(separator: " ")))" } ?? "not judged"
    }

    static func whereSection(_ evidence: IncidentEvidence, job: JobAnswer) -> BodyNode {
        let nodes = evidence.nodes.map { node in
            "\(node.hostname ?? "?")  boot \(node.bootID ?? "?")  machine \(node.machineID ?? "?")"
        }
        let cgroups = Array(Set(job.processes.compactMap(\.cgroup))).sorted()
        let kinds = ["pid", "mnt", "ipc", "user", "net", "uts", "cgroup"]
        let rows: [Node<HTML.TableContext>] = job.processes.map { process in
            .tr(.group([ReportPage.cell(process.role, className: "num"), ReportPage.cell(String(process.identity.pid), className: "num")]
                + kinds.map { kind in ReportPage.cell((process.namespaces[kind] ?? nil).map(String.init), className: "num") }
                + [ReportPage.cell(process.cgroup)]))
        }
        let pilots = job.pilots.map { "PID \($0.identity.pid), start_ticks \($0.identity.startTicks), boot \($0.identity.bootID)" }
        return .group(
            ReportPage.facts([
                ("node", .group(nodes.enumerated().map { index, text in .group(.if(index > 0, .br()), .code(.untrusted(text))) })),
                ("job directory", ReportPage.code(job.jobDirectory)),
                ("container", ReportPage.text(job.containerRuntime.map { $0 + (job.containerImage.map { " " + $0 } ?? "") } ?? "none recorded")),
                ("pilot", .group(pilots.enumerated().map { index, text in .group(.if(index > 0, .br()), .untrusted(text)) })),
                ("cgroup(s)", .group(cgroups.enumerated().map { index, text in .group(.if(index > 0, .br()), .code(.untrusted(text))) })),
            ]),
            .h3(.text("Namespaces (inode numbers; equal numbers mean the same namespace)")),
            ReportPage.table(headers: ["role", "PID"] + kinds + ["cgroup path"], rows: rows)
        )
    }

    /// Starts, sightings, ends, verdicts and failing or warning findings, in time order.
    static func timeline(_ job: JobAnswer) -> BodyNode {
        var events: [(time: UTCTime, order: Int, text: String, className: String?, records: [RecordReference])] = []
        for process in job.processes {
            let name = "\(process.role) PID \(process.identity.pid)"
            if let start = process.startTime { events.append((start, 0, "\(name) started", nil, [])) }
            events.append((process.firstSeen, 1, "\(name) first seen", nil, Array(process.records.prefix(1))))
            if let exit = process.exitRecorded {
                events.append((process.lastSeen, 3, "\(name) last seen alive", nil, []))
                events.append((exit, 4, "\(name) gone (exit recorded)", nil, Array(process.records.suffix(1))))
            } else if process.lastSeen != process.firstSeen {
                events.append((process.lastSeen, 3, "\(name) last seen (alive)", nil, Array(process.records.suffix(1))))
            }
        }
        for pilot in job.pilots {
            for verdict in pilot.verdicts {
                let text = "pilot \(pilot.identity.pid): verdict " + verdictText(verdict.isolated, verdict.failingRules)
                events.append((verdict.firstSeen, 2, text + (verdict.lastSeen != verdict.firstSeen ? " (until \(verdict.lastSeen))" : ""),
                               verdict.isolated == false ? "st-fail" : nil, verdict.records))
            }
        }
        for finding in job.findings where finding.status == "fail" || finding.status == "warn" {
            events.append((finding.since, 2, "\(finding.status) \(finding.rule)" + (finding.pid.map { " PID \($0)" } ?? "") + ": \(finding.message ?? "")",
                           "st-\(finding.status)", Array(finding.records.prefix(1))))
        }
        events.sort { ($0.time, $0.order) < ($1.time, $1.order) }
        return ReportPage.table(headers: ["time (UTC)", "event", "records"], rows: events.map { event in
            .tr(.if(event.className != nil, .class(event.className ?? "")),
                ReportPage.cell(event.time.description, className: "num"), ReportPage.cell(event.text), .td(links(event.records)))
        })
    }

    static func findings(_ job: JobAnswer) -> BodyNode {
        ReportPage.table(headers: ["rule", "status", "severity", "PID", "message", "evidence", "since / until", "records"], rows: job.findings.map { finding in
            .tr(.class("st-\(finding.status)"),
                .td(.class("num"), .strong(.untrusted(finding.rule))),
                .td(ReportPage.badge(finding.status, "st-\(finding.status)")),
                ReportPage.cell(finding.severity, className: "num"),
                ReportPage.cell(finding.pid.map(String.init), className: "num"),
                ReportPage.cell(finding.message),
                .td(.code(.untrusted(finding.evidence.map { evidenceJSON($0) } ?? ""))),
                ReportPage.cell(span(finding.since, finding.until), className: "num"),
                .td(links(Array(finding.records.prefix(3))), marks(finding.forged)))
        })
    }

    /// "FORGED: bad signature at records/…:104" where a failed record is cited.
    static func marks(_ marks: [RecordMark]) -> BodyNode {
        .group(marks.map { .group(.br(), .span(.class("proof-bad"), .untrusted($0.text))) })
    }

    static func proof(_ evidence: IncidentEvidence) -> BodyNode {
        let directory = evidence.recordDirectory
        let chain: BodyNode = switch evidence.chain {
        case nil: .span(.class("proof-none"), .text("not checked (--no-verify)"))
        case let chain? where chain.problems.isEmpty:
            .span(.class("proof-ok"), .untrusted("intact: \(chain.records) record(s), seq \(chain.firstSeq.map(String.init) ?? "-")-\(chain.lastSeq.map(String.init) ?? "-"), no record altered, removed, reordered or inserted"))
        case let chain?:
            .group(.span(.class("proof-bad"), .untrusted("TAMPERED: \(chain.problems.count) problem(s)")),
                   .ul(.group(chain.problems.prefix(20).map { .li(.code(.untrusted($0))) })))
        }
        let rows: [Node<HTML.TableContext>] = evidence.proofs.map { proof in
            .tr(.id("rec-\(proof.record.seq)"),
                ReportPage.cell(String(proof.record.seq), className: "num"),
                ReportPage.cell(.code(.untrusted("\(proof.record.file):\(proof.record.line)"))),
                ReportPage.cell(proof.record.type),
                ReportPage.cell(proof.record.time, className: "num"),
                ReportPage.cell(.code(.untrusted(proof.record.sha256))),
                ReportPage.cell(.code(.untrusted(proof.keyID ?? "?"))),
                .td(check(proof.signature)),
                .td(check(proof.citation)))
        }
        let quoted = shellQuote(directory)
        let oneLine = "python3 -m venv /tmp/verify && /tmp/verify/bin/pip install -q cryptography rfc8785 && "
            + "/tmp/verify/bin/python3 tools/verify_records.py \(shellQuote(directory + "/records")) \(shellQuote(evidence.publicKeyPath))"
        var commands = [oneLine]
        if let first = evidence.proofs.first {
            commands.append("sed -n '\(first.record.line)p' \(shellQuote(directory + "/" + first.record.file)) | tr -d '\\n' | sha256sum   # = \(first.record.sha256)")
        }
        commands.append("isotrace query --panda-id \(shellQuote(evidence.pandaID)) --out \(quoted)")
        return .group(
            ReportPage.facts([
                ("public key", .group(.code(.untrusted(evidence.publicKeyPath)), .untrusted(evidence.publicKeyID.map { "  key_id \($0)" } ?? "  (not loaded)"))),
                ("chain", chain),
                ("index", indexLine(evidence.index)),
            ]),
            ReportPage.table(headers: ["seq", "record (file:line)", "type", "time", "sha256 of the line", "key_id", "signature", "line as indexed"], rows: rows),
            .h3(.text("Re-verify without isotrace")),
            .p(.untrusted("With the segments, the public key and tools/verify_records.py from the isotrace sources (Python with the cryptography and rfc8785 packages), in one line; it checks every signature, the hash chain and the seq order and exits 0 when intact:")),
            .pre(.untrusted(commands[0])),
            .p(.untrusted("A cited line's hash, and the same checks with isotrace:")),
            .pre(.group(commands.dropFirst().enumerated().map { index, command in .group(.if(index > 0, .raw("\n")), .untrusted(command)) }))
        )
    }

    static func indexLine(_ index: IndexConsistency?) -> BodyNode {
        switch index {
        case nil: return .span(.class("proof-none"), .text("not compared with the signed records"))
        case .consistent?: return .span(.class("proof-ok"), .text("every fact shown was re-derived from the signed lines and matches the index"))
        case .stale(let reason)?:
            return .span(.class("proof-ok"), .untrusted("rebuilt from the segments (\(reason)); every fact shown was re-derived from the signed lines"))
        case .tampered(let reason, _, let advice)?:
            return .span(.class("proof-bad"), .untrusted("TAMPERED: \(reason); \(advice). The facts shown are those of the signed lines."))
        }
    }

    static func check(_ check: ProofCheck) -> BodyNode {
        switch check {
        case .verified: return .span(.class("proof-ok"), .text("✓ verified"))
        case .failed(let reason): return .group(.span(.class("proof-bad"), .text("✗ FAILED")), .br(), .small(.untrusted(reason)))
        case .notChecked(let reason): return .group(.span(.class("proof-none"), .text("not checked")), .br(), .small(.untrusted(reason)))
        }
    }

    static func links(_ records: [RecordReference]) -> BodyNode {
        .group(records.enumerated().map { index, record in
            .group(.if(index > 0, .text(" ")), .a(.href("#rec-\(record.seq)"), .untrusted("#\(record.seq)")))
        })
    }

    static func cite(_ seqs: [Int64]) -> String {
        "record" + (seqs.count == 1 ? " " : "s ") + seqs.map { "#\($0)" }.joined(separator: ", ")
    }

    static func span(_ first: UTCTime?, _ last: UTCTime?) -> String {
        let from = first?.description ?? "?"
        let to = last?.description ?? "?"
        return from == to ? from : "\(from) to \(to)"
    }

    static func evidenceJSON(_ value: EvidenceValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    /// Single quotes unless the word is plainly safe for a POSIX shell.
    static func shellQuote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "/._-:+=@,".unicodeScalars.contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
