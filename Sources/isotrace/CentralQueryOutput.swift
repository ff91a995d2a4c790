import Base
import CentralStore
import RecordIndex

/// `isotrace query --db URL`: the query answered across all nodes from the central database,
/// one section per node chain (node, key_id), each in the local query's shape.
enum CentralQueryOutput {
    static func run(_ query: RecordQuery, window: TimeWindow, url: String, passwordFile: String?, node: String?,
                    format: OutputFormat) throws {
        let connector = try SinkAccess.connector(url: url, passwordFile: passwordFile)
        let result = try SinkAccess.with(connector) { database throws(SinkError) in
            try await database.query(query, window: window, node: node)
        }
        for section in result.nodes {
            for problem in section.problems { FileOutput.standardError.write("isotrace: node \(section.node): \(problem)\n") }
        }
        switch format {
        case .json: FileOutput.standardOutput.write(try JSONOutput.encode(result) + "\n")
        case .table: FileOutput.standardOutput.write(render(result))
        }
        if result.isEmpty {
            let subject = query.subject
            FileOutput.standardError.write("isotrace: no record of \(subject)\(QueryCommand.describe(window)) on any node in \(connector.url.redacted)\n")
        }
    }

    static func render(_ result: CentralQueryResult) -> String {
        var text = ""
        for section in result.nodes {
            text += "NODE \(PrintableText.escape(section.node))  key_id \(PrintableText.escape(section.keyID))\n"
            var answer = QueryAnswer(unverified: section.result, directory: section.node,
                                     note: "answered from the central database; isotrace verify --db URL checks its chains")
            answer.userNames = UserNames.lookUp(answer.uids)
            text += QueryTable.render(answer)
            text += "\n"
        }
        if !result.nodes.isEmpty {
            text += "\(result.nodes.count) node chain(s): \(PrintableText.escape(result.nodes.map(\.node).joined(separator: ", ")))\n"
        }
        return text
    }
}
