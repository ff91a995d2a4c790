/// tools/verify_records.py, carried in the binary so that `isotrace export` can put the
/// standalone verifier into every evidence bundle (installed nodes have no source tree).
/// SwiftPM embeds the file itself (Resources/verify_records.py links to tools/), so there is
/// no copy to keep in step.
enum VerifierScript {
    static let text = String(decoding: PackageResources.verify_records_py, as: UTF8.self)
}
