"""
netns: network namespaces and veth links for one test run, named vr<pid><n> so that parallel
runs never collide, and removed on exit even when the test fails (call cleanup() in a finally;
install_signal_cleanup() turns SIGTERM/SIGINT from ctest into a normal exit so finally runs).

socket_in_ns() creates a socket inside a namespace from this process: setns(2) changes only
the calling thread's namespace, and a socket stays in the namespace it was created in, so the
test can drive many peers in one namespace while gRPC keeps using the host's.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import vbrlib  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def run(*cmd, check=True, quiet=False):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=60)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()}")
    return res.stdout


def socket_in_ns(ns, family=socket.AF_INET, stype=socket.SOCK_STREAM):
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({ns}): {os.strerror(err)}")
        try:
            return socket.socket(family, stype)
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                # Left in the wrong namespace: nothing after this would be trustworthy.
                os._exit(99)
    finally:
        os.close(own)
        os.close(target)


class Topology:
    """Namespaces created by this run; veth pairs live and die with them."""

    _seq = 0

    def __init__(self):
        self.namespaces = []

    def ns(self):
        Topology._seq += 1
        name = f"vr{os.getpid()}{Topology._seq}"
        vbrlib.netns_add(name, lo_up=False)
        self.namespaces.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def link(self, ns_a, dev_a, cidr_a, ns_b, dev_b, cidr_b):
        """A veth pair between two namespaces, one address on each end."""
        vbrlib.veth(ns_a, dev_a, cidr_a, ns_b, dev_b, cidr_b)

    def add_addresses(self, ns, dev, cidrs):
        batch = "".join(f"addr add {c} dev {dev}\n" for c in cidrs)
        res = subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"ip -batch addr add failed: {res.stderr.strip()}")

    def sysctl(self, ns, key, value):
        run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", f"{key}={value}")

    def cleanup(self):
        for name in reversed(self.namespaces):
            vbrlib.netns_del(name)
        self.namespaces = []


def install_signal_cleanup():
    def handler(signum, _frame):
        sys.stderr.write(f"signal {signum}: cleaning up\n")
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
