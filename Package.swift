// swift-tools-version:6.0
import PackageDescription

// One target per layer, dependencies pointing down only: docs/architecture.md says what each one
// does and where a change goes; its diagram is generated from this file
// (tools/architecture_diagram.py, checked by `make test`).
// The audit's targets reach the metadata of concrete generic types (a Dictionary keyed by one of
// their own Hashable structs) through accessor calls that pass the conformances, not through a
// mangled name the runtime demangles and checks by scanning every conformance record of the
// binary: that scan was 0.6 million instructions for each new key type, 13 million in one
// `audit` (callgrind, 2,000 processes). The flag changes how metadata is found, not the code.
let directMetadataAccess: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

let package = Package(
    name: "isotrace",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "isotrace", targets: ["isotrace"]),
        .library(name: "ProcFS", targets: ["ProcFS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]
        ),
        // OpenSSL's libcrypto (EL9: openssl-libs), for the Ed25519 signatures of records: see its shim.h.
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The EL9 baseline (dist/el9-baseline.txt): hypot/hypotf and the static libstdc++'s arc4random
        // without the GLIBC_2.35/2.36 versions Debian 12's glibc would give (see glibc_compat.c).
        .target(
            name: "CGlibcCompat",
            linkerSettings: [.unsafeFlags(["-Xlinker", "--wrap=hypot", "-Xlinker", "--wrap=hypotf", "-Xlinker", "--wrap=arc4random"],
                                          .when(platforms: [.linux]))]
        ),
        // openat2(2) for resolving paths inside a process's root (Swift cannot call syscall(2)).
        .target(name: "CProcShim"),
        // The BPF task iterator (bpf/, compiled by make with clang -target bpf into generated/) and
        // its libbpf loader; without the generated object, opening it says "not built (run make)".
        .target(
            name: "CTaskIter",
            exclude: ["bpf"],
            // The release links libbpf.a, so worker nodes need no libbpf (the EL9 baseline), and then
            // libelf and zlib, which it needs; debug builds link the shared libbpf.
            linkerSettings: [
                .linkedLibrary("bpf", .when(configuration: .debug)),
                .unsafeFlags(["-Xlinker", "-l:libbpf.a", "-Xlinker", "-lelf", "-Xlinker", "-lz"], .when(configuration: .release)),
                .linkedLibrary("elf"), .linkedLibrary("z"),
            ]
        ),
        // UTCTime, the one error type (SystemCallError) and the one system-call layer (Syscalls):
        // the only Swift code that calls the kernel. Below every other Swift target.
        .target(
            name: "Base",
            dependencies: [
                "CProcShim",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: directMetadataAccess
        ),
        .target(
            name: "ProcFS",
            dependencies: [
                "Base",
                "CProcShim",
                "CTaskIter",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: directMetadataAccess
        ),
        .target(
            name: "Jobs",
            dependencies: ["Base", "ProcFS"],
            swiftSettings: directMetadataAccess
        ),
        // Policy files (Yams). YAMLAliasCheck also imports CYaml, the libyaml that Yams compiles in
        // and parses with: Yams 6 exports only the product Yams and SwiftPM names only products
        // of other packages, so CYaml comes with that product and cannot be listed here; the
        // import then checks libyaml's own tokens, with no second YAML parser to disagree with it.
        .target(
            name: "Policy",
            dependencies: [
                "Base",
                "Jobs",
                "ProcFS",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: directMetadataAccess
        ),
        // Signed, hash-chained traceability records: RFC 8785 canonical JSON, Ed25519 keys, JSONL
        // segments with one write and fsync per append, verification.
        .target(
            name: "Records",
            dependencies: [
                "Base",
                "CProcShim",
                "CLibcrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: directMetadataAccess
        ),
        // The SQLite index over the record segments (GRDB): sightings, jobs, findings; always
        // rebuildable from the segments, never trusted over them. Reads records through Records,
        // and holds the use cases over them: append + index, cited-record verification.
        .target(
            name: "RecordIndex",
            dependencies: [
                "Base",
                "Records",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API beside GRDB: the index's inserts bind their values directly.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: directMetadataAccess
        ),
        // The central PostgreSQL store (postgres-nio): migrations, shipping the signed lines with a
        // cursor, cross-node queries and chain verification from the stored lines.
        .target(
            name: "CentralStore",
            dependencies: [
                "Base", "Records", "RecordIndex",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: directMetadataAccess
        ),
        // The daemon: change-only records, metrics, syslog, self-confinement (capabilities, libseccomp).
        .target(
            name: "Agent",
            dependencies: [
                "Base", "ProcFS", "Jobs", "Policy", "Records", "RecordIndex", "CSeccomp", "CentralStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: directMetadataAccess
        ),
        // Self-contained HTML audit and incident reports (Plot; untrusted text escaped by HTMLText).
        .target(
            name: "Reports",
            dependencies: ["Base", "Policy", "Jobs", "ProcFS", "Records", "RecordIndex", .product(name: "Plot", package: "Plot")],
            swiftSettings: directMetadataAccess
        ),
        .executableTarget(
            name: "isotrace",
            dependencies: [
                "Base",
                "Agent",
                "Reports",
                "CentralStore",
                "RecordIndex",
                "Records",
                "Policy",
                "Jobs",
                "ProcFS",
                "CSeccomp",
                "CGlibcCompat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // tools/verify_records.py (linked here), compiled into the binary for `isotrace export`.
            resources: [.embedInCode("Resources/verify_records.py")],
            swiftSettings: directMetadataAccess,
            // The static Swift stdlib's link arguments export every symbol of the executable
            // (-export-dynamic): 47,000 of them, which nothing loads or looks up by name. At every
            // start the runtime's backtracer calls dladdr on one of its functions, which walks that
            // whole table (1.6 million instructions), and the dynamic linker's lookups go through
            // it too. Not exported, a start costs about 1 ms less CPU (`snapshot --pid 1`).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(configuration: .release))]
        ),
        // What the test targets share: the process runner, CommandResult, the isotrace binary and
        // other executables, temporary directories, the repository root and its fixture paths.
        .target(
            name: "TestSupport",
            dependencies: ["Records"],
            path: "Tests/TestSupport"
        ),
        // UTCTime and the system-call layer on real temporary files.
        .testTarget(
            name: "BaseTests",
            dependencies: ["TestSupport", "Base"]
        ),
        // The secret redactor as it was before it worked on bytes: the reference the byte-level one
        // is compared with (ProcFSTests) and timed against (make bench). Test code; nothing ships it.
        .target(
            name: "RedactionReference",
            path: "Tests/RedactionReference"
        ),
        // make bench's redaction row: both redactors on ATLAS transform command lines, same run.
        .executableTarget(
            name: "redaction-bench",
            dependencies: ["ProcFS", "RedactionReference"],
            path: "Tests/RedactionBench"
        ),
        // make bench's epoch-key rows: the cost of a key rotation, verify over 1,000,000 records
        // with hourly epoch keys against one key.
        .executableTarget(
            name: "epoch-bench",
            dependencies: ["Base", "Records"],
            path: "Tests/EpochBench"
        ),
        // make bench-index: the record index's insert path alone, on the records of a real daemon
        // run, from the writer's records (as the daemon indexes) or from the lines (as --rebuild).
        .executableTarget(
            name: "index-bench",
            dependencies: ["Base", "Records", "RecordIndex", "TestSupport"],
            path: "Tests/IndexBench"
        ),
        // make bench-eventpath: the daemon's work per process the event source sees (ingest,
        // attribution, record bodies, signed append, index), alone, on a payload loop's events.
        .executableTarget(
            name: "eventpath-bench",
            dependencies: ["Agent", "Base", "ProcFS", "Records", "RecordIndex"],
            path: "Tests/EventPathBench"
        ),
        // Pure parsers and the sampler on fixture trees of /proc files (Tests/ProcFSTests/Fixtures).
        .testTarget(
            name: "ProcFSTests",
            dependencies: ["TestSupport", "Base", "ProcFS", "RedactionReference"],
            exclude: ["Fixtures"]
        ),
        // The classifier on process trees shaped like real pilots (pilot3, ATLAS with Apptainer).
        .testTarget(
            name: "JobsTests",
            dependencies: ["Base", "Jobs", "ProcFS"]
        ),
        // Policy files: loading, lint with line and column, site overrides, verbatim sources.
        .testTarget(
            name: "PolicyTests",
            dependencies: ["TestSupport", "Policy", "Jobs", "ProcFS", .product(name: "Yams", package: "Yams")]
        ),
        // Canonical JSON against RFC 8785's vectors (Vectors/), keys with openssl, the chain under
        // tampering, kill -9, a full disk and concurrent writers (real isotrace processes).
        .testTarget(
            name: "RecordsTests",
            dependencies: ["TestSupport", "Base", "Records", "ProcFS", "Policy", "Agent", "isotrace"],
            exclude: ["Vectors"]
        ),
        // The byte-level snapshot JSON writer against JSONEncoder's output.
        .testTarget(
            name: "SamplerTests",
            dependencies: ["TestSupport", "Base", "ProcFS"]
        ),
        // Index building, incremental update, rebuild of a corrupt index, queries (PID reuse, time).
        .testTarget(
            name: "RecordIndexTests",
            dependencies: ["TestSupport", "RecordIndex", "Records", "Base", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]
        ),
        // The daemon's pure pieces: tracker, metrics, syslog (own socket and a real rsyslogd), confinement.
        .testTarget(
            name: "AgentTests",
            dependencies: ["TestSupport", "Base", "Agent", "Records", "RecordIndex", "Policy", "Jobs", "ProcFS", "CSeccomp",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // HTML reports from fixture audits: strict XML parse, escaping, a headless Chromium screenshot.
        .testTarget(
            name: "ReportsTests",
            dependencies: ["TestSupport", "Base", "Reports", "Agent", "Policy", "Jobs", "ProcFS", "Records", "RecordIndex"],
            exclude: ["check_html.py"]
        ),
        // The central PostgreSQL store on a real PostgreSQL 15 started per test (initdb, pg_ctl):
        // migrations, concurrent shipping through an outage, cross-node queries, tamper detection.
        .testTarget(
            name: "CentralStoreTests",
            dependencies: ["TestSupport", "CentralStore", "Records", "RecordIndex", "ProcFS", "isotrace"]
        ),
        // The README as a contract: every subcommand has its section and every example still parses.
        .testTarget(
            name: "DocsTests",
            dependencies: ["TestSupport", "isotrace", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Real processes in real namespaces (unshare, setpriv), compared with readlink, status and
        // lsns; and the isotrace binary run as a user would. Needs root; skips with the reason otherwise.
        .testTarget(
            name: "LiveTests",
            dependencies: ["TestSupport", "Base", "ProcFS", "Records", "isotrace"],
            // The LD_PRELOAD escape probe's and loader shim's C sources, compiled by the tests themselves.
            exclude: ["EscapeProbe", "LoaderShims"]
        ),
    ]
)
