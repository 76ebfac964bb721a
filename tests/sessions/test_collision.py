"""Connection collision (RFC 4271 6.8) against a scripted BGP speaker of the test's own: it
accepts vbrd's connection AND opens its own to vbrd, then sends OPEN on both. vbrd must keep the
connection initiated by the side with the higher BGP Identifier and close the other with
Cease / Connection Collision Resolution (6/7); the session then comes up on the survivor.
Both orders of identifiers are tried. The speaker runs in its own namespace (tests/sessions/
bgpspeak.py), so everything it saw is reported back as JSON.

Then BIRD with `connect delay time 0`, both sides enabled at the same moment, 20 times: each
try must reach Established within a second (a collision handled by dropping the connection the
other side had just accepted costs a ConnectRetry, about 5 s).
"""
import json
import os
import time
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


class CollisionBird(unittest.TestCase):
    """Both ends start together. BIRD's first connect comes 0.75-1.0 s after `enable` (it
    raises connect delay 0 to 1 s and jitters it), so vbrd's start sweeps across that window
    over the tries, 0.70 to 1.05 s after BIRD's enable. A second BIRD protocol keeps BIRD's
    listener open while vbr is disabled. Each try is timed from vbrd's start (its reply to
    the enabling UpdateBgpPeer; BIRD's is earlier or within 0.3 s after) to Established. (This kernel has no netem to hold both
    SYNs in flight; the exact interleaving is tests/fsm/test_fsm_collision.c.)"""
    TRIES = 20
    BOUND_S = 1.0

    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "bird"])
        try:
            cls.vbrd = V.Vbrd(cls.lab, "v").start()
            keep = ("protocol bgp holdlisten { local %s as 65020; neighbor 10.10.0.99 as 65099; "
                    "passive on; ipv4 { import none; export none; }; }" % cls.lab.ip("bird"))
            # connect retry 5 s, as vbrd's: a try that needs a retry shows it plainly.
            cls.bird = L.Bird(cls.lab, "bird", 65020, cls.lab.ip("v"), extra=keep,
                              timers="connect delay time 0; connect retry time 5; "
                                     "error wait time 0,0;").start()
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.vbrd.finish()
        finally:
            cls.lab.close()

    def set_admin_down(self, pid, down):
        self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
            id=pid, admin_down=down, update_mask=V.field_mask_pb2.FieldMask(paths=["admin_down"])))

    def test_simultaneous_start_converges_at_once(self):
        g = self.vbrd.group("coll-bird", 65020)
        pid = self.vbrd.peer(g.id, self.lab.ip("bird")).id
        self.vbrd.wait_state(pid)
        times = []
        for i in range(self.TRIES):
            self.bird.cli("disable vbr")
            self.set_admin_down(pid, True)
            L.wait_for(lambda: self.vbrd.state_name(pid) == "SESSION_STATE_IDLE", 10,
                       what="vbrd down")
            L.wait_for(lambda: self.bird.state() in (None, "Down"), 10, what="bird down")
            offset = 0.70 + i * 0.35 / max(1, self.TRIES - 1)
            t_bird = time.monotonic()
            self.bird.cli("enable vbr")
            time.sleep(max(0.0, offset - (time.monotonic() - t_bird)))
            # vbrd starts when its write is done, just before it answers: time from there,
            # so a slow fsync on a loaded machine is not counted as session time.
            self.set_admin_down(pid, False)
            t0 = time.monotonic()
            # Bounded well past a ConnectRetry, so a slow try is measured, not just failed.
            L.wait_for(lambda: self.vbrd.state_name(pid) == "SESSION_STATE_ESTABLISHED", 15,
                       interval=0.01, what="try %d: vbrd Established" % i)
            times.append(max(0.0, time.monotonic() - t0))
            L.wait_for(lambda: self.bird.state() == "Established", 10,
                       what="try %d: bird Established" % i)
        print("collision with BIRD: %d tries, Established after %s s (max %.3f)" % (
            len(times), " ".join("%.3f" % x for x in times), max(times)))
        slow = [x for x in times if x >= self.BOUND_S]
        self.assertEqual(slow, [], "tries over %.1f s: %s" % (self.BOUND_S, times))


if __name__ == "__main__":
    unittest.main(verbosity=2)
