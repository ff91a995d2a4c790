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
// struct upid carries no preserve_access_index: its layout ({ int nr; struct pid_namespace *ns; },
// 16 bytes) has not changed since 4.15, and the variable-index reads of pid->numbers[] step by
// the local size anyway. Relocating it would cost libbpf one more scan of vmlinux's BTF.
struct upid { int nr; struct pid_namespace *ns; };
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

// Every pointer the programs follow from a task is read with a probe read (bpf_core_read,
// BPF_CORE_READ: what comes back is a plain number to the verifier), never loaded directly
// through the task's BTF pointer. A direct load of a pointer field through a trusted pointer (the
// task an iterator or a tp_btf program is given, and what is RCU-safe beyond it) makes kernels
// from 6.x look the field up in the "<type>__safe_trusted" / "__safe_rcu" lists, each a linear
// search of vmlinux's BTF: about 20 ms of verifier time per load of the task iterator, which every
// one-shot snapshot paid. Scalar fields of the task itself stay direct loads (no search, no helper
// call). Where several fields of one structure are wanted, the structure is read whole, once, and
// the fields are picked out at their relocated offsets (FIELD_AT). The same kernels (5.5 and
// later, EL9's 5.14 included) run all of it.

/// A field of a structure copied whole into `block` (by read_whole), at its CO-RE-relocated offset.
#define FIELD_AT(block, type, record, field) \
    (*(type const *)((const char *)(block) + bpf_core_field_offset(struct record, field)))

/// The kernel's `struct record` at `source`, whole, into `block` (`bytes` long): 1 when read, 0
/// (and nothing read) when the running kernel's structure is longer than the block.
#define read_whole(block, bytes, record, source) \
    (bpf_core_type_size(struct record) <= (bytes) \
         ? (bpf_probe_read_kernel((block), bpf_core_type_size(struct record), (source)), 1) \
         : 0)

/// The inode of a pid namespace known only as a plain pointer (from a variable-index read).
static __always_inline __u64 pid_namespace_inode(struct pid_namespace *ns) {
    unsigned int inum = 0;
    if (ns) bpf_core_read(&inum, sizeof(inum), &ns->ns.inum);
    return inum;
}

/// The pid namespace of level `level` of `pid` (pid->numbers[level].ns; the task's own one at its
/// thread_pid's level).
static __always_inline struct pid_namespace *pid_namespace_at(struct pid *pid, __u32 level) {
    struct upid upid = {};
    bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
    return upid.ns;
}

/// What the programs take from a task's real_cred: the real, effective, saved and fs ids (as
/// /proc/<pid>/status lists them), the five capability sets, the user namespace and the
/// supplementary groups.
struct cred_view {
    __u32 uids[4], gids[4];
    __u64 caps[5];
    struct user_namespace *user_ns;
    struct group_info *group_info;
};

/// kernel_cap_t is { u64 val } since 6.3 and struct kernel_cap_struct { u32 cap[2] } before:
/// 8 bytes either way, taken whole at the field's relocated offset. On a little-endian machine the
/// old layout's 8 bytes are cap[0] | cap[1] << 32, the value /proc shows; a big-endian one swaps
/// the halves of the old layout (cap_inheritable has no `val` there). No relocation names
/// kernel_cap_struct: a type the running kernel lacks would make libbpf search the modules' BTF
/// (which needs CAP_SYS_ADMIN) and scan vmlinux's once more.
static __always_inline __u64 cap_value(__u64 raw) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    if (!bpf_core_field_exists(struct cred, cap_inheritable.val)) return raw << 32 | raw >> 32;
#endif
    return raw;
}

#define ISOTRACE_CRED_BYTES 256

/// `cred` read whole (about 180 bytes on 6.x) and the view picked out of it; field by field if the
/// kernel's struct cred is ever longer than ISOTRACE_CRED_BYTES.
static __always_inline void read_cred(const struct cred *cred, struct cred_view *v) {
    __u64 block[ISOTRACE_CRED_BYTES / 8];
    if (read_whole(block, ISOTRACE_CRED_BYTES, cred, cred)) {
        v->uids[0] = FIELD_AT(block, __u32, cred, uid);
        v->uids[1] = FIELD_AT(block, __u32, cred, euid);
        v->uids[2] = FIELD_AT(block, __u32, cred, suid);
        v->uids[3] = FIELD_AT(block, __u32, cred, fsuid);
        v->gids[0] = FIELD_AT(block, __u32, cred, gid);
        v->gids[1] = FIELD_AT(block, __u32, cred, egid);
        v->gids[2] = FIELD_AT(block, __u32, cred, sgid);
        v->gids[3] = FIELD_AT(block, __u32, cred, fsgid);
        v->caps[0] = cap_value(FIELD_AT(block, __u64, cred, cap_inheritable));
        v->caps[1] = cap_value(FIELD_AT(block, __u64, cred, cap_permitted));
        v->caps[2] = cap_value(FIELD_AT(block, __u64, cred, cap_effective));
        v->caps[3] = cap_value(FIELD_AT(block, __u64, cred, cap_bset));
        v->caps[4] = cap_value(FIELD_AT(block, __u64, cred, cap_ambient));
        v->user_ns = FIELD_AT(block, struct user_namespace *, cred, user_ns);
        v->group_info = FIELD_AT(block, struct group_info *, cred, group_info);
    } else {
        v->uids[0] = BPF_CORE_READ(cred, uid.val);
        v->uids[1] = BPF_CORE_READ(cred, euid.val);
        v->uids[2] = BPF_CORE_READ(cred, suid.val);
        v->uids[3] = BPF_CORE_READ(cred, fsuid.val);
        v->gids[0] = BPF_CORE_READ(cred, gid.val);
        v->gids[1] = BPF_CORE_READ(cred, egid.val);
        v->gids[2] = BPF_CORE_READ(cred, sgid.val);
        v->gids[3] = BPF_CORE_READ(cred, fsgid.val);
        __u64 raw[5] = {};
        bpf_core_read(&raw[0], sizeof(raw[0]), &cred->cap_inheritable);
        bpf_core_read(&raw[1], sizeof(raw[1]), &cred->cap_permitted);
        bpf_core_read(&raw[2], sizeof(raw[2]), &cred->cap_effective);
        bpf_core_read(&raw[3], sizeof(raw[3]), &cred->cap_bset);
        bpf_core_read(&raw[4], sizeof(raw[4]), &cred->cap_ambient);
        for (int i = 0; i < 5; i++) v->caps[i] = cap_value(raw[i]);
        v->user_ns = BPF_CORE_READ(cred, user_ns);
        v->group_info = BPF_CORE_READ(cred, group_info);
    }
}

#define ISOTRACE_NSPROXY_BYTES 128

/// The nine namespace inodes in isotrace's order (cgroup, ipc, mnt, net, pid, pid_for_children,
/// time, user, uts). The pid namespace is the one the task's own pid lives in
/// (thread_pid->numbers[level].ns, not nsproxy->pid_ns_for_children: `pid_ns`); the user
/// namespace is real_cred's; a task without nsproxy (a zombie) has 0 for the rest. The nsproxy
/// is read whole (72 bytes on 6.x), field by field if it is ever longer than ISOTRACE_NSPROXY_BYTES.
static __always_inline void read_namespace_inodes(struct task_struct *task, struct user_namespace *user_ns,
                                                  struct pid_namespace *pid_ns, __u64 inodes[9]) {
    inodes[4] = pid_namespace_inode(pid_ns);
    inodes[7] = BPF_CORE_READ(user_ns, ns.inum);
    struct nsproxy *ns = BPF_CORE_READ(task, nsproxy);
    if (!ns) return;
    __u64 block[ISOTRACE_NSPROXY_BYTES / 8];
    if (read_whole(block, ISOTRACE_NSPROXY_BYTES, nsproxy, ns)) {
        inodes[0] = BPF_CORE_READ(FIELD_AT(block, struct cgroup_namespace *, nsproxy, cgroup_ns), ns.inum);
        inodes[1] = BPF_CORE_READ(FIELD_AT(block, struct ipc_namespace *, nsproxy, ipc_ns), ns.inum);
        inodes[2] = BPF_CORE_READ(FIELD_AT(block, struct mnt_namespace *, nsproxy, mnt_ns), ns.inum);
        inodes[3] = BPF_CORE_READ(FIELD_AT(block, struct net *, nsproxy, net_ns), ns.inum);
        inodes[5] = BPF_CORE_READ(FIELD_AT(block, struct pid_namespace *, nsproxy, pid_ns_for_children), ns.inum);
        inodes[6] = BPF_CORE_READ(FIELD_AT(block, struct time_namespace *, nsproxy, time_ns), ns.inum);
        inodes[8] = BPF_CORE_READ(FIELD_AT(block, struct uts_namespace *, nsproxy, uts_ns), ns.inum);
    } else {
        inodes[0] = BPF_CORE_READ(ns, cgroup_ns, ns.inum);
        inodes[1] = BPF_CORE_READ(ns, ipc_ns, ns.inum);
        inodes[2] = BPF_CORE_READ(ns, mnt_ns, ns.inum);
        inodes[3] = BPF_CORE_READ(ns, net_ns, ns.inum);
        inodes[5] = BPF_CORE_READ(ns, pid_ns_for_children, ns.inum);
        inodes[6] = BPF_CORE_READ(ns, time_ns, ns.inum);
        inodes[8] = BPF_CORE_READ(ns, uts_ns, ns.inum);
    }
}
#endif
