// bpfpass: times the BPF task iterator alone (Sources/CTaskIter): loading and attaching it
// once, then RUNS full passes over every task. Prints "load_ms X pass_ms Y tasks Z" (pass_ms is
// the median). This is the cost a long-lived sampler (the daemon) pays per cycle.
//
//   bpfpass [RUNS]
//   bpfpass --dump     one line per leader, for comparing with /proc by hand or by script
#define _GNU_SOURCE
#include "task_iter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int dump(void) {
    char error[512];
    struct isotrace_task_iter *iter = isotrace_task_iter_open(error, sizeof error);
    if (!iter) { fprintf(stderr, "bpfpass: %s\n", error); return 2; }
    const struct isotrace_task_record *r;
    long count = isotrace_task_iter_read(iter, &r, error, sizeof error);
    if (count < 0) { fprintf(stderr, "bpfpass: %s\n", error); isotrace_task_iter_close(iter); return 2; }
    for (long i = 0; i < count; i++, r++) {
        printf("pid=%d ppid=%d pgid=%d sid=%d state=%c tracer=%d start=%llu flags=%u", r->pid, r->ppid, r->pgid, r->sid,
               (char)r->state, r->tracer_pid, (unsigned long long)(r->start_boottime_ns / 10000000ull), r->flags);
        printf(" uids=%u,%u,%u,%u gids=%u,%u,%u,%u", r->uids[0], r->uids[1], r->uids[2], r->uids[3],
               r->gids[0], r->gids[1], r->gids[2], r->gids[3]);
        printf(" caps=%016llx,%016llx,%016llx,%016llx,%016llx", (unsigned long long)r->caps[0], (unsigned long long)r->caps[1],
               (unsigned long long)r->caps[2], (unsigned long long)r->caps[3], (unsigned long long)r->caps[4]);
        printf(" ns=");
        for (int k = 0; k < 9; k++) printf("%s%llu", k ? "," : "", (unsigned long long)r->ns_inodes[k]);
        printf(" nspid=");
        for (unsigned k = 0; k <= r->nspid_level && k < 4; k++) printf("%s%d", k ? "," : "", r->nspid[k]);
        printf(" groups=");
        for (unsigned k = 0; k < r->ngroups && k < 32; k++) printf("%s%u", k ? "," : "", r->groups[k]);
        printf(" nnp=%u seccomp=%u filters=%u cgroup_id=%llu comm=%.16s\n", r->no_new_privs, r->seccomp_mode,
               r->seccomp_filters, (unsigned long long)r->cgroup_id, r->comm);
    }
    isotrace_task_iter_close(iter);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dump") == 0) return dump();
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (runs < 1 || runs > 1000) runs = 7;
    char error[512];
    double start = now_ms();
    struct isotrace_task_iter *iter = isotrace_task_iter_open(error, sizeof error);
    if (!iter) { fprintf(stderr, "bpfpass: %s\n", error); return 2; }
    double load = now_ms() - start;
    double passes[1000];
    long tasks = 0;
    for (int i = 0; i < runs; i++) {
        const struct isotrace_task_record *records;
        start = now_ms();
        tasks = isotrace_task_iter_read(iter, &records, error, sizeof error);
        passes[i] = now_ms() - start;
        if (tasks < 0) { fprintf(stderr, "bpfpass: %s\n", error); isotrace_task_iter_close(iter); return 2; }
    }
    isotrace_task_iter_close(iter);
    qsort(passes, (size_t)runs, sizeof *passes, compare);
    printf("load_ms %.3f pass_ms %.3f tasks %ld\n", load, passes[runs / 2], tasks);
    return 0;
}
