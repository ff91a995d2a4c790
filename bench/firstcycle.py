#!/usr/bin/env python3
"""make bench-first-cycle: the daemon's first cycle on a node shaped by bench/nodeshape (issue 20
item 4: at most 2 s at 10,000 realistic processes, from the daemon's start to the end of its first
cycle, its records written and fsynced).

For each size it starts the node, then the daemon (`--interval 1h`, a fresh --out and key,
`--verbose`), and times from just before the daemon is started to two moments of its first cycle:
"records durable", when its records are written and fsynced (the issue's end of the first cycle;
the daemon's debug line for the cycle gives that moment on CLOCK_MONOTONIC, as Python's
time.monotonic), and "index updated", when its metrics file shows the cycle done (written after
the index update, syslog and metrics). It
reports both wall times, the daemon's own duration of the cycle (isotrace_cycle_duration_seconds),
the daemon's CPU (user + system, from /proc/PID/stat, read while it waits for its next cycle), the
records and bytes written, by type, and the load average. Then it stops the daemon by PID with
SIGTERM, checks that it exits 0 and that `isotrace verify` passes, and removes what it made.
`--compare BIN` runs a second binary alternately with the first on the same node (A/B).
`--callgrind` runs the daemon under callgrind instead (the profile of start-up plus the first cycle
is kept with --keep-profile; wall and CPU are then callgrind's, not the daemon's); `--perf` records
a perf profile of each run alongside (perf attached by PID: start-up's first milliseconds missed).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import bench
import daemonbench

durable_moment = daemonbench.durable_moment


def records_written(out):
    """(records and MB by type, total records, total bytes) of the segments under out/records."""
    types, sizes, count, size = {}, {}, 0, 0
    directory = os.path.join(out, "records")
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            for line in f:
                size += len(line)
                count += 1
                start = line.find(b'"type":"')
                kind = line[start + 8:line.find(b'"', start + 8)].decode() if start >= 0 else "?"
                types[kind] = types.get(kind, 0) + 1
                sizes[kind] = sizes.get(kind, 0) + len(line)
                if kind in ("process", "exit"):
                    record = json.loads(line)
                    entries = len(record["processes"]) if "processes" in record else 1
                    types[kind + " entries"] = types.get(kind + " entries", 0) + entries
    for kind, total in sizes.items():
        types[kind + " MB"] = round(total / 1e6, 1)
    return types, count, size


def first_cycle(isotrace, scratch, sampler, callgrind=None, perf=None, timeout=900):
    out = tempfile.mkdtemp(prefix="first-cycle-", dir=scratch)
    subprocess.run([isotrace, "keygen", "--out", out], check=True, stdout=subprocess.DEVNULL)
    metrics = os.path.join(out, "isotrace.prom")
    policy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policies", "wlcg-mupj.yaml")
    command = [isotrace, "daemon", "--interval", "1h", "--full-every", "24h", "--heartbeat-every", "100000",
               "--out", out, "--metrics", metrics, "--policy", policy, "--verbose"] + (["--sampler", sampler] if sampler else [])
    if callgrind:
        copy = isotrace + ".nodebug"  # valgrind cannot read the toolchain's DWARF (bench/abtest.py)
        subprocess.run(["strip", "--strip-debug", "-o", copy, isotrace], check=True)
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={callgrind}", copy] + command[1:] + ["--no-confine"]
    log_path = os.path.join(out, "daemon.log")
    log = open(log_path, "w")
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    # perf attaches to the daemon by PID (its first milliseconds of start-up are missed).
    recorder = subprocess.Popen(["perf", "record", "-q", "-F", "997", "-g", "-p", str(process.pid), "-o", perf],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if perf else None
    try:
        values = daemonbench._wait_cycle(metrics, None, process, timeout)
        wall = time.monotonic() - started
        durable, phases = durable_moment(log_path, time.monotonic() + 10)
        if recorder:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=120)
        cpu = daemonbench._cpu_seconds(process.pid)
        load = bench.load_average()
    finally:
        daemonbench.stop_and_verify(isotrace, process, log, out, timeout=600)
    types, count, size = records_written(out)
    shutil.rmtree(out, ignore_errors=True)
    return {"wall": wall, "durable": durable - started if durable else None, "phases": phases, "cycle": values["isotrace_cycle_duration_seconds"], "cpu": cpu, "load": load,
            "types": types, "records": count, "bytes": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--isotrace", required=True)
    parser.add_argument("--tools", required=True, help="directory with nodeshape and holder")
    parser.add_argument("--compare", help="a second isotrace binary, run alternately with --isotrace on the same node")
    parser.add_argument("--shape", default="realistic")
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--samplers", default="bpf,procfs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true", help="one run under callgrind per size and sampler")
    parser.add_argument("--perf", action="store_true", help="also record a perf profile (perf record -g) of each run")
    parser.add_argument("--keep-profile", help="directory for the profiles (first-cycle-SIZE-SAMPLER.callgrind, .perf)")
    args = parser.parse_args()
    if not bench.running_as_root("bench-first-cycle"):
        return 2
    tool = lambda name: os.path.abspath(os.path.join(args.tools, name))
    binaries = [os.path.abspath(args.isotrace)] + ([os.path.abspath(args.compare)] if args.compare else [])

    def measure(shape, position, size, node, scratch):
        processes = bench.proc_count()
        print(f"\nN = {size:,}, {shape} shape ({processes:,} processes in /proc)")
        for sampler in args.samplers.split(","):
            runs = 1 if args.callgrind else args.runs
            for run, isotrace in ((run, binary) for run in range(runs) for binary in binaries):
                profile, perf = None, None
                if args.callgrind:
                    profile = os.path.join(args.keep_profile or scratch, f"first-cycle-{size}-{sampler}.callgrind")
                elif args.perf:
                    perf = profile = os.path.join(args.keep_profile or scratch, f"first-cycle-{size}-{sampler}-{run + 1}-{binaries.index(isotrace)}.perf")
                figures = first_cycle(isotrace, scratch, sampler, callgrind=profile if args.callgrind else None, perf=perf)
                kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(figures["types"].items()))
                durable = f"{figures['durable']:.2f} s" if figures["durable"] is not None else "?"
                name = f" [{os.path.basename(isotrace)}]" if len(binaries) > 1 else ""
                print(f"  --sampler {sampler} run {run + 1}{name}: start to records durable {durable}, to index updated {figures['wall']:.2f} s "
                      f"(the cycle itself {figures['cycle']:.2f} s: {figures['phases']}), CPU {figures['cpu']:.2f} s; "
                      f"{figures['records']:,} records, {figures['bytes'] / 1e6:.1f} MB ({kinds}); "
                      f"load average {figures['load']}" + (f"; profile {profile}" if profile else ""))
                sys.stdout.flush()

    return bench.each_node("bench-first-cycle", tool, args.shape, args.sizes, {args.shape: args.sizes}, measure)


if __name__ == "__main__":
    sys.exit(main())
