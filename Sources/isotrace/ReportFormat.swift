import ArgumentParser

/// How `audit` and `query` print their result: a table for people, stable JSON for machines, or
/// a self-contained HTML report written to a file (see `ReportFile`).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case html
}
