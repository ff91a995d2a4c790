// LD_PRELOAD shim for BPFSamplerLiveTests: refuses the read-only, populated mapping of a file
// (how the BPF loader maps /sys/kernel/btf/vmlinux) with ENODEV, as kernels before 6.16 do, so
// the loader takes its read path; says so on stderr once per refusal.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    static void *(*real)(void *, size_t, int, int, int, off_t);
    if (!real) real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
    if (fd >= 0 && protection == PROT_READ && (flags & MAP_POPULATE)) {
        fprintf(stderr, "btf-no-mmap: refused a mapping of %zu bytes\n", length);
        errno = ENODEV;
        return MAP_FAILED;
    }
    return real(address, length, protection, flags, fd, offset);
}
