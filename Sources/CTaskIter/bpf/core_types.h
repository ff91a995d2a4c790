// SPDX-License-Identifier: GPL-2.0
// The kernel types isotrace's BPF programs read (task_iter.bpf.c, proc_events.bpf.c), declared by
// hand with preserve_access_index instead of a generated vmlinux.h: libbpf relocates every field
// access against the running kernel's BTF (CO-RE), so only the fields named here must exist.
#ifndef ISOTRACE_CORE_TYPES_H
#define ISOTRACE_CORE_TYPES_H
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

enum bpf_map_type { BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_RINGBUF = 27 };
// bpf_ringbuf_submit's flags and bpf_ringbuf_query's questions (linux/bpf.h).
enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };
enum { BPF_RB_AVAIL_DATA = 0, BPF_RB_RING_SIZE = 1 };

// libbpf's BPF_CORE_READ declares a const temporary that newer clangs warn about.
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wdefault-const-init-var-unsafe"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "../include/task_iter.h"
#include "../include/proc_events.h"

#define PAI __attribute__((preserve_access_index))

struct ns_common { unsigned int inum; } PAI;
struct pid_namespace { struct ns_common ns; } PAI;
struct user_namespace { struct ns_common ns; } PAI;
struct mnt_namespace { struct ns_common ns; } PAI;
struct ipc_namespace { struct ns_common ns; } PAI;
struct uts_namespace { struct ns_common ns; } PAI;
struct net { struct ns_common ns; } PAI;
struct time_namespace { struct ns_common ns; } PAI;
struct cgroup_namespace { struct ns_common ns; } PAI;
struct nsproxy {
    struct uts_namespace *uts_ns;
    struct ipc_namespace *ipc_ns;
    struct mnt_namespace *mnt_ns;
    struct pid_namespace *pid_ns_for_children;
    struct net *net_ns;
    struct time_namespace *time_ns;
    struct cgroup_namespace *cgroup_ns;
} PAI;
typedef struct { int counter; } atomic_t;
struct upid { int nr; struct pid_namespace *ns; } PAI;
struct pid { unsigned int level; struct upid numbers[1]; } PAI;
struct signal_struct { atomic_t live; struct pid *pids[4]; } PAI;
typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;
typedef struct { __u64 val; } kernel_cap_t;
struct group_info { int ngroups; kgid_t gid[0]; } PAI;
struct cred {
    kuid_t uid, suid, euid, fsuid;
    kgid_t gid, sgid, egid, fsgid;
    kernel_cap_t cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
    struct user_namespace *user_ns;
    struct group_info *group_info;
} PAI;
// Before 6.3: typedef struct kernel_cap_struct { __u32 cap[2]; } kernel_cap_t.
struct kernel_cap_struct { __u32 cap[2]; } PAI;
struct cred___pre63 {
    struct kernel_cap_struct cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
} PAI;
struct kernfs_node { __u64 id; } PAI;
struct cgroup { struct kernfs_node *kn; } PAI;
struct css_set { struct cgroup *dfl_cgrp; } PAI;
struct seccomp { int mode; atomic_t filter_count; } PAI;
struct qstr { const unsigned char *name; } PAI;
struct dentry { struct qstr d_name; } PAI;
struct path { struct dentry *dentry; } PAI;
struct fs_struct { struct path pwd; } PAI;
struct mm_struct { unsigned long arg_start, arg_end; } PAI;
struct linux_binprm { const char *filename; } PAI;
struct task_struct {
    unsigned int __state;
    int exit_state;
    unsigned int flags;
    unsigned int ptrace;
    int pid, tgid;
    struct task_struct *real_parent, *parent, *group_leader;
    struct pid *thread_pid;
    struct signal_struct *signal;
    const struct cred *real_cred;
    struct nsproxy *nsproxy;
    struct css_set *cgroups;
    __u64 start_boottime;
    unsigned long atomic_flags;
    struct seccomp seccomp;
    char comm[16];
    struct mm_struct *mm;
    struct fs_struct *fs;
    int exit_code;
} PAI;

/// The inode of a pid namespace known only as a plain pointer (from a variable-index read).
static __always_inline __u64 pid_namespace_inode(struct pid_namespace *ns) {
    unsigned int inum = 0;
    if (ns) bpf_core_read(&inum, sizeof(inum), &ns->ns.inum);
    return inum;
}

/// Real, effective, saved and fs ids of `cred`, as /proc/<pid>/status lists them.
static __always_inline void read_ids(const struct cred *cred, __u32 uids[4], __u32 gids[4]) {
    uids[0] = cred->uid.val;
    uids[1] = cred->euid.val;
    uids[2] = cred->suid.val;
    uids[3] = cred->fsuid.val;
    gids[0] = cred->gid.val;
    gids[1] = cred->egid.val;
    gids[2] = cred->sgid.val;
    gids[3] = cred->fsgid.val;
}

/// The nine namespace inodes in isotrace's order (cgroup, ipc, mnt, net, pid, pid_for_children,
/// time, user, uts). The pid namespace is the one the task's own pid lives in
/// (thread_pid->numbers[level].ns, not nsproxy->pid_ns_for_children); the user namespace is
/// real_cred's; a task without nsproxy (a zombie) has 0 for the rest.
static __always_inline void read_namespace_inodes(struct task_struct *task, const struct cred *cred, __u64 inodes[9]) {
    struct pid *thread_pid = task->thread_pid;
    __u32 level = thread_pid->level;
    struct upid own = {};
    bpf_core_read(&own, sizeof(own), &thread_pid->numbers[level & 31]);
    inodes[4] = pid_namespace_inode(own.ns);
    inodes[7] = cred->user_ns->ns.inum;
    struct nsproxy *ns = task->nsproxy;
    if (ns) {
        inodes[0] = ns->cgroup_ns->ns.inum;
        inodes[1] = ns->ipc_ns->ns.inum;
        inodes[2] = ns->mnt_ns->ns.inum;
        inodes[3] = ns->net_ns->ns.inum;
        inodes[5] = ns->pid_ns_for_children->ns.inum;
        inodes[6] = ns->time_ns->ns.inum;
        inodes[8] = ns->uts_ns->ns.inum;
    }
}
#endif
