import CSeccomp

/// The libseccomp this binary runs against (it may differ from the one it was built with).
enum SeccompLibrary {
    static var version: String {
        guard let version = seccomp_version() else { return "unknown" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    /// The kernel API level libseccomp detected (seccomp_api_get(3)); 0 when unsupported.
    static var apiLevel: UInt32 { seccomp_api_get() }
}
