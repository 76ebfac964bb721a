"""BFD failover: two data-center routers announce 192.168.10.0/24; the preferred one (dc1) goes
silent without vbrd's link going down. With BFD (100 ms x 3) vbrd closes dc1's BGP session
within the detection time plus a margin, with the reason naming BFD, the kernel route moves
to dc2 and ping from the VPC host across vbrd resumes. The same failure without BFD takes the hold time (9 s here). Figures are
printed; the bounds are generous (a loaded 2-core machine), the benchmark has the medians.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failover_lab as F  # noqa: E402

L, V = F.L, F.V


class BfdFailover(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.f = F.Failover(interval=100, mult=3, hold=9)
        cls.watch = cls.f.vbrd.watch()
        for dc in cls.f.peers:
            L.wait_for(lambda: cls.f.bfd_up(dc), 20, what="BFD Up")
        # The route table (issue 10) programs the kernel: the route goes via dc1.
        L.wait_for(lambda: cls.f.kernel_via() == cls.f.lab.ip("dc1"), 20,
                   what="kernel route via dc1")

    @classmethod
    def tearDownClass(cls):
        cls.watch.cancel()
        cls.f.close()

    def down_events(self, since):
        self.watch.drain()
        return [e for e in self.watch.events[since:]
                if e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                e.peer_id == self.f.peers["dc1"] and
                e.old_state == V.state("ESTABLISHED")]

    def test_1_with_bfd(self):
        f = self.f
        self.assertTrue(f.ping(), "ping across vbrd before the failure")
        start = len(self.watch.drain())
        took = f.fail_dc1(fib=True)
        print("BFD 100 ms x 3: kernel route via dc2 after %.3f s" % took, file=sys.stderr)
        self.assertLess(took, 3.0)  # detection 0.3 s; generous for a loaded machine
        ev = L.wait_for(lambda: self.down_events(start), 5, what="down event")
        self.assertEqual(ev[0].reason, "BFD session down: control detection time expired")
        self.assertNotIn(F.PREFIX, f.vbrd.routes(f.peers["dc1"]))
        bfd = [e for e in self.watch.events[start:]
               if e.kind == V.pb.PEER_EVENT_KIND_BFD_STATE_CHANGED and
               e.peer_id == f.peers["dc1"] and e.new_bfd_state == V.pb.BFD_STATE_DOWN]
        self.assertEqual(bfd[0].reason, "control detection time expired")
        self.assertTrue(f.ping(), "ping across vbrd after the failover")
        # While BFD stays Down the BGP session is not brought up again...
        time.sleep(2)
        self.assertNotEqual(f.vbrd.state_name(f.peers["dc1"]), "SESSION_STATE_ESTABLISHED")
        # ...and once the path is back, BFD comes Up and ConnectRetry brings BGP back.
        f.restore_dc1()
        L.wait_for(lambda: f.bfd_up("dc1"), 20, what="BFD Up again")

    def test_2_without_bfd_takes_the_hold_time(self):
        f = self.f
        f.set_bfd(False)
        f.ready()
        start = len(self.watch.drain())
        took = f.fail_dc1(fib=True, timeout=30)
        print("no BFD, hold 9 s: kernel route via dc2 after %.3f s" % took, file=sys.stderr)
        self.assertTrue(f.ping(), "ping across vbrd after the hold-timer failover")
        self.assertGreater(took, 3.0)  # at least hold - keepalive = 6 s
        ev = L.wait_for(lambda: self.down_events(start), 5, what="down event")
        self.assertEqual(ev[0].reason, "hold timer expired")
        f.restore_dc1()


if __name__ == "__main__":
    unittest.main(verbosity=2)
