"""Metrics, logs and key secrecy against a live BGP session.

vbrd runs in one namespace (10.68.0.1) and BIRD, with an MD5 key and three routes, in another
(10.68.0.2). The test drives the API from Python, then: /metrics passes `promtool check metrics`
and its values equal what the API reports (session state, received / accepted / advertised
routes, hold time, transitions, API calls by method and code, watchers, store writes); every
stderr line parses as JSON with the agreed keys, mutations carry their request and object ids,
session changes their peer id; and the MD5 key shows nowhere: not in logs (JSON or text), metrics,
API replies, watch events or vbrctl output.
"""
import json
import os
import subprocess
import threading
import time
import unittest

import dlib
from dlib import wait_until

KEY = "vd-Md5-k3y-" + "s3cr3t"   # one string, never printed by the test either
ROUTES = ("198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24")
NETWORK = "172.16.5.0/24"


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dlib.stubs()
        cls.tmp = dlib.mkdtemp("vd-obs-")
        cls.ns_r = dlib.Netns("obs-r")
        cls.ns_b = dlib.Netns("obs-b")
        dlib.veth_pair(cls.ns_r, "10.68.0.1/24", cls.ns_b, "10.68.0.2/24", "o")
        statics = " ".join("route %s blackhole;" % r for r in ROUTES)
        conf = """log "%s/bird.log" all;
router id 10.68.0.2;
protocol device {}
protocol static s4 { ipv4; %s }
protocol bgp vbr { local 10.68.0.2 as 65001; neighbor 10.68.0.1 as 45104; password "%s";
  connect delay time 1; connect retry time 1; error wait time 1,5;
  ipv4 { import all; export where proto = "s4"; }; }
""" % (cls.tmp, statics, KEY)
        cls.bird, cls.bird_ctl = dlib.start_bird(cls.ns_b, cls.tmp, conf)
        cls.sock = os.path.join(cls.tmp, "api.sock")
        cls.api = "unix:" + cls.sock
        cls.metrics_addr = "127.0.0.1:9179"
        cls.d = dlib.Vbrd(["--api", cls.api, "--bgp-listen", "10.68.0.1:179",
                           "--router-id", "10.68.0.1", "--metrics-listen", cls.metrics_addr,
                           "--log-format", "json", "--log-level", "debug"], netns=cls.ns_r)
        wait_until(lambda: dlib.health(cls.api).returncode == 0, dlib.START_TIMEOUT, "vbrd")
        cls.channel = dlib.grpc.insecure_channel(cls.api)
        cls.stub = dlib.pbg.VirtualBorderRouterStub(cls.channel)
        cls.replies = []      # every API reply, searched for the key at the end
        cls.events = []
        cls.watch_call = cls.stub.WatchPeerEvents(
            dlib.pb.WatchPeerEventsRequest(send_initial_state=True), timeout=300)
        cls.watch_thread = threading.Thread(target=cls._watch, daemon=True)
        cls.watch_thread.start()
        cls._drive()

    @classmethod
    def _watch(cls):
        try:
            for ev in cls.watch_call:
                cls.events.append(ev)
        except dlib.grpc.RpcError:
            pass  # cancelled at the end

    @classmethod
    def call(cls, name, req):
        r = getattr(cls.stub, name)(req, timeout=dlib.CALL_TIMEOUT)
        cls.replies.append(r)
        return r

    @classmethod
    def _drive(cls):
        pb = dlib.pb
        cls.group = cls.call("CreateBgpGroup", pb.CreateBgpGroupRequest(
            name="onprem", peer_asn=65001, auth_key=KEY, route_limit=2, request_id="vd-req-1"))
        with cls.assertRaises(unittest.TestCase(), dlib.grpc.RpcError) as cm:
            cls.call("CreateBgpGroup", pb.CreateBgpGroupRequest(name="onprem", peer_asn=65002))
        assert cm.exception.code() == dlib.grpc.StatusCode.ALREADY_EXISTS
        with cls.assertRaises(unittest.TestCase(), dlib.grpc.RpcError) as cm:
            cls.call("GetBgpPeer", pb.GetBgpPeerRequest(id="bgpp-0000abcd"))
        assert cm.exception.code() == dlib.grpc.StatusCode.NOT_FOUND
        cls.peer = cls.call("CreateBgpPeer", pb.CreateBgpPeerRequest(
            group_id=cls.group.id, peer_ip="10.68.0.2", request_id="vd-req-2"))
        cls.call("AddBgpNetwork", pb.AddBgpNetworkRequest(cidr=NETWORK, request_id="vd-req-3"))
        cls.list_peers_calls = 0

    @classmethod
    def tearDownClass(cls):
        cls.watch_call.cancel()
        cls.watch_thread.join(10)
        cls.channel.close()
        cls.d.stop()

    def peer_now(self):
        """The peer via ListBgpPeers (counted: the metrics must show every call)."""
        type(self).list_peers_calls += 1
        peers = self.call("ListBgpPeers", dlib.pb.ListBgpPeersRequest()).peers
        self.assertEqual(len(peers), 1)
        return peers[0]

    def wait_routes(self, transitions):
        EST = dlib.pb.SESSION_STATE_ESTABLISHED

        def ready():
            p = self.peer_now()
            return (p.session_state == EST and p.received_route_count == 3 and
                    p.advertised_route_count == 1)
        wait_until(ready, 60, "Established with 3 routes received and 1 advertised", 0.2)

        # The API answers from a snapshot refreshed every few ms; scrape until both agree.
        def agree():
            p = self.peer_now()
            text = dlib.scrape(self.metrics_addr, self.ns_r)
            s = dlib.parse_metrics(text)
            lab = {"peer_id": self.peer_label(s, p), "peer_ip": p.peer_ip}
            if dlib.metric(s, "vbrd_bgp_peer_established_transitions_total", **lab) != transitions:
                return None
            got = (dlib.metric(s, "vbrd_bgp_peer_received_routes", **lab),
                   dlib.metric(s, "vbrd_bgp_peer_accepted_routes", **lab),
                   dlib.metric(s, "vbrd_bgp_peer_advertised_routes", **lab))
            want = (p.received_route_count, p.accepted_route_count, p.advertised_route_count)
            return (p, text, s) if got == want and p.session_state == EST else None
        return wait_until(agree, 30, "metrics to match the API", 0.2)

    def test_1_metrics_match_api(self):
        p, text, s = self.wait_routes(transitions=1)
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, "promtool: %s%s" % (r.stdout, r.stderr))

        # The series carry the API's ids.
        label = self.peer_label(s, p)
        self.assertEqual(label, p.id)
        lab = {"peer_id": label, "peer_ip": "10.68.0.2"}
        m = lambda name, **kw: dlib.metric(s, name, **dict(lab, **kw))
        self.assertEqual(dlib.metric(s, "vbrd_bgp_peers"), 1)
        self.assertEqual(m("vbrd_bgp_peer_info", group_id=self.group.id, peer_asn="65001"), 1)
        for state in ("idle", "connect", "active", "opensent", "openconfirm", "established"):
            self.assertEqual(m("vbrd_bgp_peer_state", state=state), state == "established")
        self.assertEqual(m("vbrd_bgp_peer_up"), 1)
        self.assertEqual(m("vbrd_bgp_peer_admin_down"), 0)
        # The route limit is 2: three received, two accepted, as the API says.
        self.assertEqual(p.received_route_count, 3)
        self.assertEqual(p.accepted_route_count, 2)
        self.assertEqual(m("vbrd_bgp_peer_received_routes"), 3)
        self.assertEqual(m("vbrd_bgp_peer_accepted_routes"), 2)
        self.assertEqual(m("vbrd_bgp_peer_advertised_routes"), 1)
        self.assertEqual(m("vbrd_bgp_peer_negotiated_hold_time_seconds"), p.negotiated_hold_time)
        self.assertEqual(m("vbrd_bgp_peer_established_since_seconds"),
                         p.established_time.seconds)
        self.assertEqual(m("vbrd_bgp_peer_established_transitions_total"), 1)
        # OPEN + KEEPALIVE + UPDATEs at least, both ways.
        self.assertGreaterEqual(m("vbrd_bgp_peer_messages_total", direction="in"), 3)
        self.assertGreaterEqual(m("vbrd_bgp_peer_messages_total", direction="out"), 3)
        self.assertEqual(self.notifications(s, label, "out"), 0)
        self.assertEqual(self.notifications(s, label, "in"), 0)

        api = lambda method, code: dlib.metric(s, "vbrd_api_calls_total", method=method, code=code)
        self.assertEqual(api("CreateBgpGroup", "OK"), 1)
        self.assertEqual(api("CreateBgpGroup", "ALREADY_EXISTS"), 1)
        self.assertEqual(api("GetBgpPeer", "NOT_FOUND"), 1)
        self.assertEqual(api("CreateBgpPeer", "OK"), 1)
        self.assertEqual(api("AddBgpNetwork", "OK"), 1)
        self.assertEqual(api("ListBgpPeers", "OK"), self.list_peers_calls)
        self.assertEqual(dlib.metric(s, "vbrd_api_watchers"), 1)
        # Three mutations, each written durably at least once.
        self.assertGreaterEqual(dlib.metric(s, "vbrd_store_write_duration_seconds_count"), 3)
        self.assertEqual(dlib.metric(s, "vbrd_store_write_duration_seconds_count"),
                         dlib.metric(s, "vbrd_store_write_duration_seconds_bucket", le="+Inf"))
        self.assertEqual(dlib.metric(s, "vbrd_bgp_unknown_connections_total"), 0)
        self.assertEqual(dlib.metric(s, "vbrd_build_info", version=self.router_version(),
                                     local_asn="45104"), 1)

    @staticmethod
    def peer_label(s, p):
        ids = {dict(labels)["peer_id"] for (name, labels) in s
               if name == "vbrd_bgp_peer_up" and dict(labels).get("peer_ip") == p.peer_ip}
        if len(ids) != 1:
            raise AssertionError("want one vbrd_bgp_peer_up series for %s, got %r" % (p.peer_ip, ids))
        return ids.pop()

    def router_version(self):
        return self.call("GetRouter", dlib.pb.GetRouterRequest()).version

    @staticmethod
    def notifications(s, peer_id, direction):
        return sum(v for (name, labels), v in s.items()
                   if name == "vbrd_bgp_peer_notifications_total" and
                   dict(labels).get("peer_id") == peer_id and
                   dict(labels).get("direction") == direction)

    def test_2_reset_counts_notification_and_transition(self):
        self.wait_routes(transitions=1)
        self.call("ResetBgpPeer", dlib.pb.ResetBgpPeerRequest(id=self.peer.id, message="vd test"))
        p, text, s = self.wait_routes(transitions=2)
        # Our Cease / Administrative Reset went out once, counted under its code.
        label = self.peer_label(s, p)
        self.assertEqual(self.notifications(s, label, "out"), 1)
        self.assertEqual(dlib.metric(s, "vbrd_bgp_peer_notifications_total", peer_id=label,
                                     peer_ip=p.peer_ip, direction="out", code="6",
                                     code_name="cease"), 1)
        self.assertEqual(self.notifications(s, label, "in"), 0)
        self.assertEqual(dlib.metric(s, "vbrd_api_calls_total", method="ResetBgpPeer", code="OK"), 1)

    def test_3_json_logs(self):
        wait_until(lambda: any(e.new_state == dlib.pb.SESSION_STATE_ESTABLISHED
                               for e in self.events), 60, "an Established event")
        lines = [l for l in self.d.log().splitlines() if l.strip()]
        self.assertGreater(len(lines), 5)
        objs = []
        for l in lines:
            try:
                o = json.loads(l)
            except ValueError:
                self.fail("stderr line is not JSON: %r" % l)
            self.assertIsInstance(o, dict)
            for k in ("time", "level", "msg"):
                self.assertIn(k, o, l)
            self.assertIn(o["level"], ("debug", "info", "warn", "error"), l)
            objs.append(o)
        by_req = {o.get("request_id"): o for o in objs if o.get("request_id")}
        self.assertEqual(by_req["vd-req-1"].get("method"), "CreateBgpGroup")
        self.assertEqual(by_req["vd-req-1"].get("group_id"), self.group.id)
        self.assertEqual(by_req["vd-req-2"].get("method"), "CreateBgpPeer")
        self.assertEqual(by_req["vd-req-2"].get("peer_id"), self.peer.id)
        self.assertEqual(by_req["vd-req-3"].get("method"), "AddBgpNetwork")
        self.assertEqual(by_req["vd-req-3"].get("cidr"), NETWORK)
        # Session changes name the peer and the states.
        est = [o for o in objs if o.get("peer_id") == self.peer.id and
               str(o.get("to", "")).lower() == "established"]
        self.assertTrue(est, "no session-change line to Established")
        self.assertIn("from", est[0])

    def test_4_key_never_shown(self):
        wait_until(lambda: self.events, 30, "watch events")
        # Where it must be: the state file (mode 0600), so the key was really in play.
        state = [f for f in os.listdir(self.d.state_dir) if f.endswith(".pb")]
        self.assertTrue(state)
        st_path = os.path.join(self.d.state_dir, state[0])
        self.assertIn(KEY.encode(), dlib.read(st_path))
        self.assertEqual(os.stat(st_path).st_mode & 0o777, 0o600)
        # Where it must not be.
        g = self.call("GetBgpGroup", dlib.pb.GetBgpGroupRequest(id=self.group.id))
        self.assertTrue(g.has_auth_key)
        self.call("ListBgpGroups", dlib.pb.ListBgpGroupsRequest())
        self.call("GetRouter", dlib.pb.GetRouterRequest())
        self.peer_now()
        for r in self.replies:
            self.assertNotIn(KEY.encode(), r.SerializeToString())
        for e in self.events:
            self.assertNotIn(KEY.encode(), e.SerializeToString())
        self.assertNotIn(KEY, dlib.scrape(self.metrics_addr, self.ns_r))
        self.assertNotIn(KEY, self.d.log())
        for args in (["-o", "json", "group", "show", "onprem"], ["-o", "wide", "group", "list"],
                     ["-o", "json", "peer", "list"]):
            out = dlib.vbrctl(self.api, args)
            self.assertNotIn(KEY, out.stdout + out.stderr)
        # Text logs too, with a key change, a wrong-key peer and a reset logged at debug.
        d = dlib.Vbrd(["--api", "unix:" + os.path.join(self.d.dir, "t.sock"),
                       "--bgp-listen", "127.0.0.1:0", "--log-format", "text",
                       "--log-level", "debug"])
        api = "unix:" + os.path.join(self.d.dir, "t.sock")
        wait_until(lambda: dlib.health(api).returncode == 0, dlib.START_TIMEOUT, "text vbrd")
        dlib.vbrctl(api, ["group", "create", "g1", "--peer-asn", "65010", "--key", KEY])
        dlib.vbrctl(api, ["group", "update", "g1", "--key", KEY + "2"])
        dlib.vbrctl(api, ["peer", "add", "g1", "10.69.0.9"])
        r = dlib.vbrctl(api, ["group", "create", "g2", "--peer-asn", "65011", "--key",
                              KEY + "\x01"], check=False)   # invalid key: error message
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(KEY, r.stdout + r.stderr)
        self.assertEqual(d.stop(), 0)
        log = d.log()
        self.assertIn("BGP group updated", log)
        self.assertNotIn(KEY, log)


    def test_9_clean_exit(self):
        """Last: SIGTERM ends vbrd with 0 (and, in the ASan build, no sanitizer report)."""
        self.watch_call.cancel()
        rc = self.d.stop()
        log = self.d.log()
        self.assertNotIn("Sanitizer", log)
        self.assertEqual(rc, 0, log[-2000:])


class LogLevelTest(unittest.TestCase):
    def test_level_filters(self):
        dlib.stubs()
        tmp = dlib.mkdtemp("vd-lvl-")
        api = "unix:" + os.path.join(tmp, "api.sock")
        d = dlib.Vbrd(["--api", api, "--bgp-listen", "127.0.0.1:0", "--log-format", "json",
                       "--log-level", "warn"])
        wait_until(lambda: dlib.health(api).returncode == 0, dlib.START_TIMEOUT, "vbrd")
        dlib.vbrctl(api, ["network", "add", "203.0.113.0/24"])
        self.assertEqual(d.stop(), 0)
        for l in d.log().splitlines():
            if l.strip():
                self.assertIn(json.loads(l)["level"], ("warn", "error"), l)
        # A bad level is a usage error naming the flag.
        d = dlib.Vbrd(["--api", api, "--bgp-listen", "127.0.0.1:0", "--log-level", "chatty"])
        rc = d.wait_exit(dlib.START_TIMEOUT)
        self.assertNotIn(rc, (None, 0))
        self.assertIn("log-level", d.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
