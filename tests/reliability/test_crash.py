#!/usr/bin/python3
"""
test_crash: crash safety of vbrd's durable state (issue 7).

Part 1, kill -9: four clients stream mutating RPCs (groups, peers, networks: create, update,
delete) while vbrd is killed with SIGKILL at random moments, --kills times over --rpcs calls.
After every restart: the state file loads (vbrd comes back), every mutation that was
acknowledged is there (and nothing acknowledged as deleted came back), and a create retried
with its request_id returns the first result. A call cut by the kill may or may not have been
applied; it is re-issued (creates with the same request_id) until the client knows.

Part 2, a failed write fails its whole batch: while a write that will fail is in flight
(store_faults.c preloaded), an AddBgpNetwork and a hard ResetBgpPeer of an Established peer
queue up behind it and form the next batch, whose write fails too: every call gets
UNAVAILABLE, the reset does not run (the session stays up, no NOTIFICATION), and nothing of it
is in the API or the state file.

Part 3, full disk: vbrd's state directory on a small tmpfs this test mounts; once the tmpfs is
full, mutations fail with a clear error and change nothing (not in the API, not after a
restart); with space again they succeed.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import harness  # noqa: E402
import netns  # noqa: E402
import vbrd as V  # noqa: E402

CUT = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN", "INTERNAL")


class Lost(Exception):
    pass


class Client:
    """One stream of mutations over its own slice of names (w<k>-*), addresses (10.200.<k>.*)
    and networks (100.<64+k>.*.0/24), with the model of what vbrd acknowledged."""

    def __init__(self, k, api_ref, rng):
        self.k = k
        self.api_ref = api_ref
        self.rng = rng
        self.groups = {}     # name -> dict(id, peer_asn, description)
        self.peers = {}      # ip -> dict(id, group, description)
        self.networks = set()
        self.pending = []    # ops cut by a kill, re-issued after the restart
        self.seq = 0
        self.acked = 0
        self.cut = 0
        self.errors = []

    @property
    def api(self):
        return self.api_ref[0]

    # ---- one operation: (name, callable(api) -> response, apply(response)) ----

    def next_op(self):
        r = self.rng.random()
        self.seq += 1
        n = self.seq
        if not self.groups:
            r = 0.5  # a group first: everything else hangs off one
        free_groups = [g for g in self.groups
                       if not any(p["group"] == g for p in self.peers.values())]
        if r < 0.30 and len(self.networks) < 20 or not self.networks and r < 0.4:
            cidr = f"100.{64 + self.k}.{self.rng.randrange(256)}.0/24"
            while cidr in self.networks:
                cidr = f"100.{64 + self.k}.{self.rng.randrange(256)}.0/24"
            rid = f"w{self.k}-net-{n}"
            return ("AddBgpNetwork " + cidr,
                    lambda a: a.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(
                        cidr=cidr, request_id=rid), timeout=10),
                    lambda resp: self.networks.add(cidr), ("network", cidr))
        if r < 0.45 and self.networks:
            cidr = self.rng.choice(sorted(self.networks))
            return ("DeleteBgpNetwork " + cidr,
                    lambda a: a.stub.DeleteBgpNetwork(V.pb.DeleteBgpNetworkRequest(cidr=cidr),
                                                      timeout=10),
                    lambda resp: self.networks.discard(cidr), ("network", cidr))
        if r < 0.60 and len(self.groups) < 12 or not self.groups:
            name = f"w{self.k}-g{n}"
            asn = 64512 + self.rng.randrange(1000)
            rid = f"w{self.k}-grp-{n}"

            def apply(resp, name=name, asn=asn):
                self.groups[name] = {"id": resp.id, "peer_asn": asn, "description": "",
                                     "rid": rid}
            return ("CreateBgpGroup " + name,
                    lambda a: a.stub.CreateBgpGroup(V.pb.CreateBgpGroupRequest(
                        name=name, peer_asn=asn, request_id=rid), timeout=10),
                    apply, ("group", name))
        if r < 0.70:
            name = self.rng.choice(sorted(self.groups))
            g = self.groups[name]
            desc = f"rev {n}"
            mask = field_mask(["description"])
            return ("UpdateBgpGroup " + name,
                    lambda a: a.stub.UpdateBgpGroup(V.pb.UpdateBgpGroupRequest(
                        id=g["id"], update_mask=mask, description=desc), timeout=10),
                    lambda resp: g.__setitem__("description", desc), ("group", name))
        if r < 0.76 and free_groups and len(self.groups) > 2:
            name = self.rng.choice(sorted(free_groups))
            gid = self.groups[name]["id"]
            return ("DeleteBgpGroup " + name,
                    lambda a: a.stub.DeleteBgpGroup(V.pb.DeleteBgpGroupRequest(id=gid),
                                                    timeout=10),
                    lambda resp: self.groups.pop(name, None), ("group", name))
        if r < 0.88 and len(self.peers) < 10:
            gname = self.rng.choice(sorted(self.groups))
            gid = self.groups[gname]["id"]
            ip = f"10.200.{self.k}.{self.rng.randrange(1, 255)}"
            while ip in self.peers:
                ip = f"10.200.{self.k}.{self.rng.randrange(1, 255)}"
            rid = f"w{self.k}-peer-{n}"

            def apply(resp, ip=ip, gname=gname):
                self.peers[ip] = {"id": resp.id, "group": gname, "description": "", "rid": rid}
            return ("CreateBgpPeer " + ip,
                    lambda a: a.stub.CreateBgpPeer(V.pb.CreateBgpPeerRequest(
                        group_id=gid, peer_ip=ip, admin_down=True, request_id=rid), timeout=10),
                    apply, ("peer", ip), ("group", gname))
        if r < 0.94 and self.peers:
            ip = self.rng.choice(sorted(self.peers))
            p = self.peers[ip]
            desc = f"rev {n}"
            mask = field_mask(["description"])
            return ("UpdateBgpPeer " + ip,
                    lambda a: a.stub.UpdateBgpPeer(V.pb.UpdateBgpPeerRequest(
                        id=p["id"], update_mask=mask, description=desc), timeout=10),
                    lambda resp: p.__setitem__("description", desc), ("peer", ip))
        if self.peers:
            ip = self.rng.choice(sorted(self.peers))
            pid = self.peers[ip]["id"]
            return ("DeleteBgpPeer " + ip,
                    lambda a: a.stub.DeleteBgpPeer(V.pb.DeleteBgpPeerRequest(id=pid), timeout=10),
                    lambda resp: self.peers.pop(ip, None), ("peer", ip))
        return self.next_op()

    def busy(self, keys):
        """Objects touched by a cut op are left alone until it is settled."""
        for op in self.pending:
            for key in op[3:]:
                if key in keys:
                    return True
        return False

    def step(self):
        """Issues one op. Returns 'ok', 'cut' or 'skip'."""
        op = self.next_op()
        if self.busy(op[3:]):
            return "skip"
        try:
            resp = op[1](self.api)
        except V.grpc.RpcError as e:
            if e.code().name in CUT:
                self.pending.append(op)
                self.cut += 1
                if os.environ.get("VR_DEBUG"):
                    print(f"cut: {op[0]}: {e.code().name} {e.details()}", flush=True)
                return "cut"
            self.errors.append(f"{op[0]}: {e.code().name} {e.details()}")
            return "skip"
        op[2](resp)
        self.acked += 1
        return "ok"

    def settle(self):
        """After a restart: re-issue cut ops until each has a definite outcome. A create is
        retried with its request_id; a repeated delete may find nothing (NOT_FOUND = it had
        been applied)."""
        for op in self.pending:
            try:
                resp = op[1](self.api)
                op[2](resp)
            except V.grpc.RpcError as e:
                if e.code().name == "NOT_FOUND" and op[0].startswith("Delete"):
                    op[2](None)
                elif e.code().name == "ALREADY_EXISTS" and op[0].startswith("Create"):
                    self.errors.append(f"{op[0]} re-issued with its request_id after a "
                                       f"restart got ALREADY_EXISTS: {e.details()}")
                else:
                    self.errors.append(f"{op[0]} re-issued: {e.code().name} {e.details()}")
        self.pending = []

    def verify(self, groups, peers, networks):
        """Compares the model (acknowledged mutations only) with vbrd's listing; returns
        the list of lost mutations. Objects touched by a cut op are skipped."""
        lost = []
        mine_g = {g.name: g for g in groups if g.name.startswith(f"w{self.k}-")}
        mine_p = {p.peer_ip: p for p in peers if p.peer_ip.startswith(f"10.200.{self.k}.")}
        mine_n = {n.cidr for n in networks if n.cidr.startswith(f"100.{64 + self.k}.")}
        for name, g in self.groups.items():
            if self.busy([("group", name)]):
                continue
            got = mine_g.get(name)
            if got is None:
                lost.append(f"group {name} ({g['id']}) acknowledged but missing")
            elif got.id != g["id"] or got.peer_asn != g["peer_asn"] \
                    or got.description != g["description"]:
                lost.append(f"group {name}: have id={got.id} asn={got.peer_asn} "
                            f"desc={got.description!r}, acknowledged {g}")
        for name in mine_g:
            if name not in self.groups and not self.busy([("group", name)]):
                lost.append(f"group {name} deleted (acknowledged) but back")
        for ip, p in self.peers.items():
            if self.busy([("peer", ip)]):
                continue
            got = mine_p.get(ip)
            if got is None:
                lost.append(f"peer {ip} acknowledged but missing")
            elif got.id != p["id"] or got.description != p["description"] \
                    or got.group_id != self.groups.get(p["group"], {}).get("id"):
                lost.append(f"peer {ip}: have id={got.id} desc={got.description!r}, "
                            f"acknowledged {p}")
        for ip in mine_p:
            if ip not in self.peers and not self.busy([("peer", ip)]):
                lost.append(f"peer {ip} deleted (acknowledged) but back")
        for cidr in self.networks:
            if not self.busy([("network", cidr)]) and cidr not in mine_n:
                lost.append(f"network {cidr} acknowledged but missing")
        for cidr in mine_n:
            if cidr not in self.networks and not self.busy([("network", cidr)]):
                lost.append(f"network {cidr} deleted (acknowledged) but back")
        return lost


def field_mask(paths):
    from google.protobuf import field_mask_pb2
    return field_mask_pb2.FieldMask(paths=paths)


def listing(api):
    return (api.list_all("ListBgpGroups", V.pb.ListBgpGroupsRequest, "groups"),
            api.list_all("ListBgpPeers", V.pb.ListBgpPeersRequest, "peers"),
            api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest, "networks"))


def kill_part(args, ns, results):
    rng = random.Random(args.seed)
    workdir = os.path.join(os.path.abspath(args.workdir), "kill")
    shutil.rmtree(workdir, ignore_errors=True)  # a fresh state: the model starts empty
    os.makedirs(workdir, exist_ok=True)
    daemon = V.Daemon(args.vbrd, ns, workdir, "10.0.0.1", max_peers=200)
    api_ref = [None]
    clients = [Client(k, api_ref, random.Random(rng.random())) for k in range(args.clients)]
    issued = [0]
    active = [0]
    lock = threading.Lock()
    running = threading.Event()
    stop = threading.Event()
    kill_at = sorted(rng.sample(range(5, args.rpcs), args.kills))

    def worker(c):
        while not stop.is_set():
            if not running.wait(0.1):
                continue
            with lock:
                # Checked under the lock the killer uses to park everyone: no call starts
                # while vbrd is being restarted and verified.
                if not running.is_set():
                    continue
                if issued[0] >= args.rpcs:
                    return
                issued[0] += 1
                active[0] += 1
            try:
                outcome = c.step()
            except Exception as e:  # a closed channel etc.: the call may or may not have run
                c.errors.append(f"client {c.k}: {e!r}")
                outcome = "skip"
            with lock:
                active[0] -= 1
                if outcome == "skip":
                    issued[0] -= 1
            if outcome == "skip":
                time.sleep(0.001)

    def park():
        deadline = time.time() + 30
        while active[0] and time.time() < deadline:
            time.sleep(0.002)

    try:
        daemon.start()
        api_ref[0] = daemon.connect()
        threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
        for t in threads:
            t.start()
        running.set()
        for k, at in enumerate(kill_at):
            deadline = time.time() + 60
            while issued[0] < at and time.time() < deadline and any(t.is_alive()
                                                                      for t in threads):
                time.sleep(0.0005)
            time.sleep(rng.random() * 0.004)  # land inside a call, not between two
            with lock:
                running.clear()  # no new call starts; those in flight are cut by the kill
            daemon.kill9()
            park()
            api_ref[0].close()
            try:
                daemon.start()
                api_ref[0] = daemon.connect()
            except RuntimeError as e:
                results.add(f"restart-{k + 1}", False, f"state file did not load: {e}")
                results.crashes += 1
                return
            lost = []
            groups, peers, networks = listing(api_ref[0])
            for c in clients:
                lost += c.verify(groups, peers, networks)
            for c in clients:
                c.settle()
            # request_id: an acknowledged create retried after the restart gives its first reply.
            rid_bad = []
            for c in clients:
                for name, g in list(c.groups.items())[:2]:
                    try:
                        again = api_ref[0].stub.CreateBgpGroup(V.pb.CreateBgpGroupRequest(
                            name=name, peer_asn=g["peer_asn"], request_id=g["rid"]), timeout=10)
                        if again.id != g["id"]:
                            rid_bad.append(f"{name}: retry gave {again.id}, first {g['id']}")
                    except V.grpc.RpcError as e:
                        rid_bad.append(f"{name} retry with request_id {g['rid']}: "
                                       f"{e.code().name} {e.details()}")
            acked = sum(c.acked for c in clients)
            results.lost += len(lost)
            results.add(f"kill-{k + 1}", not lost and not rid_bad,
                        f"after {issued[0]} RPCs ({acked} acknowledged): " +
                        ("; ".join((lost + rid_bad)[:6]) or "state file loaded, every "
                         "acknowledged mutation present, request_id retries answered alike"))
            running.set()
        deadline = time.time() + 120
        while any(t.is_alive() for t in threads) and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        groups, peers, networks = listing(api_ref[0])
        lost = []
        for c in clients:
            c.settle()
        groups, peers, networks = listing(api_ref[0])
        for c in clients:
            lost += c.verify(groups, peers, networks)
        errors = [e for c in clients for e in c.errors]
        results.lost += len(lost)
        results.add("kill-final", not lost and not errors,
                    f"{issued[0]} mutating RPCs, {sum(c.acked for c in clients)} acknowledged, "
                    f"{sum(c.cut for c in clients)} cut by a kill, "
                    f"{len(kill_at)} kills: " + ("; ".join((lost + errors)[:8]) or
                                                 "all present, no unexpected errors"))
        # And once more from a clean restart.
        daemon.stop()
        api_ref[0].close()
        daemon.start()
        api_ref[0] = daemon.connect()
        groups, peers, networks = listing(api_ref[0])
        lost = [x for c in clients for x in c.verify(groups, peers, networks)]
        results.lost += len(lost)
        results.add("graceful-restart", not lost, "; ".join(lost[:5]) or
                    f"{len(groups)} groups, {len(peers)} peers, {len(networks)} networks kept "
                    "across SIGTERM + restart")
        san = daemon.sanitizer_reports()
        if san:
            results.crashes += 1
        results.add("kill-sanitizers", not san, "; ".join(san[:3]) or "no sanitizer reports")
    finally:
        stop.set()
        daemon.stop()
        if api_ref[0] is not None:
            api_ref[0].close()


def torn_write_part(args, ns, results):
    """vbrd killed between fsync(temp) and rename (store_faults.c preloaded: it SIGKILLs
    the process at the rename of the state file): the call is not acknowledged, the old state file loads, and the
    leftover temp file does not stop the next mutation."""
    workdir = os.path.join(os.path.abspath(args.workdir), "torn")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
    daemon = V.Daemon(args.vbrd, ns, workdir, "10.0.0.1")
    api = None
    try:
        daemon.start()
        api = daemon.connect()
        want = {f"100.96.{i}.0/24" for i in range(3)}
        for cidr in sorted(want):
            api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr=cidr), timeout=10)
        daemon.stop()
        api.close()
        daemon.start(env_extra={"LD_PRELOAD": args.store_faults,
                                "VBR_FAULT_KILL_AT_RENAME": "1"})
        api = daemon.connect()
        acked = True
        try:
            api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr="100.96.9.0/24"), timeout=10)
        except V.grpc.RpcError:
            acked = False
        daemon.proc.wait(timeout=10)
        api.close()
        daemon.start()
        api = daemon.connect()
        nets = {n.cidr for n in api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                             "networks")}
        ok = not acked and nets == want
        if want - nets:
            results.lost += len(want - nets)
        results.add("torn-write", ok, "killed between fsync and rename: call not acknowledged, "
                    "the previous state loaded" if ok else
                    f"acknowledged={acked}, networks after restart {sorted(nets)}")
        api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr="100.96.10.0/24"), timeout=10)
        daemon.kill9()
        api.close()
        daemon.start()
        api = daemon.connect()
        nets = {n.cidr for n in api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                             "networks")}
        ok = nets == want | {"100.96.10.0/24"}
        results.add("torn-write-after", ok, "the next mutation is stored despite the leftover "
                    "temp file" if ok else f"networks {sorted(nets)}")
    finally:
        daemon.stop()
        if api is not None:
            api.close()


def is_clear_space_error(e):
    text = (e.details() or "").lower()
    return e.code().name in ("UNAVAILABLE", "INTERNAL", "RESOURCE_EXHAUSTED", "ABORTED",
                             "FAILED_PRECONDITION", "DATA_LOSS") and \
        any(w in text for w in ("space", "disk", "enospc", "write", "state", "full"))


def disk_part(args, ns, results):
    workdir = os.path.join(os.path.abspath(args.workdir), "disk")
    shutil.rmtree(workdir, ignore_errors=True)
    mnt = os.path.join(workdir, "tmpfs")
    os.makedirs(mnt, exist_ok=True)
    netns.run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "vr-full", mnt)
    daemon = V.Daemon(args.vbrd, ns, workdir, "10.0.0.1", state_dir=os.path.join(mnt, "state"))
    api = None
    filler = os.path.join(mnt, "filler")
    try:
        daemon.start()
        api = daemon.connect()
        g = api.create_group("full-disk", 65010, hold=30, keepalive=10)
        for i in range(5):
            api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr=f"100.99.{i}.0/24"), timeout=10)
        want_nets = {f"100.99.{i}.0/24" for i in range(5)}
        # Fill the tmpfs to the last block.
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
            try:
                while True:
                    f.write(b"\0" * 512)
                    f.flush()
            except OSError:
                pass
        attempts = [
            ("AddBgpNetwork", lambda: api.stub.AddBgpNetwork(
                V.pb.AddBgpNetworkRequest(cidr="100.98.0.0/24"), timeout=10)),
            ("CreateBgpGroup", lambda: api.stub.CreateBgpGroup(V.pb.CreateBgpGroupRequest(
                name="never-stored", peer_asn=65011), timeout=10)),
            ("UpdateBgpGroup", lambda: api.stub.UpdateBgpGroup(V.pb.UpdateBgpGroupRequest(
                id=g.id, update_mask=field_mask(["description"]), description="x" * 200),
                timeout=10)),
            ("DeleteBgpNetwork", lambda: api.stub.DeleteBgpNetwork(
                V.pb.DeleteBgpNetworkRequest(cidr="100.99.0.0/24"), timeout=10)),
        ]
        for name, call in attempts:
            try:
                call()
                results.add(f"disk-full-{name}", False,
                            "succeeded although the state directory is full")
            except V.grpc.RpcError as e:
                clear = is_clear_space_error(e)
                results.add(f"disk-full-{name}", clear,
                            f"{e.code().name}: {e.details()!r}" +
                            ("" if clear else " is not a clear out-of-space error"))
        nets = {n.cidr for n in api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                             "networks")}
        groups = {x.name: x for x in api.list_all("ListBgpGroups", V.pb.ListBgpGroupsRequest,
                                                  "groups")}
        unchanged = (nets == want_nets and set(groups) == {"full-disk"}
                     and groups["full-disk"].description == "")
        results.add("disk-full-unchanged", unchanged,
                    "failed mutations left no trace in the API" if unchanged else
                    f"API shows networks {sorted(nets)} groups {sorted(groups)}")
        os.unlink(filler)
        api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr="100.97.0.0/24"), timeout=10)
        want_nets.add("100.97.0.0/24")
        daemon.kill9()
        api.close()
        daemon.start()
        api = daemon.connect()
        nets = {n.cidr for n in api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                             "networks")}
        groups = [x.name for x in api.list_all("ListBgpGroups", V.pb.ListBgpGroupsRequest,
                                               "groups")]
        ok = nets == want_nets and groups == ["full-disk"]
        if not ok:
            results.lost += len(want_nets - nets)
        results.add("disk-full-recovery", ok, "with space again a mutation succeeds and "
                    "everything survives kill -9" if ok else
                    f"after restart: networks {sorted(nets)}, groups {groups}")
    finally:
        daemon.stop()
        if api is not None:
            api.close()
        if subprocess.run(["umount", mnt]).returncode != 0:
            subprocess.run(["umount", "-l", mnt])


def failed_batch_part(args, results):
    """Part 2 (see the module docstring)."""
    sub = argparse.Namespace(**vars(args))
    sub.workdir = os.path.join(os.path.abspath(args.workdir), "batch")
    flag = os.path.join(sub.workdir, "fail-writes")
    os.makedirs(sub.workdir, exist_ok=True)
    if os.path.exists(flag):
        os.unlink(flag)
    rig = harness.Rig(sub, attackers=0, wrapper=["env", f"LD_PRELOAD={args.store_faults}",
                                                 f"VBR_FAULT_FILE={flag}",
                                                 "VBR_FAULT_DELAY_MS=1500"])
    try:
        (peer_id,), _ = rig.healthy(1)
        before = rig.api.peer(peer_id)
        open(flag, "w").close()
        codes = {}

        def call(name, fn):
            try:
                fn()
                codes[name] = "OK"
            except V.grpc.RpcError as e:
                codes[name] = e.code().name
        stub = rig.api.stub
        first = threading.Thread(target=call, args=("first", lambda: stub.AddBgpNetwork(
            V.pb.AddBgpNetworkRequest(cidr="100.99.1.0/24"), timeout=20)))
        first.start()
        time.sleep(0.3)  # the first write is now sleeping in the fault; the next two queue
        queued = [threading.Thread(target=call, args=(name, fn)) for name, fn in (
            ("add", lambda: stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr="100.99.2.0/24"),
                                               timeout=20)),
            ("reset", lambda: stub.ResetBgpPeer(V.pb.ResetBgpPeerRequest(id=peer_id),
                                                timeout=20)))]
        for t in queued:
            t.start()
            time.sleep(0.05)
        for t in [first] + queued:
            t.join(30)
        os.unlink(flag)
        time.sleep(1.0)  # a reset that ran would show by now: Cease, a new session
        after = rig.api.peer(peer_id)
        nets = {n.cidr for n in rig.api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                                 "networks")}
        kept = (after.session_state == V.pb.SESSION_STATE_ESTABLISHED and
                after.established_time == before.established_time)
        ok = (codes == {"first": "UNAVAILABLE", "add": "UNAVAILABLE", "reset": "UNAVAILABLE"}
              and kept and not nets)
        results.add("failed-batch", ok, "a write failed: the batch behind it (a network, a "
                    "reset) failed with it and the reset did not run" if ok else
                    f"codes {codes}, session kept {kept}, networks {sorted(nets)}")
        rig.daemon.stop()
        rig.restart()
        nets = {n.cidr for n in rig.api.list_all("ListBgpNetworks", V.pb.ListBgpNetworksRequest,
                                                 "networks")}
        results.add("failed-batch-disk", not nets, "nothing of the failed batch on disk"
                    if not nets else f"after restart: networks {sorted(nets)}")
    finally:
        if os.path.exists(flag):
            os.unlink(flag)
        rig.close()


def main():
    ap = harness.base_args(__doc__.split("\n\n")[0])
    ap.add_argument("--rpcs", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--skip-disk", action="store_true")
    ap.add_argument("--store-faults", required=True,
                    help="store_faults.so, preloaded for the torn-write and failed-batch parts")
    args = ap.parse_args()
    netns.install_signal_cleanup()
    print(f"seed {args.seed} (rerun with --seed {args.seed})", flush=True)
    results = harness.Results("crash", args.label)
    topo = netns.Topology()
    try:
        V.load_stubs(os.path.join(os.path.abspath(args.workdir), "pystubs"))
        ns = topo.ns()
        kill_part(args, ns, results)
        torn_write_part(args, ns, results)
        failed_batch_part(args, results)
        if not args.skip_disk:
            disk_part(args, ns, results)
    except Exception as e:
        results.add("setup", False, f"{e!r}\n{traceback.format_exc()}")
    finally:
        topo.cleanup()
    return results.finish(args.results)


if __name__ == "__main__":
    sys.exit(main())
