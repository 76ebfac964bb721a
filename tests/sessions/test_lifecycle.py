"""Session life cycle against BIRD 2 and GoBGP: the peer killed and restarted (vbrd recovers by
itself, each transition an event with a reason), the peer frozen (hold timer), admin_down /
enable, hard and soft reset, delete, a connection from an unknown address, and SIGTERM sending
Cease to every peer.
"""
import os
import re
import signal
import socket
import time
import unittest

import lab as L
import vbrapi as V

EST = "SESSION_STATE_ESTABLISHED"


def export_updates(bird):
    """BIRD's 'Export updates' received count for protocol vbr (it grows on a route refresh)."""
    m = re.search(r"Export updates:\s+(\d+)", bird.cli("show protocols all vbr"))
    return int(m.group(1)) if m else -1


def import_updates(bird):
    """BIRD's 'Import updates' received count for protocol vbr."""
    m = re.search(r"Import updates:\s+(\d+)", bird.cli("show protocols all vbr"))
    return int(m.group(1)) if m else -1


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "bird", "gobgp", "stranger"])
        v = cls.lab.ip("v")
        cls.bird = L.Bird(cls.lab, "bird", 65001, v, routes=["198.51.100.0/24"]).start()
        cls.gobgp = L.GoBgp(cls.lab, "gobgp", 65002, v).start()
        cls.vbrd = V.Vbrd(cls.lab, "v", ["--metrics-listen", "127.0.0.1:9180"]).start()
        cls.vbrd.network("203.0.113.0/24")
        cls.watch = cls.vbrd.watch()
        g1 = cls.vbrd.group("dc-bird", 65001, hold_time=9, keepalive_time=3)
        g2 = cls.vbrd.group("dc-gobgp", 65002)
        cls.pb = cls.vbrd.peer(g1.id, cls.lab.ip("bird")).id
        cls.pg = cls.vbrd.peer(g2.id, cls.lab.ip("gobgp")).id
        cls.vbrd.wait_state(cls.pb)
        cls.vbrd.wait_state(cls.pg)

    @classmethod
    def tearDownClass(cls):
        cls.watch.cancel()
        cls.lab.close(finish=cls.vbrd)

    def changes(self, peer_id):
        self.watch.drain()
        return [e for e in self.watch.events
                if e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and e.peer_id == peer_id]

    def test_01_peer_killed_and_restarted(self):
        # The event stream lags wait_state's GetBgpPeer polls: wait for the bring-up's own
        # Established event, or a late OpenSent->OpenConfirm would be counted as ours.
        L.wait_for(lambda: [e for e in self.changes(self.pb)
                            if e.new_state == V.state("ESTABLISHED")], 10,
                   what="the bring-up's Established event")
        before = len(self.changes(self.pb))
        self.bird.kill()
        # The kernel resets/closes the dead daemon's socket: vbrd sees it at once (the hold
        # timer, 9 s here, is the fallback).
        L.wait_for(lambda: self.vbrd.state_name(self.pb) != EST, 15, what="vbrd notices")
        self.bird.start()
        self.vbrd.wait_state(self.pb, timeout=30)
        L.wait_for(lambda: self.bird.state() == "Established", 10, what="bird back")
        L.wait_for(lambda: "203.0.113.0/24" in self.bird.routes(), 10, what="network again")
        L.wait_for(lambda: "198.51.100.0/24" in self.vbrd.routes(self.pb), 10,
                   what="routes again")
        evs = L.wait_for(lambda: (lambda c: c if c and c[-1].new_state ==
                                  V.state("ESTABLISHED") else None)(
                                      self.changes(self.pb)[before:]), 5,
                         what="the event stream reaching Established")
        self.assertEqual(evs[0].old_state, V.state("ESTABLISHED"))
        self.assertTrue(evs[0].reason, "a reason for going down")
        self.assertEqual(evs[-1].new_state, V.state("ESTABLISHED"))
        for a, b in zip(evs, evs[1:]):
            self.assertEqual(a.new_state, b.old_state)
            self.assertTrue(b.reason)
        p = self.vbrd.get_peer(self.pb)
        self.assertTrue(p.last_error, "last_error keeps why the session went down")
        self.assertEqual(p.negotiated_hold_time, 9)  # the group's 9 s, below BIRD's 240
        print("down reason: %r; transitions: %s" % (evs[0].reason, [
            (V.pb.SessionState.Name(e.new_state)[14:], e.reason) for e in evs]))

    def test_01b_peer_frozen_hold_timer(self):
        # SIGSTOP: the peer's socket stays open but nothing comes from it; only vbrd's hold
        # timer (9 s, this group's) can notice.
        self.vbrd.wait_state(self.pb)
        before = len(self.changes(self.pb))
        with open(self.bird.lab.path(self.bird.name + ".pid")) as f:
            pid = int(f.read().split()[0])
        os.kill(pid, signal.SIGSTOP)
        try:
            down = L.wait_for(lambda: [e for e in self.changes(self.pb)[before:]
                                       if e.old_state == V.state("ESTABLISHED")], 20,
                              what="hold timer expiry")
        finally:
            os.kill(pid, signal.SIGCONT)
        self.assertIn("hold timer expired", down[0].reason)
        self.vbrd.wait_state(self.pb, timeout=30)

    def test_02_admin_down_and_up(self):
        self.vbrd.wait_state(self.pb)
        mask = V.field_mask_pb2.FieldMask(paths=["admin_down"])
        self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
            id=self.pb, update_mask=mask, admin_down=True))
        L.wait_for(lambda: "Administrative shutdown" in self.bird.log(), 5,
                   what="bird logs Cease / Administrative Shutdown")
        self.vbrd.wait_state(self.pb, "SESSION_STATE_IDLE", timeout=5)
        time.sleep(3)  # BIRD retries every second; vbrd must hold the peer Idle
        self.assertEqual(self.vbrd.state_name(self.pb), "SESSION_STATE_IDLE")
        self.assertNotEqual(self.bird.state(), "Established")
        self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
            id=self.pb, update_mask=mask, admin_down=False))
        self.vbrd.wait_state(self.pb, timeout=15)

    def test_03_hard_reset(self):
        self.vbrd.wait_state(self.pb)
        n = self.vbrd.get_peer(self.pb)
        self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.pb, message="maintenance"))
        L.wait_for(lambda: "Administrative reset" in self.bird.log(), 5,
                   what="bird logs Cease / Administrative Reset")
        self.assertIn("maintenance", self.bird.log())
        self.vbrd.wait_state(self.pb, timeout=15)
        self.assertGreater(self.vbrd.get_peer(self.pb).established_time.ToNanoseconds(),
                           n.established_time.ToNanoseconds())

    def test_04_soft_reset_sends_route_refresh(self):
        self.vbrd.wait_state(self.pb)
        L.wait_for(lambda: export_updates(self.bird) > 0, 10, what="bird exported")
        before = export_updates(self.bird)
        established = self.vbrd.get_peer(self.pb).established_time
        self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.pb, soft=True))
        # BIRD answers a ROUTE-REFRESH by sending its routes again; the session stays.
        L.wait_for(lambda: export_updates(self.bird) > before, 5, what="bird re-exports")
        p = self.vbrd.get_peer(self.pb)
        self.assertEqual(V.pb.SessionState.Name(p.session_state), EST)
        self.assertEqual(p.established_time, established)

    def unknown_connections(self):
        r = self.lab.exec("v", ["/usr/bin/python3", "-c", """
import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:9180/metrics", timeout=5).read().decode())
"""], check=False)
        m = re.search(r"^vbrd_bgp_unknown_connections_total (\d+)", r.stdout, re.M)
        self.assertTrue(m, r.stdout[-2000:])
        return int(m.group(1))

    def test_04b_route_refresh_from_peer(self):
        # `birdc reload in` makes BIRD send a ROUTE-REFRESH (RFC 2918): vbrd answers with its
        # Adj-RIB-Out again, which BIRD counts as received updates.
        self.vbrd.wait_state(self.pb)
        L.wait_for(lambda: import_updates(self.bird) > 0, 10, what="bird imported")
        before = import_updates(self.bird)
        self.bird.cli("reload in vbr")
        L.wait_for(lambda: import_updates(self.bird) > before, 5,
                   what="vbrd re-sends its networks")
        self.assertEqual(self.vbrd.state_name(self.pb), EST)

    def test_05_unknown_address_closed(self):
        # A host that is no configured peer: vbrd accepts and closes at once, and counts it.
        before = self.unknown_connections()
        r = self.lab.exec("stranger", ["/usr/bin/python3", "-c", """
import socket, time
s = socket.create_connection(("%s", 179), timeout=5)
t = time.time()
s.settimeout(5)
data = s.recv(100)
print("closed" if data == b"" else "data", "%%.3f" %% (time.time() - t))
""" % self.lab.ip("v")], check=False)
        self.assertIn("closed", r.stdout, r.stdout)
        L.wait_for(lambda: self.unknown_connections() == before + 1, 5,
                   what="unknown connection counted")
        self.assertEqual(self.vbrd.state_name(self.pg), EST)

    def test_06_delete_peer_sends_deconfigured(self):
        self.vbrd.wait_state(self.pg)
        self.vbrd.call("DeleteBgpPeer", V.pb.DeleteBgpPeerRequest(id=self.pg))
        L.wait_for(lambda: re.search(r"(?i)peer de-?configured", self.gobgp.log()), 10,
                   what="gobgp logs Cease / Peer De-configured")
        L.wait_for(lambda: self.gobgp.state() != "established", 10, what="gobgp down")
        g = self.vbrd.call("ListBgpGroups", V.pb.ListBgpGroupsRequest()).groups
        gid = [x.id for x in g if x.name == "dc-gobgp"][0]
        self.pg = self.__class__.pg = self.vbrd.peer(gid, self.lab.ip("gobgp")).id
        self.vbrd.wait_state(self.pg, timeout=20)

    def test_07_sigterm_sends_cease_to_every_peer(self):
        self.vbrd.wait_state(self.pb)
        self.vbrd.wait_state(self.pg)
        self.watch.cancel()
        rc = self.vbrd.stop(sig=signal.SIGTERM, timeout=20)
        self.assertEqual(rc, 0, self.vbrd.log()[-2000:])
        L.wait_for(lambda: self.bird.log().count("Administrative shutdown") >= 2, 5,
                   what="bird logs a second Administrative Shutdown")
        L.wait_for(lambda: re.search(r"(?i)administrative shutdown", self.gobgp.log()), 5,
                   what="gobgp logs Administrative Shutdown")


if __name__ == "__main__":
    unittest.main(verbosity=2)
