#!/usr/bin/python3
"""
test_load: load (issue 7). 64 concurrent API clients doing reads and writes for --seconds
(60 documented; CI passes a shorter value) while 8 BGP sessions run with a 3 s hold time and
1,000 watchers are subscribed. Asserts: no session flaps (the speakers' own count, the event
stream, established_time unchanged), every call answered (no deadline or unavailable errors,
no unexpected status), every watcher got its initial state and stayed subscribed, and vbrd's
memory flat afterwards (RSS after the load within a bound of RSS after the warm-up).

The clients and the watchers run in their own processes (lib/loadgen.py) so that their Python
work never delays the speakers' keepalives.
"""
import json
import os
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import harness  # noqa: E402
import netns  # noqa: E402


def spawn(rig, cmd, n, seconds, out, extra=()):
    args = ["timeout", "-s", "KILL", str(int(seconds) + 120), "/usr/bin/python3",
            os.path.join(HERE, "lib", "loadgen.py"), cmd, "--target", rig.daemon.target,
            "--stubs", os.path.join(rig.workdir, "pystubs"), "--n", str(n),
            "--seconds", str(seconds), "--out", out] + list(extra)
    log = open(out + ".log", "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return p


def wait_file(path, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def main():
    ap = harness.base_args(__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--watchers", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=8)
    args = ap.parse_args()
    netns.install_signal_cleanup()
    results = harness.Results("load", args.label)
    rig = None
    procs = []
    try:
        rig = harness.Rig(args, attackers=1, max_peers=args.sessions)
        ids, status = rig.healthy(args.sessions, hold=3, keepalive=1)
        events = rig.watch(ids)
        est_times = [rig.api.peer(i).established_time for i in ids]
        group = rig.api.create_group("load-clients", 65333, hold=30, keepalive=10)
        rss0 = rig.daemon.rss_kb()
        wout = os.path.join(rig.workdir, "watchers.json")
        cout = os.path.join(rig.workdir, "clients.json")
        for stale in (wout, cout, wout + ".ready", cout + ".ready"):
            if os.path.exists(stale):
                os.unlink(stale)
        procs.append(spawn(rig, "watchers", args.watchers, args.seconds + 10, wout))
        if not wait_file(wout + ".ready", 60):
            raise RuntimeError("watcher process did not start")
        time.sleep(2)  # let the 1,000 subscriptions land before the load starts
        extra = sum((["--peer-id", i] for i in ids), []) + ["--group-id", group.id]
        procs.append(spawn(rig, "clients", args.clients, args.seconds, cout, extra))
        if not wait_file(cout + ".ready", 60):
            raise RuntimeError("client process did not start")
        t_start = time.time()
        rss = []
        warm = min(10.0, args.seconds / 4)
        time.sleep(warm)
        rss_warm = rig.daemon.rss_kb()
        while time.time() - t_start < args.seconds:
            time.sleep(min(2.0, max(0.1, args.seconds - (time.time() - t_start))))
            rss.append(rig.daemon.rss_kb())
        procs[1].wait(timeout=120)
        procs[0].terminate()  # timeout passes SIGTERM to loadgen: watchers cancelled
        procs[0].wait(timeout=120)
        if not os.path.exists(wout) or not os.path.exists(cout):
            raise RuntimeError("a load process wrote no summary; see "
                               f"{wout}.log and {cout}.log")
        time.sleep(3)
        rss_after = rig.daemon.rss_kb()

        with open(cout) as f:
            cs = json.load(f)
        with open(wout) as f:
            ws = json.load(f)
        calls = sum(cs["ok"].values())
        errs = cs["err"]
        results.add("calls-answered", not errs and calls > 0,
                    f"{calls} calls in {args.seconds:.0f} s by {args.clients} clients "
                    f"({calls / args.seconds:.0f}/s), max latency {cs['max_latency_ms']:.0f} ms"
                    + (f"; errors {errs}; e.g. {cs['samples'][:3]}" if errs else ""))
        writes = sum(v for k, v in cs["ok"].items() if k in ("AddBgpNetwork", "DeleteBgpNetwork",
                                                              "UpdateBgpGroup"))
        results.add("writes-done", writes > 0, f"{writes} acknowledged writes among them")
        initial_ok = sum(1 for n in ws["initial"] if n == args.sessions)
        results.add("watchers", not ws["ended"] and initial_ok == args.watchers
                    and ws["end_of_initial"] == args.watchers,
                    f"{args.watchers} watchers: {initial_ok} got {args.sessions} INITIAL_STATE, "
                    f"{ws['end_of_initial']} END_OF_INITIAL_STATE, ended early: "
                    f"{ws['ended'] or 'none'}" + (f"; {ws['samples'][:3]}" if ws["ended"] else ""))
        problems = rig.healthy_flaps(status, ids, events, est_times)
        if ws["state_changes"]:
            problems.append(f"watchers saw {ws['state_changes']} STATE_CHANGED events")
        results.flaps += len([p for p in problems if "dropped" in p or "event" in p])
        results.add("no-flaps", not problems, "; ".join(problems[:6]) or
                    f"{args.sessions} sessions (3 s hold) Established throughout")
        limit = max(16 * 1024, rss_warm // 5)
        flat = rss_after is not None and rss_after - rss_warm <= limit
        results.add("memory-flat", flat,
                    f"RSS idle {rss0} kB, after warm-up {rss_warm} kB, during {min(rss)}..{max(rss)}"
                    f" kB, after {rss_after} kB (bound: warm-up + {limit} kB)")
        alive = rig.daemon.alive()
        if not alive:
            results.crashes += 1
        results.add("vbrd-alive", alive, "vbrd running after the load" if alive else
                    rig.daemon.log_tail())
    except Exception as e:
        results.add("setup", False, f"{e!r}\n{traceback.format_exc()}")
    finally:
        for p in procs:
            if p.poll() is None:
                # The loader itself first: killing only `timeout` would orphan it.
                try:
                    with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                        for kid in f.read().split():
                            os.kill(int(kid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
                p.kill()
                p.wait(timeout=10)
        if rig is not None:
            rig.close()
    return results.finish(args.results)


if __name__ == "__main__":
    sys.exit(main())
