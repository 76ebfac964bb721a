"""Established with BIRD 2 and GoBGP; networks and routes exchanged both ways; network add and
delete reach every peer; sessions come up soon after CreateBgpPeer; STATE_CHANGED events.

vbrd is driven only through its gRPC API; what the peers learned is read from their own CLIs.
"""
import time
import unittest

import lab as L
import vbrapi as V


class Exchange(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "bird", "gobgp"])
        v = cls.lab.ip("v")
        cls.bird = L.Bird(cls.lab, "bird", 65001, v,
                          routes=["198.51.100.0/24", "198.51.101.0/25"]).start()
        cls.gobgp = L.GoBgp(cls.lab, "gobgp", 4200000001, v).start()
        cls.gobgp.add_route("100.64.2.0/24", aspath=[64999])
        cls.vbrd = V.Vbrd(cls.lab, "v").start()
        cls.vbrd.network("203.0.113.0/24")
        cls.watch = cls.vbrd.watch()
        g1 = cls.vbrd.group("dc-bird", 65001)
        g2 = cls.vbrd.group("dc-gobgp", 4200000001)
        t0 = time.time()
        cls.p_bird = cls.vbrd.peer(g1.id, cls.lab.ip("bird")).id
        cls.p_gobgp = cls.vbrd.peer(g2.id, cls.lab.ip("gobgp")).id
        cls.vbrd.wait_state(cls.p_bird, timeout=20)
        cls.vbrd.wait_state(cls.p_gobgp, timeout=20)
        cls.up_seconds = time.time() - t0

    @classmethod
    def tearDownClass(cls):
        cls.watch.cancel()
        cls.lab.close(finish=cls.vbrd)

    def test_01_established_on_both_sides(self):
        L.wait_for(lambda: self.bird.state() == "Established", 10, what="bird Established")
        L.wait_for(lambda: self.gobgp.state() == "established", 10, what="gobgp established")
        p = self.vbrd.get_peer(self.p_bird)
        self.assertEqual(p.bgp_status, V.pb.BGP_STATUS_ESTABLISHED)
        self.assertEqual(p.remote_router_id, self.lab.ip("bird"))
        self.assertEqual(p.negotiated_hold_time, 30)  # ours (30) is below BIRD's 240
        self.assertTrue(p.HasField("established_time"))
        q = self.vbrd.get_peer(self.p_gobgp)
        self.assertEqual(q.peer_asn, 4200000001)  # 4-byte ASN works
        print("sessions up %.2fs after CreateBgpPeer" % self.up_seconds)

    def test_02_our_network_at_each_peer(self):
        v = self.lab.ip("v")
        r = L.wait_for(lambda: self.bird.routes().get("203.0.113.0/24"), 10,
                       what="network at bird")
        self.assertEqual(r["as_path"], [45104])
        self.assertEqual(r["next_hop"], v)
        r = L.wait_for(lambda: self.gobgp.adj_in().get("203.0.113.0/24"), 10,
                       what="network at gobgp")
        self.assertEqual(r["as_path"], [45104])
        self.assertEqual(r["next_hop"], v)
        adv = self.vbrd.routes(self.p_bird, advertised=True)
        self.assertEqual(list(adv), ["203.0.113.0/24"])
        self.assertEqual(list(adv["203.0.113.0/24"].as_path), [45104])
        self.assertEqual(adv["203.0.113.0/24"].next_hop, v)
        self.assertEqual(self.vbrd.get_peer(self.p_gobgp).advertised_route_count, 1)

    def test_03_their_routes_at_vbrd(self):
        got = L.wait_for(lambda: (lambda r: r if len(r) == 2 else None)(
            self.vbrd.routes(self.p_bird)), 10, what="bird routes at vbrd")
        self.assertEqual(sorted(got), ["198.51.100.0/24", "198.51.101.0/25"])
        for rt in got.values():
            self.assertEqual(list(rt.as_path), [65001])
            self.assertEqual(rt.next_hop, self.lab.ip("bird"))
            self.assertTrue(rt.accepted)
        got = L.wait_for(lambda: self.vbrd.routes(self.p_gobgp).get("100.64.2.0/24"), 10,
                         what="gobgp route at vbrd")
        self.assertEqual(list(got.as_path), [4200000001, 64999])
        self.assertEqual(got.next_hop, self.lab.ip("gobgp"))
        p = self.vbrd.get_peer(self.p_bird)
        self.assertEqual((p.received_route_count, p.accepted_route_count), (2, 2))

    def test_04_network_add_and_delete_reach_every_peer(self):
        # Timing figures are in the benchmarks; here a generous bound.
        t0 = time.time()
        self.vbrd.network("192.0.2.128/25")
        L.wait_for(lambda: "192.0.2.128/25" in self.bird.routes(), 5, what="add at bird")
        L.wait_for(lambda: "192.0.2.128/25" in self.gobgp.adj_in(), 5, what="add at gobgp")
        t1 = time.time()
        # The count follows a network added while Established, without another change.
        L.wait_for(lambda: self.vbrd.get_peer(self.p_bird).advertised_route_count == 2, 2,
                   what="advertised_route_count 2")
        self.vbrd.del_network("192.0.2.128/25")
        L.wait_for(lambda: "192.0.2.128/25" not in self.bird.routes(), 5, what="del at bird")
        L.wait_for(lambda: "192.0.2.128/25" not in self.gobgp.adj_in(), 5, what="del at gobgp")
        L.wait_for(lambda: self.vbrd.get_peer(self.p_gobgp).advertised_route_count == 1, 2,
                   what="advertised_route_count back to 1")
        print("network add seen at both peers in %.3fs, delete in %.3fs"
              % (t1 - t0, time.time() - t1))
        self.assertIn("203.0.113.0/24", self.bird.routes())

    def test_05_state_changed_events(self):
        evs = self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                              e.peer_id == self.p_bird and
                              e.new_state == V.state("ESTABLISHED"), 5,
                              what="STATE_CHANGED to Established")
        e = evs[0]
        self.assertEqual(e.old_state, V.state("OPEN_CONFIRM"))
        self.assertTrue(e.reason)
        chain = [(x.old_state, x.new_state) for x in self.watch.events
                 if x.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and x.peer_id == self.p_bird]
        self.assertEqual(chain[0][0], V.state("IDLE"))
        for (a, b), (c, d) in zip(chain, chain[1:]):
            self.assertEqual(b, c, "events chain: %r" % chain)


if __name__ == "__main__":
    unittest.main(verbosity=2)
