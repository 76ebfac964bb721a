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


def bird_imported(bird, proto):
    m = re.search(r"Routes:\s+(\d+) imported", bird.cli("show protocols all " + proto))
    return int(m.group(1)) if m else 0


def bench_vbrd(lab, n):
    vb = V.Vbrd(lab, "v").start()
    pid = daemon_pid(vb.proc)
    rss0 = mem(pid, "VmRSS")
    watch = vb.watch()
    g = vb.group("fulltable", SENDER_ASN, route_limit=2000000)
    peer = vb.peer(g.id, lab.ip("tx")).id
    ev = watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                    e.new_state == V.state("ESTABLISHED"), 60, what="Established")[0]
    t_est = ev.time.ToNanoseconds() / 1e9
    L.wait_for(lambda: vb.get_peer(peer).received_route_count >= n, 600, interval=0.01,
               what="all routes at vbrd")
    t_all = time.time()
    p = vb.get_peer(peer)
    res = dict(name="vbrd", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               received=p.received_route_count, accepted=p.accepted_route_count)
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
    t_est = time.time()
    L.wait_for(lambda: bird_imported(rx, "vbr") >= n, 600, interval=0.05, what="all at bird")
    t_all = time.time()
    res = dict(name="BIRD 2", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               received=bird_imported(rx, "vbr"), accepted=None)
    rx.stop()
    return res


def bench_gobgp(lab, n):
    rx = L.GoBgp(lab, "grx", 65030, lab.ip("tx"), neighbor_asn=SENDER_ASN).start()
    pid = daemon_pid(rx.proc)
    rss0 = mem(pid, "VmRSS")
    L.wait_for(lambda: rx.state() == "established", 60, interval=0.02, what="gobgp rx up")
    t_est = time.time()

    def received():
        j = rx.neighbor_json() or {}
        total = 0
        for af in j.get("afi_safis", []):
            total += af.get("state", {}).get("received", 0)
        return total
    L.wait_for(lambda: received() >= n, 900, interval=0.5, what="all at gobgp")
    t_all = time.time()
    res = dict(name="GoBGP", seconds=t_all - t_est, peak=mem(pid, "VmHWM"), base=rss0,
               received=received(), accepted=None)
    rx.proc.stop(timeout=30)
    lab.procs.remove(rx.proc)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, default=1000000)
    ap.add_argument("--skip-gobgp", action="store_true")
    ap.add_argument("--skip-bird", action="store_true")
    args = ap.parse_args()
    n = args.routes
    lab = L.Lab(["tx", "v", "brx", "grx"])
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
              % (n, time.time() - t0, mib(mem(daemon_pid(tx.proc), "VmRSS"))))
        results = [bench_vbrd(lab, n)]
        if not args.skip_bird:
            results.append(bench_bird(lab, n))
        if not args.skip_gobgp:
            results.append(bench_gobgp(lab, n))
        print()
        print("full-table ingest, %d IPv4 prefixes from one BIRD 2 sender" % n)
        print("%-8s %22s %14s %14s %16s %10s" % ("receiver", "Established->all (s)",
                                                 "prefixes/s", "peak RSS MiB",
                                                 "RSS at start MiB", "received"))
        for r in results:
            print("%-8s %22.2f %14.0f %14.0f %16.0f %10d"
                  % (r["name"], r["seconds"], n / r["seconds"] if r["seconds"] > 0 else 0,
                     mib(r["peak"]), mib(r["base"]), r["received"]))
        print()
        print("Target: vbrd no slower than BIRD and no bigger. Established->all includes the "
              "sender's own pace (the same sender for all three).")
        print(json.dumps({"routes": n, "results": results}))
    finally:
        lab.close()


if __name__ == "__main__":
    main()
