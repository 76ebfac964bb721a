#!/usr/bin/python3
"""Child process of test_watch.ManyWatchersTests: N WatchPeerEvents streams on grpc.aio.

  many_watchers.py GEN_DIR API_ADDR GROUP_ID PEER_IP N CHANNELS VBRD_PID

Opens N watchers (send_initial_state) spread over CHANNELS connections, waits until every one
has its END_OF_INITIAL_STATE, checks that vbrd still answers GetRouter, creates one admin_down
peer at PEER_IP, then sends BURST create/delete pairs of other admin_down peers back to back,
and waits until every watcher has seen the last deletion: each must have PEER_CREATED first and
then every event of the burst, sequences consecutive (nothing missed or reordered while vbrd
fans out 1 + 2 x BURST events to N streams). Prints one JSON object
with what happened and leaves with os._exit: grpc.aio's shutdown can hang after this many
streams (grpc/grpc#40989), and in a child the parent can always kill it by PID.
"""
import asyncio
import json
import os
import sys
import time


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    gen, addr, group_id, peer_ip, n, nch, vbrd_pid = sys.argv[1:8]
    n, nch, vbrd_pid = int(n), int(nch), int(vbrd_pid)
    sys.path.insert(0, gen)
    import grpc
    from vbr.v1 import vbr_pb2 as P, vbr_pb2_grpc as G
    END = P.PEER_EVENT_KIND_END_OF_INITIAL_STATE
    CREATED = P.PEER_EVENT_KIND_PEER_CREATED
    DELETED = P.PEER_EVENT_KIND_PEER_DELETED
    BURST = 10
    last_ip = "10.99.6.%d" % (1 + BURST)
    result = {"n": n, "rss_before_kib": rss_kib(vbrd_pid)}

    async def run():
        chans = [grpc.aio.insecure_channel(addr, options=[("grpc.use_local_subchannel_pool", 1)])
                 for _ in range(nch)]
        stubs = [G.VirtualBorderRouterStub(c) for c in chans]
        ready = [0]
        all_ready = asyncio.Event()

        async def watcher(i):
            call = stubs[i % nch].WatchPeerEvents(
                P.WatchPeerEventsRequest(send_initial_state=True), timeout=240)
            first, seqs = None, []
            async for ev in call:
                if ev.kind == END:
                    ready[0] += 1
                    if ready[0] == n:
                        all_ready.set()
                    continue
                if first is None:
                    first = ev.peer_id if ev.kind == CREATED and ev.peer_ip == peer_ip else \
                        "unexpected first event %s %s" % (ev.kind, ev.peer_ip)
                seqs.append(ev.sequence)
                if ev.kind == DELETED and ev.peer_ip == last_ip:
                    gapless = seqs == list(range(seqs[0], seqs[0] + 1 + 2 * BURST))
                    return first if gapless else "gap or reorder: %s" % seqs
            return "ended: %s %s" % (await call.code(), await call.details())

        tasks = [asyncio.ensure_future(watcher(i)) for i in range(n)]
        t0 = time.time()
        try:
            await asyncio.wait_for(all_ready.wait(), 120)
        except asyncio.TimeoutError:
            pass
        result["ready"] = ready[0]
        result["rss_ready_kib"] = rss_kib(vbrd_pid)
        result["subscribe_s"] = round(time.time() - t0, 2)
        if ready[0] != n:
            return
        api = stubs[0]
        r = await api.GetRouter(P.GetRouterRequest(), timeout=20)
        result["router_asn"] = r.local_asn
        p = await api.CreateBgpPeer(P.CreateBgpPeerRequest(group_id=group_id, peer_ip=peer_ip,
                                                           admin_down=True), timeout=20)
        result["peer_id"] = p.id
        t1 = time.time()
        for k in range(BURST):
            q = await api.CreateBgpPeer(P.CreateBgpPeerRequest(
                group_id=group_id, peer_ip="10.99.6.%d" % (2 + k), admin_down=True), timeout=20)
            await api.DeleteBgpPeer(P.DeleteBgpPeerRequest(id=q.id), timeout=20)
        result["burst_rpcs_s"] = round(time.time() - t1, 2)
        done, pending = await asyncio.wait(tasks, timeout=120)
        result["deliver_s"] = round(time.time() - t1, 2)
        result["pending"] = len(pending)
        got = [t.result() for t in done if not t.exception()]
        result["got_peer"] = sum(1 for g in got if g == p.id)
        result["other"] = sorted(set(g for g in got if g != p.id))[:5]
        result["errors"] = sorted(set(repr(t.exception()) for t in done if t.exception()))[:5]

    try:
        asyncio.new_event_loop().run_until_complete(run())
    except Exception as e:  # reported to the parent
        result["exception"] = repr(e)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
