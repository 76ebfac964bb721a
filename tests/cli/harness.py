"""harness: what the vbrctl integration tests share.

Generates Python stubs from proto/ at test time (nothing generated is committed) so the tests
can compare vbrctl's JSON with what the API itself returns; starts real vbrd processes, each with
its own temp state dir, API address and loopback BGP port, and stops them by PID (SIGTERM, then
SIGKILL) at exit even when a test fails; runs vbrctl with a bounded timeout. A daemon that gets
peers runs in a private network namespace (unshare --net, loopback only), so its connection
attempts to the 10.77.0.0/16 peers the tests create fail there and reach no network.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vbrlib  # noqa: E402

PATHS = {"vbrd": None, "vbrctl": None, "proto": None, "completion": None}

START_TIMEOUT = 30.0
RUN_TIMEOUT = 30.0

grpc = pb = pbg = json_format = None

_daemons = set()


@vbrlib.at_exit
def _cleanup():
    for d in list(_daemons):
        d.close()


vbrlib.exit_on_sigterm()


def mkdtemp(prefix="vc-"):
    return vbrlib.mkdtemp(prefix)  # short: unix socket paths


def load_stubs():
    global grpc, pb, pbg, json_format
    s = vbrlib.stubs(proto_dir=PATHS["proto"] or vbrlib.PROTO)
    grpc, pb, pbg, json_format = s.grpc, s.pb, s.pbg, s.json_format


def as_json(msg):
    """The proto3 JSON mapping of a message, default values included (what vbrctl prints)."""
    return json_format.MessageToDict(msg, including_default_value_fields=True)


free_port = vbrlib.free_port
can_sandbox = vbrlib.can_sandbox


class Daemon:
    """One vbrd. api: "unix" (a socket in its temp dir) or "tcp" (127.0.0.1:free port)."""

    def __init__(self, api="unix", args=(), sandbox=False):
        load_stubs()
        self.work = mkdtemp()
        self.api = ("unix:" + os.path.join(self.work, "api.sock") if api == "unix"
                    else "127.0.0.1:%d" % free_port())
        self.args = list(args)
        self.sandbox = sandbox
        self.proc = None
        self.channel = None
        self.stub = None

    def start(self):
        argv = [PATHS["vbrd"], "--api", self.api, "--state-dir", os.path.join(self.work, "state"),
                "--bgp-listen", "127.0.0.1:%d" % free_port()] + self.args
        if self.sandbox:
            # unshare -> sh -> exec vbrd keeps one PID, so signals reach vbrd itself.
            argv = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"'] + argv
        self.stderr_path = os.path.join(self.work, "stderr")
        env = vbrlib.vbrd_env()
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, env=env)
        _daemons.add(self)
        self.wait_ready()
        return self

    def connect(self, credentials=None, options=()):
        target = self.api
        if credentials is not None:
            return grpc.secure_channel(target, credentials, options=options)
        return grpc.insecure_channel(target)

    def wait_ready(self):
        def probe():
            if self.stub is None:
                self.channel = self.connect()
                self.stub = pbg.VirtualBorderRouterStub(self.channel)
            return self.stub.GetRouter(pb.GetRouterRequest(), timeout=1.0) is not None

        def reset(_error):
            self.channel.close()
            self.channel = self.stub = None
        vbrlib.wait_serving(self.proc.poll, probe, START_TIMEOUT, log=self.stderr,
                            on_error=reset)

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def call(self, method, request):
        return getattr(self.stub, method)(request, timeout=10.0)

    def list_all(self, method, request, field):
        """Every item of a List RPC, following page tokens (bounded)."""
        items = []
        for _ in range(10000):
            resp = self.call(method, request)
            items.extend(getattr(resp, field))
            if not resp.next_page_token:
                return items
            request.page_token = resp.next_page_token
        raise AssertionError("%s: too many pages" % method)

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.channel is not None:
            self.channel.close()
            self.channel = self.stub = None
        if self.proc is None:
            return None
        return vbrlib.stop_process(self.proc, sig, timeout)

    def close(self):
        self.stop()
        _daemons.discard(self)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "rc=%s\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out, self.err)

    def json(self):
        return json.loads(self.out)


def vbrctl(*args, server=None, env=None, timeout=RUN_TIMEOUT):
    """Runs vbrctl to completion; its server comes from VBRCTL_SERVER unless args say."""
    e = dict(os.environ)
    e.pop("VBRCTL_SERVER", None)
    e.pop("NO_COLOR", None)
    if server:
        e["VBRCTL_SERVER"] = server
    if env:
        e.update(env)
    p = subprocess.run([PATHS["vbrctl"]] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       capture_output=True, env=e, timeout=timeout)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def table(text):
    """A printed table as a list of rows, each a list of cells (cells are 2+ spaces apart)."""
    import re
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def details(text):
    """A detail view ("Label:  value" lines) as a dict."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


class Watch:
    """`vbrctl watch ...` running in the background; lines are read with a bounded wait."""

    def __init__(self, *args, server):
        e = dict(os.environ)
        e["VBRCTL_SERVER"] = server
        self.proc = subprocess.Popen([PATHS["vbrctl"], "watch"] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e)
        self.buf = b""

    def line(self, timeout=10.0):
        import select
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no line from vbrctl watch within %.0fs (got %r)"
                                     % (timeout, self.buf))
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError("vbrctl watch ended (rc %s): %s"
                                         % (self.proc.wait(5), self.proc.stderr.read()))
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def until(self, predicate, timeout=10.0):
        """Lines until one satisfies predicate; returns (that line, the lines before)."""
        seen = []
        deadline = time.time() + timeout
        while True:
            line = self.line(max(0.1, deadline - time.time()))
            if predicate(line):
                return line, seen
            seen.append(line)

    def interrupt(self, timeout=10.0):
        """Ctrl-C; returns (exit code, rest of stdout, stderr)."""
        self.proc.send_signal(signal.SIGINT)
        return self.finish(timeout)

    def finish(self, timeout=10.0):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=10)
            raise AssertionError("vbrctl watch did not exit within %.0fs" % timeout)
        return self.proc.returncode, (self.buf + out).decode(), err.decode()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
