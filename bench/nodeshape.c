// nodeshape: starts N real processes shaped like a busy grid worker node and holds them until it
// is told to stop, then kills every one of them by PID and reaps them.
//
//   nodeshape N HOLDER WORKDIR
//
// Shape, per pilot (39 processes): a `runpilot2-wrapper.sh` bash, a python `pilot.py`, one pilot
// helper, and four jobs, each a payload root leading its own session in its job directory
// `PanDA_Pilot-<id>` with eight payload processes below it. One job in ten runs in a container:
// an "Apptainer runtime parent" in new PID, mount and IPC namespaces whose PID-1 child holds the
// payload. argv and environments vary in length and content like real ones (PanDA identifiers,
// tokens that must be redacted or dropped, long paths).
//
// Every process execs HOLDER (which names itself after argv[0], writes one byte to fd 3 and
// waits). nodeshape prints "ready <N>" once all N are running. It stops on SIGTERM, SIGINT or
// SIGHUP, or when its parent dies (PR_SET_PDEATHSIG): it SIGKILLs each PID it started (in a new
// PID namespace, the namespace's init, which takes the namespace with it) and reaps everything.
// No process is ever found or killed by name. Each process also has PR_SET_PDEATHSIG(SIGKILL), so
// the tree falls even if nodeshape itself is SIGKILLed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum kind { WRAPPER, PILOT, HELPER, PAYLOAD_ROOT, CONTAINER_PARENT, CONTAINER_INIT, WORKER };

struct spec {
    int parent, first_child, next_sibling;
    enum kind kind;
    int pilot, job, slot;  // job: global job number, -1 for pilot side
};

static struct spec *plan;
static int planned, wanted;
static const char *holder, *workdir;
static int in_root_pid_namespace = 1;
static sigset_t stop_signals;

static void die(const char *what) { perror(what); _exit(2); }

static int add(int parent, enum kind kind, int pilot, int job, int slot) {
    if (planned >= wanted) return -1;
    int i = planned++;
    plan[i] = (struct spec){parent, -1, -1, kind, pilot, job, slot};
    if (parent >= 0) {  // append, keeping children in plan order
        int *link = &plan[parent].first_child;
        while (*link >= 0) link = &plan[*link].next_sibling;
        *link = i;
    }
    return i;
}

static void make_plan(void) {
    int job = 0;
    for (int pilot = 0; planned < wanted; pilot++) {
        int wrapper = add(-1, WRAPPER, pilot, -1, 0);
        int pilot_process = add(wrapper, PILOT, pilot, -1, 0);
        if (pilot_process < 0) break;
        add(pilot_process, HELPER, pilot, -1, 0);
        for (int j = 0; j < 4; j++, job++) {
            int root;
            int workers = 8;
            if (job % 10 == 0) {
                int parent = add(pilot_process, CONTAINER_PARENT, pilot, job, 0);
                if (parent < 0) return;
                root = add(parent, CONTAINER_INIT, pilot, job, 0);
                workers = 7;
            } else {
                root = add(pilot_process, PAYLOAD_ROOT, pilot, job, 0);
            }
            if (root < 0) return;
            for (int w = 0; w < workers; w++) add(root, WORKER, pilot, job, w);
        }
    }
}

static void path_of(char *out, size_t size, int pilot, int job) {
    if (job < 0) snprintf(out, size, "%s/pilot%d/PanDA_Pilot3_%d_1795676748", workdir, pilot, 4000 + pilot);
    else snprintf(out, size, "%s/pilot%d/PanDA_Pilot3_%d_1795676748/PanDA_Pilot-%lld", workdir, pilot, 4000 + pilot, 9200000000LL + job);
}

static void make_directories(void) {
    char path[512];
    for (int i = 0; i < planned; i++) {
        if (plan[i].kind != WRAPPER && plan[i].kind != PAYLOAD_ROOT && plan[i].kind != CONTAINER_PARENT) continue;
        snprintf(path, sizeof path, "%s/pilot%d", workdir, plan[i].pilot);
        mkdir(path, 0755);
        path_of(path, sizeof path, plan[i].pilot, -1);
        mkdir(path, 0755);
        if (plan[i].job >= 0) { path_of(path, sizeof path, plan[i].pilot, plan[i].job); mkdir(path, 0755); }
    }
}

/// A growing list of strings for argv or envp (the process execs right after, so nothing is freed).
struct list { char *items[160]; int count; };
static void push(struct list *list, const char *format, ...) {
    va_list args;
    va_start(args, format);
    if (list->count < 159 && vasprintf(&list->items[list->count], format, args) >= 0) list->count++;
    va_end(args);
    list->items[list->count] = NULL;
}

static void environment(struct list *env, const struct spec *s, int index) {
    char home[512];
    path_of(home, sizeof home, s->pilot, -1);
    push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    push(env, "HOME=/home/atlasprd");
    push(env, "USER=atlasprd");
    push(env, "LANG=en_US.UTF-8");
    push(env, "PILOT_HOME=%s", home);
    push(env, "HARVESTER_ID=CERN_central_A");
    push(env, "HARVESTER_WORKER_ID=%d", 700000 + s->pilot);
    push(env, "GTAG=https://aipanda.cern.ch/condor_logs/pilots/%d.out", 700000 + s->pilot);
    push(env, "X509_USER_PROXY=%s/../x509up_u10%03d", home, s->pilot % 1000);
    push(env, "_CONDOR_JOB_AD=/var/lib/condor/execute/dir_%d/.job.ad", 31000 + s->pilot);
    push(env, "HTCondor_Job_ID=ce.bench.example#%d.0#1795676748", 55000 + s->pilot);
    push(env, "PANDA_AUTH_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWxvdCIsIm4iOiIlZCJ9.c2lnbmF0dXJl%d", index);
    push(env, "ATLAS_LOCAL_ROOT_BASE=/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase");
    push(env, "LD_LIBRARY_PATH=/cvmfs/atlas.cern.ch/repo/sw/software/23.0/AthGeneration/23.0.%d/InstallArea/x86_64-centos7-gcc11-opt/lib:"
              "/cvmfs/sft.cern.ch/lcg/releases/LCG_102b_ATLAS_%d/ROOT/6.26.08/x86_64-centos7-gcc11-opt/lib", index % 50, index % 7);
    if (s->job >= 0) {
        push(env, "PandaID=%lld", 9200000000LL + s->job);
        push(env, "PANDAID=%lld", 9200000000LL + s->job);
        push(env, "PanDA_TaskID=%d", 41000000 + s->job / 16);
        push(env, "PanDA_AttemptNr=%d", 1 + s->job % 3);
        push(env, "FRONTIER_ID=[%d_%lld]", 41000000 + s->job / 16, 9200000000LL + s->job);
        if (s->job % 10 == 0) {
            push(env, "APPTAINER_CONTAINER=/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:23.0.%d", s->job % 40);
            push(env, "APPTAINER_NAME=athena_23.0.%d.sif", s->job % 40);
        }
    }
    // Filler: what a batch system, a shell and a release set-up leave behind, 10 to 49 variables.
    for (int i = 0; i < 10 + index % 40; i++)
        push(env, "ATLAS_SETUP_VARIABLE_%02d=/cvmfs/atlas.cern.ch/repo/sw/local/etc/%0*d", i, 4 + (index + i) % 60, i);
}

static void arguments(struct list *argv, const struct spec *s, int index) {
    char home[512], job[512];
    path_of(home, sizeof home, s->pilot, -1);
    path_of(job, sizeof job, s->pilot, s->job < 0 ? 0 : s->job);
    long long panda = 9200000000LL + (s->job < 0 ? 0 : s->job);
    switch (s->kind) {
    case WRAPPER:
        push(argv, "/bin/bash");
        push(argv, "/var/lib/condor/execute/dir_%d/runpilot2-wrapper.sh", 31000 + s->pilot);
        push(argv, "-s"); push(argv, "CERN-PROD"); push(argv, "-r"); push(argv, "CERN-PROD_UCORE");
        push(argv, "-q"); push(argv, "CERN-PROD_UCORE"); push(argv, "-j"); push(argv, "managed");
        push(argv, "--pilot-user"); push(argv, "ATLAS"); push(argv, "--url"); push(argv, "https://pandaserver.cern.ch");
        push(argv, "--harvester-submit-mode"); push(argv, "PULL"); push(argv, "--pilotversion"); push(argv, "3.9.2.%d", s->pilot % 50);
        break;
    case PILOT:
        push(argv, "/usr/bin/python3");
        push(argv, "%s/pilot3/pilot.py", home);
        push(argv, "-q"); push(argv, "CERN-PROD_UCORE"); push(argv, "-r"); push(argv, "CERN-PROD_UCORE");
        push(argv, "-s"); push(argv, "CERN-PROD"); push(argv, "-i"); push(argv, "PR"); push(argv, "-j"); push(argv, "managed");
        push(argv, "--pilot-user=ATLAS"); push(argv, "-w"); push(argv, "generic"); push(argv, "--url");
        push(argv, "https://pandaserver.cern.ch"); push(argv, "-p"); push(argv, "25443");
        push(argv, "--access-token"); push(argv, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWxvdCJ9.c2ln%d", s->pilot);
        break;
    case HELPER:
        push(argv, "/bin/sh"); push(argv, "-c");
        push(argv, "ps axo pid,ppid,pgid,args > %s/ps.out 2>&1; lscpu > %s/cpu.out", home, home);
        break;
    case PAYLOAD_ROOT:
    case CONTAINER_INIT:
        if (s->kind == CONTAINER_INIT) { push(argv, "/bin/sh"); push(argv, "/.singularity.d/actions/exec"); }
        push(argv, "/bin/bash"); push(argv, "-c");
        push(argv, "export PandaID=%lld; export PanDA_TaskID=%d; source $ATLAS_LOCAL_ROOT_BASE/user/atlasLocalSetup.sh --quiet; "
                   "runGen-00-00-02 --sourceURL=https://pandaserver.cern.ch:25443 --inputEVNTFile=EVNT.%d._%06d.pool.root.1 "
                   "--maxEvents=%d --jobConfig=%d 2>&1 | tee payload.stdout",
             panda, 41000000 + s->job / 16, 41000000 + s->job / 16, index % 1000, 100 * (1 + index % 20), 500000 + index);
        break;
    case CONTAINER_PARENT:
        push(argv, "Apptainer runtime parent");
        break;
    case WORKER:
        switch (s->slot) {
        case 0:
            push(argv, "/usr/bin/python3"); push(argv, "/cvmfs/atlas.cern.ch/repo/sw/software/23.0/AthGeneration/23.0.%d/bin/runGen.py", s->job % 50);
            push(argv, "--maxEvents=%d", 100 * (1 + index % 20)); push(argv, "--outputEVNTFile=EVNT.%lld.pool.root", panda);
            break;
        case 1:
            push(argv, "athena.py"); push(argv, "--threads=8"); push(argv, "--evtMax=%d", 1000 + index);
            push(argv, "%s/jobOptions.%lld.py", job, panda);
            break;
        case 6: push(argv, "tee"); push(argv, "payload.stdout"); break;
        case 7: push(argv, "/usr/bin/python3"); push(argv, "-m"); push(argv, "pilot.util.memorymonitor"); push(argv, "--pid=%d", index); break;
        default: push(argv, "athena.py"); push(argv, "worker"); push(argv, "%d", s->slot - 1); push(argv, "--shared-queue=%d", index); break;
        }
        break;
    }
}

/// Forks process `index` (and, from inside it, its children), then execs the holder.
static void create(int index) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child > 0) {
        // Only PIDs in our own PID namespace are meaningful to nodeshape: a container's init is
        // reported by its parent (outside), and takes its namespace with it when killed.
        if (in_root_pid_namespace && write(4, &child, sizeof child) != sizeof child) die("write pid");
        return;
    }
    const struct spec *s = &plan[index];
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent && getppid() != 0) _exit(1);  // parent died before we could follow it
    if (s->kind == CONTAINER_INIT) in_root_pid_namespace = 0;
    if (s->kind == HELPER || s->kind == PAYLOAD_ROOT || s->kind == CONTAINER_PARENT) setsid();
    if (s->kind == CONTAINER_PARENT && unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC) != 0) die("unshare");
    char directory[512];
    path_of(directory, sizeof directory, s->pilot, s->kind == HELPER ? -1 : s->job);
    if (chdir(directory) != 0) die(directory);
    for (int c = s->first_child; c >= 0; c = plan[c].next_sibling) create(c);
    close(4);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0); dup2(null, 1); dup2(null, 2);
    if (null > 2) close(null);
    struct list argv = {0}, env = {0};
    arguments(&argv, s, index);
    environment(&env, s, index);
    execve(holder, argv.items, env.items);
    _exit(127);
}

static pid_t *started;
static size_t started_count, started_capacity;

static void collect_pids(int fd) {
    pid_t buffer[1024];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(pid_t); i++) {
            if (started_count == started_capacity) {
                started_capacity = started_capacity ? started_capacity * 2 : 4096;
                started = realloc(started, started_capacity * sizeof *started);
                if (!started) die("realloc");
            }
            started[started_count++] = buffer[i];
        }
    }
}

/// SIGKILLs every PID we started, then reaps until no child is left. Nothing is reaped before
/// every kill is sent, so none of these PIDs can have been reused by then.
static void stop_all(void) {
    for (size_t i = 0; i < started_count; i++) if (started[i] > 1) kill(started[i], SIGKILL);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR) {}
}

int main(int argc, char **argv) {
    if (argc != 4 || atoi(argv[1]) <= 0) { fprintf(stderr, "usage: nodeshape N HOLDER WORKDIR\n"); return 2; }
    wanted = atoi(argv[1]);
    holder = argv[2];
    workdir = argv[3];
    setpgid(0, 0);  // out of the terminal's foreground group: Ctrl-C reaches the driver, which stops us
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM); sigaddset(&stop_signals, SIGINT); sigaddset(&stop_signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
    if (getppid() == 1) return 2;

    plan = calloc((size_t)wanted, sizeof *plan);
    make_plan();
    make_directories();

    // Write ends at fd 3 (ready bytes from holders) and fd 4 (PIDs from creators), inherited;
    // read ends high and close-on-exec.
    int ready[2], pids[2];
    if (pipe2(ready, O_CLOEXEC) || pipe2(pids, O_CLOEXEC)) die("pipe");
    int ready_read = fcntl(ready[0], F_DUPFD_CLOEXEC, 10), ready_write = fcntl(ready[1], F_DUPFD_CLOEXEC, 10);
    int pids_read = fcntl(pids[0], F_DUPFD_CLOEXEC, 10), pids_write = fcntl(pids[1], F_DUPFD_CLOEXEC, 10);
    close(ready[0]); close(ready[1]); close(pids[0]); close(pids[1]);
    if (dup2(ready_write, 3) != 3 || dup2(pids_write, 4) != 4) die("dup2");
    close(ready_write); close(pids_write);
    fcntl(pids_read, F_SETFL, O_NONBLOCK);
    int signals = signalfd(-1, &stop_signals, SFD_CLOEXEC);

    pid_t self = getpid();
    for (int i = 0; i < planned && getpid() == self; i++) if (plan[i].parent < 0) create(i);
    close(3); close(4);

    int count = 0, stopping = 0, pids_open = 1;
    while (count < planned && !stopping) {
        struct pollfd fds[3] = {{ready_read, POLLIN, 0}, {pids_read, POLLIN, 0}, {signals, POLLIN, 0}};
        if (poll(fds, 3, -1) < 0) { if (errno == EINTR) continue; die("poll"); }
        if (fds[2].revents) stopping = 1;
        if (fds[1].revents) { collect_pids(pids_read); if (fds[1].revents & POLLHUP && !(fds[1].revents & POLLIN)) pids_open = 0; }
        if (fds[0].revents & POLLIN) {
            char bytes[4096];
            ssize_t n = read(ready_read, bytes, sizeof bytes);
            if (n > 0) count += (int)n;
        } else if (fds[0].revents & POLLHUP) {
            break;  // every holder is gone or never came: some failed
        }
    }
    (void)pids_open;
    fcntl(pids_read, F_SETFL, 0);
    if (!stopping) collect_pids(pids_read);  // all creators have exec'd: read to EOF
    if (!stopping && count == planned) {
        printf("ready %d\n", count);
        fflush(stdout);
        struct signalfd_siginfo info;
        while (read(signals, &info, sizeof info) < 0 && errno == EINTR) {}
    } else if (!stopping) {
        fprintf(stderr, "nodeshape: only %d of %d processes started\n", count, planned);
    }
    stop_all();
    return count == planned ? 0 : 1;
}
