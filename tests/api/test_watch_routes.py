"""WatchRouteEvents against a real vbrd in its own network namespace (a veth pair gives it
the connected network 10.50.0.0/24, the kernel FIB is the namespace's own): the snapshot
(INITIAL_STATE per entry, the sources filter, END_OF_INITIAL_STATE), a static entry added and
removed live (ADDED, then the kernel's INSTALLED with the route really in the namespace's
table, then REMOVED and the route gone; one whose next hop is on no
connected network is never installed and says why), sequences consecutive, resume with
after_sequence, OUT_OF_RANGE and INVALID_ARGUMENT.
"""
import queue
import subprocess
import threading
import time

import vbrtest
from vbrtest import DaemonTest

C = None
RK = None  # RouteEventKind by short name
RS = None  # RouteSource by short name


def setUpModule():
    global C, RK, RS
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode
    P = vbrtest.pb
    RK = {n: P.RouteEventKind.Value("ROUTE_EVENT_KIND_" + n) for n in
          ["INITIAL_STATE", "END_OF_INITIAL_STATE", "ADDED", "NEXT_HOP_CHANGED", "REMOVED",
           "INSTALLED", "INSTALL_FAILED"]}
    RS = {n: P.RouteSource.Value("ROUTE_SOURCE_" + n) for n in
          ["UNSPECIFIED", "STATIC", "BGP", "CONNECTED"]}


class RouteWatcher:
    """A WatchRouteEvents stream read by its own thread; get() waits bounded."""

    def __init__(self, stub, **req):
        self.call = stub.WatchRouteEvents(vbrtest.pb.WatchRouteEventsRequest(**req), timeout=120)
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        try:
            for ev in self.call:
                self.q.put(ev)
            self.q.put(("end", self.call.code(), self.call.details()))
        except vbrtest.grpc.RpcError as e:
            self.q.put(("end", e.code(), e.details()))

    def get(self, timeout=10):
        try:
            x = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no route event within %ss" % timeout)
        if isinstance(x, tuple):
            raise AssertionError("stream ended: %s %s" % (x[1], x[2]))
        return x

    def until(self, pred, timeout=20):
        out, deadline = [], time.time() + timeout
        while True:
            ev = self.get(max(0.01, deadline - time.time()))
            out.append(ev)
            if pred(ev):
                return out

    def status(self, timeout=10):
        x = self.q.get(timeout=timeout)
        assert isinstance(x, tuple), "expected the stream's end, got %s" % x
        return x[1], x[2]

    def cancel(self):
        self.call.cancel()
        self.t.join(10)


class WatchRouteEventsTests(DaemonTest):
    netns_setup = ("ip link add vr0 type veth peer name vr1 && ip addr add 10.50.0.1/24 dev vr0"
                   " && ip link set vr0 up && ip link set vr1 up")

    def setUp(self):
        if not vbrtest.can_sandbox():
            self.skipTest("needs vbrd in a private network namespace (root, unshare)")
        super().setUp()

    def watch(self, **req):
        w = RouteWatcher(vbrtest.pbg.VirtualBorderRouterStub(self.d._channel()), **req)
        self.addCleanup(w.cancel)
        return w

    def static(self, cidr, next_hop):
        return self.api.CreateRouteEntry(vbrtest.pb.CreateRouteEntryRequest(
            destination_cidr=cidr, next_hop=next_hop, description="watch test"))

    def kernel_route(self, cidr):
        """`ip route show CIDR` in vbrd's namespace."""
        r = subprocess.run(["nsenter", "-t", str(self.d.proc.pid), "-n", "ip", "route", "show",
                            cidr], capture_output=True, text=True, timeout=10, check=True)
        return r.stdout.strip()

    def initial(self, w):
        evs = w.until(lambda e: e.kind == RK["END_OF_INITIAL_STATE"])
        for e in evs[:-1]:
            self.assertEqual(e.kind, RK["INITIAL_STATE"], e)
            self.assertEqual(e.sequence, evs[-1].sequence)
        return evs[:-1], evs[-1]

    def test_initial_state_connected(self):
        all_, end = self.initial(self.watch(send_initial_state=True))
        by_cidr = {x.entry.destination_cidr: x.entry for x in all_}
        self.assertIn("10.50.0.0/24", by_cidr, all_)
        self.assertEqual(by_cidr["10.50.0.0/24"].source, RS["CONNECTED"])
        self.assertEqual(by_cidr["10.50.0.0/24"].interface, "vr0")
        none, _ = self.initial(self.watch(send_initial_state=True, sources=[RS["STATIC"]]))
        self.assertEqual(none, [])

    def in_ns(self, *argv):
        subprocess.run(["nsenter", "-t", str(self.d.proc.pid), "-n"] + list(argv),
                       capture_output=True, text=True, timeout=10, check=True)

    def test_connected_network_added_and_removed_live(self):
        w = self.watch(send_initial_state=True, sources=[RS["CONNECTED"]])
        _, end = self.initial(w)
        self.in_ns("ip", "link", "add", "vr2", "type", "veth", "peer", "name", "vr3")
        self.addCleanup(lambda: subprocess.run(
            ["nsenter", "-t", str(self.d.proc.pid), "-n", "ip", "link", "del", "vr2"],
            capture_output=True, timeout=10))
        self.in_ns("ip", "addr", "add", "10.51.0.1/24", "dev", "vr2")
        self.in_ns("ip", "link", "set", "vr2", "up")
        self.in_ns("ip", "link", "set", "vr3", "up")
        seen = w.until(lambda x: x.entry.destination_cidr == "10.51.0.0/24")
        added = seen[-1]
        self.assertEqual(added.kind, RK["ADDED"], added)
        self.assertEqual(added.entry.source, RS["CONNECTED"])
        self.assertEqual(added.entry.interface, "vr2")
        self.assertTrue(added.entry.installed)
        self.assertGreater(added.sequence, end.sequence)
        self.in_ns("ip", "addr", "del", "10.51.0.1/24", "dev", "vr2")
        seen += w.until(lambda x: x.entry.destination_cidr == "10.51.0.0/24")
        removed = seen[-1]
        self.assertEqual(removed.kind, RK["REMOVED"], removed)
        self.assertEqual(removed.entry.source, RS["CONNECTED"])
        # Only what changed: the network that stayed has no event.
        self.assertNotIn("10.50.0.0/24", [e.entry.destination_cidr for e in seen])

    def test_initial_state_and_sources_filter(self):
        e = self.static("198.51.100.0/24", "10.50.0.2")
        all_, end = self.initial(self.watch(send_initial_state=True))
        by_cidr = {x.entry.destination_cidr: x.entry for x in all_}
        self.assertEqual(by_cidr["198.51.100.0/24"].id, e.id)
        self.assertEqual(by_cidr["198.51.100.0/24"].source, RS["STATIC"])
        self.assertEqual(by_cidr["198.51.100.0/24"].next_hop, "10.50.0.2")
        only, _ = self.initial(self.watch(send_initial_state=True, sources=[RS["CONNECTED"]]))
        self.assertTrue(only)
        self.assertEqual({x.entry.source for x in only}, {RS["CONNECTED"]})

    def test_live_add_install_remove_then_resume(self):
        w = self.watch(send_initial_state=True)
        _, end = self.initial(w)
        e = self.static("198.51.100.0/24", "10.50.0.2")
        evs = w.until(lambda x: x.kind == RK["INSTALLED"] or x.kind == RK["INSTALL_FAILED"])
        added = evs[0]
        self.assertEqual(added.kind, RK["ADDED"], evs)
        self.assertEqual(added.sequence, end.sequence + 1)
        self.assertEqual(added.entry.id, e.id)
        self.assertEqual(added.entry.next_hop, "10.50.0.2")
        self.assertEqual(added.entry.description, "watch test")
        self.assertTrue(added.entry.HasField("create_time"))
        # vbrd is root in its own namespace: the kernel takes the route, and has it.
        self.assertEqual(evs[-1].kind, RK["INSTALLED"], evs[-1])
        self.assertTrue(evs[-1].entry.installed)
        self.assertIn("via 10.50.0.2", self.kernel_route("198.51.100.0/24"))
        self.api.DeleteRouteEntry(vbrtest.pb.DeleteRouteEntryRequest(id=e.id))
        evs += w.until(lambda x: x.kind == RK["REMOVED"])
        deadline = time.time() + 5  # the kernel write follows the event
        while self.kernel_route("198.51.100.0/24") and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.kernel_route("198.51.100.0/24"), "")
        self.assertEqual(evs[-1].entry.destination_cidr, "198.51.100.0/24")
        seqs = [x.sequence for x in evs]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), "gap or reorder")
        # Resume after the ADDED: the same events follow, nothing missed.
        r = self.watch(after_sequence=added.sequence)
        again = [r.get() for _ in evs[1:]]
        self.assertEqual([(x.sequence, x.kind) for x in again],
                         [(x.sequence, x.kind) for x in evs[1:]])

    def test_unreachable_next_hop_says_why(self):
        w = self.watch(send_initial_state=True)
        self.initial(w)
        e = self.static("203.0.113.0/24", "10.60.0.9")
        evs = w.until(lambda x: x.kind == RK["ADDED"])
        self.assertFalse(evs[-1].entry.installed)
        self.assertIn("10.60.0.9", evs[-1].entry.status_reason)
        self.api.DeleteRouteEntry(vbrtest.pb.DeleteRouteEntryRequest(id=e.id))
        evs = w.until(lambda x: x.kind == RK["REMOVED"])
        self.assertNotIn(RK["INSTALLED"], [x.kind for x in evs])

    def test_out_of_range_and_invalid(self):
        w = self.watch(after_sequence=1000)
        code, details = w.status()
        self.assertEqual(code, C.OUT_OF_RANGE)
        self.assertIn("after_sequence", details)
        for bad in (RS["UNSPECIFIED"], 99):
            w = self.watch(sources=[bad])
            code, details = w.status()
            self.assertEqual(code, C.INVALID_ARGUMENT)
            self.assertIn("sources[0]", details)
        w = self.watch(send_initial_state=True, after_sequence=0)
        code, details = w.status()
        self.assertEqual(code, C.INVALID_ARGUMENT)
