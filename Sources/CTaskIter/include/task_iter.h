#ifndef ISOTRACE_TASK_ITER_H
#define ISOTRACE_TASK_ITER_H

#ifdef __bpf__
// The BPF program includes this header after defining the kernel's __u32 and friends.
typedef __s32 int32_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
#else
#include <stddef.h>
#include <stdint.h>
#endif

// The process event source's layout and loader (bpf/proc_events.bpf.c, proc_events.c) are in
// proc_events.h beside this header, in the same module.

/// One thread-group leader as the kernel sees it, written by the BPF `iter/task` program in
/// bpf/task_iter.bpf.c (the same layout on both sides). PIDs are those of the initial PID
/// namespace, ids those of the initial user namespace, read from `real_cred` as /proc does.
/// A namespace inode is 0 when the task has none (zombies have no nsproxy).
struct isotrace_task_record {
    int32_t pid;                 // == tgid: only leaders are written
    int32_t tgid;
    int32_t ppid;                // real_parent's tgid (0 for init and kthreadd)
    int32_t pgid;
    int32_t sid;
    int32_t tracer_pid;          // pid of the ptrace parent, 0 when not traced
    uint32_t uids[4];            // real, effective, saved, fs
    uint32_t gids[4];
    uint64_t start_boottime_ns;  // stat's start ticks = this / (1e9 / CLK_TCK)
    uint64_t caps[5];            // inheritable, permitted, effective, bounding, ambient
    uint64_t ns_inodes[9];       // cgroup, ipc, mnt, net, pid, pid_for_children, time, user, uts
    uint64_t cgroup_id;          // cgroup v2 id (kernfs node id of the default hierarchy's cgroup)
    uint32_t flags;              // PF_* (PF_KTHREAD = 0x00200000)
    uint32_t state;              // stat's state letter (ASCII)
    uint32_t nspid_level;        // NSpid has nspid_level + 1 entries
    int32_t nspid[4];            // the first four of them (level 0 = initial PID namespace)
    uint32_t no_new_privs;
    uint32_t seccomp_mode;       // 0 disabled, 1 strict, 2 filter
    uint32_t seccomp_filters;
    uint32_t ngroups;            // supplementary groups; the first 32 are in groups[]
    uint32_t groups[32];
    char comm[16];
};

/// A loaded and attached task iterator. Loading costs a few milliseconds (bpf_loader.h); reading is cheap,
/// so a long-lived caller (the daemon) opens once and reads every cycle.
struct isotrace_task_iter;

#ifndef __bpf__
/// Loads the BPF program and attaches the iterator. Returns NULL and writes why into `error`
/// (no BTF, no privileges, object not built, ...).
struct isotrace_task_iter *isotrace_task_iter_open(char *error, size_t error_size);

/// Reads every thread-group leader of the caller's PID namespace in one pass (the iterator is
/// read in a loop, about 32 KiB at a time). On success returns the number of records and sets
/// `*records` to memory owned by the iterator, valid until the next read or close; on failure
/// returns -1 and writes why into `error`.
long isotrace_task_iter_read(struct isotrace_task_iter *iter, const struct isotrace_task_record **records,
                             char *error, size_t error_size);

/// How many tasks (leaders and their threads) the last read visited; UINT64_MAX when unknown
/// (the program's counter could not be read).
unsigned long long isotrace_task_iter_tasks_visited(const struct isotrace_task_iter *iter);

void isotrace_task_iter_close(struct isotrace_task_iter *iter);
#endif

#endif
