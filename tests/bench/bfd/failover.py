#!/usr/bin/python3
"""bfd failover benchmark (prints figures; never pass/fail).

The topology of tests/bfd/failover_lab.py: two BIRD 2 data-center routers announce the same
prefix to vbrd; the preferred one (dc1) is silenced by setting its eth0 down inside its own
namespace (vbrd's link stays up). Measured: the time from that command to the kernel route
moving to dc2 (when vbrd programs the kernel; otherwise to dc1's BGP session leaving
Established, which is when its routes leave the Loc-RIB), min / median / max over N failovers,
at 100 ms x 3, at 300 ms x 3 (the default), and with BFD off (the hold timer, 9 s).
Then: a full table (default 1,000,000 /24s) is received from a third BIRD while the DC peers
run BFD at 100 ms x 3: any BFD Down or BGP state change on them is a false Down.

  tests/bench/bfd/run.sh build [--runs N] [--hold-runs N] [--routes N]

Needs root (namespaces), bird2. Uses tests/sessions/lab.py.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bfd"))
sys.path.insert(0, os.path.join(HERE, "..", "ingest"))
import failover_lab as F  # noqa: E402
from ingest import write_routes  # noqa: E402

L, V = F.L, F.V


def measure(f, runs, bfd, fib):
    f.set_bfd(bfd)
    times = []
    for i in range(runs):
        f.ready()
        if bfd:
            L.wait_for(lambda: f.bfd_up("dc1") and f.bfd_up("dc2"), 30, what="BFD Up")
        if fib:
            L.wait_for(lambda: f.kernel_via() == f.lab.ip("dc1"), 30, what="route via dc1")
        time.sleep(0.5)
        t = f.fail_dc1(fib, timeout=60)
        times.append(t)
        print("  run %d: %.3f s" % (i + 1, t), flush=True)
        f.restore_dc1(forget_damping=True)
    return times


def line(name, detect, times):
    print("%-18s %-10s %6d %8.3f %8.3f %8.3f" % (name, detect, len(times), min(times),
                                                 statistics.median(times), max(times)))


def false_downs(routes):
    f = F.Failover(interval=100, mult=3, hold=9, extra_hosts=["tx"])
    try:
        for dc in f.peers:
            L.wait_for(lambda: f.bfd_up(dc), 20, what="BFD Up")
        watch = f.vbrd.watch()
        path = f.lab.path("routes.conf")
        write_routes(path, routes)
        tx = L.Bird(f.lab, "tx", 65001, f.lab.ip("v"), name="bird-tx", include=path).start()
        g = f.vbrd.group("fulltable", 65001, route_limit=2000000)
        peer = f.vbrd.peer(g.id, f.lab.ip("tx")).id
        f.vbrd.wait_state(peer, timeout=120)
        t0 = time.time()
        L.wait_for(lambda: f.vbrd.get_peer(peer).received_route_count >= routes, 900,
                   interval=0.05, what="full table at vbrd")
        took = time.time() - t0
        time.sleep(1)
        watch.drain()
        bad = [e for e in watch.events if e.peer_id in f.peers.values() and
               (e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED or
                (e.kind == V.pb.PEER_EVENT_KIND_BFD_STATE_CHANGED and
                 e.new_bfd_state != V.pb.BFD_STATE_UP))]
        for e in bad:
            print("  false down? %s %s" % (e.peer_id, e.reason))
        print("full table of %d routes received in %.1f s while 2 peers ran BFD 100 ms x 3: "
              "%d BFD Down / BGP changes on them (0 = no false Down); BIRD's sessions: %s" %
              (routes, took, len(bad), [f.dcs[d].bfd_sessions() for d in f.dcs]))
        watch.cancel()
        tx.stop()
    finally:
        try:
            f.close()
        except AssertionError as e:  # a figure is still a figure; say what went wrong
            print("NOTE: vbrd did not stop cleanly after the full table: %s" %
                  str(e).splitlines()[0])
            f.lab.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hold-runs", type=int, default=3)
    ap.add_argument("--routes", type=int, default=1000000)
    a = ap.parse_args()
    rows = []
    fib = None
    for interval in (100, 300):
        f = F.Failover(interval=interval, mult=3, hold=9)
        try:
            if fib is None:
                try:
                    L.wait_for(lambda: f.kernel_via() == f.lab.ip("dc1"), 10, what="FIB")
                    fib = True
                except AssertionError:
                    fib = False
            print("BFD %d ms x 3:" % interval, flush=True)
            rows.append(("BFD %d ms x 3" % interval, "%d ms" % (3 * interval),
                         measure(f, a.runs, True, fib)))
            if interval == 300 and a.hold_runs:
                print("no BFD (hold 9 s):", flush=True)
                rows.append(("no BFD, hold 9 s", "9 s", measure(f, a.hold_runs, False, fib)))
        finally:
            f.close()
    print()
    print("until: %s" % ("kernel route via dc2" if fib else
                         "dc1's BGP session closed (no kernel route programmed by this build)"))
    print("%-18s %-10s %6s %8s %8s %8s" % ("failover", "detection", "runs", "min s", "median s",
                                           "max s"))
    for r in rows:
        line(*r)
    if a.routes:
        false_downs(a.routes)


if __name__ == "__main__":
    main()
