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

#define ISOTRACE_BPF_TARGETS 4

/// What isotrace_bpf_open found in the kernel's BTF for an object: the BTF ids of its programs'
/// attach targets, by section, and the memfd of the kernel types it relocates (-1 when none).
struct isotrace_bpf_kernel {
    int types_fd;
    int targets;
    char sections[ISOTRACE_BPF_TARGETS][64];
    unsigned int target_ids[ISOTRACE_BPF_TARGETS];
};

/// Opens an embedded BPF object for loading. Check the result with libbpf_get_error; then load it
/// with isotrace_bpf_load, or, when giving up before that, call isotrace_bpf_done.
///
/// What this spares libbpf (about 45 of the 55 ms a load of the task iterator took in user space
/// and page faults on 6.18): libbpf relocates an object (CO-RE) by scanning every type of the
/// kernel's BTF once per type the object relocates (vmlinux has about 125,000 types; the task
/// iterator relocates 17, about 1 ms each), and parses all of vmlinux's BTF (5 MB read a page
/// per system call, copied, indexed) to find a tracing program's attach target. Here one pass
/// over vmlinux's BTF, mapped where the kernel allows it (6.16 and later) and read otherwise,
/// finds the attach targets and copies the kernel types named like the object's into a small BTF
/// of their own (a memfd, closed once the object is loaded), which is named as the BTF to
/// relocate against (btf_custom_path): libbpf's matching runs as always, on the same structures
/// with the same member names and offsets. SEC("iter/...") and SEC("tp_btf/...") programs are
/// opened as socket filters (a section handler registered with libbpf_register_prog_handler),
/// for which libbpf needs no kernel BTF, and become tracing programs with their attach target
/// just before libbpf hands them to the kernel. When vmlinux's BTF cannot be read this way,
/// libbpf reads it (the targets with btf__load_vmlinux_btf, CO-RE against vmlinux itself).
///
/// With btf_custom_path named, libbpf never looks through the kernel modules' BTF for a type
/// vmlinux lacks, which would need CAP_SYS_ADMIN (BPF_BTF_GET_NEXT_ID): CAP_BPF and CAP_PERFMON
/// are enough. No type the programs relocate is missing from vmlinux on the kernels isotrace
/// supports (kernel_cap_struct, gone in 6.3, was, and is no longer named), so the fallback needs
/// no more either.
struct bpf_object *isotrace_bpf_open(const unsigned char *object, size_t length, struct isotrace_bpf_kernel *kernel);

/// bpf_object__load, then isotrace_bpf_done. Attach the programs with bpf_program__attach_iter or
/// bpf_program__attach_trace (libbpf's automatic attach does not know these sections).
int isotrace_bpf_load(struct bpf_object *object, struct isotrace_bpf_kernel *kernel);

/// Closes the memfd of isotrace_bpf_open (for a caller that gives up before loading).
void isotrace_bpf_done(struct isotrace_bpf_kernel *kernel);

#endif
