"""The container restarted with traffic flowing through it (issue 12): vbrd's image in a network
namespace made beforehand, so the kernel routes outlive the container's process.

  vpc 172.16.1.10 --veth-- v: the vbrd container (--network ns:/run/netns/<v>, NET_ADMIN,
                           |   ip_forward=1; 172.16.1.1 and 10.10.0.1)
                           `-- bridge -- dc 10.10.0.2: BIRD 2, graceful restart on, announcing
                               192.168.10.0/24 (192.168.10.1 on lo), installing what it learns
                               from vbrd (172.16.1.0/24) into its kernel

A ping every 20 ms from the VPC host to 192.168.10.1 crosses vbrd's kernel route and BIRD's.
With it running, the container is restarted three times: `podman kill -s KILL` + `podman start`
(a crash and its restart policy), `podman restart` (SIGTERM, what a rollout sends), and `podman
stop` + 3 s down + `podman start` (an upgrade). Each time the loss is printed and must be 0; afterwards the session is Established with graceful restart
negotiated and the kernel holds one route to the prefix. Then, for comparison, the stop + start
with graceful restart off on the group: the loss is printed and must be above 0 (which also shows
the count would catch a broken graceful restart).

  container_gr_lab.py SOURCE_DIR VBRD_IMAGE        (exit 0 on success)
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bfd"))
import failover_lab as F  # noqa: E402

L = F.L
PODMAN = ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager", "cgroupfs"]
SYSTEMD_NOISE = "unable to get systemd connection"
BIRD_GR = "graceful restart on; graceful restart time 120;"
VPC_NET = "172.16.1.0/24"
PING_INTERVAL = 0.02
# The restarts measured with graceful restart on: a crash, and a planned stop (on SIGTERM vbrd
# closes GR sessions without a NOTIFICATION and keeps its kernel routes).
DOWN = 3.0  # seconds the container stays stopped in "stop" (an upgrade pulling its image)
RESTARTS = (("kill", "podman kill -s KILL + start"), ("term", "podman restart (SIGTERM)"),
            ("stop", "podman stop (SIGTERM), %g s down, podman start" % DOWN))
RECOVER = 60  # seconds: bound of every wait for the session and routes after a restart


def podman(args, check=True, timeout=60):
    r = subprocess.run(PODMAN + args, capture_output=True, text=True, timeout=timeout)
    r.stderr = "\n".join(l for l in r.stderr.splitlines() if SYSTEMD_NOISE not in l)
    if check and r.returncode != 0:
        raise RuntimeError("podman %s: exit %d\n%s%s" % (" ".join(args), r.returncode, r.stdout,
                                                        r.stderr))
    return r


class Lab:
    def __init__(self, image):
        self.image = image
        self.lab = L.Lab(["v", "dc"], prefix="d1")
        self.ctr = "d1-gr-%d" % os.getpid()
        self.vol = self.ctr + "-state"
        self.pings = []
        lab = self.lab
        F.add_vpc(lab)
        lab.exec("v", ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        lab.exec("dc", ["ip", "addr", "add", F.TARGET + "/32", "dev", "lo"])
        self.bird = L.Bird(lab, "dc", 65001, lab.ip("v"), routes=[F.PREFIX],
                           extra=F.BIRD_KERNEL, bgp_extra=BIRD_GR).start()

    def close(self):
        for p in self.pings:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        podman(["rm", "-f", "-v", "-t", "5", self.ctr], check=False)
        podman(["volume", "rm", "-f", self.vol], check=False)
        self.lab.close()

    def run_container(self):
        v = self.lab.ip("v")
        podman(["run", "-d", "--name", self.ctr, "--network", "ns:/run/netns/" + self.lab.ns("v"),
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--health-interval", "disable", "--cap-drop", "ALL",
                "--cap-add", "NET_BIND_SERVICE", "--cap-add", "NET_ADMIN",
                "-v", self.vol + ":/var/lib/vbrd", "-e", "VBRD_API=127.0.0.1:50051",
                "-e", "VBRD_BGP_LISTEN=%s:179" % v, "-e", "VBRD_ROUTER_ID=" + v,
                self.image, "--selection-deferral", "20"])

    def vbrctl(self, args, check=True):
        r = podman(["exec", self.ctr, "vbrctl", "-o", "json"] + args, check=check)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None

    def peer(self):
        try:
            return self.vbrctl(["peer", "show", self.lab.ip("dc")], check=False)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired):
            return None

    def kernel_routes(self, host, prefix):
        return self.lab.exec(host, ["ip", "-4", "route", "show", prefix]).stdout.strip()

    def wait_ready(self, gr=True):
        """Session Established (GR negotiated when gr), BIRD's prefix in vbrd's table once,
        vbrd's subnet in BIRD's kernel."""
        def established():
            p = self.peer()
            return p and '"SESSION_STATE_ESTABLISHED"' in json.dumps(p) and \
                bool(p.get("gracefulRestartNegotiated")) == gr
        L.wait_for(established, RECOVER, interval=0.2, what="session Established")
        L.wait_for(lambda: re.fullmatch(r"%s via %s dev eth0 proto bgp metric 20" % (
            re.escape(F.PREFIX), re.escape(self.lab.ip("dc"))),
            self.kernel_routes("v", F.PREFIX)), RECOVER, interval=0.2,
            what="one kernel route to %s in vbrd's namespace" % F.PREFIX)
        L.wait_for(lambda: "proto bird" in self.kernel_routes("dc", VPC_NET), RECOVER,
                   interval=0.2, what="%s in BIRD's kernel" % VPC_NET)

    def ping_start(self):
        p = F.ping_start(self.lab, PING_INTERVAL)
        self.pings.append(p)
        return p

    def ping_stop(self, p):
        return F.ping_stop(p)

    def restart_with_ping(self, how, gr=True):
        p = self.ping_start()
        time.sleep(1.0)  # traffic flowing before the restart
        if p.poll() is not None:
            raise AssertionError("ping exited: " + p.stdout.read())
        t0 = time.monotonic()
        if how == "kill":
            podman(["kill", "-s", "KILL", self.ctr])
            podman(["wait", self.ctr], check=False, timeout=30)
            podman(["start", self.ctr])
        elif how == "term":
            podman(["restart", "-t", "20", self.ctr], timeout=60)
        else:
            podman(["stop", "-t", "20", self.ctr], timeout=60)
            time.sleep(DOWN)
            podman(["start", self.ctr])
        self.wait_ready(gr=gr)
        took = time.monotonic() - t0
        time.sleep(1.0)  # and after the session is back
        lost, sent = self.ping_stop(p)
        return lost, sent, took


def main(src, image):
    del src
    t = Lab(image)
    try:
        t.run_container()
        L.wait_for(lambda: t.vbrctl(["router", "show"], check=False) is not None, 30,
                   interval=0.2, what="vbrd API in the container")
        t.vbrctl(["group", "create", "dc", "--peer-asn", "65001"])
        t.vbrctl(["peer", "add", "dc", t.lab.ip("dc")])
        t.vbrctl(["network", "add", VPC_NET])
        t.wait_ready()
        results = {}
        for how, what in RESTARTS:
            lost, sent, took = t.restart_with_ping(how)
            results[how] = lost
            print("graceful restart, %s: %d of %d pings lost (every %d ms; session back in "
                  "%.1f s)" % (what, lost, sent, PING_INTERVAL * 1000, took))
        # Afterwards: no stale route left in vbrd's table (once the deferral is over).
        def no_stale():
            r = t.vbrctl(["route-entry", "list", "--source", "bgp"], check=False) or {}
            es = r["routeEntries"]
            return es and all(e.get("installed") and not e.get("stale") for e in es)
        L.wait_for(no_stale, 40, interval=0.5, what="BGP route entries installed, none stale")
        # For comparison: graceful restart off on the group (applies from the next session).
        t.vbrctl(["group", "update", "dc", "--graceful-restart", "off"])
        t.vbrctl(["peer", "reset", t.lab.ip("dc")])
        t.wait_ready(gr=False)
        lost, sent, took = t.restart_with_ping("stop", gr=False)
        print("graceful restart off, podman stop, %g s down, podman start: %d of %d pings lost "
              "(session back in %.1f s)" % (DOWN, lost, sent, took))
        assert set(results.values()) == {0}, "packets lost across a restart: %r" % results
        assert lost > 0, "no loss without graceful restart: the loss count proves nothing"
        return 0
    finally:
        t.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
