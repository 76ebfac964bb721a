"""vbrapi: run vbrd in a lab namespace and drive it only through its gRPC API.

Python stubs are generated from proto/vbr/v1/vbr.proto at test time into a temp folder (never
committed). vbrd's API is a unix socket (reachable from the host whatever namespace vbrd is
in); its BGP side lives in the namespace with the peers.
"""
import os
import queue
import signal
import threading

import lab as L
import vbrlib

VBRD = vbrlib.vbrd_binary()
CALL_TIMEOUT = 10.0

grpc = pb = pbg = field_mask_pb2 = None


def generate_stubs():
    global grpc, pb, pbg, field_mask_pb2
    s = vbrlib.stubs()
    grpc, pb, pbg, field_mask_pb2 = s.grpc, s.pb, s.pbg, s.field_mask_pb2


class Vbrd:
    def __init__(self, lab, host, args=()):
        generate_stubs()
        self.lab, self.host = lab, host
        self.work = L.mkdtemp("vs-vbrd-")
        self.sock = os.path.join(self.work, "api.sock")
        self.state = os.path.join(self.work, "state")
        ip = lab.ip(host)
        self.argv = [VBRD, "--api", "unix:" + self.sock, "--bgp-listen", ip + ":179",
                     "--router-id", ip, "--state-dir", self.state] + list(args)
        self.base_argv = list(self.argv)
        self.proc = None
        self.channel = None
        self.starts = 0

    def start(self):
        self.starts += 1
        env = vbrlib.vbrd_env(asan="detect_leaks=1")
        self.proc = self.lab.spawn(self.host, self.argv, "vbrd.%d" % self.starts, env=env)
        self.channel = grpc.insecure_channel("unix:" + self.sock)
        self.stub = pbg.VirtualBorderRouterStub(self.channel)

        def fresh_channel(_error):
            # A failed channel waits out gRPC's reconnect backoff (1 s, then longer), which
            # made every start look seconds slower than it is.
            self.channel.close()
            self.channel = grpc.insecure_channel("unix:" + self.sock)
            self.stub = pbg.VirtualBorderRouterStub(self.channel)
        vbrlib.wait_serving(self.proc.p.poll, lambda: self.call(
            "GetRouter", pb.GetRouterRequest(), timeout=1) is not None, 30,
            log=self.proc.text, on_error=fresh_channel)
        return self

    def rerun(self, wrap=(), args=()):
        """Stops vbrd if it runs (SIGTERM), then starts it on the same state with `wrap`
        before its command (e.g. setpriv ... --) and `args` after the flags it was made with."""
        if self.proc is not None and self.proc in self.lab.procs:
            self.stop()
        self.argv = list(wrap) + self.base_argv + list(args)
        return self.start()

    def call(self, method, req, timeout=CALL_TIMEOUT):
        return getattr(self.stub, method)(req, timeout=timeout)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.channel:
            self.channel.close()
            self.channel = None
        rc = self.proc.stop(sig=sig, timeout=timeout)
        self.lab.procs.remove(self.proc)
        return rc

    def log(self):
        return self.proc.text() if self.proc else ""

    def finish(self):
        """SIGTERM if still running; then vbrd must have exited 0 with no sanitizer report
        (ASan/UBSan/LSan write to its log). Call from tearDownClass before closing the lab."""
        if self.proc is None:
            return
        if self.proc in self.lab.procs:
            rc = self.stop()
        else:
            rc = self.proc.p.returncode
        text = self.log()
        if vbrlib.sanitizer_lines(text):
            raise AssertionError("vbrd sanitizer report:\n" + text[-6000:])
        if rc != 0:
            raise AssertionError("vbrd exited %s:\n%s" % (rc, text[-3000:]))

    # ---- convenience ----

    def group(self, name, peer_asn, **kw):
        return self.call("CreateBgpGroup", pb.CreateBgpGroupRequest(name=name, peer_asn=peer_asn,
                                                                    **kw))

    def peer(self, group_id, ip, **kw):
        return self.call("CreateBgpPeer", pb.CreateBgpPeerRequest(group_id=group_id, peer_ip=ip,
                                                                  **kw))

    def get_peer(self, peer_id):
        return self.call("GetBgpPeer", pb.GetBgpPeerRequest(id=peer_id))

    def state_name(self, peer_id):
        return pb.SessionState.Name(self.get_peer(peer_id).session_state)

    def wait_state(self, peer_id, state="SESSION_STATE_ESTABLISHED", timeout=20):
        return L.wait_for(lambda: self.state_name(peer_id) == state, timeout,
                          what="peer %s %s" % (peer_id, state))

    def network(self, cidr):
        return self.call("AddBgpNetwork", pb.AddBgpNetworkRequest(cidr=cidr))

    def del_network(self, cidr):
        return self.call("DeleteBgpNetwork", pb.DeleteBgpNetworkRequest(cidr=cidr))

    def routes(self, peer_id, advertised=False):
        """Every route of a peer (pages followed), as a dict prefix -> Route."""
        d = pb.ROUTE_DIRECTION_ADVERTISED if advertised else pb.ROUTE_DIRECTION_RECEIVED
        out, token = {}, ""
        for _ in range(10000):
            r = self.call("ListRoutes", pb.ListRoutesRequest(peer_id=peer_id, direction=d,
                                                             page_size=1000, page_token=token))
            for rt in r.routes:
                out[rt.prefix] = rt
            token = r.next_page_token
            if not token:
                break
        return out

    def route_entries(self, source=0):
        """The route table (pages followed): a list of RouteEntry, source 0 = all."""
        out, token = [], ""
        for _ in range(10000):
            r = self.call("ListRouteEntries", pb.ListRouteEntriesRequest(
                page_size=1000, page_token=token, source=source))
            out += list(r.route_entries)
            token = r.next_page_token
            if not token:
                break
        return out

    def route_entry(self, cidr, source):
        """The entry of that source for cidr, or None."""
        for e in self.route_entries(source):
            if e.destination_cidr == cidr:
                return e
        return None

    def static(self, cidr, next_hop, **kw):
        return self.call("CreateRouteEntry", pb.CreateRouteEntryRequest(
            destination_cidr=cidr, next_hop=next_hop, **kw))

    def watch(self, peer_ids=(), initial=False):
        return Watcher(self, peer_ids, initial)


class Watcher:
    """WatchPeerEvents read on a thread into a queue."""

    def __init__(self, vbrd, peer_ids, initial):
        self.q = queue.Queue()
        self.events = []
        req = pb.WatchPeerEventsRequest(peer_ids=list(peer_ids), send_initial_state=initial)
        self.call = vbrd.stub.WatchPeerEvents(req, timeout=600)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for ev in self.call:
                self.q.put(ev)
        except Exception as e:  # cancelled or ended
            self.q.put(e)

    def drain(self):
        while True:
            try:
                ev = self.q.get_nowait()
            except queue.Empty:
                return self.events
            if not isinstance(ev, Exception):
                self.events.append(ev)

    def wait(self, pred, timeout, what="event"):
        def check():
            self.drain()
            return [e for e in self.events if pred(e)]
        return L.wait_for(check, timeout, what=what)

    def cancel(self):
        self.call.cancel()


def state(name):
    return getattr(pb, "SESSION_STATE_" + name)
