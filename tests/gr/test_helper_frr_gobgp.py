"""Graceful restart, vbrd the helper (RFC 4724 4.2), with FRR 8 (bgpd, `bgp graceful-restart`,
`preserve-fw-state`) and GoBGP 3 (graceful-restart on the neighbor and IPv4 unicast, back with
`gobgpd -r`) as the restarting peer, each killed with SIGKILL and started again announcing one
route less: meanwhile vbrd keeps both routes stale (ListRoutes, ListRouteEntries,
stale_route_count) and in the kernel (polled throughout), with ROUTES_STALE; after the peer's
End-of-RIB the route it no longer announces is gone from the API and the kernel, the other is
fresh, and STALE_ROUTES_CLEARED says why. Then a peer that stays away past its restart time: its routes
go then (FRR, restart time 8 s). GoBGP's restart time is 10 s: vbrd connects to it (its
connect retry, a few seconds), and the restart time has to cover that.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402

L, V = G.L, G.V
FRR_ROUTES = ["192.168.61.0/24", "192.168.62.0/24"]
GOBGP_ROUTES = ["192.168.71.0/24", "192.168.72.0/24"]


class HelperFrrGoBgp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "frr", "gob"], prefix=G.TAG)
        try:
            v = cls.lab.ip("v")
            cls.frr = L.Frr(cls.lab, "frr", 65061, v, routes=FRR_ROUTES, bfd=False,
                            bgpd_tail=G.FRR_GR % 8).start()
            cls.gobgp = L.GoBgp(cls.lab, "gob", 65071, v,
                                neighbor_extra=G.GOBGP_GR % 10).start()
            for r in GOBGP_ROUTES:
                cls.gobgp.add_route(r)
            cls.vbrd = V.Vbrd(cls.lab, "v").start()
            cls.watch = cls.vbrd.watch()
            cls.peers = {}
            for h, asn, routes in (("frr", 65061, FRR_ROUTES), ("gob", 65071, GOBGP_ROUTES)):
                g = cls.vbrd.group(h, asn)
                cls.peers[h] = cls.vbrd.peer(g.id, cls.lab.ip(h)).id
            G.wait_up(cls, {"frr": FRR_ROUTES, "gob": GOBGP_ROUTES})
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls)

    def restart(self, host, routes, kill, start, restart_time):
        """kill(); 2 s away; start() announcing routes[0] only; End-of-RIB reconciles."""
        pid = self.peers[host]
        keep, dropped = routes
        self.assertTrue(self.vbrd.get_peer(pid).graceful_restart_negotiated)
        since = len(self.watch.drain())
        kill()
        ev = G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        self.assertEqual(ev.reason, "session closed without a NOTIFICATION (graceful restart):"
                         " 2 routes kept stale for up to %d s" % restart_time)
        self.assertEqual(G.stale_flags(self.vbrd, pid), {keep: True, dropped: True})
        self.assertEqual(self.vbrd.get_peer(pid).stale_route_count, 2)
        entries = G.bgp_entries(self.vbrd)
        for r in routes:
            self.assertTrue(entries[r].installed and entries[r].stale, entries[r])
        t0 = time.monotonic()
        gaps = G.watch_kernel(self.lab, routes, lambda: time.monotonic() - t0 > 2, timeout=10)
        self.assertEqual(gaps, [], "a stale route left the kernel while the peer was away")
        start()
        gaps = G.watch_kernel(
            self.lab, [keep],
            lambda: G.events(self.watch, pid, "STALE_ROUTES_CLEARED", since), timeout=30)
        self.assertEqual(gaps, [], "the route announced again left the kernel")
        ev = G.events(self.watch, pid, "STALE_ROUTES_CLEARED", since)[0]
        self.assertEqual(ev.reason, "End-of-RIB received: 1 stale route not announced again "
                         "removed")
        self.assertEqual(G.stale_flags(self.vbrd, pid), {keep: False})
        entries = G.bgp_entries(self.vbrd)
        self.assertNotIn(dropped, entries)
        self.assertFalse(entries[keep].stale, entries[keep])
        L.wait_for(lambda: dropped not in G.kernel_routes(self.lab), 5,
                   what="the dropped route gone from the kernel")
        self.assertIn(keep, G.kernel_routes(self.lab))
        self.assertEqual(self.vbrd.get_peer(pid).stale_route_count, 0)

    def test_1_frr_restarts(self):
        def start():
            G.frr_drop_network(self.frr, FRR_ROUTES[1])
            self.frr.start_bgpd()
        self.restart("frr", FRR_ROUTES, self.frr.kill_bgpd, start, 8)

    def test_2_gobgp_restarts(self):
        def start():
            # -r: restarting, F bit set; it defers its updates until vbrd's End-of-RIB, so
            # the route added right after start goes out before its own End-of-RIB.
            self.gobgp.start(["-r"])
            self.gobgp.add_route(GOBGP_ROUTES[0])
        self.restart("gob", GOBGP_ROUTES, self.gobgp.kill, start, 10)

    def test_3_frr_not_back_within_restart_time(self):
        pid, route = self.peers["frr"], FRR_ROUTES[0]
        since = len(self.watch.drain())
        self.frr.kill_bgpd()
        t_kill = time.monotonic()
        G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        gaps = G.watch_kernel(self.lab, [route], lambda: time.monotonic() - t_kill > 7,
                              timeout=15)
        self.assertEqual(gaps, [], "removed before the restart time (8 s) was over")
        ev = G.wait_event(self.watch, pid, "STALE_ROUTES_CLEARED", 20, since)
        self.assertEqual(ev.reason, "the peer did not come back within its restart time (8 s):"
                         " 1 stale route not announced again removed")
        self.assertEqual(self.vbrd.routes(pid), {})
        L.wait_for(lambda: route not in G.kernel_routes(self.lab), 5, what="kernel route gone")

if __name__ == "__main__":
    unittest.main(verbosity=2)
