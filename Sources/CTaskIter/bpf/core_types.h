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
#endif
