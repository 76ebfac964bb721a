"""vbrlib: what every Python test helper under tests/ shares, written once.

The suites' own helpers (tests/api/vbrtest.py, tests/cli/harness.py, tests/sessions/lab.py and
vbrapi.py, tests/bfd/failover_lab.py, tests/deploy/dlib.py, tests/reliability/lib/) keep their
names and add what is particular to them; this module is the part they all had a copy of:

- temp folders and clean-ups that run at exit, also after ctest's SIGTERM (exit_on_sigterm);
- the Python stubs, generated from proto/ at test time into a temp folder (never committed);
- starting vbrd: its environment (sanitizer options), a free loopback port, whether it can run
  in a private network namespace, the wait until its API answers;
- stopping a process by its PID: a signal, a bounded wait, then SIGKILL;
- network namespaces and veth pairs;
- bounded waits, and the sanitizer reports a vbrd log must not hold.

Every wait here is bounded in time.
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types

LIB = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(LIB, "..", ".."))
PROTO = os.path.join(REPO, "proto")


def vbrd_binary():
    """The vbrd under test: $VBRD (CMake passes $<TARGET_FILE:vbrd>), else build/vbrd."""
    return os.environ.get("VBRD", os.path.join(REPO, "build", "vbrd"))


# ---- clean-ups and temp folders ----

_cleanups = []  # run last-in first-out at exit
_tmp_dirs = []


def at_exit(fn):
    """fn() runs at exit (after a SIGTERM too, see exit_on_sigterm), newest first; an
    exception in one does not stop the others."""
    _cleanups.append(fn)
    return fn


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # clean-up must go on
            print("cleanup: %s" % e, file=sys.stderr)
    for d in _tmp_dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_run_cleanups)


def exit_on_sigterm(code=None):
    """A SIGTERM (ctest's timeout) exits through sys.exit, so the clean-ups still run: with
    `code`, or 128 + the signal number."""
    signal.signal(signal.SIGTERM,
                  lambda signum, frame: sys.exit(code if code is not None else 128 + signum))


def mkdtemp(prefix="vt-"):
    """A temp folder under /tmp (short paths: unix sockets) removed at exit."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    _tmp_dirs.append(d)
    return d


# ---- generated stubs ----

_stubs = None


def stubs(out_dir=None, proto_dir=PROTO):
    """protoc vbr/v1/vbr.proto and the gRPC health proto, once per process, and import them.
    Returns a namespace: grpc, pb, pbg (vbr.v1 messages and stubs), hpb, hpbg (health),
    field_mask_pb2, empty_pb2, json_format and gen_dir. out_dir: generate there (kept across
    runs: done again only when the proto is newer), else into a temp folder."""
    global _stubs
    if _stubs is not None:
        return _stubs
    out = out_dir or mkdtemp("vt-gen-")
    os.makedirs(out, exist_ok=True)
    base = ["protoc", "--python_out=" + out, "--grpc_python_out=" + out,
            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", "-I", "/usr/include"]
    vbr_proto = os.path.join(proto_dir, "vbr", "v1", "vbr.proto")
    made = os.path.join(out, "vbr", "v1", "vbr_pb2_grpc.py")
    if not os.path.exists(made) or os.path.getmtime(made) < os.path.getmtime(vbr_proto):
        subprocess.run(base + ["-I", proto_dir, "vbr/v1/vbr.proto"], check=True, cwd=proto_dir,
                       timeout=60)
    # grpc/health/v1/health_pb2 would collide with the grpc package itself: generate it from
    # a copy at the top level (its proto package, grpc.health.v1, is unchanged).
    hsrc = os.path.join(out, "hsrc")
    if not os.path.exists(os.path.join(out, "health_pb2.py")):
        os.makedirs(hsrc, exist_ok=True)
        shutil.copy(os.path.join(proto_dir, "grpc", "health", "v1", "health.proto"), hsrc)
        subprocess.run(base + ["-I", hsrc, "health.proto"], check=True, cwd=hsrc, timeout=60)
    sys.path.insert(0, out)
    import grpc
    from google.protobuf import empty_pb2, field_mask_pb2, json_format
    from vbr.v1 import vbr_pb2, vbr_pb2_grpc
    import health_pb2
    import health_pb2_grpc
    _stubs = types.SimpleNamespace(grpc=grpc, pb=vbr_pb2, pbg=vbr_pb2_grpc, hpb=health_pb2,
                                   hpbg=health_pb2_grpc, field_mask_pb2=field_mask_pb2,
                                   empty_pb2=empty_pb2, json_format=json_format, gen_dir=out)
    return _stubs


# ---- starting vbrd ----

def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_sandbox():
    """Root with unshare and ip: vbrd can run in a network namespace of its own."""
    return os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip")


def vbrd_env(extra=None, asan="detect_leaks=1:abort_on_error=0", base=None):
    """The environment vbrd runs with: ASan builds report leaks at exit (harmless for plain
    builds); a value the caller's environment already has wins, `extra` wins over both."""
    env = dict(os.environ if base is None else base)
    env.setdefault("ASAN_OPTIONS", asan)
    env.update(extra or {})
    return env


def wait_serving(exit_code, probe, timeout, log=lambda: "", on_error=None):
    """Until probe() returns true, with gRPC errors counted as "not yet" (on_error(e) is
    called on each, to drop a channel); AssertionError when the process exits first
    (exit_code() is its exit code, None while it runs) or after `timeout` seconds."""
    grpc = stubs().grpc
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        rc = exit_code()
        if rc is not None:
            raise AssertionError("vbrd exited with %s before serving; log:\n%s" % (rc, log()))
        try:
            if probe():
                return
            last = "not serving yet"
        except grpc.RpcError as e:
            last = "%s %s" % (e.code(), e.details())
            if on_error:
                on_error(e)
        time.sleep(0.05)
    raise AssertionError("vbrd not serving after %.0fs (%s); log:\n%s" % (timeout, last, log()))


# ---- stopping by PID ----

def stop_process(proc, sig=signal.SIGTERM, timeout=20.0, send=None, kill=None):
    """Sends sig to proc (a Popen) if it runs (send(sig), default proc.send_signal) and waits
    up to `timeout`; if it is still there, kill() (default: SIGKILL to proc) and a last
    bounded wait. Returns the exit code it reached in time, None when it had to be killed
    (proc.returncode holds the final one)."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        (send or proc.send_signal)(sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        (kill or proc.kill)()
        proc.wait(10)
        return None


SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "ThreadSanitizer",
                   "UndefinedBehaviorSanitizer", "runtime error:")


def sanitizer_lines(text):
    """The lines of a log that report a sanitizer finding (ASan, LSan, UBSan, TSan)."""
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKS)]


# ---- network namespaces ----

def ip(*args, check=True):
    """Runs `ip ARGS` (bounded); RuntimeError with its stderr when check and it fails."""
    r = subprocess.run(["ip"] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s failed (%d): %s" % (" ".join(map(str, args)), r.returncode,
                                                      r.stderr.strip()))
    return r.stdout


def netns_add(name, lo_up=True):
    ip("netns", "add", name)
    if lo_up:
        ip("-n", name, "link", "set", "lo", "up")
    return name


def netns_del(name):
    """Removes a namespace (and the veth ends in it); no error if it is gone already."""
    subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)


def veth(ns_a, dev_a, cidr_a, ns_b, dev_b, cidr_b):
    """A veth pair made inside ns_a with its other end in ns_b, both up, one address (or
    None) on each end."""
    ip("-n", ns_a, "link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", ns_b)
    for ns, dev, cidr in ((ns_a, dev_a, cidr_a), (ns_b, dev_b, cidr_b)):
        if cidr:
            ip("-n", ns, "addr", "add", cidr, "dev", dev)
        ip("-n", ns, "link", "set", dev, "up")


# ---- waits ----

def wait_for(pred, timeout, what="condition", interval=0.05):
    """Polls pred() until it returns a true value (returned); an exception from it counts as
    "not yet". AssertionError naming `what` and the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = pred()
            if v:
                return v
            last = v
        except Exception as e:
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s (last: %r)"
                                 % (timeout, what, last))
        time.sleep(interval)


def poll(pred, timeout, interval=0.05):
    """Polls pred() until it returns a true value or `timeout` passes; returns its last value
    (no exception: the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()
