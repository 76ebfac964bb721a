#!/usr/bin/python3
"""fib: a full table into the kernel FIB, vbrd beside BIRD's kernel protocol (figures only).

One BIRD 2 sender (its own namespace) loads N generated static /24s (16.0.0.0 up) and
announces them to two receivers in turn, each in its own namespace on the same bridge:

- vbrd (the build's binary, --fib on, table main), driven through its gRPC API;
- BIRD 2 with `protocol kernel { ipv4 { export all; }; }` (the same job: BGP in, kernel out).

For each: the time from the session reaching Established (the sender's first UPDATE follows
at once) to all N in the receiver's kernel table (/proc/net/fib_triestat, Main: Prefixes,
polled every 20 ms), the receiver's CPU, its peak RSS (VmHWM) and RSS at the end. While
vbrd's table is written, the sender's hold timer for vbrd (3 s; vbrd sends a KEEPALIVE every
second) is polled through birdc: the smallest time left is the keepalive margin (3 s minus
the longest gap between messages from vbrd, to the poll's resolution). Then vbrd gets SIGTERM:
the time to exit and what it left in the kernel (a clean stop removes its routes).

  tests/bench/fib/run.sh build [--routes N]     # default 10,000 (CI); README figures: 100,000

Needs root (namespaces), bird2. Uses tests/sessions/lab.py and the ingest bench's helpers.
"""
import argparse
import json
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ingest"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sessions"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "fib"))
import lab as L  # noqa: E402
from kernel import prefix_count as kernel_prefixes  # noqa: E402
import vbrapi as V  # noqa: E402
from ingest import bird_since, cpu, daemon_pid, mem, mib, write_routes  # noqa: E402

SENDER_ASN = 65001
HOLD = 3


def hold_left(tx, proto):
    """The sender's hold timer for proto: seconds left, or None."""
    m = re.search(r"Hold timer:\s+([\d.]+)/", tx.cli("show protocols all " + proto))
    return float(m.group(1)) if m else None


LIMIT = 600  # seconds to wait for a whole table (--limit)


def until_installed(lab, host, want, tx=None, proto=None):
    """Polls the kernel until `want` prefixes; returns (end time, smallest hold time left)."""
    deadline, margin, limit = time.time() + LIMIT, None, LIMIT
    while True:
        have = kernel_prefixes(lab, host)
        if have >= want:
            return time.time(), margin
        if tx is not None:
            left = hold_left(tx, proto)
            if left is not None and (margin is None or left < margin):
                margin = left
        if time.time() > deadline:
            raise AssertionError("not all installed in %d s: %d of %d prefixes in the table"
                                 % (limit, have, want))
        time.sleep(0.02)


def bench_vbrd(lab, tx, n):
    vb = V.Vbrd(lab, "v").start()
    pid = daemon_pid(vb.proc)
    base = kernel_prefixes(lab, "v")
    watch = vb.watch()
    g = vb.group("fulltable", SENDER_ASN, route_limit=2000000, hold_time=HOLD,
                 keepalive_time=1)
    peer = vb.peer(g.id, lab.ip("tx")).id
    ev = watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                    e.peer_id == peer and e.new_state == V.state("ESTABLISHED"), 60,
                    what="Established")[0]
    t_est = ev.time.ToNanoseconds() / 1e9
    cpu0 = cpu(pid)
    t_all, margin = until_installed(lab, "v", base + n, tx, "to_vbrd")
    cpu1 = cpu(pid)
    time.sleep(1)
    flaps = [e for e in watch.drain() if e.sequence > ev.sequence and e.peer_id == peer and
             e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED]
    entries = vb.route_entries(V.pb.ROUTE_SOURCE_BGP)
    res = dict(name="vbrd", seconds=t_all - t_est, cpu=cpu1 - cpu0, peak=mem(pid, "VmHWM"),
               rss=mem(pid, "VmRSS"), installed=kernel_prefixes(lab, "v") - base,
               entries_installed=sum(1 for e in entries if e.installed),
               hold_margin=margin, flaps=len(flaps), bird_state=tx.cli(
                   "show protocols to_vbrd").count("Established"))
    watch.cancel()
    t0 = time.monotonic()
    rc = vb.stop(sig=signal.SIGTERM, timeout=120)
    res.update(stop_seconds=time.monotonic() - t0, stop_rc=rc,
               left_after_stop=kernel_prefixes(lab, "v") - base)
    vb.finish()
    return res


def bench_bird(lab, n):
    kernel = "\nprotocol kernel k4 { ipv4 { import none; export all; }; }\n"
    rx = L.Bird(lab, "b", 65020, lab.ip("tx"), neighbor_asn=SENDER_ASN, name="bird-rx",
                extra=kernel)
    with open(rx.conf) as f:
        conf = f.read().replace("import all; export all;", "import all; export none;")
    with open(rx.conf, "w") as f:
        f.write(conf)
    base = kernel_prefixes(lab, "b")
    rx.start()
    pid = daemon_pid(rx.proc)
    L.wait_for(lambda: rx.state() == "Established", 60, interval=0.01, what="bird rx up")
    t_est = bird_since(rx, "vbr") or time.time()
    cpu0 = cpu(pid)
    t_all, _ = until_installed(lab, "b", base + n)
    cpu1 = cpu(pid)
    res = dict(name="BIRD 2", seconds=t_all - t_est, cpu=cpu1 - cpu0, peak=mem(pid, "VmHWM"),
               rss=mem(pid, "VmRSS"), installed=kernel_prefixes(lab, "b") - base)
    t0 = time.monotonic()
    rx.proc.stop(timeout=120)
    lab.procs.remove(rx.proc)
    res.update(stop_seconds=time.monotonic() - t0,
               left_after_stop=kernel_prefixes(lab, "b") - base)
    return res


def sender(lab, n):
    routes = lab.path("routes.conf")
    write_routes(routes, n)
    peers = "".join("""
protocol bgp %s { local %s as %d; neighbor %s as %d; hold time %d; keepalive time 1;
  connect delay time 1; connect retry time 1; error wait time 1,5;
  ipv4 { import none; export all; }; }
""" % (name, lab.ip("tx"), SENDER_ASN, lab.ip(h), asn, HOLD)
        for name, h, asn in (("to_vbrd", "v", 45104), ("to_bird", "b", 65020)))
    tx = L.Bird(lab, "tx", SENDER_ASN, lab.ip("v"), name="bird-tx", include=routes,
                extra=peers)
    with open(tx.conf) as f:  # the template's own `vbr` protocol would duplicate to_vbrd
        conf = re.sub(r"protocol bgp vbr \{.*?\}; \}\n", "", f.read(), flags=re.S)
    with open(tx.conf, "w") as f:
        f.write(conf)
    tx.start()
    L.wait_for(lambda: "%d" % n in tx.cli("show route count"), 120, interval=0.2,
               what="sender table")
    return tx


def report(n, results):
    print()
    print("%d IPv4 prefixes from one BIRD 2 sender into the kernel FIB (table main)" % n)
    print("%-8s %20s %12s %9s %14s %12s %10s %14s %12s" % (
        "receiver", "Established->FIB (s)", "prefixes/s", "CPU (s)", "peak RSS MiB",
        "RSS MiB", "installed", "SIGTERM->exit", "left after"))
    for r in results:
        print("%-8s %20.2f %12.0f %9.2f %14.0f %12.0f %10d %13.2fs %12d" % (
            r["name"], r["seconds"], r["installed"] / r["seconds"] if r["seconds"] > 0 else 0,
            r["cpu"], mib(r["peak"]), mib(r["rss"]), r["installed"], r["stop_seconds"],
            r["left_after_stop"]))
    v = results[0]
    print("vbrd: %d BGP entries installed=true; hold timer %d s, keepalive 1 s: smallest time "
          "left %s s (margin), %d state changes after Established (0 = no flap); SIGTERM exit "
          "code %s" % (v["entries_installed"], HOLD, v["hold_margin"], v["flaps"],
                       v["stop_rc"]))
    if len(results) > 1 and results[1]["seconds"] > 0:
        print("vbrd / BIRD time: %.2f (target <= 1)" % (v["seconds"] / results[1]["seconds"]))
    print(json.dumps({"routes": n, "results": results}))


def main():
    global LIMIT
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, default=10000)
    ap.add_argument("--skip-bird", action="store_true")
    ap.add_argument("--limit", type=int, default=LIMIT, help="seconds to wait for a table")
    args = ap.parse_args()
    LIMIT = args.limit
    lab = L.Lab(["tx", "v", "b"], prefix="f1")
    try:
        tx = sender(lab, args.routes)
        results = [bench_vbrd(lab, tx, args.routes)]
        print("  vbrd: %.2f s" % results[0]["seconds"], flush=True)
        if not args.skip_bird:
            results.append(bench_bird(lab, args.routes))
        report(args.routes, results)
    finally:
        lab.close()


if __name__ == "__main__":
    main()
