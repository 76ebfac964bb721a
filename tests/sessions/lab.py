"""lab: network namespaces with real BGP daemons for the session tests.

One switch namespace with a bridge, and one namespace per host on it (10.10.0.N/24 inside,
never routed anywhere else). Names are unique per test process ("vs" + pid + letter), every
daemon runs under `timeout` and is stopped by its PID, and everything is removed at exit even
when a test fails (atexit + SIGTERM handler). Every wait is bounded in time.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vbrlib  # noqa: E402

REPO = vbrlib.REPO
DAEMON_TIMEOUT = 900  # seconds; `timeout` kills any daemon a crashed test left behind

_labs = []


@vbrlib.at_exit
def _cleanup():
    for lab in list(_labs):
        lab.close()


vbrlib.exit_on_sigterm()


def mkdtemp(prefix="vs-"):
    return vbrlib.mkdtemp(prefix)


def run(args, timeout=20, check=True, **kw):
    return subprocess.run(args, timeout=timeout, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw)


def wait_for(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a true value (returned) or timeout (AssertionError); an
    exception (a CLI not ready yet) counts as "not yet"."""
    return vbrlib.wait_for(pred, timeout, what=what, interval=interval)


class Proc:
    """A daemon started in a namespace; stopped by PID."""

    def __init__(self, argv, log_path, env=None, stdin=None):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                  env=env, start_new_session=True)

    def alive(self):
        return self.p.poll() is None

    def send(self, sig):
        """SIGKILL goes to the whole process group (`timeout` and the daemon under it: a
        killed `timeout` would leave its child running); other signals go to `timeout`, which
        passes them on."""
        if self.alive():
            try:
                if sig == signal.SIGKILL:
                    os.killpg(self.p.pid, sig)
                else:
                    os.kill(self.p.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal and wait; SIGKILL the process group if it does not exit in time."""
        vbrlib.stop_process(self.p, sig, timeout, send=self.send,
                            kill=lambda: self.send(signal.SIGKILL))  # our own session only
        self.log.close()
        return self.p.returncode

    def text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Lab:
    def __init__(self, hosts, prefix="vs"):
        """hosts: names, e.g. ["v", "bird", "gobgp"]; host i gets 10.10.0.(i+1). prefix: the
        start of every namespace and interface name (a helper's own, e.g. "f1"); the PID
        follows, so parallel runs never share a name (interface names stay under 16)."""
        self.tag = "%s%d" % (prefix, os.getpid())
        self.dir = mkdtemp("vs-lab-")
        self.hosts = {}
        self.procs = []
        self.closed = False
        _labs.append(self)
        sw = self.ns("sw")
        try:
            vbrlib.netns_add(sw, lo_up=False)
            run(["ip", "-n", sw, "link", "add", "br0", "type", "bridge"])
            run(["ip", "-n", sw, "link", "set", "br0", "up"])
            for i, h in enumerate(hosts):
                self.add_host(h, i + 1)
        except Exception:
            self.close()
            raise

    def ns(self, host):
        return "%s-%s" % (self.tag, host)

    def add_host(self, host, n):
        ns, sw = self.ns(host), self.ns("sw")
        ip = "10.10.0.%d" % n
        vbrlib.netns_add(ns)
        vbrlib.veth(ns, "eth0", ip + "/24", sw, "%sb%d" % (self.tag, n), None)
        run(["ip", "-n", sw, "link", "set", "%sb%d" % (self.tag, n), "master", "br0"])
        self.hosts[host] = ip
        return ip

    def ip(self, host):
        return self.hosts[host]

    def exec(self, host, args, timeout=20, check=True):
        return run(["ip", "netns", "exec", self.ns(host)] + list(args), timeout=timeout,
                   check=check)

    def spawn(self, host, args, name, env=None, stdin=None):
        argv = ["ip", "netns", "exec", self.ns(host), "timeout", str(DAEMON_TIMEOUT)] + list(args)
        p = Proc(argv, os.path.join(self.dir, name + ".log"), env=env, stdin=stdin)
        self.procs.append(p)
        return p

    def path(self, name):
        return os.path.join(self.dir, name)

    def close(self, finish=None):
        """Stops every process and removes the namespaces. `finish`: a daemon whose own
        finish() (clean stop, exit checks) runs first; the lab is closed even if it fails."""
        if finish is not None and not self.closed:
            try:
                finish.finish()
            finally:
                self.close()
            return
        if self.closed:
            return
        self.closed = True
        for p in self.procs:
            try:
                p.stop(timeout=8)
            except Exception:
                pass
        for h in list(self.hosts) + ["sw"]:
            vbrlib.netns_del(self.ns(h))
        if self in _labs:
            _labs.remove(self)


def kernel_bgp_routes(lab, host):
    """{prefix: gateway} of the proto bgp (186) routes in a host's main table."""
    out = {}
    for line in lab.exec(host, ["ip", "-4", "route", "show", "proto", "bgp"]).stdout.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "via":
            out[f[0]] = f[2]
    return out


def md5_counters(lab, host):
    """The kernel's TCP MD5 drop counters in a host's namespace, by name (Failure: signed with
    another key, NotFound: unsigned where a key is set, Unexpected: signed where none is)."""
    r = lab.exec(host, ["nstat", "-az", "TcpExtTCPMD5Failure", "TcpExtTCPMD5NotFound",
                        "TcpExtTCPMD5Unexpected"], check=False)
    return {k: int(v) for k, v in re.findall(r"^(TcpExt\S+)\s+(\d+)", r.stdout, re.M)}


# ---- BIRD 2 ----

class Bird:
    """BIRD 2 in a lab host, peering with vbrd as protocol `vbr`."""

    def __init__(self, lab, host, asn, neighbor, neighbor_asn=45104, routes=(), password=None,
                 extra="", include=None, name=None, hold=None,
                 timers="connect delay time 1; connect retry time 1; error wait time 1,5;",
                 bgp_extra=""):
        self.lab, self.host, self.asn = lab, host, asn
        self.name = name or "bird-" + host
        self.ctl = lab.path(self.name + ".ctl")
        self.conf = lab.path(self.name + ".conf")
        self.logfile = lab.path(self.name + ".log")
        ip = lab.ip(host)
        static = "".join("  route %s blackhole;\n" % r for r in routes)
        pw = 'password "%s";' % password if password else ""
        hold_s = "hold time %d; keepalive time %d;" % (hold, max(1, hold // 3)) if hold else ""
        inc = 'include "%s";' % include if include else ""
        with open(self.conf, "w") as f:
            f.write("""log "%(log)s" all;
router id %(ip)s;
protocol device {}
protocol static s4 { ipv4;
%(static)s}
%(inc)s
protocol bgp vbr { local %(ip)s as %(asn)d; neighbor %(nb)s as %(nbasn)d; %(pw)s %(hold)s
  %(timers)s %(bgp_extra)s
  ipv4 { import all; export all; }; }
%(extra)s
""" % dict(log=self.logfile, ip=ip, static=static, asn=asn, nb=neighbor, nbasn=neighbor_asn,
           pw=pw, extra=extra, inc=inc, hold=hold_s, timers=timers, bgp_extra=bgp_extra))
        self.proc = None

    def start(self, args=()):
        """args: more bird flags (-R: graceful-restart recovery after a kill)."""
        self.proc = self.lab.spawn(self.host, ["bird", "-f", "-c", self.conf, "-s", self.ctl,
                                               "-P", self.lab.path(self.name + ".pid")]
                                   + list(args), self.name + ".out")
        wait_for(lambda: self.cli("show status").find("Daemon is up") >= 0, 15,
                 what="bird up")
        return self

    def cli(self, cmd):
        return run(["birdc", "-s", self.ctl] + cmd.split(), timeout=20, check=False).stdout

    def state(self):
        """BGP state of protocol vbr: 'Established', 'Active', ..."""
        for line in self.cli("show protocols all vbr").splitlines():
            line = line.strip()
            if line.startswith("BGP state:"):
                return line.split(":", 1)[1].strip()
        return None

    def routes(self):
        """{prefix: {'as_path': [..], 'next_hop': ip}} learned from vbrd."""
        out = {}
        cur = None
        for line in self.cli("show route protocol vbr all").splitlines():
            if line and not line[0].isspace() and "/" in line.split()[0]:
                cur = line.split()[0]
                out[cur] = {}
            elif cur and "BGP.as_path:" in line:
                out[cur]["as_path"] = [int(x) for x in line.split(":", 1)[1].split()]
            elif cur and "BGP.next_hop:" in line:
                out[cur]["next_hop"] = line.split(":", 1)[1].strip()
        return out

    def log(self):
        try:
            with open(self.logfile) as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        """SIGKILL: the daemon dies without a NOTIFICATION (the kernel resets its sockets)."""
        self.proc.stop(sig=signal.SIGKILL)
        self.lab.procs.remove(self.proc)

    def stop(self):
        self.proc.stop()
        self.lab.procs.remove(self.proc)


    def bfd_sessions(self):
        """{peer ip: state} from `show bfd sessions` ('Up', 'Down', 'Init', ...)."""
        out = {}
        for line in self.cli("show bfd sessions").splitlines():
            f = line.split()
            if len(f) >= 3 and f[0].count(".") == 3:
                out[f[0]] = f[2]
        return out


# ---- FRR 8 (zebra + bfdd + bgpd; bgpd reaches bfdd only through zebra) ----

class Frr:
    """FRR in a lab host: bgpd peering with vbrd, BFD profile `fast` (interval ms x mult)."""

    def __init__(self, lab, host, asn, neighbor, neighbor_asn=45104, routes=(), bfd=True,
                 interval=100, mult=3, name=None, af_extra="", bgpd_tail=""):
        """af_extra: lines inside bgpd's `address-family ipv4 unicast`; bgpd_tail: lines after
        `router bgp` (route-maps)."""
        self.lab, self.host = lab, host
        self.name = name or "frr-" + host
        self.dir = lab.path(self.name)
        os.makedirs(self.dir, exist_ok=True)
        shutil.chown(self.dir, group="frrvty")
        os.chmod(self.dir, 0o775)
        ip = lab.ip(host)
        nets = "".join("  network %s\n" % r for r in routes)
        statics = "".join("ip route %s blackhole\n" % r for r in routes)
        bfd_lines = (" neighbor %s bfd\n neighbor %s bfd profile fast\n" % (neighbor, neighbor)
                     if bfd else "")
        files = {
            "zebra.conf": "hostname z\n" + statics,
            "bfdd.conf": "bfd\n profile fast\n  detect-multiplier %d\n  receive-interval %d\n"
                         "  transmit-interval %d\n !\n!\n" % (mult, interval, interval),
            "bgpd.conf": "router bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n"
                         " timers bgp 3 9\n neighbor %s remote-as %d\n neighbor %s timers connect 1\n"
                         "%s address-family ipv4 unicast\n%s%s exit-address-family\n%s"
                         % (asn, ip, neighbor, neighbor_asn, neighbor, bfd_lines, nets,
                            af_extra, bgpd_tail),
        }
        for fname, text in files.items():
            with open(os.path.join(self.dir, fname), "w") as f:
                f.write(text)
        self.procs = []

    def start(self):
        d = self.dir
        for daemon, extra in (("zebra", []), ("bfdd", ["--bfdctl", d + "/bfdd.sock"])):
            self._spawn(daemon, extra)
            if daemon == "zebra":
                wait_for(lambda: os.path.exists(d + "/zserv.api"), 15, what="zebra up")
        return self.start_bgpd()

    def _spawn(self, daemon, extra):
        d = self.dir
        common = ["-u", "root", "-g", "frrvty", "--vty_socket", d, "-A", "127.0.0.1", "-P", "0"]
        argv = ["/usr/lib/frr/" + daemon] + common + [
            "-f", "%s/%s.conf" % (d, daemon), "-i", "%s/%s.pid" % (d, daemon),
            "-z", d + "/zserv.api"] + extra
        p = self.lab.spawn(self.host, argv, "%s-%s" % (self.name, daemon))
        self.procs.append(p)
        return p

    def start_bgpd(self):
        """bgpd (again, after kill_bgpd: zebra and bfdd keep running)."""
        self.bgpd = self._spawn("bgpd", ["-S", "-n"])
        wait_for(lambda: self.vtysh("bgpd", "show bgp summary json").startswith("{"), 20,
                 what="bgpd up")
        return self

    def kill_bgpd(self):
        """SIGKILL bgpd alone: its sessions end without a NOTIFICATION."""
        self.bgpd.stop(sig=signal.SIGKILL)
        self.procs.remove(self.bgpd)
        self.lab.procs.remove(self.bgpd)

    def vtysh(self, daemon, cmd):
        return run(["vtysh", "--vty_socket", self.dir, "-d", daemon, "-c", cmd], timeout=20,
                   check=False).stdout

    def bfd_peers(self):
        """[peer dict] from `show bfd peers json` ('peer', 'status', 'diagnostic', ...)."""
        try:
            return json.loads(self.vtysh("bfdd", "show bfd peers json"))
        except ValueError:
            return []

    def bgp_state(self, neighbor):
        try:
            j = json.loads(self.vtysh("bgpd", "show bgp neighbors %s json" % neighbor))
        except ValueError:
            return None
        return j.get(neighbor, {}).get("bgpState")


# ---- GoBGP ----

class GoBgp:
    def __init__(self, lab, host, asn, neighbor, neighbor_asn=45104, password=None,
                 neighbor_extra=""):
        """neighbor_extra: TOML tables appended to the neighbor (graceful-restart, afi-safis)."""
        self.lab, self.host, self.asn = lab, host, asn
        self.name = "gobgp-" + host
        self.conf = lab.path(self.name + ".toml")
        ip = lab.ip(host)
        pw = '    auth-password = "%s"\n' % password if password else ""
        with open(self.conf, "w") as f:
            f.write("""[global.config]
  as = %d
  router-id = "%s"
  local-address-list = ["%s"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "%s"
    peer-as = %d
%s  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1
%s""" % (asn, ip, ip, neighbor, neighbor_asn, pw, neighbor_extra))
        self.neighbor = neighbor
        self.proc = None

    def start(self, args=()):
        """args: more gobgpd flags (-r: restarting, RFC 4724 R bit)."""
        self.proc = self.lab.spawn(self.host, ["gobgpd", "-f", self.conf, "--api-hosts",
                                               "127.0.0.1:50051", "--pprof-disable", "-p",
                                               "-l", "info"] + list(args), self.name + ".log")
        # One `gobgp global` made while gobgpd was starting hung for the whole 20 s in CI, so
        # the poll never tried again: each attempt now gets a short timeout of its own.
        wait_for(lambda: self.cli(["global"], timeout=3).returncode == 0, 30, what="gobgpd up")
        return self

    def cli(self, args, timeout=20):
        return self.lab.exec(self.host, ["gobgp"] + list(args), timeout=timeout, check=False)

    def kill(self):
        """SIGKILL: its sessions end without a NOTIFICATION; start() again brings it back."""
        self.proc.stop(sig=signal.SIGKILL)
        self.lab.procs.remove(self.proc)

    def neighbor_json(self):
        r = self.cli(["neighbor", self.neighbor, "-j"])
        return json.loads(r.stdout) if r.returncode == 0 else None

    def state(self):
        """'established', 'active', ... (GoBGP's session_state names)."""
        j = self.neighbor_json()
        if not j:
            return None
        st = j.get("state", {}).get("session_state")
        names = {1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm",
                 6: "established"}
        return names.get(st, st)

    def add_route(self, prefix, aspath=None):
        args = ["global", "rib", "add", prefix, "nexthop", self.lab.ip(self.host)]
        if aspath:
            args += ["aspath", ",".join(str(a) for a in aspath)]
        args += ["-a", "ipv4"]
        r = self.cli(args)
        assert r.returncode == 0, r.stdout

    def adj_in(self):
        """{prefix: {'as_path': [...], 'next_hop': ip}} received from vbrd."""
        r = self.cli(["neighbor", self.neighbor, "adj-in", "-j"])
        if r.returncode != 0 or not r.stdout.strip():
            return {}
        j = json.loads(r.stdout)
        out = {}
        for prefix, paths in (j or {}).items():
            p = paths[0]
            asp, nh = [], None
            for a in p.get("attrs", []):
                if a.get("type") == 2:
                    for seg in a.get("as_paths", []):
                        asp += seg.get("asns", [])
                elif a.get("type") == 3:
                    nh = a.get("nexthop")
            out[prefix] = {"as_path": asp, "next_hop": nh}
        return out

    def log(self):
        return self.proc.text() if self.proc else ""


# ---- ExaBGP ----

class ExaBgp:
    """ExaBGP 4.2 (connects out only). asn4=False makes it a 2-octet-only speaker."""

    def __init__(self, lab, host, asn, neighbor, neighbor_asn=45104, routes=(), asn4=True,
                 log_packets=False):
        self.lab, self.host = lab, host
        self.log_packets = log_packets  # every message's bytes in the log (wire checks)
        self.name = "exabgp-" + host
        self.root = mkdtemp("vs-exa-")
        os.makedirs(os.path.join(self.root, "run"))
        for f in ("exa.in", "exa.out"):
            os.mkfifo(os.path.join(self.root, "run", f))
        ip = lab.ip(host)
        self.conf = os.path.join(self.root, "exabgp.conf")
        # A route is "PREFIX" or "PREFIX as-path [ A B ]" (ExaBGP syntax after the prefix).
        static = "".join("    route %s next-hop self%s;\n" % (r.split(" ", 1)[0],
                                                            (" " + r.split(" ", 1)[1])
                                                            if " " in r else "")
                         for r in routes)
        cap = "  capability { asn4 disable; }\n" if not asn4 else ""
        with open(self.conf, "w") as f:
            f.write("""neighbor %s {
  router-id %s;
  local-address %s;
  local-as %d;
  peer-as %d;
%s  family { ipv4 unicast; }
  static {
%s  }
}
""" % (neighbor, ip, ip, asn, neighbor_asn, cap, static))

    def start(self):
        env = dict(os.environ, exabgp_daemon_user="root", exabgp_daemon_drop="false",
                   exabgp_api_pipename="exa", exabgp_log_destination="stdout",
                   exabgp_tcp_bind="", exabgp_daemon_daemonize="false")
        self.proc = self.lab.spawn(self.host, ["env", "exabgp_daemon_user=root",
                                               "exabgp_daemon_drop=false",
                                               "exabgp_api_pipename=exa",
                                               "exabgp_log_destination=stdout",
                                               "exabgp_tcp_bind=",
                                               "exabgp_log_packets=%s" %
                                               ("true" if self.log_packets else "false"),
                                               "exabgp_log_level=%s" %
                                               ("DEBUG" if self.log_packets else "INFO"),
                                               "exabgp", "--root", self.root, self.conf],
                                   self.name + ".log", env=env)
        return self

    def log(self):
        return self.proc.text()


# ---- OpenBGPD (portable 7.7) ----

class OpenBgpd:
    """OpenBGPD's bgpd in a lab host with one neighbor (vbrd). It chroots to its user's home
    (Debian: _openbgpd, /run/openbgpd), which only systemd creates: bgpd runs in a private
    mount namespace with a tmpfs on /run holding that folder, so a test creates nothing on the
    host. Its control socket (config `socket`) and log (-d -v: stderr) are in the lab folder."""

    def __init__(self, lab, host, asn, neighbor, neighbor_asn=45104, networks=(), password=None,
                 restart=False):
        self.lab, self.host, self.asn = lab, host, asn
        self.neighbor, self.neighbor_asn = neighbor, neighbor_asn
        self.password, self.restart = password, restart
        self.name = "openbgpd-" + host
        self.conf = lab.path(self.name + ".conf")
        self.sock = lab.path(self.name + ".sock")
        self.write(networks)
        self.proc = None

    def write(self, networks):
        ip = self.lab.ip(self.host)
        nets = "".join("network %s\n" % n for n in networks)
        md5 = '  tcp md5sig password "%s"\n' % self.password if self.password else ""
        gr = "  announce restart yes\n" if self.restart else ""
        with open(self.conf, "w") as f:
            f.write('AS %d\nrouter-id %s\nsocket "%s"\nlisten on %s\nconnect-retry 1\n%s'
                    "neighbor %s {\n  remote-as %d\n  local-address %s\n%s%s}\n"
                    "allow from any\nallow to any\n"
                    % (self.asn, ip, self.sock, ip, nets, self.neighbor, self.neighbor_asn, ip,
                       md5, gr))
        r = run(["bgpd", "-n", "-f", self.conf], check=False)
        assert r.returncode == 0, r.stdout

    def start(self):
        inner = ("mount -t tmpfs tmpfs /run && mkdir -m 755 /run/openbgpd && "
                 'exec bgpd -d -v -f "$0"')
        self.proc = self.lab.spawn(self.host, ["unshare", "--mount", "--propagation", "private",
                                               "sh", "-c", inner, self.conf], self.name + ".log")
        wait_for(lambda: self.cli(["show", "summary"]).returncode == 0, 15,
                 what="openbgpd up")
        return self

    def reload(self, networks):
        """New config with these networks, then `bgpctl reload` (bgpd re-reads it)."""
        self.write(networks)
        r = self.cli(["reload"])
        assert r.returncode == 0, r.stdout

    def up(self):
        """`bgpctl neighbor X up`: start the session now. After a NOTIFICATION bgpd holds the
        neighbor Idle for 30 s (no knob in 7.7) and accepts nothing meanwhile."""
        r = self.cli(["neighbor", self.neighbor, "up"])
        assert r.returncode == 0, r.stdout

    def cli(self, args, json_out=False):
        return run(["bgpctl", "-s", self.sock] + (["-j"] if json_out else []) + list(args),
                   timeout=20, check=False)

    def json(self, args):
        r = self.cli(args, json_out=True)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}

    def neighbor_info(self):
        for n in self.json(["show", "neighbor", self.neighbor]).get("neighbors", []):
            return n
        return {}

    def state(self):
        """'Established', 'Active', 'Idle', ... (bgpctl's names)."""
        return self.neighbor_info().get("state")

    def rib(self):
        """{prefix: {'as_path': [..], 'next_hop': ip}} of the routes learned from vbrd."""
        out = {}
        for r in self.json(["show", "rib", "neighbor", self.neighbor]).get("rib", []):
            asp = [int(a) for a in str(r.get("aspath", "")).split() if a.isdigit()]
            # exit_nexthop: the NEXT_HOP as received (true_nexthop is the resolved gateway).
            out[r["prefix"]] = {"as_path": asp, "next_hop": r.get("exit_nexthop")}
        return out

    def log(self):
        return self.proc.text() if self.proc else ""

    def stop(self):
        self.proc.stop()
        self.lab.procs.remove(self.proc)
