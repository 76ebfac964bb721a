"""A full table into the kernel: 20,000 prefixes from BIRD, every one in vbrd's namespace table
and listed installed, no FIB failure; without CAP_NET_ADMIN every one refused with EPERM (not
a lost answer); kill -9 and a restart leave one route per prefix; SIGTERM exits 0 within 20 s
and takes every route of vbrd's out of the kernel.

The regression: with one netlink answer per route, a datagram's ~500 answers overran the
socket's receive buffer (ENOBUFS: routes reported failed though the kernel took them), then
the writer blocked for answers the kernel had dropped, and a SIGTERM never finished.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bench", "ingest"))
import kernel as K  # noqa: E402
from ingest import write_routes  # noqa: E402

L = K.L
import vbrapi as V  # noqa: E402

N = 20000
METRICS = 9183
DROP = ["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin", "--"]


class FullTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "dc"], prefix="f1")
        try:
            routes = cls.lab.path("routes.conf")
            write_routes(routes, N)
            cls.bird = L.Bird(cls.lab, "dc", 65040, cls.lab.ip("v"), include=routes).start()
            L.wait_for(lambda: "%d" % N in cls.bird.cli("show route count"), 60,
                       what="BIRD's table")
            cls.vbrd = V.Vbrd(cls.lab, "v", args=["--metrics-listen", "127.0.0.1:%d" % METRICS])
            cls.base = K.prefix_count(cls.lab, "v")
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def start(self, prefix=()):
        self.vbrd.rerun(wrap=prefix)  # stopped first if a test before failed half way
        peers = self.vbrd.call("ListBgpPeers", V.pb.ListBgpPeersRequest()).peers
        if not peers:
            g = self.vbrd.group("dc", 65040, route_limit=100000)
            peers = [self.vbrd.peer(g.id, self.lab.ip("dc"))]
        self.vbrd.wait_state(peers[0].id, timeout=30)
        L.wait_for(lambda: self.vbrd.get_peer(peers[0].id).accepted_route_count >= N, 60,
                   what="all %d accepted" % N)

    def metric(self, name, labels=""):
        return K.metric(self.lab, "v", METRICS, name, labels)

    def wait_entries(self, pred, what):
        return L.wait_for(lambda: (lambda es: es if len(es) == N and all(pred(e) for e in es)
                                   else None)(self.vbrd.route_entries(V.pb.ROUTE_SOURCE_BGP)),
                          60, interval=0.5, what=what)

    def test_1_all_installed(self):
        self.start()
        L.wait_for(lambda: K.prefix_count(self.lab, "v") >= self.base + N, 60, interval=0.1,
                   what="%d routes in the kernel" % N)
        self.wait_entries(lambda e: e.installed, "every entry installed")
        self.assertEqual(K.count_ours(self.lab, "v"), {"bgp": N, "210": 0})
        self.assertEqual(self.metric("vbrd_route_entries", 'source="bgp",installed="true"'), N)
        text = self.lab.exec("v", ["curl", "-s", "http://127.0.0.1:%d/metrics" % METRICS]).stdout
        self.assertNotIn("vbrd_fib_failures_total{", text)  # no errno at all

    def test_2_kill9_restart_one_route_each(self):
        self.vbrd.stop(sig=9)
        self.assertEqual(K.count_ours(self.lab, "v")["bgp"], N)  # left behind, forwarding on
        self.start()
        self.wait_entries(lambda e: e.installed, "every entry installed after the restart")
        self.assertEqual(K.count_ours(self.lab, "v"), {"bgp": N, "210": 0})

    def test_3_sigterm_removes_all_in_time(self):
        if self.vbrd.proc not in self.lab.procs:
            self.start()
        t0 = time.monotonic()
        rc = self.vbrd.stop(timeout=20)  # SIGKILLed (rc -9) past 20 s
        took = time.monotonic() - t0
        print("  SIGTERM with %d routes: exited in %.2f s" % (N, took), file=sys.stderr)
        self.assertEqual(rc, 0)
        self.assertEqual(K.count_ours(self.lab, "v"), {"bgp": 0, "210": 0})

    def test_4_without_cap_net_admin_every_one_eperm(self):
        self.start(prefix=DROP)
        es = self.wait_entries(lambda e: not e.installed and "no CAP_NET_ADMIN" in
                               e.status_reason, "every entry refused for the capability")
        self.assertEqual(len(es), N)
        self.assertEqual(K.count_ours(self.lab, "v"), {"bgp": 0, "210": 0})
        self.assertEqual(self.metric("vbrd_fib_failures_total", 'errno="ENOBUFS"'), 0)
        self.assertEqual(self.vbrd.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
