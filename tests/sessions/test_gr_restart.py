"""Graceful restart with vbrd as the RESTARTING speaker (issue 12), against BIRD 2 with
graceful restart on: after kill -9 the kernel keeps vbrd's BGP routes; the next start's OPEN
carries the Restart State bit and the Forwarding State bit for IPv4 unicast (BIRD shows
"Restart recovery" and "AF preserved"); the leftover route BIRD announces again stays in the
kernel throughout, the one it no longer announces goes once BIRD's End-of-RIB is in (long before
the selection deferral timer, set to 60 s here).

While a peer is away after vbrd's restart, the kernel's leftovers are listed by
ListRouteEntries as BGP entries of no peer, installed and stale, until its End-of-RIB.

A kill -9 followed by a start in a namespace that kept none of vbrd's routes (flushed here, as
a fresh namespace would be): vbrd logs it once, vbrd_fib_restart_routes_missing is 1, and the
OPEN's Forwarding State bit is clear (BIRD shows no "AF preserved", drops our stale network at
once and learns it again).

SIGTERM: the GR peer's session closes without a NOTIFICATION (BIRD logs no Cease and keeps our
network as stale), the kernel keeps vbrd's routes; a second BIRD whose group has
graceful_restart off gets Cease / Administrative Shutdown and flushes.

Drain (RFC 8326, --drain-on-stop): SIGTERM first announces our network again with the
GRACEFUL_SHUTDOWN community (BIRD shows (65535,0)) while the session stays up for --drain-time,
then BIRD gets Cease / Administrative Shutdown although graceful restart was negotiated, our
network is gone from BIRD and vbrd's routes from the kernel, and vbrd exits 0.
"""
import signal
import time
import unittest

import lab as L
import vbrapi as V

EST = "SESSION_STATE_ESTABLISHED"
KEEP, GONE = "198.51.100.0/24", "198.51.101.0/24"
OURS = "203.0.113.0/24"

BIRD_GR = "graceful restart on; graceful restart time 120;"


kernel_bgp_routes = L.kernel_bgp_routes


def metric(lab, port, name):
    """One unlabelled series from vbrd's /metrics in host v, as text (None if absent)."""
    text = lab.exec("v", ["curl", "-s", "--max-time", "5",
                          "http://127.0.0.1:%d/metrics" % port]).stdout
    for line in text.splitlines():
        if line.startswith(name + " "):
            return line.split()[1]
    return None


def neighbor_caps(bird):
    """BIRD's 'Neighbor capabilities' block of protocol vbr, as text."""
    text = bird.cli("show protocols all vbr")
    i = text.find("Neighbor capabilities")
    return text[i:] if i >= 0 else ""


class RestartingSpeaker(unittest.TestCase):
    def setUp(self):
        self.lab = L.Lab(["v", "bird", "bird2"], prefix="g1")
        self.addCleanup(self.lab.close)
        v = self.lab.ip("v")
        self.bird = L.Bird(self.lab, "bird", 65001, v, routes=[KEEP, GONE], bgp_extra=BIRD_GR)
        self.bird.start()
        self.vbrd = V.Vbrd(self.lab, "v", ["--selection-deferral", "60", "--metrics-listen",
                                            "127.0.0.1:9181"]).start()
        self.addCleanup(self.finish_vbrd)
        self.vbrd.network(OURS)
        g = self.vbrd.group("dc", 65001)
        self.assertTrue(g.graceful_restart)
        self.peer = self.vbrd.peer(g.id, self.lab.ip("bird")).id
        self.vbrd.wait_state(self.peer)
        L.wait_for(lambda: {KEEP, GONE} <= set(kernel_bgp_routes(self.lab, "v")), 15,
                   what="BIRD's routes in vbrd's kernel table")
        L.wait_for(lambda: OURS in self.bird.routes(), 10, what="our network at BIRD")
        self.assertTrue(self.vbrd.get_peer(self.peer).graceful_restart_negotiated)

    def finish_vbrd(self):
        if self.vbrd.proc in self.lab.procs:
            self.vbrd.finish()

    def reannounce_only_keep(self, running=True):
        """BIRD drops GONE from its static protocol (vbrd is down: it will not hear a
        withdrawal, only miss GONE in the table before BIRD's End-of-RIB)."""
        with open(self.bird.conf) as f:
            conf = f.read().replace("  route %s blackhole;\n" % GONE, "")
        with open(self.bird.conf, "w") as f:
            f.write(conf)
        if running:
            self.assertIn("Reconfigured", self.bird.cli("configure"))

    def test_kill9_restart_keeps_and_reconciles(self):
        caps = neighbor_caps(self.bird)
        self.assertIn("Graceful restart", caps)
        self.assertNotIn("Restart recovery", caps)  # a first start: no R bit
        self.vbrd.stop(sig=signal.SIGKILL)
        time.sleep(0.5)
        self.assertEqual(set(kernel_bgp_routes(self.lab, "v")), {KEEP, GONE},
                         "kill -9 left vbrd's kernel routes in place")
        self.reannounce_only_keep()
        L.wait_for(lambda: OURS in self.bird.routes(), 5, what="BIRD keeps our network (helper)")
        start = time.time()
        self.vbrd.start()
        missing_keep = 0
        while time.time() - start < 20:
            k = kernel_bgp_routes(self.lab, "v")
            if KEEP not in k:
                missing_keep += 1
            if GONE not in k and self.vbrd.state_name(self.peer) == EST:
                break
            time.sleep(0.05)
        gone_after = time.time() - start
        self.assertEqual(missing_keep, 0, "the re-announced route left the kernel")
        self.assertNotIn(GONE, kernel_bgp_routes(self.lab, "v"))
        self.assertLess(gone_after, 30, "removed by End-of-RIB, not the 60 s deferral timer")
        caps = L.wait_for(lambda: (lambda c: c if "Restart recovery" in c else None)(
            neighbor_caps(self.bird)), 10, what="BIRD sees the R bit")
        self.assertRegex(caps, r"AF preserved:\s+ipv4")
        self.assertIn(OURS, self.bird.routes())
        print("stale route removed %.2f s after the restart (deferral timer 60 s)" % gone_after)


    def test_leftovers_listed_stale_until_reconciled(self):
        # BIRD away while vbrd restarts: the kernel's leftovers are the only BGP entries, listed
        # stale, installed, of no peer, until BIRD is back and has sent its End-of-RIB.
        self.vbrd.stop(sig=signal.SIGKILL)
        self.bird.stop()
        self.reannounce_only_keep(running=False)
        self.vbrd.start()
        entries = L.wait_for(lambda: (lambda e: e if {KEEP, GONE} <= set(e) else None)(
            {e.destination_cidr: e for e in self.vbrd.route_entries(V.pb.ROUTE_SOURCE_BGP)}),
            10, what="the leftovers listed")
        for cidr in (KEEP, GONE):
            e = entries[cidr]
            self.assertTrue(e.stale, e)
            self.assertTrue(e.installed, e)
            self.assertEqual((e.peer_id, e.next_hop), ("", self.lab.ip("bird")), e)
            self.assertEqual(e.interface, "eth0")
        one = self.vbrd.call("ListRouteEntries", V.pb.ListRouteEntriesRequest(page_size=1))
        self.assertEqual(len(one.route_entries), 1)  # paging goes through leftovers too
        listed = [x.destination_cidr for x in self.vbrd.route_entries()]
        self.assertEqual(listed.count(KEEP) + listed.count(GONE), 2)
        self.bird.start()
        L.wait_for(lambda: GONE not in {e.destination_cidr for e in self.vbrd.route_entries(
            V.pb.ROUTE_SOURCE_BGP)}, 20, what="the leftover BIRD no longer announces removed")
        e = self.vbrd.route_entry(KEEP, V.pb.ROUTE_SOURCE_BGP)
        self.assertFalse(e.stale, e)
        self.assertEqual(e.peer_id, self.peer)
        self.assertNotIn(GONE, kernel_bgp_routes(self.lab, "v"))

    def metric(self, name):
        return metric(self.lab, 9181, name)

    def test_kill9_into_a_namespace_without_our_routes(self):
        self.assertEqual(self.metric("vbrd_fib_restart_routes_missing"), "0")
        self.vbrd.stop(sig=signal.SIGKILL)
        self.lab.exec("v", ["ip", "route", "flush", "proto", "bgp"])
        self.assertEqual(kernel_bgp_routes(self.lab, "v"), {})
        self.vbrd.start()
        self.vbrd.wait_state(self.peer, timeout=20)
        L.wait_for(lambda: "namespace did not outlive the process" in self.vbrd.log(), 5,
                   what="the log line")
        self.assertEqual(self.vbrd.log().count("namespace did not outlive the process"), 1)
        self.assertIn("unclean", self.vbrd.log())
        self.assertEqual(self.metric("vbrd_fib_restart_routes_missing"), "1")
        caps = L.wait_for(lambda: (lambda c: c if "Restart recovery" in c else None)(
            neighbor_caps(self.bird)), 10, what="BIRD sees the R bit")
        self.assertNotRegex(caps, r"AF preserved:\s+ipv4", "F bit set with nothing kept")
        L.wait_for(lambda: {KEEP, GONE} <= set(kernel_bgp_routes(self.lab, "v")), 15,
                   what="the routes learned again")
        L.wait_for(lambda: OURS in self.bird.routes(), 10, what="our network at BIRD again")
        # A clean restart in the same namespace: the routes were there, nothing reported.
        self.vbrd.stop(sig=signal.SIGKILL)
        self.vbrd.start()
        self.vbrd.wait_state(self.peer, timeout=20)
        self.assertEqual(self.metric("vbrd_fib_restart_routes_missing"), "0")
        self.assertNotIn("namespace did not outlive", self.vbrd.log())
        self.assertRegex(neighbor_caps(self.bird), r"AF preserved:\s+ipv4")

    def test_sigterm_closes_gr_sessions_without_notification(self):
        # A second peer whose group does not offer graceful restart: it gets Cease as before.
        v = self.lab.ip("v")
        bird2 = L.Bird(self.lab, "bird2", 65002, v, routes=["198.51.102.0/24"],
                       bgp_extra=BIRD_GR).start()
        g2 = self.vbrd.group("dc-nogr", 65002, graceful_restart=False)
        p2 = self.vbrd.peer(g2.id, self.lab.ip("bird2")).id
        self.vbrd.wait_state(p2)
        L.wait_for(lambda: OURS in bird2.routes(), 10, what="our network at bird2")
        self.assertFalse(self.vbrd.get_peer(p2).graceful_restart_negotiated)
        L.wait_for(lambda: "198.51.102.0/24" in kernel_bgp_routes(self.lab, "v"), 10,
                   what="bird2's route in the kernel")
        self.assertEqual(self.vbrd.stop(sig=signal.SIGTERM), 0, self.vbrd.log()[-2000:])
        L.wait_for(lambda: "dministrative shutdown" in bird2.log(), 5,
                   what="bird2 logs Cease / Administrative Shutdown")
        L.wait_for(lambda: OURS not in bird2.routes(), 5, what="bird2 flushes our network")
        time.sleep(1)
        self.assertNotIn("dministrative shutdown", self.bird.log(), "the GR peer got a Cease")
        self.assertNotIn("Received: Cease", self.bird.log())
        self.assertIn(OURS, self.bird.routes(), "the GR peer keeps our network while we restart")
        self.assertTrue({KEEP, GONE, "198.51.102.0/24"} <= set(kernel_bgp_routes(self.lab, "v")),
                        "SIGTERM with graceful restart leaves vbrd's kernel routes in place")
        self.reannounce_only_keep()
        self.vbrd.start()
        L.wait_for(lambda: GONE not in kernel_bgp_routes(self.lab, "v"), 20,
                   what="the route BIRD no longer announces removed after its End-of-RIB")
        self.assertIn(KEEP, kernel_bgp_routes(self.lab, "v"))
        L.wait_for(lambda: "198.51.102.0/24" in kernel_bgp_routes(self.lab, "v") and
                   OURS in bird2.routes(), 20, what="bird2 back (a stale route it re-announced)")
        L.wait_for(lambda: "Restart recovery" in neighbor_caps(self.bird), 10,
                   what="BIRD sees the R bit after a SIGTERM too")


class Drain(unittest.TestCase):
    args = ["--drain-on-stop", "--drain-time", "3"]

    def setUp(self):
        self.lab = L.Lab(["v", "bird"], prefix="g1")
        self.addCleanup(self.lab.close)
        v = self.lab.ip("v")
        self.bird = L.Bird(self.lab, "bird", 65001, v, routes=[KEEP], bgp_extra=BIRD_GR).start()
        self.vbrd = V.Vbrd(self.lab, "v", self.args).start()
        self.vbrd.network(OURS)
        g = self.vbrd.group("dc", 65001)
        self.peer = self.vbrd.peer(g.id, self.lab.ip("bird")).id
        self.vbrd.wait_state(self.peer)
        L.wait_for(lambda: KEEP in kernel_bgp_routes(self.lab, "v"), 15, what="kernel route")
        L.wait_for(lambda: OURS in self.bird.routes(), 10, what="our network at BIRD")
        self.assertTrue(self.vbrd.get_peer(self.peer).graceful_restart_negotiated)

    def communities(self):
        out = self.bird.cli("show route %s protocol vbr all" % OURS)
        for line in out.splitlines():
            if "BGP.community:" in line:
                return line.split(":", 1)[1].strip()
        return ""

    def test_sigterm_drains_then_leaves(self):
        self.assertEqual(self.communities(), "")
        start = time.time()
        self.vbrd.proc.send(signal.SIGTERM)
        L.wait_for(lambda: "(65535,0)" in self.communities(), 3,
                   what="BIRD sees GRACEFUL_SHUTDOWN on our network")
        t_community = time.time() - start
        self.assertTrue(self.vbrd.proc.alive())
        self.assertNotIn("dministrative shutdown", self.bird.log())
        self.assertEqual(self.bird.state(), "Established")
        L.wait_for(lambda: "dministrative shutdown" in self.bird.log(), 10,
                   what="BIRD logs Cease / Administrative Shutdown")
        t_cease = time.time() - start
        self.assertGreater(t_cease, 2.5, "the drain waits --drain-time before the Cease")
        L.wait_for(lambda: OURS not in self.bird.routes(), 5, what="BIRD drops our network")
        self.assertEqual(self.vbrd.stop(), 0, self.vbrd.log()[-2000:])
        self.assertEqual(kernel_bgp_routes(self.lab, "v"), {}, "a drain removes the kernel routes")
        self.assertIn("draining (RFC 8326)", self.vbrd.log())
        print("GRACEFUL_SHUTDOWN seen after %.2f s, Cease after %.2f s" % (t_community, t_cease))


class DrainByRpc(Drain):
    """DrainRouter, then SIGTERM once --drain-time has passed: the stop leaves at once."""
    args = ["--drain-time", "2", "--metrics-listen", "127.0.0.1:9182"]

    def test_sigterm_drains_then_leaves(self):
        self.assertEqual(metric(self.lab, 9182, "vbrd_draining"), "0")
        self.vbrd.call("DrainRouter", V.pb.DrainRouterRequest())
        self.assertEqual(metric(self.lab, 9182, "vbrd_draining"), "1")
        self.vbrd.call("DrainRouter", V.pb.DrainRouterRequest())  # a second call: no change
        L.wait_for(lambda: "(65535,0)" in self.communities(), 3,
                   what="BIRD sees GRACEFUL_SHUTDOWN on our network")
        time.sleep(2.5)
        self.assertEqual(self.bird.state(), "Established")  # the drain alone closes nothing
        start = time.time()
        self.vbrd.proc.send(signal.SIGTERM)
        L.wait_for(lambda: "dministrative shutdown" in self.bird.log(), 5,
                   what="BIRD logs Cease / Administrative Shutdown although GR was negotiated")
        # The stop itself (API, metrics, then the speaker) takes ~2.4 s here; waiting the drain
        # time again would add 2 s.
        self.assertLess(time.time() - start, 3.5, "the drain time had already passed")
        self.assertEqual(self.vbrd.stop(), 0, self.vbrd.log()[-2000:])
        self.assertEqual(kernel_bgp_routes(self.lab, "v"), {})
        self.assertEqual(self.vbrd.log().count("draining (RFC 8326)"), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
