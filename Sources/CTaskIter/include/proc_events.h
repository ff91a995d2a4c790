#ifndef ISOTRACE_PROC_EVENTS_H
#define ISOTRACE_PROC_EVENTS_H

#ifndef __bpf__
#include <stddef.h>
#include <stdint.h>
#endif

#define ISOTRACE_EVENT_FORK 1
#define ISOTRACE_EVENT_EXEC 2
#define ISOTRACE_EVENT_EXIT 3
#define ISOTRACE_EVENT_CWD 64
#define ISOTRACE_EVENT_FILENAME 256
#define ISOTRACE_EVENT_ARGS 512

/// One fork, exec or exit of a process (thread-group leader; threads are not reported), written by
/// the tracepoint programs of bpf/proc_events.bpf.c into a ring buffer. PIDs are those of the
/// initial PID namespace, ids those of the initial user namespace (real_cred). A fork or exit
/// event is only the head of the structure, up to and including `comm`
/// (ISOTRACE_EVENT_HEAD_SIZE bytes in the ring, a sixth of an exec's): the loader hands it on
/// with the exec part zeroed.
struct isotrace_proc_event {
    uint32_t kind;                       // ISOTRACE_EVENT_*
    int32_t pid;                         // the process (tgid); on fork the child
    int32_t ppid;                        // its real parent's tgid now (on exit: who reaps it)
    int32_t sid;                         // its session
    uint64_t start_boottime_ns;          // the process's start: stat's start ticks = this / (1e9 / CLK_TCK)
    uint64_t parent_start_boottime_ns;   // the real parent's (leader's) start: the parent's identity
    uint64_t time_boottime_ns;           // when it happened (CLOCK_BOOTTIME)
    uint32_t uids[4];                    // real, effective, saved, fs
    uint32_t gids[4];
    uint64_t ns_inodes[9];               // cgroup, ipc, mnt, net, pid, pid_for_children, time, user, uts
    uint64_t cgroup_id;                  // cgroup v2 id
    int32_t exit_code;                   // exit: the wait status (code << 8 | signal)
    uint32_t args_size;                  // exec: bytes of argv in args (NUL-separated)
    uint32_t args_truncated;             // exec: 1 when argv was longer than args
    uint32_t reserved;
    char comm[16];
    // exec only, from here on:
    char cwd_name[ISOTRACE_EVENT_CWD];   // exec: the last component of the working directory
    char filename[ISOTRACE_EVENT_FILENAME];  // exec: the path given to execve (bprm->filename)
    char args[ISOTRACE_EVENT_ARGS];      // exec: the first bytes of argv
};

/// The bytes of a fork or exit event: the head, up to and including `comm`.
#define ISOTRACE_EVENT_HEAD_SIZE (__builtin_offsetof(struct isotrace_proc_event, cwd_name))

/// The loaded event source: the three tracepoint programs attached and the ring buffer mapped.
struct isotrace_proc_events;

#ifndef __bpf__
/// Called for each event read; return 0 to go on.
typedef int (*isotrace_proc_event_handler)(void *context, const struct isotrace_proc_event *event);

/// Loads the programs with a ring buffer of `ring_bytes` (a power of two, at least a page; 0 for
/// the default of 4 MiB) and attaches them. NULL with the reason in `error` when it cannot
/// (no BTF, no privileges, object not built, ...).
struct isotrace_proc_events *isotrace_proc_events_open(size_t ring_bytes, char *error, size_t error_size);

/// Waits up to `timeout_ms` for events (epoll) and hands each one to `handler`. The number of
/// events read, or -1 with the reason in `error`.
int isotrace_proc_events_poll(struct isotrace_proc_events *events, int timeout_ms, isotrace_proc_event_handler handler,
                              void *context, char *error, size_t error_size);

/// Events the programs could not write because the ring buffer was full, since loading;
/// UINT64_MAX when the counter cannot be read.
unsigned long long isotrace_proc_events_lost(const struct isotrace_proc_events *events);

void isotrace_proc_events_close(struct isotrace_proc_events *events);
#endif

#endif
