"""bgpspeak: a tiny scripted BGP-4 speaker for tests that need exact control of the wire.

  bgpspeak.py collide LOCAL_IP VBRD_IP ASN BGP_ID OUT_JSON
      Accepts vbrd's connection and opens its own (a collision, RFC 4271 6.8), sends OPEN on
      the accepted one first, waits for vbrd's KEEPALIVE there, then sends OPEN on its own.
      Records which connection vbrd closed with which NOTIFICATION and on which one the session
      reached Established (vbrd's End-of-RIB arrived), writes OUT_JSON, then keeps the
      surviving session alive with KEEPALIVEs until killed.

  bgpspeak.py reconnect LOCAL_IP VBRD_IP ASN BGP_ID PREFIX GR OUT
      A peer that restarts while vbrd never sees its old connection end (RFC 4724 4.2).
      GR=1: its OPENs carry the Graceful Restart Capability (restart time 120 s, F bit for
      IPv4 unicast); GR=0: none. Connects to vbrd, reaches Established, announces PREFIX and
      End-of-RIB, writes OUT.up; once OUT.go exists, connects again (the old connection stays
      open and silent) with the Restart State bit set, and records what vbrd did with each
      connection. On the new session it announces PREFIX and End-of-RIB once OUT.eor exists,
      writes OUT, then keeps the session alive with KEEPALIVEs until killed.

Every socket operation has a timeout; the whole run is bounded by the caller's `timeout`.
"""
import json
import os
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id, hold=30, gr=None):
    """gr: None (no Graceful Restart Capability) or the Restart State bit (RFC 4724 3)."""
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack("!I", asn)
    if gr is not None:
        caps += bytes([64, 6]) + struct.pack("!HHBB", (0x8000 if gr else 0) | 120, 1, 1, 0x80)
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    return msg(OPEN, struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(bgp_id),
                                 len(params)) + params)


class Conn:
    def __init__(self, sock, name):
        self.s, self.name, self.buf = sock, name, b""
        self.s.settimeout(10)

    def send(self, data):
        self.s.sendall(data)

    def read_msg(self, timeout=10):
        """(type, body), or None when the peer closed."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 19:
                length = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= length:
                    m, self.buf = self.buf[:length], self.buf[length:]
                    return m[18], m[19:]
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(self.name)
            self.s.settimeout(left)
            data = self.s.recv(65536)
            if not data:
                return None
            self.buf += data

    def expect(self, mtype, timeout=10):
        m = self.read_msg(timeout)
        if m is None or m[0] != mtype:
            raise AssertionError("%s: wanted type %d, got %r" % (self.name, mtype, m))
        return m[1]


def collide(local_ip, vbrd_ip, asn, bgp_id, out):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((local_ip, 179))
    ls.listen(4)
    ls.settimeout(30)
    open(out + ".listening", "w").close()
    a_sock, _ = ls.accept()
    a = Conn(a_sock, "ours_accepted")
    a.expect(OPEN)                      # vbrd: Connect -> OpenSent
    b_sock = socket.create_connection((vbrd_ip, 179), timeout=10, source_address=(local_ip, 0))
    b = Conn(b_sock, "ours_connected")
    b.expect(OPEN)                      # vbrd took it as a second connection
    a.send(open_msg(asn, bgp_id))
    a.expect(KEEPALIVE)                 # vbrd: OpenConfirm on a
    b.send(open_msg(asn, bgp_id))       # now vbrd must resolve the collision
    res = {"dumped": None, "dumped_notification": None, "established_on": None}
    live = {a.name: a, b.name: b}
    deadline = time.time() + 20
    sent_keepalive = set()
    while time.time() < deadline and (res["dumped"] is None or res["established_on"] is None):
        r, _, _ = select.select([c.s for c in live.values()], [], [], 0.5)
        for c in list(live.values()):
            if c.s not in r and not c.buf:
                continue
            m = c.read_msg(5)
            if m is None:
                del live[c.name]
                if res["dumped"] is None:
                    res["dumped"] = c.name
                continue
            mtype, body = m
            if mtype == NOTIFICATION:
                res["dumped"] = c.name
                res["dumped_notification"] = [body[0], body[1]]
            elif mtype == KEEPALIVE:
                if c.name not in sent_keepalive:
                    c.send(msg(KEEPALIVE))
                    sent_keepalive.add(c.name)
            elif mtype == UPDATE:
                res["established_on"] = c.name
        # The survivor on a already had its KEEPALIVE: answer it once the other side is gone.
        if res["dumped"] == b.name and a.name not in sent_keepalive:
            a.send(msg(KEEPALIVE))
            sent_keepalive.add(a.name)
    with open(out + ".tmp", "w") as f:
        json.dump(res, f)
    os.rename(out + ".tmp", out)
    survivor = live.get(res["established_on"] or "")
    while survivor:
        survivor.send(msg(KEEPALIVE))
        time.sleep(3)
        try:
            while select.select([survivor.s], [], [], 0)[0]:
                if survivor.read_msg(1) is None:
                    return
        except (TimeoutError, OSError):
            return


def update_msg(asn, next_hop, prefix):
    """An UPDATE announcing prefix (a.b.c.d/len) with AS_PATH [asn] (4-byte ASNs)."""
    net, plen = prefix.split("/")
    plen = int(plen)
    nlri = bytes([plen]) + socket.inet_aton(net)[:(plen + 7) // 8]
    attrs = (bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", asn)
             + bytes([0x40, 3, 4]) + socket.inet_aton(next_hop))
    return msg(UPDATE, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


END_OF_RIB = msg(UPDATE, b"\0\0\0\0")


def wait_file(path, timeout=60):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline:
            raise TimeoutError(path)
        time.sleep(0.05)


def establish(local_ip, vbrd_ip, asn, bgp_id, gr, name):
    """A connection to vbrd taken to Established (our KEEPALIVE answered)."""
    c = Conn(socket.create_connection((vbrd_ip, 179), timeout=10,
                                      source_address=(local_ip, 0)), name)
    c.send(open_msg(asn, bgp_id, gr=gr))
    c.expect(OPEN)
    c.send(msg(KEEPALIVE))
    c.expect(KEEPALIVE)
    return c


def fate(c, timeout):
    """What vbrd did with connection c within timeout: 'open', 'closed' or
    'notification X/Y' (messages other than NOTIFICATION are skipped)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = c.read_msg(max(0.1, deadline - time.time()))
        except TimeoutError:
            return "open"
        except OSError:
            return "closed"
        if m is None:
            return "closed"
        if m[0] == NOTIFICATION:
            return "notification %d/%d" % (m[1][0], m[1][1])
    return "open"


def reconnect(local_ip, vbrd_ip, asn, bgp_id, prefix, gr, out):
    old = establish(local_ip, vbrd_ip, asn, bgp_id, False if gr else None, "old")
    old.send(update_msg(asn, local_ip, prefix) + END_OF_RIB)
    open(out + ".up", "w").close()
    wait_file(out + ".go")
    res = {"old": None, "new": None}
    try:
        new = establish(local_ip, vbrd_ip, asn, bgp_id, True if gr else None, "new")
        res["new"] = "established"
    except (AssertionError, TimeoutError, OSError) as e:
        new, res["new"] = None, "refused: %s" % e
    res["old"] = fate(old, 3)
    if new:
        wait_file(out + ".eor")
        new.send(update_msg(asn, local_ip, prefix) + END_OF_RIB)
    with open(out + ".tmp", "w") as f:
        json.dump(res, f)
    os.rename(out + ".tmp", out)
    survivor = new or (old if res["old"] == "open" else None)
    while survivor:
        survivor.send(msg(KEEPALIVE))
        time.sleep(3)


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "collide":
        collide(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
        return 0
    if len(sys.argv) == 9 and sys.argv[1] == "reconnect":
        reconnect(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6],
                  sys.argv[7] == "1", sys.argv[8])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
