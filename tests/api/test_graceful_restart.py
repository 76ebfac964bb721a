"""Graceful restart settings of a BGP group (issue 12): graceful_restart defaults to true and
restart_time to 120 on create; both are shown by Get/List, changed by UpdateBgpGroup (mask, or
no mask for non-default values), checked (restart_time 1..4095, INVALID_ARGUMENT naming it),
durable across SIGTERM and kill -9, and a state file written before the fields existed loads as
graceful restart on, 120 s.
"""
import os
import signal
import subprocess

import vbrtest
from vbrtest import DaemonTest, mask

C = None


def setUpModule():
    global C
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode


def pb():
    return vbrtest.pb


def state_pb():
    """vbr.v1 StoredState, generated from proto/vbr/v1/state.proto next to the API stubs."""
    proto_dir = os.path.join(vbrtest.REPO, "proto")
    subprocess.run(["protoc", "--python_out=" + vbrtest.GEN_DIR, "-I", proto_dir,
                    "vbr/v1/state.proto"], check=True, cwd=proto_dir, timeout=60)
    from vbr.v1 import state_pb2
    return state_pb2


class GracefulRestartGroupTests(DaemonTest):
    def get(self, gid, api=None):
        return (api or self.api).GetBgpGroup(pb().GetBgpGroupRequest(id=gid))

    def test_create_defaults(self):
        g = self.group()
        self.assertEqual((g.graceful_restart, g.restart_time), (True, 120))
        g = self.get(g.id)
        self.assertEqual((g.graceful_restart, g.restart_time), (True, 120))
        listed = [x for x in self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups
                  if x.id == g.id]
        self.assertEqual((listed[0].graceful_restart, listed[0].restart_time), (True, 120))

    def test_create_explicit(self):
        # Presence, not value, decides: an explicit false turns it off.
        g = self.group(graceful_restart=False, restart_time=4095)
        self.assertEqual((g.graceful_restart, g.restart_time), (False, 4095))
        g = self.group(graceful_restart=True, restart_time=1)
        self.assertEqual((g.graceful_restart, g.restart_time), (True, 1))

    def test_create_restart_time_out_of_range(self):
        for bad in (0, 4096, 70000):
            self.assertRpcError(C.INVALID_ARGUMENT, self.group, restart_time=bad,
                                contains=("restart_time", str(bad)))
        self.assertEqual(len(self.api.ListBgpGroups(pb().ListBgpGroupsRequest()).groups), 0)

    def test_update_with_mask(self):
        g = self.group()
        r = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("graceful_restart", "restart_time"),
            graceful_restart=False, restart_time=300))
        self.assertEqual((r.graceful_restart, r.restart_time), (False, 300))
        self.assertEqual((self.get(g.id).graceful_restart, self.get(g.id).restart_time),
                         (False, 300))
        # Only the masked field changes.
        r = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("graceful_restart"), graceful_restart=True,
            restart_time=7))
        self.assertEqual((r.graceful_restart, r.restart_time), (True, 300))

    def test_update_without_mask(self):
        g = self.group(graceful_restart=False)
        r = self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(id=g.id, graceful_restart=True,
                                                               restart_time=60))
        self.assertEqual((r.graceful_restart, r.restart_time), (True, 60))

    def test_update_restart_time_invalid_names_field(self):
        g = self.group()
        for bad in (0, 4096):
            self.assertRpcError(C.INVALID_ARGUMENT, self.api.UpdateBgpGroup,
                                pb().UpdateBgpGroupRequest(id=g.id, update_mask=mask(
                                    "restart_time"), restart_time=bad),
                                contains=("restart_time",))
        self.assertEqual(self.get(g.id).restart_time, 120)

    def test_durable_across_sigterm_and_kill9(self):
        a = self.group(graceful_restart=False, restart_time=33)
        b = self.group()
        self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=b.id, update_mask=mask("restart_time"), restart_time=4000))
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.stderr())
        self.d.start()
        api = self.d.api()
        self.assertEqual((self.get(a.id, api).graceful_restart, self.get(a.id, api).restart_time),
                         (False, 33))
        self.assertEqual((self.get(b.id, api).graceful_restart, self.get(b.id, api).restart_time),
                         (True, 4000))
        api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=a.id, update_mask=mask("graceful_restart"), graceful_restart=True))
        self.d.kill9()
        self.d.start()
        api = self.d.api()
        self.assertEqual((self.get(a.id, api).graceful_restart, self.get(a.id, api).restart_time),
                         (True, 33))


class OldStateFileTests(DaemonTest):
    def setUp(self):
        # A state file as vbrd wrote it before graceful restart: no fields 14 and 15.
        sp = state_pb()
        self.state_dir = vbrtest.mkdtemp("va-old-")
        st = sp.StoredState(version=1)
        st.groups.add(id="bgpg-0000abcd", name="old", peer_asn=65001, route_limit=100,
                      hold_time=30, keepalive_time=10, route_limit_action=1,
                      create_time_ms=1700000000000)
        path = os.path.join(self.state_dir, "state.pb")
        with open(path, "wb") as f:
            f.write(st.SerializeToString())
        os.chmod(path, 0o600)
        self.d = self.daemon(state_dir=self.state_dir)
        self.api = self.d.api()

    def test_old_file_loads_as_graceful_restart_on(self):
        g = self.api.GetBgpGroup(pb().GetBgpGroupRequest(id="bgpg-0000abcd"))
        self.assertEqual((g.graceful_restart, g.restart_time), (True, 120))
        # Written back (any mutation rewrites the file): still on, 120, after a restart.
        self.api.UpdateBgpGroup(pb().UpdateBgpGroupRequest(
            id=g.id, update_mask=mask("description"), description="touched"))
        self.assertEqual(self.d.stop(signal.SIGTERM), 0, self.d.stderr())
        self.d.start()
        g = self.d.api().GetBgpGroup(pb().GetBgpGroupRequest(id="bgpg-0000abcd"))
        self.assertEqual((g.graceful_restart, g.restart_time, g.description),
                         (True, 120, "touched"))
