// SPDX-License-Identifier: GPL-2.0
// isotrace's process event source: the sched_process_fork, sched_process_exec and
// sched_process_exit tracepoints (BTF-typed, tp_btf) write one event each (include/proc_events.h:
// the head for a fork or exit, the whole structure for an exec) into a ring buffer the daemon
// reads between its cycles.
//
// Only processes are reported: a fork that makes a thread and the exit of a thread that is not
// the last of its group are skipped, as are kernel threads. When the ring buffer is full the
// event is counted in `events_lost` (read by user space through the .bss map), never silently
// dropped. Same CO-RE approach as task_iter.bpf.c (core_types.h, no vmlinux.h): the task's own
// scalars are direct loads, every pointer is followed with a probe read.
#include "core_types.h"

#define PF_KTHREAD 0x00200000

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);  // user space may resize it before loading
} events SEC(".maps");

/// Events that did not fit the ring buffer since loading.
__u64 events_lost = 0;

/// A fork or exit event is the head of the structure only; an exec event the whole.
static __always_inline struct isotrace_proc_event *reserve(__u64 size) {
    struct isotrace_proc_event *e = bpf_ringbuf_reserve(&events, size, 0);
    if (!e) __sync_fetch_and_add(&events_lost, 1);
    return e;
}

/// Hands the event to the reader without waking it, until the ring is an eighth full: the
/// reader drains the ring every 100 ms anyway (ProcessEventCollector), so a busy node costs the
/// daemon ten wake-ups a second instead of one per event, and the forking or exec'ing process no
/// wake-up of the reader at all. Past an eighth the reader is woken at once, long before the ring
/// is full.
static __always_inline void submit(struct isotrace_proc_event *e) {
    __u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    __u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
    bpf_ringbuf_submit(e, waiting >= size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/// What every event says about the process `task` (a thread-group leader, or the thread that
/// became one in exec): identity, parent's identity, ids, namespaces, cgroup, comm.
static __always_inline void describe(struct isotrace_proc_event *e, struct task_struct *task, __u32 kind) {
    e->kind = kind;
    e->pid = task->tgid;
    struct task_struct *parent = BPF_CORE_READ(task, real_parent);
    e->ppid = BPF_CORE_READ(parent, tgid);
    e->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
    e->parent_start_boottime_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
    e->time_boottime_ns = bpf_ktime_get_boot_ns();
    struct cred_view c;
    read_cred(BPF_CORE_READ(task, real_cred), &c);
    __builtin_memcpy(e->uids, c.uids, sizeof(e->uids));
    __builtin_memcpy(e->gids, c.gids, sizeof(e->gids));
    struct pid *thread_pid = BPF_CORE_READ(task, thread_pid);
    read_namespace_inodes(task, c.user_ns, pid_namespace_at(thread_pid, BPF_CORE_READ(thread_pid, level)), e->ns_inodes);
    e->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
    e->sid = BPF_CORE_READ(task, signal, pids[3], numbers[0].nr);
    BPF_CORE_READ_INTO(&e->comm, task, comm);
}

SEC("tp_btf/sched_process_fork")
int on_fork(unsigned long long *ctx) {
    struct task_struct *child = (struct task_struct *)ctx[1];
    if (child->pid != child->tgid || (child->flags & PF_KTHREAD)) return 0;  // a thread, or a kernel thread
    struct isotrace_proc_event *e = reserve(ISOTRACE_EVENT_HEAD_SIZE);
    if (!e) return 0;
    __builtin_memset(e, 0, ISOTRACE_EVENT_HEAD_SIZE);
    describe(e, child, ISOTRACE_EVENT_FORK);
    submit(e);
    return 0;
}

SEC("tp_btf/sched_process_exec")
int on_exec(unsigned long long *ctx) {
    struct task_struct *task = (struct task_struct *)ctx[0];
    struct linux_binprm *bprm = (struct linux_binprm *)ctx[2];
    if (task->flags & PF_KTHREAD) return 0;
    struct isotrace_proc_event *e = reserve(sizeof(*e));
    if (!e) return 0;
    __builtin_memset(e, 0, sizeof(*e));
    describe(e, task, ISOTRACE_EVENT_EXEC);
    bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
    struct fs_struct *fs = BPF_CORE_READ(task, fs);
    if (fs) {
        const unsigned char *name = BPF_CORE_READ(fs, pwd.dentry, d_name.name);
        bpf_probe_read_kernel_str(e->cwd_name, sizeof(e->cwd_name), name);
    }
    struct mm_struct *mm = BPF_CORE_READ(task, mm);
    if (mm) {
        unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
        unsigned long length = end > start ? end - start : 0;
        if (length > ISOTRACE_EVENT_ARGS - 1) {
            length = ISOTRACE_EVENT_ARGS - 1;
            e->args_truncated = 1;
        }
        length &= ISOTRACE_EVENT_ARGS - 1;
        if (length > 0 && bpf_probe_read_user(e->args, length, (const void *)start) == 0) e->args_size = length;
    }
    submit(e);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int on_exit(unsigned long long *ctx) {
    struct task_struct *task = (struct task_struct *)ctx[0];
    if (task->flags & PF_KTHREAD) return 0;
    // The process ends with its last thread: `live` has already been decremented for this one.
    if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
    struct isotrace_proc_event *e = reserve(ISOTRACE_EVENT_HEAD_SIZE);
    if (!e) return 0;
    __builtin_memset(e, 0, ISOTRACE_EVENT_HEAD_SIZE);
    describe(e, task, ISOTRACE_EVENT_EXIT);
    e->exit_code = task->exit_code;
    submit(e);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
