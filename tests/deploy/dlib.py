"""dlib: the harness of the deploy integration tests (TLS, metrics, logs, demo).

Paths of the binaries come from the environment CMake sets (VBRD, VBRCTL, VBR_HEALTH). Python
stubs are generated from proto/ into a temp folder at test time. Every daemon is started by us,
stopped by its PID (SIGTERM, then SIGKILL), and every wait is bounded in time. Network
namespaces are named vd-<pid>-<name> and removed at exit even when a test fails.
"""
import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vbrlib  # noqa: E402

REPO = vbrlib.REPO
VBRD = vbrlib.vbrd_binary()
VBRCTL = os.environ.get("VBRCTL", os.path.join(REPO, "build", "vbrctl"))
VBR_HEALTH = os.environ.get("VBR_HEALTH", os.path.join(REPO, "build", "vbr-health"))

CALL_TIMEOUT = 10.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0

# A SIGTERM from ctest's timeout still runs the cleanups (vbrlib.at_exit, newest first).
vbrlib.exit_on_sigterm(1)


def mkdtemp(prefix="vd-"):
    return vbrlib.mkdtemp(prefix)


def run(cmd, timeout=30, check=True, **kw):
    return subprocess.run(cmd, timeout=timeout, check=check, capture_output=True, text=True, **kw)


# ---- stubs ----

grpc = None
pb = None
pbg = None


def stubs():
    """protoc vbr.proto into a temp folder and import it (once)."""
    global grpc, pb, pbg
    s = vbrlib.stubs()
    grpc, pb, pbg = s.grpc, s.pb, s.pbg


free_port = vbrlib.free_port


# ---- certificates ----

def _openssl(args, cwd):
    run(["openssl"] + args, cwd=cwd, timeout=30)


def make_certs(d, names=("vbr1", "localhost"), ips=("127.0.0.1",)):
    """A CA, a server cert (SANs from names and ips), a client cert from that CA, and a rogue
    CA with its own client cert. EC P-256, valid two days. Returns a dict of file paths."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "rogue-ca"):
        _openssl(["req", "-x509"] + ec + ["-keyout", ca + ".key", "-out", ca + ".crt",
                  "-days", "2", "-subj", "/CN=vd-" + ca], d)
    san = ",".join(["DNS:" + n for n in names] + ["IP:" + i for i in ips])
    exts = {"server": "subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % san,
            "client": "extendedKeyUsage=clientAuth\n"}
    for name, ca, ext in (("server", "ca", "server"), ("client", "ca", "client"),
                          ("rogue-client", "rogue-ca", "client")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(exts[ext])
        _openssl(["req"] + ec + ["-keyout", name + ".key", "-out", name + ".csr",
                  "-subj", "/CN=vd-" + name], d)
        _openssl(["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                  "-CAcreateserial", "-out", name + ".crt", "-days", "2",
                  "-extfile", name + ".ext"], d)
    return {k: os.path.join(d, k) for k in (
        "ca.crt", "server.crt", "server.key", "client.crt", "client.key",
        "rogue-ca.crt", "rogue-client.crt", "rogue-client.key")}


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


# ---- network namespaces ----

class Netns:
    """A namespace with lo up; removed at exit."""

    def __init__(self, name):
        self.name = "vd-%d-%s" % (os.getpid(), name)
        vbrlib.netns_add(self.name, lo_up=False)
        vbrlib.at_exit(self.delete)
        run(["ip", "-n", self.name, "link", "set", "lo", "up"])

    def delete(self):
        vbrlib.netns_del(self.name)

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)


def veth_pair(a, a_ip, b, b_ip, tag):
    """Links namespaces a and b with a veth; addresses like 10.66.0.1/24."""
    ia, ib = "vd%da%s" % (os.getpid() % 100000, tag), "vd%db%s" % (os.getpid() % 100000, tag)
    vbrlib.veth(a.name, ia, a_ip, b.name, ib, b_ip)


# ---- vbrd ----

class Vbrd:
    """One vbrd process with its own state dir; stderr kept in a file."""

    def __init__(self, args, netns=None, state_dir=None, env=None):
        self.dir = mkdtemp("vd-vbrd-")
        self.state_dir = state_dir or os.path.join(self.dir, "state")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        argv = [VBRD, "--state-dir", self.state_dir] + list(args)
        if netns:
            argv = netns.cmd(argv)
        full_env = dict(os.environ)
        for k in list(full_env):
            if k.startswith("VBRD_"):
                del full_env[k]
        full_env.update(env or {})
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(["timeout", "600"] + argv, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, env=full_env)
        vbrlib.at_exit(self.stop)

    def log(self):
        return read(self.stderr_path, "r")

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        vbrlib.stop_process(self.proc, signal.SIGTERM, STOP_TIMEOUT)
        if not self.stderr.closed:
            self.stderr.close()
        return self.proc.returncode


def wait_until(fn, timeout, what, interval=0.1):
    """Polls fn() until it returns a true value; raises AssertionError after timeout (an
    exception from fn counts as not ready yet)."""
    return vbrlib.wait_for(fn, timeout, what=what, interval=interval)


def health(server, extra=(), netns=None, timeout=3):
    argv = [VBR_HEALTH, "--server", server, "--timeout", str(timeout)] + list(extra)
    if netns:
        argv = netns.cmd(argv)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 10)


def vbrctl(server, args, extra=(), netns=None, check=True, timeout=20):
    argv = [VBRCTL, "--server", server] + list(extra) + list(args)
    if netns:
        argv = netns.cmd(argv)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("vbrctl %s: exit %d: %s%s" % (" ".join(args), r.returncode,
                                                            r.stdout, r.stderr))
    return r


def vbrctl_json(server, args, **kw):
    return json.loads(vbrctl(server, ["-o", "json"] + list(args), **kw).stdout)


# ---- BIRD ----

def start_bird(netns, d, conf):
    """BIRD 2 in netns with config text `conf`; returns (proc, ctl socket path)."""
    cpath, ctl = os.path.join(d, "bird.conf"), os.path.join(d, "bird.ctl")
    with open(cpath, "w") as f:
        f.write(conf)
    log = open(os.path.join(d, "bird.out"), "w")
    proc = subprocess.Popen(netns.cmd(["timeout", "600", "bird", "-f", "-c", cpath, "-s", ctl,
                                       "-P", os.path.join(d, "bird.pid")]),
                            stdout=log, stderr=subprocess.STDOUT)

    def stop():
        vbrlib.stop_process(proc, signal.SIGTERM, 10)
        log.close()
    vbrlib.at_exit(stop)
    return proc, ctl


def birdc(ctl, *args):
    return run(["birdc", "-s", ctl] + list(args), timeout=10).stdout


# ---- Prometheus text ----

def parse_metrics(text):
    """{(name, frozenset(labels.items())): value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line.split("{", 1)
            labels_s, value = rest.rsplit("} ", 1)
            labels = {}
            i = 0
            while i < len(labels_s):
                eq = labels_s.index("=", i)
                key = labels_s[i:eq]
                j = eq + 2
                val = []
                while labels_s[j] != '"':
                    if labels_s[j] == "\\":
                        j += 1
                        val.append({"n": "\n"}.get(labels_s[j], labels_s[j]))
                    else:
                        val.append(labels_s[j])
                    j += 1
                labels[key] = "".join(val)
                i = j + 2 if j + 1 < len(labels_s) and labels_s[j + 1] == "," else j + 1
        else:
            name, value = line.split(" ", 1)
            labels = {}
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def metric(samples, name, **labels):
    key = (name, frozenset(labels.items()))
    if key not in samples:
        raise AssertionError("no sample %s%r" % (name, labels))
    return samples[key]


def scrape(addr, netns=None):
    argv = ["curl", "-sS", "--max-time", "5", "http://%s/metrics" % addr]
    if netns:
        argv = netns.cmd(argv)
    return run(argv, timeout=15).stdout
