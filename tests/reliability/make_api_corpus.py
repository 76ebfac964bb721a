#!/usr/bin/python3
"""
make_api_corpus: writes the checked-in seed corpus of fuzz_api (corpus/api/): one file per
request, a selector byte (the index in fuzz_api.c's table) then the serialized request. Valid
requests and each rule's edge: names at 1/2/128/129 characters, AS_TRANS, the local ASN,
4-byte ASNs, 80/81-character keys, hold times 0/2/3, CIDRs with host bits, IPv6, multicast,
masks naming unknown fields, RFC 9003 messages of 255/256 octets and broken UTF-8.

  make_api_corpus.py [OUT_DIR]     (default: corpus/api next to this file)
"""
import hashlib
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import vbrd as V  # noqa: E402

# Selector bytes: the order of targets[] in fuzz_api.c.
CREATE_GROUP, UPDATE_GROUP, CREATE_PEER, UPDATE_PEER, RESET_PEER, ADD_NET, DEL_NET, \
    LIST_ROUTES, WATCH, IDS = range(10)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "api")
    os.makedirs(out, exist_ok=True)
    V.load_stubs(tempfile.mkdtemp(prefix="vr-stubs-"))
    pb = V.pb
    from google.protobuf import field_mask_pb2

    def mask(*paths):
        return field_mask_pb2.FieldMask(paths=list(paths))

    seeds = []
    for name in ["edge-1", "a", "ab", "a" * 128, "a" * 129, "1abc", "x y", "é", "ok_name.-9"]:
        seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name=name, peer_asn=65001)))
    for asn in [0, 1, 23456, 45104, 65535, 65536, 4200000001, 4294967295]:
        seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name="dc1", peer_asn=asn)))
    for key in ["", "k", "k" * 80, "k" * 81, "bad\x01key", "spa ce"]:
        seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name="dc1", peer_asn=65001,
                                                             auth_key=key)))
    for hold, ka in [(0, None), (0, 0), (2, 1), (3, 1), (3, 3), (10, None), (65535, 65534),
                     (65536, 1), (30, 10)]:
        kw = {"hold_time": hold}
        if ka is not None:
            kw["keepalive_time"] = ka
        seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name="dc1", peer_asn=65001, **kw)))
    for limit in [0, 1, 2000000, 2000001]:
        seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name="dc1", peer_asn=65001,
                                                             route_limit=limit,
                                                             route_limit_action=2)))
    seeds.append((CREATE_GROUP, pb.CreateBgpGroupRequest(name="dc1", peer_asn=65001,
                                                         description="d" * 257,
                                                         request_id="r" * 200)))
    gid = "bgpg-0123abcd"
    pid = "bgpp-89abcdef"
    for m, kw in [(mask("description"), {"description": "x"}), (mask("nope"), {}),
                  (mask(), {}), (None, {"peer_asn": 65002}),
                  (mask("hold_time", "keepalive_time"), {"hold_time": 3, "keepalive_time": 1}),
                  (mask("auth_key"), {"auth_key": ""}), (mask("name"), {"name": "9"})]:
        req = pb.UpdateBgpGroupRequest(id=gid, **kw)
        if m is not None:
            req.update_mask.CopyFrom(m)
        seeds.append((UPDATE_GROUP, req))
    for ip in ["10.0.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "10.0.0", "10.0.0.256",
               "2001:db8::1", "010.0.0.1", " 10.0.0.1", "10.0.0.1\x00x", "1.2.3.4.5"]:
        seeds.append((CREATE_PEER, pb.CreateBgpPeerRequest(group_id=gid, peer_ip=ip)))
    seeds.append((CREATE_PEER, pb.CreateBgpPeerRequest(group_id="bgpg-XYZ", peer_ip="10.0.0.1")))
    for m in [mask("admin_down"), mask("group_id"), mask("peer_ip"), mask()]:
        req = pb.UpdateBgpPeerRequest(id=pid, update_mask=m, group_id=gid, admin_down=True)
        seeds.append((UPDATE_PEER, req))
    for msg in ["", "maintenance", "m" * 255, "m" * 256, "é" * 127 + "x",
                "bad \xff utf8".encode("latin-1").decode("latin-1")]:
        seeds.append((RESET_PEER, pb.ResetBgpPeerRequest(id=pid, soft=False, message=msg)))
    for cidr in ["203.0.113.0/24", "203.0.113.1/24", "0.0.0.0/0", "10.0.0.0/33",
                 "10.0.0.0/", "10.0.0.0/08", "2001:db8::/32", "10.0.0.0", "10.0.0.0/24/1"]:
        seeds.append((ADD_NET, pb.AddBgpNetworkRequest(cidr=cidr, request_id="r1")))
        seeds.append((DEL_NET, pb.DeleteBgpNetworkRequest(cidr=cidr)))
    for d in [0, 1, 2, 3, -1]:
        seeds.append((LIST_ROUTES, pb.ListRoutesRequest(peer_id=pid, direction=d,
                                                        page_size=1000, page_token="t")))
    seeds.append((WATCH, pb.WatchPeerEventsRequest(peer_ids=[pid] * 65)))
    seeds.append((WATCH, pb.WatchPeerEventsRequest(peer_ids=[pid, "bad"],
                                                   send_initial_state=True,
                                                   after_sequence=7)))
    seeds.append((WATCH, pb.WatchPeerEventsRequest(send_initial_state=True)))
    for i in ["bgpg-0123abcd", "bgpg-0123ABCD", "bgpg-0123abc", "", "bgpp-0123abcd"]:
        seeds.append((IDS, pb.GetBgpGroupRequest(id=i)))
    count = 0
    for sel, msg in seeds:
        data = bytes([sel]) + msg.SerializeToString()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        count += 1
    print(f"{count} seeds in {out}")


if __name__ == "__main__":
    main()
