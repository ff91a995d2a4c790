// SPDX-License-Identifier: GPL-2.0
// The isotrace task iterator: for every thread-group leader, one fixed-size record with what
// /proc/<pid>/stat, status and ns/* would show (see include/task_iter.h for the layout).
//
// Built with `clang -O2 -g -target bpf` against the minimal CO-RE types of core_types.h (no vmlinux.h):
// libbpf relocates every field access against the running kernel's BTF. Fixed-offset chains are
// direct loads through the task's BTF pointers (far cheaper than a probe-read helper call each);
// only variable-index reads go through bpf_core_read. Pitfalls handled:
// the PID namespace is thread_pid->numbers[level].ns (not nsproxy->pid_ns_for_children); the
// user namespace and all ids come from real_cred, as /proc reads them; kernel_cap_t is a u64
// since 6.3 and two u32 before (checked with CO-RE); zombies have no nsproxy.
#include "core_types.h"

struct seq_file;
struct bpf_iter_meta { struct seq_file *seq; } PAI;
struct bpf_iter__task { struct bpf_iter_meta *meta; struct task_struct *task; } PAI;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct isotrace_task_record);
} scratch SEC(".maps");

static __always_inline void read_caps(const struct cred *cred, __u64 caps[5]) {
    if (bpf_core_type_exists(struct kernel_cap_struct)) {
        const struct cred___pre63 *old = (const void *)cred;
        struct kernel_cap_struct c[5];
        bpf_core_read(&c[0], sizeof(c[0]), &old->cap_inheritable);
        bpf_core_read(&c[1], sizeof(c[1]), &old->cap_permitted);
        bpf_core_read(&c[2], sizeof(c[2]), &old->cap_effective);
        bpf_core_read(&c[3], sizeof(c[3]), &old->cap_bset);
        bpf_core_read(&c[4], sizeof(c[4]), &old->cap_ambient);
        for (int i = 0; i < 5; i++) caps[i] = (__u64)c[i].cap[0] | (__u64)c[i].cap[1] << 32;
    } else {
        caps[0] = BPF_CORE_READ(cred, cap_inheritable.val);
        caps[1] = BPF_CORE_READ(cred, cap_permitted.val);
        caps[2] = BPF_CORE_READ(cred, cap_effective.val);
        caps[3] = BPF_CORE_READ(cred, cap_bset.val);
        caps[4] = BPF_CORE_READ(cred, cap_ambient.val);
    }
}

/// fs/proc/array.c: task_state_index() and task_state_array.
static __always_inline __u32 state_letter(struct task_struct *task) {
    __u32 raw = BPF_CORE_READ(task, __state);
    __u32 state = (raw | (__u32)BPF_CORE_READ(task, exit_state)) & 0x7f;  // TASK_REPORT
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
    r->ppid = task->real_parent->tgid;
    r->pgid = task->signal->pids[2]->numbers[0].nr;
    r->sid = task->signal->pids[3]->numbers[0].nr;
    if (task->ptrace) r->tracer_pid = task->parent->pid;
    const struct cred *cred = task->real_cred;
    read_ids(cred, r->uids, r->gids);
    read_caps(cred, r->caps);
    struct group_info *groups = cred->group_info;
    int ngroups = groups ? groups->ngroups : 0;
    r->ngroups = ngroups > 0 ? (__u32)ngroups : 0;
    for (int i = 0; i < 32; i++) {
        if (i >= ngroups) break;
        bpf_core_read(&r->groups[i], sizeof(r->groups[i]), &groups->gid[i].val);
    }
    r->start_boottime_ns = task->start_boottime;
    r->flags = task->flags;
    r->state = state_letter(task);
    r->no_new_privs = task->atomic_flags & 1;  // PFA_NO_NEW_PRIVS
    r->seccomp_mode = task->seccomp.mode;
    r->seccomp_filters = task->seccomp.filter_count.counter;
    BPF_CORE_READ_INTO(&r->comm, task, comm);

    struct pid *thread_pid = task->thread_pid;
    __u32 level = thread_pid->level;
    r->nspid_level = level;
    for (__u32 i = 0; i < 4; i++) {
        if (i > level) break;
        bpf_core_read(&r->nspid[i], sizeof(r->nspid[i]), &thread_pid->numbers[i].nr);
    }
    read_namespace_inodes(task, cred, r->ns_inodes);
    r->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
    bpf_seq_write(seq, r, sizeof(*r));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
