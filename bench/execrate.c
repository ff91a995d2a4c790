// execrate: the exec load of `make bench`'s process event rows (bench/eventbench.py).
//
//   execrate rate RATE SECONDS RESULT   fork+exec itself ("execrate -", which exits at once) RATE
//                                       times a second for SECONDS, reaping as it goes; writes
//                                       "<execs> <wall s> <late ticks>" to RESULT
//   execrate loop COUNT RESULT          COUNT fork+exec+wait one after the other; writes
//                                       "<count> <wall s>" (the exec latency a tracer adds shows here)
//   execrate -                          exits 0 (what every exec runs; static, so it stays cheap)
//
// Built static (-static), so that the exec itself costs the same with or without a daemon and
// needs no dynamic loader.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char self[4096];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static pid_t spawn(void) {
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"execrate", "-", NULL};
        execv(self, argv);
        _exit(127);
    }
    return pid;
}

static void reap(int block) {
    int status;
    while (waitpid(-1, &status, block ? 0 : WNOHANG) > 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "execrate: a child failed (status %d)\n", status); exit(2); }
        if (block) return;
    }
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "-") == 0) return 0;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) { perror("readlink /proc/self/exe"); return 2; }
    self[n] = 0;
    if (argc == 5 && strcmp(argv[1], "rate") == 0) {
        double rate = atof(argv[2]), seconds = atof(argv[3]);
        long execs = 0, late = 0;
        double start = now(), end = start + seconds;
        for (;;) {
            double t = now();
            if (t >= end) break;
            long due = (long)((t - start) * rate);
            if (due - execs > rate / 100) late++;  // more than 10 ms behind
            while (execs < due) {
                if (spawn() < 0) { perror("fork"); reap(1); continue; }
                execs++;
                reap(0);
            }
            reap(0);
            struct timespec pause = {0, 200000};
            nanosleep(&pause, NULL);
        }
        while (wait(NULL) > 0) {}
        double wall = now() - start;
        FILE *out = fopen(argv[4], "w");
        if (!out) { perror(argv[4]); return 2; }
        fprintf(out, "%ld %.6f %ld\n", execs, wall, late);
        return fclose(out) == 0 ? 0 : 2;
    }
    if (argc == 4 && strcmp(argv[1], "loop") == 0) {
        long count = atol(argv[2]);
        double start = now();
        for (long i = 0; i < count; i++) {
            if (spawn() < 0) { perror("fork"); return 2; }
            reap(1);
        }
        double wall = now() - start;
        FILE *out = fopen(argv[3], "w");
        if (!out) { perror(argv[3]); return 2; }
        fprintf(out, "%ld %.6f\n", count, wall);
        return fclose(out) == 0 ? 0 : 2;
    }
    fprintf(stderr, "usage: execrate rate RATE SECONDS RESULT | execrate loop COUNT RESULT | execrate -\n");
    return 2;
}
