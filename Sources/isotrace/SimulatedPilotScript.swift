/// The pilot-shaped Python program `isotrace simulate` runs. It is not the PanDA pilot: it does
/// what the audit looks at (../shared/reference/pilot3-observed.md): setpgrp, child subreaper,
/// PILOT_HOME `PanDA_Pilot3_<pid>_<epoch>`, one job directory `PanDA_Pilot-<PandaID>` per job, each
/// payload started as `/bin/bash -c <command>` in a new session with PANDAID and PanDA_TaskID in
/// its environment, payload.stdout/stderr held open, the job definition (with the owner's DN)
/// logged to PILOT_HOME/pilotlog.txt, and SIGTERM ending the payloads.
enum SimulatedPilotScript {
    static let source = #"""
    #!/usr/bin/env python3
    # isotrace simulate: a pilot-shaped process for testing the auditor. Not the PanDA pilot.
    import ctypes
    import json
    import os
    import signal
    import subprocess
    import sys
    import time


    def main():
        plan_path = sys.argv[sys.argv.index("--plan") + 1]
        with open(plan_path) as handle:
            plan = json.load(handle)
        os.setpgrp()
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER, as pilot3
        except OSError:
            pass
        home = os.path.join(plan["workdir"], "PanDA_Pilot3_%d_%d" % (os.getpid(), int(time.time())))
        os.makedirs(home)
        os.chdir(home)
        payloads = []
        held = []
        log = open(os.path.join(home, "pilotlog.txt"), "a")
        held.append(log)
        for job in plan["jobs"]:
            jobdir = os.path.join(home, "PanDA_Pilot-%s" % job["panda_id"])
            os.makedirs(jobdir)
            # pilot3's dump_job_definition line, where the owner's DN (prodUserID) appears
            log.write("%s | job.py | dump_job_definition | job definition = {'PandaID': %s, 'prodUserID': '%s', 'taskID': %s}\n"
                      % (time.strftime("%Y-%m-%d %H:%M:%S"), job["panda_id"], job["owner_dn"], job["task_id"]))
            log.flush()
            env = dict(os.environ)
            env.update({"PANDAID": job["panda_id"], "PanDA_TaskID": job["task_id"], "PILOT_HOME": home})
            stdout = open(os.path.join(jobdir, "payload.stdout"), "w")
            stderr = open(os.path.join(jobdir, "payload.stderr"), "w")
            held += [stdout, stderr]
            process = subprocess.Popen(["/bin/bash", "-c", job["command"]], cwd=jobdir, env=env,
                                       stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                       start_new_session=True)
            payloads.append(process.pid)
        state = os.path.join(plan["workdir"], "payloads")
        with open(state + ".tmp", "w") as handle:
            json.dump(payloads, handle)
        os.rename(state + ".tmp", state)

        def stop(signum, frame):
            for pid in payloads:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                time.sleep(1)


    main()
    """#
}
