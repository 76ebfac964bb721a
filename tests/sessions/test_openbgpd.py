"""Interop with OpenBGPD (portable 7.7, Debian's openbgpd) as a 4-byte-ASN (4200000001) eBGP
peer with TCP MD5: Established at both ends (vbrd's session_state, bgpctl's neighbor state);
vbrd's network in OpenBGPD's RIB with path [45104] and vbrd's address as next hop; OpenBGPD's
`network`s learned by vbrd (ListRoutes: path [4200000001], its next hop) and installed in vbrd's
namespace (proto bgp, 186); one dropped from OpenBGPD's config and `bgpctl reload`: withdrawn
from ListRoutes and the kernel, the other kept, no reset; another MD5 key at vbrd: down and
vbrd's kernel counts OpenBGPD's segments as mismatched, back with the key; graceful restart:
OpenBGPD 7.7 announces the capability for End-of-RIB only (no address family), so
BgpPeer.graceful_restart_negotiated is false while OpenBGPD sees vbrd's capability (IPv4,
forwarding preserved, 120 s) and End-of-RIB; admin_down: OpenBGPD logs Cease / administratively
down.

OpenBGPD 7.7 on Linux keys only its own outgoing connections for TCP MD5 (its listening socket
has no key: vbrd's signed SYNs count as TcpExtTCPMD5Unexpected there), so with MD5 every
session is one OpenBGPD opened: connect-retry 1 in lab.OpenBgpd, `bgpctl neighbor up` after a
NOTIFICATION (bgpd then holds the neighbor Idle 30 s).
"""
import json
import time
import unittest

import lab as L
import vbrapi as V

EST = "SESSION_STATE_ESTABLISHED"
OB_ASN = 4200000001
OURS = "203.0.113.0/24"
KEEP, DROP = "198.51.101.0/24", "198.51.100.0/24"
KEY = "o1-md5-key"


class OpenBgpdInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "obgp"], prefix="o1")
        try:
            v = cls.lab.ip("v")
            cls.ob = L.OpenBgpd(cls.lab, "obgp", OB_ASN, v, networks=[DROP, KEEP],
                                password=KEY, restart=True).start()
            cls.vbrd = V.Vbrd(cls.lab, "v").start()
            cls.vbrd.network(OURS)
            g = cls.vbrd.group("openbgpd", OB_ASN, auth_key=KEY)
            cls.group = g.id
            cls.peer = cls.vbrd.peer(g.id, cls.lab.ip("obgp")).id
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def test_01_established_both_sides(self):
        self.vbrd.wait_state(self.peer, timeout=20)
        L.wait_for(lambda: self.ob.state() == "Established", 10, what="openbgpd Established")
        p = self.vbrd.get_peer(self.peer)
        self.assertEqual(p.peer_asn, OB_ASN)
        n = self.ob.neighbor_info()
        print("openbgpd neighbor: %s" % json.dumps(n)[:1500])
        self.assertEqual(int(n.get("remote_as")), 45104)

    def test_02_our_network_in_openbgpd_rib(self):
        self.vbrd.wait_state(self.peer, timeout=20)
        r = L.wait_for(lambda: self.ob.rib().get(OURS), 10, what="our network at openbgpd")
        self.assertEqual(r["as_path"], [45104])
        self.assertEqual(r["next_hop"], self.lab.ip("v"))

    def test_03_openbgpd_networks_learned_and_installed(self):
        self.vbrd.wait_state(self.peer, timeout=20)
        ob = self.lab.ip("obgp")
        for prefix in (DROP, KEEP):
            rt = L.wait_for(lambda: self.vbrd.routes(self.peer).get(prefix), 10,
                            what="%s at vbrd" % prefix)
            self.assertEqual(list(rt.as_path), [OB_ASN])
            self.assertEqual(rt.next_hop, ob)
        k = L.wait_for(lambda: (lambda k: k if DROP in k and KEEP in k else None)(
            L.kernel_bgp_routes(self.lab, "v")), 10, what="routes in vbrd's kernel table")
        self.assertEqual(k[DROP], ob)
        self.assertEqual(k[KEEP], ob)

    def test_04_withdraw_on_reload(self):
        self.vbrd.wait_state(self.peer, timeout=20)
        L.wait_for(lambda: DROP in L.kernel_bgp_routes(self.lab, "v"), 10, what="route installed")
        self.ob.reload([KEEP])
        L.wait_for(lambda: DROP not in self.vbrd.routes(self.peer), 10, what="withdrawn at vbrd")
        L.wait_for(lambda: DROP not in L.kernel_bgp_routes(self.lab, "v"), 10,
                   what="withdrawn from vbrd's kernel table")
        self.assertIn(KEEP, self.vbrd.routes(self.peer))
        self.assertIn(KEEP, L.kernel_bgp_routes(self.lab, "v"))
        self.assertEqual(self.vbrd.state_name(self.peer), EST)  # no reset for a reload

    def test_05_md5_key_is_checked(self):
        """With another key at vbrd the session goes and stays down although OpenBGPD keeps
        connecting (`neighbor up` ends its 30 s Idle hold): vbrd's kernel drops OpenBGPD's
        segments as signed with a key that does not match (TcpExtTCPMD5Failure), so OpenBGPD
        really signs; the same key again and it is back."""
        self.vbrd.wait_state(self.peer, timeout=20)
        before = L.md5_counters(self.lab, "v")["TcpExtTCPMD5Failure"]
        self.update_group(auth_key="not-" + KEY)
        L.wait_for(lambda: self.vbrd.state_name(self.peer) != EST, 10, what="session reset")
        self.ob.up()
        deadline = time.time() + 4  # OpenBGPD connects every second (connect-retry 1)
        while time.time() < deadline:
            self.assertNotEqual(self.vbrd.state_name(self.peer), EST)
            self.assertNotEqual(self.ob.state(), "Established")
            time.sleep(0.5)
        L.wait_for(lambda: L.md5_counters(self.lab, "v")["TcpExtTCPMD5Failure"] > before, 10,
                   what="vbrd's kernel drops OpenBGPD's segments (MD5 mismatch)")
        print("MD5 counters: vbrd's namespace %s, OpenBGPD's %s"
              % (L.md5_counters(self.lab, "v"), L.md5_counters(self.lab, "obgp")))
        self.update_group(auth_key=KEY)
        self.ob.up()
        self.vbrd.wait_state(self.peer, timeout=15)
        L.wait_for(lambda: self.ob.state() == "Established", 10, what="openbgpd Established")

    def update_group(self, **kw):
        mask = V.field_mask_pb2.FieldMask(paths=list(kw))
        return self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.group, update_mask=mask, **kw))

    def test_06_graceful_restart_capability(self):
        """OpenBGPD 7.7 supports only the End-of-RIB part of RFC 4724 (bgpd.conf(5)): its
        graceful restart capability (announce restart yes, the default) lists no address
        family, so it never preserves forwarding state. vbrd counts graceful restart as
        negotiated only when both sides offer it for IPv4 unicast, so it is not here; OpenBGPD
        sees vbrd's capability (IPv4 unicast, forwarding preserved, 120 s) and vbrd's
        End-of-RIB."""
        self.vbrd.wait_state(self.peer, timeout=20)
        L.wait_for(lambda: self.ob.state() == "Established", 10, what="openbgpd Established")
        caps = self.ob.neighbor_info()["session"]
        mine = caps["local"]["capabilities"]["graceful_restart"]
        self.assertTrue(mine["eor"])
        self.assertFalse(mine.get("protocols"))
        theirs = caps["remote"]["capabilities"]["graceful_restart"]
        self.assertEqual(theirs.get("timeout"), 120)
        self.assertEqual(theirs.get("protocols"), [{"family": "IPv4 unicast", "preserved": True}])
        self.assertFalse(self.vbrd.get_peer(self.peer).graceful_restart_negotiated)
        L.wait_for(lambda: "received IPv4 unicast EOR marker" in self.ob.log(), 5,
                   what="openbgpd got vbrd's End-of-RIB")

    def test_07_admin_down_cease_at_openbgpd(self):
        self.vbrd.wait_state(self.peer, timeout=20)
        mask = V.field_mask_pb2.FieldMask(paths=["admin_down"])
        self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
            id=self.peer, update_mask=mask, admin_down=True))
        L.wait_for(lambda: "received notification: Cease, administratively down"
                   in self.ob.log(), 10, what="openbgpd logs Cease / administratively down")
        self.vbrd.wait_state(self.peer, "SESSION_STATE_IDLE", timeout=5)
        L.wait_for(lambda: self.ob.state() != "Established", 10, what="openbgpd down")


if __name__ == "__main__":
    unittest.main(verbosity=2)
