#define _GNU_SOURCE
#include "procshim.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <errno.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

int isotrace_open_in_root(int root_fd, const char *path) {
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .mode = 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

int isotrace_open_in_root_for_reading(int root_fd, const char *path) {
    struct open_how how = {
        .flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
        .mode = 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

int isotrace_open_no_symlinks(int dir_fd, const char *path, int flags, unsigned int mode) {
    int creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = creates ? mode : 0,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS) fd = openat(dir_fd, path, flags | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    return fd;
}

int isotrace_open_on_same_mount(int dir_fd, const char *path, int flags) {
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = 0,
        .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
    };
    return (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
}

int isotrace_is_procfs(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    return info.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */ ? 1 : 0;
}

int isotrace_open_path_directory(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int isotrace_has_access_acl(int fd) {
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t size = getxattr(link, "system.posix_acl_access", NULL, 0);
    if (size > 0) return 1;
    if (size < 0 && errno != ENODATA && errno != ENOTSUP) return -1;
    return 0;
}
