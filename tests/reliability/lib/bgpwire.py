"""
bgpwire: BGP-4 message bytes for the reliability suites, built by hand so that any field can be
wrong on purpose. Every builder takes the honest values and optional overrides (a length that
lies, a marker that is not all ones, flags that conflict); nothing here validates.

Also a small stream parser for what vbrd sends back (header, OPEN, NOTIFICATION).
RFC 4271 section 4 (formats), RFC 6793 (4-octet AS), RFC 4760 (MP_REACH), RFC 9072 (extended
optional parameters).
"""
import ipaddress
import struct

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
AS_TRANS = 23456

# Attribute flags (RFC 4271 4.3)
OPT, TRANS, PARTIAL, EXT = 0x80, 0x40, 0x20, 0x10
WK = TRANS             # well-known: optional=0, transitive=1
OPT_T = OPT | TRANS    # optional transitive
OPT_NT = OPT           # optional non-transitive

# Attribute type codes
ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR = 1, 2, 3, 4, 5, 6, 7
COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST, MP_REACH, MP_UNREACH = 8, 9, 10, 14, 15
EXT_COMMUNITIES, AS4_PATH, AS4_AGGREGATOR, TUNNEL_ENCAP, LARGE_COMMUNITY = 16, 17, 18, 23, 32
PREFIX_SID = 40

AS_SET, AS_SEQUENCE, AS_CONFED_SEQUENCE, AS_CONFED_SET = 1, 2, 3, 4


def message(msg_type, body, length=None, marker=MARKER):
    """A whole message; `length` overrides the header's Length field."""
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, msg_type) + body


def keepalive():
    return message(KEEPALIVE, b"")


def notification(code, subcode, data=b""):
    return message(NOTIFICATION, bytes([code, subcode]) + data)


# ---- OPEN ----

def cap(code, value):
    return bytes([code, len(value)]) + value


def cap_mp(afi=1, safi=1):
    return cap(1, struct.pack("!HBB", afi, 0, safi))


def cap_as4(asn):
    return cap(65, struct.pack("!I", asn))


def cap_route_refresh():
    return cap(2, b"")


def opt_param(ptype, value, length=None):
    if length is None:
        length = len(value)
    return bytes([ptype, length]) + value


def caps_param(caps):
    """One Capabilities optional parameter (type 2) holding `caps` (bytes)."""
    return opt_param(2, caps)


def open_body(my_as, hold, bgp_id, opt_params=b"", version=4, opt_len=None):
    if opt_len is None:
        opt_len = len(opt_params)
    return (struct.pack("!BHH", version, my_as, hold) + ipaddress.IPv4Address(bgp_id).packed
            + bytes([opt_len]) + opt_params)


def open_msg(asn, hold, bgp_id, as4=True, extra_caps=b"", **kw):
    """An honest OPEN: IPv4 unicast, route refresh and, with as4, the 4-octet AS capability."""
    my_as = asn if asn <= 0xFFFF else AS_TRANS
    caps = cap_mp() + cap_route_refresh() + (cap_as4(asn) if as4 else b"") + extra_caps
    return message(OPEN, open_body(my_as, hold, bgp_id, caps_param(caps), **kw))


def open_ext_body(my_as, hold, bgp_id, params, non_ext_len=255):
    """RFC 9072 extended optional parameters: 0xff, 0xff, 2-octet length, 2-octet param lengths."""
    return (struct.pack("!BHH", 4, my_as, hold) + ipaddress.IPv4Address(bgp_id).packed
            + bytes([non_ext_len, 255]) + struct.pack("!H", len(params)) + params)


def ext_param(ptype, value, length=None):
    if length is None:
        length = len(value)
    return bytes([ptype]) + struct.pack("!H", length) + value


# ---- UPDATE ----

def prefix(cidr, length_override=None, nbytes=None):
    """NLRI encoding of one prefix; overrides make it lie about its length or its bytes."""
    net = ipaddress.IPv4Network(cidr, strict=False)
    plen = net.prefixlen if length_override is None else length_override
    if nbytes is None:
        nbytes = (net.prefixlen + 7) // 8
    return bytes([plen]) + net.network_address.packed[:nbytes]


def attr(flags, code, value, length=None):
    """A path attribute; the Extended Length flag decides the length field's size. `length`
    overrides the length field only (the value bytes are written as given)."""
    if length is None:
        length = len(value)
        if length > 255:
            flags |= EXT  # an honest length that needs two octets
    if flags & EXT:
        return bytes([flags, code]) + struct.pack("!H", length) + value
    return bytes([flags, code, length & 0xFF]) + value


def origin(value=0, flags=WK):
    return attr(flags, ORIGIN, bytes([value]))


def segment(seg_type, asns, as4=True, count=None):
    if count is None:
        count = len(asns)
    fmt = "!I" if as4 else "!H"
    return bytes([seg_type, count]) + b"".join(struct.pack(fmt, a) for a in asns)


def as_path(asns, as4=True, flags=WK):
    """AS_PATH of one AS_SEQUENCE (empty list: an empty AS_PATH)."""
    value = segment(AS_SEQUENCE, asns, as4) if asns else b""
    return attr(flags, AS_PATH, value)


def next_hop(ip, flags=WK):
    return attr(flags, NEXT_HOP, ipaddress.IPv4Address(ip).packed)


def med(value, flags=OPT_NT):
    return attr(flags, MED, struct.pack("!I", value))


def local_pref(value, flags=WK):
    return attr(flags, LOCAL_PREF, struct.pack("!I", value))


def communities(pairs, flags=OPT_T):
    return attr(flags, COMMUNITIES, b"".join(struct.pack("!HH", a, b) for a, b in pairs))


def large_communities(triples, flags=OPT_T):
    return attr(flags, LARGE_COMMUNITY, b"".join(struct.pack("!III", *t) for t in triples))


def aggregator(asn, ip, as4=True, flags=OPT_T):
    fmt = "!I" if as4 else "!H"
    return attr(flags, AGGREGATOR, struct.pack(fmt, asn) + ipaddress.IPv4Address(ip).packed)


def mp_reach(nh_bytes, nlri, afi=1, safi=1, nh_len=None, reserved=0, flags=OPT_NT):
    if nh_len is None:
        nh_len = len(nh_bytes)
    value = struct.pack("!HBB", afi, safi, nh_len) + nh_bytes + bytes([reserved]) + nlri
    return attr(flags | (EXT if len(value) > 255 else 0), MP_REACH, value)


def mp_unreach(nlri, afi=1, safi=1, flags=OPT_NT):
    return attr(flags, MP_UNREACH, struct.pack("!HB", afi, safi) + nlri)


def update(withdrawn=b"", attrs=b"", nlri=b"", wlen=None, alen=None, length=None):
    """UPDATE body with optional lying Withdrawn Routes Length / Total Path Attribute Length."""
    if wlen is None:
        wlen = len(withdrawn)
    if alen is None:
        alen = len(attrs)
    body = struct.pack("!H", wlen) + withdrawn + struct.pack("!H", alen) + attrs + nlri
    return message(UPDATE, body, length=length)


# ---- parsing what vbrd sends ----

class Msg:
    def __init__(self, msg_type, body, raw):
        self.type = msg_type
        self.body = body
        self.raw = raw

    def notification(self):
        """(code, subcode, data) of a NOTIFICATION."""
        if len(self.body) < 2:
            return (None, None, self.body)
        return (self.body[0], self.body[1], bytes(self.body[2:]))

    def open_fields(self):
        version, my_as, hold = struct.unpack("!BHH", self.body[:5])
        bgp_id = str(ipaddress.IPv4Address(self.body[5:9]))
        return {"version": version, "my_as": my_as, "hold": hold, "bgp_id": bgp_id}

    def __repr__(self):
        names = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
        if self.type == NOTIFICATION:
            c, s, d = self.notification()
            return f"NOTIFICATION({c}/{s} data={d.hex()})"
        return f"{names.get(self.type, self.type)}({len(self.body)}B)"


class Framer:
    """Accumulates bytes and cuts whole messages. A bad header from vbrd is an error for the
    test (vbrd must send well-formed messages), raised as ValueError."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while len(self.buf) >= 19:
            if bytes(self.buf[:16]) != MARKER:
                raise ValueError(f"vbrd sent a bad marker: {bytes(self.buf[:19]).hex()}")
            length, msg_type = struct.unpack("!HB", self.buf[16:19])
            if length < 19 or length > 4096:
                raise ValueError(f"vbrd sent a bad length {length}")
            if len(self.buf) < length:
                break
            raw = bytes(self.buf[:length])
            del self.buf[:length]
            out.append(Msg(msg_type, raw[19:], raw))
        return out


def describe_notification(code, subcode):
    names = {1: "Message Header Error", 2: "OPEN Message Error", 3: "UPDATE Message Error",
             4: "Hold Timer Expired", 5: "FSM Error", 6: "Cease", 7: "ROUTE-REFRESH Error",
             8: "Send Hold Timer Expired"}
    return f"{code}/{subcode} ({names.get(code, '?')})"
