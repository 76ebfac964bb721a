"""Runs deploy/compose.yaml's lab (vbrd beside BIRD) with plain podman and checks the session.

Debian 12's podman-compose (1.0.3) cannot give services fixed addresses, and there is no Docker
here, so this reads the compose file and starts each service the way compose would: its image,
environment, capabilities, ulimits, named volume and fixed address on the compose network
(subnet and gateway from its ipam). Everything runs in a network namespace of its own (entered
with nsenter: `ip netns exec` would hide the cgroup mount runc needs), so the bridge and its
10.0.0.0/24 never touch the host. Then it runs the `vbrctl` / `birdc` commands the compose file's
header documents, in order, and checks the session is Established and routes crossed both ways,
and that the compose file's NET_ADMIN and net.ipv4.ip_forward let vbrd forward: BIRD's routes are
in the vbrd container's own forwarding table (ip route show proto bgp, entered through its PID)
and Router reports fibEnabled and ipForwarding.

  compose_lab.py SOURCE_DIR VBRD_IMAGE        (exit 0 on success)
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time

import yaml

PODMAN = ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager", "cgroupfs"]
SYSTEMD_NOISE = "unable to get systemd connection"


def sh(argv, check=True, timeout=120, netns=None):
    if netns:
        argv = ["nsenter", "--net=/run/netns/" + netns] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    r.stderr = "\n".join(l for l in r.stderr.splitlines() if SYSTEMD_NOISE not in l)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def main(src, vbrd_image):
    path = os.path.join(src, "deploy", "compose.yaml")
    with open(path) as f:
        text = f.read()
    compose = yaml.safe_load(text)
    tag = "vd-lab-%d" % os.getpid()
    (net_name, net), = compose["networks"].items()
    ipam = net["ipam"]["config"][0]
    containers, volumes = [], []
    sh(["ip", "netns", "add", tag])
    try:
        sh(["ip", "-n", tag, "link", "set", "lo", "up"])
        sh(PODMAN + ["network", "create", "--subnet", ipam["subnet"], "--gateway",
                     ipam["gateway"], tag])
        images = {"vbrd": vbrd_image}
        for name, svc in compose["services"].items():
            image = images.get(name)
            if image is None:   # built from its folder, like `compose build`
                image = "localhost/%s-%s:ctest" % (compose.get("name", "lab"), name)
                ctx = os.path.normpath(os.path.join(src, "deploy", svc["build"]["context"]))
                sh(PODMAN + ["build", "--pull=never", "--network", "host", "--ulimit",
                             "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "-t", image, ctx],
                   timeout=900)
            argv = PODMAN + ["run", "-d", "--name", "%s-%s" % (tag, name), "--network", tag,
                             "--ip", svc["networks"][net_name]["ipv4_address"],
                             "--health-interval", "disable",
                             "--ulimit", "nproc=1024:1024"]
            for lim, v in (svc.get("ulimits") or {}).items():
                argv += ["--ulimit", "%s=%s:%s" % (lim, v["soft"], v["hard"])]
            if "nofile" not in (svc.get("ulimits") or {}):
                argv += ["--ulimit", "nofile=1024:1024"]
            for c in svc.get("cap_drop", []):
                argv += ["--cap-drop", c]
            for c in svc.get("cap_add", []):
                argv += ["--cap-add", c]
            for k, v in (svc.get("sysctls") or {}).items():
                argv += ["--sysctl", "%s=%s" % (k, v)]
            for k, v in (svc.get("environment") or {}).items():
                argv += ["-e", "%s=%s" % (k, v)]
            for m in svc.get("volumes", []):
                vol, mnt = m.split(":", 1)
                vol = "%s-%s" % (tag, vol)
                volumes.append(vol)
                argv += ["-v", "%s:%s" % (vol, mnt)]
            containers.append("%s-%s" % (tag, name))
            sh(argv + [image], netns=tag)
            print("started %s (%s) at %s" % (name, image, svc["networks"][net_name]["ipv4_address"]))

        # The commands the compose file documents, as `compose exec SERVICE CMD...`.
        cmds = re.findall(r"(?m)^#[ \t]+docker compose -f deploy/compose.yaml exec (\S+) "
                          r"([^#\n]+?)[ \t]*(?:#[^\n]*)?$", text)
        assert len(cmds) >= 5, "compose.yaml documents fewer commands than expected: %r" % cmds
        outputs = []
        for svc, cmd in cmds:
            argv = shlex.split(cmd)
            if argv[:2] == ["vbrctl", "peer"] and argv[2] == "list":
                wait_established(tag)
            if argv[0] == "birdc":
                wait_bird_route(tag)
            deadline = time.monotonic() + 30
            while True:   # the daemons may still be starting for the first command
                r = sh(PODMAN + ["exec", "%s-%s" % (tag, svc)] + argv, check=False)
                if r.returncode == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            print("$ %s  (in %s)\n%s" % (cmd, svc, r.stdout.rstrip()))
            if r.returncode != 0:
                raise RuntimeError("%s failed: %s" % (cmd, r.stderr))
            outputs.append(r.stdout)
        joined = "\n".join(outputs)
        assert re.search(r"(?m)^bgpp-\S+ +10\.0\.0\.2 .* Established ", joined), "peer not Established"
        assert "172.16.0.0/24" in joined and "AS45104" in joined, "BIRD did not learn 172.16.0.0/24"
        routes = json.loads(sh(PODMAN + ["exec", "%s-vbrd" % tag, "vbrctl", "-o", "json", "routes",
                                         "10.0.0.2"]).stdout)
        got = sorted(r["prefix"] for r in routes.get("routes", []))
        assert got == ["192.168.10.0/24", "192.168.20.0/24"], got
        print("compose lab: Established, vbrd learned %s, BIRD learned 172.16.0.0/24" % got)
        check_forwarding(tag, got)
        return 0
    finally:
        for c in containers:
            sh(PODMAN + ["rm", "-f", "-v", "-t", "5", c], check=False, netns=tag)
        for v in volumes:
            sh(PODMAN + ["volume", "rm", "-f", v], check=False)
        sh(PODMAN + ["network", "rm", "-f", tag], check=False)
        sh(["rm", "-rf", "/var/lib/cni/networks/" + tag], check=False)
        sh(["ip", "netns", "del", tag], check=False)


def wait_established(tag, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sh(PODMAN + ["exec", tag + "-vbrd", "vbrctl", "-o", "json", "peer", "show", "10.0.0.2"],
               check=False)
        if '"SESSION_STATE_ESTABLISHED"' in r.stdout:
            return
        time.sleep(0.5)
    raise RuntimeError("the compose lab's session did not reach Established in %ds" % timeout)


def check_forwarding(tag, prefixes, timeout=10):
    """BIRD's routes in the vbrd container's kernel table (protocol bgp), forwarding on."""
    pid = sh(PODMAN + ["inspect", "--format", "{{.State.Pid}}", tag + "-vbrd"]).stdout.strip()
    deadline = time.monotonic() + timeout
    while True:
        kernel = sh(["nsenter", "--net=/proc/%s/ns/net" % pid, "ip", "route", "show", "proto",
                     "bgp"]).stdout
        if all(re.search(r"(?m)^%s via 10\.0\.0\.2 " % re.escape(p), kernel) for p in prefixes):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("BIRD's routes are not in vbrd's table: %r" % kernel)
        time.sleep(0.2)
    router = json.loads(sh(PODMAN + ["exec", tag + "-vbrd", "vbrctl", "-o", "json", "router",
                                     "show"]).stdout)
    assert router.get("fibEnabled") and router.get("ipForwarding"), router
    print("compose lab: in vbrd's table (ip route show proto bgp):\n%sRouter: fibEnabled, "
          "ipForwarding" % kernel)


def wait_bird_route(tag, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sh(PODMAN + ["exec", tag + "-bird", "birdc", "show", "route", "protocol", "vbr"],
               check=False)
        if "172.16.0.0/24" in r.stdout:
            return
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
