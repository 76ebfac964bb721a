"""vbrd's kernel routes changed by someone else, against BIRD in a lab namespace: vbrd has a BGP
route (192.168.31.0/24 from BIRD) and a static entry (10.95.0.0/24 via BIRD) in the kernel.

- Both deleted by hand (`ip route del ... proto bgp|210`): vbrd writes them again within
  seconds (it reads its routes back after the kernel's route event), counts them in
  vbrd_fib_routes_restored_total, and they stay installed in ListRouteEntries.
- vbrd's own removal (BIRD withdraws the route) is not taken for someone else's: the counter
  does not move, and the route stays out of the kernel.
- Someone else's route put in place of vbrd's static one at vbrd's metric (`ip route
  replace`, protocol boot): vbrd does not overwrite it; its entry says it is not installed
  and why. When that route is deleted, vbrd installs its own again.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kernel as K  # noqa: E402

L = K.L
import vbrapi as V  # noqa: E402

BGP_PFX, STATIC = "192.168.31.0/24", "10.95.0.0/24"
PORT = 9187
RESTORED = "vbrd_fib_routes_restored_total"


class ForeignChanges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "dc"], prefix="f4")
        try:
            cls.dc = cls.lab.ip("dc")
            cls.bird = L.Bird(cls.lab, "dc", 65031, cls.lab.ip("v"), routes=[BGP_PFX]).start()
            cls.vbrd = V.Vbrd(cls.lab, "v", ["--metrics-listen", "127.0.0.1:%d" % PORT]).start()
            g = cls.vbrd.group("dc", 65031)
            cls.peer = cls.vbrd.peer(g.id, cls.dc).id
            cls.static = cls.vbrd.static(STATIC, cls.dc)
            cls.vbrd.wait_state(cls.peer, timeout=30)
            K.wait_via(cls.lab, "v", BGP_PFX, cls.dc, 20)
            K.wait_via(cls.lab, "v", STATIC, cls.dc, 10)
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def restored(self):
        return K.metric(self.lab, "v", PORT, RESTORED)

    def ip_route(self, *args):
        self.lab.exec("v", ["ip", "route"] + list(args))

    def test_1_deleted_by_hand_comes_back(self):
        before = self.restored()
        self.ip_route("del", BGP_PFX, "proto", "bgp", "metric", str(K.METRIC))
        self.ip_route("del", STATIC, "proto", "210", "metric", str(K.METRIC))
        K.wait_via(self.lab, "v", BGP_PFX, self.dc, 10)
        K.wait_via(self.lab, "v", STATIC, self.dc, 10)
        L.wait_for(lambda: self.restored() == before + 2, 5, what="2 routes counted restored")
        for src, pfx in ((V.pb.ROUTE_SOURCE_BGP, BGP_PFX), (V.pb.ROUTE_SOURCE_STATIC, STATIC)):
            self.assertTrue(self.vbrd.route_entry(pfx, src).installed)

    def test_2_own_removal_is_not_restored(self):
        before = self.restored()
        self.bird.cli("disable s4")
        K.wait_via(self.lab, "v", BGP_PFX, None, 10)
        time.sleep(1.5)  # past a read-back (at most one a second)
        self.assertIsNone(K.via(self.lab, "v", BGP_PFX))
        self.assertEqual(self.restored(), before)
        self.bird.cli("enable s4")
        K.wait_via(self.lab, "v", BGP_PFX, self.dc, 20)

    def test_3_someone_elses_route_is_left_alone(self):
        self.ip_route("replace", STATIC, "dev", "eth0", "proto", "boot", "metric",
                      str(K.METRIC))
        L.wait_for(lambda: not self.vbrd.route_entry(STATIC, V.pb.ROUTE_SOURCE_STATIC).installed,
                   10, what="the static entry not installed")
        e = self.vbrd.route_entry(STATIC, V.pb.ROUTE_SOURCE_STATIC)
        self.assertIn("another route (not vbrd's) holds this prefix", e.status_reason)
        theirs = [r for r in K.routes(self.lab, "v") if r["dst"] == STATIC]
        # iproute2's JSON leaves out protocol boot, the default.
        self.assertEqual([(r["protocol"], r["gateway"]) for r in theirs], [("", None)])
        # Once theirs goes, the prefix is vbrd's again: the static entry is installed.
        self.ip_route("del", STATIC, "proto", "boot", "metric", str(K.METRIC))
        K.wait_via(self.lab, "v", STATIC, self.dc, 10)
        L.wait_for(lambda: self.vbrd.route_entry(STATIC, V.pb.ROUTE_SOURCE_STATIC).installed,
                   5, what="the static entry installed again")


if __name__ == "__main__":
    unittest.main(verbosity=2)
