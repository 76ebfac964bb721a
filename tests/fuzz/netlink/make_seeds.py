#!/usr/bin/env python3
"""Writes fuzz_netlink's seed corpus (tests/fuzz/netlink/corpus): datagrams as the kernel
sends them to vbrd, built here byte by byte (native byte order, as netlink is): link, address
and route dumps, write answers, a monitor event, and a few cut ones. Run it from anywhere;
it rewrites its own files in the corpus folder and leaves the others (crashes found and
inputs merged from longer runs, named by their SHA-1)."""
import os
import struct

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_NEWADDR, RTM_DELADDR, RTM_NEWROUTE, RTM_DELROUTE = 16, 20, 21, 24, 25
AF_INET, AF_INET6 = 2, 10
IFLA_IFNAME, IFLA_MTU = 3, 4
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS = 1, 2, 3, 8
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_TABLE = 1, 4, 5, 6, 15
NLM_F_MULTI = 2


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def attr(kind, payload):
    return pad(struct.pack("=HH", 4 + len(payload), kind) + payload)


def u32(kind, v):
    return attr(kind, struct.pack("=I", v))


def ip4(kind, a, b, c, d):
    return attr(kind, bytes([a, b, c, d]))


def msg(kind, body, seq=1000, flags=NLM_F_MULTI):
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def link(index, flags, name):
    ifi = struct.pack("=BxHiII", 0, 1, index, flags, 0xffffffff)
    return msg(RTM_NEWLINK, ifi + u32(IFLA_MTU, 1500) + attr(IFLA_IFNAME, name + b"\0"))


def addr(kind, family, plen, scope, index, attrs):
    return msg(kind, struct.pack("=BBBBI", family, plen, 0x80, scope, index) + attrs)


def route(proto, table, dst_len, attrs, family=AF_INET, kind=RTM_NEWROUTE):
    rtm = struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, table, proto, 0, 1, 0)
    return msg(kind, rtm + attrs)


def error(seq, err):
    req = struct.pack("=IHHII", 60, RTM_NEWROUTE, 5, seq, 0)
    return msg(NLMSG_ERROR, struct.pack("=i", err) + req, seq=seq, flags=0x100)


def cut(m, n):
    """The message's first n octets, its nlmsg_len saying so: a cut the walk lets through."""
    return struct.pack("=I", n) + m[4:n]


DONE = msg(NLMSG_DONE, struct.pack("=i", 0))
V4 = addr(RTM_NEWADDR, AF_INET, 24, 0, 3,
          ip4(IFA_ADDRESS, 10, 0, 0, 5) + ip4(IFA_LOCAL, 10, 0, 0, 5) +
          attr(IFA_LABEL, b"v1a\0") + u32(IFA_FLAGS, 0x80))
OURS = route(186, 254, 24, u32(RTA_TABLE, 254) + u32(RTA_PRIORITY, 20) +
             ip4(RTA_DST, 10, 0, 1, 0) + ip4(RTA_GATEWAY, 10, 0, 0, 2) + u32(RTA_OIF, 3))

SEEDS = {
    "links": link(1, 0x49, b"lo") + link(3, 0x11043, b"v1a") + DONE,
    "addrs": addr(RTM_NEWADDR, AF_INET, 8, 254, 1, ip4(IFA_LOCAL, 127, 0, 0, 1)) + V4 +
             addr(RTM_NEWADDR, AF_INET6, 64, 0, 3, attr(IFA_ADDRESS, b"\xfd" + b"\0" * 15)) +
             DONE,
    "routes": OURS +
              route(3, 254, 24, u32(RTA_TABLE, 254) + ip4(RTA_DST, 10, 9, 0, 0) +
                    u32(RTA_OIF, 3)) +
              route(210, 0, 0, u32(RTA_TABLE, 1000) + u32(RTA_PRIORITY, 20) +
                    ip4(RTA_GATEWAY, 10, 0, 0, 2)) +
              route(186, 254, 64, attr(RTA_DST, b"\xfd" + b"\0" * 15), family=AF_INET6) +
              DONE,
    "answers": error(1000, 0) + error(1001, -17) + error(1003, -1),
    "ack": error(1000, 0),
    "monitor": addr(RTM_DELADDR, AF_INET, 24, 0, 3, ip4(IFA_LOCAL, 10, 0, 0, 5)) +
               link(3, 0x1003, b"v1a"),
    # Route events: vbrd's route deleted by someone, another protocol's put at its metric.
    "route_events": route(186, 254, 24, u32(RTA_TABLE, 254) + u32(RTA_PRIORITY, 20) +
                          ip4(RTA_DST, 10, 0, 1, 0) + ip4(RTA_GATEWAY, 10, 0, 0, 2),
                          kind=RTM_DELROUTE) +
                    route(3, 254, 24, u32(RTA_PRIORITY, 20) + ip4(RTA_DST, 10, 0, 1, 0) +
                          u32(RTA_OIF, 3)) + OURS,
    "cut_attr": cut(OURS, len(OURS) - 3),
    "cut_header": cut(V4, 20),
    "no_dst": route(186, 254, 24, u32(RTA_TABLE, 254) + u32(RTA_PRIORITY, 20)),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
