"""Route limits: a peer announcing 150 routes against a limit of 100. DROP (the default): 100
accepted, 50 flagged not accepted in ListRoutes, the session stays up, exactly one
ROUTE_LIMIT_REACHED event; withdrawals promote the held routes, ROUTE_LIMIT_CLEARED says the
peer is back below. TEARDOWN: vbrd sends Cease / Maximum Number of Prefixes Reached
(RFC 4486), which the peer logs, and tries again only after an idle time.
"""
import time
import unittest

import lab as L
import vbrapi as V

EST = "SESSION_STATE_ESTABLISHED"
ROUTES = ["10.%d.%d.0/24" % (100 + i // 100, i % 100) for i in range(150)]
# The DROP peer announces ROUTES from two static protocols, so disabling s5 withdraws 90.
S5 = "protocol static s5 { ipv4;\n%s}\n" % "".join("  route %s blackhole;\n" % r
                                                    for r in ROUTES[60:])


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "drop", "teardown"])
        v = cls.lab.ip("v")
        cls.drop = L.Bird(cls.lab, "drop", 65001, v, routes=ROUTES[:60], extra=S5).start()
        cls.tear = L.Bird(cls.lab, "teardown", 65002, v, routes=ROUTES).start()
        cls.vbrd = V.Vbrd(cls.lab, "v").start()
        cls.watch = cls.vbrd.watch()
        g = cls.vbrd.group("limit-drop", 65001)  # route_limit defaults to 100, action DROP
        cls.p_drop = cls.vbrd.peer(g.id, cls.lab.ip("drop")).id
        g = cls.vbrd.group("limit-teardown", 65002, route_limit=100,
                           route_limit_action=V.pb.ROUTE_LIMIT_ACTION_TEARDOWN)
        cls.p_tear = cls.vbrd.peer(g.id, cls.lab.ip("teardown")).id

    @classmethod
    def tearDownClass(cls):
        cls.watch.cancel()
        cls.lab.close(finish=cls.vbrd)

    def limit_events(self, peer_id, kind=None):
        kind = V.pb.PEER_EVENT_KIND_ROUTE_LIMIT_REACHED if kind is None else kind
        self.watch.drain()
        return [e for e in self.watch.events if e.kind == kind and e.peer_id == peer_id]

    def counts(self, peer_id):
        p = self.vbrd.get_peer(peer_id)
        return p.received_route_count, p.accepted_route_count

    def test_03_withdrawals_promote_held_routes(self):
        """Issue 14: the route limit tracks the peer. 150 held against 100: BIRD withdraws 90
        (some accepted, some held), every remaining route is accepted and the limit's
        clearing is an event; announcing them again is a new crossing."""
        L.wait_for(lambda: self.counts(self.p_drop) == (150, 100), 20, what="150/100")
        self.assertIn("disabled", self.drop.cli("disable s5"))
        L.wait_for(lambda: self.counts(self.p_drop) == (60, 60), 15,
                   what="60 received, 60 accepted after the withdrawals")
        routes = self.vbrd.routes(self.p_drop)
        self.assertEqual(sorted(routes), sorted(ROUTES[:60]))
        self.assertTrue(all(r.accepted and r.not_accepted_reason == ""
                            for r in routes.values()))
        self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_ROUTE_LIMIT_CLEARED and
                        e.peer_id == self.p_drop, 10, what="ROUTE_LIMIT_CLEARED")
        cleared = self.limit_events(self.p_drop, V.pb.PEER_EVENT_KIND_ROUTE_LIMIT_CLEARED)
        self.assertEqual(len(cleared), 1, cleared)
        self.assertIn("below the route limit of 100", cleared[0].reason)
        self.assertIn("enabled", self.drop.cli("enable s5"))
        L.wait_for(lambda: self.counts(self.p_drop) == (150, 100), 15, what="150/100 again")
        routes = self.vbrd.routes(self.p_drop)
        refused = [r for r in routes.values() if not r.accepted]
        self.assertEqual(len(refused), 50)
        self.assertTrue(all(r.not_accepted_reason == "route limit 100 reached" for r in refused))
        # The first 60 stayed accepted: the held ones are from s5.
        self.assertTrue(all(routes[p].accepted for p in ROUTES[:60]))
        self.assertEqual(len(self.limit_events(self.p_drop)), 2)

    def test_04_reannounce_counts_once(self):
        """Issue 14: the limit counts what the peer has now. BIRD sends all 150 routes again
        with new attributes (an export filter setting MED, applied by `configure`, which
        re-exports without a session reset): still 150 received, 100 accepted, the same 50
        held, each route carrying the new MED, and no new ROUTE_LIMIT_REACHED."""
        L.wait_for(lambda: self.counts(self.p_drop) == (150, 100), 20, what="150/100")
        before = self.vbrd.routes(self.p_drop)
        held = sorted(p for p, r in before.items() if not r.accepted)
        self.assertEqual(len(held), 50)
        est = self.vbrd.get_peer(self.p_drop).established_time
        events = len(self.limit_events(self.p_drop))
        with open(self.drop.conf) as f:
            conf = f.read()
        self.assertIn("export all;", conf)
        with open(self.drop.conf, "w") as f:
            f.write(conf.replace("export all;", "export filter { bgp_med = 7; accept; };", 1))
        self.assertIn("Reconfigured", self.drop.cli("configure"))

        def all_med7():
            rs = self.vbrd.routes(self.p_drop)
            return len(rs) == 150 and all(r.HasField("med") and r.med == 7 for r in rs.values())
        L.wait_for(all_med7, 15, what="all 150 routes re-announced with MED 7")
        time.sleep(1)  # let any late recount show
        self.assertEqual(self.counts(self.p_drop), (150, 100))
        after = self.vbrd.routes(self.p_drop)
        self.assertEqual(sorted(p for p, r in after.items() if not r.accepted), held)
        self.assertEqual(len(self.limit_events(self.p_drop)), events)
        p = self.vbrd.get_peer(self.p_drop)
        self.assertEqual(p.established_time, est)  # the same session throughout

    def test_01_drop_keeps_session_and_flags_the_rest(self):
        self.vbrd.wait_state(self.p_drop, timeout=20)
        L.wait_for(lambda: self.vbrd.get_peer(self.p_drop).received_route_count == 150, 15,
                   what="150 received")
        p = self.vbrd.get_peer(self.p_drop)
        self.assertEqual(p.accepted_route_count, 100)
        routes = self.vbrd.routes(self.p_drop)
        self.assertEqual(len(routes), 150)
        self.assertEqual(sum(1 for r in routes.values() if r.accepted), 100)
        self.assertEqual(sum(1 for r in routes.values() if not r.accepted), 50)
        self.assertEqual(sorted(routes), sorted(ROUTES))
        time.sleep(2)  # the session stays up, and no second event for the same crossing
        self.assertEqual(self.vbrd.state_name(self.p_drop), EST)
        self.assertEqual(self.drop.state(), "Established")
        self.assertNotIn("Maximum number of prefixes", self.drop.log())
        evs = self.limit_events(self.p_drop)
        self.assertEqual(len(evs), 1, evs)
        self.assertEqual(evs[0].peer_ip, self.lab.ip("drop"))

    def test_02_teardown_sends_cease_max_prefixes(self):
        L.wait_for(lambda: "Maximum number of prefixes reached" in self.tear.log(), 20,
                   what="BIRD logs Cease / Maximum Number of Prefixes Reached")
        self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_ROUTE_LIMIT_REACHED and
                        e.peer_id == self.p_tear, 10, what="ROUTE_LIMIT_REACHED")
        L.wait_for(lambda: "Maximum Number of Prefixes" in
                   self.vbrd.get_peer(self.p_tear).last_error, 10, what="last_error")
        downs = self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                                e.peer_id == self.p_tear and
                                e.old_state == V.state("ESTABLISHED"), 10,
                                what="STATE_CHANGED out of Established")
        self.assertIn("Maximum Number of Prefixes", downs[0].reason)
        self.assertEqual(downs[0].new_state, V.state("IDLE"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
