#!/usr/bin/python3
"""vbrctl against a live vbrd (ctest label `integration`).

Every subcommand's table and JSON output (the JSON parsed and compared field by field with what
the API returns to Python's own gRPC stubs, in the proto3 JSON mapping), group and peer
resolution by name, IP and id, lists followed across many pages, each exit code (0 ok,
1 usage, 2 server error, 3 cannot connect), `watch` receiving events while other vbrctl
processes change state, Ctrl-C, a stream the server ends (shutdown; a stalled watcher ended
with RESOURCE_EXHAUSTED), a real BGP session (bgp_speaker.py inside vbrd's private network
namespace: states, counters, received / advertised routes, the route limit, 2,500 routes),
`--server unix:` and host:port, `--timeout`, TLS and mutual TLS, help, the man page and bash
completion.

    /usr/bin/python3 tests/cli/test_vbrctl.py --vbrd build/vbrd --vbrctl build/vbrctl \
        --proto proto --completion client/vbrctl.bash [unittest args]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unittest

import harness as h
from harness import vbrctl, table, details

ID_GROUP = re.compile(r"^bgpg-[0-9a-f]{8}$")
ID_PEER = re.compile(r"^bgpp-[0-9a-f]{8}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")

SERVER = None   # the shared daemon's API address (unix:...)
DAEMON = None


def setUpModule():
    global SERVER, DAEMON
    if not h.can_sandbox():
        raise unittest.SkipTest("peers need vbrd in a private network namespace (root, unshare)")
    DAEMON = h.Daemon("unix", ["--max-peers", "200", "--max-networks", "400"], sandbox=True).start()
    SERVER = DAEMON.api


def tearDownModule():
    if DAEMON:
        DAEMON.close()


def ok(*args, **kw):
    r = vbrctl(*args, server=kw.pop("server", SERVER), **kw)
    assert r.rc == 0, "vbrctl %s failed: %r" % (" ".join(map(str, args)), r)
    return r


def ok_json(*args, **kw):
    r = ok(*(list(args) + ["-o", "json"]), **kw)
    return r.json()


class Base(unittest.TestCase):
    def assertServerError(self, r, code, fragment=""):
        """Exit 2 and exactly one stderr line: "vbrctl: CODE: <server message>"."""
        self.assertEqual(r.rc, 2, r)
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertTrue(lines[0].startswith("vbrctl: %s: " % code), r)
        self.assertIn(fragment, lines[0])
        self.assertEqual(r.out, "", r)

    def assertUsage(self, r, fragment=""):
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.err.startswith("vbrctl: "), r)
        self.assertEqual(len(r.err.splitlines()), 1, r)
        self.assertIn(fragment, r.err)


class RouterTests(Base):
    def test_router_drain(self):
        # Peers stay Idle in this suite: the drain re-announces nothing, and the shared
        # daemon's stop (Cease to nobody, no kernel routes) is unchanged by it.
        self.assertEqual(ok("router", "drain", "-o", "json").json(), {})
        self.assertIn("GRACEFUL_SHUTDOWN", ok("router", "drain").out)
        self.assertIn("Cease", ok("router", "drain", "--help").out)

    def test_router_show_table_and_json(self):
        t = details(ok("router", "show").out)
        api = DAEMON.call("GetRouter", h.pb.GetRouterRequest())
        self.assertEqual(t["Local ASN"], str(api.local_asn))
        self.assertEqual(t["Router ID"], api.router_id)
        self.assertEqual(t["BGP listen"], api.bgp_listen)
        self.assertEqual(t["Max peers"], "200")
        self.assertEqual(t["Max networks"], "400")
        self.assertEqual(t["Default route limit"], str(api.default_route_limit))
        self.assertEqual(t["Version"], api.version)
        self.assertIn("API server", details(ok("router", "show", "-o", "wide").out))
        j = ok_json("router", "show")
        self.assertEqual(j, h.as_json(api))
        self.assertEqual(j["localAsn"], 45104)
        self.assertEqual(j["maxPeers"], 200)
        self.assertEqual(j["maxNetworks"], 400)
        self.assertRegex(j["startTime"], RFC3339)
        self.assertEqual(set(j), {"routerId", "localAsn", "bgpListen", "maxPeers",
                                  "defaultRouteLimit", "version", "startTime", "maxNetworks",
                                  "fibEnabled", "fibTable", "ipForwarding", "maxRouteEntries"})


class GroupTests(Base):
    def test_create_show_update_delete(self):
        r = ok("group", "create", "gt-full", "--peer-asn", "4200000001", "--key", "s3cret",
               "--description", "DC 2 edge, \"quoted\" ü", "--route-limit", "250",
               "--route-limit-action", "teardown", "--hold-time", "9", "--keepalive", "3")
        d = details(r.out)
        self.assertRegex(d["ID"], ID_GROUP)
        self.assertEqual(d["Name"], "gt-full")
        self.assertEqual(d["Peer ASN"], "4200000001")
        self.assertEqual(d["MD5 key"], "set")
        self.assertEqual(d["Description"], "DC 2 edge, \"quoted\" ü")
        self.assertEqual(d["Route limit"], "250 (teardown past the limit)")
        self.assertEqual(d["Hold time"], "9s")
        self.assertEqual(d["Keepalive"], "3s")
        self.assertEqual(d["Peers"], "0")
        gid = d["ID"]

        # show by name and by id: the same document, and the API's own JSON of the group.
        by_name = ok_json("group", "show", "gt-full")
        by_id = ok_json("group", "show", gid)
        self.assertEqual(by_name, by_id)
        api = DAEMON.call("GetBgpGroup", h.pb.GetBgpGroupRequest(id=gid))
        self.assertEqual(by_id, h.as_json(api))
        self.assertEqual(by_id["id"], gid)
        self.assertEqual(by_id["name"], "gt-full")
        self.assertEqual(by_id["peerAsn"], 4200000001)
        self.assertIs(by_id["hasAuthKey"], True)
        self.assertNotIn("authKey", by_id)
        self.assertEqual(by_id["description"], "DC 2 edge, \"quoted\" ü")
        self.assertEqual(by_id["routeLimit"], 250)
        self.assertEqual(by_id["routeLimitAction"], "ROUTE_LIMIT_ACTION_TEARDOWN")
        self.assertEqual(by_id["holdTime"], 9)
        self.assertEqual(by_id["keepaliveTime"], 3)
        self.assertEqual(by_id["peerCount"], 0)
        self.assertRegex(by_id["createTime"], RFC3339)

        # update by name: only what is given changes.
        j = ok_json("group", "update", "gt-full", "--route-limit", "500", "--description", "",
                    "--route-limit-action", "drop")
        self.assertEqual(j["routeLimit"], 500)
        self.assertEqual(j["description"], "")
        self.assertEqual(j["routeLimitAction"], "ROUTE_LIMIT_ACTION_DROP")
        self.assertEqual(j["holdTime"], 9)
        self.assertIs(j["hasAuthKey"], True)
        j = ok_json("group", "update", gid, "--no-key", "--peer-asn", "65010")
        self.assertIs(j["hasAuthKey"], False)
        self.assertEqual(j["peerAsn"], 65010)
        d = details(ok("group", "update", "gt-full", "--name", "gt-renamed", "--hold-time", "0",
                       "--keepalive", "0").out)
        self.assertEqual(d["Name"], "gt-renamed")
        self.assertEqual(d["Hold time"], "0s")
        self.assertEqual(ok_json("group", "show", "gt-renamed")["id"], gid)
        self.assertServerError(vbrctl("group", "show", "gt-full", server=SERVER), "NOT_FOUND",
                               "gt-full")
        self.assertUsage(vbrctl("group", "update", gid, server=SERVER), "nothing to change")

        r = ok("group", "delete", "gt-renamed")
        self.assertEqual(r.out.strip(), "Deleted BGP group %s" % gid)
        self.assertServerError(vbrctl("group", "show", gid, server=SERVER), "NOT_FOUND", gid)

    def test_create_json_and_defaults(self):
        j = ok_json("group", "create", "gt-defaults", "--peer-asn", "65001")
        self.addCleanup(vbrctl, "group", "delete", j["id"], server=SERVER)
        self.assertRegex(j["id"], ID_GROUP)
        self.assertEqual(j["routeLimit"], 100)
        self.assertEqual(j["holdTime"], 30)
        self.assertEqual(j["keepaliveTime"], 10)
        self.assertIs(j["hasAuthKey"], False)
        self.assertEqual(j, h.as_json(DAEMON.call("GetBgpGroup", h.pb.GetBgpGroupRequest(id=j["id"]))))
        self.assertEqual(ok("group", "delete", j["id"], "-o", "json").json(), {})

    def test_list_table_wide_json_and_every_page(self):
        # Many pages: --page-size 7 over 30 groups (and the server really pages at 7).
        ids = []
        for i in range(30):
            g = DAEMON.call("CreateBgpGroup", h.pb.CreateBgpGroupRequest(
                name="gl-%03d" % i, peer_asn=64512 + i, description="page test %d" % i))
            ids.append(g.id)
        try:
            self.assertTrue(DAEMON.call("ListBgpGroups", h.pb.ListBgpGroupsRequest(page_size=7)).next_page_token)
            rows = table(ok("group", "list", "--page-size", "7").out)
            self.assertEqual(rows, table(ok("group", "list").out))
            self.assertEqual(rows[0], ["ID", "NAME", "PEER-ASN", "PEERS", "ROUTE-LIMIT", "MD5",
                                       "DESCRIPTION"])
            by_id = {row[0]: row for row in rows[1:]}
            for i, gid in enumerate(ids):
                self.assertEqual(by_id[gid], [gid, "gl-%03d" % i, str(64512 + i), "0", "100", "no",
                                              "page test %d" % i])
            wide = table(ok("group", "list", "-o", "wide").out)
            self.assertEqual(wide[0], ["ID", "NAME", "PEER-ASN", "PEERS", "ROUTE-LIMIT", "ACTION",
                                       "MD5", "HOLD", "KEEPALIVE", "CREATED", "DESCRIPTION"])
            row = [r for r in wide if r[0] == ids[7]][0]
            self.assertEqual(row[5:9], ["drop", "no", "30s", "10s"])
            self.assertRegex(row[9], RFC3339)
            j = ok_json("group", "list", "--page-size", "7")
            self.assertEqual(j, ok_json("group", "list"))
            self.assertEqual(list(j), ["groups"])
            api = DAEMON.list_all("ListBgpGroups", h.pb.ListBgpGroupsRequest(), "groups")
            self.assertGreaterEqual(len(api), 30)
            self.assertEqual(j["groups"], [h.as_json(g) for g in api])
        finally:
            for gid in ids:
                DAEMON.call("DeleteBgpGroup", h.pb.DeleteBgpGroupRequest(id=gid))

    def test_request_id_retry_returns_the_first_group(self):
        a = ok_json("group", "create", "gt-retry", "--peer-asn", "65020", "--request-id", "req-77")
        self.addCleanup(vbrctl, "group", "delete", a["id"], server=SERVER)
        b = ok_json("group", "create", "gt-retry", "--peer-asn", "65020", "--request-id", "req-77")
        self.assertEqual(a, b)

    def test_local_asn_create_show_update(self):
        j = ok_json("group", "create", "gt-local", "--peer-asn", "45104", "--local-asn",
                    "4200000005")
        self.addCleanup(vbrctl, "group", "delete", j["id"], server=SERVER)
        self.assertEqual(j.get("local_asn", j.get("localAsn")), 4200000005)
        self.assertEqual(details(ok("group", "show", j["id"]).out)["Local ASN"], "4200000005")
        ok("group", "update", j["id"], "--local-asn", "0", "--peer-asn", "65001")
        self.assertEqual(details(ok("group", "show", j["id"]).out)["Local ASN"], "the router's")
        self.assertServerError(vbrctl("group", "update", j["id"], "--local-asn", "23456",
                                      server=SERVER), "INVALID_ARGUMENT", "local_asn")

    def test_graceful_restart_create_show_update(self):
        j = ok_json("group", "create", "gt-gr", "--peer-asn", "65022")
        self.addCleanup(vbrctl, "group", "delete", j["id"], server=SERVER)
        self.assertIs(j.get("gracefulRestart"), True)
        self.assertEqual(j.get("restartTime"), 120)
        self.assertEqual(details(ok("group", "show", j["id"]).out)["Graceful restart"],
                         "on, restart time 120s (applies from each session's next start)")
        ok("group", "update", j["id"], "--graceful-restart", "off", "--restart-time", "45")
        g = DAEMON.call("GetBgpGroup", h.pb.GetBgpGroupRequest(id=j["id"]))
        self.assertEqual((g.graceful_restart, g.restart_time), (False, 45))
        self.assertEqual(details(ok("group", "show", j["id"]).out)["Graceful restart"], "off")
        k = ok_json("group", "create", "gt-gr-off", "--peer-asn", "65022", "--graceful-restart",
                    "off", "--restart-time", "4095")
        self.addCleanup(vbrctl, "group", "delete", k["id"], server=SERVER)
        g = DAEMON.call("GetBgpGroup", h.pb.GetBgpGroupRequest(id=k["id"]))
        self.assertEqual((g.graceful_restart, g.restart_time), (False, 4095))
        self.assertUsage(vbrctl("group", "update", j["id"], "--graceful-restart", "maybe",
                                server=SERVER), "--graceful-restart")
        self.assertServerError(vbrctl("group", "update", j["id"], "--restart-time", "0",
                                      server=SERVER), "INVALID_ARGUMENT", "restart_time")

    def test_request_id_on_update_and_delete(self):
        g = ok_json("group", "create", "gt-rid", "--peer-asn", "65021")
        u = ok_json("group", "update", g["id"], "--description", "one", "--request-id", "u-77")
        ok("group", "update", g["id"], "--description", "two")
        self.assertEqual(ok_json("group", "update", g["id"], "--description", "one",
                                 "--request-id", "u-77"), u)  # the first reply, not applied
        ok("group", "delete", g["id"], "--request-id", "d-77")
        ok("group", "delete", g["id"], "--request-id", "d-77")  # a retry: OK, not NOT_FOUND
        self.assertServerError(vbrctl("group", "delete", g["id"], server=SERVER), "NOT_FOUND")

    def test_server_errors(self):
        self.assertServerError(vbrctl("group", "create", "9bad", "--peer-asn", "65001",
                                      server=SERVER), "INVALID_ARGUMENT", "name")
        self.assertServerError(vbrctl("group", "create", "gt-own-asn", "--peer-asn", "45104",
                                      server=SERVER), "INVALID_ARGUMENT", "peer_asn")
        j = ok_json("group", "create", "gt-dup", "--peer-asn", "65001")
        self.addCleanup(vbrctl, "group", "delete", j["id"], server=SERVER)
        self.assertServerError(vbrctl("group", "create", "gt-dup", "--peer-asn", "65002",
                                      server=SERVER), "ALREADY_EXISTS")
        self.assertServerError(vbrctl("group", "delete", "gt-nonesuch", server=SERVER),
                               "NOT_FOUND", "gt-nonesuch")
        self.assertServerError(vbrctl("group", "show", "bgpg-00000000", server=SERVER),
                               "NOT_FOUND", "bgpg-00000000")

    def test_a_name_equal_to_another_groups_id_resolves_to_the_id(self):
        a = ok_json("group", "create", "gt-first", "--peer-asn", "65030")
        self.addCleanup(vbrctl, "group", "delete", a["id"], server=SERVER)
        b = ok_json("group", "create", a["id"], "--peer-asn", "65031")  # a valid name
        self.addCleanup(vbrctl, "group", "delete", b["id"], server=SERVER)
        self.assertEqual(ok_json("group", "show", a["id"])["name"], "gt-first")
        self.assertEqual(ok_json("group", "show", b["id"])["name"], a["id"])


class PeerTests(Base):
    @classmethod
    def setUpClass(cls):
        cls.g1 = ok_json("group", "create", "pt-one", "--peer-asn", "65101")
        cls.g2 = ok_json("group", "create", "pt-two", "--peer-asn", "65102")

    @classmethod
    def tearDownClass(cls):
        for p in DAEMON.list_all("ListBgpPeers", h.pb.ListBgpPeersRequest(), "peers"):
            if p.group_id in (cls.g1["id"], cls.g2["id"]):
                DAEMON.call("DeleteBgpPeer", h.pb.DeleteBgpPeerRequest(id=p.id))
        for g in (cls.g1, cls.g2):
            vbrctl("group", "delete", g["id"], server=SERVER)

    def api_peer(self, pid):
        return h.as_json(DAEMON.call("GetBgpPeer", h.pb.GetBgpPeerRequest(id=pid)))

    def test_add_show_by_ip_and_id(self):
        r = ok("peer", "add", "pt-one", "10.77.1.1", "--description", "edge-1", "--disabled")
        d = details(r.out)
        self.assertRegex(d["ID"], ID_PEER)
        self.assertEqual(d["Peer IP"], "10.77.1.1")
        self.assertEqual(d["Peer ASN"], "65101")
        self.assertEqual(d["Group"], "pt-one (%s)" % self.g1["id"])
        self.assertEqual(d["Description"], "edge-1")
        self.assertEqual(d["Admin"], "down (disabled)")
        self.assertEqual(d["State"], "Idle (admin down)")
        self.assertEqual(d["BGP status"], "unestablished")
        self.assertEqual(d["Routes"], "0 received, 0 accepted, 0 advertised")
        pid = d["ID"]
        by_ip, by_id = ok_json("peer", "show", "10.77.1.1"), ok_json("peer", "show", pid)
        self.assertEqual(by_ip, by_id)
        self.assertEqual(by_id, self.api_peer(pid))
        self.assertEqual(by_id["id"], pid)
        self.assertEqual(by_id["groupId"], self.g1["id"])
        self.assertEqual(by_id["peerIp"], "10.77.1.1")
        self.assertEqual(by_id["peerAsn"], 65101)
        self.assertIs(by_id["adminDown"], True)
        self.assertEqual(by_id["sessionState"], "SESSION_STATE_IDLE")
        self.assertEqual(by_id["bgpStatus"], "BGP_STATUS_UNESTABLISHED")
        for counter in ("receivedRouteCount", "acceptedRouteCount", "advertisedRouteCount"):
            self.assertEqual(by_id[counter], "0")  # uint64: a string in proto3 JSON
        self.assertNotIn("establishedTime", by_id)
        self.assertRegex(by_id["createTime"], RFC3339)
        self.assertEqual(details(ok("peer", "show", "10.77.1.1").out)["ID"], pid)

        # A group named by id works as well as by name; JSON output of peer add.
        j = ok_json("peer", "add", self.g2["id"], "10.77.1.2", "--disabled")
        self.assertEqual(j, self.api_peer(j["id"]))
        self.assertEqual(j["groupId"], self.g2["id"])
        self.assertEqual(j["peerAsn"], 65102)

        self.assertServerError(vbrctl("peer", "add", "pt-one", "10.77.1.1", server=SERVER),
                               "ALREADY_EXISTS")
        self.assertServerError(vbrctl("peer", "add", "pt-one", "2001:db8::1", server=SERVER),
                               "INVALID_ARGUMENT", "IPv6")
        self.assertServerError(vbrctl("peer", "add", "pt-nonesuch", "10.77.1.3", server=SERVER),
                               "NOT_FOUND", "pt-nonesuch")
        self.assertServerError(vbrctl("peer", "show", "10.77.9.9", server=SERVER), "NOT_FOUND",
                               "10.77.9.9")
        self.assertServerError(vbrctl("peer", "show", "bgpp-00000000", server=SERVER),
                               "NOT_FOUND", "bgpp-00000000")
        self.assertServerError(vbrctl("group", "delete", "pt-one", server=SERVER),
                               "FAILED_PRECONDITION")

    def test_list_filter_wide_json(self):
        a = ok_json("peer", "add", "pt-one", "10.77.2.1", "--disabled", "--description", "a")
        b = ok_json("peer", "add", "pt-two", "10.77.2.2", "--disabled")
        rows = table(ok("peer", "list").out)
        self.assertEqual(rows[0], ["ID", "PEER-IP", "PEER-ASN", "GROUP", "STATE", "UP/DOWN",
                                   "ACCEPTED/RECEIVED", "ADVERTISED", "DESCRIPTION"])
        by_ip = {row[1]: row for row in rows[1:]}
        self.assertEqual(by_ip["10.77.2.1"], [a["id"], "10.77.2.1", "65101", "pt-one",
                                              "Idle (admin down)", "-", "0/0", "0", "a"])
        self.assertEqual(by_ip["10.77.2.2"][3], "pt-two")
        only = table(ok("peer", "list", "--group", "pt-one").out)
        ips = [row[1] for row in only[1:]]
        self.assertIn("10.77.2.1", ips)
        self.assertNotIn("10.77.2.2", ips)
        wide = table(ok("peer", "list", "-o", "wide", "--group", self.g2["id"]).out)
        self.assertEqual(wide[0], ["ID", "PEER-IP", "PEER-ASN", "GROUP", "GROUP-ID", "STATE",
                                   "BFD", "UP/DOWN", "RECEIVED", "ACCEPTED", "ADVERTISED", "HOLD",
                                   "ROUTER-ID", "ADMIN", "DESCRIPTION", "LAST-ERROR"])
        row = [r for r in wide if r[1] == "10.77.2.2"][0]
        self.assertEqual(row[:14], [b["id"], "10.77.2.2", "65102", "pt-two", self.g2["id"],
                                    "Idle (admin down)", "off", "-", "0", "0", "0", "-", "-",
                                    "down"])
        j = ok_json("peer", "list", "--group", "pt-two")
        self.assertEqual(list(j), ["peers"])
        api = DAEMON.list_all("ListBgpPeers", h.pb.ListBgpPeersRequest(group_id=self.g2["id"]),
                              "peers")
        self.assertEqual(j["peers"], [h.as_json(p) for p in api])
        self.assertIn(b["id"], [p["id"] for p in j["peers"]])

    def test_color_only_when_asked_or_on_a_terminal(self):
        ok("peer", "add", "pt-one", "10.77.3.1", "--disabled")
        self.assertNotIn("\x1b[", ok("peer", "list").out)
        colored = ok("peer", "list", "--color", "always").out
        self.assertIn("\x1b[31mIdle (admin down)\x1b[0m", colored)
        self.assertNotIn("\x1b[", ok("peer", "list", "-o", "json", "--color", "always").out)

    def test_update_enable_disable_reset_delete(self):
        p = ok_json("peer", "add", "pt-one", "10.77.4.1", "--disabled")
        j = ok_json("peer", "update", "10.77.4.1", "--description", "rack 4", "--group", "pt-two")
        self.assertEqual(j["description"], "rack 4")
        self.assertEqual(j["groupId"], self.g2["id"])
        self.assertEqual(j["peerAsn"], 65102)
        self.assertEqual(j, self.api_peer(p["id"]))
        d = details(ok("peer", "enable", "10.77.4.1").out)
        self.assertEqual(d["Admin"], "up (enabled)")
        self.assertIs(self.api_peer(p["id"])["adminDown"], False)
        j = ok_json("peer", "disable", p["id"])
        self.assertIs(j["adminDown"], True)
        self.assertIs(self.api_peer(p["id"])["adminDown"], True)
        j = ok_json("peer", "update", p["id"], "--enabled")
        self.assertIs(j["adminDown"], False)
        self.assertUsage(vbrctl("peer", "update", p["id"], server=SERVER), "nothing to change")
        self.assertUsage(vbrctl("peer", "update", p["id"], "--enabled", "--disabled",
                                server=SERVER), "contradict")

        r = ok("peer", "reset", "10.77.4.1", "--message", "maintenance done")
        self.assertEqual(r.out.strip(), "Reset BGP peer %s (10.77.4.1)" % p["id"])
        # A soft reset is a ROUTE-REFRESH: only an Established session can take one.
        self.assertServerError(vbrctl("peer", "reset", p["id"], "--soft", server=SERVER),
                               "FAILED_PRECONDITION", p["id"])
        self.assertEqual(ok("peer", "reset", "10.77.4.1", "-o", "json").json(), {})

        r = ok("peer", "delete", "10.77.4.1")
        self.assertEqual(r.out.strip(), "Deleted BGP peer %s (10.77.4.1)" % p["id"])
        self.assertServerError(vbrctl("peer", "show", "10.77.4.1", server=SERVER), "NOT_FOUND")
        q = ok_json("peer", "add", "pt-one", "10.77.4.2", "--disabled")
        self.assertEqual(ok("peer", "delete", q["id"], "-o", "json").json(), {})

    def test_list_every_page(self):
        ids = []
        g = DAEMON.call("CreateBgpGroup", h.pb.CreateBgpGroupRequest(name="pt-many", peer_asn=65199))
        try:
            for i in range(30):
                ids.append(DAEMON.call("CreateBgpPeer", h.pb.CreateBgpPeerRequest(
                    group_id=g.id, peer_ip="10.77.100.%d" % (i + 1), admin_down=True)).id)
            j = ok_json("peer", "list", "--group", "pt-many", "--page-size", "4")
            self.assertEqual(sorted(p["id"] for p in j["peers"]), sorted(ids))
            self.assertEqual(j, ok_json("peer", "list", "--group", "pt-many"))
            rows = table(ok("peer", "list", "--group", "pt-many", "--page-size", "4").out)
            self.assertEqual(len(rows), 31)
        finally:
            for pid in ids:
                DAEMON.call("DeleteBgpPeer", h.pb.DeleteBgpPeerRequest(id=pid))
            DAEMON.call("DeleteBgpGroup", h.pb.DeleteBgpGroupRequest(id=g.id))

    def test_routes_table_and_json(self):
        p = ok_json("peer", "add", "pt-one", "10.77.5.1", "--disabled")
        ok("network", "add", "198.18.5.0/24")
        self.addCleanup(vbrctl, "network", "delete", "198.18.5.0/24", server=SERVER)
        for flag, direction in ((None, h.pb.ROUTE_DIRECTION_RECEIVED),
                                ("--advertised", h.pb.ROUTE_DIRECTION_ADVERTISED)):
            args = ["routes", "10.77.5.1"] + ([flag] if flag else [])
            j = ok_json(*args)
            api = DAEMON.list_all("ListRoutes", h.pb.ListRoutesRequest(
                peer_id=p["id"], direction=direction), "routes")
            self.assertEqual(j, {"routes": [h.as_json(r) for r in api]})
            rows = table(ok(*args).out)
            header = ["PREFIX", "NEXT-HOP", "AS-PATH", "ORIGIN", "MED", "COMMUNITIES"]
            self.assertEqual(rows[0], header + ([] if flag else ["ACCEPTED"]))
            self.assertEqual(len(rows) - 1, len(api))
            wide = table(ok(*(args + ["-o", "wide"])).out)
            self.assertIn("LARGE-COMMUNITIES", wide[0])
        self.assertServerError(vbrctl("routes", "10.77.99.99", server=SERVER), "NOT_FOUND")
        self.assertServerError(vbrctl("routes", "bgpp-00000000", server=SERVER), "NOT_FOUND")


class NetworkTests(Base):
    def test_add_list_delete(self):
        r = ok("network", "add", "203.0.113.0/24")
        d = details(r.out)
        self.assertEqual(d["Network"], "203.0.113.0/24")
        self.assertRegex(d["Created"], RFC3339)
        j = ok_json("network", "add", "198.51.100.0/25", "--request-id", "net-1")
        self.assertEqual(set(j), {"cidr", "createTime"})
        self.assertEqual(j["cidr"], "198.51.100.0/25")
        self.assertRegex(j["createTime"], RFC3339)
        self.assertEqual(ok_json("network", "add", "198.51.100.0/25", "--request-id", "net-1"), j)

        rows = table(ok("network", "list").out)
        self.assertEqual(rows[0], ["NETWORK", "CREATED"])
        cidrs = [row[0] for row in rows[1:]]
        self.assertIn("203.0.113.0/24", cidrs)
        self.assertIn("198.51.100.0/25", cidrs)
        lj = ok_json("network", "list")
        api = DAEMON.list_all("ListBgpNetworks", h.pb.ListBgpNetworksRequest(), "networks")
        self.assertEqual(lj, {"networks": [h.as_json(n) for n in api]})

        self.assertServerError(vbrctl("network", "add", "203.0.113.0/24", server=SERVER),
                               "ALREADY_EXISTS")
        self.assertServerError(vbrctl("network", "add", "203.0.113.1/24", server=SERVER),
                               "INVALID_ARGUMENT", "cidr")
        r = ok("network", "delete", "203.0.113.0/24")
        self.assertEqual(r.out.strip(), "Deleted BGP network 203.0.113.0/24 (withdrawn from every peer)")
        self.assertEqual(ok("network", "delete", "198.51.100.0/25", "-o", "json").json(), {})
        self.assertServerError(vbrctl("network", "delete", "203.0.113.0/24", server=SERVER),
                               "NOT_FOUND")
        self.assertNotIn("203.0.113.0/24", ok("network", "list").out)

    def test_list_every_page(self):
        cidrs = ["198.19.%d.0/24" % i for i in range(40)]
        for c in cidrs:
            DAEMON.call("AddBgpNetwork", h.pb.AddBgpNetworkRequest(cidr=c))
        try:
            j = ok_json("network", "list", "--page-size", "3")
            self.assertEqual(j, ok_json("network", "list"))
            got = [n["cidr"] for n in j["networks"]]
            self.assertTrue(set(cidrs) <= set(got))
            self.assertEqual(len(got), len(set(got)))
        finally:
            for c in cidrs:
                DAEMON.call("DeleteBgpNetwork", h.pb.DeleteBgpNetworkRequest(cidr=c))


class RouteEntryTests(Base):
    def test_create_list_delete_json(self):
        j = ok_json("route-entry", "create", "198.51.100.0/24", "192.0.2.77", "--description", "vpc")
        self.assertRegex(j["id"], r"^rte-[0-9a-f]{8}$")
        self.assertEqual((j["destinationCidr"], j["nextHop"], j["description"]),
                         ("198.51.100.0/24", "192.0.2.77", "vpc"))
        try:
            lj = ok_json("route-entry", "list", "--source", "static")
            self.assertEqual(set(lj), {"routeEntries"})  # the proto3 JSON name, as its fields
            api = DAEMON.list_all("ListRouteEntries", h.pb.ListRouteEntriesRequest(
                source=h.pb.ROUTE_SOURCE_STATIC), "route_entries")
            self.assertEqual(lj["routeEntries"], [h.as_json(e) for e in api])
            self.assertIn(j["id"], [e["id"] for e in lj["routeEntries"]])
        finally:
            ok("route-entry", "delete", j["id"])
        self.assertNotIn(j["id"], ok("route-entry", "list").out)


class WatchTests(Base):
    @classmethod
    def setUpClass(cls):
        cls.g = ok_json("group", "create", "wt-group", "--peer-asn", "65201")

    @classmethod
    def tearDownClass(cls):
        for p in DAEMON.list_all("ListBgpPeers", h.pb.ListBgpPeersRequest(group_id=cls.g["id"]), "peers"):
            DAEMON.call("DeleteBgpPeer", h.pb.DeleteBgpPeerRequest(id=p.id))
        vbrctl("group", "delete", cls.g["id"], server=SERVER)

    def start(self, *args):
        w = h.Watch(*args, server=SERVER)
        self.addCleanup(w.close)
        return w

    def test_json_events_from_another_process_and_ctrl_c(self):
        import json
        existing = ok_json("peer", "add", "wt-group", "10.77.6.1", "--disabled")
        w = self.start("-o", "json", "--initial")
        end, before = w.until(lambda l: json.loads(l)["kind"] == "PEER_EVENT_KIND_END_OF_INITIAL_STATE")
        initial = [json.loads(l) for l in before]
        self.assertTrue(all(e["kind"] == "PEER_EVENT_KIND_INITIAL_STATE" for e in initial))
        mine = [e for e in initial if e["peerId"] == existing["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["peerIp"], "10.77.6.1")
        self.assertEqual(mine[0]["newState"], "SESSION_STATE_IDLE")

        created = ok_json("peer", "add", "wt-group", "10.77.6.2", "--disabled")
        line, _ = w.until(lambda l: json.loads(l).get("peerId") == created["id"])
        e = json.loads(line)
        self.assertEqual(e["kind"], "PEER_EVENT_KIND_PEER_CREATED")
        self.assertEqual(e["peerIp"], "10.77.6.2")
        self.assertRegex(e["sequence"], r"^\d+$")  # uint64: a string
        self.assertRegex(e["time"], RFC3339)
        self.assertEqual(set(e) - {"oldState", "newState", "reason", "oldBfdState",
                                   "newBfdState"},
                         {"sequence", "time", "kind", "peerId", "peerIp"})
        created_seq = int(e["sequence"])

        ok("peer", "delete", "10.77.6.2")
        line, _ = w.until(lambda l: json.loads(l).get("peerId") == created["id"])
        e = json.loads(line)
        self.assertEqual(e["kind"], "PEER_EVENT_KIND_PEER_DELETED")
        self.assertGreater(int(e["sequence"]), created_seq)

        rc, rest, err = w.interrupt()
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        for l in rest.splitlines():
            json.loads(l)  # whatever else arrived is still one object per line

        # --after replays from the history: the first event is the one after SEQ.
        w2 = self.start("-o", "json", "--after", str(created_seq - 1))
        first = json.loads(w2.line())
        self.assertEqual(int(first["sequence"]), created_seq)
        self.assertEqual(first["kind"], "PEER_EVENT_KIND_PEER_CREATED")
        self.assertEqual(w2.interrupt()[0], 0)

    def test_table_lines_and_peer_filter(self):
        a = ok_json("peer", "add", "wt-group", "10.77.7.1", "--disabled")
        b = ok_json("peer", "add", "wt-group", "10.77.7.2", "--disabled")
        w = self.start("--initial", "--peer", "10.77.7.1")
        first = w.line()
        self.assertRegex(first, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  10\.77\.7\.1 +now Idle$")
        w.until(lambda l: "end of initial state" in l)
        ok("peer", "delete", b["id"])   # filtered out
        ok("peer", "delete", "10.77.7.1")
        line = w.line()
        self.assertRegex(line, r"^\S+Z  10\.77\.7\.1 +peer deleted")
        rc, rest, err = w.interrupt()
        self.assertEqual(rc, 0, err)
        self.assertNotIn("10.77.7.2", rest)
        self.assertNotIn(a["id"], rest)  # table output names peers by IP

    def test_wide_shows_sequence_and_id(self):
        w = self.start("--initial", "-o", "wide")
        w.until(lambda l: "end of initial state" in l)
        p = ok_json("peer", "add", "wt-group", "10.77.8.1", "--disabled")
        line, _ = w.until(lambda l: "peer created" in l)
        self.assertRegex(line, r"^\S+Z  #\d+ +%s  10\.77\.8\.1 +peer created$" % p["id"])
        self.assertEqual(w.interrupt()[0], 0)


class SessionTests(Base):
    """A real BGP session with bgp_speaker.py inside vbrd's namespace: states, counters,
    received and advertised routes, the route limit, and the events on watch."""
    ADDR = "10.77.50.1"
    PREFIXES = ["198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24"]

    @classmethod
    def setUpClass(cls):
        ns = ["nsenter", "--net=/proc/%d/ns/net" % DAEMON.proc.pid]
        subprocess.run(ns + ["ip", "addr", "add", cls.ADDR + "/32", "dev", "lo"], check=True,
                       timeout=30)
        speaker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bgp_speaker.py")
        cls.speaker = subprocess.Popen(ns + ["/usr/bin/python3", speaker, cls.ADDR, "65401"] +
                                       cls.PREFIXES, stdout=subprocess.PIPE,
                                       stdin=subprocess.DEVNULL)
        ready = cls.speaker.stdout.readline()  # bounded: the speaker prints it or exits
        if ready != b"listening\n":
            cls.speaker.kill()
            raise AssertionError("bgp_speaker did not start: %r" % ready)
        cls.group = ok_json("group", "create", "st-group", "--peer-asn", "65401",
                            "--route-limit", "2")
        ok("network", "add", "198.18.50.0/24")

    @classmethod
    def tearDownClass(cls):
        cls.speaker.kill()
        cls.speaker.wait(10)
        cls.speaker.stdout.close()
        vbrctl("peer", "delete", cls.ADDR, server=SERVER)
        vbrctl("group", "delete", "st-group", server=SERVER)
        vbrctl("network", "delete", "198.18.50.0/24", server=SERVER)

    def wait_for(self, what, predicate, timeout=20.0):
        import time
        deadline = time.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.time() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.1)

    def test_session_routes_and_events(self):
        import json
        jw = h.Watch("-o", "json", "--initial", server=SERVER)
        self.addCleanup(jw.close)
        tw = h.Watch("--initial", server=SERVER)
        self.addCleanup(tw.close)
        jw.until(lambda l: json.loads(l)["kind"] == "PEER_EVENT_KIND_END_OF_INITIAL_STATE")
        tw.until(lambda l: "end of initial state" in l)

        p = ok_json("peer", "add", "st-group", self.ADDR)
        line, _ = jw.until(lambda l: json.loads(l).get("newState") == "SESSION_STATE_ESTABLISHED",
                           timeout=30)
        e = json.loads(line)
        self.assertEqual(e["kind"], "PEER_EVENT_KIND_STATE_CHANGED")
        self.assertEqual(e["peerId"], p["id"])
        self.assertEqual(e["oldState"], "SESSION_STATE_OPEN_CONFIRM")
        line, _ = tw.until(lambda l: "-> Established" in l, timeout=30)
        self.assertRegex(line, r"^\S+Z  10\.77\.50\.1 +OpenConfirm -> Established")
        line, _ = jw.until(lambda l: json.loads(l)["kind"] == "PEER_EVENT_KIND_ROUTE_LIMIT_REACHED")
        self.assertEqual(json.loads(line)["peerId"], p["id"])
        tw.until(lambda l: "10.77.50.1" in l and "route limit reached" in l)

        api = lambda: DAEMON.call("GetBgpPeer", h.pb.GetBgpPeerRequest(id=p["id"]))
        self.wait_for("3 routes received, 2 accepted, 1 advertised",
                      lambda: (api().received_route_count, api().accepted_route_count,
                               api().advertised_route_count) == (3, 2, 1))
        d = details(ok("peer", "show", self.ADDR).out)
        self.assertEqual(d["State"], "Established")
        self.assertEqual(d["BGP status"], "established")
        self.assertRegex(d["Established"], r"^\S+Z \(\d+[smhd]\S* ago\)$")
        self.assertEqual(d["Routes"], "3 received, 2 accepted, 1 advertised")
        self.assertEqual(d["Hold time"], "30s (negotiated)")
        self.assertEqual(d["Remote router ID"], self.ADDR)
        j = ok_json("peer", "show", p["id"])
        self.assertEqual(j["sessionState"], "SESSION_STATE_ESTABLISHED")
        self.assertEqual(j["bgpStatus"], "BGP_STATUS_ESTABLISHED")
        self.assertRegex(j["establishedTime"], RFC3339)
        self.assertEqual((j["receivedRouteCount"], j["acceptedRouteCount"],
                          j["advertisedRouteCount"]), ("3", "2", "1"))
        self.assertEqual(j["negotiatedHoldTime"], 30)
        self.assertEqual(j["remoteRouterId"], self.ADDR)
        self.assertIn("\x1b[32mEstablished\x1b[0m", ok("peer", "list", "--color", "always").out)
        row = [r for r in table(ok("peer", "list").out) if r[1] == self.ADDR][0]
        self.assertEqual(row[4], "Established")
        self.assertRegex(row[5], r"^\d+[smhd]")
        self.assertEqual(row[6:8], ["2/3", "1"])

        rows = table(ok("routes", self.ADDR).out)
        self.assertEqual(rows[0], ["PREFIX", "NEXT-HOP", "AS-PATH", "ORIGIN", "MED", "COMMUNITIES",
                                   "ACCEPTED"])
        self.assertEqual(sorted(r[0] for r in rows[1:]), self.PREFIXES)
        for r in rows[1:]:
            self.assertEqual(r[1:6], [self.ADDR, "65401 65402", "igp", "50", "65401:100"])
        self.assertEqual(sorted(r[6] for r in rows[1:]), ["no (route limit 2 reached)", "yes", "yes"])
        j = ok_json("routes", p["id"])
        listed = DAEMON.list_all("ListRoutes", h.pb.ListRoutesRequest(peer_id=p["id"]), "routes")
        self.assertEqual(j, {"routes": [h.as_json(r) for r in listed]})
        self.assertEqual(ok_json("routes", p["id"], "--page-size", "1"), j)  # three pages
        for r in j["routes"]:
            self.assertEqual(r["asPath"], [65401, 65402])
            self.assertEqual(r["nextHop"], self.ADDR)
            self.assertEqual(r["origin"], "ORIGIN_IGP")
            self.assertEqual(r["med"], 50)
            self.assertNotIn("localPref", r)
            self.assertEqual(r["communities"], ["65401:100"])
        self.assertEqual(sorted(r["accepted"] for r in j["routes"]), [False, True, True])

        rows = table(ok("routes", self.ADDR, "--advertised").out)
        self.assertEqual(rows[0], ["PREFIX", "NEXT-HOP", "AS-PATH", "ORIGIN", "MED", "COMMUNITIES"])
        self.assertEqual(rows[1][0], "198.18.50.0/24")
        self.assertEqual(rows[1][2:4], ["45104", "igp"])

        self.assertIn("Soft-reset", ok("peer", "reset", self.ADDR, "--soft").out)

        ok("peer", "disable", self.ADDR)
        line, _ = jw.until(lambda l: json.loads(l).get("oldState") == "SESSION_STATE_ESTABLISHED")
        e = json.loads(line)
        self.assertEqual(e["peerId"], p["id"])
        self.assertNotEqual(e["reason"], "")
        line, _ = tw.until(lambda l: "Established -> " in l)
        self.assertRegex(line, r"^\S+Z  10\.77\.50\.1 +Established -> \w+  \S")
        for w in (jw, tw):
            self.assertEqual(w.interrupt()[0], 0)


class FullTableTests(Base):
    """2,500 routes: more than a page and more than one printed chunk of the table."""
    ADDR = "10.77.51.1"

    def test_many_routes_table_and_json(self):
        ns = ["nsenter", "--net=/proc/%d/ns/net" % DAEMON.proc.pid]
        subprocess.run(ns + ["ip", "addr", "add", self.ADDR + "/32", "dev", "lo"], check=True,
                       timeout=30)
        speaker = subprocess.Popen(
            ns + ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "bgp_speaker.py"), self.ADDR, "65402",
                  "gen:2500"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (speaker.kill(), speaker.wait(10), speaker.stdout.close()))
        self.assertEqual(speaker.stdout.readline(), b"listening\n")
        g = ok_json("group", "create", "ft-group", "--peer-asn", "65402", "--route-limit", "5000")
        self.addCleanup(vbrctl, "group", "delete", g["id"], server=SERVER)
        p = ok_json("peer", "add", "ft-group", self.ADDR)
        self.addCleanup(vbrctl, "peer", "delete", p["id"], server=SERVER)
        import time
        deadline = time.time() + 30
        while DAEMON.call("GetBgpPeer", h.pb.GetBgpPeerRequest(id=p["id"])).accepted_route_count < 2500:
            self.assertLess(time.time(), deadline, "2,500 routes not received in 30 s")
            time.sleep(0.2)
        out = ok("routes", self.ADDR, "--page-size", "700").out
        lines = out.splitlines()
        self.assertEqual(len(lines), 2501)
        # One alignment for the whole table, across pages and printed chunks.
        self.assertEqual(len({line.index("10.77.51.1") for line in lines[1:]}), 1)
        self.assertEqual(lines[0].index("NEXT-HOP"), lines[1].index("10.77.51.1"))
        import ipaddress
        base = ipaddress.ip_address("100.64.0.0")
        self.assertEqual({line.split()[0] for line in lines[1:]},
                         {"%s/24" % (base + (i << 8)) for i in range(2500)})
        j = ok_json("routes", p["id"], "--page-size", "700")
        self.assertEqual(len(j["routes"]), 2500)
        listed = DAEMON.list_all("ListRoutes", h.pb.ListRoutesRequest(peer_id=p["id"]), "routes")
        self.assertEqual(j, {"routes": [h.as_json(r) for r in listed]})
        self.assertEqual([l.split()[0] for l in lines[1:]], [r["prefix"] for r in j["routes"]])


class ServerEndsStreamTests(Base):
    def test_watch_says_why_and_exits_non_zero(self):
        d = h.Daemon("tcp").start()
        self.addCleanup(d.close)
        w = h.Watch("--initial", server=d.api)
        self.addCleanup(w.close)
        w.until(lambda l: "end of initial state" in l)
        d.stop(signal.SIGTERM)
        rc, _, err = w.finish(timeout=20)
        self.assertEqual(rc, 2, err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertRegex(lines[0], r"^vbrctl: stream ended by the server: [A-Z_]+: .+")


class StalledWatcherTests(Base):
    def test_a_watcher_too_far_behind_is_told_why(self):
        """vbrctl stopped (SIGSTOP) while events pour in: vbrd ends its stream with
        RESOURCE_EXHAUSTED; resumed, vbrctl prints what it had, then the status, exit 2."""
        d = h.Daemon("unix", ["--event-history", "8"], sandbox=True).start()
        self.addCleanup(d.close)
        g = d.call("CreateBgpGroup", h.pb.CreateBgpGroupRequest(name="sw", peer_asn=65501))
        p = d.call("CreateBgpPeer", h.pb.CreateBgpPeerRequest(group_id=g.id, peer_ip="10.77.60.1"))
        w = h.Watch("-o", "json", "--initial", server=d.api)
        self.addCleanup(w.close)
        w.until(lambda l: "END_OF_INITIAL_STATE" in l)
        w.proc.send_signal(signal.SIGSTOP)
        try:
            # Each reset of the (unreachable) peer makes state changes: far more than the
            # HTTP/2 window and the 8 events of history can hold.
            for _ in range(20):
                futures = [d.stub.ResetBgpPeer.future(h.pb.ResetBgpPeerRequest(id=p.id),
                                                      timeout=30) for _ in range(100)]
                for f in futures:
                    f.result()
        finally:
            w.proc.send_signal(signal.SIGCONT)
        rc, out, err = w.finish(timeout=60)
        self.assertEqual(rc, 2, err)
        self.assertRegex(err, r"^vbrctl: stream ended by the server: RESOURCE_EXHAUSTED: .+\n$")
        for line in out.splitlines():
            self.assertEqual(json.loads(line)["peerId"], p.id)


class ConnectionTests(Base):
    def test_tcp_server_flag_and_env(self):
        d = h.Daemon("tcp").start()
        self.addCleanup(d.close)
        self.assertEqual(details(ok("--server", d.api, "router", "show", server=None).out)["Local ASN"], "45104")
        self.assertEqual(details(ok("router", "show", server=d.api).out)["Local ASN"], "45104")
        # The flag wins over the environment, before or after the command.
        self.assertEqual(ok("router", "show", "-s", d.api, server="unix:/nonexistent").rc, 0)

    def test_unix_server(self):
        r = vbrctl("--server", SERVER, "router", "show")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(SERVER.startswith("unix:"))

    def test_cannot_connect_is_3_and_names_the_address(self):
        port = h.free_port()
        r = vbrctl("router", "show", server="127.0.0.1:%d" % port)
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(len(r.err.splitlines()), 1, r)
        self.assertTrue(r.err.startswith("vbrctl: cannot connect to 127.0.0.1:%d: UNAVAILABLE: " % port), r)
        r = vbrctl("group", "list", "--server", "unix:/tmp/vc-no-such.sock")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("unix:/tmp/vc-no-such.sock", r.err)
        r = vbrctl("watch", server="127.0.0.1:%d" % port)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("cannot connect to 127.0.0.1:%d" % port, r.err)

    def test_timeout(self):
        # A listener that completes the TCP handshake and never speaks HTTP/2: the call can only
        # end by its deadline (a zero deadline against the live daemon raced its reply).
        import socket
        mute = socket.socket()
        try:
            mute.bind(("127.0.0.1", 0))
            mute.listen(4)
            port = mute.getsockname()[1]
            r = vbrctl("--timeout", "300ms", "router", "show", server="127.0.0.1:%d" % port)
        finally:
            mute.close()
        self.assertEqual(r.rc, 2, r)
        self.assertTrue(r.err.startswith("vbrctl: DEADLINE_EXCEEDED: "), r)
        self.assertEqual(ok("router", "show", "--timeout", "5s").rc, 0)
        self.assertUsage(vbrctl("--timeout", "soon", "router", "show", server=SERVER), "--timeout")


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


class TlsTests(Base):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("openssl"):
            raise unittest.SkipTest("openssl is not installed")
        cls.dir = d = h.mkdtemp("vc-tls-")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                "ca.pem", "-days", "2", "-subj", "/CN=vbrctl test CA", cwd=d)
        for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                          ("client", "extendedKeyUsage=clientAuth")):
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                    name + ".csr", "-subj", "/CN=" + name, cwd=d)
            with open(os.path.join(d, name + ".ext"), "w") as f:
                f.write(ext + "\n")
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile",
                    name + ".ext", cwd=d)
        cls.path = staticmethod(lambda name: os.path.join(d, name))

    def test_tls_and_mutual_tls(self):
        p = self.path
        d = h.Daemon("tcp", ["--tls-cert", p("server.pem"), "--tls-key", p("server.key")])
        # The harness probes readiness without TLS; this daemon is probed through vbrctl.
        d.wait_ready = lambda: None
        d.start()
        self.addCleanup(d.close)
        r = self.wait_tls(d, "--ca", p("ca.pem"))
        self.assertEqual(details(r.out)["Local ASN"], "45104")
        r = vbrctl("router", "show", "--tls-ca", p("ca.pem"), server=d.api)
        self.assertEqual(r.rc, 0, r)
        r = vbrctl("router", "show", "--ca", p("ca.pem"), server=d.api,
                   env={"VBRCTL_CA": ""})
        self.assertEqual(r.rc, 0, r)
        r = vbrctl("router", "show", server=d.api, env={"VBRCTL_CA": p("ca.pem")})
        self.assertEqual(r.rc, 0, r)
        # Plaintext to a TLS server, and TLS that does not trust the server's CA: no connection.
        self.assertEqual(vbrctl("router", "show", server=d.api).rc, 3)
        r = vbrctl("router", "show", "--ca", p("client.pem"), server=d.api)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("cannot connect to " + d.api, r.err)
        self.assertUsage(vbrctl("router", "show", "--ca", p("missing.pem"), server=d.api),
                         "missing.pem")
        d.close()

        m = h.Daemon("tcp", ["--tls-cert", p("server.pem"), "--tls-key", p("server.key"),
                             "--tls-client-ca", p("ca.pem")])
        m.wait_ready = lambda: None
        m.start()
        self.addCleanup(m.close)
        # The global --key (TLS) goes before the command: after `group create` it is the MD5 key.
        r = self.wait_tls(m, "--ca", p("ca.pem"), "--cert", p("client.pem"), "--key", p("client.key"))
        self.assertEqual(r.rc, 0, r)
        r = vbrctl("group", "create", "tls-g", "--peer-asn", "65001", "--key", "md5-secret",
                   "--ca", p("ca.pem"), "--cert", p("client.pem"), "--tls-key", p("client.key"),
                   "-o", "json", server=m.api)
        self.assertEqual(r.rc, 0, r)
        self.assertIs(r.json()["hasAuthKey"], True)
        r = vbrctl("router", "show", "--ca", p("ca.pem"), server=m.api)
        self.assertIn(r.rc, (2, 3), r)   # refused: no client certificate
        self.assertNotEqual(r.err, "")
        self.assertUsage(vbrctl("router", "show", "--ca", p("ca.pem"), "--cert", p("client.pem"),
                                server=m.api), "--cert and --key")

    def wait_tls(self, d, *tls):
        import time
        deadline = time.time() + h.START_TIMEOUT
        while True:
            r = vbrctl(*(list(tls) + ["router", "show"]), server=d.api)
            if r.rc == 0 or time.time() > deadline or d.proc.poll() is not None:
                self.assertEqual(r.rc, 0, "%r\nvbrd stderr:\n%s" % (r, d.stderr()))
                return r


class UsageTests(Base):
    COMMANDS = [("group", "create"), ("group", "list"), ("group", "show"), ("group", "update"),
                ("group", "delete"), ("peer", "add"), ("peer", "list"), ("peer", "show"),
                ("peer", "update"), ("peer", "delete"), ("peer", "reset"), ("peer", "enable"),
                ("peer", "disable"), ("network", "add"), ("network", "list"),
                ("network", "delete"), ("routes",), ("router", "show"), ("watch",)]

    def test_help_at_every_level(self):
        top = vbrctl("--help")
        self.assertEqual(top.rc, 0, top)
        for cmd in self.COMMANDS:
            self.assertIn("  " + " ".join(cmd) + " ", top.out)
            r = vbrctl(*(list(cmd) + ["--help"]))
            self.assertEqual(r.rc, 0, r)
            self.assertTrue(r.out.startswith("Usage: vbrctl %s" % " ".join(cmd)), r)
            self.assertIn("Examples:\n  vbrctl " + " ".join(cmd), r.out)
            self.assertIn("Global options:", r.out)
            self.assertEqual(vbrctl("help", *cmd).out, r.out)
            self.assertEqual(vbrctl("--help", *cmd).out, r.out)
        for group in ("group", "peer", "network", "router"):
            r = vbrctl(group, "--help")
            self.assertEqual(r.rc, 0, r)
            self.assertTrue(r.out.startswith("Usage: vbrctl %s COMMAND" % group), r)
            self.assertEqual(vbrctl("help", group).out, r.out)
        self.assertIn("--peer-asn ASN", vbrctl("group", "create", "-h").out)
        self.assertRegex(vbrctl("--version").out, r"^vbrctl \d+\.\d+\.\d+\n$")

    def test_man_page_lists_every_command_and_global_option(self):
        with open(os.path.join(os.path.dirname(h.PATHS["completion"]), "vbrctl.1")) as f:
            man = f.read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "")
        for cmd in self.COMMANDS:
            self.assertIn(" ".join(cmd), man)
        names = re.findall(r"^  (?:-\w, |    )--([\w-]+)", vbrctl("--help").out, re.M)
        self.assertIn("server", names)
        for name in names:
            if name not in ("help", "version"):
                self.assertIn("--" + name, man)

    def test_usage_errors_exit_1(self):
        r = vbrctl()
        self.assertEqual(r.rc, 1)
        self.assertIn("Usage: vbrctl", r.err)
        self.assertEqual(r.out, "")
        self.assertUsage(vbrctl("frobnicate"), "frobnicate")
        self.assertEqual(vbrctl("group").rc, 1)
        self.assertUsage(vbrctl("group", "frob"), "group frob")
        self.assertUsage(vbrctl("group", "list", "--bogus"), "--bogus")
        self.assertUsage(vbrctl("group", "create", "x"), "--peer-asn")
        self.assertUsage(vbrctl("group", "create", "x", "--peer-asn", "65x"), "--peer-asn")
        self.assertUsage(vbrctl("group", "create", "x", "--peer-asn", "4294967296"), "--peer-asn")
        self.assertUsage(vbrctl("group", "create", "x", "--peer-asn", "1", "--route-limit-action",
                                "explode"), "drop or teardown")
        self.assertUsage(vbrctl("group", "create", "--peer-asn", "1"), "NAME")
        self.assertUsage(vbrctl("peer", "add", "g1"), "GROUP IP")
        self.assertUsage(vbrctl("peer", "show", "a", "b"), "PEER")
        self.assertUsage(vbrctl("network", "list", "extra"), "no arguments")
        self.assertUsage(vbrctl("router", "show", "-o", "yaml"), "yaml")
        self.assertUsage(vbrctl("router", "show", "--server"), "--server")
        self.assertUsage(vbrctl("watch", "--after", "-1"), "--after")
        self.assertUsage(vbrctl("group", "list", "--page-size", "0"), "--page-size")


class CompletionTests(Base):
    def complete(self, *words):
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); '
                  'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _vbrctl; printf "%s\\n" "${COMPREPLY[@]}"')
        env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(h.PATHS["vbrctl"])) + ":" +
                   os.environ["PATH"], VBRCTL_SERVER=SERVER)
        p = subprocess.run(["bash", "-c", script, "bash", h.PATHS["completion"], "vbrctl"] +
                           list(words), capture_output=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(w for w in p.stdout.decode().splitlines() if w)

    def test_bash_completion(self):
        self.assertEqual(self.complete(""), sorted(["group", "peer", "network", "routes",
                                                   "route-entry", "router", "watch", "help"]))
        self.assertEqual(self.complete("pe"), ["peer"])
        self.assertEqual(self.complete("group", ""), sorted(["create", "list", "show", "update",
                                                            "delete"]))
        self.assertEqual(self.complete("group", "create", "x", "--route-limit-a"),
                         ["--route-limit-action"])
        self.assertEqual(self.complete("group", "create", "x", "--route-limit-action", ""),
                         ["drop", "teardown"])
        self.assertEqual(self.complete("-o", ""), ["json", "table", "wide"])
        g = ok_json("group", "create", "ct-group", "--peer-asn", "65301")
        p = ok_json("peer", "add", "ct-group", "10.77.9.1", "--disabled")
        self.addCleanup(vbrctl, "group", "delete", g["id"], server=SERVER)
        self.addCleanup(vbrctl, "peer", "delete", p["id"], server=SERVER)
        self.assertIn("ct-group", self.complete("group", "show", ""))
        self.assertIn("ct-group", self.complete("peer", "list", "--group", ""))
        self.assertEqual(self.complete("peer", "show", "10.77.9"), ["10.77.9.1"])
        self.assertEqual(self.complete("peer", "add", "ct-gr"), ["ct-group"])
        self.assertEqual(self.complete("peer", "add", "ct-group", ""), [])


def main():
    ap = argparse.ArgumentParser()
    for name in h.PATHS:
        ap.add_argument("--" + name, required=True)
    args, rest = ap.parse_known_args()
    for name in h.PATHS:
        h.PATHS[name] = os.path.abspath(getattr(args, name))
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
