"""The daemon's steady state, for bench.py: runs `isotrace daemon` on the node bench.py shaped,
drives cycles back to back with SIGUSR1 (each waits for the previous one to finish, seen in the
metrics file), and reports the first cycle (from just before the daemon is started to the moment
its records are written and fsynced, which the daemon's --verbose line for cycle 1 states, issue
20 item 4; and that cycle's own duration, the index update included), the median steady cycle
(cycle 2 on; cycle 1 writes the audit and every process record), CPU per cycle and its share of one core at a 30 s interval, and RSS after
the first 10 cycles and at the end (growth over the run), split into anonymous (the daemon's own
memory) and file-backed (the binary and libraries, shared) pages. Stops the daemon by PID with
SIGTERM and checks that it exits 0 and that the chain verifies."""
import os
import re
import signal
import statistics
import subprocess
import tempfile
import time


def _metrics(path):
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if line and not line.startswith("#") and "{" not in line:
                    name, value = line.split()
                    values[name] = float(value)
    except (FileNotFoundError, ValueError):
        pass
    return values


DURABLE = re.compile(r"cycle 1: .*durable at monotonic (\d+) ms")
PHASES = re.compile(r"cycle 1: .* ms: (sample .* ms)")


def durable_moment(log_path, deadline):
    """(CLOCK_MONOTONIC seconds when the first cycle's records were durable, the phases text), read
    from the daemon's debug line for cycle 1 (waits for it until deadline; (None, "") without it)."""
    while True:
        with open(log_path, errors="replace") as f:
            text = f.read()
        found = DURABLE.search(text)
        if found:
            phases = PHASES.search(text)
            return int(found.group(1)) / 1000, phases.group(1) if phases else ""
        if time.monotonic() > deadline:
            return None, ""
        time.sleep(0.05)


def _status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_cycle(metrics, after, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited with {process.returncode}")
        values = _metrics(metrics)
        stamp = values.get("isotrace_last_cycle_timestamp_seconds")
        if stamp is not None and stamp != after:
            return values
        time.sleep(0.005)
    raise RuntimeError("the daemon did not finish a cycle in time")


def stop_and_verify(isotrace, process, log, out, timeout=120):
    """Stops the daemon by PID (SIGTERM; SIGKILL after `timeout` s), closes its log and raises
    RuntimeError unless it exited 0 and `isotrace verify` passes on its records."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        status = process.wait()
    log.close()
    verify = subprocess.run([isotrace, "verify", "--out", out], capture_output=True, text=True)
    if status != 0 or verify.returncode != 0:
        raise RuntimeError(f"daemon exit {status}, verify exit {verify.returncode}: {verify.stdout.strip()[-300:]}")


def run(isotrace, scratch, cycles, sampler=None, timeout=600):
    """Returns a dict of figures, or raises RuntimeError with the reason."""
    out = tempfile.mkdtemp(prefix=f"daemon-{sampler or 'default'}-", dir=scratch)  # one per size and sampler
    subprocess.run([isotrace, "keygen", "--out", out], check=True, stdout=subprocess.DEVNULL)
    metrics = os.path.join(out, "isotrace.prom")
    policy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policies", "wlcg-mupj.yaml")
    command = [isotrace, "daemon", "--interval", "1h", "--full-every", "24h", "--heartbeat-every", "100000",
               "--out", out, "--metrics", metrics, "--policy", policy, "--verbose"] + (["--sampler", sampler] if sampler else [])
    log_path = os.path.join(out, "daemon.log")
    log = open(log_path, "w")
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        values = _wait_cycle(metrics, None, process, timeout)
        first = values["isotrace_cycle_duration_seconds"]
        durable, _ = durable_moment(log_path, time.monotonic() + 10)
        durations, early = [], None
        cpu_start = _cpu_seconds(process.pid)
        for number in range(cycles):
            stamp = values["isotrace_last_cycle_timestamp_seconds"]
            process.send_signal(signal.SIGUSR1)
            values = _wait_cycle(metrics, stamp, process, timeout)
            durations.append(values["isotrace_cycle_duration_seconds"])
            if number == 9:
                early = _status(process.pid)
        cpu = (_cpu_seconds(process.pid) - cpu_start) / cycles
        late = _status(process.pid)
    finally:
        stop_and_verify(isotrace, process, log, out)
    return {
        "first": first,
        "first_durable": durable - started if durable else None,
        "median": statistics.median(durations),
        "cycles": cycles,
        "cpu_per_cycle": cpu,
        "core_share_30s": cpu / 30,
        "rss_early": early or late,
        "rss_late": late,
    }
