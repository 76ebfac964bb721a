"""kernel: what a lab namespace's kernel routing table holds, for the FIB tests.

vbrd's routes are at protocol 186 (`bgp`) and 210 (its static route entries), metric 20.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sessions"))
import lab as L  # noqa: E402

OURS = ("bgp", "210")  # iproute2's names for 186 and 210
METRIC = 20


def routes(lab, host, table="main"):
    """Every IPv4 route of the table: [{'dst', 'gateway', 'protocol', 'metric', 'dev'}]."""
    out = lab.exec(host, ["ip", "-j", "-4", "route", "show", "table", str(table)]).stdout
    rows = json.loads(out or "[]")
    for r in rows:
        r.setdefault("gateway", None)
        r.setdefault("metric", 0)
        r["protocol"] = str(r.get("protocol", ""))
    return rows


def ours(lab, host, table="main"):
    """vbrd's routes: {dst: [route, ...]} (more than one per dst would be a duplicate)."""
    out = {}
    for r in routes(lab, host, table):
        if r["protocol"] in OURS:
            out.setdefault(r["dst"], []).append(r)
    return out


def via(lab, host, dst, table="main"):
    """The gateway of vbrd's single route to dst, None without one; fails on a duplicate."""
    rs = ours(lab, host, table).get(dst, [])
    assert len(rs) <= 1, "duplicate kernel routes for %s: %s" % (dst, rs)
    return rs[0]["gateway"] if rs else None


def wait_via(lab, host, dst, gateway, timeout, table="main"):
    """Polls until vbrd's route to dst goes via gateway (None: until there is none)."""
    return L.wait_for(lambda: via(lab, host, dst, table) == gateway, timeout, interval=0.02,
                      what="kernel route %s via %s" % (dst, gateway))


def metric(lab, host, port, name, labels=""):
    """A sample of vbrd's /metrics (curl in the namespace), 0 when absent."""
    text = lab.exec(host, ["curl", "-s", "--max-time", "5",
                           "http://127.0.0.1:%d/metrics" % port]).stdout
    key = name + ("{%s}" % labels if labels else "")
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[-1])
    return 0.0


def prefix_count(lab, host):
    """Prefixes in the namespace's main table, from /proc/net/fib_triestat (no route dump:
    cheap to poll with a full table)."""
    text = lab.exec(host, ["cat", "/proc/net/fib_triestat"]).stdout
    m = re.search(r"^Main:\n(?:\t.*\n)*?\tPrefixes:\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else 0


def count_ours(lab, host):
    """vbrd's routes in the main table: {'bgp': n, '210': n} (one dump)."""
    out = {p: 0 for p in OURS}
    for r in routes(lab, host):
        if r["protocol"] in out:
            out[r["protocol"]] += 1
    return out
