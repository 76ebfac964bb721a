"""vbrd restarting with FRR 8 and GoBGP 3 as its graceful-restart helpers (the upgrade test
uses BIRD): both peer with vbrd, which advertises 172.16.1.0/24. vbrd is killed with SIGKILL,
then stopped with SIGTERM, each time kept down 2 s and started again: polled every ~50 ms, both
keep vbrd's subnet throughout (FRR: `show bgp ipv4 unicast PREFIX json`; GoBGP: `gobgp global
rib`), marked stale by FRR while vbrd is away, and fresh again once it is back; their routes are
in vbrd's kernel throughout and none is stale afterwards. With the group's restart_time at 3 s
and vbrd kept down, both flush the subnet (RFC 4724 4.2).
"""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402

L, V = G.L, G.V
OURS = "172.16.1.0/24"
FRR_ROUTE, GOBGP_ROUTE = "192.168.81.0/24", "192.168.91.0/24"
SHORT_RESTART_TIME = 3


class PeerViews:
    """What FRR and GoBGP hold of vbrd's subnet: {'frr': None | 'stale' | 'fresh', 'gob': ...}."""

    def __init__(self, frr, gobgp):
        self.frr, self.gobgp = frr, gobgp

    def frr_view(self):
        return G.frr_view(self.frr, OURS)

    def gobgp_view(self):
        r = self.gobgp.cli(["global", "rib", OURS, "-j"])
        if r.returncode != 0 or not r.stdout.strip():
            return None
        try:
            j = json.loads(r.stdout)
        except ValueError:
            return None
        paths = j.get(OURS) or []
        if not paths:
            return None
        return "stale" if any(p.get("stale") for p in paths) else "fresh"

    def now(self):
        return {"frr": self.frr_view(), "gob": self.gobgp_view()}


class Poller:
    """Samples PeerViews and vbrd's kernel on a thread until stopped (bounded)."""

    def __init__(self, views, lab, limit=90):
        self.views, self.lab, self.limit = views, lab, limit
        self.samples = []
        self.stop_ev = threading.Event()
        self.t0 = time.monotonic()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop_ev.is_set() and time.monotonic() - self.t0 < self.limit:
            v = self.views.now()
            k = G.kernel_routes(self.lab)
            v["kernel"] = FRR_ROUTE in k and GOBGP_ROUTE in k
            self.samples.append((round(time.monotonic() - self.t0, 2), v))
            self.stop_ev.wait(0.05)

    def stop(self):
        self.stop_ev.set()
        self.t.join(10)
        return self.samples


class RestartWithFrrAndGoBgp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "frr", "gob"], prefix=G.TAG)
        try:
            v = cls.lab.ip("v")
            cls.frr = L.Frr(cls.lab, "frr", 65081, v, routes=[FRR_ROUTE], bfd=False,
                            bgpd_tail=G.FRR_GR % 120).start()
            cls.gobgp = L.GoBgp(cls.lab, "gob", 65091, v,
                                neighbor_extra=G.GOBGP_GR % 120).start()
            cls.gobgp.add_route(GOBGP_ROUTE)
            cls.vbrd = V.Vbrd(cls.lab, "v", args=["--selection-deferral", "20"]).start()
            cls.vbrd.network(OURS)
            cls.groups, cls.peers = {}, {}
            for h, asn in (("frr", 65081), ("gob", 65091)):
                cls.groups[h] = cls.vbrd.group(h, asn).id
                cls.peers[h] = cls.vbrd.peer(cls.groups[h], cls.lab.ip(h)).id
            cls.views = PeerViews(cls.frr, cls.gobgp)
            cls.ready()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls)

    @classmethod
    def ready(cls):
        G.wait_gr_negotiated(cls.vbrd, cls.peers)
        L.wait_for(lambda: {FRR_ROUTE, GOBGP_ROUTE} <= set(G.kernel_routes(cls.lab)), 20,
                   what="the peers' routes in vbrd's kernel")
        L.wait_for(lambda: cls.views.now() == {"frr": "fresh", "gob": "fresh"}, 20,
                   what="vbrd's subnet fresh at FRR and GoBGP")

    def restart(self, sig, down):
        poll = Poller(self.views, self.lab)
        self.vbrd.stop(sig=sig)
        time.sleep(down)
        self.vbrd.start()
        self.ready()
        return poll.stop()

    def test_1_frr_and_gobgp_keep_our_subnet(self):
        for sig, what in ((signal.SIGKILL, "kill -9"), (signal.SIGTERM, "SIGTERM")):
            samples = self.restart(sig, 2)
            gone = [(t, v) for t, v in samples if None in (v["frr"], v["gob"]) or not v["kernel"]]
            self.assertEqual(gone, [], "%s: a route left a peer or vbrd's kernel" % what)
            self.assertIn("stale", [v["frr"] for _, v in samples],
                          "%s: FRR never marked our subnet stale (was it a restart?)" % what)
            print("%s, 2 s down: FRR and GoBGP kept 172.16.1.0/24 in all %d samples"
                  % (what, len(samples)), file=sys.stderr)
            L.wait_for(lambda: not any(e.stale for e in G.bgp_entries(self.vbrd).values()), 30,
                       interval=0.2, what="no stale route entry left")

    def test_2_longer_than_restart_time(self):
        for h, gid in self.groups.items():
            self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
                id=gid, restart_time=SHORT_RESTART_TIME,
                update_mask=V.field_mask_pb2.FieldMask(paths=["restart_time"])))
            self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.peers[h]))
        self.ready()
        self.vbrd.stop(sig=signal.SIGKILL)
        t_kill = time.monotonic()
        L.wait_for(lambda: self.views.now() == {"frr": None, "gob": None},
                   SHORT_RESTART_TIME + 15, interval=0.1, what="FRR and GoBGP flush our subnet")
        print("restart time %d s: FRR and GoBGP flushed 172.16.1.0/24 by %.1f s after the kill"
              % (SHORT_RESTART_TIME, time.monotonic() - t_kill), file=sys.stderr)
        self.vbrd.start()
        self.ready()


if __name__ == "__main__":
    unittest.main(verbosity=2)
