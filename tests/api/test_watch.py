"""WatchPeerEvents against a real vbrd: PEER_CREATED / PEER_DELETED with monotonic sequences,
send_initial_state (one INITIAL_STATE per peer, then END_OF_INITIAL_STATE, nothing lost or
doubled between snapshot and live events even while peers change concurrently), the peer_ids
filter, after_sequence replay, 1,000 concurrent watchers all receiving an event, and a stalled
watcher ended with RESOURCE_EXHAUSTED while the others keep receiving.
"""
import json
import os
import queue
import subprocess
import sys
import threading
import time

import vbrtest
from vbrtest import DaemonTest, peer_ip

C = None
K = None  # PeerEventKind values by short name


def setUpModule():
    global C, K
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode
    P = vbrtest.pb
    K = {n: P.PeerEventKind.Value("PEER_EVENT_KIND_" + n) for n in
         ["INITIAL_STATE", "END_OF_INITIAL_STATE", "STATE_CHANGED", "PEER_CREATED",
          "PEER_DELETED", "ROUTE_LIMIT_REACHED"]}


def pb():
    return vbrtest.pb


class Ended(Exception):
    """The stream ended: code and details of its status."""

    def __init__(self, code, details):
        super().__init__("%s: %s" % (code, details))
        self.code, self.details = code, details


class Watcher:
    """A WatchPeerEvents stream read by its own thread into a queue; get() waits bounded.

    STATE_CHANGED events are dropped unless keep_state_changes: vbrd tries to connect to
    peers that are not admin_down, and those attempts (failing in its private namespace) are
    not what these tests count. Sequence numbers still must increase across what is kept."""

    def __init__(self, stub, timeout=120, keep_state_changes=False, **req):
        self.keep_state_changes = keep_state_changes
        self.dropped = 0
        self.call = stub.WatchPeerEvents(pb().WatchPeerEventsRequest(**req), timeout=timeout)
        self.q = queue.Queue()
        self.status = None
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        try:
            for ev in self.call:
                if ev.kind == K["STATE_CHANGED"] and not self.keep_state_changes:
                    self.dropped += 1
                    continue
                self.q.put(ev)
            self.q.put(Ended(self.call.code(), self.call.details()))
        except vbrtest.grpc.RpcError as e:
            self.q.put(Ended(e.code(), e.details()))

    def get(self, timeout=10):
        if self.status is not None:
            raise self.status
        try:
            x = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no event within %ss" % timeout)
        if isinstance(x, Ended):
            self.status = x
            raise x
        return x

    def until(self, pred, timeout=20):
        """Events up to and including the first that satisfies pred."""
        out, deadline = [], time.time() + timeout
        while True:
            ev = self.get(max(0.01, deadline - time.time()))
            out.append(ev)
            if pred(ev):
                return out

    def initial(self, timeout=10):
        """The INITIAL_STATE events, after reading END_OF_INITIAL_STATE (kept in self.end)."""
        evs = self.until(lambda e: e.kind == K["END_OF_INITIAL_STATE"], timeout)
        for e in evs[:-1]:
            assert e.kind == K["INITIAL_STATE"], e
        self.end = evs[-1]
        return evs[:-1]

    def pending(self):
        out = []
        while True:
            try:
                x = self.q.get_nowait()
            except queue.Empty:
                return out
            if isinstance(x, Ended):
                self.status = x
                return out
            out.append(x)

    def cancel(self):
        self.call.cancel()
        self.t.join(10)


class WatchTests(DaemonTest):
    def peer(self, group_id, ip, api=None, **kw):
        kw.setdefault("admin_down", True)  # held Idle: no session attempts, no STATE_CHANGED
        return super().peer(group_id, ip, api=api, **kw)

    def stub(self):
        return vbrtest.pbg.VirtualBorderRouterStub(self.d._channel())

    def watch(self, **req):
        w = Watcher(self.stub(), **req)
        self.addCleanup(w.cancel)
        return w

    def test_created_and_deleted_events(self):
        w = self.watch(send_initial_state=True)
        self.assertEqual(w.initial(), [])
        g = self.group()
        t0 = time.time()
        p = self.peer(g.id, "10.99.0.2")
        ev = w.get()
        self.assertEqual(ev.kind, K["PEER_CREATED"])
        self.assertEqual(ev.peer_id, p.id)
        self.assertEqual(ev.peer_ip, "10.99.0.2")
        self.assertGreater(ev.sequence, 0)
        self.assertTrue(ev.HasField("time"))
        self.assertLessEqual(abs(ev.time.seconds - t0), 5)
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        ev2 = w.get()
        self.assertEqual(ev2.kind, K["PEER_DELETED"])
        self.assertEqual(ev2.peer_id, p.id)
        self.assertEqual(ev2.peer_ip, "10.99.0.2")
        self.assertGreater(ev2.sequence, ev.sequence)

    def test_sequences_strictly_increase(self):
        w = self.watch(send_initial_state=True)
        w.initial()
        g = self.group()
        ids = []
        for i in range(6):
            ids.append(self.peer(g.id, peer_ip(i)).id)
        for pid in ids[:3]:
            self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=pid))
        evs = [w.get() for _ in range(9)]
        self.assertEqual([e.kind for e in evs], [K["PEER_CREATED"]] * 6 + [K["PEER_DELETED"]] * 3)
        self.assertEqual([e.peer_id for e in evs], ids + ids[:3])
        seqs = [e.sequence for e in evs]
        self.assertEqual(seqs, sorted(set(seqs)), "sequences must strictly increase")

    def test_live_only_without_initial_state(self):
        g = self.group()
        existing = self.peer(g.id, peer_ip(0))
        w = self.watch()
        # No snapshot marker to wait for: create probe peers until the stream shows one.
        deadline = time.time() + 10
        first = None
        i = 1
        while first is None and time.time() < deadline:
            p = self.peer(g.id, peer_ip(i))
            self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
            i += 1
            try:
                first = w.get(0.2)
            except AssertionError:
                pass
        self.assertIsNotNone(first)
        for ev in [first] + w.pending():
            self.assertNotIn(ev.kind, (K["INITIAL_STATE"], K["END_OF_INITIAL_STATE"]))
            self.assertNotEqual(ev.peer_id, existing.id)

    def test_live_only_headers_mean_subscribed(self):
        """vbrd sends the response headers once the subscription exists: after they arrive,
        a live-only watcher misses nothing."""
        g = self.group()
        for i in range(5):
            call = self.stub().WatchPeerEvents(pb().WatchPeerEventsRequest(), timeout=20)
            self.addCleanup(call.cancel)
            call.initial_metadata()
            self.assertIsNone(call.code() if call.done() else None)
            p = self.peer(g.id, peer_ip(i))
            ev = next(call)
            self.assertEqual((ev.kind, ev.peer_id), (K["PEER_CREATED"], p.id))
            call.cancel()

    def test_initial_state(self):
        g = self.group()
        peers = {self.peer(g.id, peer_ip(i)).id: peer_ip(i)
                 for i in range(5)}
        w = self.watch(send_initial_state=True)
        init = w.initial()
        self.assertEqual(len(init), 5, "one INITIAL_STATE per peer")
        self.assertEqual({e.peer_id: e.peer_ip for e in init}, peers)
        for e in init:
            self.assertEqual(e.new_state, pb().SESSION_STATE_IDLE)
        # Live events follow.
        p = self.peer(g.id, peer_ip(7))
        ev = w.get()
        self.assertEqual((ev.kind, ev.peer_id), (K["PEER_CREATED"], p.id))

    def test_peer_ids_filter(self):
        g = self.group()
        p1 = self.peer(g.id, peer_ip(0))
        p2 = self.peer(g.id, peer_ip(1))
        w = self.watch(send_initial_state=True, peer_ids=[p1.id])
        init = w.initial()
        self.assertEqual([e.peer_id for e in init], [p1.id])
        self.peer(g.id, peer_ip(2))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p2.id))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p1.id))
        ev = w.get()
        self.assertEqual((ev.kind, ev.peer_id), (K["PEER_DELETED"], p1.id),
                         "events of other peers must be filtered out")
        # Two peers in the filter.
        p3 = self.peer(g.id, peer_ip(3))
        p4 = self.peer(g.id, peer_ip(4))
        w2 = self.watch(send_initial_state=True, peer_ids=[p3.id, p4.id])
        self.assertEqual(sorted(e.peer_id for e in w2.initial()), sorted([p3.id, p4.id]))

    def test_snapshot_then_live_loses_nothing(self):
        """Subscribe repeatedly while another client creates and deletes peers without pause:
        snapshot + live events always rebuild exactly the peers the API lists at the end."""
        g = self.group()
        stop = threading.Event()
        errors = []
        ch = self.d.new_channel()
        api = vbrtest.Api(vbrtest.pbg.VirtualBorderRouterStub(ch))

        def churn():
            i = 0
            live = []
            try:
                while not stop.is_set():
                    if len(live) < 6:
                        live.append(self.peer(g.id, peer_ip(i % 200), api=api).id)
                        i += 1
                    else:
                        api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=live.pop(0)))
            except Exception as e:  # reported below
                errors.append(e)
        t = threading.Thread(target=churn)
        t.start()
        watchers = []
        try:
            for _ in range(25):
                watchers.append(self.watch(send_initial_state=True))
                time.sleep(0.02)
        finally:
            stop.set()
            t.join(30)
            ch.close()
        self.assertEqual(errors, [])
        # A marker: its PEER_DELETED is the last event each watcher must see.
        marker = self.peer(g.id, "10.99.9.9")
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=marker.id))
        final = {p.id for p in self.api.ListBgpPeers(pb().ListBgpPeersRequest(
            page_size=100)).peers}
        for n, w in enumerate(watchers):
            init = w.initial()
            have = {e.peer_id for e in init}
            self.assertEqual(len(have), len(init), "watcher %d: a peer twice in the snapshot" % n)
            # The snapshot marker carries the last sequence it includes; live events go on
            # from the next one, without a gap (every peer here is admin_down: no other events).
            last_seq = w.end.sequence
            for ev in w.until(lambda e: e.kind == K["PEER_DELETED"] and e.peer_id == marker.id):
                self.assertEqual(w.dropped, 0)
                self.assertEqual(ev.sequence, last_seq + 1,
                                 "watcher %d: sequence gap or repeat after %d" % (n, last_seq))
                last_seq = ev.sequence
                if ev.kind == K["PEER_CREATED"]:
                    self.assertNotIn(ev.peer_id, have,
                                     "watcher %d: created twice (snapshot and live)" % n)
                    have.add(ev.peer_id)
                elif ev.kind == K["PEER_DELETED"]:
                    self.assertIn(ev.peer_id, have,
                                  "watcher %d: deleted a peer it never saw: an event was lost" % n)
                    have.discard(ev.peer_id)
            self.assertEqual(have, final, "watcher %d: snapshot + events != final peers" % n)

    def test_resume_from_snapshot_sequence(self):
        """after_sequence = the END_OF_INITIAL_STATE's sequence resumes with exactly the live
        events the first subscription got."""
        g = self.group()
        for i in range(3):
            self.peer(g.id, peer_ip(i))
        a = self.watch(send_initial_state=True)
        self.assertEqual(len(a.initial()), 3)
        s = a.end.sequence
        self.assertEqual(a.pending(), [])
        p = self.peer(g.id, peer_ip(5))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        live = [a.get(), a.get()]
        self.assertEqual([e.sequence for e in live], [s + 1, s + 2])
        b = self.watch(after_sequence=s)
        again = [b.get(), b.get()]
        key = lambda e: (e.sequence, e.kind, e.peer_id, e.peer_ip)
        self.assertEqual([key(e) for e in again], [key(e) for e in live])

    def test_after_sequence_replay(self):
        g = self.group()
        w = self.watch(send_initial_state=True)
        w.initial()
        ids = [self.peer(g.id, peer_ip(i)).id for i in range(4)]
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=ids[0]))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=ids[1]))
        seen = [w.get() for _ in range(6)]
        key = lambda e: (e.sequence, e.kind, e.peer_id, e.peer_ip)
        # Replay after the second event: events 3..6, same sequences, same order.
        r = self.watch(after_sequence=seen[1].sequence)
        replay = [r.get() for _ in range(4)]
        self.assertEqual([key(e) for e in replay], [key(e) for e in seen[2:]])
        # Then live events continue on the same stream, with no gap.
        p = self.peer(g.id, peer_ip(5))
        ev = r.get()
        self.assertEqual((ev.kind, ev.peer_id), (K["PEER_CREATED"], p.id))
        self.assertGreater(ev.sequence, seen[-1].sequence)
        # after_sequence 0: the whole (short) history.
        r0 = self.watch(after_sequence=0)
        allr = [r0.get() for _ in range(7)]
        self.assertEqual([key(e) for e in allr[:6]], [key(e) for e in seen])
        # after the latest: nothing until the next event.
        rl = self.watch(after_sequence=ev.sequence)
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        ev2 = rl.get()
        self.assertEqual((ev2.kind, ev2.peer_id), (K["PEER_DELETED"], p.id))

    def test_after_sequence_older_than_history(self):
        """A replay the history can no longer give is refused with an error status; it never
        silently starts later (the client would lose events without knowing)."""
        d = self.daemon(args=["--event-history", "16"])
        stub = vbrtest.pbg.VirtualBorderRouterStub(d._channel())
        api = d.api()
        g = self.group(api=api)
        for i in range(20):  # 40 events
            p = self.peer(g.id, peer_ip(i), api=api)
            api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=p.id))
        w = Watcher(stub, after_sequence=1)
        self.addCleanup(w.cancel)
        try:
            first = w.get(10)
        except Ended as e:
            self.assertNotIn(e.code, (C.OK, C.UNKNOWN, C.INTERNAL), e)
        else:
            self.assertEqual(first.sequence, 2, "replay skipped events without saying so")

    def test_after_sequence_with_filter(self):
        g = self.group()
        w = self.watch(send_initial_state=True)
        w.initial()
        a = self.peer(g.id, peer_ip(0))
        b = self.peer(g.id, peer_ip(1))
        self.api.DeleteBgpPeer(pb().DeleteBgpPeerRequest(id=a.id))
        seen = [w.get() for _ in range(3)]
        r = self.watch(after_sequence=0, peer_ids=[a.id])
        replay = [r.get() for _ in range(2)]
        self.assertEqual([(e.kind, e.peer_id) for e in replay],
                         [(K["PEER_CREATED"], a.id), (K["PEER_DELETED"], a.id)])
        self.assertEqual([e.sequence for e in replay], [seen[0].sequence, seen[2].sequence])
        self.assertEqual(b.id, seen[1].peer_id)

    def test_subscribe_cancel_churn(self):
        """Clients that go away do not leave vbrd broken or stuck."""
        ch = self.d.new_channel()
        stub = vbrtest.pbg.VirtualBorderRouterStub(ch)
        for _ in range(50):
            call = stub.WatchPeerEvents(pb().WatchPeerEventsRequest(send_initial_state=True),
                                        timeout=10)
            next(call)
            call.cancel()
        ch.close()
        g = self.group()
        w = self.watch(send_initial_state=True)
        w.initial()
        p = self.peer(g.id, peer_ip(0))
        self.assertEqual(w.get().peer_id, p.id)


class ManyWatchersTests(DaemonTest):
    N = 1000
    CHANNELS = 20

    def test_thousand_watchers_all_receive(self):
        """1,000 concurrent watchers (grpc.aio in a child process, see many_watchers.py) all
        get the snapshot marker, then the same PEER_CREATED and every event of a burst of 20
        more after it, sequences consecutive."""
        if not vbrtest.can_sandbox():
            self.skipTest("peers need vbrd in a private network namespace (root, unshare)")
        g = self.group()
        target_ip = "10.99.5.5"
        child = subprocess.Popen(
            [sys.executable, os.path.join(vbrtest.HERE, "many_watchers.py"), vbrtest.GEN_DIR,
             self.d.api_addr, g.id, target_ip, str(self.N), str(self.CHANNELS),
             str(self.d.proc.pid)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = child.communicate(timeout=280)
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate(timeout=10)
            self.fail("watcher process did not finish; stderr:\n%s" % err.decode()[-3000:])
        lines = out.decode().strip().splitlines()
        self.assertTrue(lines, "no result; stderr:\n%s" % err.decode()[-3000:])
        r = json.loads(lines[-1])
        per_watcher = (r.get("rss_ready_kib", 0) - r.get("rss_before_kib", 0)) / self.N
        print("\n  1000 watchers: subscribed in %ss, 21 events delivered to all in %ss "
              "(burst RPCs %ss), vbrd RSS %s -> %s KiB (%.1f KiB per watcher)"
              % (r.get("subscribe_s"), r.get("deliver_s"), r.get("burst_rpcs_s"),
                 r.get("rss_before_kib"),
                 r.get("rss_ready_kib"), per_watcher))
        self.assertNotIn("exception", r, r)
        self.assertEqual(r["ready"], self.N, "watchers that never got END_OF_INITIAL_STATE")
        # Memory per subscriber is bounded (about 14 KiB here, gRPC's stream included).
        self.assertLess(per_watcher, 256, "vbrd memory per watcher")
        self.assertEqual(r["router_asn"], 45104)
        self.assertEqual(r["errors"], [])
        self.assertEqual(r["other"], [])
        self.assertEqual(r["pending"], 0, "watchers that never got the event")
        self.assertEqual(r["got_peer"], self.N)
        # vbrd is fine once they are gone.
        got = self.api.GetBgpPeer(pb().GetBgpPeerRequest(id=r["peer_id"]))
        self.assertEqual(got.peer_ip, target_ip)
        self.assertEqual(self.d.proc.poll(), None)


class StalledWatcherTests(DaemonTest):
    # A history of 256 events (the default is larger) keeps the test short: the stalled
    # watcher must be cut off once it is more than that far behind.
    HISTORY = 256
    MAX_EVENTS = 2 * HISTORY + 100  # bound on how many events the test generates
    CHURNERS = 1
    daemon_args = ["--event-history", str(HISTORY)]

    def peer(self, group_id, ip, api=None, **kw):
        kw.setdefault("admin_down", True)  # held Idle: only CREATED/DELETED events
        return super().peer(group_id, ip, api=api, **kw)

    def test_stalled_watcher_ended_others_keep_receiving(self):
        grpc = vbrtest.grpc
        P = pb()
        g = self.group()
        # The stalled client: a small HTTP/2 window and no BDP probing, so vbrd's writes back
        # up after a few events; it reads the snapshot marker and then nothing.
        sch = self.d.new_channel(options=[("grpc.http2.bdp_probe", 0),
                                          ("grpc.http2.lookahead_bytes", 1024),
                                          ("grpc.use_local_subchannel_pool", 1)])
        self.addCleanup(sch.close)
        stalled = vbrtest.pbg.VirtualBorderRouterStub(sch).WatchPeerEvents(
            P.WatchPeerEventsRequest(send_initial_state=True), timeout=300)
        self.assertEqual(next(stalled).kind, K["END_OF_INITIAL_STATE"])
        healthy = [Watcher(vbrtest.pbg.VirtualBorderRouterStub(self.d._channel()),
                           send_initial_state=True) for _ in range(3)]
        for h in healthy:
            self.addCleanup(h.cancel)
            h.initial()
        # Generate create/delete pairs from 2 clients at once until vbrd has ended the stalled
        # stream (or the bound is hit; the assertions below then say what happened).
        generated = [0]
        lock = threading.Lock()

        def churn(w, stop):
            api = self.d.api()
            i = 0
            while not stop.is_set():
                with lock:
                    if generated[0] >= self.MAX_EVENTS:
                        return
                    generated[0] += 2
                p = self.peer(g.id, "10.99.%d.%d" % (100 + w, 2 + i % 200), api=api)
                api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=p.id))
                i += 1
        stop = threading.Event()
        threads = [threading.Thread(target=churn, args=(w, stop)) for w in range(self.CHURNERS)]
        for t in threads:
            t.start()
        deadline = time.time() + 120
        counts = [0] * len(healthy)
        while time.time() < deadline and not stalled.done() and any(t.is_alive() for t in threads):
            for k, h in enumerate(healthy):
                counts[k] += len(h.pending())
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(30)
        # Healthy watchers got every event: a marker arrives after all of them.
        marker = self.peer(g.id, "10.99.99.99")
        for k, h in enumerate(healthy):
            evs = h.until(lambda e: e.peer_id == marker.id, timeout=60)
            counts[k] += len(evs) - 1
            self.assertEqual(counts[k], generated[0], "healthy watcher %d missed events" % k)
        # The stalled one, once read, ends with RESOURCE_EXHAUSTED before the marker.
        got, code, details = 0, None, ""
        reader_deadline = time.time() + 60
        try:
            for ev in stalled:
                got += 1
                if ev.peer_id == marker.id:
                    break
                if time.time() > reader_deadline:
                    break
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        self.assertEqual(code, C.RESOURCE_EXHAUSTED,
                         "stalled watcher after %d of %d events: %s %s"
                         % (got, generated[0], code, details))
        self.assertTrue(details)
        self.assertLess(got, generated[0])
        # vbrd keeps serving, and a new subscription works.
        w = Watcher(vbrtest.pbg.VirtualBorderRouterStub(self.d._channel()),
                    send_initial_state=True)
        self.addCleanup(w.cancel)
        w.initial()
        self.api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=marker.id))
        self.assertEqual(w.get().peer_id, marker.id)


class WatcherThroughputTests(DaemonTest):
    HISTORY = 256
    daemon_args = ["--event-history", str(HISTORY)]

    def test_reading_watcher_keeps_up_with_concurrent_mutations(self):
        """A watcher that reads as fast as it can is never "too far behind": 4 clients create
        and delete peers at once (about 4 x HISTORY events) and it receives every event."""
        P = pb()
        g = self.group()
        w = Watcher(vbrtest.pbg.VirtualBorderRouterStub(self.d.new_channel()),
                    send_initial_state=True)
        self.addCleanup(w.cancel)
        w.initial()
        per_client = self.HISTORY // 2  # create + delete pairs: 4 x HISTORY events in all
        errors = []

        def churn(c):
            api = self.d.api()
            try:
                for i in range(per_client):
                    p = api.CreateBgpPeer(P.CreateBgpPeerRequest(
                        group_id=g.id, peer_ip="10.99.%d.%d" % (20 + c, 2 + i % 200),
                        admin_down=True))
                    api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=p.id))
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=churn, args=(c,)) for c in range(4)]
        for t in threads:
            t.start()
        received = 0
        try:
            while received < 4 * 2 * per_client:
                w.get(60)
                received += 1
        finally:
            for t in threads:
                t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(received, 8 * per_client)
