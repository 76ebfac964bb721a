"""
vbrd: run the real daemon for a test (inside a namespace, wrapped in `timeout`, stopped by PID)
and talk to it over its real gRPC API (Python stubs generated from our proto at test time).

The API listens on a unix socket in the run's work directory, so the test process reaches it
from the host namespace while BGP runs inside the daemon's namespace.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import vbrlib  # noqa: E402

REPO = vbrlib.REPO
SANITIZER_MARKS = vbrlib.SANITIZER_MARKS

pb = None
pb_grpc = None
grpc = None


def load_stubs(out_dir):
    """protoc -> out_dir/vbr/v1/vbr_pb2*.py, imported as modules `pb` and `pb_grpc`."""
    global pb, pb_grpc, grpc
    s = vbrlib.stubs(out_dir=out_dir)
    grpc, pb, pb_grpc = s.grpc, s.pb, s.pbg


class Daemon:
    """One vbrd process in namespace `ns` with its state in workdir/state."""

    def __init__(self, binary, ns, workdir, router_id, max_peers=200, extra=(), limit_s=1800,
                 state_dir=None, name="vbrd", wrapper=()):
        self.binary = binary
        self.ns = ns
        self.workdir = workdir
        self.router_id = router_id
        self.max_peers = max_peers
        self.extra = list(extra)
        self.wrapper = list(wrapper)  # e.g. valgrind and its options, run in vbrd's place
        self.limit_s = limit_s
        self.state_dir = state_dir or os.path.join(workdir, "state")
        self.sock = os.path.join(workdir, f"{name}.sock")
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.proc = None
        self.starts = 0
        self.exit_codes = []

    @property
    def target(self):
        return f"unix:{self.sock}"

    def start(self, env_extra=None):
        os.makedirs(self.state_dir, exist_ok=True)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        log = open(self.log_path, "a")
        log.write(f"---- start {self.starts} at {time.strftime('%H:%M:%S')}\n")
        log.flush()
        # A kill -9 never reaches LeakSanitizer; a graceful stop does, and its report lands in
        # the log, which the suites check after the final SIGTERM.
        env = vbrlib.vbrd_env(asan="detect_leaks=1:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        env.update(env_extra or {})
        cmd = ["ip", "netns", "exec", self.ns, "timeout", "-s", "KILL", str(self.limit_s),
               *self.wrapper, self.binary, "--api", self.target, "--state-dir", self.state_dir,
               "--router-id", self.router_id, "--max-peers", str(self.max_peers)] + self.extra
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self.starts += 1

    def pid(self):
        """PID of vbrd itself (the child of `timeout`), or None."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except FileNotFoundError:
                return None
            time.sleep(0.01)
        return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect(self, timeout=20):
        """An Api on the daemon once its socket exists and it answers (a channel made before
        the socket exists would sit in gRPC's reconnect back-off)."""
        deadline = time.time() + timeout
        while not os.path.exists(self.sock) and time.time() < deadline:
            if not self.alive():
                break
            time.sleep(0.01)
        api = Api(self.target)
        try:
            self.wait_ready(api, max(1.0, deadline - time.time()))
        except BaseException:
            api.close()
            raise
        return api

    def wait_ready(self, api, timeout=20):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"vbrd exited with {self.proc.returncode} before it was "
                                   f"ready; log:\n{self.log_tail()}")
            try:
                api.stub.GetRouter(pb.GetRouterRequest(), timeout=1)
                return
            except grpc.RpcError as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError(f"vbrd not ready in {timeout}s: {last}")

    def kill9(self):
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.exit_codes.append(("kill9", self.proc.returncode))

    def stop(self, timeout=15):
        """SIGTERM by PID; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            pid = self.pid()
            if pid:
                os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pid = self.pid()
                if pid:
                    os.kill(pid, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.exit_codes.append(("stop", self.proc.returncode))
        return self.proc.returncode

    def rss_kb(self):
        pid = self.pid()
        if not pid:
            return None
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except FileNotFoundError:
            return ""

    def sanitizer_reports(self):
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        return vbrlib.sanitizer_lines(text)


class Api:
    """The generated stub plus the few helpers every suite needs."""

    def __init__(self, target):
        self.channel = grpc.insecure_channel(target, options=[
            ("grpc.max_receive_message_length", 64 << 20),
            # Daemons are restarted on purpose here: reconnect at once, not after seconds.
            ("grpc.initial_reconnect_backoff_ms", 50),
            ("grpc.min_reconnect_backoff_ms", 50),
            ("grpc.max_reconnect_backoff_ms", 500)])
        self.stub = pb_grpc.VirtualBorderRouterStub(self.channel)

    def close(self):
        self.channel.close()

    def create_group(self, name, peer_asn, hold=3, keepalive=1, **kw):
        req = pb.CreateBgpGroupRequest(name=name, peer_asn=peer_asn, hold_time=hold,
                                       keepalive_time=keepalive, **kw)
        return self.stub.CreateBgpGroup(req, timeout=10)

    def create_peer(self, group_id, ip, **kw):
        return self.stub.CreateBgpPeer(pb.CreateBgpPeerRequest(group_id=group_id, peer_ip=ip,
                                                               **kw), timeout=10)

    def delete_peer(self, peer_id):
        return self.stub.DeleteBgpPeer(pb.DeleteBgpPeerRequest(id=peer_id), timeout=10)

    def peer(self, peer_id):
        return self.stub.GetBgpPeer(pb.GetBgpPeerRequest(id=peer_id), timeout=10)

    def routes(self, peer_id, advertised=False):
        """Every received (or advertised) route of a peer, all pages, as {prefix: Route}."""
        out = {}
        token = ""
        direction = (pb.ROUTE_DIRECTION_ADVERTISED if advertised
                     else pb.ROUTE_DIRECTION_RECEIVED)
        for _ in range(10000):
            resp = self.stub.ListRoutes(pb.ListRoutesRequest(
                peer_id=peer_id, direction=direction, page_size=1000, page_token=token),
                timeout=10)
            for r in resp.routes:
                out[r.prefix] = r
            token = resp.next_page_token
            if not token:
                break
        return out

    def list_all(self, method, request_cls, field, **kw):
        items = []
        token = ""
        for _ in range(10000):
            resp = getattr(self.stub, method)(request_cls(page_size=100, page_token=token, **kw),
                                              timeout=10)
            items.extend(getattr(resp, field))
            token = resp.next_page_token
            if not token:
                break
        return items

    def wait_state(self, peer_id, state, timeout=10):
        deadline = time.time() + timeout
        p = None
        while time.time() < deadline:
            p = self.peer(peer_id)
            if p.session_state == state:
                return p
            time.sleep(0.05)
        return p

    def wait_routes(self, peer_id, pred, timeout=5):
        """Polls ListRoutes until pred(routes) holds; returns the last routes seen."""
        deadline = time.time() + timeout
        routes = {}
        while time.time() < deadline:
            routes = self.routes(peer_id)
            if pred(routes):
                return routes
            time.sleep(0.03)
        return routes
