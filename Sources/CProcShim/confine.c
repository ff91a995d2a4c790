#define _GNU_SOURCE
#include "confine.h"

#include <link.h>
#include <linux/capability.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
