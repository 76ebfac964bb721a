"""vbrtest: the harness of vbrd's API integration tests.

Generates Python stubs from proto/ at test time (nothing generated is committed), starts a real
build/vbrd per test with its own temp state dir, a unix-socket API and a loopback BGP listen
address, and always stops it by PID (SIGTERM, then SIGKILL) even when the test fails. Every
wait here is bounded in time.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vbrlib  # noqa: E402

REPO = vbrlib.REPO

# Set by run.py from the command line (CMake passes $<TARGET_FILE:vbrd>).
VBRD = vbrlib.vbrd_binary()
VALGRIND_SUPP = os.environ.get("VBRD_VALGRIND_SUPP", "")

CALL_TIMEOUT = 10.0       # every RPC carries a deadline
START_TIMEOUT = 30.0      # vbrd answers health checks within this
STOP_TIMEOUT = 20.0       # vbrd exits after SIGTERM within this

grpc = None
pb = None        # vbr.v1 messages
pbg = None       # vbr.v1 service stubs
hpb = None       # grpc.health.v1 messages
hpbg = None      # grpc.health.v1 stubs
field_mask_pb2 = None
GEN_DIR = None   # where generate_stubs put the modules (child processes import from it)
empty_pb2 = None

_live_daemons = set()


@vbrlib.at_exit
def _cleanup_all():
    for d in list(_live_daemons):
        d.close()


def mkdtemp(prefix="va-"):
    """A temp folder removed when the test process exits (short path: unix sockets)."""
    return vbrlib.mkdtemp(prefix)


def generate_stubs():
    """The API and health stubs (vbrlib.stubs), as this module's names."""
    global grpc, pb, pbg, hpb, hpbg, field_mask_pb2, empty_pb2, GEN_DIR
    s = vbrlib.stubs()
    grpc, pb, pbg, hpb, hpbg = s.grpc, s.pb, s.pbg, s.hpb, s.hpbg
    field_mask_pb2, empty_pb2, GEN_DIR = s.field_mask_pb2, s.empty_pb2, s.gen_dir


free_port = vbrlib.free_port


class Api:
    """A stub whose calls carry a deadline unless the caller gives one."""

    def __init__(self, stub):
        self._stub = stub

    def __getattr__(self, name):
        method = getattr(self._stub, name)

        def call(*args, **kw):
            kw.setdefault("timeout", CALL_TIMEOUT)
            return method(*args, **kw)
        call.future = lambda *a, **kw: method.future(*a, **dict({"timeout": CALL_TIMEOUT}, **kw))
        call.raw = method
        return call


can_sandbox = vbrlib.can_sandbox


class Daemon:
    """One vbrd process: its own work folder, state dir, API socket and BGP port.

    With a unix-socket API (the default) and root, vbrd runs in a network namespace of its own
    (unshare --net, loopback only): whatever peers a test creates, vbrd's connections to them
    fail inside that namespace and never reach any network. The process keeps one PID through
    unshare -> sh -> exec vbrd, so signals go straight to vbrd."""

    def __init__(self, state_dir=None, api=None, args=(), env=None, bgp_listen=None,
                 valgrind=None, pass_api=True, pass_bgp=True, pass_state=True, sandbox=None,
                 run_as=None, netns_setup=None):
        generate_stubs()
        self.work = mkdtemp()
        self.state_dir = state_dir or os.path.join(self.work, "state")
        if state_dir is None:
            os.makedirs(self.state_dir)
        self.api_addr = api or "unix:" + os.path.join(self.work, "api.sock")
        self.bgp_listen = bgp_listen or "127.0.0.1:%d" % free_port()
        self.extra_args = list(args)
        self.env = env
        self.valgrind = valgrind  # list of valgrind args, or None
        self.pass_api, self.pass_bgp, self.pass_state = pass_api, pass_bgp, pass_state
        if sandbox is None:
            sandbox = self.api_addr.startswith("unix:") and bool(can_sandbox())
        self.sandbox = sandbox
        self.run_as = run_as  # (uid, gid): drop root with setpriv before exec'ing vbrd
        # Shell commands run in vbrd's private namespace before it starts (interfaces the
        # route table sees as connected networks); only with the sandbox.
        self.netns_setup = netns_setup
        self.proc = None
        self.channel = None
        self.starts = 0

    # --- process control ---

    def argv(self):
        a = [VBRD]
        if self.pass_api:
            a += ["--api", self.api_addr]
        if self.pass_bgp:
            a += ["--bgp-listen", self.bgp_listen]
        if self.pass_state:
            a += ["--state-dir", self.state_dir]
        a += self.extra_args
        if self.valgrind is not None:
            a = ["valgrind"] + self.valgrind + a
        if self.run_as is not None:
            a = ["setpriv", "--reuid=%d" % self.run_as[0], "--regid=%d" % self.run_as[1],
                 "--clear-groups", "--"] + a
        if self.sandbox:
            setup = "ip link set lo up && "
            if self.netns_setup:
                setup += self.netns_setup + " && "
            a = ["unshare", "--net", "--", "sh", "-c", setup + 'exec "$0" "$@"'] + a
        if shutil.which("setpriv"):
            # If this test process is killed (a ctest timeout), vbrd goes with it.
            a = ["setpriv", "--pdeathsig", "KILL", "--"] + a
        return a

    def start(self, wait=True, timeout=START_TIMEOUT):
        assert self.proc is None or self.proc.poll() is not None
        self.starts += 1
        self.stderr_path = os.path.join(self.work, "stderr.%d" % self.starts)
        self.stdout_path = os.path.join(self.work, "stdout.%d" % self.starts)
        env = vbrlib.vbrd_env(self.env)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=env)
        self.start_wall = time.time()
        _live_daemons.add(self)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        """Until the health service answers SERVING; fails if vbrd exits first."""
        vbrlib.wait_serving(
            self.proc.poll,
            lambda: self.health().Check(hpb.HealthCheckRequest(service=""), timeout=1.0)
            .status == hpb.HealthCheckResponse.SERVING,
            timeout, log=self.stderr, on_error=lambda e: self._drop_channel())

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Signal vbrd and return its exit code (None if it did not exit in time)."""
        self._drop_channel()
        if self.proc is None:
            return None
        return vbrlib.stop_process(self.proc, sig, timeout)

    def kill9(self):
        self._drop_channel()
        self.proc.kill()
        self.proc.wait(10)

    def close(self):
        self._drop_channel()
        if self.proc is not None:
            vbrlib.stop_process(self.proc, signal.SIGTERM, 5)
        _live_daemons.discard(self)

    SANITIZER_MARKS = vbrlib.SANITIZER_MARKS

    def sanitizer_reports(self):
        """Sanitizer findings in the stderr of every run of this daemon (ASan/UBSan builds)."""
        found = []
        for i in range(1, self.starts + 1):
            try:
                with open(os.path.join(self.work, "stderr.%d" % i), "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if any(m in text for m in self.SANITIZER_MARKS):
                found.append("run %d:\n%s" % (i, text[-6000:]))
        return found

    def finish(self):
        """Stops a still-running vbrd gracefully and returns problems: a non-zero exit from
        SIGTERM, or any sanitizer report from any of its runs."""
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            self._drop_channel()
            rc = vbrlib.stop_process(self.proc, signal.SIGTERM, STOP_TIMEOUT)
            if rc is None:
                problems.append("vbrd did not exit within %ss of SIGTERM" % STOP_TIMEOUT)
            elif rc != 0:
                problems.append("vbrd exited %s after SIGTERM; stderr:\n%s"
                                % (rc, self.stderr()[-6000:]))
        problems += self.sanitizer_reports()
        self.close()
        return problems

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # --- clients ---

    def _channel(self):
        if self.channel is None:
            self.channel = grpc.insecure_channel(self.api_addr)
        return self.channel

    def _drop_channel(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def new_channel(self, options=()):
        return grpc.insecure_channel(self.api_addr, options=list(options))

    def api(self):
        return Api(pbg.VirtualBorderRouterStub(self._channel()))

    def health(self):
        return hpbg.HealthStub(self._channel())

    # --- state files ---

    def state_files(self):
        """Regular files in the state dir but lock files and the FIB marker (fib-routes,
        written only once routes reach the kernel): the state file, once something was stored
        (and any temp file left behind)."""
        out = []
        for n in sorted(os.listdir(self.state_dir)):
            p = os.path.join(self.state_dir, n)
            if os.path.isfile(p) and not os.path.islink(p) and "lock" not in n \
                    and not n.startswith("fib-routes"):
                out.append(p)
        return out


class DaemonTest(unittest.TestCase):
    """Each test gets its own vbrd (self.d) and a client (self.api)."""

    daemon_args = ()
    netns_setup = None  # see Daemon

    def setUp(self):
        self.d = self.daemon(args=self.daemon_args, netns_setup=self.netns_setup)
        self.api = self.d.api()

    def daemon(self, start=True, **kw):
        d = Daemon(**kw)
        self.addCleanup(self._finish_daemon, d)
        if start:
            d.start()
        return d

    def _finish_daemon(self, d):
        problems = d.finish()
        if problems:
            self.fail("\n".join(problems))

    def tearDown(self):
        # A daemon that died during the test is a failure of its own, whatever the test said.
        for d in list(_live_daemons):
            if d.proc is not None and d.proc.poll() is not None and d.proc.returncode < 0 \
                    and d.proc.returncode not in (-signal.SIGKILL,):
                self.fail("vbrd died with signal %d; stderr:\n%s"
                          % (-d.proc.returncode, d.stderr()))

    def assertRpcError(self, code, fn, *args, contains=(), **kw):
        """fn(*args) fails with this gRPC code and a message holding every `contains` string."""
        with self.assertRaises(grpc.RpcError, msg="expected %s" % code) as cm:
            fn(*args, **kw)
        e = cm.exception
        details = e.details() or ""
        self.assertEqual(e.code(), code, "got %s: %r" % (e.code(), details))
        for s in contains:
            self.assertIn(s.lower(), details.lower(),
                          "message %r should name %r" % (details, s))
        return e

    # --- convenience creators ---

    _n = 0

    def uniq(self, prefix="g"):
        DaemonTest._n += 1
        return "%s%d" % (prefix, DaemonTest._n)

    def group(self, api=None, **kw):
        kw.setdefault("name", self.uniq("grp"))
        kw.setdefault("peer_asn", 65001)
        return (api or self.api).CreateBgpGroup(pb.CreateBgpGroupRequest(**kw))

    def peer(self, group_id, ip, api=None, **kw):
        if not can_sandbox():
            self.skipTest("peers need vbrd in a private network namespace (root, unshare)")
        return (api or self.api).CreateBgpPeer(
            pb.CreateBgpPeerRequest(group_id=group_id, peer_ip=ip, **kw))

    def list_all(self, method, req_cls, field, page_size=0, **kw):
        """Every item of a paged list, following next_page_token (bounded)."""
        items, token = [], ""
        for _ in range(10000):
            r = method(req_cls(page_size=page_size, page_token=token, **kw))
            items.extend(getattr(r, field))
            token = r.next_page_token
            if not token:
                return items
        self.fail("paging did not end")


def peer_ip(i):
    """A peer address in 10.99.0.0/16. vbrd runs in a private network namespace with only a
    loopback interface (see Daemon), so connecting to it never leaves the machine."""
    return "10.99.%d.%d" % (10 + i // 250, 2 + i % 250)


def mask(*paths):
    return field_mask_pb2.FieldMask(paths=list(paths))


def wait_until(pred, timeout, interval=0.05):
    """pred()'s first true value within timeout, else its last value (vbrlib.poll)."""
    return vbrlib.poll(pred, timeout, interval)
