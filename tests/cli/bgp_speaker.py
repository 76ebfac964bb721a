#!/usr/bin/python3
"""bgp_speaker: a minimal on-premises BGP router for the vbrctl tests, so `routes`, session
states and watch events can be shown with real data. It listens on ADDR:179 (inside vbrd's
private network namespace), accepts vbrd's connection, exchanges OPEN (4-octet AS, IPv4
unicast, route refresh) and KEEPALIVEs, announces the given prefixes in one UPDATE with
AS_PATH [asn, 65402], MED 50 and community asn:100, sends End-of-RIB, then keeps the session
up (a KEEPALIVE every 3 s) until it is killed. Everything vbrd sends is read and dropped.

    bgp_speaker.py ADDR ASN PREFIX...     (a PREFIX "gen:N" stands for N generated /24s)
"""
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def message(kind, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn, router_id):
    caps = bytes([1, 4, 0, 1, 0, 1])                      # multiprotocol IPv4 unicast
    caps += bytes([65, 4]) + struct.pack("!I", asn)       # 4-octet AS
    caps += bytes([2, 0])                                 # route refresh
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    return message(1, struct.pack("!BHH4sB", 4, my_as, 90, socket.inet_aton(router_id),
                                  len(params)) + params)


def attribute(flags, code, value):
    return bytes([flags, code, len(value)]) + value


def update_message(asn, next_hop, prefixes):
    attrs = attribute(0x40, 1, b"\x00")                                   # ORIGIN IGP
    attrs += attribute(0x40, 2, bytes([2, 2]) + struct.pack("!II", asn, 65402))  # AS_SEQUENCE
    attrs += attribute(0x40, 3, socket.inet_aton(next_hop))               # NEXT_HOP
    attrs += attribute(0x80, 4, struct.pack("!I", 50))                    # MED
    attrs += attribute(0xC0, 8, struct.pack("!HH", asn & 0xFFFF, 100))    # COMMUNITIES
    nlri = b""
    for p in prefixes:
        net, length = p.split("/")
        length = int(length)
        nlri += bytes([length]) + socket.inet_aton(net)[:(length + 7) // 8]
    return message(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def expand(prefixes):
    out = []
    for p in prefixes:
        if p.startswith("gen:"):
            base = struct.unpack("!I", socket.inet_aton("100.64.0.0"))[0]
            out += [socket.inet_ntoa(struct.pack("!I", base + (i << 8))) + "/24"
                    for i in range(int(p[4:]))]
        else:
            out.append(p)
    return out


def read_message(sock, buf):
    """(type, body, rest of buf); raises EOFError when the peer closes."""
    while len(buf) < 19 or len(buf) < struct.unpack("!H", buf[16:18])[0]:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    length = struct.unpack("!H", buf[16:18])[0]
    return buf[18], buf[19:length], buf[length:]


def main():
    addr, asn, prefixes = sys.argv[1], int(sys.argv[2]), expand(sys.argv[3:])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, 179))
    listener.listen(4)
    print("listening", flush=True)
    while True:
        sock, _ = listener.accept()
        try:
            buf = b""
            kind, _, buf = read_message(sock, buf)
            if kind != 1:
                raise EOFError
            sock.sendall(open_message(asn, addr) + message(4))
            while True:
                kind, _, buf = read_message(sock, buf)
                if kind == 4:
                    break
            for i in range(0, len(prefixes), 800):  # 800 /24s: a 3.3 KB UPDATE (max 4096)
                sock.sendall(update_message(asn, addr, prefixes[i:i + 800]))
            sock.sendall(message(2, b"\x00\x00\x00\x00"))   # End-of-RIB
            print("established", flush=True)
            last = 0.0
            while True:
                if time.time() - last >= 3:
                    sock.sendall(message(4))
                    last = time.time()
                r, _, _ = select.select([sock], [], [], 1.0)
                if r:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise EOFError
        except (EOFError, OSError):
            sock.close()


if __name__ == "__main__":
    main()
