"""
harness: what every reliability suite shares — the standard topology (vbrd's namespace, an
attacker namespace with many addresses, a healthy peer's namespace), the healthy peer process
and the watch on its events, result bookkeeping, and the closing summary lines.

Addresses (inside the run's own namespaces only):
  vbrd        10.77.0.1/16 (eth0, attackers)  10.78.0.1/24 (eth1, healthy peers)
  attackers   10.77.0.2/16 + 10.77.1.1 .. 10.77.1.250 (configured), 10.77.2.x (unconfigured)
  healthy     10.78.0.2 .. 10.78.0.9
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns  # noqa: E402
import vbrd as V  # noqa: E402

DUT_A = "10.77.0.1"
DUT_H = "10.78.0.1"
HEALTHY_ASN = 65002


def base_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--vbrd", required=True, help="path of the vbrd binary under test")
    ap.add_argument("--workdir", required=True, help="scratch directory (created)")
    ap.add_argument("--results", help="directory for the suite's JSON result (summary)")
    ap.add_argument("--label", default="", help="tag in the summary, e.g. asan")
    return ap


class Results:
    """Case outcomes plus the counters of the summary table."""

    def __init__(self, suite, label=""):
        self.suite = suite + (f"[{label}]" if label else "")
        self.cases = []
        self.crashes = 0
        self.flaps = 0
        self.lost = 0
        self.lock = threading.Lock()
        self.t0 = time.time()

    def add(self, case_id, ok, detail="", quiet=False, **extra):
        """Records a case; quiet ones print only when they fail."""
        with self.lock:
            self.cases.append({"id": case_id, "ok": bool(ok), "detail": detail, **extra})
        if ok and quiet:
            return
        mark = "ok  " if ok else "FAIL"
        print(f"  {mark} {case_id}: {detail}", flush=True)

    @property
    def passed(self):
        return sum(1 for c in self.cases if c["ok"])

    @property
    def failed(self):
        return len(self.cases) - self.passed

    def write(self, results_dir):
        if not results_dir:
            return
        os.makedirs(results_dir, exist_ok=True)
        data = {"suite": self.suite, "tried": len(self.cases), "passed": self.passed,
                "failed": self.failed, "crashes": self.crashes, "flaps": self.flaps,
                "lost": self.lost, "seconds": round(time.time() - self.t0, 1),
                "cases": self.cases}
        name = self.suite.replace("[", "-").replace("]", "")
        with open(os.path.join(results_dir, f"{name}.json"), "w") as f:
            json.dump(data, f, indent=1)

    def finish(self, results_dir):
        self.write(results_dir)
        bad = [c for c in self.cases if not c["ok"]]
        if bad:
            print(f"\n{self.suite}: failures")
            for c in bad:
                print(f"  {c['id']}: {c['detail']}")
        print(f"\n{'suite':<24}{'tried':>7}{'passed':>8}{'crashes':>9}{'flapped':>9}{'lost':>6}")
        print(f"{self.suite:<24}{len(self.cases):>7}{self.passed:>8}{self.crashes:>9}"
              f"{self.flaps:>9}{self.lost:>6}")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 and len(self.cases) > 0 else 1


class Rig:
    """vbrd in its namespace, an attacker namespace and a healthy-peer namespace."""

    def __init__(self, args, attackers=250, unconfigured=0, max_peers=256, extra=(), wrapper=(),
                 ready_timeout=20):
        self.args = args
        self.workdir = os.path.abspath(args.workdir)
        os.makedirs(self.workdir, exist_ok=True)
        # Every run starts from an empty router: no state left by an earlier run.
        shutil.rmtree(os.path.join(self.workdir, "state"), ignore_errors=True)
        V.load_stubs(os.path.join(self.workdir, "pystubs"))
        self.topo = netns.Topology()
        self.healthy_procs = []
        self.watchers = []
        try:
            self.ns_v = self.topo.ns()
            self.ns_a = self.topo.ns()
            self.ns_h = self.topo.ns()
            self.topo.link(self.ns_v, "eth0", f"{DUT_A}/16", self.ns_a, "eth0", "10.77.0.2/16")
            self.topo.link(self.ns_v, "eth1", f"{DUT_H}/24", self.ns_h, "eth0", "10.78.0.2/24")
            self.attack_ips = [f"10.77.1.{i}" for i in range(1, attackers + 1)]
            self.unconfigured_ips = [f"10.77.2.{i}" for i in range(1, unconfigured + 1)]
            self.topo.add_addresses(self.ns_a, "eth0", [f"{a}/16" for a in
                                                        self.attack_ips + self.unconfigured_ips])
            self.topo.add_addresses(self.ns_h, "eth0",
                                    [f"10.78.0.{i}/24" for i in range(3, 10)])
            self.daemon = V.Daemon(args.vbrd, self.ns_v, self.workdir, DUT_A,
                                   max_peers=max_peers, extra=extra, wrapper=wrapper)
            self.daemon.start()
            self.api = self.daemon.connect(timeout=ready_timeout)
        except BaseException:
            self.close()
            raise

    def restart(self):
        """After a crash: start again on the same state."""
        self.api.close()
        self.daemon.start()
        self.api = self.daemon.connect()

    def healthy(self, n=1, hold=3, keepalive=1):
        """n healthy sessions from 10.78.0.2.. in one group; returns (peer ids, status path)."""
        group = self.api.create_group(f"healthy{len(self.healthy_procs)}", HEALTHY_ASN,
                                      hold=hold, keepalive=keepalive)
        srcs = [f"10.78.0.{i}" for i in range(2, 2 + n)]
        ids = [self.api.create_peer(group.id, s).id for s in srcs]
        status = os.path.join(self.workdir, f"healthy{len(self.healthy_procs)}.json")
        cmd = ["ip", "netns", "exec", self.ns_h, "timeout", "-s", "KILL", "3600",
               "/usr/bin/python3", os.path.join(HERE, "speaker.py"), "hold", "--dst", DUT_H,
               "--asn", str(HEALTHY_ASN), "--hold", str(hold), "--keepalive", "1",
               "--status", status]
        for s in srcs:
            cmd += ["--src", s]
        log = open(os.path.join(self.workdir, "healthy.log"), "a")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.healthy_procs.append(proc)
        for pid in ids:
            p = self.api.wait_state(pid, V.pb.SESSION_STATE_ESTABLISHED, timeout=60)
            if p.session_state != V.pb.SESSION_STATE_ESTABLISHED:
                raise RuntimeError(f"healthy peer {p.peer_ip} not Established: "
                                   f"{V.pb.SessionState.Name(p.session_state)} {p.last_error}")
        return ids, status

    def watch(self, peer_ids):
        """Collects every event for peer_ids in the background; returns the event list."""
        events = []
        call = self.api.stub.WatchPeerEvents(V.pb.WatchPeerEventsRequest(peer_ids=peer_ids))

        def pump():
            try:
                for ev in call:
                    events.append(ev)
            except V.grpc.RpcError:
                pass
        t = threading.Thread(target=pump, daemon=True)
        t.start()
        self.watchers.append((call, t))
        return events

    def healthy_flaps(self, status_path, ids, events, established_times):
        """Drops seen by the healthy speaker + STATE_CHANGED events + changed
        established_time, with a description of each."""
        problems = []
        try:
            with open(status_path) as f:
                st = json.load(f)
            for src, p in st["peers"].items():
                for d in p["drops"]:
                    problems.append(f"healthy {src} dropped: {d['reason']}")
        except (OSError, ValueError) as e:
            problems.append(f"healthy status unreadable: {e}")
        for ev in events:
            if ev.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED:
                problems.append(f"event: {ev.peer_ip} {V.pb.SessionState.Name(ev.old_state)} -> "
                                f"{V.pb.SessionState.Name(ev.new_state)} ({ev.reason})")
        for pid, t0 in zip(ids, established_times):
            try:
                p = self.api.peer(pid)
            except V.grpc.RpcError as e:
                problems.append(f"GetBgpPeer {pid}: {e.code().name}")
                continue
            if p.session_state != V.pb.SESSION_STATE_ESTABLISHED:
                problems.append(f"{p.peer_ip} is {V.pb.SessionState.Name(p.session_state)}")
            elif p.established_time.seconds != t0.seconds or p.established_time.nanos != t0.nanos:
                problems.append(f"{p.peer_ip} established_time changed")
        return problems

    def close(self, stop_timeout=15):
        for call, _ in self.watchers:
            call.cancel()
        for proc in self.healthy_procs:
            if proc.poll() is None:
                proc.terminate()  # timeout passes SIGTERM on to the speaker
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    # The speaker itself, then its `timeout` wrapper (never orphan it).
                    try:
                        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                            for kid in f.read().split():
                                os.kill(int(kid), signal.SIGKILL)
                    except (OSError, ValueError):
                        pass
                    proc.kill()
                    proc.wait(timeout=5)
        rc = None
        if getattr(self, "daemon", None) is not None:
            rc = self.daemon.stop(timeout=stop_timeout)
        if getattr(self, "api", None) is not None:
            self.api.close()
        self.topo.cleanup()
        return rc

    def close_and_check(self, results):
        """Final SIGTERM: vbrd must exit 0, and its log (incl. LeakSanitizer's report in the
        ASan build) must hold no sanitizer report."""
        rc = self.close()
        results.add("graceful-exit", rc == 0, f"SIGTERM -> exit {rc}")
        san = self.daemon.sanitizer_reports()
        if san:
            results.crashes += 1
        results.add("sanitizers", not san, "; ".join(san[:5]) or
                    "no sanitizer report (leaks checked at exit in the ASan build)")
