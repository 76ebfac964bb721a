"""WatchRouteEvents with a real BGP peer: BIRD 2 announces a prefix with a next hop on vbrd's
connected lab network; a route watcher started before the session sees the connected network
in its snapshot, then ADDED for the BGP entry (source BGP, the winning peer's id, BIRD's
address as next hop), the kernel's answer for it (INSTALLED or INSTALL_FAILED, nothing else),
and REMOVED when BIRD withdraws it, sequences consecutive. A watcher resumed with
after_sequence gets the same events again; one filtered to STATIC gets none of them.
"""
import queue
import threading
import time
import unittest

import lab as L
import vbrapi as V

PREFIX = "192.168.77.0/24"


class RouteWatcher:
    def __init__(self, vbrd, **req):
        self.q = queue.Queue()
        self.call = vbrd.stub.WatchRouteEvents(V.pb.WatchRouteEventsRequest(**req), timeout=300)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for ev in self.call:
                self.q.put(ev)
        except Exception as e:  # cancelled or ended
            self.q.put(e)

    def until(self, pred, timeout=30):
        out, deadline = [], time.time() + timeout
        while True:
            try:
                ev = self.q.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                raise AssertionError("no matching route event in %ss; got %s" % (timeout, out))
            if isinstance(ev, Exception):
                raise AssertionError("stream ended: %s" % ev)
            out.append(ev)
            if pred(ev):
                return out

    def pending(self):
        out = []
        while not self.q.empty():
            out.append(self.q.get_nowait())
        return out

    def cancel(self):
        self.call.cancel()


def kind(name):
    return getattr(V.pb, "ROUTE_EVENT_KIND_" + name)


class RouteEventsWithBird(unittest.TestCase):
    def setUp(self):
        self.lab = L.Lab(["v", "dc"])
        self.addCleanup(self.lab.close)
        v = self.lab.ip("v")
        self.bird = L.Bird(self.lab, "dc", 65001, v, routes=[PREFIX]).start()
        self.vbrd = V.Vbrd(self.lab, "v").start()
        self.addCleanup(self.vbrd.finish)

    def test_bgp_entry_added_installed_removed(self):
        w = RouteWatcher(self.vbrd, send_initial_state=True)
        self.addCleanup(w.cancel)
        snap = w.until(lambda e: e.kind == kind("END_OF_INITIAL_STATE"))
        connected = [e.entry.destination_cidr for e in snap[:-1]
                     if e.entry.source == V.pb.ROUTE_SOURCE_CONNECTED]
        self.assertIn("10.10.0.0/24", connected, snap)
        statics = RouteWatcher(self.vbrd, send_initial_state=True,
                               sources=[V.pb.ROUTE_SOURCE_STATIC])
        self.addCleanup(statics.cancel)
        only = statics.until(lambda e: e.kind == kind("END_OF_INITIAL_STATE"))
        self.assertEqual(len(only), 1, only)  # no static entry, and nothing else passes

        g = self.vbrd.group("dc", 65001)
        p = self.vbrd.peer(g.id, self.lab.ip("dc")).id
        evs = w.until(lambda e: e.entry.destination_cidr == PREFIX, timeout=60)
        added = evs[-1]
        self.assertEqual(added.kind, kind("ADDED"), evs)
        self.assertEqual(added.entry.source, V.pb.ROUTE_SOURCE_BGP)
        self.assertEqual(added.entry.peer_id, p)
        self.assertEqual(added.entry.next_hop, self.lab.ip("dc"))
        self.assertEqual(added.sequence, snap[-1].sequence + len(evs))

        self.bird.cli("disable s4")  # BIRD withdraws the prefix
        evs = w.until(lambda e: e.kind == kind("REMOVED") and
                      e.entry.destination_cidr == PREFIX, timeout=30)
        between = {e.kind for e in evs[:-1] if e.entry.destination_cidr == PREFIX}
        self.assertTrue(between <= {kind("INSTALLED"), kind("INSTALL_FAILED")}, evs)
        print("\n  route events: %s" % ", ".join(
            "#%d %s %s" % (e.sequence, V.pb.RouteEventKind.Name(e.kind)[17:],
                           e.entry.status_reason or "") for e in [added] + evs))
        seqs = [added.sequence] + [e.sequence for e in evs]
        self.assertEqual(seqs, list(range(added.sequence, added.sequence + len(seqs))),
                         "gap or reorder")

        again = RouteWatcher(self.vbrd, after_sequence=added.sequence - 1)
        self.addCleanup(again.cancel)
        replay = again.until(lambda e: e.sequence == seqs[-1])
        self.assertEqual([(e.sequence, e.kind) for e in replay][:len(seqs)],
                         [(added.sequence, added.kind)] + [(e.sequence, e.kind) for e in evs])
        time.sleep(0.2)
        self.assertEqual(statics.pending(), [], "a STATIC-only watcher got BGP entries")


if __name__ == "__main__":
    unittest.main()
