#!/usr/bin/python3
"""Child process of test_watch.ManyWatchersTests: N WatchPeerEvents streams on grpc.aio.

  many_watchers.py GEN_DIR API_ADDR GROUP_ID PEER_IP N CHANNELS VBRD_PID

Opens N watchers (send_initial_state) spread over CHANNELS connections, waits until every one
has its END_OF_INITIAL_STATE, checks that vbrd still answers GetRouter, creates one admin_down
peer at PEER_IP, and waits until every watcher has its PEER_CREATED. Prints one JSON object
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
            async for ev in call:
                if ev.kind == END:
                    ready[0] += 1
                    if ready[0] == n:
                        all_ready.set()
                elif ev.kind == CREATED and ev.peer_ip == peer_ip:
                    return ev.peer_id
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
