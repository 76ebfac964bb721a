"""TCP MD5 (RFC 2385) and AS numbers: matching keys come up, a wrong key never does and the
reason says so; a 4-byte peer ASN (4200000001) works; with vbrd's own ASN over 65535, a
2-octet-only peer (ExaBGP with asn4 disabled) peers through AS_TRANS and the AS paths come out
right both ways (RFC 6793).
"""
import time
import unittest

import lab as L
import vbrapi as V

EST = "SESSION_STATE_ESTABLISHED"
LOCAL_ASN = 4200000002


def md5_failures(lab, host):
    return sum(L.md5_counters(lab, host).values())


class AuthAndAsn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v", "good", "bad", "gobgp", "exa"])
        v = cls.lab.ip("v")
        cls.good = L.Bird(cls.lab, "good", 65001, v, neighbor_asn=LOCAL_ASN,
                          routes=["198.51.100.0/24"], password="s3cret-key").start()
        cls.bad = L.Bird(cls.lab, "bad", 65005, v, neighbor_asn=LOCAL_ASN,
                         routes=["198.51.105.0/24"], password="not-the-key").start()
        cls.gobgp = L.GoBgp(cls.lab, "gobgp", 4200000001, v, neighbor_asn=LOCAL_ASN,
                            password="gobgp-key").start()
        cls.gobgp.add_route("100.64.2.0/24", aspath=[64999])
        # A 2-octet-only speaker must configure the 4-byte neighbour as AS_TRANS (23456).
        cls.exa = L.ExaBgp(cls.lab, "exa", 65003, v, neighbor_asn=23456, asn4=False,
                           routes=["198.51.103.0/24",
                                   "198.51.104.0/24 as-path [ 65003 4200000009 ]",
                                   "198.51.106.0/24 as-path [ 65003 4200000009 ] "
                                   "aggregator ( 65003:10.10.0.5 )"]).start()
        cls.vbrd = V.Vbrd(cls.lab, "v", ["--local-asn", str(LOCAL_ASN)]).start()
        cls.vbrd.network("203.0.113.0/24")
        g = cls.vbrd.group("md5-good", 65001, auth_key="s3cret-key")
        cls.p_good = cls.vbrd.peer(g.id, cls.lab.ip("good")).id
        g = cls.vbrd.group("md5-bad", 65005, auth_key="s3cret-key")
        cls.g_bad = g.id
        cls.p_bad = cls.vbrd.peer(g.id, cls.lab.ip("bad")).id
        g = cls.vbrd.group("four-byte", 4200000001, auth_key="gobgp-key")
        cls.p_gobgp = cls.vbrd.peer(g.id, cls.lab.ip("gobgp")).id
        g = cls.vbrd.group("two-octet", 65003)
        cls.p_exa = cls.vbrd.peer(g.id, cls.lab.ip("exa")).id

    @classmethod
    def tearDownClass(cls):
        cls.lab.close(finish=cls.vbrd)

    def test_01_matching_md5_key_established(self):
        self.vbrd.wait_state(self.p_good, timeout=20)
        L.wait_for(lambda: self.good.state() == "Established", 10, what="bird Established")
        r = L.wait_for(lambda: self.good.routes().get("203.0.113.0/24"), 10, what="network")
        self.assertEqual(r["as_path"], [LOCAL_ASN])
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_good).get("198.51.100.0/24"), 10,
                        what="route at vbrd")
        self.assertEqual(list(rt.as_path), [65001])

    def test_02_wrong_md5_key_never_established(self):
        deadline = time.time() + 8  # more than one ConnectRetry (5 s with jitter) each side
        while time.time() < deadline:
            self.assertNotEqual(self.vbrd.state_name(self.p_bad), EST)
            self.assertNotEqual(self.bad.state(), "Established")
            time.sleep(0.5)
        p = L.wait_for(lambda: (lambda p: p if "MD5" in p.last_error else None)(
            self.vbrd.get_peer(self.p_bad)), 10, what="last_error naming MD5")
        print("wrong key reason: %r" % p.last_error)
        # The kernels saw segments signed with a key they do not share.
        self.assertGreater(md5_failures(self.lab, "v") + md5_failures(self.lab, "bad"), 0)

    def test_03_four_byte_asn_with_md5(self):
        self.vbrd.wait_state(self.p_gobgp, timeout=20)
        L.wait_for(lambda: self.gobgp.state() == "established", 10, what="gobgp established")
        r = L.wait_for(lambda: self.gobgp.adj_in().get("203.0.113.0/24"), 10, what="network")
        self.assertEqual(r["as_path"], [LOCAL_ASN])
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_gobgp).get("100.64.2.0/24"), 10,
                        what="gobgp route")
        self.assertEqual(list(rt.as_path), [4200000001, 64999])
        self.assertEqual(self.vbrd.get_peer(self.p_gobgp).peer_asn, 4200000001)

    def test_04_two_octet_peer_through_as_trans(self):
        self.vbrd.wait_state(self.p_exa, timeout=30)
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_exa).get("198.51.103.0/24"), 10,
                        what="exabgp route")
        self.assertEqual(list(rt.as_path), [65003])
        self.assertEqual(rt.next_hop, self.lab.ip("exa"))
        # A 4-byte ASN in a 2-octet speaker's path travels as AS_TRANS in AS_PATH plus
        # AS4_PATH; vbrd merges them back (RFC 6793 4.2.3).
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_exa).get("198.51.104.0/24"), 10,
                        what="exabgp route with a 4-byte ASN")
        self.assertEqual(list(rt.as_path), [65003, 4200000009])
        # Issue 14: with a plain 2-octet AGGREGATOR (65003 fits, so no AS4_AGGREGATOR) the
        # AS4_PATH still counts (RFC 6793 4.2.3 ignores it only when both aggregators came
        # and AGGREGATOR is not AS_TRANS); it used to show as [65003, 23456].
        rt = L.wait_for(lambda: self.vbrd.routes(self.p_exa).get("198.51.106.0/24"), 10,
                        what="exabgp route with a 4-byte ASN and an AGGREGATOR")
        self.assertEqual(list(rt.as_path), [65003, 4200000009])
        self.assertEqual(rt.as_path_text, "65003 4200000009")
        # ExaBGP saw our OPEN's My AS as AS_TRANS and accepted it as its configured peer-as.
        log = self.exa.log()
        self.assertRegex(log, r"(?i)(established|connected to peer|neighbor .* up)")
        self.assertNotRegex(log, r"(?i)notification.*bad peer as")

    def test_04b_soft_reset_refused_without_route_refresh(self):
        """A core refusal the client hears (issue 14): ExaBGP here advertises no route
        refresh capability, so a soft reset (ROUTE-REFRESH, RFC 2918) cannot be sent; the
        call answers FAILED_PRECONDITION naming the peer and the RFC, and nothing happens to
        the session."""
        self.vbrd.wait_state(self.p_exa, timeout=30)
        est = self.vbrd.get_peer(self.p_exa).established_time
        with self.assertRaises(V.grpc.RpcError) as cm:
            self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.p_exa, soft=True))
        self.assertEqual(cm.exception.code(), V.grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn(self.p_exa, cm.exception.details())
        self.assertIn("RFC 2918", cm.exception.details())
        time.sleep(0.5)
        p = self.vbrd.get_peer(self.p_exa)
        self.assertEqual(self.vbrd.state_name(self.p_exa), EST)
        self.assertEqual(p.established_time, est)

    def update_group(self, **kw):
        mask = V.field_mask_pb2.FieldMask(paths=list(kw))
        return self.vbrd.call("UpdateBgpGroup", V.pb.UpdateBgpGroupRequest(
            id=self.g_bad, update_mask=mask, **kw))

    def test_05_group_key_change_resets_its_peers(self):
        self.assertNotEqual(self.vbrd.state_name(self.p_bad), EST)
        self.update_group(auth_key="not-the-key")  # now the same as BIRD's
        self.vbrd.wait_state(self.p_bad, timeout=20)
        L.wait_for(lambda: self.bad.state() == "Established", 10, what="bird Established")
        L.wait_for(lambda: "198.51.105.0/24" in self.vbrd.routes(self.p_bad), 10,
                   what="routes over the new key")

    def test_06_group_asn_change_resets_its_peers(self):
        self.vbrd.wait_state(self.p_bad, timeout=20)
        # Both ends on the same connection first: a Cease sent while BIRD still settles a
        # collision goes to the connection it is dropping, and BIRD never logs it.
        L.wait_for(lambda: self.bad.state() == "Established", 10, what="bird Established")
        self.update_group(peer_asn=65099)  # BIRD is 65005: its OPEN is now refused
        L.wait_for(lambda: "Other configuration change" in self.bad.log(), 10,
                   what="bird logs Cease / Other Configuration Change")
        L.wait_for(lambda: "Bad peer AS" in self.bad.log(), 15,
                   what="bird logs OPEN / Bad Peer AS from vbrd")
        p = L.wait_for(lambda: (lambda p: p if "Bad Peer AS" in p.last_error else None)(
            self.vbrd.get_peer(self.p_bad)), 10, what="last_error Bad Peer AS")
        self.assertNotEqual(V.pb.SessionState.Name(p.session_state), EST)
        self.update_group(peer_asn=65005)
        self.vbrd.wait_state(self.p_bad, timeout=30)


if __name__ == "__main__":
    unittest.main(verbosity=2)
