#!/usr/bin/python3
"""ingest: full-table ingest benchmark (prints figures; never pass/fail).

One BIRD 2 sender announces N generated IPv4 /24s (default 1,000,000) to three receivers in
turn, each in its own network namespace: vbrd (driven through its gRPC API, route_limit raised
to 2,000,000), a BIRD 2 receiver and a GoBGP receiver. For each: the time from the session
reaching Established to all N routes received, and the receiver's peak RSS (VmHWM).

  tests/bench/ingest/run.sh build [--routes N] [--skip-gobgp]

Needs root (namespaces), bird2, gobgpd. Uses tests/sessions/lab.py for namespaces and daemons.
"""
import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sessions"))
import lab as L  # noqa: E402
import vbrapi as V  # noqa: E402

SENDER_ASN = 65001


def daemon_pid(proc):
    """PID of the daemon under `ip netns exec ... timeout` (timeout's only child)."""
    def child():
        with open("/proc/%d/task/%d/children" % (proc.p.pid, proc.p.pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    return L.wait_for(child, 10, what="daemon pid")


def mem(pid, field):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M)
    return int(m.group(1)) * 1024 if m else 0


def cpu(pid):
    """CPU seconds (user + system) the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mib(n):
    return n / (1 << 20)


def write_routes(path, n):
    with open(path, "w") as f:
        f.write("protocol static bulk { ipv4;\n")
        base = 16 << 24
        for i in range(n):
            a = base + (i << 8)
            f.write("  route %d.%d.%d.0/24 blackhole;\n" % (a >> 24, (a >> 16) & 255,
                                                            (a >> 8) & 255))
        f.write("}\n")


def bird_since(bird, proto):
    """When the protocol changed state, from the 'Since' column (BIRD's clock, ms), as a unix
    time; None if it cannot be read (then the caller's poll time is used)."""
    m = re.search(r"^%s\s+BGP\s+\S+\s+up\s+(\d\d):(\d\d):(\d\d)\.(\d+)" % proto,
                  bird.cli("show protocols " + proto), re.M)
    if not m:
        return None
    lt = time.localtime()
    since = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, int(m.group(1)), int(m.group(2)),
                         int(m.group(3)), 0, 0, -1)) + int(m.group(4)) / 10 ** len(m.group(4))
    return since if abs(since - time.time()) < 3600 else None


def bird_imported(bird, proto):
    m = re.search(r"Routes:\s+(\d+) imported", bird.cli("show protocols all " + proto))
    return int(m.group(1)) if m else 0


def bench_vbrd(lab, n):
    vb = V.Vbrd(lab, "v").start()
    pid = daemon_pid(vb.proc)
    rss0 = mem(pid, "VmRSS")
    watch = vb.watch()
    # A second peer with a 3 s hold time: its keepalives must not starve behind the bulk work.
    hb = L.Bird(lab, "hb", 65040, lab.ip("v"), name="bird-hb", hold=3).start()
    g = vb.group("heartbeat", 65040, hold_time=3, keepalive_time=1)
    hb_peer = vb.peer(g.id, lab.ip("hb")).id
    vb.wait_state(hb_peer, timeout=30)
    g = vb.group("fulltable", SENDER_ASN, route_limit=2000000)
    peer = vb.peer(g.id, lab.ip("tx")).id
    ev = watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                    e.peer_id == peer and e.new_state == V.state("ESTABLISHED"), 60,
                    what="Established")[0]
    hb_before = len([e for e in watch.drain() if e.peer_id == hb_peer])
    cpu0 = cpu(pid)
    t_est = ev.time.ToNanoseconds() / 1e9
    L.wait_for(lambda: vb.get_peer(peer).received_route_count >= n, 600, interval=0.01,
               what="all routes at vbrd")
    t_all = time.time()
    cpu1 = cpu(pid)
    p = vb.get_peer(peer)
    time.sleep(1)
    hb_events = [e for e in watch.drain() if e.peer_id == hb_peer][hb_before:]
    hb_flaps = len(hb_events)
    for e in hb_events:
        print("  3 s-hold peer: %s -> %s: %s" % (V.pb.SessionState.Name(e.old_state)[14:],
                                                V.pb.SessionState.Name(e.new_state)[14:],
                                                e.reason), flush=True)
    res = dict(name="vbrd", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               cpu=cpu1 - cpu0,
               received=p.received_route_count, accepted=p.accepted_route_count,
               heartbeat_flaps=hb_flaps, heartbeat_bird=hb.state())
    hb.stop()
    watch.cancel()
    vb.finish()
    return res


def bench_bird(lab, n):
    rx = L.Bird(lab, "brx", 65020, lab.ip("tx"), neighbor_asn=SENDER_ASN, name="bird-rx",
                extra="")
    # Receive only: nothing to export back.
    with open(rx.conf) as f:
        conf = f.read().replace("import all; export all;", "import all; export none;")
    with open(rx.conf, "w") as f:
        f.write(conf)
    rx.start()
    pid = daemon_pid(rx.proc)
    rss0 = mem(pid, "VmRSS")
    L.wait_for(lambda: rx.state() == "Established", 60, interval=0.01, what="bird rx up")
    t_est = bird_since(rx, "vbr") or time.time()
    cpu0 = cpu(pid)
    L.wait_for(lambda: bird_imported(rx, "vbr") >= n, 600, interval=0.05, what="all at bird")
    t_all = time.time()
    cpu1 = cpu(pid)
    res = dict(name="BIRD 2", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               cpu=cpu1 - cpu0,
               received=bird_imported(rx, "vbr"), accepted=None)
    rx.stop()
    return res


def bench_gobgp(lab, n, limit):
    rx = L.GoBgp(lab, "grx", 65030, lab.ip("tx"), neighbor_asn=SENDER_ASN).start()
    pid = daemon_pid(rx.proc)
    rss0 = mem(pid, "VmRSS")
    L.wait_for(lambda: rx.state() == "established", 60, interval=0.02, what="gobgp rx up")
    t_est = time.time()
    cpu0 = cpu(pid)

    def received():
        j = rx.neighbor_json() or {}
        total = 0
        for af in j.get("afi_safis", []):
            total += af.get("state", {}).get("received", 0)
        return total
    got = 0
    try:
        L.wait_for(lambda: received() >= n, limit, interval=0.5, what="all at gobgp")
        got = n
    except AssertionError:
        # Slow on a loaded machine: report how far it got rather than nothing.
        try:
            got = received()
        except Exception:
            got = -1
    t_all = time.time()
    cpu1 = cpu(pid)
    res = dict(name="GoBGP", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               cpu=cpu1 - cpu0, received=got, accepted=None, complete=got >= n)
    rx.proc.stop(timeout=30)
    lab.procs.remove(rx.proc)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, default=1000000)
    ap.add_argument("--skip-gobgp", action="store_true")
    ap.add_argument("--skip-bird", action="store_true")
    ap.add_argument("--gobgp-limit", type=float, default=600,
                    help="seconds to wait for GoBGP before reporting a partial figure")
    args = ap.parse_args()
    n = args.routes
    lab = L.Lab(["tx", "v", "brx", "grx", "hb"])
    try:
        routes = lab.path("routes.conf")
        write_routes(routes, n)
        peers = "".join("""
protocol bgp %s { local %s as %d; neighbor %s as %d;
  connect delay time 1; connect retry time 1; error wait time 1,5;
  ipv4 { import none; export all; }; }
""" % (name, lab.ip("tx"), SENDER_ASN, lab.ip(h), asn)
            for name, h, asn in (("to_vbrd", "v", 45104), ("to_bird", "brx", 65020),
                                 ("to_gobgp", "grx", 65030)))
        tx = L.Bird(lab, "tx", SENDER_ASN, lab.ip("v"), name="bird-tx", include=routes,
                    extra=peers)
        # The template's own `vbr` protocol would duplicate to_vbrd: drop it.
        with open(tx.conf) as f:
            conf = re.sub(r"protocol bgp vbr \{.*?\}; \}\n", "", f.read(), flags=re.S)
        with open(tx.conf, "w") as f:
            f.write(conf)
        t0 = time.time()
        tx.start()
        L.wait_for(lambda: re.search(r"bulk\s+Static\s+master4\s+up",
                                     tx.cli("show protocols")), 120, what="sender loaded")
        L.wait_for(lambda: "%d" % n in tx.cli("show route count"), 120, interval=0.2,
                   what="sender table")
        print("sender: BIRD loaded %d static routes in %.1fs, RSS %.0f MiB"
              % (n, time.time() - t0, mib(mem(daemon_pid(tx.proc), "VmRSS"))), flush=True)
        results = []
        for skip, fn in ((False, bench_vbrd), (args.skip_bird, bench_bird),
                         (args.skip_gobgp, bench_gobgp)):
            if skip:
                continue
            results.append(fn(lab, n, args.gobgp_limit) if fn is bench_gobgp else fn(lab, n))
            r = results[-1]
            print("  %s: %.2fs Established->all, peak RSS %.0f MiB" % (r["name"], r["seconds"],
                                                                     mib(r["peak"])),
                  flush=True)
        print()
        print("full-table ingest, %d IPv4 prefixes from one BIRD 2 sender" % n)
        print("%-8s %22s %12s %12s %14s %16s %10s" % (
            "receiver", "Established->all (s)", "prefixes/s", "CPU (s)", "peak RSS MiB",
            "RSS at start MiB", "received"))
        for r in results:
            if not r.get("complete", True):
                r["name"] += " (>)"  # gave up waiting: time is a lower bound
            print("%-8s %22.2f %12.0f %12.2f %14.0f %16.0f %10d"
                  % (r["name"], r["seconds"], r["received"] / r["seconds"] if r["seconds"] > 0 else 0,
                     r["cpu"], mib(r["peak"]), mib(r["base"]), r["received"]))
        print("vbrd's 3 s-hold peer during the ingest: %d state changes (0 = no flap), "
              "BIRD says %s" % (results[0]["heartbeat_flaps"], results[0]["heartbeat_bird"]))
        print()
        print("Target: vbrd no slower than BIRD and no bigger. Established->all includes the "
              "sender's own pace (the same sender for all three); CPU (s) is the receiver's own "
              "work in that time, steadier on a shared machine.")
        print(json.dumps({"routes": n, "results": results}))
    finally:
        lab.close()


if __name__ == "__main__":
    main()
