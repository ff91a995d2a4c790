#ifndef ISOTRACE_PROCSHIM_H
#define ISOTRACE_PROCSHIM_H

#include <stddef.h>
#include <stdint.h>

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and O_PATH: opens `path` as if
/// `root_fd` were the root directory, so absolute symlinks and ".." never leave it. Swift cannot
/// call the variadic syscall(2), hence this shim. Returns the fd, or -1 with errno set
/// (ENOSYS on kernels before 5.6).
int isotrace_open_in_root(int root_fd, const char *path);

/// Like isotrace_open_in_root, but opens the file for reading (O_RDONLY | O_NOCTTY | O_NONBLOCK,
/// so a FIFO planted by a payload cannot block the reader).
int isotrace_open_in_root_for_reading(int root_fd, const char *path);

/// openat(2) of `path` below `dir_fd` (AT_FDCWD: the working directory) that follows no symbolic
/// link in any component: openat2(2) with RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, failing with
/// ELOOP when a component is a link. On kernels without openat2 (ENOSYS, before 5.6) it falls back
/// to O_NOFOLLOW, which covers the last component only. `mode` applies when O_CREAT creates the
/// file. O_CLOEXEC is always added. Returns the fd, or -1 with errno set.
int isotrace_open_no_symlinks(int dir_fd, const char *path, int flags, unsigned int mode);

/// openat2(2) of `path` below `dir_fd` that stays on `dir_fd`'s mount: RESOLVE_NO_XDEV |
/// RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH, so no mount point (a bind mount over a file), no link
/// and no ".." is crossed (EXDEV, ELOOP). With `dir_fd` on the kernel's procfs the file opened is
/// then one of procfs's own. `flags` gets O_CLOEXEC added; no fallback: -1 with errno ENOSYS on
/// kernels before 5.6 (the caller then checks the file itself).
int isotrace_open_on_same_mount(int dir_fd, const char *path, int flags);

/// 1 when `fd` is on a procfs mount (fstatfs(2) f_type PROC_SUPER_MAGIC), 0 when not, -1 with errno.
int isotrace_is_procfs(int fd);

/// open(2) of a directory with O_PATH | O_DIRECTORY | O_CLOEXEC (O_PATH needs _GNU_SOURCE,
/// which Swift's Glibc module does not define). Follows the final magic link (/proc/<pid>/root).
int isotrace_open_path_directory(const char *path);

/// 1 when the file behind an O_PATH descriptor carries a POSIX access ACL, 0 when not,
/// -1 with errno set on error.
int isotrace_has_access_acl(int fd);

/// Copies the bytes at `in` to `out` up to the first one that JSON must escape (below 0x20, a
/// quote or a backslash) and returns how many that is (`count` when none needs an escape).
/// Sixteen bytes at a time (SSE2): the JSON writer's strings (command lines, paths, environment
/// values) are long and almost never need an escape, and Swift's SIMD types do not compile to
/// vector compares here. `out` must have room for `count + 16` bytes: whole blocks are stored,
/// and what follows the returned length there is scratch. A string shorter than 16 bytes may be
/// read as one block when that block cannot cross into the next page.
size_t isotrace_json_copy_clean(uint8_t *out, const uint8_t *in, size_t count);

/// Writes `in` as a JSON string at `out` (`"`, the bytes with `"`, `\\` and those below 0x20
/// escaped as JSONEncoder escapes them: `\b \t \n \f \r`, else `\u00xx`, and `"`) and returns
/// how many bytes that is: the clean runs copied as `isotrace_json_copy_clean` copies them. `out`
/// must have room for `6 * count + 18` bytes (every byte escaped, quotes, a block of scratch).
size_t isotrace_json_append_string(uint8_t *out, const uint8_t *in, size_t count);

/// How many of the bytes at `in` a JSON string holds as they are before the first that is below
/// 0x20, a quote, a backslash or above 0x7f (`count` when none is): the strict record parser and
/// the canonical check skip that run and look at what stops it (an escape, the closing quote, a
/// UTF-8 sequence to validate). The same block test as `isotrace_json_copy_clean`, plus the
/// high bit; a short string may likewise be read as one block within its page.
size_t isotrace_json_plain_prefix(const uint8_t *in, size_t count);

/// What `isotrace_parse_status` found: which keys (`ISOTRACE_STATUS_*` bits) and their values.
#define ISOTRACE_STATUS_MAX_GROUPS 256
#define ISOTRACE_STATUS_MAX_NSPID 40
#define ISOTRACE_STATUS_MAX_BYTES 16384
#define ISOTRACE_STATUS_UID 0x1u
#define ISOTRACE_STATUS_GID 0x2u
#define ISOTRACE_STATUS_GROUPS 0x4u
#define ISOTRACE_STATUS_NSPID 0x8u
#define ISOTRACE_STATUS_CAPINH 0x10u
#define ISOTRACE_STATUS_CAPPRM 0x20u
#define ISOTRACE_STATUS_CAPEFF 0x40u
#define ISOTRACE_STATUS_CAPBND 0x80u
#define ISOTRACE_STATUS_CAPAMB 0x100u
#define ISOTRACE_STATUS_NONEWPRIVS 0x200u
#define ISOTRACE_STATUS_SECCOMP 0x400u
#define ISOTRACE_STATUS_SECCOMP_FILTERS 0x800u
#define ISOTRACE_STATUS_TRACERPID 0x1000u
struct isotrace_status {
    uint32_t found;
    uint32_t uids[4], gids[4];
    int32_t group_count, nspid_count;
    uint32_t groups[ISOTRACE_STATUS_MAX_GROUPS];
    int32_t nspid[ISOTRACE_STATUS_MAX_NSPID];
    uint64_t cap_inheritable, cap_permitted, cap_effective, cap_bounding, cap_ambient;
    uint64_t no_new_privs, seccomp, seccomp_filters, tracer_pid;
};

/// One pass over a /proc/<pid>/status file, as ProcFS's `FastStatus` reads it (the Swift parser
/// stays for what this does not take): `Key:\tvalue` lines, the keys isotrace reads matched by
/// their bytes, numbers and masks read in place. Returns 1 with `out` filled (`found` says which
/// keys were there; a repeated key keeps its last value), 0 for anything unexpected: a line
/// without ':', a value not of its key's form, more groups or NSpid levels than `out` holds, a
/// file over ISOTRACE_STATUS_MAX_BYTES (a kernel's is under 2 KiB).
int isotrace_parse_status(const uint8_t *text, size_t count, struct isotrace_status *out);

/// The namespace links of /proc/<pid>/ (ns/cgroup, ipc, mnt, net, pid, pid_for_children, time,
/// user, uts: NamespaceKind's order) read below `dir_fd` in one call, without a String or an
/// allocation per link. For each: `inodes[i]` the inode when the link reads `<kind>:[<inode>]`
/// (pid_for_children: `pid:[`), `errors[i]` 0; else `inodes[i]` 0 and `errors[i]` readlinkat's
/// errno, or -1 when the text is not of that form (the caller reads that link again to say why).
#define ISOTRACE_NAMESPACE_COUNT 9
void isotrace_read_namespace_links(int dir_fd, uint64_t *inodes, int *errors);

/// What `isotrace_parse_stat` read from a stat line: comm as offsets into the text.
struct isotrace_stat {
    int32_t pid, ppid, pgid, sid;
    size_t comm_start, comm_end;
    uint8_t state;
    uint64_t flags, start_ticks;
};

/// `ProcessStat.fastParse` in C, the same checks in the same pass: `pid (comm) state ppid pgrp
/// session ... flags (9) ... starttime (22)`, comm between the first '(' and the LAST ')' (a
/// process names itself), numbers as `[-]digits` (at most 20, no overflow) in range. Returns 1
/// with `out` filled, 0 for anything else (the Swift checking parser then says why).
int isotrace_parse_stat(const uint8_t *text, size_t count, int64_t max_start_ticks, struct isotrace_stat *out);

/// The entries of an environ block (`NAME=value`, each ended by a NUL, the last one maybe by the
/// block's end) from offset `*from` on whose name is one of `names`: the names by length, each
/// length's together, those of length L from `names + by_length[L]` to `names + by_length[L + 1]`
/// (`by_length` has `longest + 2` offsets; `longest` the longest name's length). An entry is
/// looked at only when it is two bytes or more and its first two are in `pairs` (a set of
/// 65,536 bits, 1,024 words: bit `first << 8 | second`); its name is what comes before its first
/// '=', which must be within `longest + 1` bytes. Each one found is stored as three offsets in
/// `entries` (room for `3 * capacity`): its start, its '=', its end (its NUL, or `count`).
/// Returns how many were stored and sets `*from` to where the scan stopped (`count` when it
/// reached the end; else call again from there). One C loop, no Swift per entry: a payload's
/// environment has some fifty entries of 200 bytes on average, nearly all dropped on their first
/// two bytes.
size_t isotrace_environ_named(const uint8_t *text, size_t count, const uint64_t *pairs, const uint8_t *names,
                              const uint32_t *by_length, size_t longest, size_t *from, size_t *entries, size_t capacity);

#endif
