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

/// How many of the bytes at `in` a JSON string holds as they are before the first that is below
/// 0x20, a quote, a backslash or above 0x7f (`count` when none is): the strict record parser and
/// the canonical check skip that run and look at what stops it (an escape, the closing quote, a
/// UTF-8 sequence to validate). The same block test as `isotrace_json_copy_clean`, plus the
/// high bit; a short string may likewise be read as one block within its page.
size_t isotrace_json_plain_prefix(const uint8_t *in, size_t count);

#endif
