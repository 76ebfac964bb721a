"""Every RPC of vbr.v1 against a real vbrd: results, defaults, update_mask, request_id, paging,
and every status code the foundation issue assigns (INVALID_ARGUMENT naming the field,
NOT_FOUND naming the id, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED,
UNIMPLEMENTED). Session behaviour is not tested here: peers stay Idle in this suite.
"""
import ipaddress
import threading
import time

import vbrtest
from vbrtest import DaemonTest, mask, peer_ip

C = None  # grpc.StatusCode, once stubs exist
NOT_UP = ()  # session states of a peer that cannot connect


def setUpModule():
    global C, NOT_UP
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode
    P = vbrtest.pb
    NOT_UP = (P.SESSION_STATE_IDLE, P.SESSION_STATE_CONNECT, P.SESSION_STATE_ACTIVE)


def pb():
    return vbrtest.pb


class RouterTests(DaemonTest):
    def test_get_router_defaults(self):
        r = self.api.GetRouter(pb().GetRouterRequest())
        ipaddress.IPv4Address(r.router_id)  # a dotted quad
        self.assertNotEqual(r.router_id, "0.0.0.0")
        self.assertEqual(r.local_asn, 45104)
        self.assertEqual(r.bgp_listen, self.d.bgp_listen)
        self.assertEqual(r.max_peers, 8)
        self.assertEqual(r.default_route_limit, 100)
        self.assertEqual(r.max_networks, 100)
        self.assertTrue(r.version)
        self.assertTrue(r.HasField("start_time"))
        self.assertLessEqual(abs(r.start_time.seconds - self.d.start_wall), 5)

    def test_get_router_from_flags(self):
        d = self.daemon(args=["--router-id", "192.0.2.7", "--local-asn", "4200000001",
                              "--max-peers", "3"])
        r = d.api().GetRouter(pb().GetRouterRequest())
        self.assertEqual(r.router_id, "192.0.2.7")
        self.assertEqual(r.local_asn, 4200000001)
        self.assertEqual(r.max_peers, 3)
        self.assertEqual(r.bgp_listen, d.bgp_listen)

    def test_start_time_stable(self):
        a = self.api.GetRouter(pb().GetRouterRequest()).start_time
        time.sleep(1.1)
        b = self.api.GetRouter(pb().GetRouterRequest()).start_time
        self.assertEqual(a, b)


class GroupTests(DaemonTest):
    def test_create_defaults_and_get(self):
        g = self.group(name="office-a", peer_asn=65010, description="first")
        self.assertTrue(g.id)
        self.assertEqual(g.name, "office-a")
        self.assertEqual(g.peer_asn, 65010)
        self.assertFalse(g.has_auth_key)
        self.assertEqual(g.description, "first")
        self.assertEqual(g.route_limit, 100)
        self.assertEqual(g.hold_time, 30)
        self.assertEqual(g.keepalive_time, 10)
        self.assertEqual(g.peer_count, 0)
        self.assertTrue(g.HasField("create_time"))
        self.assertLessEqual(abs(g.create_time.seconds - time.time()), 5)
        got = self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id))
        self.assertEqual(got, g)

    def test_create_explicit_values(self):
        g = self.group(route_limit=5000, hold_time=90, keepalive_time=30, auth_key="s3cret",
                       route_limit_action=pb().ROUTE_LIMIT_ACTION_TEARDOWN)
        self.assertEqual((g.route_limit, g.hold_time, g.keepalive_time), (5000, 90, 30))
        self.assertTrue(g.has_auth_key)
        self.assertEqual(g.route_limit_action, pb().ROUTE_LIMIT_ACTION_TEARDOWN)
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)), g)

    def test_route_limit_action_default_and_invalid(self):
        self.assertIn(self.group().route_limit_action,
                      (pb().ROUTE_LIMIT_ACTION_UNSPECIFIED, pb().ROUTE_LIMIT_ACTION_DROP))
        self.assertRpcError(C.INVALID_ARGUMENT, self.group, route_limit_action=7,
                            contains=["route_limit_action"])

    def test_ids_unique(self):
        ids = {self.group().id for _ in range(10)}
        self.assertEqual(len(ids), 10)

    def test_auth_key_never_returned(self):
        key = "Zq7-very-secret-md5-key"
        g = self.group(auth_key=key)
        self.assertTrue(g.has_auth_key)
        replies = [g, self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)),
                   self.api.ListBgpGroups(pb().ListBgpGroupsRequest()),
                   self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
                       id=g.id, update_mask=mask("description"), description="x"))]
        for r in replies:
            self.assertNotIn(key.encode(), r.SerializeToString())
        p = self.peer(g.id, peer_ip(0))
        self.assertNotIn(key.encode(), p.SerializeToString())

    def test_list(self):
        made = {self.group().id for _ in range(3)}
        got = self.api.ListBgpGroups(pb().ListBgpGroupsRequest())
        self.assertEqual({g.id for g in got.groups}, made)
        self.assertEqual(got.next_page_token, "")

    def test_delete(self):
        g = self.group()
        r = self.api.DeleteBgpGroup(pb().DeleteBgpGroupRequest(id=g.id))
        self.assertEqual(r, vbrtest.empty_pb2.Empty())
        self.assertRpcError(C.NOT_FOUND, self.api.GetBgpGroup, pb().GetBgpGroupRequest(id=g.id),
                            contains=[g.id])
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 0)
        # The name is free again.
        self.group(name=g.name)

    def test_not_found_names_id(self):
        g = self.group()
        self.api.DeleteBgpGroup(pb().DeleteBgpGroupRequest(id=g.id))
        P = pb()
        self.assertRpcError(C.NOT_FOUND, self.api.GetBgpGroup, P.GetBgpGroupRequest(id=g.id),
                            contains=[g.id])
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpGroup,
                            P.DeleteBgpGroupRequest(id=g.id), contains=[g.id])
        self.assertRpcError(C.NOT_FOUND, self.api.UpdateBgpGroup, P.UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("description"), description="x"), contains=[g.id])
        self.assertRpcError(C.NOT_FOUND, self.api.CreateBgpPeer, P.CreateBgpPeerRequest(
            group_id=g.id, peer_ip=peer_ip(1)), contains=[g.id])

    def test_duplicate_name(self):
        g = self.group(name="dup-name")
        self.assertRpcError(C.ALREADY_EXISTS, self.group, name="dup-name")
        other = self.group(name="other-name")
        self.assertRpcError(C.ALREADY_EXISTS, self.api.UpdateBgpGroup, pb().UpdateBgpGroupRequest(
            id=other.id, update_mask=mask("name"), name="dup-name"))
        # Renaming a group to its own name is no conflict.
        self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(id=g.id, update_mask=mask("name"),
                                                           name="dup-name"))
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 2)

    def test_delete_with_peers_failed_precondition(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        self.assertRpcError(C.FAILED_PRECONDITION, self.api.DeleteBgpGroup,
                            pb().DeleteBgpGroupRequest(id=g.id))
        self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id))  # still there
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        self.api.DeleteBgpGroup(pb().DeleteBgpGroupRequest(id=g.id))


class GroupValidationTests(DaemonTest):
    """INVALID_ARGUMENT with the field named; the valid edge of each rule is accepted."""

    def bad(self, field, **kw):
        with self.subTest(field=field, req=kw):
            kw.setdefault("name", self.uniq("v"))
            kw.setdefault("peer_asn", 65001)
            self.assertRpcError(C.INVALID_ARGUMENT, self.api.CreateBgpGroup,
                                pb().CreateBgpGroupRequest(**kw), contains=[field])

    def good(self, **kw):
        with self.subTest(req=kw):
            kw.setdefault("name", self.uniq("v"))
            kw.setdefault("peer_asn", 65001)
            return self.api.CreateBgpGroup(pb().CreateBgpGroupRequest(**kw))

    def test_name(self):
        for n in ["", "a", "x" * 129, "1abc", "-abc", ".abc", "_abc", "a b", "a/b", "a@b",
                  "grüp", "ab\n", "a:b"]:
            self.bad("name", name=n)
        for n in ["ab", "Z9", "x" * 128, "A.b-c_9", "a" + "-" * 127]:
            g = self.good(name=n)
            self.assertEqual(g.name, n)

    def test_description(self):
        self.bad("description", description="d" * 257)
        self.bad("description", description="bell\x07")
        self.assertEqual(self.good(description="d" * 256).description, "d" * 256)
        self.assertEqual(self.good(description="").description, "")

    def test_peer_asn(self):
        for asn in [0, 23456, 45104]:
            self.bad("peer_asn", peer_asn=asn)
        for asn in [1, 65535, 65536, 4200000001, 4294967295]:
            self.assertEqual(self.good(peer_asn=asn).peer_asn, asn)

    def test_auth_key(self):
        for k in ["k" * 81, "\x01abc", "ab\x7f", "kéy", "tab\tkey", "new\nline"]:
            self.bad("auth_key", auth_key=k)
        self.assertTrue(self.good(auth_key="k" * 80).has_auth_key)
        self.assertTrue(self.good(auth_key="!").has_auth_key)
        self.assertTrue(self.good(auth_key="~a Z!").has_auth_key)
        self.assertFalse(self.good(auth_key="").has_auth_key)

    def test_route_limit(self):
        for v in [0, 2000001, 4294967295]:
            self.bad("route_limit", route_limit=v)
        for v in [1, 2000000]:
            self.assertEqual(self.good(route_limit=v).route_limit, v)

    def test_hold_time(self):
        for h in [1, 2, 65536, 100000]:
            self.bad("hold_time", hold_time=h, keepalive_time=1 if h < 3 else 10)
        for h, k in [(3, 1), (65535, 65534), (90, 30), (0, 0)]:
            g = self.good(hold_time=h, keepalive_time=k)
            self.assertEqual((g.hold_time, g.keepalive_time), (h, k))

    def test_keepalive_below_hold(self):
        for h, k in [(30, 30), (30, 31), (3, 3), (10, 65535)]:
            with self.subTest(hold=h, keepalive=k):
                e = self.assertRpcError(C.INVALID_ARGUMENT, self.api.CreateBgpGroup,
                                        pb().CreateBgpGroupRequest(
                                            name=self.uniq("v"), peer_asn=65001, hold_time=h,
                                            keepalive_time=k))
                self.assertIn("keepalive_time", e.details())
        # hold_time 3 with the default keepalive of 10 breaks keepalive < hold.
        e = self.assertRpcError(C.INVALID_ARGUMENT, self.api.CreateBgpGroup,
                                pb().CreateBgpGroupRequest(name=self.uniq("v"), peer_asn=65001,
                                                           hold_time=3))
        self.assertTrue("keepalive_time" in e.details() or "hold_time" in e.details(),
                        e.details())

    def test_local_asn_follows_flag(self):
        d = self.daemon(args=["--local-asn", "65100"])
        api = d.api()
        self.assertEqual(self.group(api=api, peer_asn=45104).peer_asn, 45104)
        self.assertRpcError(C.INVALID_ARGUMENT, self.group, api=api, peer_asn=65100,
                            contains=["peer_asn"])

    def test_group_local_asn(self):
        """local_asn: 0 = the router's; any ASN --local-asn takes; peer_asn differs from it."""
        self.assertEqual(self.good().local_asn, 0)
        self.bad("local_asn", local_asn=23456)
        self.bad("peer_asn", local_asn=65010, peer_asn=65010)
        for asn in [1, 64512, 65535, 65536, 4200000001, 4294967295]:
            self.assertEqual(self.good(local_asn=asn).local_asn, asn)
        # The router's ASN is just another AS for a group with its own.
        g = self.good(local_asn=65010, peer_asn=45104)
        self.assertEqual((g.local_asn, g.peer_asn), (65010, 45104))
        P = pb()
        for paths, kw, field in [(["local_asn"], dict(local_asn=23456), "local_asn"),
                                 (["local_asn"], dict(local_asn=45104), "local_asn"),
                                 (["peer_asn"], dict(peer_asn=65010), "peer_asn")]:
            with self.subTest(paths=paths, kw=kw):
                self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpGroup,
                                    P.UpdateBgpGroupRequest(id=g.id, update_mask=mask(*paths),
                                                            **kw), contains=[field])
        self.assertEqual(self.api.GetBgpGroup(P.GetBgpGroupRequest(id=g.id)), g)
        u = self.api.UpdateBgpGroup(P.UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("local_asn", "peer_asn"), local_asn=0, peer_asn=65001))
        self.assertEqual((u.local_asn, u.peer_asn), (0, 65001))
        u = self.api.UpdateBgpGroup(P.UpdateBgpGroupRequest(id=g.id, local_asn=4200000001))
        self.assertEqual(u.local_asn, 4200000001)
        # Stored: the same after a restart.
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.d.api().GetBgpGroup(P.GetBgpGroupRequest(id=g.id)).local_asn,
                         4200000001)

    def test_rejected_create_stores_nothing(self):
        self.bad("peer_asn", name="nothing-stored", peer_asn=23456)
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 0)
        self.good(name="nothing-stored")


class GroupUpdateTests(DaemonTest):
    def test_mask_updates_only_named_fields(self):
        g = self.group(name="upd", peer_asn=65001, description="d0", auth_key="k0",
                       route_limit=200, hold_time=60, keepalive_time=20)
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("description"), description="d1",
            name="ignored", peer_asn=65999, route_limit=7, hold_time=9, keepalive_time=3))
        self.assertEqual(u.description, "d1")
        self.assertEqual((u.name, u.peer_asn, u.route_limit, u.hold_time, u.keepalive_time),
                         ("upd", 65001, 200, 60, 20))
        self.assertTrue(u.has_auth_key)
        self.assertEqual(u.id, g.id)
        self.assertEqual(u.create_time, g.create_time)
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)), u)

    def test_mask_several_fields(self):
        g = self.group()
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("name", "peer_asn", "route_limit", "hold_time",
                                      "keepalive_time"),
            name="renamed", peer_asn=4200000001, route_limit=2000000, hold_time=9,
            keepalive_time=3))
        self.assertEqual((u.name, u.peer_asn, u.route_limit, u.hold_time, u.keepalive_time),
                         ("renamed", 4200000001, 2000000, 9, 3))

    def test_no_mask_updates_fields_given(self):
        """No update_mask (AIP-134): the fields the request sets are updated, the rest kept."""
        g = self.group(description="before", route_limit=300)
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(id=g.id, description="after"))
        self.assertEqual(u.description, "after")
        self.assertEqual((u.name, u.peer_asn, u.route_limit, u.hold_time, u.keepalive_time),
                         (g.name, g.peer_asn, 300, g.hold_time, g.keepalive_time))

    def test_fields_outside_mask_not_validated(self):
        g = self.group()
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("description"), description="ok", name="",
            peer_asn=0, route_limit=0, hold_time=1))
        self.assertEqual(u.description, "ok")

    def test_auth_key_set_and_removed(self):
        g = self.group()
        self.assertFalse(g.has_auth_key)
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("auth_key"), auth_key="newkey"))
        self.assertTrue(u.has_auth_key)
        self.assertNotIn(b"newkey", u.SerializeToString())
        u = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("auth_key"), auth_key=""))
        self.assertFalse(u.has_auth_key)
        self.assertFalse(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)).has_auth_key)

    def test_update_validation(self):
        g = self.group(hold_time=30, keepalive_time=10)
        P = pb()
        for paths, kw, field in [
                (["name"], dict(name="1bad"), "name"),
                (["name"], dict(name=""), "name"),
                (["description"], dict(description="d" * 257), "description"),
                (["peer_asn"], dict(peer_asn=23456), "peer_asn"),
                (["peer_asn"], dict(peer_asn=45104), "peer_asn"),
                (["peer_asn"], dict(peer_asn=0), "peer_asn"),
                (["auth_key"], dict(auth_key="k" * 81), "auth_key"),
                (["route_limit"], dict(route_limit=0), "route_limit"),
                (["route_limit"], dict(route_limit=2000001), "route_limit"),
                (["hold_time"], dict(hold_time=2), "hold_time"),
                (["hold_time", "keepalive_time"], dict(hold_time=70000, keepalive_time=1),
                 "hold_time"),
                (["keepalive_time"], dict(keepalive_time=30), "keepalive_time")]:
            with self.subTest(paths=paths, kw=kw):
                self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpGroup,
                                    P.UpdateBgpGroupRequest(id=g.id, update_mask=mask(*paths),
                                                            **kw), contains=[field])
        # hold_time 5 against the stored keepalive 10.
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpGroup,
                            P.UpdateBgpGroupRequest(id=g.id, update_mask=mask("hold_time"),
                                                    hold_time=5))
        self.assertEqual(self.api.GetBgpGroup(P.GetBgpGroupRequest(id=g.id)), g)

    def test_unknown_mask_path(self):
        g = self.group()
        e = self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpGroup,
                                pb().UpdateBgpGroupRequest(id=g.id,
                                                           update_mask=mask("no_such_field"),
                                                           description="x"))
        self.assertTrue("update_mask" in e.details() or "no_such_field" in e.details(),
                        e.details())
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)), g)

    def test_peer_asn_change_reaches_peers(self):
        g = self.group(peer_asn=65001)
        p = self.peer(g.id, peer_ip(0))
        self.assertEqual(p.peer_asn, 65001)
        self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(id=g.id, update_mask=mask("peer_asn"),
                                                           peer_asn=65002))
        self.assertEqual(self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=p.id)).peer_asn, 65002)


class PeerTests(DaemonTest):
    def test_create_fields(self):
        g = self.group(peer_asn=65020)
        p = self.peer(g.id, "10.99.0.2", description="dc1 edge")
        self.assertTrue(p.id)
        self.assertEqual(p.group_id, g.id)
        self.assertEqual(p.peer_ip, "10.99.0.2")
        self.assertEqual(p.peer_asn, 65020)
        self.assertEqual(p.description, "dc1 edge")
        self.assertFalse(p.admin_down)
        # Nothing answers in vbrd's private namespace: the session is never Established.
        self.assertIn(p.session_state, NOT_UP)
        self.assertEqual(p.bgp_status, pb().BGP_STATUS_UNESTABLISHED)
        self.assertFalse(p.HasField("established_time"))
        self.assertEqual((p.received_route_count, p.accepted_route_count,
                          p.advertised_route_count), (0, 0, 0))
        self.assertTrue(p.HasField("create_time"))
        got = self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=p.id))
        self.assertEqual(got.id, p.id)
        self.assertEqual(got.peer_ip, p.peer_ip)
        self.assertEqual(got.create_time, p.create_time)
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)).peer_count, 1)

    def test_admin_down_on_create(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0), admin_down=True)
        self.assertTrue(p.admin_down)
        self.assertEqual(p.session_state, pb().SESSION_STATE_IDLE)
        self.assertEqual(p.bgp_status, pb().BGP_STATUS_UNESTABLISHED)
        time.sleep(0.5)
        got = self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=p.id))
        self.assertEqual(got.session_state, pb().SESSION_STATE_IDLE, "admin_down holds Idle")

    def test_peer_ip_validation(self):
        g = self.group()
        for ip in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "a.b.c.d", "1.2.3.4/32",
                   " 127.0.0.2", "10.99.0.2 ", "10.99.0.2:179", "224.0.0.1", "239.255.255.255",
                   "255.255.255.255", "0.0.0.0", "localhost"]:
            with self.subTest(ip=ip):
                self.assertRpcError(C.INVALID_ARGUMENT, self.peer, g.id, ip,
                                    contains=["peer_ip"])
        for ip in ["::1", "2001:db8::1", "fe80::1", "::ffff:127.0.0.2", "::"]:
            with self.subTest(ip=ip):
                self.assertRpcError(C.INVALID_ARGUMENT, self.peer, g.id, ip,
                                    contains=["IPv6 is not supported"])
        self.assertEqual(len(self.api.ListBgpPeers(pb().ListBgpPeersRequest()).peers), 0)
        self.assertEqual(self.peer(g.id, "10.255.255.254").peer_ip, "10.255.255.254")

    def test_description_validation(self):
        g = self.group()
        self.assertRpcError(C.INVALID_ARGUMENT, self.peer, g.id, peer_ip(0),
                            description="d" * 257, contains=["description"])
        self.assertEqual(self.peer(g.id, peer_ip(0), description="d" * 256).description,
                         "d" * 256)

    def test_duplicate_ip(self):
        g1, g2 = self.group(), self.group()
        self.peer(g1.id, "10.99.0.9")
        self.assertRpcError(C.ALREADY_EXISTS, self.peer, g1.id, "10.99.0.9")
        self.assertRpcError(C.ALREADY_EXISTS, self.peer, g2.id, "10.99.0.9")
        self.assertEqual(len(self.api.ListBgpPeers(pb().ListBgpPeersRequest()).peers), 1)

    def test_ninth_peer_resource_exhausted(self):
        g = self.group()
        peers = [self.peer(g.id, peer_ip(i)) for i in range(8)]
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.peer, g.id, peer_ip(8))
        # Another group does not get around the router-wide limit.
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.peer, self.group().id, peer_ip(9))
        self.assertEqual(len(self.api.ListBgpPeers(pb().ListBgpPeersRequest()).peers), 8)
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=peers[0].id))
        self.peer(g.id, peer_ip(8))

    def test_max_peers_flag(self):
        d = self.daemon(args=["--max-peers", "2"])
        api = d.api()
        g = self.group(api=api)
        self.peer(g.id, peer_ip(0), api=api)
        self.peer(g.id, peer_ip(1), api=api)
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.peer, g.id, peer_ip(2), api=api)

    def test_not_found_names_id(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        P = pb()
        for fn, req in [(self.api.GetBgpPeer, P.GetBgpPeerRequest(id=p.id)),
                        (self.api.DeleteBgpPeer, P.DeleteBgpPeerRequest(id=p.id)),
                        (self.api.ResetBgpPeer, P.ResetBgpPeerRequest(id=p.id)),
                        (self.api.UpdateBgpPeer, P.UpdateBgpPeerRequest(
                            id=p.id, update_mask=mask("description"), description="x")),
                        (self.api.ListRoutes, P.ListRoutesRequest(peer_id=p.id))]:
            with self.subTest(req=type(req).__name__):
                self.assertRpcError(C.NOT_FOUND, fn, req, contains=[p.id])

    def test_list_and_group_filter(self):
        g1, g2 = self.group(), self.group()
        a = {self.peer(g1.id, peer_ip(i)).id for i in range(3)}
        b = {self.peer(g2.id, peer_ip(i)).id for i in range(3, 5)}
        L = self.api.ListBgpPeers
        self.assertEqual({p.id for p in L(pb().ListBgpPeersRequest()).peers}, a | b)
        self.assertEqual({p.id for p in L(pb().ListBgpPeersRequest(group_id=g1.id)).peers}, a)
        self.assertEqual({p.id for p in L(pb().ListBgpPeersRequest(group_id=g2.id)).peers}, b)
        for p in L(pb().ListBgpPeersRequest()).peers:
            self.assertIn(p.session_state, NOT_UP)
            self.assertEqual(p.bgp_status, pb().BGP_STATUS_UNESTABLISHED)
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g1.id)).peer_count, 3)

    def test_delete(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        self.assertEqual(self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id)),
                         vbrtest.empty_pb2.Empty())
        self.assertRpcError(C.NOT_FOUND, self.api.GetBgpPeer, pb().GetBgpPeerRequest(id=p.id))
        self.assertEqual(self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)).peer_count, 0)
        # The address is free again.
        self.peer(g.id, peer_ip(0))

    def test_update_mask(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0), description="before")
        u = self.api.UpdateBgpPeer(pb().UpdateBgpPeerRequest(
            id=p.id, update_mask=mask("description"), description="after", admin_down=True,
            group_id="ignored"))
        self.assertEqual(u.description, "after")
        self.assertFalse(u.admin_down)
        self.assertEqual(u.group_id, g.id)
        u = self.api.UpdateBgpPeer(pb().UpdateBgpPeerRequest(
            id=p.id, update_mask=mask("admin_down"), admin_down=True, description="ignored"))
        self.assertTrue(u.admin_down)
        self.assertEqual(u.description, "after")
        got = self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=p.id))
        self.assertTrue(got.admin_down)
        self.assertEqual(got.description, "after")
        self.assertEqual(got.peer_ip, peer_ip(0))

    def test_update_validation(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpPeer, pb().UpdateBgpPeerRequest(
            id=p.id, update_mask=mask("description"), description="d" * 257),
            contains=["description"])
        e = self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpPeer,
                                pb().UpdateBgpPeerRequest(id=p.id, update_mask=mask("bogus")))
        self.assertTrue("update_mask" in e.details() or "bogus" in e.details(), e.details())

    def test_move_to_other_group(self):
        g1 = self.group(peer_asn=65001)
        g2 = self.group(peer_asn=65002)
        p = self.peer(g1.id, peer_ip(0))
        u = self.api.UpdateBgpPeer(pb().UpdateBgpPeerRequest(
            id=p.id, update_mask=mask("group_id"), group_id=g2.id))
        self.assertEqual((u.group_id, u.peer_asn), (g2.id, 65002))
        G = lambda g: self.api.GetBgpGroup(pb().GetBgpGroupRequest(id=g.id)).peer_count
        self.assertEqual((G(g1), G(g2)), (0, 1))
        self.api.DeleteBgpGroup(pb().DeleteBgpGroupRequest(id=g1.id))
        self.assertRpcError(C.FAILED_PRECONDITION, self.api.DeleteBgpGroup,
                            pb().DeleteBgpGroupRequest(id=g2.id))
        # Moving into a group that does not exist: NOT_FOUND naming that group.
        self.assertRpcError(C.NOT_FOUND, self.api.UpdateBgpPeer, pb().UpdateBgpPeerRequest(
            id=p.id, update_mask=mask("group_id"), group_id=g1.id), contains=[g1.id])
        self.assertEqual(self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=p.id)).group_id, g2.id)

    def test_reset(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        E = vbrtest.empty_pb2.Empty()
        self.assertEqual(self.api.ResetBgpPeer(pb().ResetBgpPeerRequest(id=p.id)), E)
        # A soft reset (ROUTE-REFRESH) needs an Established session; this one never is.
        try:
            self.api.ResetBgpPeer(pb().ResetBgpPeerRequest(id=p.id, soft=True))
        except vbrtest.grpc.RpcError as e:
            self.assertEqual(e.code(), C.FAILED_PRECONDITION, e.details())
        self.assertEqual(self.api.ResetBgpPeer(pb().ResetBgpPeerRequest(
            id=p.id, message="maintenance window")), E)
        self.assertEqual(self.api.ResetBgpPeer(pb().ResetBgpPeerRequest(id=p.id,
                                                                        message="m" * 255)), E)

    def test_reset_message_limit(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        # RFC 9003: up to 255 octets of UTF-8 (the proto says so).
        for m in ["m" * 256, "é" * 128]:
            self.assertRpcError(C.INVALID_ARGUMENT, self.api.ResetBgpPeer,
                                pb().ResetBgpPeerRequest(id=p.id, message=m),
                                contains=["message"])

    def test_list_routes_empty(self):
        g = self.group()
        p = self.peer(g.id, peer_ip(0))
        P = pb()
        for direction in [P.ROUTE_DIRECTION_UNSPECIFIED, P.ROUTE_DIRECTION_RECEIVED,
                          P.ROUTE_DIRECTION_ADVERTISED]:
            r = self.api.ListRoutes(P.ListRoutesRequest(peer_id=p.id, direction=direction))
            self.assertEqual(len(r.routes), 0)
            self.assertEqual(r.next_page_token, "")


class NetworkTests(DaemonTest):
    def test_add_list_delete(self):
        n = self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="203.0.113.0/24"))
        self.assertEqual(n.cidr, "203.0.113.0/24")
        self.assertTrue(n.HasField("create_time"))
        self.assertLessEqual(abs(n.create_time.seconds - time.time()), 5)
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="10.0.0.0/8"))
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="198.51.100.128/32"))
        got = self.api.ListBgpNetworks(pb().ListBgpNetworksRequest())
        self.assertEqual(sorted(x.cidr for x in got.networks),
                         ["10.0.0.0/8", "198.51.100.128/32", "203.0.113.0/24"])
        first = [x for x in got.networks if x.cidr == "203.0.113.0/24"][0]
        self.assertEqual(first.create_time, n.create_time)
        self.assertEqual(self.api.DeleteBgpNetwork(pb().DeleteBgpNetworkRequest(
            cidr="203.0.113.0/24")), vbrtest.empty_pb2.Empty())
        got = self.api.ListBgpNetworks(pb().ListBgpNetworksRequest())
        self.assertEqual(sorted(x.cidr for x in got.networks),
                         ["10.0.0.0/8", "198.51.100.128/32"])

    def test_cidr_validation(self):
        for c in ["", "203.0.113.1/24", "10.0.0.1/8", "203.0.113.0/33", "203.0.113.0/-1",
                  "300.0.0.0/8", "203.0.113/24", "203.0.113.0/", "/24", "203.0.113.0/24x",
                  "abc/24", " 10.0.0.0/8"]:
            with self.subTest(cidr=c):
                self.assertRpcError(C.INVALID_ARGUMENT, self.api.AddBgpNetwork,
                                    pb().AddBgpNetworkRequest(cidr=c), contains=["cidr"])
        for c in ["2001:db8::/32", "::/0"]:
            with self.subTest(cidr=c):
                self.assertRpcError(C.INVALID_ARGUMENT, self.api.AddBgpNetwork,
                                    pb().AddBgpNetworkRequest(cidr=c))
        self.assertEqual(len(self.api.ListBgpNetworks(pb().ListBgpNetworksRequest()).networks), 0)
        for c in ["192.0.2.0/24", "192.0.2.77/32", "100.64.0.0/10", "128.0.0.0/1"]:
            with self.subTest(cidr=c):
                self.assertEqual(self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr=c)).cidr, c)

    def test_duplicate(self):
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.assertRpcError(C.ALREADY_EXISTS, self.api.AddBgpNetwork,
                            pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        # Same address, other length: a different network.
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="192.0.2.0/25"))

    def test_delete_not_found(self):
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpNetwork,
                            pb().DeleteBgpNetworkRequest(cidr="192.0.2.0/24"),
                            contains=["192.0.2.0/24"])
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.api.DeleteBgpNetwork(pb().DeleteBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpNetwork,
                            pb().DeleteBgpNetworkRequest(cidr="192.0.2.0/24"),
                            contains=["192.0.2.0/24"])

    def test_default_quota_100(self):
        futures = [self.api.AddBgpNetwork.future(pb().AddBgpNetworkRequest(
            cidr="10.%d.%d.0/24" % (i // 256, i % 256))) for i in range(100)]
        for f in futures:
            f.result()
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.api.AddBgpNetwork,
                            pb().AddBgpNetworkRequest(cidr="172.16.0.0/12"))
        self.assertEqual(len(self.list_all(self.api.ListBgpNetworks, pb().ListBgpNetworksRequest,
                                           "networks")), 100)
        self.api.DeleteBgpNetwork(pb().DeleteBgpNetworkRequest(cidr="10.0.0.0/24"))
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="172.16.0.0/12"))

    def test_max_networks_flag(self):
        d = self.daemon(args=["--max-networks", "3"])
        api = d.api()
        self.assertEqual(api.GetRouter(pb().GetRouterRequest()).max_networks, 3)
        for i in range(3):
            api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="10.%d.0.0/16" % i))
        self.assertRpcError(C.RESOURCE_EXHAUSTED, api.AddBgpNetwork,
                            pb().AddBgpNetworkRequest(cidr="10.9.0.0/16"))


class RequestIdTests(DaemonTest):
    def test_group_retry_returns_first_result(self):
        req = pb().CreateBgpGroupRequest(name="retry-g", peer_asn=65001, request_id="req-g-1")
        a = self.api.CreateBgpGroup(req)
        b = self.api.CreateBgpGroup(req)
        self.assertEqual(a, b)
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 1)
        # Another request_id with the same name is a real second create.
        self.assertRpcError(C.ALREADY_EXISTS, self.api.CreateBgpGroup, pb().CreateBgpGroupRequest(
            name="retry-g", peer_asn=65001, request_id="req-g-2"))

    def test_peer_retry_returns_first_result(self):
        g = self.group()
        req = pb().CreateBgpPeerRequest(group_id=g.id, peer_ip=peer_ip(0), request_id="req-p-1")
        a = self.api.CreateBgpPeer(req)
        b = self.api.CreateBgpPeer(req)
        self.assertEqual(a.id, b.id)
        self.assertEqual(a.create_time, b.create_time)
        self.assertEqual(len(self.api.ListBgpPeers(pb().ListBgpPeersRequest()).peers), 1)

    def test_network_retry_returns_first_result(self):
        req = pb().AddBgpNetworkRequest(cidr="192.0.2.0/24", request_id="req-n-1")
        a = self.api.AddBgpNetwork(req)
        b = self.api.AddBgpNetwork(req)  # not ALREADY_EXISTS: the same request again
        self.assertEqual(a, b)
        self.assertEqual(len(self.api.ListBgpNetworks(pb().ListBgpNetworksRequest()).networks), 1)

    def test_concurrent_retries_create_once(self):
        req = pb().CreateBgpGroupRequest(name="burst", peer_asn=65001, request_id="req-burst")
        futures = [self.api.CreateBgpGroup.future(req) for _ in range(16)]
        ids = {f.result().id for f in futures}
        self.assertEqual(len(ids), 1)
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 1)

    def test_distinct_request_ids_create_distinct(self):
        a = self.group(request_id="r-a")
        b = self.group(request_id="r-b")
        self.assertNotEqual(a.id, b.id)

    def test_updates_and_deletes_retry_returns_first_result(self):
        """request_id on every update and delete: a retry gets the first reply, also after a
        restart (kill -9), never a second change or NOT_FOUND; the id is per method."""
        P = pb()
        g = self.group(peer_asn=65001)
        g2 = self.group(peer_asn=65001)
        p = self.peer(g.id, peer_ip(0))
        self.api.AddBgpNetwork(P.AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        ug = P.UpdateBgpGroupRequest(id=g.id, update_mask=mask("description"),
                                     description="first", request_id="u-g")
        up = P.UpdateBgpPeerRequest(id=p.id, update_mask=mask("description"),
                                    description="first", request_id="u-p")
        first_g, first_p = self.api.UpdateBgpGroup(ug), self.api.UpdateBgpPeer(up)
        self.assertEqual(first_g.description, "first")
        self.assertEqual(first_p.description, "first")
        # A change in between: a retry does not apply the update again.
        self.api.UpdateBgpGroup(P.UpdateBgpGroupRequest(id=g.id, update_mask=mask("description"),
                                                        description="second"))
        self.assertEqual(self.api.UpdateBgpGroup(ug), first_g)
        self.assertEqual(self.api.GetBgpGroup(P.GetBgpGroupRequest(id=g.id)).description,
                         "second")
        self.assertEqual(self.api.UpdateBgpPeer(up).description, "first")
        dp = P.DeleteBgpPeerRequest(id=p.id, request_id="d-p")
        dg = P.DeleteBgpGroupRequest(id=g2.id, request_id="d-g")
        dn = P.DeleteBgpNetworkRequest(cidr="192.0.2.0/24", request_id="d-n")
        self.api.DeleteBgpPeer(dp)
        self.api.DeleteBgpGroup(dg)
        self.api.DeleteBgpNetwork(dn)
        for d in (self.api.DeleteBgpPeer(dp), self.api.DeleteBgpGroup(dg),
                  self.api.DeleteBgpNetwork(dn)):
            self.assertEqual(d.ByteSize(), 0)  # the first reply (Empty), not NOT_FOUND
        # Without the request_id, or with another, it is a new call: NOT_FOUND.
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpPeer, P.DeleteBgpPeerRequest(id=p.id))
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpNetwork,
                            P.DeleteBgpNetworkRequest(cidr="192.0.2.0/24", request_id="d-n2"))
        # The same request_id on another method is another request.
        self.assertRpcError(C.NOT_FOUND, self.api.DeleteBgpGroup,
                            P.DeleteBgpGroupRequest(id=g2.id, request_id="d-p"))
        self.d.kill9()
        self.d.start()
        api = self.d.api()
        self.assertEqual(api.UpdateBgpGroup(ug), first_g)
        self.assertEqual(api.UpdateBgpPeer(up).description, "first")
        self.assertEqual(api.UpdateBgpPeer(up).id, p.id)
        self.assertEqual(api.DeleteBgpPeer(dp).ByteSize(), 0)
        self.assertEqual(api.DeleteBgpGroup(dg).ByteSize(), 0)
        self.assertEqual(api.DeleteBgpNetwork(dn).ByteSize(), 0)
        self.assertEqual([x.id for x in api.ListBgpGroups(P.ListBgpGroupsRequest()).groups],
                         [g.id])

    def test_update_delete_request_id_validated(self):
        P = pb()
        g = self.group()
        bad = "has space"
        for fn, req in [
                (self.api.UpdateBgpGroup, P.UpdateBgpGroupRequest(
                    id=g.id, update_mask=mask("description"), description="x", request_id=bad)),
                (self.api.DeleteBgpGroup, P.DeleteBgpGroupRequest(id=g.id, request_id=bad)),
                (self.api.UpdateBgpPeer, P.UpdateBgpPeerRequest(
                    id="bgpp-00000001", update_mask=mask("description"), description="x",
                    request_id=bad)),
                (self.api.DeleteBgpPeer, P.DeleteBgpPeerRequest(id="bgpp-00000001",
                                                                request_id=bad)),
                (self.api.DeleteBgpNetwork, P.DeleteBgpNetworkRequest(cidr="192.0.2.0/24",
                                                                      request_id="r" * 129))]:
            with self.subTest(req=type(req).__name__):
                self.assertRpcError(C.INVALID_ARGUMENT, fn, req, contains=["request_id"])
        self.assertEqual(self.api.GetBgpGroup(P.GetBgpGroupRequest(id=g.id)), g)


class PagingTests(DaemonTest):
    def page_through(self, method, req_cls, field, key, page_size, **kw):
        items, token, pages = [], "", 0
        for _ in range(1000):
            r = method(req_cls(page_size=page_size, page_token=token, **kw))
            got = getattr(r, field)
            self.assertLessEqual(len(got), page_size)
            items.extend(key(x) for x in got)
            pages += 1
            token = r.next_page_token
            if not token:
                break
        return items, pages

    def test_groups(self):
        made = [self.group().id for _ in range(23)]
        P = pb()
        items, pages = self.page_through(self.api.ListBgpGroups, P.ListBgpGroupsRequest,
                                         "groups", lambda g: g.id, 4)
        self.assertEqual(len(items), 23, "duplicates or misses")
        self.assertEqual(set(items), set(made))
        self.assertGreaterEqual(pages, 6)
        again, _ = self.page_through(self.api.ListBgpGroups, P.ListBgpGroupsRequest, "groups",
                                     lambda g: g.id, 4)
        self.assertEqual(again, items, "order must be stable")
        one = self.api.ListBgpGroups(P.ListBgpGroupsRequest(page_size=1000))
        self.assertEqual([g.id for g in one.groups], items)
        self.assertEqual(one.next_page_token, "")

    def test_peers(self):
        g1, g2 = self.group(), self.group()
        made = [self.peer((g1 if i % 2 else g2).id, peer_ip(i)).id for i in range(8)]
        P = pb()
        items, _ = self.page_through(self.api.ListBgpPeers, P.ListBgpPeersRequest, "peers",
                                     lambda p: p.id, 3)
        self.assertEqual(sorted(items), sorted(made))
        only1, _ = self.page_through(self.api.ListBgpPeers, P.ListBgpPeersRequest, "peers",
                                     lambda p: p.id, 1, group_id=g1.id)
        self.assertEqual(sorted(only1), sorted(made[1::2]))

    def test_networks(self):
        made = ["10.%d.0.0/16" % i for i in range(37)]
        for c in made:
            self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr=c))
        items, _ = self.page_through(self.api.ListBgpNetworks, pb().ListBgpNetworksRequest,
                                     "networks", lambda n: n.cidr, 5)
        self.assertEqual(len(items), 37)
        self.assertEqual(set(items), set(made))

    def test_stable_under_changes(self):
        """Items deleted or added behind the cursor never make a page skip or repeat one."""
        P = pb()
        survivors = [self.group().id for _ in range(20)]
        seen, token = [], ""
        for _ in range(100):
            r = self.api.ListBgpGroups(P.ListBgpGroupsRequest(page_size=3, page_token=token))
            seen.extend(g.id for g in r.groups)
            # Between pages: delete one already listed, and add a new one.
            victim = next((g for g in seen if g in survivors), None)
            if victim is not None:
                self.api.DeleteBgpGroup(P.DeleteBgpGroupRequest(id=victim))
                survivors.remove(victim)
            self.group()
            token = r.next_page_token
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)), "a group was listed twice")
        missing = [g for g in survivors if g not in seen]
        self.assertEqual(missing, [], "groups that existed for the whole walk were missed")

    def test_token_of_another_list(self):
        for _ in range(3):
            self.group()
            self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="10.%d.0.0/16" % _))
        tok = self.api.ListBgpGroups(pb().ListBgpGroupsRequest(page_size=1)).next_page_token
        self.assertTrue(tok)
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.ListBgpNetworks,
                            pb().ListBgpNetworksRequest(page_size=1, page_token=tok),
                            contains=["page_token"])

    def test_bad_page_token(self):
        for _ in range(3):
            self.group()
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.ListBgpGroups,
                            pb().ListBgpGroupsRequest(page_size=1, page_token="!!not-a-token!!"),
                            contains=["page_token"])


class HealthTests(DaemonTest):
    def test_check(self):
        H = vbrtest.hpb
        h = self.d.health()
        for svc in ["", "vbr.v1.VirtualBorderRouter"]:
            with self.subTest(service=svc):
                r = h.Check(H.HealthCheckRequest(service=svc), timeout=5)
                self.assertEqual(r.status, H.HealthCheckResponse.SERVING)
        self.assertRpcError(C.NOT_FOUND, h.Check, H.HealthCheckRequest(service="no.Such"),
                            timeout=5)

    def test_watch(self):
        H = vbrtest.hpb
        stream = self.d.health().Watch(H.HealthCheckRequest(service=""), timeout=5)
        first = next(stream)
        self.assertEqual(first.status, H.HealthCheckResponse.SERVING)
        stream.cancel()


class ProtocolTests(DaemonTest):
    def raw_call(self, path, payload=b"", stream=False, timeout=5):
        ch = self.d._channel()
        ident = lambda b: b
        if stream:
            return list(ch.unary_stream(path, request_serializer=ident,
                                        response_deserializer=ident)(payload, timeout=timeout))
        return ch.unary_unary(path, request_serializer=ident,
                              response_deserializer=ident)(payload, timeout=timeout)

    def test_unknown_method_unimplemented_at_once(self):
        for path, stream in [("/vbr.v1.VirtualBorderRouter/NoSuchMethod", False),
                             ("/vbr.v1.VirtualBorderRouter/WatchEverything", True),
                             ("/no.such.Service/Call", False),
                             ("/grpc.health.v1.Health/Nope", False)]:
            with self.subTest(path=path):
                e = self.assertRpcError(C.UNIMPLEMENTED, self.raw_call, path, b"", stream)
                self.assertNotEqual(e.code(), C.DEADLINE_EXCEEDED)
        # Still serving afterwards.
        self.api.GetRouter(pb().GetRouterRequest())

    def test_many_unknown_calls(self):
        ch = self.d._channel()
        ident = lambda b: b
        call = ch.unary_unary("/vbr.v1.VirtualBorderRouter/Nope", request_serializer=ident,
                              response_deserializer=ident)
        futures = [call.future(b"", timeout=10) for _ in range(200)]
        for f in futures:
            self.assertEqual(f.code(), C.UNIMPLEMENTED)
        self.api.GetRouter(pb().GetRouterRequest())

    def test_garbage_request_bytes(self):
        for path in ["/vbr.v1.VirtualBorderRouter/CreateBgpGroup",
                     "/vbr.v1.VirtualBorderRouter/GetRouter",
                     "/vbr.v1.VirtualBorderRouter/AddBgpNetwork"]:
            with self.subTest(path=path):
                with self.assertRaises(vbrtest.grpc.RpcError) as cm:
                    self.raw_call(path, b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
                self.assertIn(cm.exception.code(), (C.INVALID_ARGUMENT, C.INTERNAL))
        self.with_streaming_garbage()
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 0)

    def with_streaming_garbage(self):
        with self.assertRaises(vbrtest.grpc.RpcError) as cm:
            self.raw_call("/vbr.v1.VirtualBorderRouter/WatchPeerEvents", b"\x0a\xff\xff", True)
        self.assertIn(cm.exception.code(), (C.INVALID_ARGUMENT, C.INTERNAL))

    def test_concurrent_mutations_all_acknowledged_and_listed(self):
        errors, made = [], []
        lock = threading.Lock()

        def worker(w):
            try:
                for i in range(10):
                    n = self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(
                        cidr="10.%d.%d.0/24" % (w, i)))
                    with lock:
                        made.append(n.cidr)
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        got = self.list_all(self.api.ListBgpNetworks, pb().ListBgpNetworksRequest, "networks")
        self.assertEqual(sorted(n.cidr for n in got), sorted(made))
        self.assertEqual(len(made), 80)

    def test_tcp_api(self):
        port = vbrtest.free_port()
        d = self.daemon(api="127.0.0.1:%d" % port)
        r = d.api().GetRouter(pb().GetRouterRequest())
        self.assertEqual(r.local_asn, 45104)


class RaceTests(DaemonTest):
    """Concurrent mutations that compete for one name, address, quota or parent: exactly the
    right number win, whatever order vbrd batches them in."""

    def run_all(self, fn, reqs):
        futures = [fn.future(r, timeout=30) for r in reqs]
        codes = []
        for f in futures:
            try:
                f.result()
                codes.append(C.OK)
            except vbrtest.grpc.RpcError as e:
                codes.append(e.code())
        return codes

    def test_same_group_name(self):
        P = pb()
        codes = self.run_all(self.api.CreateBgpGroup,
                             [P.CreateBgpGroupRequest(name="race", peer_asn=65001)] * 16)
        self.assertEqual(codes.count(C.OK), 1, codes)
        self.assertEqual(codes.count(C.ALREADY_EXISTS), 15, codes)
        self.assertEqual(len(self.api.ListBgpGroups(P.ListBgpGroupsRequest()).groups), 1)

    def test_same_peer_ip(self):
        P = pb()
        g = self.group()
        vbrtest.can_sandbox() or self.skipTest("needs the private netns")
        codes = self.run_all(self.api.CreateBgpPeer, [P.CreateBgpPeerRequest(
            group_id=g.id, peer_ip=peer_ip(0), admin_down=True)] * 12)
        self.assertEqual(codes.count(C.OK), 1, codes)
        self.assertEqual(codes.count(C.ALREADY_EXISTS), 11, codes)
        self.assertEqual(len(self.api.ListBgpPeers(P.ListBgpPeersRequest()).peers), 1)

    def test_peer_limit(self):
        P = pb()
        g = self.group()
        vbrtest.can_sandbox() or self.skipTest("needs the private netns")
        codes = self.run_all(self.api.CreateBgpPeer, [P.CreateBgpPeerRequest(
            group_id=g.id, peer_ip=peer_ip(i), admin_down=True) for i in range(14)])
        self.assertEqual(codes.count(C.OK), 8, codes)
        self.assertEqual(codes.count(C.RESOURCE_EXHAUSTED), 6, codes)
        self.assertEqual(len(self.api.ListBgpPeers(P.ListBgpPeersRequest()).peers), 8)
        self.assertEqual(self.api.GetBgpGroup(P.GetBgpGroupRequest(id=g.id)).peer_count, 8)

    def test_network_quota(self):
        P = pb()
        d = self.daemon(args=["--max-networks", "10"])
        api = d.api()
        codes = self.run_all(api.AddBgpNetwork, [P.AddBgpNetworkRequest(
            cidr="10.%d.0.0/16" % i) for i in range(25)])
        self.assertEqual(codes.count(C.OK), 10, codes)
        self.assertEqual(codes.count(C.RESOURCE_EXHAUSTED), 15, codes)
        self.assertEqual(len(api.ListBgpNetworks(P.ListBgpNetworksRequest()).networks), 10)

    def test_delete_group_while_adding_peers(self):
        """Never a peer left in a deleted group: each round, either the delete or the create
        fails, and what the API lists afterwards is consistent."""
        P = pb()
        vbrtest.can_sandbox() or self.skipTest("needs the private netns")
        for i in range(10):
            g = self.group()
            f_peer = self.api.CreateBgpPeer.future(P.CreateBgpPeerRequest(
                group_id=g.id, peer_ip=peer_ip(i), admin_down=True), timeout=30)
            f_del = self.api.DeleteBgpGroup.future(P.DeleteBgpGroupRequest(id=g.id), timeout=30)
            codes = []
            for f in (f_peer, f_del):
                try:
                    f.result()
                    codes.append(C.OK)
                except vbrtest.grpc.RpcError as e:
                    codes.append(e.code())
            self.assertIn(codes, [[C.OK, C.FAILED_PRECONDITION], [C.NOT_FOUND, C.OK]])
            peers = self.api.ListBgpPeers(P.ListBgpPeersRequest(page_size=100)).peers
            groups = {x.id for x in self.api.ListBgpGroups(
                P.ListBgpGroupsRequest(page_size=1000)).groups}
            for p in peers:
                self.assertIn(p.group_id, groups, "peer %s in a deleted group" % p.id)
            for p in peers:
                self.api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=p.id))
