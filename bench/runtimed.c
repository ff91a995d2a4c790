// runtimed: runs a command once and writes "<wall s> <peak RSS KiB> <exit status> <CPU s>" to
// RESULT. A tiny launcher, so the child's peak RSS (which counts the memory it had before exec)
// is the command's own, not that of a large parent such as the Python driver.
//
//   runtimed RESULT COMMAND [ARG...]
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: runtimed RESULT COMMAND [ARG...]\n"); return 2; }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) { execv(argv[2], argv + 2); perror(argv[2]); _exit(127); }
    int status;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {}
    clock_gettime(CLOCK_MONOTONIC, &end);
    FILE *result = fopen(argv[1], "w");
    if (!result) { perror(argv[1]); return 2; }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double cpu = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    fprintf(result, "%.6f %ld %d %.6f\n", (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9,
            usage.ru_maxrss, code, cpu);
    return fclose(result) == 0 ? 0 : 2;
}
