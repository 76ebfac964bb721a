#!/usr/bin/python3
"""
speaker: the suite's own small BGP-4 speaker over a real TCP connection.

As a library (Session): connect from an address inside a namespace, complete OPEN/KEEPALIVE,
send any bytes (well-formed or not), and watch what vbrd sends back: every message is logged
with its arrival time by a reader thread, so a test can ask "did a NOTIFICATION come, which
one", "did a KEEPALIVE arrive after I sent the bad UPDATE", "was the connection closed".
Keepalives go out from their own thread every `keepalive` seconds until paused.

As a program (`speaker.py hold ...`), run inside a namespace with `ip netns exec`: keeps one
healthy session per --src address up, announces a route on each, reconnects if a session
drops, and counts every drop in a JSON status file. This is the "healthy peer" that must never
flap while other suites attack vbrd.
"""
import argparse
import errno
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bgpwire as W  # noqa: E402


class SessionError(Exception):
    pass


class Session:
    def __init__(self, sock, asn, bgp_id, as4=True, hold=3, keepalive=1.0, name="peer"):
        self.sock = sock
        self.asn = asn
        self.bgp_id = bgp_id
        self.as4 = as4
        self.hold = hold
        self.keepalive_interval = keepalive
        self.name = name
        self.msgs = []           # (monotonic time, Msg)
        self.cond = threading.Condition()
        self.closed_at = None    # EOF or reset seen by the reader
        self.close_reason = None
        self.read_gate = threading.Event()
        self.read_gate.set()
        self.ka_run = threading.Event()
        self.stop_flag = threading.Event()
        self.wlock = threading.Lock()
        self.sent_at = {}
        self._reader = None
        self._ka = None
        self.ka_sent = 0
        self.last_ka = None
        self.ka_error = None

    # ---- connection ----

    def connect(self, src, dst, port=179, timeout=5, rcvbuf=None):
        s = self.sock
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((src, 0))
        s.settimeout(timeout)
        s.connect((dst, port))
        s.settimeout(None)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _read_loop(self):
        framer = W.Framer()
        while not self.stop_flag.is_set():
            self.read_gate.wait()
            try:
                r, _, _ = select.select([self.sock], [], [], 0.2)
                if not r:
                    continue
                if not self.read_gate.is_set():
                    continue
                data = self.sock.recv(65536)
            except OSError as e:
                self._closed(f"error: {os.strerror(e.errno) if e.errno else e}")
                return
            except ValueError:  # closed by this side meanwhile
                self._closed("closed locally")
                return
            if not data:
                self._closed("eof")
                return
            try:
                msgs = framer.feed(data)
            except ValueError as e:
                self._closed(f"bad framing from vbrd: {e}")
                return
            now = time.monotonic()
            with self.cond:
                for m in msgs:
                    self.msgs.append((now, m))
                self.cond.notify_all()

    def _closed(self, reason):
        with self.cond:
            if self.closed_at is None:
                self.closed_at = time.monotonic()
                self.close_reason = reason
            self.cond.notify_all()

    def send(self, data):
        with self.wlock:
            self.sock.sendall(data)
            return time.monotonic()

    def tcp_state(self):
        """Our side of the TCP connection, for diagnostics: unacknowledged segments, bytes
        still in the send queue, retransmissions, ms since the last ACK from vbrd."""
        try:
            raw = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
            u32 = struct.unpack_from("24I", raw, 8)
            outq = struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ,
                                                  b"\0\0\0\0"))[0]
            return (f"tcp: unacked={u32[4]} send-queue={outq}B retrans={u32[7]}/"
                    f"{u32[23]} last-ack-from-vbrd={u32[12]}ms ago rto={u32[0] // 1000}ms")
        except (OSError, ValueError, struct.error) as e:
            return f"tcp info unavailable: {e}"

    def close(self, rst=False):
        self.stop_flag.set()
        self.ka_run.clear()
        self.read_gate.set()
        try:
            if rst:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass

    # ---- waiting ----

    def wait(self, pred, timeout, after=0.0):
        """First message (time, Msg) with time >= after and pred(Msg), or None; returns early
        (None) when the connection closes first."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, m in self.msgs:
                    if t >= after and pred(m):
                        return (t, m)
                if self.closed_at is not None:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def wait_type(self, msg_type, timeout, after=0.0):
        hit = self.wait(lambda m: m.type == msg_type, timeout, after)
        return hit[1] if hit else None

    def wait_closed(self, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.closed_at is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def notifications(self):
        with self.cond:
            return [m for _, m in self.msgs if m.type == W.NOTIFICATION]

    def wait_notification(self, timeout):
        """A NOTIFICATION, waiting past the close: vbrd writes it then closes, and the reader
        has already logged it by the time it sees EOF."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for _, m in self.msgs:
                    if m.type == W.NOTIFICATION:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed_at is not None:
                    return None
                self.cond.wait(left)

    # ---- BGP ----

    def handshake(self, open_bytes=None, timeout=5):
        """OPEN -> their OPEN -> KEEPALIVE -> their KEEPALIVE. Raises SessionError with what
        came instead (a NOTIFICATION, a close) so a failed case says why."""
        if open_bytes is None:
            open_bytes = W.open_msg(self.asn, self.hold, self.bgp_id, as4=self.as4)
        t0 = self.send(open_bytes)
        their_open = self.wait_type(W.OPEN, timeout, t0 - 1)
        if their_open is None:
            raise SessionError(f"no OPEN from vbrd ({self._why()})")
        self.send(W.keepalive())
        ka = self.wait(lambda m: m.type in (W.KEEPALIVE, W.NOTIFICATION), timeout)
        if ka is None or ka[1].type != W.KEEPALIVE:
            raise SessionError(f"no KEEPALIVE after OPEN ({self._why()})")
        self.their_open = their_open
        return their_open

    def _why(self):
        n = self.notifications()
        if n:
            return f"got {n[0]!r}"
        if self.closed_at is not None:
            return f"connection closed: {self.close_reason}"
        return "timeout"

    def start_keepalives(self):
        self.ka_run.set()
        if self._ka is None:
            self._ka = threading.Thread(target=self._ka_loop, daemon=True)
            self._ka.start()

    def _ka_loop(self):
        while not self.stop_flag.is_set():
            if self.ka_run.wait(0.2) and not self.stop_flag.is_set():
                try:
                    self.last_ka = self.send(W.keepalive())
                    self.ka_sent += 1
                except OSError as e:
                    self.ka_error = repr(e)
                    return
                self.stop_flag.wait(self.keepalive_interval)

    def announce(self, prefixes, path=None, nh=None, extra=b""):
        """A well-formed UPDATE for IPv4 unicast prefixes."""
        if path is None:
            path = [self.asn]
        attrs = (W.origin(0) + W.as_path(path, self.as4)
                 + W.next_hop(nh or self.sock.getsockname()[0]) + extra)
        nlri = b"".join(W.prefix(p) for p in prefixes)
        return self.send(W.update(attrs=attrs, nlri=nlri))


# ---- the healthy peer program ----

class HoldStatus:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.data = {"pid": os.getpid(), "peers": {}}

    def update(self, src, **kw):
        with self.lock:
            p = self.data["peers"].setdefault(src, {"established": 0, "drops": [],
                                                    "notifications": [], "up": False})
            for k, v in kw.items():
                if k in ("drops", "notifications"):
                    p[k].append(v)
                elif k == "established":
                    p[k] += 1
                else:
                    p[k] = v
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.data, f)
            os.replace(tmp, self.path)


def hold_one(args, src, status, stop):
    while not stop.is_set():
        s = Session(socket.socket(), args.asn, args.bgp_id or src, as4=True, hold=args.hold,
                    keepalive=args.keepalive, name=src)
        try:
            s.connect(src, args.dst, timeout=3)
            s.handshake(timeout=5)
        except (OSError, SessionError) as e:
            s.close()
            if not stop.is_set():
                status.update(src, last_connect_error=str(e))
                stop.wait(0.5)
            continue
        s.start_keepalives()
        net = args.announce_base.split(".")
        idx = args.src.index(src)
        try:
            s.announce([f"{net[0]}.{net[1]}.{idx}.0/24"])
        except OSError:
            pass  # the session already ended: recorded as a drop just below
        status.update(src, established=1, up=True, since=time.time())
        while not stop.is_set() and s.closed_at is None:
            stop.wait(0.2)
            n = s.notifications()
            if n:
                break
        if stop.is_set():
            s.close()
            break
        n = s.notifications()
        reason = repr(n[0]) if n else f"closed: {s.close_reason}"
        status.update(src, up=False, drops={"time": time.time(), "reason": reason})
        if n:
            status.update(src, notifications=repr(n[0]))
        s.close()
        stop.wait(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold", help="keep healthy sessions up and count drops")
    h.add_argument("--src", action="append", required=True)
    h.add_argument("--dst", required=True)
    h.add_argument("--asn", type=int, required=True)
    h.add_argument("--bgp-id")
    h.add_argument("--hold", type=int, default=3)
    h.add_argument("--keepalive", type=float, default=1.0)
    h.add_argument("--announce-base", default="100.64.0.0")
    h.add_argument("--status", required=True)
    args = ap.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    status = HoldStatus(args.status)
    for src in args.src:
        status.update(src)
    threads = [threading.Thread(target=hold_one, args=(args, src, status, stop), daemon=True)
               for src in args.src]
    for t in threads:
        t.start()
    while not stop.is_set():
        stop.wait(0.5)
    for t in threads:
        t.join(timeout=5)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise
