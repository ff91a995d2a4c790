import Glibc
import Base
import GRDB

/// Opens DIR/index.sqlite, and moves an index that cannot be trusted (not a database, another
/// schema version) aside to `index.sqlite.corrupt-<time>` so that it is rebuilt from the segments:
/// the segments are the truth, the index only a way to find things in them fast.
enum IndexStore {
    static func path(directory: String) -> String { directory + "/index.sqlite" }

    /// The open index and, when it had to be moved aside, a notice saying so.
    static func open(directory: String) throws(IndexError) -> (DatabaseQueue, String?) {
        let path = path(directory: directory)
        try checkPath(directory: directory, path: path)
        try createPrivately(path)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration())
            if let problem = try queue.read(IndexSchema.problem) {
                try? queue.close()
                let notice = try moveAside(path: path, reason: problem)
                return (try fresh(path: path), notice)
            }
            return (queue, nil)
        } catch let error as DatabaseError where isCorruption(error) {
            let notice = try moveAside(path: path, reason: "not a usable SQLite database (\(error.resultCode))")
            return (try fresh(path: path), notice)
        } catch let error as IndexError {
            throw error
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// Moves the index at `path` aside, closing `queue` first, and opens a new empty one.
    static func replace(_ queue: DatabaseQueue, path: String, reason: String) throws(IndexError) -> (DatabaseQueue, String) {
        try? queue.close()
        let notice = try moveAside(path: path, reason: reason)
        do {
            return (try fresh(path: path), notice)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    static func isCorruption(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.journalMode = .wal
        configuration.label = "isotrace.index"
        // The segments are the truth and the index is rebuilt from them (`index --rebuild`), so
        // its commits need not wait for the disk: in WAL mode, NORMAL syncs at checkpoints only,
        // and a crash loses at most the last updates, which the next update reads again from the
        // segments. The only writer (`IndexInserter`) writes every sighting after its record row, so
        // SQLite need not check the foreign keys row by row either.
        configuration.foreignKeysEnabled = false
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    private static func fresh(path: String) throws(IndexError) -> DatabaseQueue {
        try createPrivately(path)
        do {
            return try DatabaseQueue(path: path, configuration: configuration())
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    /// SQLite opens the database and its journal files by path, following links: so before it
    /// does, the directory must be private (`Syscalls.checkPrivateDirectory`, then no other user
    /// can plant anything in it) and none of the files may be a symbolic link or anything but a
    /// regular file (a link planted before the directory was made private).
    private static func checkPath(directory: String, path: String) throws(IndexError) {
        do {
            try Syscalls.checkPrivateDirectory(directory)
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            let status: (type: mode_t, uid: uid_t, mode: mode_t)?
            do {
                status = try Syscalls.linkStatus(of: file)
            } catch {
                throw .database(path: file, reason: "\(error.errno)")
            }
            if let status, status.type != S_IFREG {
                throw .database(path: file, reason: status.type == S_IFLNK
                    ? "is a symbolic link; refusing to let SQLite follow it (remove it: the index is rebuilt from the segments)"
                    : "is not a regular file")
            }
        }
    }

    /// Creates a missing index file with mode 0640, as the segments it copies facts from (SQLite
    /// gives its WAL and SHM files the database's mode); the umask default would be world-readable.
    private static func createPrivately(_ path: String) throws(IndexError) {
        do {
            guard let descriptor = try Syscalls.createStateFile(path, O_WRONLY, mode: 0o640) else { return }
            Syscalls.closeFile(descriptor)
        } catch {
            throw .database(path: path, reason: "\(error.errno)")
        }
    }

    /// Renames the index and its WAL/SHM files to `<name>.corrupt-<UTC time>` and returns the
    /// notice for stderr.
    private static func moveAside(path: String, reason: String) throws(IndexError) -> String {
        let stamp = UTCTime.now().description.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        var target = "\(path).corrupt-\(stamp)"
        var attempt = 1
        while Syscalls.exists(target) {
            attempt += 1
            target = "\(path).corrupt-\(stamp)-\(attempt)"
        }
        do {
            try Syscalls.rename(path, target)
        } catch {
            throw .database(path: path, reason: "\(reason); cannot move it aside: \(error.errno)")
        }
        for suffix in ["-wal", "-shm"] where Syscalls.exists(path + suffix) {
            do { try Syscalls.rename(path + suffix, target + suffix) } catch { Syscalls.remove(path + suffix) }
        }
        return "index \(path): \(reason); moved aside to \(target) and rebuilt from the segments"
    }
}
