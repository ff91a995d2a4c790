import ProcFS
import Records

extension RecordNode {
    /// The node facts a sample read (hostname, boot_id, machine_id) as records name their node;
    /// here, above both ProcFS and Records, so that the record model does not link the sampler.
    public init(_ facts: NodeFacts) {
        self.init(hostname: facts.hostname, bootID: facts.bootID, machineID: facts.machineID)
    }
}
