"""A full vbrd lifecycle under valgrind: start, mutations, reads, a watcher, an unknown method,
SIGTERM. Exits 0 with no definite or indirect leak and no memory error, using only the
suppressions the service commits for the gRPC core's globals.
"""
import os
import signal

import vbrtest
from vbrtest import DaemonTest, mask

ERROR_EXIT = 97


def next_event(stream):
    """The next event that is not a STATE_CHANGED (vbrd tries to reach the peer; it fails)."""
    for _ in range(100):
        ev = next(stream)
        if ev.kind != vbrtest.pb.PEER_EVENT_KIND_STATE_CHANGED:
            return ev
    raise AssertionError("only STATE_CHANGED events")


def setUpModule():
    vbrtest.generate_stubs()


class ValgrindTests(DaemonTest):
    def setUp(self):
        pass

    def test_lifecycle_no_leaks(self):
        if not vbrtest.can_sandbox():
            self.skipTest("peers need vbrd in a private network namespace (root, unshare)")
        P = vbrtest.pb
        vg = ["--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
              "--show-leak-kinds=definite,indirect", "--error-exitcode=%d" % ERROR_EXIT,
              "--track-fds=no", "--num-callers=30"]
        if vbrtest.VALGRIND_SUPP:
            self.assertTrue(os.path.exists(vbrtest.VALGRIND_SUPP), vbrtest.VALGRIND_SUPP)
            vg.append("--suppressions=" + vbrtest.VALGRIND_SUPP)
        d = self.daemon(start=False, valgrind=vg)
        d.start(timeout=120)
        api = d.api()
        g = api.CreateBgpGroup(P.CreateBgpGroupRequest(name="vg", peer_asn=65001,
                                                       auth_key="k", request_id="vg-1"),
                               timeout=30)
        api.CreateBgpGroup(P.CreateBgpGroupRequest(name="vg", peer_asn=65001, request_id="vg-1"),
                           timeout=30)
        wch = d.new_channel()  # its own connection: still open when SIGTERM arrives
        self.addCleanup(wch.close)
        w = vbrtest.pbg.VirtualBorderRouterStub(wch).WatchPeerEvents(
            P.WatchPeerEventsRequest(send_initial_state=True), timeout=120)
        self.assertEqual(next(w).kind, P.PEER_EVENT_KIND_END_OF_INITIAL_STATE)
        p = api.CreateBgpPeer(P.CreateBgpPeerRequest(group_id=g.id, peer_ip="10.99.0.2"),
                              timeout=30)
        self.assertEqual(next_event(w).kind, P.PEER_EVENT_KIND_PEER_CREATED)
        api.UpdateBgpPeer(P.UpdateBgpPeerRequest(id=p.id, update_mask=mask("description"),
                                                 description="x"), timeout=30)
        api.ResetBgpPeer(P.ResetBgpPeerRequest(id=p.id), timeout=30)
        api.AddBgpNetwork(P.AddBgpNetworkRequest(cidr="192.0.2.0/24"), timeout=30)
        api.ListBgpNetworks(P.ListBgpNetworksRequest(page_size=1), timeout=30)
        api.ListBgpGroups(P.ListBgpGroupsRequest(), timeout=30)
        api.ListBgpPeers(P.ListBgpPeersRequest(), timeout=30)
        api.ListRoutes(P.ListRoutesRequest(peer_id=p.id), timeout=30)
        api.GetRouter(P.GetRouterRequest(), timeout=30)
        with self.assertRaises(vbrtest.grpc.RpcError):
            api.CreateBgpGroup(P.CreateBgpGroupRequest(name="1bad", peer_asn=65001), timeout=30)
        with self.assertRaises(vbrtest.grpc.RpcError):
            api.GetBgpGroup(P.GetBgpGroupRequest(id="nope"), timeout=30)
        ident = lambda b: b
        with self.assertRaises(vbrtest.grpc.RpcError):
            d._channel().unary_unary("/vbr.v1.VirtualBorderRouter/Nope", request_serializer=ident,
                                     response_deserializer=ident)(b"", timeout=30)
        api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=p.id), timeout=30)
        self.assertEqual(next_event(w).kind, P.PEER_EVENT_KIND_PEER_DELETED)
        # The watcher is still open when vbrd is told to stop.
        rc = d.stop(signal.SIGTERM, timeout=120)
        w.cancel()
        err = d.stderr()
        self.assertNotEqual(rc, ERROR_EXIT, "valgrind found errors or leaks:\n" + err[-20000:])
        self.assertEqual(rc, 0, err[-20000:])
        self.assertNotIn("definitely lost", err)
        self.assertNotIn("indirectly lost", err)
        # And the state it wrote under valgrind loads (plain start).
        d2 = self.daemon(start=False, state_dir=d.state_dir)
        d2.start()
        self.assertEqual([x.name for x in d2.api().ListBgpGroups(P.ListBgpGroupsRequest()).groups],
                         ["vg"])
