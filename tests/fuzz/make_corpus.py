#!/usr/bin/python3
"""Regenerates the fuzzers' seed corpus (checked in under corpus/; run by hand).

  make_corpus.py VECTORS_BIN MRT_GZ OUT_DIR

corpus/msg:  every wire vector of tests/codec (test_codec_vectors --seeds), plus real UPDATEs
             cut from an MRT BGP4MP_MESSAGE_AS4 dump (one per distinct attribute-type set and
             AS path length), plus a few multi-message streams.
corpus/attr: the Path Attributes field of each UPDATE above, after a context octet
             (bit 0: 4-octet AS, bit 3: NLRI present), the input format of fuzz_attr.
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

BGP4MP, BGP4MP_ET = 16, 17
MESSAGE_AS4 = 4


def mrt_updates(path):
    """Yields whole BGP messages (from the marker) of BGP4MP_MESSAGE_AS4 records."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 12 <= len(data):
        _ts, mtype, subtype, length = struct.unpack_from(">IHHI", data, off)
        body = data[off + 12: off + 12 + length]
        off += 12 + length
        if mtype == BGP4MP_ET:
            body = body[4:]
        if mtype not in (BGP4MP, BGP4MP_ET) or subtype != MESSAGE_AS4 or len(body) < 12:
            continue
        afi = struct.unpack_from(">H", body, 10)[0]
        addr = 4 if afi == 1 else 16
        msg = body[12 + 2 * addr:]
        if len(msg) >= 23 and msg[18] == 2:
            yield msg


def attr_types(attrs):
    types, i = [], 0
    while i + 3 <= len(attrs):
        flags, t = attrs[i], attrs[i + 1]
        if flags & 0x10:
            if i + 4 > len(attrs):
                break
            alen, hdr = struct.unpack_from(">H", attrs, i + 2)[0], 4
        else:
            alen, hdr = attrs[i + 2], 3
        types.append(t)
        i += hdr + alen
    return tuple(sorted(types))


def split_update(msg):
    body = msg[19:]
    wlen = struct.unpack_from(">H", body, 0)[0]
    alen = struct.unpack_from(">H", body, 2 + wlen)[0]
    attrs = body[4 + wlen: 4 + wlen + alen]
    nlri = body[4 + wlen + alen:]
    return attrs, nlri


def main():
    vectors_bin, mrt, out = sys.argv[1:4]
    msg_dir, attr_dir = os.path.join(out, "msg"), os.path.join(out, "attr")
    os.makedirs(msg_dir, exist_ok=True)
    os.makedirs(attr_dir, exist_ok=True)
    subprocess.run([vectors_bin, "--seeds", msg_dir], check=True)

    picked, seen = [], set()
    for msg in mrt_updates(mrt):
        attrs, _ = split_update(msg)
        key = (attr_types(attrs), min(len(attrs) // 16, 8))
        if key not in seen:
            seen.add(key)
            picked.append(msg)
        if len(picked) >= 60:
            break
    for i, msg in enumerate(picked):
        with open(os.path.join(msg_dir, "mrt-%03d" % i), "wb") as f:
            f.write(msg)
    for i in range(0, min(len(picked), 12), 3):
        with open(os.path.join(msg_dir, "stream-%03d" % i), "wb") as f:
            f.write(b"".join(picked[i:i + 3]))

    n = 0
    for name in sorted(os.listdir(msg_dir)):
        with open(os.path.join(msg_dir, name), "rb") as f:
            msg = f.read()
        if len(msg) < 23 or msg[18] != 2 or name.startswith("stream"):
            continue
        try:
            attrs, nlri = split_update(msg)
        except struct.error:
            continue
        ctx = 0x01 | (0x08 if nlri else 0)
        with open(os.path.join(attr_dir, "attr-%03d" % n), "wb") as f:
            f.write(bytes([ctx]) + attrs)
        n += 1
    print("msg seeds: %d, attr seeds: %d" % (len(os.listdir(msg_dir)), n))


if __name__ == "__main__":
    main()
