"""Connection collision (RFC 4271 6.8) against a scripted BGP speaker of the test's own: it
accepts vbrd's connection AND opens its own to vbrd, then sends OPEN on both. vbrd must keep the
connection initiated by the side with the higher BGP Identifier and close the other with
Cease / Connection Collision Resolution (6/7); the session then comes up on the survivor.
Both orders of identifiers are tried. The speaker runs in its own namespace (tests/sessions/
bgpspeak.py), so everything it saw is reported back as JSON.
"""
import json
import os
import unittest

import lab as L
import vbrapi as V

HERE = os.path.dirname(os.path.abspath(__file__))


class Collision(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "hi", "lo"])
        cls.vbrd = V.Vbrd(cls.lab, "v").start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.vbrd.finish()
        finally:
            cls.lab.close()

    def run_case(self, host, asn, bgp_id):
        # The scripted peer listens first, then the peer is configured (vbrd connects at once).
        out = self.lab.path("collision-%s.json" % host)
        sp = self.lab.spawn(host, ["/usr/bin/python3", os.path.join(HERE, "bgpspeak.py"),
                                   "collide", self.lab.ip(host), self.lab.ip("v"), str(asn),
                                   bgp_id, out], "speak-" + host)
        L.wait_for(lambda: os.path.exists(out + ".listening"), 10, what="speaker listening")
        g = self.vbrd.group("coll-" + host, asn)
        pid = self.vbrd.peer(g.id, self.lab.ip(host)).id
        L.wait_for(lambda: os.path.exists(out) or not sp.alive(), 30, what="speaker result")
        self.assertTrue(os.path.exists(out), sp.text())
        with open(out) as f:
            res = json.load(f)
        return pid, res

    def test_peer_with_higher_id_wins(self):
        # 10.10.0.200 > vbrd's 10.10.0.1: the connection the peer opened is kept.
        pid, res = self.run_case("hi", 65010, "10.10.0.200")
        self.assertEqual(res["dumped"], "ours_accepted", res)  # vbrd's outgoing one
        self.assertEqual(res["dumped_notification"], [6, 7], res)
        self.assertEqual(res["established_on"], "ours_connected", res)
        self.vbrd.wait_state(pid)
        p = self.vbrd.get_peer(pid)
        self.assertEqual(p.remote_router_id, "10.10.0.200")

    def test_peer_with_lower_id_loses(self):
        # 1.1.1.1 < 10.10.0.1: vbrd keeps the connection it opened itself.
        pid, res = self.run_case("lo", 65011, "1.1.1.1")
        self.assertEqual(res["dumped"], "ours_connected", res)
        self.assertEqual(res["dumped_notification"], [6, 7], res)
        self.assertEqual(res["established_on"], "ours_accepted", res)
        self.vbrd.wait_state(pid)
        self.assertEqual(self.vbrd.get_peer(pid).remote_router_id, "1.1.1.1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
