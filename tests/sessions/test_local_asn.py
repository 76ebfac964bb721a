"""A BGP group's own local ASN (BgpGroup.local_asn; 0 = the router's --local-asn) is what its
peers see: My AS and the 4-octet AS capability in the OPEN, and the AS prepended to what vbrd
announces. BIRD and GoBGP are configured to expect the group's ASN (a session with the
router's ASN would fail with Bad Peer AS); a 2-octet-only ExaBGP sees AS_TRANS for a 4-octet
group ASN (RFC 6793): in its OPEN, and in the AS_PATH of our UPDATE, with the group ASN in AS4_PATH
(checked in the bytes ExaBGP logs). Changing a group's local_asn resets its sessions.
"""
import re
import unittest

import lab as L
import vbrapi as V

BIRD_GROUP_ASN = 65010
GOBGP_GROUP_ASN = 4200000005
EXA_GROUP_ASN = 4200000006
NETWORK = "203.0.113.0/24"


class GroupLocalAsn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "bird", "gobgp", "exa"])
        try:
            v = cls.lab.ip("v")
            cls.bird = L.Bird(cls.lab, "bird", 65001, v, neighbor_asn=BIRD_GROUP_ASN,
                              routes=["198.51.100.0/24"]).start()
            cls.gobgp = L.GoBgp(cls.lab, "gobgp", 65002, v,
                                neighbor_asn=GOBGP_GROUP_ASN).start()
            cls.exa = L.ExaBgp(cls.lab, "exa", 65003, v, neighbor_asn=23456, asn4=False,
                               routes=["198.51.103.0/24"], log_packets=True).start()
            cls.vbrd = V.Vbrd(cls.lab, "v").start()  # the router's ASN: 45104
            cls.vbrd.network(NETWORK)
            g = cls.vbrd.group("bird-g", 65001, local_asn=BIRD_GROUP_ASN)
            cls.g_bird = g.id
            cls.p_bird = cls.vbrd.peer(g.id, cls.lab.ip("bird")).id
            g = cls.vbrd.group("gobgp-g", 65002, local_asn=GOBGP_GROUP_ASN)
            cls.p_gobgp = cls.vbrd.peer(g.id, cls.lab.ip("gobgp")).id
            g = cls.vbrd.group("exa-g", 65003, local_asn=EXA_GROUP_ASN)
            cls.p_exa = cls.vbrd.peer(g.id, cls.lab.ip("exa")).id
        except Exception:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def advertised_path(self, pid):
        rt = L.wait_for(lambda: self.vbrd.routes(pid, advertised=True).get(NETWORK), 10,
                        what="advertised network")
        return list(rt.as_path)

    def test_01_bird_sees_group_asn(self):
        self.vbrd.wait_state(self.p_bird, timeout=20)
        L.wait_for(lambda: self.bird.state() == "Established", 10, what="bird Established")
        r = L.wait_for(lambda: self.bird.routes().get(NETWORK), 10, what="network at bird")
        self.assertEqual(r["as_path"], [BIRD_GROUP_ASN])
        self.assertEqual(self.advertised_path(self.p_bird), [BIRD_GROUP_ASN])
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_bird).get("198.51.100.0/24"), 10,
                        what="bird's route at vbrd")
        self.assertEqual(list(rt.as_path), [65001])

    def test_02_gobgp_sees_four_octet_group_asn(self):
        self.vbrd.wait_state(self.p_gobgp, timeout=20)
        L.wait_for(lambda: self.gobgp.state() == "established", 10, what="gobgp established")
        # GoBGP expects peer-as 4200000005: established means our OPEN carried it.
        r = L.wait_for(lambda: self.gobgp.adj_in().get(NETWORK), 10, what="network at gobgp")
        self.assertEqual(r["as_path"], [GOBGP_GROUP_ASN])

    def test_03_two_octet_peer_sees_as_trans(self):
        # ExaBGP (asn4 disabled) accepts only My AS = 23456: established means it saw
        # AS_TRANS; the 4-octet group ASN travels in AS4_PATH.
        self.vbrd.wait_state(self.p_exa, timeout=30)
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_exa).get("198.51.103.0/24"), 10,
                        what="exabgp route")
        self.assertEqual(list(rt.as_path), [65003])
        self.assertEqual(self.advertised_path(self.p_exa), [EXA_GROUP_ASN])
        self.assertNotRegex(self.exa.log(), r"(?i)notification.*bad peer as")
        # On the wire (ExaBGP logs every message body it receives, in hex): My AS is
        # AS_TRANS, the UPDATE's AS_PATH is [23456] and its AS4_PATH [4200000006].
        bodies = L.wait_for(lambda: (lambda b: b if any("C0110602" in x for x in b) else None)(
            [re.sub(r"\s", "", m) for m in re.findall(
                r"received complete TCP payload \(\s*\d+\) ([0-9A-F ]+)", self.exa.log())]),
            10, what="our UPDATE in ExaBGP's packet log")
        self.assertTrue(any(b.startswith("045BA0") for b in bodies), bodies)  # OPEN v4, AS 23456
        update = next(b for b in bodies if "C0110602" in b)
        self.assertIn("40020402015BA0", update)  # AS_PATH: one AS_SEQUENCE of AS_TRANS
        self.assertIn("C011060201%08X" % EXA_GROUP_ASN, update)  # AS4_PATH: the group's AS

    def update_bird_group(self, local_asn):
        self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.g_bird, local_asn=local_asn,
            update_mask=V.field_mask_pb2.FieldMask(paths=["local_asn"])))

    def test_04_local_asn_change_resets_sessions(self):
        self.vbrd.wait_state(self.p_bird, timeout=20)
        self.update_bird_group(0)  # back to the router's 45104: BIRD expects 65010
        L.wait_for(lambda: "Other configuration change" in self.bird.log(), 10,
                   what="bird logs Cease / Other Configuration Change")
        L.wait_for(lambda: "Bad peer AS" in self.bird.log(), 15,
                   what="bird refuses the router's ASN")
        self.assertNotEqual(self.vbrd.state_name(self.p_bird), "SESSION_STATE_ESTABLISHED")
        self.update_bird_group(BIRD_GROUP_ASN)
        self.vbrd.wait_state(self.p_bird, timeout=30)
        L.wait_for(lambda: (self.bird.routes().get(NETWORK) or {}).get("as_path") ==
                   [BIRD_GROUP_ASN], 10, what="network at bird again")


if __name__ == "__main__":
    unittest.main(verbosity=2)
