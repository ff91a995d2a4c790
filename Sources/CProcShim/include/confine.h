#ifndef ISOTRACE_CONFINE_H
#define ISOTRACE_CONFINE_H

#include <stdint.h>

/// capset(2) of the calling thread to the given 64-bit masks (_LINUX_CAPABILITY_VERSION_3).
/// capset has no glibc wrapper and no header declaring it, hence this shim. 0, or -1 with errno.
int isotrace_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);

/// prctl(2) with five arguments (prctl is variadic in C and so not callable from Swift).
int isotrace_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);

/// ptrace(PTRACE_ATTACH, pid) (ptrace is variadic in C): the confinement self-check expects EPERM.
long isotrace_ptrace_attach(int pid);

/// malloc_trim(0): gives freed heap back to the kernel (glibc's <malloc.h> is not in Swift's Glibc
/// module). The daemon calls it after each cycle so its RSS follows what it keeps.
int isotrace_release_free_memory(void);

/// madvise(MADV_DONTNEED) on the executable's read-only segments (code and constants): they are
/// unmapped from this process and mapped back in from the page cache as they are used. The daemon
/// calls it once, after its first cycle, so start-up code (argument parsing, policy and key
/// loading, confinement, the first full audit) stops counting in its RSS. Writable segments are
/// never touched. Returns the bytes advised.
long isotrace_release_startup_code(void);

/// setresuid(2)/setresgid(2) with all three ids the same, and getresuid(2) (declared by glibc only
/// under _GNU_SOURCE, which Swift's Glibc module does not define). glibc applies the set calls to
/// every thread of the process. 0, or -1 with errno.
int isotrace_set_user(uint32_t uid);
int isotrace_set_group(uint32_t gid);
int isotrace_get_user_ids(uint32_t *real, uint32_t *effective, uint32_t *saved);

/// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the Landlock ABI version the
/// running kernel offers (1 and up), or -1 with errno (ENOSYS: not built in; EOPNOTSUPP: built in
/// but not enabled at boot). Written without <linux/landlock.h>, which the build host's kernel
/// headers may predate.
int isotrace_landlock_abi(void);

/// landlock_create_ruleset(2) handling the given access rights; `abi` chooses how much of the
/// attribute the kernel is given (ABI 1-3: filesystem only; 4-5: and network; 6 and up: and
/// scopes), so an older kernel never sees a field it does not know. The ruleset fd, or -1.
int isotrace_landlock_create_ruleset(int abi, uint64_t handled_fs, uint64_t handled_net, uint64_t scoped);

/// landlock_add_rule(2) LANDLOCK_RULE_PATH_BENEATH: `allowed` beneath the file or directory
/// `parent_fd` (an O_PATH descriptor). 0, or -1 with errno.
int isotrace_landlock_allow_path(int ruleset_fd, int parent_fd, uint64_t allowed);

/// landlock_restrict_self(2) of the calling thread. 0, or -1 with errno.
int isotrace_landlock_restrict_self(int ruleset_fd);

/// open(2) with O_PATH | O_CLOEXEC of a file or directory, following links (a Landlock rule's
/// anchor; O_PATH needs _GNU_SOURCE, which Swift's Glibc module does not define).
int isotrace_open_path(const char *path);

/// prlimit(2) of `pid`'s RLIMIT_CPU: with `set`, sets it to unlimited (harmless: nothing ends a
/// process for using no more than an unlimited amount), else only reads it. 0, or -1 with errno
/// (the confinement probe expects EPERM for any pid but the daemon's own).
int isotrace_prlimit_cpu(int pid, int set);

#endif
