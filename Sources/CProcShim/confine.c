#define _GNU_SOURCE
#include "confine.h"

#include <fcntl.h>
#include <link.h>
#include <linux/capability.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

int isotrace_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2] = {
        { .effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable },
        { .effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32),
          .inheritable = (uint32_t)(inheritable >> 32) },
    };
    return (int)syscall(SYS_capset, &header, data);
}

int isotrace_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

long isotrace_ptrace_attach(int pid) {
    return ptrace(PTRACE_ATTACH, (pid_t)pid, 0, 0);
}

int isotrace_release_free_memory(void) {
    return malloc_trim(0);
}

static int release_read_only_segments(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    long *released = data;
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        // Never a writable segment: its private pages hold relocated data, not file contents.
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_W)) continue;
        uintptr_t start = (uintptr_t)(info->dlpi_addr + segment->p_vaddr) & ~(uintptr_t)(page - 1);
        uintptr_t end = ((uintptr_t)(info->dlpi_addr + segment->p_vaddr + segment->p_memsz) + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
        if (end > start && madvise((void *)start, end - start, MADV_DONTNEED) == 0) *released += (long)(end - start);
    }
    return 1;  // the first object is the executable itself: stop there
}

long isotrace_release_startup_code(void) {
    long released = 0;
    dl_iterate_phdr(release_read_only_segments, &released);
    return released;
}

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* The kernel's struct landlock_ruleset_attr as of ABI 6 and struct landlock_path_beneath_attr. */
struct isotrace_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct isotrace_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int isotrace_landlock_abi(void) {
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
}

int isotrace_landlock_create_ruleset(int abi, uint64_t handled_fs, uint64_t handled_net, uint64_t scoped) {
    struct isotrace_landlock_ruleset_attr attr = { .handled_access_fs = handled_fs, .handled_access_net = handled_net, .scoped = scoped };
    size_t size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
    return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0U);
}

int isotrace_landlock_allow_path(int ruleset_fd, int parent_fd, uint64_t allowed) {
    struct isotrace_landlock_path_beneath_attr attr = { .allowed_access = allowed, .parent_fd = parent_fd };
    return (int)syscall(SYS_landlock_add_rule, ruleset_fd, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &attr, 0U);
}

int isotrace_landlock_restrict_self(int ruleset_fd) {
    return (int)syscall(SYS_landlock_restrict_self, ruleset_fd, 0U);
}

int isotrace_set_user(uint32_t uid) { return setresuid(uid, uid, uid); }
int isotrace_set_group(uint32_t gid) { return setresgid(gid, gid, gid); }
int isotrace_get_user_ids(uint32_t *real, uint32_t *effective, uint32_t *saved) {
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) != 0) return -1;
    *real = r; *effective = e; *saved = s;
    return 0;
}

int isotrace_open_path(const char *path) {
    return open(path, O_PATH | O_CLOEXEC);
}

int isotrace_prlimit_cpu(int pid, int set) {
    struct rlimit unlimited = { .rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY };
    struct rlimit old;
    return prlimit((pid_t)pid, RLIMIT_CPU, set ? &unlimited : NULL, &old);
}
