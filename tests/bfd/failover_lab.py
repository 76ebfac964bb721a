"""failover_lab: two data-center routers (BIRD 2) announcing the same prefix to vbrd, and a VPC
host behind vbrd, for the BFD failover test and benchmark and the FIB tests (tests/fib).

  vpc 172.16.1.10 --veth-- v (vbrd, 172.16.1.1 / 10.10.0.1, forwarding on)
                            |-- bridge -- dc1 10.10.0.2 (AS 65010, preferred: lower router id)
                            |-- bridge -- dc2 10.10.0.3 (AS 65020)
  both DCs: 192.168.10.0/24 announced, 192.168.10.1/32 on lo, 172.16.1.0/24 via vbrd.

The silent failure: dc1's eth0 is set down inside dc1's namespace; vbrd's own link stays up.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sessions"))
import lab as L  # noqa: E402
import vbrapi as V  # noqa: E402

PREFIX = "192.168.10.0/24"
TARGET = "192.168.10.1"
BIRD_BFD = ('protocol bfd bfd1 { interface "eth0" { interval %d ms; multiplier %d; }; }')
# What BIRD learns from vbrd goes into its namespace's kernel table (the DC router's FIB).
BIRD_KERNEL = "\nprotocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }\n"


class Failover:
    def __init__(self, interval=100, mult=3, hold=9, extra_hosts=(), bfd=True, prefix="vs",
                 dc_extra=None, kernel_export=False, vbrd_args=()):
        """bfd=False: no BFD on either side (the route-table tests). dc_extra: {dc: BIRD
        config text} (more static protocols). kernel_export: each BIRD installs what it
        learns from vbrd into its kernel (protocol kernel) instead of the hand-set route to
        the VPC network."""
        self.lab = L.Lab(["v", "dc1", "dc2"] + list(extra_hosts), prefix=prefix)
        self.interval, self.mult, self.hold = interval, mult, hold
        lab, v = self.lab, self.lab.ip("v")
        self._vpc()
        for dc, asn in (("dc1", 65010), ("dc2", 65020)):
            lab.exec(dc, ["ip", "addr", "add", TARGET + "/32", "dev", "lo"])
            if not kernel_export:
                lab.exec(dc, ["ip", "route", "add", "172.16.1.0/24", "via", v])
        lab.exec("v", ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        self.dcs = {}
        for dc, asn in (("dc1", 65010), ("dc2", 65020)):
            extra = BIRD_BFD % (interval, mult) if bfd else ""
            extra += (dc_extra or {}).get(dc, "")
            if kernel_export:
                extra += BIRD_KERNEL
            self.dcs[dc] = L.Bird(lab, dc, asn, v, routes=[PREFIX], hold=hold, extra=extra,
                                  bgp_extra="bfd on;" if bfd else "").start()
        self.vbrd = V.Vbrd(lab, "v", args=vbrd_args).start()
        self.vbrd.network("172.16.1.0/24")
        self.peers, self.groups = {}, {}
        for dc, asn in (("dc1", 65010), ("dc2", 65020)):
            kw = dict(bfd_min_interval_ms=interval, bfd_detect_multiplier=mult) if bfd else {}
            g = self.vbrd.group(dc, asn, hold_time=hold, keepalive_time=max(1, hold // 3),
                                **kw)
            self.groups[dc] = g.id
            self.peers[dc] = self.vbrd.peer(g.id, lab.ip(dc), enable_bfd=bfd).id
        for dc in self.peers:
            self.vbrd.wait_state(self.peers[dc], timeout=40)

    def _vpc(self):
        add_vpc(self.lab)

    def close(self):
        try:
            self.vbrd.finish()
        finally:
            self.lab.close()

    def set_bfd(self, on):
        """BFD on or off on both peers. Off: BIRD 2.0.12 drops its BGP session when it gets
        our AdminDown (its BGP is tied to BFD here), so wait until it has seen it and the
        sessions are back, or that drop would land inside the next measurement."""
        for dc, pid in self.peers.items():
            self.vbrd.call("UpdateBgpPeer", V.pb.UpdateBgpPeerRequest(
                id=pid, enable_bfd=on,
                update_mask=V.field_mask_pb2.FieldMask(paths=["enable_bfd"])))
        if on:
            return
        v = self.lab.ip("v")
        for bird in self.dcs.values():
            L.wait_for(lambda: bird.bfd_sessions().get(v) != "Up", 10, what="AdminDown seen")
        time.sleep(1)
        self.ready()
        time.sleep(2)  # a drop still in flight shows now
        self.ready()

    def bfd_up(self, dc):
        return self.vbrd.get_peer(self.peers[dc]).bfd_state == V.pb.BFD_STATE_UP

    def kernel_via(self):
        """The next hop of vbrd's kernel route to PREFIX, or None."""
        out = self.lab.exec("v", ["ip", "route", "show", PREFIX], check=False).stdout
        m = re.search(r"via (\S+)", out)
        return m.group(1) if m else None

    def ping(self, count=3):
        r = self.lab.exec("vpc", ["ping", "-c", str(count), "-i", "0.2", "-W", "1", TARGET],
                          timeout=30, check=False)
        return r.returncode == 0

    def ready(self, timeout=60):
        """Both sessions Established (and BFD Up where on); dc1 preferred again."""
        for dc, pid in self.peers.items():
            self.vbrd.wait_state(pid, timeout=timeout)
        L.wait_for(lambda: PREFIX in self.vbrd.routes(self.peers["dc1"]), timeout,
                   what="dc1's route back")

    def fail_dc1(self, fib, timeout=60):
        """Silences dc1 and returns (seconds until vbrd moved, what moved). fib: wait for the
        kernel route via dc2; else for dc1's BGP session to leave Established (its routes
        leave the Loc-RIB with it)."""
        dc2 = self.lab.ip("dc2")
        t0 = time.monotonic()
        self.lab.exec("dc1", ["ip", "link", "set", "eth0", "down"])
        if fib:
            L.wait_for(lambda: self.kernel_via() == dc2, timeout, interval=0.005,
                       what="kernel route via dc2")
        else:
            L.wait_for(lambda: self.vbrd.state_name(self.peers["dc1"]) != "SESSION_STATE_"
                       "ESTABLISHED", timeout, interval=0.005, what="dc1 session down")
        return time.monotonic() - t0

    def restore_dc1(self, forget_damping=False):
        """dc1 back. forget_damping: a hard reset (an operator's start) so the next run does
        not wait out the idle hold time that grows with each failure (RFC 4271 8.1.1)."""
        self.lab.exec("dc1", ["ip", "link", "set", "eth0", "up"])
        if forget_damping:
            self.vbrd.call("ResetBgpPeer", V.pb.ResetBgpPeerRequest(id=self.peers["dc1"]))
        self.ready()


def add_vpc(lab):
    """The VPC host behind vbrd: namespace `vpc` (172.16.1.10/24, default route via vbrd),
    joined by a veth pair to host v (172.16.1.1/24 there). Also used by the container test
    (tests/deploy/container_gr_lab.py)."""
    ns = lab.ns("vpc")
    L.vbrlib.netns_add(ns)
    lab.hosts["vpc"] = "172.16.1.10"  # removed with the lab
    L.vbrlib.veth(lab.ns("v"), lab.tag + "va", "172.16.1.1/24", ns, lab.tag + "vb",
                  "172.16.1.10/24")
    lab.exec("vpc", ["ip", "route", "add", "default", "via", "172.16.1.1"])


def ping_start(lab, interval=0.02, target=TARGET, timeout=300):
    """A continuous ping (every interval s) from the VPC host to target; stop it with
    ping_stop. Bounded by `timeout`; the caller kills it in its cleanup if it is still running."""
    return subprocess.Popen(["ip", "netns", "exec", lab.ns("vpc"), "timeout", str(timeout),
                             "ping", "-n", "-i", str(interval), "-W", "1", target],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ping_stop(p):
    """(lost, sent): every icmp_seq up to the last answered one that got no reply. The echo
    still in flight when ping is stopped is not counted either way."""
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=20)
    seqs = {int(m) for m in re.findall(r"icmp_seq=(\d+) ttl=", out)}
    if not seqs:
        raise AssertionError("no ping reply at all:\n" + out[-2000:])
    last = max(seqs)
    return last - len(seqs & set(range(1, last + 1))), last
