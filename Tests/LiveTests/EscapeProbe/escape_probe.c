// The LD_PRELOAD escape probe (issue 21, finding 5): code running inside the confined daemon.
// Loaded with LD_PRELOAD into `isotrace daemon`, it wraps sigtimedwait(2), which the daemon calls
// between cycles; the first call made after confinement (Seccomp: 2 in /proc/self/status) tries,
// once, each thing a payload that took over the daemon would try, and writes one line per try to
// stderr: "escape-probe: NAME=ok" when it went through, else the errno's name. Nothing it tries
// does harm if it went through: /proc/PID/mem is only opened for writing, never written; prlimit
// sets a CPU limit to unlimited; kill sends signal 0; execve gets an argv the kernel rejects with
// EFAULT after the seccomp check; a file created under /etc is removed at once.
// Targets come from the environment: ISOTRACE_ESCAPE_ROOT_PID (a root process), _OTHER_PID (a
// process of another uid), _SOCKET (a root-only 0600 unix datagram socket), _ETC_FILE (a path
// under /etc that does not exist).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static int tried;

static void report(const char *name, int result) {
    char line[160];
    const char *outcome = result == 0 ? "ok" : strerrorname_np(result);
    int n = snprintf(line, sizeof line, "escape-probe: %s=%s\n", name, outcome ? outcome : "errno?");
    if (write(2, line, (size_t)n) < 0) { /* nothing to do */ }
}

static int confined(void) {
    char buffer[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return 0;
    buffer[n] = 0;
    return strstr(buffer, "\nSeccomp:\t2\n") != NULL;
}

static int env_pid(const char *name) {
    const char *value = getenv(name);
    return value ? atoi(value) : 0;
}

// Errno of the open, 0 when it was opened (then closed at once).
static int try_open(const char *path, int flags) {
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

// Reads 16 bytes of PID's memory at the start of its first mapping.
static int try_read_memory(int pid) {
    char path[64], maps[256];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    ssize_t n = read(fd, maps, sizeof maps - 1);
    close(fd);
    if (n <= 0) return n < 0 ? errno : EIO;
    maps[n] = 0;
    unsigned long start = strtoul(maps, NULL, 16);
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char bytes[16];
    n = pread(fd, bytes, sizeof bytes, (off_t)start);
    int error = n > 0 ? 0 : n < 0 ? errno : EIO;
    close(fd);
    return error;
}

static int try_process_vm_readv(int pid) {
    char local[16];
    struct iovec here = { local, sizeof local }, there = { (void *)0x400000, sizeof local };
    return process_vm_readv(pid, &here, 1, &there, 1, 0) < 0 ? errno : 0;
}

static int try_prlimit(int pid) {
    struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
    return prlimit(pid, RLIMIT_CPU, &unlimited, NULL) == 0 ? 0 : errno;
}

static int try_connect(const char *path) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    int result = connect(fd, (struct sockaddr *)&address, sizeof address) == 0 ? 0 : errno;
    close(fd);
    return result;
}

static int try_create(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    close(fd);
    unlink(path);
    return 0;
}

static int try_inet(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

static int try_execve(void) {
    char *const *volatile invalid = (char *const *)8;
    execve("/bin/true", invalid, NULL);
    return errno == EFAULT ? 0 : errno;  // EFAULT: the filter let it through to the kernel
}

// TIOCSTI types into a terminal; on fd 2 (not a terminal in the test) the kernel would say
// ENOTTY, the filter EPERM. Then the same request with high bits set, which the kernel ignores.
static int try_tiocsti(unsigned long request) {
    char c = '#';
    return ioctl(2, request, &c) == 0 ? 0 : errno;
}

static void probe(void) {
    int root = env_pid("ISOTRACE_ESCAPE_ROOT_PID"), other = env_pid("ISOTRACE_ESCAPE_OTHER_PID");
    const char *socket_path = getenv("ISOTRACE_ESCAPE_SOCKET"), *etc_file = getenv("ISOTRACE_ESCAPE_ETC_FILE");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", root);
    report("write_root_mem", try_open(path, O_RDWR));
    report("read_other_uid_mem", try_read_memory(other));
    report("process_vm_readv_other", try_process_vm_readv(other));
    report("prlimit_root_cpu", try_prlimit(root));
    report("kill_root", kill(root, 0) == 0 ? 0 : errno);
    report("ptrace_attach_root", ptrace(PTRACE_ATTACH, root, 0, 0) == 0 ? 0 : errno);
    report("connect_root_socket", socket_path ? try_connect(socket_path) : EINVAL);
    report("create_etc_file", etc_file ? try_create(etc_file) : EINVAL);
    report("read_etc_shadow", try_open("/etc/shadow", O_RDONLY));
    report("setuid_root", setuid(0) == 0 ? 0 : errno);
    report("ioctl_tiocsti", try_tiocsti(TIOCSTI));
    report("ioctl_tiocsti_high_bits", try_tiocsti(0x100000000UL | TIOCSTI));
    report("socket_inet", try_inet());
    report("execve", try_execve());
    report("done", 0);
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout) {
    static int (*real)(const sigset_t *, siginfo_t *, const struct timespec *);
    if (!real) real = (int (*)(const sigset_t *, siginfo_t *, const struct timespec *))dlsym(RTLD_NEXT, "sigtimedwait");
    if (!tried && confined()) {
        tried = 1;
        probe();
    }
    return real(set, info, timeout);
}
