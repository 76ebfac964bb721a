"""AS paths as they are (issue 14), against FRR over real TCP: FRR aggregates two networks
whose paths differ (`aggregate-address ... as-set summary-only`), so the aggregate carries an
AS_SET; vbrd lists it with Route.as_path_segments (SEQUENCE then SET, members as received)
and Route.as_path_text equal to FRR's own rendering with FRR's AS in front; vbrctl prints the
text and the reason a route is not accepted. A network FRR prepends vbrd's AS (45104) to is an AS loop (RFC 4271 9.1.2): listed with
accepted=false and its reason, counted received but not accepted, kept out of the route table
and the kernel, and not counted toward the route limit (1 here).
"""
import json
import os
import subprocess
import unittest

import lab as L
import vbrapi as V

NETS = {"10.20.1.0/24": "P1", "10.20.2.0/24": "P2", "10.30.0.0/24": "LOOP"}
MAPS = (" no bgp network import-check\n!\n"
        "route-map P1 permit 10\n set as-path prepend 65011\n!\n"
        "route-map P2 permit 10\n set as-path prepend 65012 65013\n!\n"
        "route-map LOOP permit 10\n set as-path prepend 45104\n!\n")


class AsPath(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "frr"])
        v = cls.lab.ip("v")
        cls.frr = L.Frr(cls.lab, "frr", 65020, v, bfd=False, routes=(),
                        af_extra="".join("  network %s route-map %s\n" % kv for kv in NETS.items())
                        + "  aggregate-address 10.20.0.0/16 as-set summary-only\n",
                        bgpd_tail=MAPS)
        cls.frr.start()
        cls.vbrd = V.Vbrd(cls.lab, "v").start()
        # A limit of one: the loop must not use it up, or the aggregate or the loop would be
        # refused for the limit, whichever came second.
        g = cls.vbrd.group("frr", 65020, route_limit=1)
        cls.peer = cls.vbrd.peer(g.id, cls.lab.ip("frr")).id
        cls.vbrd.wait_state(cls.peer, timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def frr_path(self, prefix):
        j = json.loads(self.frr.vtysh("bgpd", "show bgp ipv4 unicast %s json" % prefix))
        return j["paths"][0]["aspath"]["string"]

    def test_01_as_set_from_aggregate(self):
        L.wait_for(lambda: "10.20.0.0/16" in self.vbrd.routes(self.peer), 20,
                   what="FRR's aggregate at vbrd")
        r = self.vbrd.routes(self.peer)["10.20.0.0/16"]
        frr_text = self.frr_path("10.20.0.0/16")  # FRR's own rendering, e.g. "{65011,65012,65013}"
        self.assertIn("{", frr_text)
        self.assertEqual(r.as_path_text, "65020 " + frr_text)
        segs = [(V.pb.AsPathSegmentType.Name(s.type), list(s.asns)) for s in r.as_path_segments]
        self.assertEqual(segs[0], ("AS_PATH_SEGMENT_TYPE_SEQUENCE", [65020]))
        self.assertEqual(segs[-1][0], "AS_PATH_SEGMENT_TYPE_SET")
        self.assertEqual(sorted(segs[-1][1]), [65011, 65012, 65013])
        # as_path stays the flattened path, for compatibility.
        self.assertEqual(list(r.as_path), [a for _, asns in segs for a in asns])
        self.assertTrue(r.accepted)

    def test_02_as_loop_not_accepted(self):
        L.wait_for(lambda: "10.30.0.0/24" in self.vbrd.routes(self.peer), 20,
                   what="the looping route listed")
        r = self.vbrd.routes(self.peer)["10.30.0.0/24"]
        self.assertEqual(list(r.as_path), [65020, 45104])
        self.assertFalse(r.accepted)
        self.assertEqual(r.not_accepted_reason, "AS loop: 45104 in AS_PATH")
        p = self.vbrd.get_peer(self.peer)
        routes = self.vbrd.routes(self.peer)
        self.assertEqual(p.received_route_count, len(routes))
        self.assertEqual(p.accepted_route_count, len(routes) - 1)

    def test_02b_loop_kept_out_of_route_table_and_kernel(self):
        """RFC 4271 9.1.2: the loop is only listed; the accepted aggregate is in the route
        table and the kernel (proto bgp), the loop in neither; the limit of one is not
        reached (the loop does not count toward it)."""
        L.wait_for(lambda: len(self.vbrd.routes(self.peer)) == 2, 20, what="2 routes")
        entries = L.wait_for(lambda: (lambda e: e if "10.20.0.0/16" in e else None)(
            {x.destination_cidr: x for x in self.vbrd.route_entries(V.pb.ROUTE_SOURCE_BGP)}),
            10, what="the aggregate in the route table")
        self.assertNotIn("10.30.0.0/24", entries)
        L.wait_for(lambda: self.lab.exec("v", ["ip", "route", "show", "10.20.0.0/16"]
                                         ).stdout.strip(), 10, what="the aggregate in the kernel")
        self.assertEqual(self.lab.exec("v", ["ip", "route", "show", "10.30.0.0/24"]).stdout.strip(),
                         "")
        loop = self.vbrd.routes(self.peer)["10.30.0.0/24"]
        self.assertEqual(loop.not_accepted_reason, "AS loop: 45104 in AS_PATH")
        self.assertTrue(self.vbrd.routes(self.peer)["10.20.0.0/16"].accepted)

    def test_03_vbrctl_prints_text_and_reason(self):
        L.wait_for(lambda: len(self.vbrd.routes(self.peer)) == 2, 20, what="2 routes")
        vbrctl = os.path.join(os.path.dirname(V.VBRD), "vbrctl")
        out = subprocess.run([vbrctl, "--server", "unix:" + self.vbrd.sock, "routes",
                              self.lab.ip("frr")], capture_output=True, text=True,
                             timeout=20, check=True).stdout
        print("\n" + out)  # shown with ctest -V (README)
        rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
        self.assertIn(" 65020 {65011,65012,65013} ", rows["10.20.0.0/16"])
        self.assertTrue(rows["10.20.0.0/16"].rstrip().endswith("yes"))
        self.assertIn(" 65020 45104 ", rows["10.30.0.0/24"])
        self.assertTrue(rows["10.30.0.0/24"].rstrip().endswith("no (AS loop: 45104 in AS_PATH)"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
