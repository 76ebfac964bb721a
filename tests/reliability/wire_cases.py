"""
wire_cases: the adversarial table. Each case is one malformed (or deliberately odd but valid)
OPEN, UPDATE or header, and the reaction the RFCs require of vbrd, with the section that says so.

A case is Case(id, kind, session, build, expect, rfc):
  kind     "open"   build(c) returns the OPEN we send instead of a good one
           "update" the session is Established and P (c.P) was announced validly; build(c)
                    returns the bytes sent next (one or more messages)
  session  "as4"  our OPEN has the 4-octet AS capability (AS 65001)
           "as2"  a 2-octet-only speaker (AS 65001, no capability 65): AS4_PATH cases
           "big"  our AS is 4200000001 (AS_TRANS in My AS)
  expect   ("notify", [(code, subcode), ...], data or None)   first pair is the RFC's; any
                    other listed pair is also accepted where the RFCs leave the subcode open
                    (RFC 7606 3.a names only the code for a session reset); data is checked
                    when the first pair is what came
           ("withdraw", prefix)       session kept, keepalives flow, prefix gone from ListRoutes
           ("accept", prefix, checks) session kept, prefix present; checks compare Route fields
                    (attribute discard shows as the route kept without the bad attribute)
           ("kept",)                  session kept, P either kept or withdrawn: attributes vbrd
                    need not recognise (Tunnel Encapsulation), where both are RFC-conformant
           ("established",)           the OPEN is acceptable
Checked against RFC 4271 6.1-6.3, RFC 7606 sections 3, 4, 5.2, 5.3, 7.x, RFC 7607, RFC 6793
section 6 (4.2.3), RFC 4760 section 7, RFC 5065 5.3, RFC 6608, RFC 8092 6, RFC 8669 6,
RFC 9012 13, RFC 9072, RFC 5492.
"""
import struct
from dataclasses import dataclass, field
from typing import Callable

from bgpwire import (AGGREGATOR, AS4_AGGREGATOR, AS4_PATH, AS_CONFED_SEQUENCE, AS_CONFED_SET,
                     AS_PATH,
                     AS_SEQUENCE, AS_SET, AS_TRANS, ATOMIC_AGGREGATE, CLUSTER_LIST, COMMUNITIES,
                     EXT, KEEPALIVE, LARGE_COMMUNITY, LOCAL_PREF, MED, MP_REACH, NEXT_HOP,
                     NOTIFICATION, OPEN, OPT_NT, OPT_T, ORIGIN, ORIGINATOR_ID, PARTIAL,
                     PREFIX_SID, TUNNEL_ENCAP, UPDATE, WK, aggregator, as_path, attr, cap,
                     cap_as4, cap_mp, cap_route_refresh, caps_param, communities, ext_param,
                     large_communities, med, message, mp_reach, mp_unreach, next_hop,
                     open_body, open_ext_body, open_msg, opt_param, origin, prefix, segment,
                     update)
import ipaddress

HOLD = 3


@dataclass
class Ctx:
    asn: int
    as4: bool
    src: str        # our address (the session's, and the honest NEXT_HOP)
    dut: str        # vbrd's address on the link
    P: str = "203.0.113.0/24"   # announced validly before the case
    M: str = "198.51.100.0/24"  # sentinel announced after the case


@dataclass
class Case:
    id: str
    kind: str
    session: str
    build: Callable
    expect: tuple
    rfc: str
    desc: str = ""
    extra: dict = field(default_factory=dict)


def N(*pairs, data=None):
    return ("notify", list(pairs), data)


def WD(p="203.0.113.0/24"):
    return ("withdraw", p)


def OK(p="203.0.113.0/24", **checks):
    return ("accept", p, checks)


KEPT = ("kept",)
EST = ("established",)


def ip(a):
    return ipaddress.IPv4Address(a).packed


# ---- building blocks ----

def path(c, asns=None):
    return as_path(asns if asns is not None else [c.asn, 65100], c.as4)


def good(c, *, o=None, p=None, nh=None, extra=b"", nlri=None):
    """ORIGIN, AS_PATH, NEXT_HOP (each replaceable) + extra attributes, NLRI P."""
    attrs = ((origin(0) if o is None else o) + (path(c) if p is None else p)
             + (next_hop(c.src) if nh is None else nh) + extra)
    return update(attrs=attrs, nlri=prefix(c.P) if nlri is None else nlri)


def with_attrs(c, attrs, nlri=None):
    return update(attrs=attrs, nlri=prefix(c.P) if nlri is None else nlri)


def default_path(c):
    return [c.asn, 65100]


# The OPENs below send our honest capabilities unless the case is about them.
def caps(c):
    return cap_mp() + cap_route_refresh() + (cap_as4(c.asn) if c.as4 else b"")


def my_as(c):
    return c.asn if c.asn <= 0xFFFF else AS_TRANS


def open_with(c, params, **kw):
    return message(OPEN, open_body(my_as(c), HOLD, c.src, params, **kw))


CASES = []


def case(id, kind, session, build, expect, rfc, desc=""):
    CASES.append(Case(id, kind, session, build, expect, rfc, desc))


# ======================= OPEN (RFC 4271 6.2 and friends) =======================
case("O01", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, c.src,
     caps_param(caps(c)), version=3)), N((2, 1), data=b"\x00\x04"), "RFC 4271 6.2",
     "version 3: Unsupported Version Number, data = smallest supported (4)")
case("O02", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, c.src,
     caps_param(caps(c)), version=5)), N((2, 1), data=b"\x00\x04"), "RFC 4271 6.2",
     "version 5: data = largest supported below 5 (4)")
case("O03", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, c.src,
     caps_param(caps(c)), version=0)), N((2, 1), data=b"\x00\x04"), "RFC 4271 6.2",
     "version 0")
case("O04", "open", "as4", lambda c: message(OPEN, open_body(65001, 1, c.src,
     caps_param(caps(c)))), N((2, 6)), "RFC 4271 6.2 (MUST reject 1 and 2)", "hold time 1")
case("O05", "open", "as4", lambda c: message(OPEN, open_body(65001, 2, c.src,
     caps_param(caps(c)))), N((2, 6)), "RFC 4271 6.2", "hold time 2")
case("O06", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, "0.0.0.0",
     caps_param(caps(c)))), N((2, 3)), "RFC 4271 6.2, RFC 6286 2.2", "BGP Identifier 0")
case("O07", "open", "as4", lambda c: message(OPEN, open_body(65002, HOLD, c.src,
     caps_param(cap_mp() + cap_as4(65002)))), N((2, 2)), "RFC 4271 6.2",
     "My AS 65002 but the peer is configured as 65001")
case("O08", "open", "as2", lambda c: message(OPEN, open_body(0, HOLD, c.src,
     caps_param(cap_mp()))), N((2, 2)), "RFC 7607 2", "My AS 0")
case("O09", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, c.src,
     caps_param(cap_mp() + cap_as4(0)))), N((2, 2)), "RFC 7607 2, RFC 6793",
     "4-octet AS capability carrying AS 0")
case("O10", "open", "big", lambda c: message(OPEN, open_body(AS_TRANS, HOLD, c.src,
     caps_param(cap_mp() + cap_as4(4200000002)))), N((2, 2)), "RFC 6793 4.1",
     "capability AS 4200000002, configured 4200000001")
case("O11", "open", "big", lambda c: message(OPEN, open_body(AS_TRANS, HOLD, c.src,
     caps_param(cap_mp()))), N((2, 2)), "RFC 6793 4.1",
     "a 2-octet speaker claiming AS_TRANS where 4200000001 is configured")
case("O12", "open", "as4", lambda c: open_with(c, caps_param(caps(c)) + opt_param(1, b"\x00")),
     N((2, 4)), "RFC 4271 6.2", "optional parameter type 1 (deprecated authentication)")
case("O13", "open", "as4", lambda c: open_with(c, opt_param(3, b"xyz") + caps_param(caps(c))),
     N((2, 4)), "RFC 4271 6.2", "optional parameter type 3 (unassigned)")
case("O14", "open", "as4", lambda c: open_with(c, opt_param(2, bytes([65, 10]) + b"\x00" * 4)),
     N((2, 0)), "RFC 4271 6.2 (recognised parameter, malformed: subcode 0)",
     "capability length 10 overruns its 4-byte parameter")
case("O15", "open", "as4", lambda c: open_with(c, caps_param(caps(c)) + opt_param(2, b"\x41")),
     N((2, 0)), "RFC 4271 6.2", "capability header cut after 1 byte")
case("O16", "open", "as4", lambda c: open_with(c, caps_param(caps(c)),
     opt_len=len(caps_param(caps(c))) + 10),
     N((2, 0), (1, 2)), "RFC 4271 6.2 (malformed OPEN; 1/2 also seen in the field)",
     "Optional Parameters Length 10 bytes past the end of the message")
case("O17", "open", "as4", lambda c: open_with(c, caps_param(caps(c)) + b"\x02\x06\x01",
     opt_len=len(caps_param(caps(c))) + 3),
     N((2, 0)), "RFC 4271 6.2", "last parameter's length (6) overruns the parameters (1 left)")
case("O18", "open", "as4", lambda c: open_with(c, bytes([2, 200]) + caps(c)),
     N((2, 0), (1, 2)), "RFC 4271 6.2",
     "parameter length 200 in a short OPEN")
case("O19", "open", "as4", lambda c: open_with(c, caps_param(cap(1, b"\x00\x01\x01")
     + cap_as4(c.asn))), N((2, 0)), "RFC 4271 6.2, RFC 4760 8 (length 4)",
     "multiprotocol capability of length 3")
case("O20", "open", "as4", lambda c: open_with(c, caps_param(cap_mp() + cap(65, b"\xfd\xe9"))),
     N((2, 0)), "RFC 4271 6.2, RFC 6793 (length 4)", "4-octet AS capability of length 2")
case("O21", "open", "as4", lambda c: open_with(c, caps_param(caps(c) + cap(200, b"hello"))),
     EST, "RFC 5492 3 (unknown capabilities ignored)", "unknown capability 200")
case("O22", "open", "as4", lambda c: message(OPEN, open_ext_body(my_as(c), HOLD, c.src,
     ext_param(2, caps(c)))), EST, "RFC 9072 2 (MUST accept the extended form)",
     "extended optional parameters, 2-octet lengths")
case("O23", "open", "as4", lambda c: message(OPEN, open_ext_body(my_as(c), HOLD, c.src,
     ext_param(2, caps(c), length=300))), N((2, 0), (1, 2)), "RFC 9072, RFC 4271 6.2",
     "extended parameter length 300 overruns the message")
case("O24", "open", "as4", lambda c: message(OPEN, open_ext_body(my_as(c), HOLD, c.src,
     ext_param(2, caps(c)), non_ext_len=1)), EST,
     "RFC 9072 3 (type 255 first means extended whatever Non-Ext OP Len says)",
     "extended form with Non-Ext OP Len 1")
case("O25", "open", "as4", lambda c: message(OPEN, open_body(65001, HOLD, c.src)[:9], length=28),
     N((1, 2), data=b"\x00\x1c"), "RFC 4271 6.1", "OPEN of length 28 (< 29)")
case("O26", "open", "as4", lambda c: open_msg(c.asn, HOLD, c.src)[:15] + b"\x00"
     + open_msg(c.asn, HOLD, c.src)[16:], N((1, 1)), "RFC 4271 6.1", "marker not all ones")
case("O27", "open", "as4", lambda c: message(200, b""), N((1, 3), data=b"\xc8"),
     "RFC 4271 6.1", "message type 200")
case("O28", "open", "as4", lambda c: message(UPDATE, b"\x00\x00\x00\x00"),
     N((5, 1)), "RFC 4271 8.2.2, RFC 6608 (unexpected message in OpenSent)",
     "UPDATE before any OPEN")
case("O29", "open", "as4", lambda c: message(KEEPALIVE, b""), N((5, 1)),
     "RFC 4271 8.2.2, RFC 6608", "KEEPALIVE before any OPEN")
case("O30", "open", "as4", lambda c: open_msg(c.asn, HOLD, c.src)[:16] + b"\x10\x01\x01",
     N((1, 2), data=b"\x10\x01"), "RFC 4271 6.1", "OPEN claiming length 4097")
case("O31", "open", "as4", lambda c: open_msg(c.asn, 0, c.src), EST,
     "RFC 4271 4.2 (hold time 0 is acceptable)", "hold time 0")
case("O32", "open", "as2", lambda c: open_msg(c.asn, HOLD, c.src, as4=False), EST,
     "RFC 6793 4.1", "a 2-octet-only speaker")
case("O33", "open", "big", lambda c: open_msg(c.asn, HOLD, c.src), EST, "RFC 6793 4.1",
     "4-octet AS 4200000001 through AS_TRANS")
case("O34", "open", "as4", lambda c: open_with(c, caps_param(caps(c)) + opt_param(255, b"")),
     N((2, 4), (2, 0)), "RFC 9072 3 (type 255 elsewhere: unsupported optional parameter)",
     "type 255 as a later parameter")

# ======================= message header in Established (RFC 4271 6.1) =======================
case("H01", "update", "as4", lambda c: b"\xfe" + good(c)[1:], N((1, 1)), "RFC 4271 6.1",
     "marker with one bit clear")
case("H02", "update", "as4", lambda c: message(KEEPALIVE, b"", length=18),
     N((1, 2), data=b"\x00\x12"), "RFC 4271 6.1", "length 18")
case("H03", "update", "as4", lambda c: b"\xff" * 16 + b"\x10\x01\x02",
     N((1, 2), data=b"\x10\x01"), "RFC 4271 6.1", "length 4097")
case("H04", "update", "as4", lambda c: message(UPDATE, b"\x00\x00\x00"),
     N((1, 2), data=b"\x00\x16"), "RFC 4271 6.1", "UPDATE of length 22 (< 23)")
case("H05", "update", "as4", lambda c: message(KEEPALIVE, b"\x00"),
     N((1, 2), data=b"\x00\x14"), "RFC 4271 6.1", "KEEPALIVE of length 20")
case("H06", "update", "as4", lambda c: message(0, b""), N((1, 3), data=b"\x00"),
     "RFC 4271 6.1", "type 0")
case("H07", "update", "as4", lambda c: message(200, b""), N((1, 3), data=b"\xc8"),
     "RFC 4271 6.1", "type 200")
case("H08", "update", "as4", lambda c: message(NOTIFICATION, b"\x06"),
     N((1, 2), data=b"\x00\x14"), "RFC 4271 6.1", "NOTIFICATION of length 20 (< 21)")
case("H09", "update", "as4", lambda c: open_msg(c.asn, HOLD, c.src), N((5, 3)),
     "RFC 4271 8.2.2, RFC 6608 (unexpected message in Established)", "OPEN in Established")

# ======================= ORIGIN (RFC 7606 7.1) =======================
case("U01", "update", "as4", lambda c: good(c, o=attr(WK, ORIGIN, b"\x03")), WD(),
     "RFC 7606 7.1", "ORIGIN 3 (undefined)")
case("U02", "update", "as4", lambda c: good(c, o=attr(WK, ORIGIN, b"\xff")), WD(),
     "RFC 7606 7.1", "ORIGIN 255")
case("U03", "update", "as4", lambda c: good(c, o=attr(WK, ORIGIN, b"")), WD(),
     "RFC 7606 7.1, 4", "ORIGIN length 0")
case("U04", "update", "as4", lambda c: good(c, o=attr(WK, ORIGIN, b"\x00\x00")), WD(),
     "RFC 7606 7.1", "ORIGIN length 2")
case("U05", "update", "as4", lambda c: good(c, o=attr(OPT_T, ORIGIN, b"\x00")), WD(),
     "RFC 7606 3.c, 3.e", "ORIGIN flagged optional")
case("U06", "update", "as4", lambda c: good(c, o=attr(0x00, ORIGIN, b"\x00")), WD(),
     "RFC 7606 3.c, 3.e", "ORIGIN flagged non-transitive")
case("U07", "update", "as4", lambda c: good(c, o=attr(WK | EXT, ORIGIN, b"\x01")),
     OK(origin="ORIGIN_EGP"), "RFC 4271 4.3 (Extended Length is allowed for any length)",
     "ORIGIN EGP with the Extended Length bit")
case("U08", "update", "as4", lambda c: good(c, o=attr(WK | 0x0F, ORIGIN, b"\x02")),
     OK(origin="ORIGIN_INCOMPLETE"), "RFC 4271 4.3 (unused flag bits ignored)",
     "ORIGIN with the four unused flag bits set")

# ======================= AS_PATH (RFC 7606 7.2, RFC 7607) =======================
case("U09", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE, [],
     count=0) + segment(AS_SEQUENCE, [c.asn]))), WD(), "RFC 7606 7.2",
     "segment of length 0")
case("U10", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn, 65100], count=3))), WD(), "RFC 7606 7.2", "segment count 3 with 2 ASNs (overrun)")
case("U11", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn]) + b"\x02")), WD(), "RFC 7606 7.2", "one octet left after the last segment")
case("U12", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(0, [c.asn]))),
     WD(), "RFC 7606 7.2", "segment type 0")
case("U13", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(5, [c.asn]))),
     WD(), "RFC 7606 7.2", "segment type 5")
case("U14", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn]) + segment(255, [65100]))), WD(), "RFC 7606 7.2", "second segment of type 255")
case("U15", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_CONFED_SEQUENCE,
     [65500]) + segment(AS_SEQUENCE, [c.asn]))), WD(),
     "RFC 5065 5.3 (malformed AS_PATH) + RFC 7606 3.e", "AS_CONFED_SEQUENCE from an eBGP peer")
case("U16", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn, 65100], as4=False))), WD(), "RFC 7606 7.2, RFC 6793",
     "2-octet path on a 4-octet session (overrun)")
case("U17", "update", "as4", lambda c: good(c, p=as_path(default_path(c), flags=OPT_T)), WD(),
     "RFC 7606 3.c, 3.e", "AS_PATH flagged optional")
case("U18", "update", "as4", lambda c: good(c, p=as_path([c.asn, 0, 65100])), WD(),
     "RFC 7607 2", "AS 0 in AS_SEQUENCE")
case("U19", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn]) + segment(AS_SET, [65010, 0]))), WD(), "RFC 7607 2", "AS 0 in an AS_SET")
case("U20", "update", "as4", lambda c: good(c, p=attr(WK | EXT, AS_PATH, segment(AS_SEQUENCE,
     [c.asn, 65020]))), OK(as_path=[65001, 65020]), "RFC 4271 4.3",
     "AS_PATH with the Extended Length bit")
case("U21", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn]) + segment(AS_SET, [65010, 65011]))), OK(as_path=[65001, 65010, 65011]),
     "RFC 4271 4.3 (valid AS_SET)", "AS_SEQUENCE then AS_SET")
case("U22", "update", "as4", lambda c: update(
     attrs=origin(0) + next_hop(c.src) + bytes([WK, AS_PATH, 60]) + segment(AS_SEQUENCE,
                                                                            [c.asn]),
     nlri=prefix(c.P)), WD(), "RFC 7606 4 (last attribute overruns the attribute list)",
     "AS_PATH length 60 runs past Total Path Attribute Length")
case("U23", "update", "as4", lambda c: good(c, p=as_path([c.asn] * 200)),
     OK(as_path=[65001] * 200), "RFC 4271 4.3", "AS_PATH of 200 ASNs (prepends)")

# ======================= NEXT_HOP (RFC 7606 7.3, RFC 4271 6.3) =======================
case("U24", "update", "as4", lambda c: good(c, nh=attr(WK, NEXT_HOP, ip(c.src)[:3])), WD(),
     "RFC 7606 7.3", "NEXT_HOP length 3")
case("U25", "update", "as4", lambda c: good(c, nh=attr(WK, NEXT_HOP, ip(c.src) + b"\x00")),
     WD(), "RFC 7606 7.3", "NEXT_HOP length 5")
case("U26", "update", "as4", lambda c: good(c, nh=attr(WK, NEXT_HOP, b"")), WD(),
     "RFC 7606 7.3, 4", "NEXT_HOP length 0")
case("U27", "update", "as4", lambda c: good(c, nh=next_hop("0.0.0.0")), WD(),
     "RFC 4271 6.3 (not a valid host address) + RFC 7606 3.e", "NEXT_HOP 0.0.0.0")
case("U28", "update", "as4", lambda c: good(c, nh=next_hop("255.255.255.255")), WD(),
     "RFC 4271 6.3 + RFC 7606 3.e", "NEXT_HOP 255.255.255.255")
case("U29", "update", "as4", lambda c: good(c, nh=next_hop("224.0.0.5")), WD(),
     "RFC 4271 6.3 + RFC 7606 3.e", "NEXT_HOP multicast 224.0.0.5")
case("U30", "update", "as4", lambda c: good(c, nh=next_hop(c.dut)), WD(),
     "RFC 4271 6.3 a) (semantic: route ignored, session kept)", "NEXT_HOP = vbrd's own address")
case("U31", "update", "as4", lambda c: good(c, nh=next_hop(c.src, flags=OPT_T)), WD(),
     "RFC 7606 3.c, 3.e", "NEXT_HOP flagged optional")
case("U32", "update", "as4", lambda c: with_attrs(c, origin(0) + path(c)), WD(),
     "RFC 7606 3.d", "NEXT_HOP missing")
case("U33", "update", "as4", lambda c: with_attrs(c, path(c) + next_hop(c.src)), WD(),
     "RFC 7606 3.d", "ORIGIN missing")
case("U34", "update", "as4", lambda c: with_attrs(c, origin(0) + next_hop(c.src)), WD(),
     "RFC 7606 3.d", "AS_PATH missing")
case("U35", "update", "as4", lambda c: update(attrs=b"", nlri=prefix(c.P)), WD(),
     "RFC 7606 3.d", "Total Path Attribute Length 0 with NLRI")

# ======================= MULTI_EXIT_DISC (7.4), LOCAL_PREF (7.5) =======================
case("U36", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, MED, b"\x00\x00\x07")), WD(),
     "RFC 7606 7.4", "MED length 3")
case("U37", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, MED, b"\x00" * 5)), WD(),
     "RFC 7606 7.4", "MED length 5")
case("U38", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, MED, b"")), WD(),
     "RFC 7606 7.4, 4", "MED length 0")
case("U39", "update", "as4", lambda c: good(c, extra=med(7, flags=WK)), WD(),
     "RFC 7606 3.c, 3.e", "MED flagged well-known")
case("U40", "update", "as4", lambda c: good(c, extra=med(7, flags=OPT_T)), WD(),
     "RFC 7606 3.c, 3.e", "MED flagged transitive")
case("U41", "update", "as4", lambda c: good(c, extra=med(77)), OK(med=77),
     "RFC 4271 5.1.4", "MED 77 (control)")
case("U42", "update", "as4", lambda c: good(c, extra=local_pref_ebgp(500)),
     OK(local_pref_not=500), "RFC 7606 7.5 (from eBGP: attribute discard)",
     "LOCAL_PREF 500 from an external peer")
case("U43", "update", "as4", lambda c: good(c, extra=attr(WK, LOCAL_PREF, b"\x00\x00\x01")),
     OK(local_pref_not=1), "RFC 7606 7.5", "LOCAL_PREF length 3 from an external peer")
case("U44", "update", "as4", lambda c: good(c, extra=attr(WK, LOCAL_PREF, b"")), OK(),
     "RFC 7606 7.5", "LOCAL_PREF length 0 from an external peer")

# ======================= ATOMIC_AGGREGATE (7.6), AGGREGATOR (7.7) =======================
case("U45", "update", "as4", lambda c: good(c, extra=attr(WK, ATOMIC_AGGREGATE, b"\x01")),
     OK(), "RFC 7606 7.6 (attribute discard)", "ATOMIC_AGGREGATE length 1")
case("U46", "update", "as4", lambda c: good(c, extra=attr(WK, ATOMIC_AGGREGATE, b"\x00" * 4)),
     OK(), "RFC 7606 7.6", "ATOMIC_AGGREGATE length 4")
case("U47", "update", "as4", lambda c: good(c, extra=aggregator(65001, c.src, as4=False)),
     OK(), "RFC 7606 7.7 (8 expected with 4-octet AS)", "AGGREGATOR length 6 on a 4-octet session")
case("U48", "update", "as4", lambda c: good(c, extra=attr(OPT_T, AGGREGATOR, b"\x00" * 7)),
     OK(), "RFC 7606 7.7", "AGGREGATOR length 7")
case("U49", "update", "as4", lambda c: good(c, extra=attr(OPT_T, AGGREGATOR, b"")), OK(),
     "RFC 7606 7.7, 4", "AGGREGATOR length 0")
case("U50", "update", "as4", lambda c: good(c, extra=aggregator(0, c.src)), OK(),
     "RFC 7607 2 (AGGREGATOR AS 0: attribute discard)", "AGGREGATOR with AS 0")
case("U51", "update", "as2", lambda c: good(c, extra=aggregator(65001, c.src, as4=True)),
     OK(), "RFC 7606 7.7 (6 expected without 4-octet AS)", "AGGREGATOR length 8 on a 2-octet session")

# ======================= COMMUNITIES (7.8), LARGE_COMMUNITY (RFC 8092 6) =======================
case("U52", "update", "as4", lambda c: good(c, extra=attr(OPT_T, COMMUNITIES, b"\x00" * 5)),
     WD(), "RFC 7606 7.8", "COMMUNITIES length 5")
case("U53", "update", "as4", lambda c: good(c, extra=attr(OPT_T, COMMUNITIES, b"")), WD(),
     "RFC 7606 7.8 (non-zero multiple of 4)", "COMMUNITIES length 0")
case("U54", "update", "as4", lambda c: good(c, extra=attr(OPT_T, COMMUNITIES, b"\xfd\xe9")),
     WD(), "RFC 7606 7.8", "COMMUNITIES length 2")
case("U55", "update", "as4", lambda c: good(c, extra=attr(OPT_T | EXT, COMMUNITIES,
     b"".join(struct.pack("!HH", 65001, i) for i in range(1000)))), OK(n_communities=1000),
     "RFC 1997 (no limit; 4000 bytes)", "1000 communities in one attribute")
case("U56", "update", "as4", lambda c: good(c, extra=communities([(65001, 1)], flags=WK)), WD(),
     "RFC 7606 3.c", "COMMUNITIES flagged well-known")
case("U57", "update", "as4", lambda c: good(c, extra=attr(OPT_T, LARGE_COMMUNITY, b"\x00" * 11)),
     WD(), "RFC 8092 6", "LARGE_COMMUNITY length 11")
case("U58", "update", "as4", lambda c: good(c, extra=attr(OPT_T, LARGE_COMMUNITY, b"")), WD(),
     "RFC 8092 6", "LARGE_COMMUNITY length 0")
case("U59", "update", "as4", lambda c: good(c, extra=large_communities([(4200000001, 1, 2),
     (65001, 3, 4)])), OK(large_communities=["4200000001:1:2", "65001:3:4"]), "RFC 8092",
     "two large communities (control)")
case("U60", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, ORIGINATOR_ID, b"\x01\x02\x03")),
     OK(), "RFC 7606 7.9 (from eBGP: attribute discard)", "ORIGINATOR_ID length 3 from eBGP")
case("U61", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, CLUSTER_LIST, b"\x00" * 5)),
     OK(), "RFC 7606 7.10 (from eBGP: attribute discard)", "CLUSTER_LIST length 5 from eBGP")

# ======================= MP_REACH / MP_UNREACH (RFC 7606 5.3, 7.11; RFC 4760 7) ==============
def mp_update(c, reach=None, extra=b"", o=True, p=True):
    attrs = (origin(0) if o else b"") + (path(c) if p else b"") + extra
    if reach is not None:
        attrs = reach + attrs
    return update(attrs=attrs)


case("U62", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P))),
     OK(next_hop_is_src=True), "RFC 4760 3", "IPv4 unicast in MP_REACH_NLRI (control)")
case("U63", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src)[:3], prefix(c.P))),
     N((3, 9)), "RFC 7606 7.11 (session reset), RFC 4760 7 (Optional Attribute Error)",
     "MP_REACH next-hop length 3")
case("U64", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src) + b"\x00", prefix(c.P))),
     N((3, 9)), "RFC 7606 7.11, RFC 4760 7", "MP_REACH next-hop length 5")
case("U65", "update", "as4", lambda c: mp_update(c, mp_reach(b"\x20\x01\x0d\xb8" + b"\x00" * 11
     + b"\x01", prefix(c.P))), N((3, 9)),
     "RFC 7606 7.11 (16 needs RFC 8950, not negotiated)", "MP_REACH IPv4 with a 16-byte next hop")
case("U66", "update", "as4", lambda c: mp_update(c, mp_reach(b"", prefix(c.P))), N((3, 9)),
     "RFC 7606 7.11, RFC 4760 7", "MP_REACH next-hop length 0")
case("U67", "update", "as4", lambda c: mp_update(c, attr(OPT_NT, MP_REACH,
     b"\x00\x01\x01\x28" + ip(c.src) + b"\x00")), N((3, 9)), "RFC 7606 7.11, RFC 4760 7",
     "MP_REACH next-hop length 40 overruns the attribute")
case("U68", "update", "as4", lambda c: mp_update(c, attr(OPT_NT, MP_REACH, b"\x00\x01\x01\x04")),
     N((3, 9)), "RFC 7606 5.3 (MP_REACH shorter than 5), RFC 4760 7", "MP_REACH length 4")
case("U69", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), bytes([33]) + b"\xcb"
     * 5)), N((3, 9), (3, 10)), "RFC 7606 5.3, RFC 4760 7", "MP_REACH prefix length 33")
case("U70", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), b"\x18\xcb\x00")),
     N((3, 9), (3, 10)), "RFC 7606 5.3, RFC 4760 7", "MP_REACH NLRI overrun (/24 with 2 bytes)")
case("U71", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P))
     + mp_reach(ip(c.src), prefix("203.0.114.0/24"))), N((3, 1)), "RFC 7606 3.g",
     "MP_REACH_NLRI twice")
case("U72", "update", "as4", lambda c: update(attrs=mp_unreach(prefix(c.P))
     + mp_unreach(prefix("203.0.114.0/24"))), N((3, 1)), "RFC 7606 3.g", "MP_UNREACH_NLRI twice")
case("U73", "update", "as4", lambda c: update(attrs=attr(OPT_NT, 15, b"\x00\x01")), N((3, 9)),
     "RFC 7606 5.3 (MP_UNREACH shorter than 3), RFC 4760 7", "MP_UNREACH length 2")
case("U74", "update", "as4", lambda c: update(attrs=mp_unreach(b"\x18\xcb\x00")), N((3, 9), (3, 10)),
     "RFC 7606 5.3, RFC 4760 7", "MP_UNREACH NLRI overrun")
case("U75", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P)), o=False),
     WD(), "RFC 7606 3.d, RFC 4760 3 (ORIGIN required with MP_REACH)",
     "MP_REACH without ORIGIN")
case("U76", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P),
     reserved=5)), OK(next_hop_is_src=True), "RFC 4760 3 (Reserved ignored on receipt)",
     "MP_REACH reserved octet 5")
case("U77", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P),
     flags=OPT_T)), N((3, 9), (3, 4)),
     "RFC 7606 5.3 (flags inconsistent with RFC 4760: session reset)",
     "MP_REACH flagged transitive")
case("U78", "update", "as4", lambda c: update(attrs=mp_unreach(prefix(c.P))), WD(),
     "RFC 4760 4", "MP_UNREACH withdrawing P (control)")

# ======================= NLRI / withdrawn / lengths (RFC 7606 3.b, 3.i, 4, 5.3) ==============
case("U79", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=bytes([33]) + b"\xcb\x00\x71\x00\x00"), N((3, 10)), "RFC 7606 5.3, RFC 4271 6.3",
     "NLRI prefix length 33")
case("U80", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=b"\x18\xcb\x00"), N((3, 10)), "RFC 7606 5.3, RFC 4271 6.3",
     "NLRI overrun (/24 with 2 bytes)")
case("U81", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=prefix(c.P) + b"\xff"), N((3, 10)), "RFC 7606 5.3", "NLRI prefix length 255")
case("U82", "update", "as4", lambda c: update(withdrawn=bytes([40]) + b"\xcb\x00\x71\x00\x00"),
     N((3, 10), (3, 1)), "RFC 7606 3.i, 5.3 (checked like NLRI)", "withdrawn prefix length 40")
case("U83", "update", "as4", lambda c: update(withdrawn=b"\x18\xcb"), N((3, 10), (3, 1)),
     "RFC 7606 3.i, 5.3", "withdrawn routes overrun")
case("U84", "update", "as4", lambda c: update(withdrawn=prefix(c.P), wlen=200),
     N((3, 1)), "RFC 7606 3.b, RFC 4271 6.3", "Withdrawn Routes Length past the message")
case("U85", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=prefix(c.P), alen=300), N((3, 1)), "RFC 7606 3.b", "Total Path Attribute Length past "
     "the message")
case("U86", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src)
     + b"\x40\x05", nlri=prefix(c.P)), WD(), "RFC 7606 4 (fewer than 3 octets left)",
     "2 stray octets at the end of the attributes")
case("U87", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src)
     + b"\x90\x08\x00", nlri=prefix(c.P)), WD(),
     "RFC 7606 4 (fewer than 4 octets with Extended Length)", "3 stray octets, Extended Length set")
case("U88", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=bytes([23]) + b"\xcb\x00\x71"), OK("203.0.112.0/23"),
     "RFC 4271 4.3 (trailing bits are irrelevant)", "/23 with a host bit set in the padding")
case("U89", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src),
     nlri=b"\x00"), OK("0.0.0.0/0"), "RFC 4271 4.3", "default route (prefix length 0)")
case("U90", "update", "as4", lambda c: update(withdrawn=prefix(c.P)), WD(), "RFC 4271 4.3",
     "plain withdrawal of P (control)")

# ======================= duplicates (RFC 7606 3.g) =======================
case("U91", "update", "as4", lambda c: good(c, o=origin(0) + origin(1)), OK(origin="ORIGIN_IGP"),
     "RFC 7606 3.g (all but the first discarded)", "ORIGIN twice (IGP, then EGP)")
case("U92", "update", "as4", lambda c: good(c, p=as_path([c.asn, 65030]) + as_path([c.asn,
     65031])), OK(as_path=[65001, 65030]), "RFC 7606 3.g", "AS_PATH twice")
case("U93", "update", "as4", lambda c: good(c, nh=next_hop(c.src) + next_hop("10.99.99.99")),
     OK(next_hop_is_src=True), "RFC 7606 3.g", "NEXT_HOP twice")
case("U94", "update", "as4", lambda c: good(c, extra=med(5) + med(6)), OK(med=5),
     "RFC 7606 3.g", "MED twice")
case("U95", "update", "as4", lambda c: good(c, extra=communities([(65001, 7)])
     + communities([(65001, 8)])), OK(communities=["65001:7"]), "RFC 7606 3.g",
     "COMMUNITIES twice")
case("U96", "update", "as4", lambda c: good(c, extra=med(5) + attr(OPT_NT, MED, b"\x00")),
     OK(med=5), "RFC 7606 3.g (a malformed duplicate is discarded unread)",
     "MED twice, the second malformed")

# ======================= unknown attributes, huge counts =======================
UNK_WK = attr(WK, 100, b"\x01\x02\x03")
case("U97", "update", "as4", lambda c: good(c, extra=UNK_WK), N((3, 2), data=UNK_WK),
     "RFC 4271 6.3 (data = the attribute)", "unknown well-known attribute 100")
case("U98", "update", "as4", lambda c: good(c, extra=attr(WK, 31, b"")),
     N((3, 2), data=attr(WK, 31, b"")), "RFC 4271 6.3", "unknown well-known attribute 31, empty")
case("U99", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, 200, b"abc")), OK(),
     "RFC 4271 5 (unrecognised optional non-transitive: ignored)", "unknown optional "
     "non-transitive 200")
case("U100", "update", "as4", lambda c: good(c, extra=attr(OPT_T | PARTIAL, 201, b"abc")), OK(),
     "RFC 4271 5 (unrecognised optional transitive: kept, Partial)", "unknown optional "
     "transitive 201 with Partial")
case("U101", "update", "as4", lambda c: good(c, extra=attr(OPT_T, 202, b"") * 1000),
     OK(), "RFC 7606 3.g", "the same unknown optional attribute 1000 times")
case("U102", "update", "as4", lambda c: good(c, extra=b"".join(attr(OPT_T, t, b"x")
     for t in range(41, 255) if t not in (128,))), OK(), "RFC 4271 5",
     "213 different unknown optional attributes")

# ======================= Tunnel Encapsulation (type 23), Prefix-SID (type 40) ================
def tlv23(ttype, value, length=None):
    return struct.pack("!HH", ttype, len(value) if length is None else length) + value


case("U104", "update", "as4", lambda c: good(c, extra=attr(OPT_T, TUNNEL_ENCAP,
     tlv23(8, b"\x01\x08" + b"\x00" * 8, length=200))), KEPT,
     "RFC 9012 13 (treat-as-withdraw if processed) / RFC 4271 5 (passed on if not)",
     "Tunnel Encapsulation TLV length 200 overruns the attribute")
case("U105", "update", "as4", lambda c: good(c, extra=attr(OPT_T, TUNNEL_ENCAP,
     tlv23(8, b"\x01\x30" + b"\x00" * 8))), KEPT, "RFC 9012 13 / RFC 4271 5",
     "sub-TLV length 48 overruns its TLV")
case("U106", "update", "as4", lambda c: good(c, extra=attr(OPT_T, TUNNEL_ENCAP, b"")), KEPT,
     "RFC 9012 13 / RFC 4271 5", "Tunnel Encapsulation of length 0")
case("U107", "update", "as4", lambda c: good(c, extra=attr(OPT_T, TUNNEL_ENCAP,
     tlv23(2, b"\x80\xff\xff"))), KEPT, "RFC 9012 13 / RFC 4271 5 (CVE-2023-38802 shape)",
     "long sub-TLV (type 128) whose 2-byte length is 65535")
case("U108", "update", "as4", lambda c: good(c, extra=attr(OPT_T, TUNNEL_ENCAP,
     tlv23(15, b"\x06\x06\x00\x01" + b"\x0a"))), KEPT, "RFC 9012 13 / RFC 4271 5",
     "Tunnel Egress Endpoint sub-TLV too short for its address family")
case("U109", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID,
     b"\x01\x00\x40" + b"\x00" * 7)), OK(), "RFC 8669 6 (malformed: attribute discard)",
     "Prefix-SID TLV length 64 overruns the attribute")
case("U110", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID,
     b"\x01\x00\x06" + b"\x00" * 6)), OK(), "RFC 8669 6", "Label-Index TLV of length 6 (not 7)")
case("U111", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID, b"")), OK(),
     "RFC 8669 6", "Prefix-SID of length 0")
case("U112", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID,
     b"\x03\x00\x07" + b"\x00" * 7)), OK(), "RFC 8669 6",
     "Originator SRGB TLV of length 7 (not 2 + 6n)")
case("U113", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID,
     b"\x05\x00\x20\x00\x01\x00\x1e")), OK(), "RFC 8669 6, RFC 9252 (discard)",
     "SRv6 L3 Service TLV cut short")
case("U114", "update", "as4", lambda c: good(c, extra=attr(OPT_T, PREFIX_SID, b"\x01\x00")),
     OK(), "RFC 8669 6", "Prefix-SID of 2 bytes (TLV header cut)")

# ======================= AS4_PATH / AS4_AGGREGATOR (RFC 6793) =======================
def as2path(c, asns):
    return as_path(asns, as4=False)


def as4path(asns, flags=OPT_T):
    return attr(flags, AS4_PATH, segment(AS_SEQUENCE, asns, as4=True))


case("U115", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=as4path([4200000005])), OK(as_path=[65001, 4200000005]), "RFC 6793 4.2.3",
     "AS_PATH [65001 23456] + AS4_PATH [4200000005] merged")
case("U116", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=attr(OPT_T, AS4_PATH, segment(AS_SEQUENCE, [4200000005], count=3))),
     OK(as_path=[65001, AS_TRANS]), "RFC 6793 6 (malformed AS4_PATH: attribute discard)",
     "AS4_PATH segment overrun")
case("U117", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=as4path([4200000005, 4200000006, 4200000007])), OK(as_path=[65001, AS_TRANS]),
     "RFC 6793 4.2.3 (more ASNs in AS4_PATH than AS_PATH: ignore it)", "AS4_PATH longer than AS_PATH")
case("U118", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=attr(OPT_T, AS4_PATH, segment(AS_CONFED_SEQUENCE, [4200000005]))),
     OK(as_path=[65001, AS_TRANS]), "RFC 6793 6 (confederation segments: discard)",
     "AS4_PATH with AS_CONFED_SEQUENCE")
case("U119", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=as4path([0])), WD(), "RFC 7607 2 (AS 0 in AS4_PATH: treat-as-withdraw, as AS_PATH)",
     "AS4_PATH with AS 0")
case("U120", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=attr(OPT_T, AS4_PATH, segment(AS_SEQUENCE, [], count=0))),
     OK(as_path=[65001, AS_TRANS]), "RFC 6793 6, RFC 7606 7.2 rules", "AS4_PATH segment length 0")
case("U121", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=attr(OPT_T, AS4_PATH, b"\x02\x01\xfa\x56")), OK(as_path=[65001, AS_TRANS]),
     "RFC 6793 6", "AS4_PATH with a 2-octet AS inside")
case("U122", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=attr(OPT_T, AS4_AGGREGATOR, b"\x00" * 7)), OK(as_path=[65001, AS_TRANS]),
     "RFC 6793 6 (AS4_AGGREGATOR length != 8: discard)", "AS4_AGGREGATOR length 7")
case("U123", "update", "as4", lambda c: good(c, p=as_path([65001, 65020]),
     extra=as4path([4200000009])), OK(as_path=[65001, 65020]),
     "RFC 6793 3 (AS4_PATH from a 4-octet speaker is discarded)", "AS4_PATH on a 4-octet session")
case("U124", "update", "as2", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [65001], as4=False) + b"\xfd")), WD(), "RFC 7606 7.2", "2-octet AS_PATH with a stray byte")
case("U125", "update", "as2", lambda c: good(c, p=as2path(c, [65001, 0])), WD(),
     "RFC 7607 2", "AS 0 in a 2-octet AS_PATH")

# ======================= issue 14: segments, loops, 4.2.3, registered types ===============
case("U140", "update", "as4", lambda c: good(c, extra=attr(WK, TUNNEL_ENCAP, b"\x00\x08\x00\x00")),
     WD(), "RFC 7606 3.c (a registered type with flags against its spec)",
     "Tunnel Encapsulation (23) flagged well-known")
case("U141", "update", "as4", lambda c: good(c, extra=attr(OPT_T, 29, b"\x01\x02")), WD(),
     "RFC 7606 3.c, RFC 9552 (BGP-LS is optional non-transitive)", "BGP-LS (29) flagged transitive")
case("U142", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, 29, b"\x01\x02")), OK(),
     "RFC 4271 5 (unrecognized optional non-transitive: ignored)", "BGP-LS (29) with its flags")
case("U143", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn]) + segment(AS_CONFED_SET, [65500]))), WD(),
     "RFC 5065 5.3 as updated by RFC 7606 7.2", "AS_CONFED_SET from an eBGP peer")
case("U144", "update", "as4", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [c.asn, 65002]) + segment(AS_SET, [65004, 65003]))),
     OK(as_path=[65001, 65002, 65004, 65003], as_path_text="65001 65002 {65004,65003}",
        segments=[("SEQUENCE", [65001, 65002]), ("SET", [65004, 65003])]),
     "RFC 4271 4.3 (AS_SET members as received)", "AS_SET shown as a set")
case("U145", "update", "as4", lambda c: good(c, p=as_path([c.asn, 45104, 65100])),
     OK(as_path=[65001, 45104, 65100], accepted=False,
        not_accepted_reason="AS loop: 45104 in AS_PATH"),
     "RFC 4271 9.1.2 (AS loop: not accepted)", "our own AS in the path")
case("U146", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS, AS_TRANS]),
     extra=aggregator(65001, c.src, as4=False) + as4path([4200000005, 4200000006])),
     OK(as_path=[65001, 4200000005, 4200000006], as_path_text="65001 4200000005 4200000006"),
     "RFC 6793 4.2.3 (a plain AGGREGATOR does not void AS4_PATH)",
     "AS_TRANS path + AS4_PATH + AGGREGATOR without AS4_AGGREGATOR")
case("U147", "update", "as4", lambda c: good(c, extra=attr(WK, 29, b"\x01\x02")), WD(),
     "RFC 7606 3.c, RFC 9552 (not an unrecognized well-known: no session reset)",
     "BGP-LS (29) flagged well-known")
case("U148", "update", "as4", lambda c: good(c, extra=attr(OPT_NT, 22, b"\x00" * 5)), WD(),
     "RFC 7606 3.c, RFC 6514 5 (PMSI_TUNNEL is optional transitive)",
     "PMSI_TUNNEL (22) flagged non-transitive")
case("U149", "update", "as2", lambda c: good(c, p=attr(WK, AS_PATH, segment(AS_SEQUENCE,
     [65001], as4=False) + segment(AS_CONFED_SEQUENCE, [65500], as4=False))), WD(),
     "RFC 5065 5.3 as updated by RFC 7606 7.2", "2-octet AS_CONFED_SEQUENCE from an eBGP peer")
# The discards below are seen through RFC 6793 4.2.3: AS4_PATH is ignored only when AGGREGATOR
# and AS4_AGGREGATOR both count, so the merged path shows which of them was dropped.
case("U150", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=aggregator(65001, c.src, as4=False) + attr(OPT_T, AS4_AGGREGATOR,
     struct.pack("!I", 0) + ip(c.src)) + as4path([4200000005])),
     OK(as_path=[65001, 4200000005]),
     "RFC 7607 2 (AS 0 in AS4_AGGREGATOR: attribute discard; the AS4_PATH then counts)",
     "AS4_AGGREGATOR with AS 0 beside a plain AGGREGATOR")
case("U151", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=aggregator(0, c.src, as4=False) + attr(OPT_T, AS4_AGGREGATOR,
     struct.pack("!I", 4200000009) + ip(c.src)) + as4path([4200000005])),
     OK(as_path=[65001, 4200000005]),
     "RFC 7607 2 (AS 0 in AGGREGATOR: attribute discard; the AS4_PATH then counts)",
     "2-octet AGGREGATOR with AS 0 beside AS4_AGGREGATOR")
case("U152", "update", "as2", lambda c: good(c, p=as2path(c, [65001, AS_TRANS]),
     extra=aggregator(65001, c.src, as4=False) + attr(OPT_T, AS4_AGGREGATOR,
     struct.pack("!I", 4200000009) + ip(c.src)) + as4path([4200000005])),
     OK(as_path=[65001, AS_TRANS]),
     "RFC 6793 4.2.3 (AGGREGATOR not AS_TRANS + AS4_AGGREGATOR: AS4_PATH ignored)",
     "a 2-octet speaker aggregated after the AS4_* were added")

# ======================= no NLRI, multiple errors (RFC 7606 5.2, 3.h) =======================
def bad_origin_len():
    return attr(WK, ORIGIN, b"\x00\x00")


case("U126", "update", "as4", lambda c: update(withdrawn=prefix("203.0.114.0/24"),
     attrs=bad_origin_len() + path(c) + next_hop(c.src)), N((3, 5), (3, 1), data=bad_origin_len()),
     "RFC 7606 5.2 (no NLRI: session reset), RFC 4271 6.3 (Attribute Length Error)",
     "malformed ORIGIN in an UPDATE with no reachable NLRI")
case("U127", "update", "as4", lambda c: update(attrs=attr(WK, ORIGIN, b"\x07") + path(c)
     + next_hop(c.src)), N((3, 6), (3, 1), data=attr(WK, ORIGIN, b"\x07")),
     "RFC 7606 5.2, RFC 4271 6.3 (Invalid ORIGIN)", "ORIGIN 7 with no NLRI at all")
case("U128", "update", "as4", lambda c: update(attrs=origin(0) + path(c) + next_hop(c.src)
     + attr(OPT_T, AGGREGATOR, b"\x00" * 3)), OK(as_path=[65001]),
     "RFC 7606 5.2 (only attribute-discard errors: no reset)", "bad AGGREGATOR, no NLRI")
case("U129", "update", "as4", lambda c: update(), OK(as_path=[65001]), "RFC 4724 2 (End-of-RIB)",
     "empty UPDATE (End-of-RIB)")
case("U130", "update", "as4", lambda c: update(attrs=mp_unreach(b"")), OK(as_path=[65001]),
     "RFC 4724 2", "empty MP_UNREACH_NLRI (End-of-RIB)")
case("U131", "update", "as4", lambda c: mp_update(c, mp_reach(ip(c.src), prefix(c.P))
     + mp_reach(ip(c.src), prefix(c.P)), extra=bad_origin_len()), N((3, 1)),
     "RFC 7606 3.h (strongest action: reset over withdraw)", "duplicate MP_REACH + bad ORIGIN")
case("U132", "update", "as4", lambda c: good(c, extra=attr(OPT_T, AGGREGATOR, b"\x00")
     + attr(OPT_T, COMMUNITIES, b"\x00")), WD(),
     "RFC 7606 3.h (withdraw over discard)", "bad AGGREGATOR + bad COMMUNITIES")
case("U133", "update", "as4", lambda c: good(c, o=attr(WK, ORIGIN, b"\x09"),
     extra=attr(OPT_T, AGGREGATOR, b"\x00")), WD(), "RFC 7606 3.h", "bad ORIGIN + bad AGGREGATOR")


def local_pref_ebgp(v):
    return attr(WK, LOCAL_PREF, struct.pack("!I", v))


case("U103", "update", "as4", lambda c: good(c, extra=attr(OPT_T, 202, b"") * 600
     + attr(OPT_T, COMMUNITIES, b"\x00\x00\x00")), WD(),
     "RFC 7606 7.8 (found after 600 other attributes)",
     "600 empty unknown attributes, then a malformed COMMUNITIES")

# Sanity of the table itself.
_ids = [c.id for c in CASES]
assert len(_ids) == len(set(_ids)), "duplicate case id"
