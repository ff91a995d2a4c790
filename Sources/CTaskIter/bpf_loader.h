// What the two BPF loaders (task_iter.c, proc_events.c) share: libbpf's last warning kept for
// error messages, and opening an embedded object against the running kernel's BTF.
#ifndef ISOTRACE_BPF_LOADER_H
#define ISOTRACE_BPF_LOADER_H

#include <stddef.h>

struct bpf_object;

/// Starts a load: forgets libbpf's last warning and captures the next ones (libbpf prints to
/// stderr otherwise).
void isotrace_libbpf_begin(void);

/// Writes "what: strerror(code); libbpf: <its last warning>" into error.
void isotrace_libbpf_fail(char *error, size_t size, const char *what, int code);

/// Opens an embedded BPF object with /sys/kernel/btf/vmlinux named as its BTF: CO-RE types
/// absent from vmlinux (kernel_cap_struct, gone in 6.3) would otherwise make libbpf look through
/// the kernel modules' BTF too, which needs CAP_SYS_ADMIN (BPF_BTF_GET_NEXT_ID); this way
/// CAP_BPF and CAP_PERFMON are enough. Check the result with libbpf_get_error.
struct bpf_object *isotrace_bpf_open(const unsigned char *object, size_t length);

#endif
