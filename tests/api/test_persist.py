"""Durability and process life: what vbrd acknowledged survives SIGTERM and kill -9, request_id
retries survive a restart, the state file is 0600, an unreadable or corrupt state file stops
vbrd with a message naming it and is never overwritten, SIGTERM/SIGINT exit 0.
"""
import hashlib
import os
import random
import signal
import stat
import threading
import time

import vbrtest
from vbrtest import DaemonTest, mask, peer_ip

C = None


def setUpModule():
    global C
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode


def pb():
    return vbrtest.pb


def snapshot(api):
    """Everything the API shows, in a comparable form."""
    P = pb()
    groups = sorted((g.SerializeToString(deterministic=True)
                     for g in api.ListBgpGroups(P.ListBgpGroupsRequest(page_size=1000)).groups))
    peers = []
    for p in api.ListBgpPeers(P.ListBgpPeersRequest(page_size=1000)).peers:
        peers.append((p.id, p.group_id, p.peer_ip, p.peer_asn, p.description, p.admin_down,
                      p.create_time.seconds, p.create_time.nanos))
    nets = sorted((n.cidr, n.create_time.seconds, n.create_time.nanos)
                  for n in api.ListBgpNetworks(P.ListBgpNetworksRequest(page_size=1000)).networks)
    return groups, sorted(peers), nets


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class RestartTests(DaemonTest):
    def populate(self):
        P = pb()
        a = self.group(name="alpha", peer_asn=65001, auth_key="alpha-key", description="A",
                       route_limit=1234, hold_time=90, keepalive_time=30)
        b = self.group(name="beta", peer_asn=4200000001)
        self.api.UpdateBgpGroup(P.UpdateBgpGroupRequest(id=b.id, update_mask=mask("description"),
                                                        description="updated"))
        p1 = self.peer(a.id, "10.99.0.2", description="one")
        self.peer(a.id, "10.99.0.3", admin_down=True)
        p3 = self.peer(b.id, "10.99.0.4")
        self.api.UpdateBgpPeer(P.UpdateBgpPeerRequest(id=p1.id, update_mask=mask("admin_down"),
                                                      admin_down=True))
        self.api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=p3.id))
        c = self.group(name="gamma")
        self.api.DeleteBgpGroup(P.DeleteBgpGroupRequest(id=c.id))
        for cidr in ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/25"]:
            self.api.AddBgpNetwork(P.AddBgpNetworkRequest(cidr=cidr))
        self.api.DeleteBgpNetwork(P.DeleteBgpNetworkRequest(cidr="198.51.100.0/24"))
        return a, b

    def test_sigterm_restart_keeps_everything(self):
        a, b = self.populate()
        before = snapshot(self.api)
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.stderr())
        self.d.start()
        api = self.d.api()
        self.assertEqual(snapshot(api), before)
        g = api.GetBgpGroup(pb().GetBgpGroupRequest(id=a.id))
        self.assertTrue(g.has_auth_key)
        self.assertEqual((g.route_limit, g.hold_time, g.keepalive_time, g.peer_count),
                         (1234, 90, 30, 2))
        self.assertEqual(api.GetBgpGroup(pb().GetBgpGroupRequest(id=b.id)).peer_count, 0)
        # Rules still hold for restored state: names, addresses, networks stay unique.
        self.assertRpcError(C.ALREADY_EXISTS, self.group, api=api, name="alpha")
        self.assertRpcError(C.ALREADY_EXISTS, self.peer, a.id, "10.99.0.2", api=api)
        self.assertRpcError(C.ALREADY_EXISTS, api.AddBgpNetwork,
                            pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.assertRpcError(C.FAILED_PRECONDITION, api.DeleteBgpGroup,
                            pb().DeleteBgpGroupRequest(id=a.id))
        # New ids never collide with restored ones.
        new = self.group(api=api)
        self.assertNotIn(new.id, (a.id, b.id))

    def test_kill9_restart_keeps_everything(self):
        self.populate()
        before = snapshot(self.api)
        self.d.kill9()
        self.d.start()
        self.assertEqual(snapshot(self.d.api()), before)

    def test_restored_peer_limit_counts(self):
        g = self.group()
        for i in range(8):
            self.peer(g.id, peer_ip(i))
        self.d.kill9()
        self.d.start()
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.peer, g.id, peer_ip(8), api=self.d.api())

    def test_request_id_survives_restart(self):
        P = pb()
        greq = P.CreateBgpGroupRequest(name="rid", peer_asn=65001, request_id="rid-group")
        g = self.api.CreateBgpGroup(greq)
        preq = P.CreateBgpPeerRequest(group_id=g.id, peer_ip=peer_ip(0), request_id="rid-peer")
        p = self.api.CreateBgpPeer(preq)
        nreq = P.AddBgpNetworkRequest(cidr="192.0.2.0/24", request_id="rid-net")
        n = self.api.AddBgpNetwork(nreq)
        self.d.kill9()
        self.d.start()
        api = self.d.api()
        self.assertEqual(api.CreateBgpGroup(greq).id, g.id)
        self.assertEqual(api.CreateBgpPeer(preq).id, p.id)
        self.assertEqual(api.AddBgpNetwork(nreq), n)
        self.assertEqual(len(api.ListBgpGroups(P.ListBgpGroupsRequest()).groups), 1)
        self.assertEqual(len(api.ListBgpPeers(P.ListBgpPeersRequest()).peers), 1)
        self.assertEqual(len(api.ListBgpNetworks(P.ListBgpNetworksRequest()).networks), 1)
        # And once more after a graceful stop.
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.d.api().CreateBgpGroup(greq).id, g.id)

    def test_kill9_during_mutations(self):
        """kill -9 while 4 clients mutate: every acknowledged mutation is there afterwards."""
        P = pb()
        rng = random.Random(7)
        g = self.group(name="base")
        for rnd in range(3):
            api = self.d.api()
            acked_add, acked_del, acked_groups = set(), set(), set()
            stop = threading.Event()
            lock = threading.Lock()

            uncertain = set()  # a call was in flight when vbrd died: either outcome is fine

            def mutator(w):
                i = 0
                while not stop.is_set() and i < 5000:
                    k = i % 40
                    cidr = "10.%d.%d.%d/32" % (rnd, w, k % 20)
                    try:
                        if i % 7 == 6:
                            name = "r%dw%di%d" % (rnd, w, i)
                            x = api.CreateBgpGroup(P.CreateBgpGroupRequest(
                                name=name, peer_asn=65001), timeout=5)
                            with lock:
                                acked_groups.add(x.id)
                        elif k < 20:
                            with lock:
                                uncertain.add(cidr)
                            api.AddBgpNetwork(P.AddBgpNetworkRequest(cidr=cidr), timeout=5)
                            with lock:
                                uncertain.discard(cidr)
                                acked_add.add(cidr)
                                acked_del.discard(cidr)
                        else:
                            with lock:
                                uncertain.add(cidr)
                            api.DeleteBgpNetwork(P.DeleteBgpNetworkRequest(cidr=cidr), timeout=5)
                            with lock:
                                uncertain.discard(cidr)
                                acked_del.add(cidr)
                                acked_add.discard(cidr)
                    except vbrtest.grpc.RpcError:
                        return  # the daemon is gone: stop
                    i += 1

            # Stay under the network quota: 4 workers x 20 addresses.
            threads = [threading.Thread(target=mutator, args=(w,)) for w in range(4)]
            for t in threads:
                t.start()
            # Kill once some calls were acknowledged, at a random moment after that.
            vbrtest.wait_until(lambda: len(acked_add) + len(acked_groups) >= 10, 30)
            time.sleep(rng.random() * 0.3)
            self.d.kill9()
            stop.set()
            for t in threads:
                t.join(30)
            self.d.start()
            api = self.d.api()
            nets = {n.cidr for n in api.ListBgpNetworks(
                P.ListBgpNetworksRequest(page_size=1000)).networks}
            groups = {x.id for x in api.ListBgpGroups(
                P.ListBgpGroupsRequest(page_size=1000)).groups}
            self.assertLessEqual(acked_add - uncertain, nets,
                                 "acknowledged adds lost (round %d)" % rnd)
            self.assertEqual((acked_del - uncertain) & nets, set(),
                             "acknowledged deletes undone (round %d)" % rnd)
            self.assertLessEqual(acked_groups, groups, "acknowledged groups lost")
            self.assertIn(g.id, groups)
            self.assertGreater(len(acked_add) + len(acked_groups), 0, "nothing was mutated")
            # Clear the networks for the next round.
            for c in nets:
                api.DeleteBgpNetwork(P.DeleteBgpNetworkRequest(cidr=c))


class StateFileTests(DaemonTest):
    def test_mode_0600(self):
        self.group(auth_key="secret")
        files = self.d.state_files()
        self.assertTrue(files, "no state file after a mutation")
        for f in files:
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600, f)
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.assertEqual(self.d.stop(), 0)
        for f in self.d.state_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600, f)

    def test_mode_0600_under_permissive_umask(self):
        old = os.umask(0)
        try:
            d = self.daemon()
        finally:
            os.umask(old)
        self.group(api=d.api(), auth_key="secret")
        for f in d.state_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600, f)

    def test_no_leftover_temp_files(self):
        for i in range(5):
            self.group()
        self.assertEqual(self.d.stop(), 0)
        self.assertEqual(len(self.d.state_files()), 1, self.d.state_files())

    def stored_daemon(self):
        """A stopped vbrd whose state dir holds exactly one state file; returns (d, path)."""
        self.group(name="kept", auth_key="kept-key")
        self.api.AddBgpNetwork(pb().AddBgpNetworkRequest(cidr="192.0.2.0/24"))
        self.assertEqual(self.d.stop(), 0)
        files = self.d.state_files()
        self.assertEqual(len(files), 1, files)
        return self.d, files[0]

    def assert_refuses(self, d, path, original=None, is_dir=False):
        before_mtime = os.stat(path).st_mtime_ns
        before = None if is_dir else sha(path)
        d.start(wait=False)
        rc = d.wait_exit(20)
        self.assertIsNotNone(rc, "vbrd kept running with an unreadable state file")
        self.assertNotEqual(rc, 0)
        self.assertGreater(rc, 0, "vbrd crashed instead of exiting: %s" % rc)
        err = d.stderr()
        self.assertIn(os.path.basename(path), err, "the message should name the state file")
        self.assertIn(path, err, "the message should name the state file's path")
        if not is_dir:
            self.assertEqual(sha(path), before, "the state file was modified")
            if original is not None:
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), original)
        else:
            self.assertTrue(os.path.isdir(path))
        self.assertEqual(os.stat(path).st_mtime_ns, before_mtime)

    def test_corrupt_state_file(self):
        d, path = self.stored_daemon()
        garbage = b"\xff" * 64 + os.urandom(64)
        with open(path, "wb") as f:
            f.write(garbage)
        self.assert_refuses(d, path, garbage)
        # Still refused the second time: nothing "repaired" it.
        self.assert_refuses(d, path, garbage)

    def test_corrupt_state_file_with_valid_prefix(self):
        d, path = self.stored_daemon()
        with open(path, "rb") as f:
            good = f.read()
        bad = good + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
        with open(path, "wb") as f:
            f.write(bad)
        self.assert_refuses(d, path, bad)

    def test_state_file_not_readable(self):
        """vbrd running as an unprivileged user cannot read a root-owned 0600 state file."""
        import shutil as sh
        if os.geteuid() != 0 or not sh.which("setpriv"):
            self.skipTest("needs root and setpriv")
        d, path = self.stored_daemon()
        nobody = (65534, 65534)
        # The user may use the folders (lock file, API socket) but not the file itself.
        for p in (d.work, d.state_dir):
            os.chown(p, *nobody)
        for n in os.listdir(d.state_dir):
            if n != os.path.basename(path):
                os.chown(os.path.join(d.state_dir, n), *nobody)
        self.assertEqual(os.stat(path).st_uid, 0)
        d.run_as = nobody
        self.assert_refuses(d, path)

    def test_leftover_temp_file_ignored(self):
        """A crash between writing the temp file and the rename leaves a temp file: the next
        start loads the last complete state."""
        d, path = self.stored_daemon()
        with open(path, "rb") as f:
            good = f.read()
        for junk in (path + ".tmp", os.path.join(os.path.dirname(path), ".state.pb.tmp")):
            with open(junk, "wb") as f:
                f.write(b"\xff" * 100)
        d.start()
        groups = d.api().ListBgpGroups(pb().ListBgpGroupsRequest()).groups
        self.assertEqual([g.name for g in groups], ["kept"])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), good)
        self.group(api=d.api(), name="after")
        self.assertEqual(d.stop(), 0)
        d.start()
        self.assertEqual(sorted(g.name for g in d.api().ListBgpGroups(
            pb().ListBgpGroupsRequest()).groups), ["after", "kept"])

    def test_missing_state_dir_created(self):
        work = vbrtest.mkdtemp()
        state = os.path.join(work, "state")  # missing; its parent exists
        d = self.daemon(state_dir=state)
        self.group(api=d.api(), name="fresh")
        self.assertEqual(d.stop(), 0)
        d.start()
        self.assertEqual([g.name for g in d.api().ListBgpGroups(
            pb().ListBgpGroupsRequest()).groups], ["fresh"])

    def test_state_file_is_a_directory(self):
        d, path = self.stored_daemon()
        os.rename(path, path + ".moved")
        os.mkdir(path)
        self.assert_refuses(d, path, is_dir=True)

    def test_second_daemon_on_same_state_dir_refused(self):
        self.group(name="first")
        other = self.daemon(start=False, state_dir=self.d.state_dir)
        other.start(wait=False)
        rc = other.wait_exit(20)
        self.assertIsNotNone(rc, "two vbrd processes share one state dir")
        self.assertGreater(rc, 0)
        self.assertIn(self.d.state_dir, other.stderr())
        # The first one is unharmed.
        self.assertEqual([g.name for g in self.api.ListBgpGroups(
            pb().ListBgpGroupsRequest()).groups], ["first"])
        self.group(name="second")

    def test_recovers_after_file_restored(self):
        d, path = self.stored_daemon()
        with open(path, "rb") as f:
            good = f.read()
        with open(path, "wb") as f:
            f.write(b"\xff" * 32)
        self.assert_refuses(d, path)
        with open(path, "wb") as f:
            f.write(good)
        d.start()
        groups = d.api().ListBgpGroups(pb().ListBgpGroupsRequest()).groups
        self.assertEqual([g.name for g in groups], ["kept"])
        self.assertTrue(groups[0].has_auth_key)

    def test_key_stored_but_never_served(self):
        """The key is in the 0600 state file (sessions need it) and survives a restart."""
        g = self.group(auth_key="persisted-key")
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        got = self.d.api().GetBgpGroup(pb().GetBgpGroupRequest(id=g.id))
        self.assertTrue(got.has_auth_key)
        self.assertNotIn(b"persisted-key", got.SerializeToString())


class SignalTests(DaemonTest):
    def test_sigterm_exits_zero(self):
        self.group()
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.stderr())

    def test_sigint_exits_zero(self):
        self.group()
        self.assertEqual(self.d.stop(signal.SIGINT), 0, self.d.stderr())

    def test_sigterm_idle_exits_zero(self):
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.stderr())

    def test_sigterm_with_open_streams_and_calls(self):
        """Watchers and unfinished calls do not keep vbrd from exiting 0."""
        P = pb()
        ch = self.d.new_channel()
        stub = vbrtest.pbg.VirtualBorderRouterStub(ch)
        watches = [stub.WatchPeerEvents(P.WatchPeerEventsRequest(send_initial_state=True),
                                        timeout=60) for _ in range(5)]
        for w in watches:
            self.assertEqual(next(w).kind, P.PEER_EVENT_KIND_END_OF_INITIAL_STATE)
        hw = vbrtest.hpbg.HealthStub(ch).Watch(vbrtest.hpb.HealthCheckRequest(), timeout=60)
        next(hw)
        futures = [stub.AddBgpNetwork.future(P.AddBgpNetworkRequest(cidr="10.%d.0.0/16" % i),
                                             timeout=30) for i in range(20)]
        self.d.proc.send_signal(signal.SIGTERM)
        rc = self.d.wait_exit(20)
        self.assertEqual(rc, 0, self.d.stderr())
        # Acknowledged adds are on disk.
        acked = set()
        for i, f in enumerate(futures):
            try:
                acked.add(f.result(timeout=10).cidr)
            except vbrtest.grpc.RpcError:
                pass
        for w in watches:
            w.cancel()
        hw.cancel()
        ch.close()
        self.d.start()
        nets = {n.cidr for n in self.d.api().ListBgpNetworks(
            P.ListBgpNetworksRequest(page_size=1000)).networks}
        self.assertLessEqual(acked, nets)

    def test_restart_same_api_socket(self):
        """A unix API socket left from the previous run does not stop the next one."""
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.d.kill9()
        self.d.start()
        self.assertEqual(self.d.api().GetRouter(pb().GetRouterRequest()).local_asn, 45104)
