"""A peer that restarts while vbrd never sees its old connection end (RFC 4724 4.2), played by
a scripted speaker (tests/sessions/bgpspeak.py reconnect) in its own namespace: it reaches
Established, announces a route and End-of-RIB, then connects again with the Restart State bit
while its old connection stays open and silent.

- With graceful restart negotiated, vbrd takes the new connection as the peer's restart: the
  old connection is closed (no NOTIFICATION), the session goes down with a reason naming
  RFC 4724 4.2, the route is kept stale (ROUTES_STALE, ListRoutes) and stays in the kernel
  throughout; the new session comes up and, at its End-of-RIB, the route is fresh again.
- Without graceful restart (the speaker offers none), RFC 4271 6.8 holds: the new connection
  is refused, the Established session and its route stay, nothing goes stale.
"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402

L, V = G.L, G.V
SPEAKER = os.path.join(G.HERE, "..", "sessions", "bgpspeak.py")
CASES = {"gr": (65071, "192.168.71.0/24", True), "plain": (65072, "192.168.72.0/24", False)}


class PeerReconnect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v"] + list(CASES), prefix=G.TAG)
        try:
            cls.vbrd = V.Vbrd(cls.lab, "v").start()
            cls.watch = cls.vbrd.watch()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls)

    def start_speaker(self, host):
        asn, prefix, gr = CASES[host]
        out = self.lab.path("reconnect-%s.json" % host)
        sp = self.lab.spawn(host, ["/usr/bin/python3", SPEAKER, "reconnect", self.lab.ip(host),
                                   self.lab.ip("v"), str(asn), self.lab.ip(host), prefix,
                                   "1" if gr else "0", out], "speak-" + host)
        g = self.vbrd.group("rc-" + host, asn)
        pid = self.vbrd.peer(g.id, self.lab.ip(host)).id
        L.wait_for(lambda: os.path.exists(out + ".up") or not sp.alive(), 30,
                   what="%s Established" % host)
        self.assertTrue(sp.alive(), sp.text())
        L.wait_for(lambda: prefix in G.kernel_routes(self.lab), 20, what="%s in the kernel" % prefix)
        self.assertEqual(G.stale_flags(self.vbrd, pid), {prefix: False})
        self.assertEqual(self.vbrd.get_peer(pid).graceful_restart_negotiated, gr)
        return sp, out, pid, prefix

    def result(self, sp, out):
        L.wait_for(lambda: os.path.exists(out) or not sp.alive(), 30, what="speaker result")
        self.assertTrue(os.path.exists(out), sp.text())
        with open(out) as f:
            return json.load(f)

    def test_graceful_restart_takes_the_new_connection(self):
        sp, out, pid, prefix = self.start_speaker("gr")
        since = len(self.watch.drain())
        open(out + ".go", "w").close()
        down = self.watch.wait(lambda e: e.peer_id == pid and
                               e.kind == G.kind("STATE_CHANGED") and
                               e.old_state == V.pb.SESSION_STATE_ESTABLISHED, 10,
                               what="the old session down")[0]
        self.assertEqual(down.reason, "new connection from the peer while Established: it "
                         "restarted (RFC 4724 4.2)")
        ev = G.wait_event(self.watch, pid, "ROUTES_STALE", 10, since)
        self.assertIn("1 route kept stale", ev.reason)
        # The new session is up (the speaker waits for .eor before announcing again): the
        # route is stale, and in the kernel all along until End-of-RIB refreshes it.
        self.vbrd.wait_state(pid, timeout=10)
        self.assertEqual(G.stale_flags(self.vbrd, pid), {prefix: True})
        until = time.monotonic() + 1
        gaps = G.watch_kernel(self.lab, [prefix], lambda: time.monotonic() > until, 5)
        open(out + ".eor", "w").close()
        gaps += G.watch_kernel(self.lab, [prefix], lambda: not any(
            G.stale_flags(self.vbrd, pid).values()), 15)
        self.assertEqual(gaps, [], "the route left the kernel during the peer's restart")
        res = self.result(sp, out)
        self.assertEqual(res, {"old": "closed", "new": "established"})
        ev = G.wait_event(self.watch, pid, "STALE_ROUTES_CLEARED", 10, since)
        self.assertEqual(ev.reason, "End-of-RIB received: no stale route left")
        self.assertEqual(self.vbrd.get_peer(pid).stale_route_count, 0)

    def test_without_graceful_restart_the_established_session_stays(self):
        sp, out, pid, prefix = self.start_speaker("plain")
        since = len(self.watch.drain())
        open(out + ".go", "w").close()
        res = self.result(sp, out)
        self.assertTrue(res["new"].startswith("refused"), res)
        self.assertEqual(res["old"], "open", res)
        self.assertEqual(self.vbrd.state_name(pid), "SESSION_STATE_ESTABLISHED")
        self.assertEqual(G.stale_flags(self.vbrd, pid), {prefix: False})
        self.assertEqual(G.events(self.watch, pid, "ROUTES_STALE", since), [])
        self.assertIn(prefix, G.kernel_routes(self.lab))


if __name__ == "__main__":
    unittest.main(verbosity=2)
