// SPDX-License-Identifier: GPL-2.0
// The isotrace task iterator: for every thread-group leader, one fixed-size record with what
// /proc/<pid>/stat, status and ns/* would show (see include/task_iter.h for the layout).
//
// Built with `clang -O2 -g -target bpf` against the minimal CO-RE types of core_types.h (no vmlinux.h):
// libbpf relocates every field access against the running kernel's BTF. The task's own scalar
// fields are direct loads; every pointer is followed with a probe read (BPF_CORE_READ), which
// spares the verifier a search of vmlinux's BTF per pointer load (see core_types.h). Pitfalls handled:
// the PID namespace is thread_pid->numbers[level].ns (not nsproxy->pid_ns_for_children); the
// user namespace and all ids come from real_cred, as /proc reads them; kernel_cap_t is a u64
// since 6.3 and two u32 before (checked with CO-RE); zombies have no nsproxy.
#include "core_types.h"

struct seq_file;
// The iterator's context is a fixed ABI (two pointer-sized slots, include/linux/bpf.h's
// __bpf_md_ptr), so these two carry no preserve_access_index: no CO-RE relocation, and no search
// of the kernel's BTF for them when loading.
struct bpf_iter_meta { struct seq_file *seq; };
struct bpf_iter__task { struct bpf_iter_meta *meta; struct task_struct *task; };

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct isotrace_task_record);
} scratch SEC(".maps");

/// fs/proc/array.c: task_state_index() and task_state_array.
static __always_inline __u32 state_letter(struct task_struct *task) {
    __u32 raw = task->__state;
    __u32 state = (raw | (__u32)task->exit_state) & 0x7f;                     // TASK_REPORT
    if ((raw & 0x402) == 0x402) state = 0x80;                                 // TASK_IDLE -> TASK_REPORT_IDLE
    if (raw == 0x1000) state = 0x2;                                           // TASK_RTLOCK_WAIT -> D
    const char letters[] = "RSDTtXZPI";
    int index = 0;
    for (int bit = 0; bit < 8; bit++) if (state >> bit) index = bit + 1;      // fls()
    return (__u32)letters[index & 15];
}

/// Threads other than leaders that any pass visited since the program was loaded. User space
/// reads it (the .bss map) before and after a pass: with the leaders' records it makes the
/// number of tasks the pass saw, which, equal to the kernel's thread count, means /proc need not
/// be listed for processes the pass missed. Leaders are not counted here: a leader whose record
/// did not fit the read buffer is shown again in the next read, and would count twice.
__u64 threads_visited = 0;

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx) {
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *task = ctx->task;
    if (!task) return 0;
    int pid = task->pid, tgid = task->tgid;
    if (pid != tgid) {  // one record per thread-group leader
        threads_visited++;
        return 0;
    }
    __u32 zero = 0;
    struct isotrace_task_record *r = bpf_map_lookup_elem(&scratch, &zero);
    if (!r) return 0;
    __builtin_memset(r, 0, sizeof(*r));
    r->pid = pid;
    r->tgid = tgid;
    r->ppid = BPF_CORE_READ(task, real_parent, tgid);
    struct signal_struct *signal = BPF_CORE_READ(task, signal);
    r->pgid = BPF_CORE_READ(signal, pids[2], numbers[0].nr);
    r->sid = BPF_CORE_READ(signal, pids[3], numbers[0].nr);
    if (task->ptrace) r->tracer_pid = BPF_CORE_READ(task, parent, pid);
    const struct cred *cred = BPF_CORE_READ(task, real_cred);
    struct cred_view c;
    read_cred(cred, &c);
    __builtin_memcpy(r->uids, c.uids, sizeof(r->uids));
    __builtin_memcpy(r->gids, c.gids, sizeof(r->gids));
    __builtin_memcpy(r->caps, c.caps, sizeof(r->caps));
    struct group_info *groups = c.group_info;
    int ngroups = groups ? BPF_CORE_READ(groups, ngroups) : 0;
    r->ngroups = ngroups > 0 ? (__u32)ngroups : 0;
    // The first 32 gids in one read (kgid_t is a u32 everywhere).
    __u32 copied = ngroups > 32 ? 32 : ngroups > 0 ? (__u32)ngroups : 0;
    if (copied) bpf_core_read(r->groups, copied * sizeof(r->groups[0]), &groups->gid);
    r->start_boottime_ns = task->start_boottime;
    r->flags = task->flags;
    r->state = state_letter(task);
    r->no_new_privs = task->atomic_flags & 1;  // PFA_NO_NEW_PRIVS
    r->seccomp_mode = task->seccomp.mode;
    r->seccomp_filters = task->seccomp.filter_count.counter;
    BPF_CORE_READ_INTO(&r->comm, task, comm);

    // NSpid: thread_pid->numbers[0..level], the first four of them in one read; the task's own
    // pid namespace is the one of numbers[level].
    struct pid *thread_pid = BPF_CORE_READ(task, thread_pid);
    __u32 level = BPF_CORE_READ(thread_pid, level);
    r->nspid_level = level;
    struct upid upids[4] = {};
    __u32 levels = level < 3 ? level + 1 : 4;
    bpf_core_read(upids, levels * sizeof(upids[0]), &thread_pid->numbers);
    for (__u32 i = 0; i < 4; i++) {
        if (i >= levels) break;
        r->nspid[i] = upids[i].nr;
    }
    struct pid_namespace *pid_ns = level < 4 ? upids[level & 3].ns : pid_namespace_at(thread_pid, level);
    read_namespace_inodes(task, c.user_ns, pid_ns, r->ns_inodes);
    r->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
    bpf_seq_write(seq, r, sizeof(*r));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
