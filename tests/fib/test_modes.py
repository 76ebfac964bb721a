"""vbrd when it must not or cannot write the kernel FIB, against BIRD in a lab namespace.

One vbrd state (a BGP peer announcing 192.168.30.0/24, a static entry 10.97.0.0/24 via BIRD's
address on the lab network) run three ways, one after the other: `--fib off` (nothing in the
kernel, every entry installed=false saying why), without CAP_NET_ADMIN (vbrd runs, the same
with the capability named, said once in its log), then with the FIB on (both installed: the
state is installable, so the two runs before show the mode, not a bad route), and with
`--fib-table 100` (there, and nothing in main).
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

BGP_PFX = "192.168.30.0/24"
STATIC, STATIC2 = "10.97.0.0/24", "10.96.0.0/24"
NO_CAP = "cannot write the kernel FIB (no CAP_NET_ADMIN)"
# vbrd's bounding and inheritable sets without CAP_NET_ADMIN: root keeps everything else.
DROP = ["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin", "--"]


class Modes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "dc"], prefix="f1")
        try:
            cls.dc = cls.lab.ip("dc")
            cls.bird = L.Bird(cls.lab, "dc", 65030, cls.lab.ip("v"), routes=[BGP_PFX]).start()
            cls.vbrd = V.Vbrd(cls.lab, "v")
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def run_vbrd(self, prefix=(), args=()):
        self.vbrd.rerun(wrap=prefix, args=args)  # stopped first if a test failed half way
        if not self.vbrd.call("ListBgpPeers", V.pb.ListBgpPeersRequest()).peers:
            g = self.vbrd.group("dc", 65030)
            self.vbrd.peer(g.id, self.dc)
            self.vbrd.static(STATIC, self.dc)
        self.peer = self.vbrd.call("ListBgpPeers", V.pb.ListBgpPeersRequest()).peers[0].id
        self.vbrd.wait_state(self.peer, timeout=30)
        return L.wait_for(lambda: self.vbrd.route_entry(BGP_PFX, V.pb.ROUTE_SOURCE_BGP), 20,
                          what="BGP entry")

    def entries(self):
        return [e for e in self.vbrd.route_entries()
                if e.source in (V.pb.ROUTE_SOURCE_BGP, V.pb.ROUTE_SOURCE_STATIC)]

    def not_installed(self, reason):
        es = self.entries()
        self.assertEqual(sorted(e.destination_cidr for e in es), [STATIC, BGP_PFX])
        for e in es:
            self.assertFalse(e.installed, e)
            self.assertIn(reason, e.status_reason)
        time.sleep(0.5)  # room for a write that should not happen
        self.assertEqual(K.ours(self.lab, "v"), {})

    def test_1_fib_off(self):
        self.run_vbrd(args=["--fib", "off"])
        r = self.vbrd.call("GetRouter", V.pb.GetRouterRequest())
        self.assertFalse(r.fib_enabled)
        self.not_installed("FIB programming is off (--fib off)")
        self.assertEqual(self.vbrd.stop(), 0)
        self.assertEqual(K.ours(self.lab, "v"), {})

    def test_2_without_cap_net_admin(self):
        self.run_vbrd(prefix=DROP)
        self.not_installed("no CAP_NET_ADMIN")
        # More changes and the writer's status polls (every 2 s): still said only once.
        e = self.vbrd.static(STATIC2, self.dc)
        self.bird.cli("disable s4")
        L.wait_for(lambda: self.vbrd.route_entry(BGP_PFX, V.pb.ROUTE_SOURCE_BGP) is None, 10,
                   what="BGP entry withdrawn")
        self.bird.cli("enable s4")
        L.wait_for(lambda: self.vbrd.route_entry(BGP_PFX, V.pb.ROUTE_SOURCE_BGP), 10,
                   what="BGP entry back")
        self.assertFalse(self.vbrd.route_entry(STATIC2, V.pb.ROUTE_SOURCE_STATIC).installed)
        self.vbrd.call("DeleteRouteEntry", V.pb.DeleteRouteEntryRequest(id=e.id))
        time.sleep(2.5)
        self.assertEqual(self.vbrd.log().count(NO_CAP), 1, self.vbrd.log())
        self.assertEqual(K.ours(self.lab, "v"), {})
        self.assertEqual(self.vbrd.stop(), 0)

    def test_3_fib_on_installs_the_same_state(self):
        self.run_vbrd()
        K.wait_via(self.lab, "v", BGP_PFX, self.dc, 10)
        K.wait_via(self.lab, "v", STATIC, self.dc, 10)
        for e in self.entries():
            self.assertTrue(e.installed, e)
        self.assertNotIn(NO_CAP, self.vbrd.log())
        self.assertEqual(self.vbrd.stop(), 0)
        self.assertEqual(K.ours(self.lab, "v"), {})

    def test_4_another_table(self):
        self.run_vbrd(args=["--fib-table", "100"])
        self.assertEqual(self.vbrd.call("GetRouter", V.pb.GetRouterRequest()).fib_table, 100)
        K.wait_via(self.lab, "v", BGP_PFX, self.dc, 10, table=100)
        K.wait_via(self.lab, "v", STATIC, self.dc, 10, table=100)
        self.assertEqual(K.ours(self.lab, "v"), {})  # main untouched
        self.assertEqual(self.vbrd.stop(), 0)
        self.assertEqual(K.ours(self.lab, "v", table=100), {})


if __name__ == "__main__":
    unittest.main(verbosity=2)
