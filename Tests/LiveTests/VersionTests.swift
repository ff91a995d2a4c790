import Foundation
import TestSupport
import Testing

extension Live {
    @Suite struct VersionTests {
        @Test("--version names the libseccomp that dpkg says is installed",
              .enabled(if: LiveRequirements.hasDpkgQuery, "needs dpkg-query (Debian) to know the installed libseccomp2"))
        func libseccompVersion() throws {
            let dpkg = try Command.run(["/usr/bin/dpkg-query", "-W", "-f=${Version}", "libseccomp2"])
            if dpkg.status != 0 || dpkg.stdout.isEmpty {
                try Test.cancel("libseccomp2 is not a dpkg package here: \(dpkg.stderr)")
            }
            // Debian version [epoch:]upstream[-revision]: compare the upstream part.
            var upstream = Substring(dpkg.stdout)
            if let colon = upstream.firstIndex(of: ":") { upstream = upstream[upstream.index(after: colon)...] }
            if let dash = upstream.lastIndex(of: "-") { upstream = upstream[..<dash] }

            let result = try IsotraceBinary.run("--version")
            #expect(result.status == 0, "\(result.description)")
            #expect(result.stdout.contains("libseccomp \(upstream)"), "dpkg says \(dpkg.stdout): \(result.description)")
            #expect(result.stdout.hasPrefix("isotrace "))
        }
    }
}
