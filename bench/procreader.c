// procreader: the floor. A plain C reader of exactly the /proc files `isotrace snapshot` reads
// for each process (stat, status, cmdline, environ, cgroup, exe, cwd, the nine ns links), with
// uid_map/gid_map once per user namespace and mountinfo once per mount namespace. It parses only
// the namespace inodes it needs for those caches. Prints processes, namespaces and bytes read.
//
// `procreader --refresh` reads only what the daemon's /proc sampler re-reads for a process it
// already knows (stat, status, cgroup, the nine ns links, maps and mountinfo once per namespace):
// the floor of a steady /proc cycle, with no parsing and no audit.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buffer[1 << 20];
static unsigned long long total_bytes;

/// Open-addressing set of namespace inodes (user, mount): returns 1 when newly added.
#define SET_SIZE 65536
static uint64_t seen_user[SET_SIZE], seen_mnt[SET_SIZE];
static int add(uint64_t *set, uint64_t inode) {
    if (inode == 0) return 1;
    for (size_t i = (inode * 0x9E3779B97F4A7C15ull) >> 48;; i = (i + 1) & (SET_SIZE - 1)) {
        if (set[i] == inode) return 0;
        if (set[i] == 0) { set[i] = inode; return 1; }
    }
}

static void read_file(int dir, const char *name) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) total_bytes += (unsigned long long)n;
    close(fd);
}

static uint64_t read_link(int dir, const char *name) {
    char target[4096];
    ssize_t n = readlinkat(dir, name, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    total_bytes += (unsigned long long)n;
    char *open = strchr(target, '[');
    return open ? strtoull(open + 1, NULL, 10) : 0;
}

int main(int argc, char **argv) {
    int refresh = argc > 1 && strcmp(argv[1], "--refresh") == 0;
    if (refresh) { argc--; argv++; }
    const char *root = argc > 1 ? argv[1] : "/proc";
    static const char *all_files[] = {"stat", "status", "cmdline", "environ", "cgroup"};
    static const char *refresh_files[] = {"stat", "status", "cgroup"};
    const char **files = refresh ? refresh_files : all_files;
    size_t file_count = refresh ? 3 : 5;
    static const char *ns[] = {"ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid",
                               "ns/pid_for_children", "ns/time", "ns/user", "ns/uts"};
    DIR *proc = opendir(root);
    if (!proc) { perror(root); return 2; }
    unsigned long processes = 0, user_namespaces = 0, mount_namespaces = 0;
    struct dirent *entry;
    char path[512];
    while ((entry = readdir(proc))) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "%s/%s", root, entry->d_name);
        int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) continue;
        for (size_t i = 0; i < file_count; i++) read_file(dir, files[i]);
        if (!refresh) {
            read_link(dir, "cwd");
            read_link(dir, "exe");
        }
        uint64_t inodes[9];
        for (size_t i = 0; i < 9; i++) inodes[i] = read_link(dir, ns[i]);
        if (add(seen_user, inodes[7])) { user_namespaces++; read_file(dir, "uid_map"); read_file(dir, "gid_map"); }
        if (add(seen_mnt, inodes[2])) { mount_namespaces++; read_file(dir, "mountinfo"); }
        close(dir);
        processes++;
    }
    closedir(proc);
    printf("processes %lu user_namespaces %lu mount_namespaces %lu bytes %llu\n",
           processes, user_namespaces, mount_namespaces, total_bytes);
    return 0;
}
