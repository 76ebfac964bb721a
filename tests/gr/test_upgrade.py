"""Upgrading without an outage (issue 12's acceptance test): vbrd restarting with graceful restart
while traffic crosses it.

  vpc 172.16.1.10 --veth-- v: vbrd (172.16.1.1 / 10.10.0.1, ip_forward=1), network 172.16.1.0/24
                           `-- bridge -- dc 10.10.0.2: BIRD 2, graceful restart on, announcing
                               192.168.10.0/24 (192.168.10.1 on lo), exporting what it learns
                               from vbrd into its kernel (protocol kernel)

A ping every 20 ms from the VPC host to 192.168.10.1 crosses vbrd's kernel route and BIRD's.
With it running vbrd is killed with SIGKILL and started again, then stopped with SIGTERM and
started again, both also with vbrd kept down for 2 s (as a container runtime may take):
0 packets lost each time; a monitor polls every ~50 ms that BIRD keeps vbrd's
subnet (`birdc show route`, and BIRD's kernel), and that vbrd's namespace keeps the DC prefix
(`ip route show proto 186`) the whole time; afterwards nothing is stale (ListRoutes,
ListRouteEntries, BgpPeer.stale_route_count, vbrd_fib_stale_routes) and the kernel holds one
route to the prefix. A restart longer than the group's restart_time (3 s): BIRD flushes vbrd's
subnet (RFC 4724 4.2), and gets it back when vbrd returns. For comparison, the same restarts
with graceful_restart off on the group: the loss is printed, and must be above 0 for the
restarts with 2 s down.
"""
import os
import re
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402
import failover_lab as F  # noqa: E402  (grlab put tests/bfd on the path)

L, V = G.L, G.V
EST = "SESSION_STATE_ESTABLISHED"
VPC_NET = "172.16.1.0/24"
METRICS_PORT = 9187
RESTART_TIME = 30  # the group's; the long-restart case lowers it to SHORT_RESTART_TIME
SHORT_RESTART_TIME = 3
RECOVER = 40  # seconds: bound of every wait for the session and routes after a restart
# (what, signal, seconds vbrd stays down): a crash and its restart, the same with a container
# runtime's delay, a planned stop (what a container runtime sends).
RESTARTS = (("kill -9 + start", signal.SIGKILL, 0), ("kill -9, 2 s down, start", signal.SIGKILL, 2),
            ("SIGTERM + start", signal.SIGTERM, 0), ("SIGTERM, 2 s down, start", signal.SIGTERM, 2))


class Monitor:
    """Polls, on a thread, until stopped (bounded): BIRD's route to vbrd's subnet, the kernel
    route BIRD made of it, and vbrd's kernel route to the DC prefix. Counts the samples where
    one was missing."""

    def __init__(self, lab, bird, limit=120):
        self.lab, self.bird, self.limit = lab, bird, limit
        self.samples = 0
        self.missing = {"bird": [], "bird kernel": [], "vbrd kernel": []}
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t0 = time.monotonic()
        self.t.start()

    def _run(self):
        while not self.stop_ev.is_set() and time.monotonic() - self.t0 < self.limit:
            t = round(time.monotonic() - self.t0, 2)
            if VPC_NET not in self.bird.cli("show route %s" % VPC_NET):
                self.missing["bird"].append(t)
            r = self.lab.exec("dc", ["ip", "-4", "route", "show", VPC_NET], check=False)
            if "proto bird" not in r.stdout:
                self.missing["bird kernel"].append(t)
            if F.PREFIX not in G.kernel_routes(self.lab):
                self.missing["vbrd kernel"].append(t)
            self.samples += 1
            self.stop_ev.wait(0.05)

    def stop(self):
        self.stop_ev.set()
        self.t.join(10)
        return {k: v for k, v in self.missing.items() if v}


class Upgrade(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pings = []
        cls.lab = L.Lab(["v", "dc"], prefix=G.TAG)
        try:
            lab = cls.lab
            F.add_vpc(lab)
            lab.exec("v", ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            lab.exec("dc", ["ip", "addr", "add", F.TARGET + "/32", "dev", "lo"])
            cls.bird = L.Bird(lab, "dc", 65001, lab.ip("v"), routes=[F.PREFIX],
                              extra=F.BIRD_KERNEL, bgp_extra=G.bird_gr(120)).start()
            cls.vbrd = V.Vbrd(lab, "v", args=["--metrics-listen", "127.0.0.1:%d" % METRICS_PORT,
                                              "--selection-deferral", "20"]).start()
            cls.vbrd.network(VPC_NET)
            cls.group = cls.vbrd.group("dc", 65001, restart_time=RESTART_TIME).id
            cls.peer = cls.vbrd.peer(cls.group, lab.ip("dc")).id
            cls.ready()
            cls.results = {}
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls, before=[cls.kill_pings])

    @classmethod
    def kill_pings(cls):
        for p in getattr(cls, "pings", []):
            if p.poll() is None:
                p.kill()
                p.wait(10)

    @classmethod
    def ready(cls, gr=True):
        """Established (graceful restart negotiated when gr), the DC prefix in vbrd's kernel,
        vbrd's subnet in BIRD's."""
        def established():
            p = cls.vbrd.get_peer(cls.peer)
            return p.session_state == V.state("ESTABLISHED") and \
                p.graceful_restart_negotiated == gr
        L.wait_for(established, RECOVER, interval=0.1, what="session Established")
        L.wait_for(lambda: G.kernel_routes(cls.lab).get(F.PREFIX) == cls.lab.ip("dc"),
                   RECOVER, what="the DC prefix in vbrd's kernel")
        L.wait_for(lambda: "proto bird" in cls.lab.exec("dc", ["ip", "-4", "route", "show",
                                                               VPC_NET]).stdout,
                   RECOVER, what="vbrd's subnet in BIRD's kernel")

    def assert_nothing_stale(self):
        """Once the session is back and BIRD re-announced: nothing stale anywhere (bounded by
        the selection deferral), one kernel route to the prefix."""
        def clean():
            m = G.metrics(self.lab, METRICS_PORT)
            routes = self.vbrd.routes(self.peer)
            entries = G.bgp_entries(self.vbrd)
            return (m.get("vbrd_fib_stale_routes") == 0 and
                    self.vbrd.get_peer(self.peer).stale_route_count == 0 and
                    F.PREFIX in routes and not any(r.stale for r in routes.values()) and
                    F.PREFIX in entries and entries[F.PREFIX].installed and
                    not any(e.stale for e in entries.values()))
        L.wait_for(clean, 30, interval=0.2, what="no stale route left (API, metrics)")
        out = self.lab.exec("v", ["ip", "-4", "route", "show", F.PREFIX]).stdout
        self.assertEqual(len(out.strip().splitlines()), 1, out)
        self.assertRegex(out, r"via %s .*proto bgp" % re.escape(self.lab.ip("dc")))

    def restart(self, sig, gr=True, down=0.0):
        """Ping running, monitor polling: stop vbrd with sig, wait `down` s, start it, wait
        until ready, 1 s more. Returns (lost, sent, missing, seconds until ready)."""
        p = F.ping_start(self.lab, 0.02)
        self.pings.append(p)
        time.sleep(1.0)  # traffic flowing before the restart
        self.assertIsNone(p.poll(), "ping exited early")
        mon = Monitor(self.lab, self.bird)
        t0 = time.monotonic()
        rc = self.vbrd.stop(sig=sig)
        if sig == signal.SIGTERM:
            self.assertEqual(rc, 0, self.vbrd.log()[-2000:])
        time.sleep(down)
        self.vbrd.start()
        self.ready(gr)
        took = time.monotonic() - t0
        time.sleep(0.5)  # and after the session is back
        missing = mon.stop()
        lost, sent = F.ping_stop(p)
        return lost, sent, missing, took

    def report(self, what, lost, sent, took):
        print("%s: %d of %d pings lost (every 20 ms; session back in %.1f s)"
              % (what, lost, sent, took), file=sys.stderr)

    def test_1_restarts_lose_nothing(self):
        for what, sig, down in RESTARTS:
            lost, sent, missing, took = self.restart(sig, down=down)
            self.report("graceful restart, " + what, lost, sent, took)
            self.assertEqual(missing, {}, "%s: a route left BIRD or a kernel" % what)
            self.assertEqual(lost, 0, what)
            self.assert_nothing_stale()
        self.assertNotIn("Received: Cease", self.bird.log())

    def test_3_longer_than_restart_time(self):
        """RFC 4724 4.2: the helper (BIRD) keeps our routes for our restart time, no longer."""
        self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.group, restart_time=SHORT_RESTART_TIME,
            update_mask=V.field_mask_pb2.FieldMask(paths=["restart_time"])))
        self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.peer))  # next session
        self.ready()
        L.wait_for(lambda: re.search(r"Neighbor capabilities[\s\S]*Restart time:\s+%d\b"
                                     % SHORT_RESTART_TIME,
                                     self.bird.cli("show protocols all vbr")), 10,
                   what="BIRD sees restart time %d" % SHORT_RESTART_TIME)
        self.vbrd.stop(sig=signal.SIGKILL)
        t_kill = time.monotonic()
        self.assertIn(VPC_NET, self.bird.cli("show route %s" % VPC_NET), "helper keeps it first")
        L.wait_for(lambda: VPC_NET not in self.bird.cli("show route %s" % VPC_NET),
                   SHORT_RESTART_TIME + 15, interval=0.1, what="BIRD flushes vbrd's subnet")
        flushed = time.monotonic() - t_kill
        print("restart time %d s: BIRD flushed vbrd's subnet %.1f s after the kill"
              % (SHORT_RESTART_TIME, flushed), file=sys.stderr)
        self.vbrd.start()
        self.ready()
        self.assert_nothing_stale()
        self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.group, restart_time=RESTART_TIME,
            update_mask=V.field_mask_pb2.FieldMask(paths=["restart_time"])))

    def test_4_graceful_restart_off_for_comparison(self):
        self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.group, graceful_restart=False,
            update_mask=V.field_mask_pb2.FieldMask(paths=["graceful_restart"])))
        self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.peer))
        self.ready(gr=False)
        for what, sig, down in RESTARTS:
            lost, sent, missing, took = self.restart(sig, gr=False, down=down)
            self.report("graceful restart off, " + what, lost, sent, took)
            if not down:
                # BIRD flushes our subnet at the TCP close (or the Cease) and learns it again
                # as soon as vbrd is back, a few ms later here: a ping or two, sometimes none,
                # so printed, not asserted.
                continue
            # Away for 2 s: BIRD drops our subnet meanwhile, and the loss count sees it (so it
            # would see a broken graceful restart too).
            self.assertIn("bird", missing, what)
            self.assertGreater(lost, 0, what)


if __name__ == "__main__":
    unittest.main(verbosity=2)
