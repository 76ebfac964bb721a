"""BFD for BGP peers against real peers in namespaces: BIRD 2 (protocol bfd + bfd on) and FRR
(zebra + bfdd + bgpd, neighbor X bfd) both reach Up and each side's tools say so; packets with
TTL below 255 and 1,000 malformed packets are dropped and counted while BFD stays Up; while
BFD is Down (packets filtered, TCP fine) the BGP session stays down; turning
BFD off on a peer keeps its BGP session (the peer's BGP not tied to BFD); deleting a peer while
BFD is Up sends AdminDown (FRR reports the peer's diagnostic).
"""
import os
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sessions"))
import lab as L  # noqa: E402
import vbrapi as V  # noqa: E402

EST = "SESSION_STATE_ESTABLISHED"
BIRD_BFD = 'protocol bfd bfd1 { interface "eth0" { interval 100 ms; multiplier 3; }; %s }'

# Sends datagrams to vbrd's 3784 from inside a peer's namespace: argv = dst ttl hex...
SENDER = r"""
import socket, sys
dst, ttl = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
s.bind(("0.0.0.0", 49999))
for h in sys.argv[3:]:
    s.sendto(bytes.fromhex(h.strip("x")), (dst, 3784))
"""


def bfd_packet(state=1, ver=1, mult=3, length=24, my=0x77, your=0, flags=0, diag=0):
    return struct.pack(">BBBBIIIII", ver << 5 | diag, state << 6 | flags, mult, length, my, your,
                       100000, 100000, 0)


def malformed(n):
    """n packets that each break one rule of RFC 5880 6.8.6 (or are too short)."""
    kinds = [
        bfd_packet(ver=0), bfd_packet(ver=2), bfd_packet(length=20), bfd_packet(length=60),
        bfd_packet(mult=0), bfd_packet(flags=0x01), bfd_packet(my=0),
        bfd_packet(state=3, your=0), bfd_packet(flags=0x04, length=26) + b"\0\0",
        bfd_packet(state=3, your=0x12345678), b"\x20\x40", b"",
    ]
    return [kinds[i % len(kinds)] for i in range(n)]


class BfdInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "bird", "frr", "bird2"])
        v = cls.lab.ip("v")
        cls.bird = L.Bird(cls.lab, "bird", 65001, v, routes=["198.51.100.0/24"],
                          extra=BIRD_BFD % "", bgp_extra="bfd on;").start()
        # BFD on its own (a static neighbor), BGP not tied to it.
        cls.bird2 = L.Bird(cls.lab, "bird2", 65003, v,
                           extra=BIRD_BFD % ('neighbor %s;' % v)).start()
        cls.frr = L.Frr(cls.lab, "frr", 65002, v, routes=["192.0.2.0/24"]).start()
        cls.vbrd = V.Vbrd(cls.lab, "v", ["--metrics-listen", "127.0.0.1:9180"]).start()
        cls.watch = cls.vbrd.watch()
        kw = dict(bfd_min_interval_ms=100, bfd_detect_multiplier=3, hold_time=9,
                  keepalive_time=3)
        g1 = cls.vbrd.group("dc-bird", 65001, **kw)
        g2 = cls.vbrd.group("dc-frr", 65002, **kw)
        g3 = cls.vbrd.group("dc-bird2", 65003, **kw)
        cls.pb = cls.vbrd.peer(g1.id, cls.lab.ip("bird"), enable_bfd=True).id
        cls.pf = cls.vbrd.peer(g2.id, cls.lab.ip("frr"), enable_bfd=True).id
        cls.pb2 = cls.vbrd.peer(g3.id, cls.lab.ip("bird2"), enable_bfd=True).id
        for p in (cls.pb, cls.pf, cls.pb2):
            cls.vbrd.wait_state(p, timeout=40)
            cls.wait_bfd(p, "BFD_STATE_UP", 20)

    @classmethod
    def tearDownClass(cls):
        cls.watch.cancel()
        cls.lab.close(finish=cls.vbrd)

    @classmethod
    def bfd_state(cls, peer_id):
        return V.pb.BfdState.Name(cls.vbrd.get_peer(peer_id).bfd_state)

    @classmethod
    def wait_bfd(cls, peer_id, state, timeout):
        return L.wait_for(lambda: cls.bfd_state(peer_id) == state, timeout,
                          what="BFD of %s %s" % (peer_id, state))

    def metric(self, name, peer_id, **labels):
        text = self.lab.exec("v", ["curl", "-s", "http://127.0.0.1:9180/metrics"]).stdout
        for line in text.splitlines():
            if line.startswith(name + "{") and 'peer_id="%s"' % peer_id in line and all(
                    '%s="%s"' % kv in line for kv in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError("no %s for %s in metrics" % (name, peer_id))

    def send(self, host, ttl, packets):
        for i in range(0, len(packets), 200):
            self.lab.exec(host, ["/usr/bin/python3", "-c", SENDER, self.lab.ip("v"), str(ttl)]
                          + [p.hex() or "x" for p in packets[i:i + 200]], timeout=60)

    def test_01_both_sides_up(self):
        v = self.lab.ip("v")
        self.assertEqual(L.wait_for(lambda: self.bird.bfd_sessions().get(v) == "Up" and "Up",
                                    10, what="bird bfd Up"), "Up")
        frr = L.wait_for(lambda: [p for p in self.frr.bfd_peers()
                                  if p.get("peer") == v and p.get("status") == "up"], 15,
                         what="frr bfd up")
        # FRR left its 1 s slow-start timers: our Poll was answered and its Poll got a Final.
        L.wait_for(lambda: [p for p in self.frr.bfd_peers() if p.get("peer") == v and
                            p.get("transmit-interval") == 100 and
                            p.get("remote-transmit-interval") == 100], 10,
                   what="frr at 100 ms both ways")
        self.assertEqual(frr[0]["remote-detect-multiplier"], 3)
        self.assertEqual(self.vbrd.get_peer(self.pb).enable_bfd, True)
        self.assertEqual(self.metric("vbrd_bgp_peer_bfd_state", self.pf, state="up"), 1)
        self.assertGreater(self.metric("vbrd_bgp_peer_bfd_packets_total", self.pf,
                                       direction="in"), 0)
        self.assertGreater(self.metric("vbrd_bgp_peer_bfd_packets_total", self.pf,
                                       direction="out"), 0)
        evs = self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_BFD_STATE_CHANGED and
                              e.peer_id == self.pb and e.new_bfd_state == V.pb.BFD_STATE_UP,
                              5, what="BFD Up event")
        self.assertTrue(evs[0].reason)

    def vbrctl(self, *args, timeout=20):
        env = dict(os.environ, VBRCTL_SERVER="unix:" + self.vbrd.sock)
        exe = os.path.join(os.path.dirname(V.VBRD), "vbrctl")
        try:
            r = subprocess.run([exe] + list(args), env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=timeout)
            return r.stdout
        except subprocess.TimeoutExpired as e:
            return e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")

    def test_01b_vbrctl_shows_bfd(self):
        show = self.vbrctl("peer", "show", self.pf)
        self.assertRegex(show, r"BFD:\s+up\n", show)
        wide = self.vbrctl("peer", "list", "-o", "wide").splitlines()
        col = wide[0].split().index("BFD")
        rows = [r.split() for r in wide[1:] if self.pb in r]
        self.assertEqual(rows[0][col], "up", wide)
        group = self.vbrctl("group", "show", "dc-frr")
        self.assertIn("100 ms x 3 (detection 300 ms", group)
        # watch replays the stream: the BFD transitions of the handshake are there.
        out = self.vbrctl("watch", "--after", "0", "--peer", self.pf, timeout=3)
        self.assertRegex(out, r"BFD (down|init) -> up  three-way handshake complete", out)

    def test_02_low_ttl_dropped_and_counted(self):
        before = self.metric("vbrd_bgp_peer_bfd_packets_total", self.pb, direction="dropped")
        # AdminDown with TTL 254 would take the session down if it were accepted.
        self.send("bird", 254, [bfd_packet(state=0, diag=7)] * 20)
        L.wait_for(lambda: self.metric("vbrd_bgp_peer_bfd_packets_total", self.pb,
                                       direction="dropped") >= before + 20, 5,
                   what="20 more drops")
        time.sleep(0.5)
        self.assertEqual(self.bfd_state(self.pb), "BFD_STATE_UP")
        # The same packet with TTL 255 is accepted (else this test would prove nothing):
        # your-discriminator 0 from the peer's address is matched by address, and AdminDown
        # takes our side Down without touching our BGP session (RFC 5882 3.2). bird2, whose
        # BGP is not tied to BFD (bird's would drop BGP on our Down), brings it back Up.
        self.send("bird2", 255, [bfd_packet(state=0, diag=7)])
        self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_BFD_STATE_CHANGED and
                        e.peer_id == self.pb2 and e.new_bfd_state == V.pb.BFD_STATE_DOWN, 5,
                        what="accepted AdminDown")
        self.wait_bfd(self.pb2, "BFD_STATE_UP", 10)
        self.assertEqual(self.vbrd.state_name(self.pb2), EST)

    def test_03_malformed_survived(self):
        before = self.metric("vbrd_bgp_peer_bfd_packets_total", self.pb2, direction="dropped")
        self.send("bird2", 255, malformed(1000))
        L.wait_for(lambda: self.metric("vbrd_bgp_peer_bfd_packets_total", self.pb2,
                                       direction="dropped") >= before + 1000, 10,
                   what="1000 more drops")
        self.assertEqual(self.bfd_state(self.pb2), "BFD_STATE_UP")
        self.assertEqual(self.vbrd.state_name(self.pb2), EST)
        self.assertEqual(self.bird2.bfd_sessions().get(self.lab.ip("v")), "Up")

    def test_03b_bgp_held_while_bfd_down(self):
        """BFD fails while TCP still works (bird2's BFD packets dropped on their way out,
        its BGP not tied to BFD and reconnecting every second): vbrd closes the session and
        does not bring it up again until BFD is Up."""
        rule = ["OUTPUT", "-p", "udp", "--dport", "3784", "-j", "DROP"]
        start = len(self.watch.drain())
        self.lab.exec("bird2", ["iptables", "-A"] + rule)
        try:
            ev = self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                                 e.peer_id == self.pb2 and
                                 e.old_state == V.state("ESTABLISHED"), 10,
                                 what="BGP closed by BFD")
            self.assertEqual(ev[0].reason, "BFD session down: control detection time expired")
            time.sleep(4)  # bird2 tries to reconnect every second meanwhile
            self.assertNotEqual(self.vbrd.state_name(self.pb2), EST)
            ups = [e for e in self.watch.drain()[start:] if e.peer_id == self.pb2 and
                   e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
                   e.new_state == V.state("ESTABLISHED")]
            self.assertEqual(ups, [])
        finally:
            self.lab.exec("bird2", ["iptables", "-D"] + rule)
        self.wait_bfd(self.pb2, "BFD_STATE_UP", 15)
        self.vbrd.wait_state(self.pb2, timeout=30)

    def test_04_disabled_keeps_bgp(self):
        before = self.vbrd.get_peer(self.pb2).session_state
        r = self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
            id=self.pb2, enable_bfd=False,
            update_mask=V.field_mask_pb2.FieldMask(paths=["enable_bfd"])))
        self.assertFalse(r.enable_bfd)
        self.assertEqual(V.pb.BfdState.Name(r.bfd_state), "BFD_STATE_DISABLED")
        v = self.lab.ip("v")
        # BIRD heard AdminDown (its session leaves Up at once, no detection time)...
        L.wait_for(lambda: self.bird2.bfd_sessions().get(v) in ("Down", "AdminDown"), 3,
                   what="bird2 sees BFD go down")
        time.sleep(3)  # ten detection times
        # ...and BGP stays up on both sides.
        self.assertEqual(self.vbrd.get_peer(self.pb2).session_state, before)
        self.assertEqual(self.vbrd.state_name(self.pb2), EST)
        self.assertEqual(self.bird2.state(), "Established")
        self.assertEqual(self.metric("vbrd_bgp_peer_bfd_state", self.pb2, state="disabled"), 1)
        ev = self.watch.wait(lambda e: e.kind == V.pb.PEER_EVENT_KIND_BFD_STATE_CHANGED and
                             e.peer_id == self.pb2 and
                             e.new_bfd_state == V.pb.BFD_STATE_DISABLED, 5, what="DISABLED")
        self.assertEqual(ev[0].old_bfd_state, V.pb.BFD_STATE_UP)
        self.assertEqual(ev[0].reason, "BFD disabled")

    def test_05_delete_sends_admin_down(self):
        v = self.lab.ip("v")
        self.vbrd.call("DeleteBgpPeer", V.pb.DeleteBgpPeerRequest(id=self.pf))
        peer = L.wait_for(lambda: [p for p in self.frr.bfd_peers()
                                   if p.get("peer") == v and p.get("status") != "up"], 5,
                          what="frr bfd leaves up")
        self.assertEqual(peer[0].get("remote-diagnostic"), "administratively down", peer)


if __name__ == "__main__":
    unittest.main(verbosity=2)
