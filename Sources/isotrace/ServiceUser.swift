import Agent
import Base
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The user the daemon becomes after start-up: `isotrace`, a system user made by `make install`
/// and the packages (dist/isotrace.sysusers).
///
/// Where it does not exist: with `--user` given (as the packaged unit does), the daemon refuses
/// to start: a node set up to run it unprivileged must not silently run it as root. Without
/// `--user` (a test, a developer's run) it warns, naming what stays possible, and keeps running
/// as root with the two capabilities, as before. Not root: nothing to switch.
enum ServiceUser {
    static let defaultName = "isotrace"

    static func resolve(_ requested: String?, logger: Logger) throws -> UserAccount? {
        let name = requested ?? defaultName
        guard Syscalls.effectiveUserID() == 0 else {
            if requested != nil { logger.warning("--user \(name) ignored: not started as root (uid \(Syscalls.effectiveUserID())), nothing to switch") }
            return nil
        }
        let account: UserAccount?
        do {
            account = try Syscalls.userAccount(named: name)
        } catch {
            logger.critical("refusing to run: cannot look up user \(name): \(error)")
            throw ExitCodeError.operational
        }
        if let account {
            if account.uid == 0 {
                logger.warning("--user \(name): the daemon stays root (uid 0) as asked, so code running inside it could write root's files and other processes' memory")
            }
            return account
        }
        if requested != nil {
            logger.critical("refusing to run: user \(name) does not exist; make install and the packages create it (or: useradd --system --home-dir /var/lib/isotrace --shell /usr/sbin/nologin \(name))")
            throw ExitCodeError.operational
        }
        logger.warning("no system user \(name): the daemon stays root (uid 0) with CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, so code running inside it could write root's files and other processes' memory; create the user (make install, the packages) or pass --user root to accept this")
        return nil
    }

    /// After the switch: the state directory and what the daemon writes in it must belong to
    /// the user it now runs as, or the first append would fail with EACCES mid-run. Refuses with
    /// the chown to run.
    static func checkOwnership(of directory: String, account: UserAccount) throws {
        var paths = [directory, directory + "/records", directory + "/index.sqlite", directory + "/index.sqlite-wal",
                     directory + "/index.sqlite-shm", directory + "/daemon.lock"]
        paths += ((try? Syscalls.listDirectory(directory + "/records")) ?? []).sorted().map { directory + "/records/" + $0 }
        for path in paths {
            guard let status = try Syscalls.linkStatus(of: path) else { continue }
            if status.uid != account.uid {
                FileOutput.standardError.write("isotrace: error: \(path) is owned by uid \(status.uid), but the daemon now runs as \(account.name) (uid \(account.uid)) and would not be able to write there: chown -R \(account.name): \(directory)\n")
                throw ExitCodeError.operational
            }
        }
    }
}
