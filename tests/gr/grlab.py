"""grlab: what the graceful-restart tests share, on top of tests/sessions/lab.py (namespaces,
daemons) and vbrapi.py (vbrd over gRPC). No harness of its own: the peers' GR settings, the
kernel's view of vbrd's BGP routes, metrics, and waits on the peer-event stream.

Namespaces and links are named "g2" + pid + host (lab.Lab(prefix=...)).
"""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sessions"))
sys.path.insert(0, os.path.join(HERE, "..", "bfd"))
import lab as L  # noqa: E402
import vbrapi as V  # noqa: E402

TAG = "g2"
PROTO_BGP = "186"  # the kernel protocol of vbrd's BGP routes (README, issue 10)


def bird_gr(seconds):
    """BIRD's protocol bgp lines for graceful restart with this restart time."""
    return "graceful restart on; graceful restart time %d;" % seconds


# A BIRD in recovery (-R) waits for its peers' End-of-RIB before it announces; bounded here so
# that a vbrd that never sends one shows as a failed assertion, not a 240 s stall.
BIRD_GLOBAL = "graceful restart wait 15;"

# FRR: GR with the F bit (preserve-fw-state) and a short selection deferral; import-check off
# so `network` needs no route in zebra.
FRR_GR = (" no bgp network import-check\n bgp graceful-restart\n"
          " bgp graceful-restart restart-time %d\n bgp graceful-restart preserve-fw-state\n"
          " bgp graceful-restart select-defer-time 2\n")

# GoBGP: GR on the neighbor and on IPv4 unicast; the F bit is set when started with -r.
GOBGP_GR = """  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = %d
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
"""


def bird_drop_route(bird, prefix):
    """Removes `route PREFIX blackhole;` from BIRD's config (read at its next start)."""
    with open(bird.conf) as f:
        text = f.read()
    line = "  route %s blackhole;\n" % prefix
    assert line in text, text
    with open(bird.conf, "w") as f:
        f.write(text.replace(line, ""))


def frr_drop_network(frr, prefix):
    path = os.path.join(frr.dir, "bgpd.conf")
    with open(path) as f:
        text = f.read()
    line = "  network %s\n" % prefix
    assert line in text, text
    with open(path, "w") as f:
        f.write(text.replace(line, ""))


def frr_view(frr, prefix):
    """None, 'stale' or 'fresh': what FRR's bgpd holds of prefix."""
    try:
        j = json.loads(frr.vtysh("bgpd", "show bgp ipv4 unicast %s json" % prefix))
    except ValueError:
        return None
    paths = j.get("paths") or []
    if not paths:
        return None
    return "stale" if any(p.get("stale") for p in paths) else "fresh"


def wait_gr_negotiated(vbrd, peers, timeout=40):
    """Each peer ({host: peer id}) Established with graceful restart negotiated."""
    for h, pid in peers.items():
        L.wait_for(lambda: vbrd.get_peer(pid).graceful_restart_negotiated, timeout,
                   interval=0.1, what="%s Established with graceful restart" % h)


def kernel_routes(lab, host="v"):
    """{prefix: next hop} of the BGP routes (protocol 186) in host's main table."""
    out = lab.exec(host, ["ip", "-4", "route", "show", "proto", PROTO_BGP], check=False).stdout
    routes = {}
    for line in out.splitlines():
        f = line.split()
        if f:
            m = re.search(r" via (\S+)", line)
            routes[f[0] if "/" in f[0] else f[0] + "/32"] = m.group(1) if m else None
    return routes


def metrics(lab, port, host="v"):
    """vbrd's metrics (--metrics-listen 127.0.0.1:port): {(name, peer_ip): value} for the
    per-peer families, {name: value} for those without labels."""
    r = lab.exec(host, ["curl", "-sf", "http://127.0.0.1:%d/metrics" % port], check=False)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r'(\w+)\{[^}]*peer_ip="([\d.]+)"[^}]*\} (\d+)$', line)
        if m:
            out[(m.group(1), m.group(2))] = int(m.group(3))
        m = re.match(r"(\w+) (\d+)$", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def kind(name):
    return getattr(V.pb, "PEER_EVENT_KIND_" + name)


def events(watch, peer_id, kind_name, since=0):
    watch.drain()
    return [e for e in watch.events[since:] if e.peer_id == peer_id and e.kind == kind(kind_name)]


def wait_event(watch, peer_id, kind_name, timeout, since=0):
    """The first event of that kind for the peer after index since (bounded)."""
    return L.wait_for(lambda: events(watch, peer_id, kind_name, since), timeout,
                      what="%s for %s" % (kind_name, peer_id))[0]


def bgp_entries(vbrd):
    """{destination_cidr: RouteEntry} of the route table's BGP entries."""
    return {e.destination_cidr: e for e in vbrd.route_entries(V.pb.ROUTE_SOURCE_BGP)}


def stale_flags(vbrd, peer_id):
    """{prefix: stale} of the peer's received routes (ListRoutes)."""
    return {p: r.stale for p, r in vbrd.routes(peer_id).items()}


def watch_kernel(lab, prefixes, until, timeout, interval=0.05):
    """Polls the kernel until until() is true (bounded); returns [(t, missing prefixes)] of
    every sample where one of prefixes was not in the kernel."""
    gaps, t0 = [], time.monotonic()
    while True:
        have = kernel_routes(lab)
        missing = [p for p in prefixes if p not in have]
        if missing:
            gaps.append((round(time.monotonic() - t0, 2), missing))
        if until():
            return gaps
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out after %ss polling the kernel" % timeout)
        time.sleep(interval)


def wait_up(cls, routes_by_host):
    """setUpClass's last step: each peer Established and its routes in vbrd's kernel."""
    for h, routes in routes_by_host.items():
        cls.vbrd.wait_state(cls.peers[h], timeout=40)
        L.wait_for(lambda: set(routes) <= set(kernel_routes(cls.lab)), 20,
                   what="%s's routes in the kernel" % h)


def teardown(cls, before=()):
    """tearDownClass: `before` (callables), the class's peer-event watch and vbrd if they were
    made and vbrd is still this lab's process (a test may have killed it), then the lab,
    always."""
    try:
        for f in before:
            f()
        if getattr(cls, "watch", None):
            cls.watch.cancel()
        if getattr(cls, "vbrd", None) and cls.vbrd.proc in cls.lab.procs:
            cls.vbrd.finish()
    finally:
        cls.lab.close()
