#!/usr/bin/env python3
"""make bench's process event rows: the daemon with its BPF fork/exec/exit event source on a node
shaped by bench/nodeshape (1,000 and 10,000 processes), while a simulated PanDA payload
(`isotrace simulate leaky --payload-command`) execs at a steady rate (bench/execrate: 500, 2,000
and 10,000 execs/s for 60 s). Every exec is a payload process the daemon must record with the
job's PanDA ID. Per rate it reports the execs the driver managed, events lost (ring buffer, daemon
buffer, unattributable), the daemon's CPU share of one core over the run, records and recorded
processes per second, and the exec latency added: the wall time of 3,000 fork+exec+wait in a row
(bench/execrate loop) with the daemon running against without it. The loop's time drifts and
scatters by several per cent between runs on a shared machine, so it is taken in five blocks of
--loop-runs loops, alternated: without the daemon (before it starts), with it (after the rate
runs), without (after it stopped), with a second daemon (fresh records directory, after its first
cycle), without again. The latency added is the median of the loops with a daemon against the
median of those without; every block's median and range is printed beside it.

The machine may be shared: the load average before and after each row is printed beside it, and
figures taken under load are disturbed (more CPU per event, more latency). Everything started is
stopped by PID; the daemon with SIGTERM, then its chain is verified.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import bench as nodebench
import daemonbench

PILOT_UID, PAYLOAD_UID = 64941, 64942


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def loop_times(execrate, scratch, count, runs):
    """Wall seconds of `runs` loops of `count` fork+exec+wait in a row (bench/execrate loop)."""
    times = []
    for run in range(runs):
        result = os.path.join(scratch, f"loop{run}")
        subprocess.run([execrate, "loop", str(count), result], check=True)
        with open(result) as f:
            times.append(float(f.read().split()[1]))
    return times


def block_text(times):
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def wait_event_cycle(metrics, counted, process, timeout):
    """Until isotrace_event_cycles_total is above `counted` (an events-only cycle ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited with {process.returncode}")
        if daemonbench._metrics(metrics).get("isotrace_event_cycles_total", 0) > counted:
            return
        time.sleep(0.005)
    raise RuntimeError("the daemon did not finish an events-only cycle in time")


def start_daemon(isotrace, scratch, interval):
    """A daemon with process events on a fresh records directory, after its first cycle:
    (process, records directory, metrics file)."""
    out = tempfile.mkdtemp(prefix="daemon-", dir=scratch)
    subprocess.run([isotrace, "keygen", "--out", out], check=True, stdout=subprocess.DEVNULL)
    metrics = os.path.join(out, "isotrace.prom")
    policy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policies", "wlcg-mupj.yaml")
    daemon = subprocess.Popen([isotrace, "daemon", "--interval", interval, "--out", out, "--metrics", metrics,
                               "--policy", policy, "--no-confine"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "daemon.log"), "w"))
    daemonbench._wait_cycle(metrics, None, daemon, 900)
    return daemon, out, metrics


def stop_daemon(isotrace, daemon, out):
    """SIGTERM by PID, then the chain's verification: (daemon exit status, verify exit status)."""
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=300)
    return code, subprocess.run([isotrace, "verify", "--out", out], capture_output=True, text=True).returncode


def metric(values, name):
    return values.get(name, 0.0)


def labelled(path):
    """The metrics with labels, as {'name{labels}': value}."""
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    values[name] = float(value)
    except (FileNotFoundError, ValueError):
        pass
    return values


def lost(values):
    return {reason: values.get(f'isotrace_process_events_lost_total{{reason="{reason}"}}', 0.0)
            for reason in ("ring_buffer", "daemon_buffer", "unattributable")}


def run_rate(isotrace, execrate, daemon, metrics, scratch, rate, seconds, events_only_catch_up=True):
    """One rate on a running daemon. events_only_catch_up=False catches up with full cycles only,
    as before 2026-12-07: for a binary from before SIGUSR2 (which that signal would kill)."""
    shared = tempfile.mkdtemp(prefix=f"rate{rate}-", dir=scratch)
    os.chmod(shared, 0o777)
    result = os.path.join(shared, "result")
    before = labelled(metrics)
    cpu_before = daemonbench._cpu_seconds(daemon.pid)
    load_before = loadavg()
    started = time.monotonic()
    simulation = subprocess.Popen(
        [isotrace, "simulate", "leaky", "--hold", str(seconds + 600), "--pilot-uid", str(PILOT_UID), "--payload-uid", str(PAYLOAD_UID),
         "--payload-command", f"sleep 2; {execrate} rate {rate} {seconds} {result}; sleep 3600"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(shared, "simulate.log"), "w"))
    try:
        deadline = time.monotonic() + seconds + 300
        while not os.path.exists(result):
            if simulation.poll() is not None:
                raise RuntimeError(f"simulate exited with {simulation.returncode}: {open(os.path.join(shared, 'simulate.log')).read()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the exec driver did not finish in time")
            time.sleep(0.2)
        wall = time.monotonic() - started
        with open(result) as f:
            execs = int(f.read().split()[0])
        # Cycles until every exec is recorded (or nothing more comes): the CPU share counts the
        # work the run caused, also what the daemon did after the driver stopped. Events-only
        # cycles (SIGUSR2) first, as a daemon left alone records a payload's ended processes
        # between its samples; a full cycle (SIGUSR1) only when they leave some waiting for a
        # sample. A full cycle asked for here would be one more than the 30 s interval gives.
        recorded_before = metric(before, "isotrace_process_events_recorded_total")
        # The daemon's reader takes the ring buffer's events every 100 ms: a cycle asked for at
        # once may miss the last ones and need another (a whole full cycle more, by SIGUSR1).
        time.sleep(0.5)
        previous = -1
        flushes, fulls = (0 if events_only_catch_up else 3), 0
        while True:
            if flushes < 3:
                flushes += 1
                counted = daemonbench._metrics(metrics).get("isotrace_event_cycles_total", 0)
                daemon.send_signal(signal.SIGUSR2)
                wait_event_cycle(metrics, counted, daemon, 900)
            else:
                fulls += 1
                stamp = daemonbench._metrics(metrics).get("isotrace_last_cycle_timestamp_seconds")
                daemon.send_signal(signal.SIGUSR1)
                daemonbench._wait_cycle(metrics, stamp, daemon, 900)
            after = labelled(metrics)
            recorded = metric(after, "isotrace_process_events_recorded_total") - recorded_before
            # A few of the driver's children may be recorded by a sample instead (alive when it
            # came): the count of those recorded from events can stay below the execs.
            waiting = metric(after, "isotrace_process_events_waiting")
            if (waiting == 0 and (recorded >= execs or recorded == previous)) or (fulls and recorded == previous):
                break
            if recorded == previous:
                flushes = 3
            previous = recorded
        catch_up = time.monotonic() - started - wall
        cpu = daemonbench._cpu_seconds(daemon.pid) - cpu_before
    finally:
        simulation.send_signal(signal.SIGTERM)  # by PID: simulate removes what it started
        try:
            simulation.wait(timeout=120)
        except subprocess.TimeoutExpired:
            simulation.kill()
            simulation.wait()
    with open(result) as f:
        execs, driver_wall, late = f.read().split()
    lost_before, lost_after = lost(before), lost(after)
    losses = {reason: int(lost_after[reason] - lost_before[reason]) for reason in lost_after}
    return {
        "execs": int(execs), "driver_wall": float(driver_wall), "late": int(late), "wall": wall, "cpu": cpu,
        "seen": int(metric(after, "isotrace_process_events_total") - metric(before, "isotrace_process_events_total")),
        "recorded": int(metric(after, "isotrace_process_events_recorded_total") - metric(before, "isotrace_process_events_recorded_total")),
        "records": int(metric(after, "isotrace_records_total") - metric(before, "isotrace_records_total")),
        "lost": losses, "load": f"{load_before} -> {loadavg()}", "catch_up": catch_up, "catch_up_cycles": (flushes if events_only_catch_up else 0, fulls),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--isotrace", required=True)
    parser.add_argument("--tools", required=True, help="directory with nodeshape, holder, execrate")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--shape", default="small", help="bench/nodeshape's --shape (small or realistic)")
    parser.add_argument("--rates", default="500,2000,10000")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--loop", type=int, default=3000, help="fork+exec+wait in a row for the latency rows")
    parser.add_argument("--loop-runs", type=int, default=5, help="loops in each of the five latency blocks")
    parser.add_argument("--interval", default="30s", help="the daemon's --interval")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("eventbench: run as root (BPF, simulate)", file=sys.stderr)
        return 2
    tool = lambda name: os.path.abspath(os.path.join(args.tools, name))
    isotrace, execrate = os.path.abspath(args.isotrace), tool("execrate")
    scratch = tempfile.mkdtemp(prefix="isotrace-eventbench-", dir="/var/tmp")
    os.chmod(scratch, 0o755)
    node = daemon = None
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            problem = nodebench.check_limits(size)
            if problem:
                print(f"\nN = {size:,}: skipped: {problem}")
                continue
            workdir = os.path.join(scratch, f"node{size}")
            os.mkdir(workdir)
            node = nodebench.start_node(tool("nodeshape"), tool("holder"), args.shape, size, workdir, timeout=300)
            print(f"\nN = {size:,}, {args.shape} shape ({nodebench.proc_count():,} processes in /proc), daemon --interval {args.interval}, load average {loadavg()}")
            blocks = [("without", loop_times(execrate, scratch, args.loop, args.loop_runs))]
            daemon, out, metrics = start_daemon(isotrace, scratch, args.interval)
            with open(os.path.join(out, "daemon.log")) as f:
                state = next((line.split("] ", 1)[1].strip() for line in f if "process events:" in line), "process events: ?")
            print(f"  {state}")
            print("  daemon CPU: its CPU seconds from the start of the run until every exec was recorded, over the run's wall time;")
            print("  records/s and recorded processes/s over the same wall time; catch-up: how long after the driver stopped the last was recorded,")
            print("  by how many events-only cycles (SIGUSR2) and full cycles (SIGUSR1) asked for")
            print(f"  {'rate/s':>7} {'execs':>7} {'achieved/s':>10} {'lost ring/buffer/unattr':>24} {'daemon CPU':>10} "
                  f"{'records/s':>9} {'recorded/s':>10} {'catch-up':>9} {'ev/full':>5}  load average")
            for rate in [int(r) for r in args.rates.split(",")]:
                try:
                    r = run_rate(isotrace, execrate, daemon, metrics, scratch, rate, args.seconds)
                except RuntimeError as error:
                    print(f"  {rate:>7} n/a ({error})")
                    continue
                lost_text = f"{r['lost']['ring_buffer']}/{r['lost']['daemon_buffer']}/{r['lost']['unattributable']}"
                print(f"  {rate:>7} {r['execs']:>7} {r['execs'] / r['driver_wall']:>10.0f} {lost_text:>24} "
                      f"{r['cpu'] / r['wall'] * 100:>9.2f}% {r['records'] / r['wall']:>9.2f} {r['recorded'] / r['wall']:>10.0f} {r['catch_up']:>8.1f}s {'%d/%d' % r['catch_up_cycles']:>5}  {r['load']}")
            blocks.append(("with", loop_times(execrate, scratch, args.loop, args.loop_runs)))
            load_with = loadavg()
            code, verified = stop_daemon(isotrace, daemon, out)
            daemon = None
            print(f"  daemon exit {code}; verify exit {verified}")
            blocks.append(("without", loop_times(execrate, scratch, args.loop, args.loop_runs)))
            daemon, out, _ = start_daemon(isotrace, scratch, args.interval)
            blocks.append(("with", loop_times(execrate, scratch, args.loop, args.loop_runs)))
            code, verified = stop_daemon(isotrace, daemon, out)
            daemon = None
            print(f"  second daemon (for the latency blocks): exit {code}; verify exit {verified}")
            blocks.append(("without", loop_times(execrate, scratch, args.loop, args.loop_runs)))
            with_daemon = statistics.median([t for kind, times in blocks if kind == "with" for t in times])
            without = statistics.median([t for kind, times in blocks if kind == "without" for t in times])
            print(f"  exec latency: {args.loop} fork+exec+wait in a row, blocks of {args.loop_runs} loops, median (range) in s: "
                  + ", ".join(f"{kind} {block_text(times)}" for kind, times in blocks))
            print(f"  exec latency added: {with_daemon:.3f} s with a daemon (median of {2 * args.loop_runs}), {without:.3f} s without "
                  f"(median of {3 * args.loop_runs}): {(with_daemon - without) / without * 100:+.1f} % (load average {load_with} "
                  f"after the rates, {loadavg()} at the end)")
            nodebench.stop_node(node)
            node = None
            shutil.rmtree(workdir, ignore_errors=True)
    except KeyboardInterrupt:
        print("\neventbench: interrupted, stopping what it started", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"eventbench: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait()
        if node is not None:
            nodebench.stop_node(node)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
