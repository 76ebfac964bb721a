"""Graceful restart, vbrd the helper (RFC 4724 4.2), against BIRD 2 killed with SIGKILL (its
sessions end without a NOTIFICATION, as a crash does):

- BIRD with GR (restart time 8 s) restarted in recovery (`bird -R`, F bit set) announcing one
  route less: while it is away vbrd keeps both routes stale (ListRoutes, ListRouteEntries,
  BgpPeer.stale_route_count, metrics) and in its namespace's kernel table (polled throughout:
  never missing); after BIRD's End-of-RIB the route it no longer announces is gone from the
  API and the kernel and the other is no longer stale. ROUTES_STALE and STALE_ROUTES_CLEARED
  carry readable reasons.
- BIRD with GR (restart time 6 s) that does not come back: its route stays for the restart
  time, then goes, with the reason saying so.
- BIRD restarted without -R (F bit clear): its old routes go as soon as it is back.
- BIRD without GR (`graceful restart off`), and a vbrd group with graceful_restart off facing a
  GR BIRD: not negotiated, the routes go at once, no ROUTES_STALE (the old behaviour).
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402

L, V = G.L, G.V
METRICS_PORT = 9186

# host: (AS, routes, BIRD bgp lines). Each test owns one BIRD and its vbrd peer.
BIRDS = {
    "b1": (65011, ["192.168.11.0/24", "192.168.12.0/24"], G.bird_gr(8)),
    "b2": (65012, ["192.168.21.0/24"], G.bird_gr(6)),
    "b3": (65013, ["192.168.31.0/24", "192.168.32.0/24"], G.bird_gr(8)),
    "b4": (65014, ["192.168.41.0/24"], "graceful restart off;"),
    "b5": (65015, ["192.168.51.0/24"], G.bird_gr(8)),
}
GROUP_GR_OFF = "b5"  # vbrd's group for this one has graceful_restart false


class HelperBird(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v"] + list(BIRDS), prefix=G.TAG)
        try:
            v = cls.lab.ip("v")
            cls.birds = {h: L.Bird(cls.lab, h, asn, v, routes=routes, bgp_extra=gr,
                                   extra=G.BIRD_GLOBAL).start()
                         for h, (asn, routes, gr) in BIRDS.items()}
            cls.vbrd = V.Vbrd(cls.lab, "v", args=[
                "--metrics-listen", "127.0.0.1:%d" % METRICS_PORT]).start()
            cls.watch = cls.vbrd.watch()
            cls.peers = {}
            for h, (asn, routes, _) in BIRDS.items():
                kw = {"graceful_restart": False} if h == GROUP_GR_OFF else {}
                g = cls.vbrd.group(h, asn, **kw)
                cls.peers[h] = cls.vbrd.peer(g.id, cls.lab.ip(h)).id
            G.wait_up(cls, {h: routes for h, (_, routes, _) in BIRDS.items()})
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls)

    def peer(self, host):
        return self.vbrd.get_peer(self.peers[host])

    def mark(self):
        return len(self.watch.drain())

    def assert_all_stale(self, host, routes):
        pid = self.peers[host]
        self.assertEqual(G.stale_flags(self.vbrd, pid), {r: True for r in routes})
        entries = G.bgp_entries(self.vbrd)
        for r in routes:
            self.assertTrue(entries[r].stale, entries[r])
            self.assertTrue(entries[r].installed, entries[r])
            self.assertEqual(entries[r].peer_id, pid)
        self.assertEqual(self.peer(host).stale_route_count, len(routes))

    def assert_gone_at_once(self, host):
        """After a kill: no ROUTES_STALE, and the routes leave the API and the kernel."""
        pid, routes = self.peers[host], BIRDS[host][1]
        since = self.mark()
        self.birds[host].kill()
        L.wait_for(lambda: not set(routes) & set(G.kernel_routes(self.lab)), 10,
                   what="routes gone from the kernel")
        self.assertEqual(self.vbrd.routes(pid), {})
        self.assertFalse(set(routes) & set(G.bgp_entries(self.vbrd)))
        self.assertEqual(G.events(self.watch, pid, "ROUTES_STALE", since), [])
        self.assertEqual(self.peer(host).stale_route_count, 0)

    def test_1_returns_in_time_and_reconciles_on_end_of_rib(self):
        host, (keep, dropped) = "b1", BIRDS["b1"][1]
        pid, bird = self.peers[host], self.birds[host]
        self.assertTrue(self.peer(host).graceful_restart_negotiated)
        self.assertEqual(G.stale_flags(self.vbrd, pid), {keep: False, dropped: False})
        since = self.mark()
        bird.kill()
        ev = G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        self.assertEqual(ev.reason, "session closed without a NOTIFICATION (graceful restart):"
                         " 2 routes kept stale for up to 8 s")
        self.assertNotEqual(self.vbrd.state_name(pid), "SESSION_STATE_ESTABLISHED")
        self.assert_all_stale(host, [keep, dropped])
        m = G.metrics(self.lab, METRICS_PORT)
        ip = self.lab.ip(host)
        self.assertEqual(m[("vbrd_bgp_peer_stale_routes", ip)], 2)
        self.assertEqual(m[("vbrd_bgp_peer_graceful_restarts_total", ip)], 1)
        # Away for 2 s, then back in recovery without `dropped`; the kernel is polled all along.
        t_kill = time.monotonic()
        gaps = G.watch_kernel(self.lab, [keep, dropped], lambda: time.monotonic() - t_kill > 2,
                              timeout=10)
        self.assertEqual(gaps, [], "a stale route left the kernel while BIRD was away")
        G.bird_drop_route(bird, dropped)
        bird.start(["-R"])
        gaps = G.watch_kernel(
            self.lab, [keep],
            lambda: G.events(self.watch, pid, "STALE_ROUTES_CLEARED", since), timeout=30)
        self.assertEqual(gaps, [], "the route BIRD announces again left the kernel")
        ev = G.events(self.watch, pid, "STALE_ROUTES_CLEARED", since)[0]
        self.assertEqual(ev.reason, "End-of-RIB received: 1 stale route not announced again "
                         "removed")
        self.assertEqual(self.vbrd.state_name(pid), "SESSION_STATE_ESTABLISHED")
        self.assertEqual(G.stale_flags(self.vbrd, pid), {keep: False})
        entries = G.bgp_entries(self.vbrd)
        self.assertNotIn(dropped, entries)
        self.assertFalse(entries[keep].stale)
        self.assertTrue(entries[keep].installed)
        L.wait_for(lambda: dropped not in G.kernel_routes(self.lab), 5,
                   what="the dropped route gone from the kernel")
        self.assertIn(keep, G.kernel_routes(self.lab))
        p = self.peer(host)
        self.assertEqual(p.stale_route_count, 0)
        self.assertTrue(p.graceful_restart_negotiated)
        self.assertEqual(G.metrics(self.lab, METRICS_PORT)[("vbrd_bgp_peer_stale_routes", ip)],
                         0)

    def test_2_not_back_within_restart_time(self):
        host, (route,) = "b2", BIRDS["b2"][1]
        pid = self.peers[host]
        since = self.mark()
        self.birds[host].kill()
        t_kill = time.monotonic()
        ev = G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        self.assertIn("1 route kept stale for up to 6 s", ev.reason)
        self.assert_all_stale(host, [route])
        # Kept for the restart time (checked up to 1 s before it ends, never on speed)...
        gaps = G.watch_kernel(self.lab, [route], lambda: time.monotonic() - t_kill > 5,
                              timeout=10)
        self.assertEqual(gaps, [], "removed before the restart time was over")
        self.assertTrue(G.stale_flags(self.vbrd, pid)[route])
        # ...then removed, with the reason.
        ev = G.wait_event(self.watch, pid, "STALE_ROUTES_CLEARED", 20, since)
        self.assertEqual(ev.reason, "the peer did not come back within its restart time (6 s):"
                         " 1 stale route not announced again removed")
        self.assertEqual(self.vbrd.routes(pid), {})
        self.assertNotIn(route, G.bgp_entries(self.vbrd))
        L.wait_for(lambda: route not in G.kernel_routes(self.lab), 5, what="kernel route gone")
        self.assertEqual(self.peer(host).stale_route_count, 0)

    def test_3_back_without_forwarding_state(self):
        host, routes = "b3", BIRDS["b3"][1]
        pid, bird = self.peers[host], self.birds[host]
        since = self.mark()
        bird.kill()
        G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        self.assert_all_stale(host, routes)
        bird.start()  # no -R: BIRD's OPEN has the F bit clear for IPv4 unicast
        ev = G.wait_event(self.watch, pid, "STALE_ROUTES_CLEARED", 30, since)
        self.assertEqual(ev.reason, "the peer restarted without keeping its forwarding state "
                         "(F bit clear): 2 stale routes not announced again removed")
        # BIRD announces them again: fresh, not stale.
        L.wait_for(lambda: G.stale_flags(self.vbrd, pid) == {r: False for r in routes}, 20,
                   what="routes announced again")
        L.wait_for(lambda: set(routes) <= set(G.kernel_routes(self.lab)), 10,
                   what="routes back in the kernel")

    def test_4_peer_without_graceful_restart(self):
        self.assertFalse(self.peer("b4").graceful_restart_negotiated)
        self.assert_gone_at_once("b4")

    def test_5_group_with_graceful_restart_off(self):
        g = self.vbrd.call("GetBgpGroup", V.pb.GetBgpGroupRequest(id=self.peer("b5").group_id))
        self.assertFalse(g.graceful_restart)
        self.assertFalse(self.peer("b5").graceful_restart_negotiated)
        self.assert_gone_at_once("b5")


if __name__ == "__main__":
    unittest.main(verbosity=2)
