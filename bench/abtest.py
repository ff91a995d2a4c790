#!/usr/bin/env python3
"""make bench-ab: two isotrace binaries (an older build and today's) on the same node in one run.

A wall-time comparison across two `make bench` runs on a shared machine says more about the other
work on it than about the code. This A/B puts both binaries on the SAME node-shaped processes
(bench/nodeshape), in the SAME run, with the C reader of the same /proc files (bench/procreader)
timed between them:

- timing: in each repetition the C reader and, for every command, the old and the new binary are
  run back to back, the order swapped from one repetition to the next, so load from other work
  hits both alike. Per row: median wall and CPU time (user + system of the child, from wait4),
  the CPU ratio to the C reader's median, and new/old as the median of the per-repetition ratios
  (each pair ran seconds apart) with their range.
- counts, which do not depend on load: instructions executed in user space
  (valgrind --tool=callgrind, totals of the whole process) and system calls (strace -f -c) of
  each binary for `snapshot --sampler procfs` and `audit --sampler procfs`, and the size of what
  each printed (the same work should print the same number of bytes).

Every process nodeshape started is killed by PID when a node is done, on error, Ctrl-C, SIGTERM
or SIGHUP, as in bench.py.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

import bench

COMMANDS = [
    ("snapshot --format json --sampler procfs", ["snapshot", "--format", "json", "--sampler", "procfs"], (0, 2)),
    ("snapshot --format json --sampler bpf", ["snapshot", "--format", "json", "--sampler", "bpf"], (0, 2)),
    ("audit --format json --sampler procfs", ["audit", "--format", "json", "--sampler", "procfs"], (0, 1, 2)),
    ("audit --format json --sampler bpf", ["audit", "--format", "json", "--sampler", "bpf"], (0, 1, 2)),
]
COUNTED = ("snapshot --format json --sampler procfs", "audit --format json --sampler procfs")


def run_once(runtimed, command, ok, scratch):
    seconds, rss, status, cpu = bench.timed(runtimed, command, scratch)
    if status not in ok:
        with open(os.path.join(scratch, "stderr"), errors="replace") as f:
            raise RuntimeError(f"{' '.join(command)}: exit {status}\n{f.read()[-2000:]}")
    return seconds, cpu


def usable(binary, arguments):
    """Whether a binary has the command's sampler here (an older one may lack it, BPF may not load):
    a snapshot of PID 1 with that sampler must succeed."""
    sampler = arguments[arguments.index("--sampler"):][:2]
    probe = subprocess.run([binary, "snapshot", "--format", "json", "--pid", "1"] + sampler,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return probe.returncode == 0, (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]


def instructions(command, scratch, keep=None):
    """User-space instructions of the whole process (callgrind's totals). Valgrind 3.19 gives up on
    the Swift toolchain's DWARF ("Possibly corrupted debuginfo file"), so it runs a copy without
    debug info (symbols kept), placed beside the binary: the policy is found the same way."""
    binary = command[0]
    copy = binary + ".nodebug"
    out = os.path.join(scratch, "callgrind.out")
    try:
        subprocess.run(["strip", "--strip-debug", "-o", copy, binary], check=True)
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", copy] + command[1:],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        total = None
        if os.path.exists(out):
            with open(out) as f:
                for line in f:
                    if line.startswith(("totals:", "summary:")):
                        total = int(line.split()[1])
        if total is None:
            raise RuntimeError(f"callgrind of {' '.join(command)} counted nothing:\n{run.stderr[-2000:]}")
        if keep:
            shutil.copyfile(out, keep)
        return total
    finally:
        for path in (copy, out):
            if os.path.exists(path):
                os.unlink(path)


def system_calls(command, scratch):
    """Total system calls (strace -f -c) and the five most frequent, name: count."""
    out = os.path.join(scratch, "strace.out")
    subprocess.run(["strace", "-f", "-c", "-o", out] + command,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    counts = {}
    with open(out) as f:
        for line in f:
            fields = line.split()
            # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
                counts[fields[-1]] = int(fields[3])
    os.unlink(out)
    top = sorted(counts.items(), key=lambda item: -item[1])[:5]
    return sum(counts.values()), ", ".join(f"{name} {count:,}" for name, count in top)


def output_bytes(command, scratch):
    out = os.path.join(scratch, "stdout")
    with open(out, "wb") as f:
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL, check=False)
    size = os.path.getsize(out)
    os.unlink(out)
    return size


def ratio_text(values):
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"


def measure_node(args, tool, rows, runs, scratch):
    """Interleaved repetitions; returns {name: {"wall": [...], "cpu": [...]}} per binary and the C reader."""
    runtimed = tool("runtimed")
    reader = [tool("procreader")]
    samples = {"C": {"wall": [], "cpu": []}}
    for name, _, _ in rows:
        for side in ("old", "new"):
            samples[(name, side)] = {"wall": [], "cpu": []}
    # one warm-up of each (page cache, the binaries' own pages), not counted
    run_once(runtimed, reader, (0,), scratch)
    for name, arguments, ok in rows:
        for binary in (args.old, args.new):
            run_once(runtimed, [binary] + arguments, ok, scratch)
    for repetition in range(runs):
        sides = [("old", args.old), ("new", args.new)]
        if repetition % 2:
            sides.reverse()
        seconds, cpu = run_once(runtimed, reader, (0,), scratch)
        samples["C"]["wall"].append(seconds)
        samples["C"]["cpu"].append(cpu)
        for name, arguments, ok in rows:
            for side, binary in sides:
                seconds, cpu = run_once(runtimed, [binary] + arguments, ok, scratch)
                samples[(name, side)]["wall"].append(seconds)
                samples[(name, side)]["cpu"].append(cpu)
        print(f"  repetition {repetition + 1}/{runs} done (load average {bench.load_average()})", file=sys.stderr)
    return samples


def report_times(size, shape, processes, loads, samples, rows):
    c_cpu = statistics.median(samples["C"]["cpu"])
    c_wall = statistics.median(samples["C"]["wall"])
    print(f"\nN = {size:,}, {shape} shape ({processes:,} processes in /proc; load average {loads[0]} before, "
          f"{loads[1]} after; {len(samples['C']['cpu'])} interleaved repetitions)")
    header = (f"{'':42} {'wall ms':>8} {'CPU ms':>8} {'x C':>5}   {'wall ms':>8} {'CPU ms':>8} {'x C':>5}"
              f"   {'new/old CPU':>18} {'new/old wall':>18}")
    print(f"{'':42} {'old':^23}   {'new':^23}")
    print(header)
    print("-" * len(header))
    print(f"{'C reader of the same /proc files':42} {c_wall * 1000:8.1f} {c_cpu * 1000:8.1f} {1:5.2f}")
    for name, _, _ in rows:
        old, new = samples[(name, "old")], samples[(name, "new")]
        cells = []
        for side in (old, new):
            cpu = statistics.median(side["cpu"])
            cells.append(f"{statistics.median(side['wall']) * 1000:8.1f} {cpu * 1000:8.1f} {cpu / c_cpu:5.2f}")
        cpu_ratios = [n / o for n, o in zip(new["cpu"], old["cpu"])]
        wall_ratios = [n / o for n, o in zip(new["wall"], old["wall"])]
        print(f"{name:42} {cells[0]}   {cells[1]}   {ratio_text(cpu_ratios):>18} {ratio_text(wall_ratios):>18}")
    sys.stdout.flush()


def report_counts(args, rows, scratch):
    print(f"\n{'load-independent counts':42} {'old':>15} {'new':>15} {'new/old':>8}")
    for name, arguments, _ in rows:
        if name not in COUNTED:
            continue
        old_command, new_command = [args.old] + arguments, [args.new] + arguments
        figures = []
        if args.callgrind:
            keep = lambda side: (os.path.join(args.keep_profiles, f"{side}-{'-'.join(arguments[::4])}.callgrind")
                                 if args.keep_profiles else None)
            old = instructions(old_command, scratch, keep("old"))
            new = instructions(new_command, scratch, keep("new"))
            figures.append(("instructions (callgrind)", old, new))
        old_calls, old_top = system_calls(old_command, scratch)
        new_calls, new_top = system_calls(new_command, scratch)
        figures.append(("system calls (strace -f -c)", old_calls, new_calls))
        figures.append(("bytes printed", output_bytes(old_command, scratch), output_bytes(new_command, scratch)))
        print(name)
        for label, old, new in figures:
            print(f"  {label:40} {old:15,} {new:15,} {new / old:8.3f}")
        print(f"  most frequent calls, old: {old_top}\n  most frequent calls, new: {new_top}")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", required=True, help="the older isotrace binary (e.g. a release build of a past commit)")
    parser.add_argument("--new", required=True, help="today's isotrace binary")
    parser.add_argument("--tools", required=True, help="directory with nodeshape, holder, procreader, runtimed")
    parser.add_argument("--shapes", default="small,realistic", help="node shapes in order: small, realistic")
    parser.add_argument("--sizes", help="sizes for every shape (default: small 1000, realistic 2000)")
    parser.add_argument("--runs", type=int, default=9, help="interleaved repetitions per node")
    parser.add_argument("--no-callgrind", dest="callgrind", action="store_false",
                        help="skip the instruction counts (valgrind takes about 50x the command's time)")
    parser.add_argument("--keep-profiles", metavar="DIR",
                        help="keep the callgrind profiles there (old-snapshot-procfs.callgrind, ...; callgrind_annotate)")
    args = parser.parse_args()
    if not bench.running_as_root("bench-ab"):
        return 2
    if args.callgrind and shutil.which("valgrind") is None:
        print("bench-ab: valgrind not found (apt-get install valgrind, or --no-callgrind)", file=sys.stderr)
        return 2
    tool = lambda name: os.path.abspath(os.path.join(args.tools, name))  # nodeshape chdirs before exec
    args.old, args.new = os.path.abspath(args.old), os.path.abspath(args.new)
    if args.keep_profiles:
        args.keep_profiles = os.path.abspath(args.keep_profiles)
        os.makedirs(args.keep_profiles, exist_ok=True)
    rows = []
    for name, arguments, ok in COMMANDS:
        usable_old, why_old = usable(args.old, arguments)
        usable_new, why_new = usable(args.new, arguments)
        if usable_old and usable_new:
            rows.append((name, arguments, ok))
        else:
            print(f"bench-ab: {name} left out: {why_old if not usable_old else why_new}", file=sys.stderr)

    def compare_node(shape, position, size, node, scratch):
        processes = bench.proc_count()
        before = bench.load_average()
        samples = measure_node(args, tool, rows, args.runs, scratch)
        report_times(size, shape, processes, (before, bench.load_average()), samples, rows)
        report_counts(args, rows, scratch)

    return bench.each_node("bench-ab", tool, args.shapes, args.sizes, {"small": "1000", "realistic": "2000"},
                           compare_node)


if __name__ == "__main__":
    sys.exit(main())
