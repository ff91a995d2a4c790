#!/usr/bin/env python3
"""make bench: how fast isotrace samples a busy node, against a plain C reader of /proc.

For each shape and size N it starts N real processes shaped like a grid worker node
(bench/nodeshape): the `small` shape (short command lines, environments of 1-3 KiB) and the
`realistic` one (payloads with the 1-25 KiB environments of a release set-up and the argument
lists of real ATLAS transforms: Reco_tf.py, Sim_tf.py, Derivation_tf.py, athena.py, user
analysis). Then it times, in one run on the same processes: the C reader of exactly the /proc files isotrace
reads (bench/procreader, the floor), `isotrace snapshot` with each sampler, `isotrace audit`, the
BPF task iterator alone after loading (bench/bpfpass, when built) and the daemon's steady cycle
(bench/daemonbench.py: cycles driven back to back with SIGUSR1; CPU per cycle, RSS and its growth).
Each row: median wall time over several rounds (every round runs each row once, in alternate
orders: a slow spell falls on all rows alike), cost per process in µs, ratio to the C reader,
and peak RSS (from wait4's rusage of the child).

Every process nodeshape started is killed by PID when a size is done, on error, Ctrl-C, SIGTERM
or SIGHUP (nodeshape also follows this driver if it dies: PR_SET_PDEATHSIG).
"""
import argparse
import os
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import daemonbench


class Stop(Exception):
    """Raised by SIGTERM/SIGHUP so the same clean-up path as Ctrl-C runs."""


def on_signal(signum, frame):
    raise Stop(signal.Signals(signum).name)


def proc_count():
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def timed(runtimed, command, scratch):
    """Runs command once through bench/runtimed (stdout to /dev/null, stderr kept for errors);
    returns (seconds, peak RSS KiB, exit status, CPU seconds)."""
    result = os.path.join(scratch, "result")
    with open(os.path.join(scratch, "stderr"), "wb") as stderr:
        subprocess.run([runtimed, result] + command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=stderr, check=True)
    with open(result) as f:
        seconds, rss, status, cpu = f.read().split()
    return float(seconds), int(rss), int(status), float(cpu)


class Row:
    def __init__(self, name, command=None, ok=(0,), note=None):
        self.name, self.command, self.ok, self.note = name, command, ok, note


def measure(runtimed, rows, runs, scratch):
    """For each row (by position): median wall seconds, peak RSS (KiB) and median CPU seconds over
    `runs` rounds after one warm-up round; raises on a bad exit. Each round runs every row once,
    the order reversed from one round to the next, so that a slow spell of the machine (other
    work, its host's) falls on every row alike instead of on the rows it happens to coincide with:
    the ratios to the C reader are taken between runs seconds apart."""
    times = [[] for _ in rows]
    cpus = [[] for _ in rows]
    peaks = [0 for _ in rows]
    for run in range(runs + 1):
        order = list(range(len(rows))) if run % 2 == 0 else list(reversed(range(len(rows))))
        for index in order:
            row = rows[index]
            seconds, rss, status, cpu = timed(runtimed, row.command, scratch)
            if status not in row.ok:
                with open(os.path.join(scratch, "stderr"), errors="replace") as f:
                    raise RuntimeError(f"{' '.join(row.command)}: exit {status}\n{f.read()[-2000:]}")
            if run > 0:
                times[index].append(seconds)
                cpus[index].append(cpu)
            peaks[index] = max(peaks[index], rss)
    return [(statistics.median(times[i]), peaks[i], statistics.median(cpus[i])) for i in range(len(rows))]


def bpf_pass(bpfpass, runs, scratch):
    """bench/bpfpass loads the iterator once and times `runs` passes; prints `load_ms X pass_ms Y tasks Z`."""
    out = subprocess.run([bpfpass, str(runs)], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        return None, out.stderr.strip() or f"exit {out.returncode}"
    fields = out.stdout.split()
    values = dict(zip(fields[0::2], fields[1::2]))
    return (float(values["load_ms"]) / 1000, float(values["pass_ms"]) / 1000), None


def supports(isotrace, subcommand, flag):
    out = subprocess.run([isotrace, subcommand, "--help"], capture_output=True, text=True)
    return out.returncode == 0 and flag in out.stdout


def start_node(nodeshape, holder, shape, size, workdir, timeout):
    process = subprocess.Popen([nodeshape, "--shape", shape, str(size), holder, workdir], stdout=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("ready"):
        stop_node(process)
        raise RuntimeError(f"nodeshape did not get {size} processes running within {timeout} s")
    return process


def stop_node(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # by PID: nodeshape kills what it started, by PID
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def running_as_root(program):
    if os.geteuid() == 0:
        return True
    print(f"{program}: run as root (namespaces for the node's containers, BPF)", file=sys.stderr)
    return False


def check_limits(size):
    """N processes must fit under RLIMIT_NPROC and pid_max; the soft limit may be raised for
    this run only (nothing is changed permanently)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    need = size + proc_count() + 500
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard == resource.RLIM_INFINITY or hard >= need:
            resource.setrlimit(resource.RLIMIT_NPROC, (need, hard))
        else:
            return f"ulimit -u is {soft} (hard {hard}), {need} needed"
    with open("/proc/sys/kernel/pid_max") as f:
        if int(f.read()) < need:
            return f"pid_max is below {need}"
    return None


def descendants(root):
    """PIDs below root (by PPid in /proc/PID/stat; container processes are visible from here too)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def shape_summary(root):
    """Sizes of the node's environments and command lines, as /proc shows them."""
    env, args = [], []
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env.append(len(f.read()))
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args.append(len(f.read()))
        except OSError:
            continue
    if not env:
        return ""
    size = lambda n: f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n:.0f} B"
    kib = lambda values: (f"{size(min(values))} to {size(max(values))}, median {size(statistics.median(values))}, "
                          f"total {sum(values) / 1048576:.1f} MiB")
    return f"environments {kib(env)}; command lines {kib(args)}"


def each_node(program, tool, shapes, sizes, default_sizes, body):
    """Starts the node of each shape and size in turn (bench/nodeshape), calls
    body(shape, position, size, node, scratch) with position the size's place in its shape's list,
    and stops the node. Every process nodeshape started is killed by PID when a node is done, on
    error, Ctrl-C, SIGTERM or SIGHUP. Returns the exit status: 0, 2 on an error, 130 interrupted."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    scratch = tempfile.mkdtemp(prefix=f"isotrace-{program}-", dir="/var/tmp")
    node = None
    try:
        plan = []
        for shape in shapes.split(","):
            if shape not in default_sizes:
                raise RuntimeError(f"--shapes: unknown shape {shape!r} ({', '.join(default_sizes)})")
            for position, size in enumerate(int(s) for s in (sizes or default_sizes[shape]).split(",")):
                plan.append((shape, position, size))
        for shape, position, size in plan:
            problem = check_limits(size)
            if problem:
                print(f"\nN = {size:,}: skipped: {problem}")
                continue
            workdir = os.path.join(scratch, f"node-{shape}-{size}")
            os.mkdir(workdir)
            node = start_node(tool("nodeshape"), tool("holder"), shape, size, workdir, timeout=300)
            body(shape, position, size, node, scratch)
            stop_node(node)
            node = None
            shutil.rmtree(workdir, ignore_errors=True)
    except (KeyboardInterrupt, Stop) as interruption:
        print(f"\n{program}: interrupted ({interruption or 'SIGINT'}), stopping the processes it started", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"{program}: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if node is not None:
            stop_node(node)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def table(size, shape, summary, processes, rows):
    """Wall time is what a user waits; CPU time (user + system of the child) is steadier on a
    busy machine, so both are shown, each with its ratio to the C reader's."""
    print(f"\nN = {size:,}, {shape} shape ({processes:,} processes in /proc; load average {load_average()})")
    if summary:
        print(f"  {summary}")
    header = (f"{'':52} {'wall ms':>9} {'µs/proc':>8} {'x C':>6} {'CPU ms':>8} {'x C':>6} {'peak RSS MB':>12}")
    print(header)
    print("-" * len(header))
    floor, floor_cpu = rows[0][1], rows[0][4]
    for name, seconds, rss, note, cpu in rows:
        if seconds is None:
            print(f"{name:52} {note}")
            continue
        per = seconds / processes * 1e6
        cpu_text = f"{cpu * 1000:8.1f} {cpu / floor_cpu:6.2f}" if cpu is not None else f"{'':>8} {'':>6}"
        rss_text = f"{rss / 1024:12.1f}" if rss else f"{'':>12}"
        print(f"{name:52} {seconds * 1000:9.1f} {per:8.2f} {seconds / floor:6.2f} {cpu_text} {rss_text}"
              + (f"  {note}" if note else ""))
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--isotrace", required=True)
    parser.add_argument("--tools", required=True, help="directory with nodeshape, holder, procreader, runtimed, bpfpass")
    parser.add_argument("--shapes", default="small,realistic",
                        help="node shapes in order (bench/nodeshape --shape): small, realistic")
    parser.add_argument("--sizes", help="sizes for every shape (default: small 1000,10000; realistic 2000,10000)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--extra", action="store_true", help="also time snapshot --format table")
    parser.add_argument("--daemon-cycles", default="500,50",
                        help="steady cycles the daemon is driven through, per size of a shape (500 at the first)")
    args = parser.parse_args()
    if not running_as_root("bench"):
        return 2
    tool = lambda name: os.path.abspath(os.path.join(args.tools, name))  # nodeshape chdirs before exec
    isotrace = os.path.abspath(args.isotrace)
    has_sampler = supports(isotrace, "snapshot", "--sampler")
    has_daemon = " daemon " in subprocess.run([isotrace, "--help"], capture_output=True, text=True).stdout
    bpfpass = tool("bpfpass") if os.access(tool("bpfpass"), os.X_OK) else None
    bpf_unusable = None
    if has_sampler:
        probe = subprocess.run([isotrace, "snapshot", "--format", "json", "--sampler", "bpf", "--pid", "1"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            bpf_unusable = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"

    cycle_counts = [int(c) for c in args.daemon_cycles.split(",")]

    def measure_node(shape, position, size, node, scratch):
        daemon_cycles = cycle_counts[min(position, len(cycle_counts) - 1)]
        summary = shape_summary(node.pid)
        runs = args.runs if size <= 2000 else max(3, args.runs - 2)
        rows = [Row("C reader of the same /proc files (bench/procreader)", [tool("procreader")]),
                Row("C reader of what a /proc cycle re-reads (--refresh)", [tool("procreader"), "--refresh"])]
        samplers = ["procfs", "bpf"] if has_sampler else [None]

        def sampler_rows(subcommand, ok):
            for sampler in samplers:
                flag = ["--sampler", sampler] if sampler else []
                name = f"isotrace {subcommand} --format json{' --sampler ' + sampler if sampler else ''}"
                if sampler == "bpf" and bpf_unusable:
                    rows.append(Row(name, note=f"n/a ({bpf_unusable})"))
                    continue
                rows.append(Row(name, [isotrace, subcommand, "--format", "json"] + flag, ok=ok))

        sampler_rows("snapshot", (0, 2))
        if args.extra:
            rows.append(Row("isotrace snapshot --format table", [isotrace, "snapshot", "--format", "table"], ok=(0, 2)))
        sampler_rows("audit", (0, 1, 2))
        if not has_sampler:
            rows.append(Row("isotrace snapshot --sampler bpf", note="n/a (no BPF sampler yet)"))
        results = []
        processes = proc_count()
        timed_rows = [row for row in rows if row.command is not None]
        figures = iter(measure(tool("runtimed"), timed_rows, runs, scratch))
        for row in rows:
            if row.command is None:
                results.append((row.name, None, None, row.note, None))
                continue
            seconds, rss, cpu = next(figures)
            results.append((row.name, seconds, rss, row.note, cpu))
        if bpfpass:
            timing, why = bpf_pass(bpfpass, runs, scratch)
            if timing:
                results.append(("BPF task iterator: load and attach (bench/bpfpass)", timing[0], None, "once per process", None))
                results.append(("BPF task iterator: one pass after loading", timing[1], None, None, None))
            else:
                results.append(("BPF task iterator pass", None, None, f"n/a ({why})", None))
        else:
            results.append(("BPF task iterator pass", None, None, "n/a (bench/bpfpass not built)", None))
        if not has_daemon:
            results.append(("daemon steady-state cycle", None, None, "n/a (no daemon yet)", None))
        for sampler in samplers if has_daemon else []:
            if sampler == "bpf" and bpf_unusable:
                results.append(("daemon steady-state cycle --sampler bpf", None, None, f"n/a ({bpf_unusable})", None))
                continue
            name = "daemon steady-state cycle" + (f" --sampler {sampler}" if sampler else "")
            try:
                figures = daemonbench.run(isotrace, scratch, cycles=daemon_cycles, sampler=sampler)
            except RuntimeError as error:
                results.append((name, None, None, f"n/a ({error})", None))
                continue
            late, early = figures["rss_late"], figures["rss_early"]
            first_durable = f"{figures['first_durable']:.2f} s" if figures["first_durable"] is not None else "n/a"
            results.append((name, figures["median"], late["VmRSS"],
                            f"median of {figures['cycles']}; first cycle: records durable {first_durable} after start, "
                            f"cycle {figures['first']:.1f} s with the index; "
                            f"CPU {figures['cpu_per_cycle'] * 1000:.0f} ms/cycle = {figures['core_share_30s'] * 100:.2f} % "
                            f"of a core at 30 s; RSS anon {late['RssAnon'] / 1024:.1f} + file {late['RssFile'] / 1024:.1f} MB, "
                            f"{(late['VmRSS'] - early['VmRSS']) / 1024:+.1f} MB from cycle 10 to {figures['cycles']} "
                            f"(anon {(late['RssAnon'] - early['RssAnon']) / 1024:+.1f})", None))
        table(size, shape, summary, processes, results)

    return each_node("bench", tool, args.shapes, args.sizes, {"small": "1000,10000", "realistic": "2000,10000"},
                     measure_node)


if __name__ == "__main__":
    sys.exit(main())
