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

#endif
