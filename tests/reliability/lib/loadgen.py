#!/usr/bin/python3
"""
loadgen: API load for test_load, in its own process so that its Python work never delays the
healthy BGP speakers' keepalives.

  loadgen.py clients  --n 64   : n concurrent clients, each a loop of reads (GetRouter,
                                 ListBgpPeers, GetBgpPeer, ListRoutes, ListBgpNetworks,
                                 ListBgpGroups) and writes on its own objects (a network added
                                 and deleted, its own group updated), every call with a deadline
  loadgen.py watchers --n 1000 : n WatchPeerEvents streams with send_initial_state, each counting
                                 what it receives; a stream that ends early is recorded

Both run for --seconds (or until SIGTERM) and write a JSON summary to --out.
"""
import argparse
import importlib
import asyncio
import collections
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vbrd as V  # noqa: E402


def field_mask(paths):
    from google.protobuf import field_mask_pb2
    return field_mask_pb2.FieldMask(paths=paths)


async def client(k, stub, pb, stop, stats, peer_ids, group_id):
    rng = random.Random(k)
    cidr = f"100.{64 + k // 256}.{k % 256}.0/24"
    have_net = False
    while not stop.is_set():
        r = rng.random()
        if r < 0.15:
            name, coro = "GetRouter", stub.GetRouter(pb.GetRouterRequest(), timeout=10)
        elif r < 0.30:
            name, coro = "ListBgpPeers", stub.ListBgpPeers(pb.ListBgpPeersRequest(), timeout=10)
        elif r < 0.45:
            name, coro = "GetBgpPeer", stub.GetBgpPeer(pb.GetBgpPeerRequest(
                id=rng.choice(peer_ids)), timeout=10)
        elif r < 0.55:
            name, coro = "ListRoutes", stub.ListRoutes(pb.ListRoutesRequest(
                peer_id=rng.choice(peer_ids)), timeout=10)
        elif r < 0.62:
            name, coro = "ListBgpNetworks", stub.ListBgpNetworks(pb.ListBgpNetworksRequest(),
                                                                timeout=10)
        elif r < 0.70:
            name, coro = "ListBgpGroups", stub.ListBgpGroups(pb.ListBgpGroupsRequest(),
                                                            timeout=10)
        elif r < 0.90:
            if have_net:
                name, coro = "DeleteBgpNetwork", stub.DeleteBgpNetwork(
                    pb.DeleteBgpNetworkRequest(cidr=cidr), timeout=10)
            else:
                name, coro = "AddBgpNetwork", stub.AddBgpNetwork(
                    pb.AddBgpNetworkRequest(cidr=cidr), timeout=10)
        else:
            name, coro = "UpdateBgpGroup", stub.UpdateBgpGroup(pb.UpdateBgpGroupRequest(
                id=group_id, update_mask=field_mask(["description"]),
                description=f"client {k} {time.time()}"), timeout=10)
        t0 = time.monotonic()
        try:
            await coro
            stats["ok"][name] += 1
            if name == "AddBgpNetwork":
                have_net = True
            elif name == "DeleteBgpNetwork":
                have_net = False
        except V.grpc.aio.AioRpcError as e:
            stats["err"][f"{name}:{e.code().name}"] += 1
            if len(stats["samples"]) < 20:
                stats["samples"].append(f"{name}: {e.code().name} {e.details()}")
        stats["max_latency_ms"] = max(stats["max_latency_ms"],
                                      (time.monotonic() - t0) * 1000)


async def watcher(i, stub, pb, stop, stats):
    call = stub.WatchPeerEvents(pb.WatchPeerEventsRequest(send_initial_state=True))
    kinds = collections.Counter()
    try:
        async for ev in call:
            kinds[pb.PeerEventKind.Name(ev.kind)] += 1
            stats["events"] += 1
            if ev.kind == pb.PEER_EVENT_KIND_STATE_CHANGED:
                stats["state_changes"] += 1
        if not stop.is_set():
            stats["ended"]["OK(early)"] += 1
    except V.grpc.aio.AioRpcError as e:
        if not (stop.is_set() and e.code() == V.grpc.StatusCode.CANCELLED):
            stats["ended"][e.code().name] += 1
            if len(stats["samples"]) < 20:
                stats["samples"].append(f"watcher {i}: {e.code().name} {e.details()}")
    except asyncio.CancelledError:
        pass
    finally:
        stats["initial"].append(kinds["PEER_EVENT_KIND_INITIAL_STATE"])
        stats["end_of_initial"] += kinds["PEER_EVENT_KIND_END_OF_INITIAL_STATE"]


async def amain(args):
    importlib.import_module("grpc.aio")  # makes V.grpc.aio available
    pb = V.pb
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stats = {"ok": collections.Counter(), "err": collections.Counter(), "samples": [],
             "max_latency_ms": 0.0, "events": 0, "state_changes": 0,
             "ended": collections.Counter(), "initial": [], "end_of_initial": 0}
    channels = []
    tasks = []
    nchan = max(1, args.n // 64) if args.cmd == "watchers" else args.n
    for _ in range(nchan):
        channels.append(V.grpc.aio.insecure_channel(args.target))
    stubs = [V.pb_grpc.VirtualBorderRouterStub(c) for c in channels]
    if args.cmd == "clients":
        for k in range(args.n):
            tasks.append(asyncio.create_task(client(k, stubs[k], pb, stop, stats,
                                                    args.peer_id, args.group_id)))
    else:
        for i in range(args.n):
            tasks.append(asyncio.create_task(watcher(i, stubs[i % nchan], pb, stop, stats)))
    ready = {"started": time.time()}
    with open(args.out + ".ready", "w") as f:
        json.dump(ready, f)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.seconds)
    except asyncio.TimeoutError:
        stop.set()
    if args.cmd == "watchers":
        for t in tasks:
            t.cancel()
    await asyncio.wait(tasks, timeout=30)
    out = dict(stats)
    out["ok"] = dict(stats["ok"])
    out["err"] = dict(stats["err"])
    out["ended"] = dict(stats["ended"])
    with open(args.out + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(args.out + ".tmp", args.out)
    # Closing 1,000 streams' channels and asyncio's teardown can hang in gRPC's aio layer;
    # the summary is written and vbrd sees the connections drop either way.
    sys.stdout.flush()
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cmd", choices=["clients", "watchers"])
    ap.add_argument("--target", required=True)
    ap.add_argument("--stubs", required=True, help="directory of generated Python stubs")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--peer-id", action="append", default=[])
    ap.add_argument("--group-id", default="")
    args = ap.parse_args()
    V.load_stubs(args.stubs)
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
