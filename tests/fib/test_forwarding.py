"""vbrd forwards: the route table programmed into the kernel of vbrd's namespace, end to end.

The failover lab (tests/bfd/failover_lab.py) without BFD, BIRD exporting to its kernel:

  vpc 172.16.1.10 (+ 172.16.2.10 on lo) -- v (vbrd, ip_forward=1) -- bridge -- dc1, dc2 (BIRD)
  vbrd: static entry 172.16.2.0/24 via 172.16.1.10, advertises 172.16.1.0/24 and 172.16.2.0/24
  dc1 and dc2: 192.168.10.0/24 (192.168.10.1 on lo; dc1 wins on router id), and one prefix
  each of their own (dc1 192.168.21.0/24, dc2 192.168.22.0/24), in static protocol s5.

Ping from 172.16.2.10 to 192.168.10.1 needs both of vbrd's kernel routes and BIRD's. Then:
failover to dc2 when dc1's session goes down, a withdrawal, a peer going down, an unreachable
next hop, a route the kernel refuses (errno in the entry and the metric), kill -9 and restart,
peer and group delete, and a clean stop; routes added by hand with protocol `static` are never
touched, nor one at vbrd's own prefix and metric. Kernel presence/absence is asserted with bounded polls (the time is printed).
"""
import os
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bfd"))
sys.path.insert(0, HERE)
import failover_lab as F  # noqa: E402
import kernel as K  # noqa: E402

L, V = F.L, F.V
VPC_NET, VPC_HOST, VPC_GW = "172.16.2.0/24", "172.16.2.10", "172.16.1.10"
ONLY = {"dc1": "192.168.21.0/24", "dc2": "192.168.22.0/24"}
# Added by hand in vbrd's namespace at the operators' protocol: vbrd must leave them alone,
# one on a prefix of its own (a higher metric than vbrd's 20, so forwarding still uses vbrd's).
HAND = [["10.201.0.0/24", "via", "10.10.0.3", "proto", "static"],
        [F.PREFIX, "via", "10.10.0.3", "proto", "static", "metric", "100"],
        ["10.202.0.0/24", "via", "10.10.0.2", "proto", "static", "metric", "20"]]
METRICS = 9181
FOLLOW = 1.0  # seconds: the kernel follows a withdrawal, a session down, a delete within 1 s
S5 = "protocol static s5 { ipv4; route %s blackhole; }\n"


class Forwarding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.f = F.Failover(bfd=False, prefix="f1", hold=9, kernel_export=True,
                           dc_extra={dc: S5 % p for dc, p in ONLY.items()},
                           vbrd_args=["--metrics-listen", "127.0.0.1:%d" % METRICS])
        try:
            f = cls.f
            cls.lab, cls.vbrd = f.lab, f.vbrd
            cls.ip = {h: f.lab.ip(h) for h in ("v", "dc1", "dc2")}
            f.lab.exec("vpc", ["ip", "addr", "add", VPC_HOST + "/32", "dev", "lo"])
            for r in HAND:
                f.lab.exec("v", ["ip", "route", "add"] + r)
            cls.static = f.vbrd.static(VPC_NET, VPC_GW, description="the VPC")
            f.vbrd.network(VPC_NET)
        except Exception:
            cls.f.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.f.close()

    # ---- helpers ----

    def hand_routes_untouched(self):
        rows = K.routes(self.lab, "v")
        for r in HAND:
            metric = int(r[r.index("metric") + 1]) if "metric" in r else 0
            proto = r[r.index("proto") + 1]
            match = [x for x in rows if x["dst"] == r[0] and x["gateway"] == r[2] and
                     x["metric"] == metric and x["protocol"] == proto]
            self.assertEqual(len(match), 1, "hand route %s: %s" % (r, rows))

    def ping(self):
        r = self.lab.exec("vpc", ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", VPC_HOST,
                                  F.TARGET], timeout=30, check=False)
        return r.returncode == 0

    def bgp_entry(self, cidr):
        return self.vbrd.route_entry(cidr, V.pb.ROUTE_SOURCE_BGP)

    def follow(self, dst, gateway, what):
        """Waits for the kernel to follow (bounded) and prints how long it took."""
        t0 = time.monotonic()
        K.wait_via(self.lab, "v", dst, gateway, FOLLOW)
        print("  %s: kernel followed in %.3f s" % (what, time.monotonic() - t0),
              file=sys.stderr)

    def bird(self, dc, cmd):
        out = self.f.dcs[dc].cli(cmd)
        self.assertNotIn("syntax error", out)

    def wait_all(self):
        """Both sessions Established, every DC prefix in the kernel via its router."""
        for dc, pid in self.f.peers.items():
            self.vbrd.wait_state(pid, timeout=40)
        K.wait_via(self.lab, "v", F.PREFIX, self.ip["dc1"], 20)
        for dc, p in ONLY.items():
            K.wait_via(self.lab, "v", p, self.ip[dc], 20)

    # ---- tests, in order: each leaves the lab as it found it ----

    def test_1_ping_through_vbrd(self):
        self.wait_all()
        K.wait_via(self.lab, "v", VPC_NET, VPC_GW, 10)
        r = K.ours(self.lab, "v")
        self.assertEqual(r[F.PREFIX][0]["protocol"], "bgp")
        self.assertEqual(r[F.PREFIX][0]["metric"], K.METRIC)
        self.assertEqual(r[VPC_NET][0]["protocol"], "210")
        self.assertEqual(r[VPC_NET][0]["metric"], K.METRIC)
        e = self.bgp_entry(F.PREFIX)
        self.assertEqual((e.peer_id, e.next_hop, e.installed), (self.f.peers["dc1"],
                                                                self.ip["dc1"], True))
        st = self.vbrd.route_entry(VPC_NET, V.pb.ROUTE_SOURCE_STATIC)
        self.assertTrue(st.installed, st)
        # BIRD installed what vbrd advertises: the way back to the VPC host.
        L.wait_for(lambda: "via %s" % self.ip["v"] in self.lab.exec(
            "dc1", ["ip", "route", "show", VPC_NET, "proto", "bird"]).stdout, 20,
            what="dc1's kernel route to the VPC network")
        self.assertTrue(self.ping(), "ping VPC host -> DC host through vbrd")
        self.hand_routes_untouched()

    def test_2_better_path_down_other_installed(self):
        self.bird("dc1", "disable vbr")
        try:
            self.follow(F.PREFIX, self.ip["dc2"], "dc1's session down, route via dc2")
            K.wait_via(self.lab, "v", ONLY["dc1"], None, FOLLOW)
            e = self.bgp_entry(F.PREFIX)
            self.assertEqual((e.peer_id, e.installed), (self.f.peers["dc2"], True))
            self.assertIsNone(self.bgp_entry(ONLY["dc1"]))
            L.wait_for(lambda: "via %s" % self.ip["v"] in self.lab.exec(
                "dc2", ["ip", "route", "show", VPC_NET]).stdout, 20, what="dc2's way back")
            self.assertTrue(self.ping(), "ping through vbrd via dc2")
        finally:
            self.bird("dc1", "enable vbr")
        self.wait_all()
        self.assertTrue(self.ping(), "ping via dc1 again")

    def test_3_withdraw(self):
        self.bird("dc1", "disable s5")
        try:
            self.follow(ONLY["dc1"], None, "withdrawn by dc1")
            self.assertIsNone(self.bgp_entry(ONLY["dc1"]))
            self.assertEqual(K.via(self.lab, "v", F.PREFIX), self.ip["dc1"])  # the rest stays
        finally:
            self.bird("dc1", "enable s5")
        self.follow(ONLY["dc1"], self.ip["dc1"], "announced again")
        self.hand_routes_untouched()

    def test_3b_same_prefix_and_metric_by_hand_left_alone(self):
        """The kernel would let a replace overwrite any route at the same prefix and metric:
        vbrd adds (refused, EEXIST) where it has nothing yet, so the operator's stays."""
        p, hand = ONLY["dc1"], ["via", "10.10.0.3", "proto", "static", "metric", "20"]
        self.bird("dc1", "disable s5")
        K.wait_via(self.lab, "v", p, None, FOLLOW)
        self.lab.exec("v", ["ip", "route", "add", p] + hand)
        try:
            self.bird("dc1", "enable s5")
            e = L.wait_for(lambda: (lambda x: x if x and "not vbrd's" in x.status_reason
                                    else None)(self.bgp_entry(p)), 10, what="refused entry")
            self.assertFalse(e.installed)
            rows = [r for r in K.routes(self.lab, "v") if r["dst"] == p]
            self.assertEqual([(r["gateway"], r["protocol"], r["metric"]) for r in rows],
                             [("10.10.0.3", "static", 20)])
        finally:
            self.lab.exec("v", ["ip", "route", "del", p] + hand, check=False)
        self.bird("dc1", "disable s5")  # vbrd does not watch the table: a new write retries
        K.wait_via(self.lab, "v", p, None, FOLLOW)
        self.bird("dc1", "enable s5")
        self.follow(p, self.ip["dc1"], "the hand route gone, announced again")

    def test_4_peer_down(self):
        bird = self.f.dcs["dc2"]
        bird.kill()  # the session ends without a NOTIFICATION: TCP closed
        try:
            self.follow(ONLY["dc2"], None, "dc2 killed")
            self.assertEqual(K.via(self.lab, "v", F.PREFIX), self.ip["dc1"])
            self.assertNotEqual(self.vbrd.state_name(self.f.peers["dc2"]),
                                "SESSION_STATE_ESTABLISHED")
        finally:
            bird.start()
        self.wait_all()
        self.hand_routes_untouched()

    def test_5_unreachable_next_hop(self):
        e = self.vbrd.static("10.99.0.0/24", "10.123.0.1")
        try:
            e = L.wait_for(lambda: self.vbrd.route_entry("10.99.0.0/24",
                                                        V.pb.ROUTE_SOURCE_STATIC), 5)
            self.assertFalse(e.installed)
            self.assertIn("10.123.0.1", e.status_reason)
            self.assertIn("not on a connected network", e.status_reason)
            time.sleep(0.5)  # what a write would have had time to do
            self.assertNotIn("10.99.0.0/24", K.ours(self.lab, "v"))
        finally:
            self.vbrd.call("DeleteRouteEntry", V.pb.DeleteRouteEntryRequest(id=e.id))

    def test_6_kernel_refuses(self):
        """On the connected network but the kernel says EINVAL: its broadcast address."""
        before = K.metric(self.lab, "v", METRICS, "vbrd_fib_failures_total", 'errno="EINVAL"')
        e = self.vbrd.static("10.98.0.0/24", "172.16.1.255")
        try:
            e = L.wait_for(lambda: (lambda x: x if x and "refused" in x.status_reason else None)(
                self.vbrd.route_entry("10.98.0.0/24", V.pb.ROUTE_SOURCE_STATIC)), 5,
                what="the kernel's refusal")
            self.assertFalse(e.installed)
            self.assertEqual(e.status_reason, "the kernel refused the route: Invalid argument")
            self.assertNotIn("10.98.0.0/24", K.ours(self.lab, "v"))
            after = L.wait_for(lambda: K.metric(self.lab, "v", METRICS,
                                                "vbrd_fib_failures_total", 'errno="EINVAL"')
                               > before and K.metric(self.lab, "v", METRICS,
                                                     "vbrd_fib_failures_total",
                                                     'errno="EINVAL"'), 10,
                               what="vbrd_fib_failures_total{errno=EINVAL}")
            self.assertGreaterEqual(after, before + 1)
        finally:
            self.vbrd.call("DeleteRouteEntry", V.pb.DeleteRouteEntryRequest(id=e.id))
        self.assertTrue(self.vbrd.route_entry(VPC_NET, V.pb.ROUTE_SOURCE_STATIC).installed)

    def test_7_kill9_restart(self):
        self.vbrd.stop(sig=signal.SIGKILL)
        # vbrd is gone, its routes are not (the DCs drop theirs with the session: no GR).
        self.assertEqual(K.via(self.lab, "v", F.PREFIX), self.ip["dc1"])
        self.assertEqual(K.via(self.lab, "v", VPC_NET), VPC_GW)
        self.vbrd.start()
        st = L.wait_for(lambda: (lambda x: x if x and x.installed else None)(
            self.vbrd.route_entry(VPC_NET, V.pb.ROUTE_SOURCE_STATIC)), 10, what="static back")
        self.assertEqual(st.id, self.static.id)
        self.wait_all()
        for dc in ONLY:
            L.wait_for(lambda: (lambda x: x and x.installed)(self.bgp_entry(ONLY[dc])), 10,
                       what="BGP entry %s installed" % ONLY[dc])
        # One route per prefix (K.via fails on a duplicate), nothing else of vbrd's.
        self.assertEqual(sorted(K.ours(self.lab, "v")),
                         sorted([VPC_NET, F.PREFIX] + list(ONLY.values())))
        for dst, rs in K.ours(self.lab, "v").items():
            self.assertEqual(len(rs), 1, rs)
        self.assertTrue(self.ping(), "ping after the restart")
        self.hand_routes_untouched()

    def test_8_peer_and_group_delete(self):
        v, pb, grpc = self.vbrd, V.pb, V.grpc
        with self.assertRaises(grpc.RpcError) as cm:
            v.call("DeleteBgpGroup", pb.DeleteBgpGroupRequest(id=self.f.groups["dc2"]))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(K.via(self.lab, "v", ONLY["dc2"]), self.ip["dc2"])  # nothing moved
        v.call("DeleteBgpPeer", pb.DeleteBgpPeerRequest(id=self.f.peers["dc2"]))
        self.follow(ONLY["dc2"], None, "dc2's peer deleted")
        self.assertEqual(K.via(self.lab, "v", F.PREFIX), self.ip["dc1"])
        v.call("DeleteBgpGroup", pb.DeleteBgpGroupRequest(id=self.f.groups["dc2"]))
        v.call("DeleteBgpPeer", pb.DeleteBgpPeerRequest(id=self.f.peers["dc1"]))
        self.follow(F.PREFIX, None, "dc1's peer deleted, no path left")
        K.wait_via(self.lab, "v", ONLY["dc1"], None, FOLLOW)
        v.call("DeleteBgpGroup", pb.DeleteBgpGroupRequest(id=self.f.groups["dc1"]))
        self.assertEqual(v.route_entries(pb.ROUTE_SOURCE_BGP), [])
        self.assertEqual(K.via(self.lab, "v", VPC_NET), VPC_GW)  # the static stays
        self.hand_routes_untouched()

    def test_9_clean_stop_removes_ours_only(self):
        self.assertIn(VPC_NET, K.ours(self.lab, "v"))
        self.assertEqual(self.vbrd.stop(), 0)
        self.assertEqual(K.ours(self.lab, "v"), {})
        self.hand_routes_untouched()


if __name__ == "__main__":
    unittest.main(verbosity=2)
