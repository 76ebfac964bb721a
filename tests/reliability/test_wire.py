#!/usr/bin/python3
"""
test_wire: the adversarial wire suite (issue 7). For every case of wire_cases.CASES a fresh
configured peer address opens a real BGP session to vbrd and sends the case's bytes; the test
asserts vbrd's reaction on the wire (the exact NOTIFICATION, or the session kept with keepalives
still flowing) and in the API (ListRoutes: treat-as-withdraw removes the route, attribute
discard keeps it without the attribute; a reset clears the peer's Adj-RIB-In). Meanwhile a
healthy peer in its own namespace must stay Established without a single flap, and vbrd must
not crash.

Each case gets its own peer so that no case inherits another's idle-hold back-off. After the
table, --mutations randomly mutated copies of a rich valid UPDATE go over live sessions: each
must be processed with the session kept, or answered with an UPDATE Message Error and a close.
"""
import os
import queue
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
import bgpwire as W  # noqa: E402
import harness  # noqa: E402
import netns  # noqa: E402
import speaker as S  # noqa: E402
import vbrd as V  # noqa: E402
import wire_cases as WC  # noqa: E402

ASN = {"as4": 65001, "as2": 65001, "big": 4200000001}


class CaseFailed(Exception):
    pass


def expect_text(e):
    if e[0] == "notify":
        pairs = " or ".join(f"{c}/{s}" for c, s in e[1])
        data = "" if e[2] is None else f" data={e[2].hex()}"
        return f"NOTIFICATION {pairs}{data}"
    if e[0] == "withdraw":
        return f"session kept, {e[1]} withdrawn"
    if e[0] == "accept":
        return f"session kept, {e[1]} accepted {e[2] or ''}".rstrip()
    if e[0] == "kept":
        return "session kept"
    return "Established"


def check_route(r, checks, ctx, default_path):
    """Returns a list of mismatches between Route r and the expected fields."""
    bad = []
    checks = dict(checks)
    want_path = checks.pop("as_path", default_path)
    if want_path is not None and list(r.as_path) != want_path:
        bad.append(f"as_path {list(r.as_path)} != {want_path}")
    for k, v in checks.items():
        if k == "origin" and V.pb.Origin.Name(r.origin) != v:
            bad.append(f"origin {V.pb.Origin.Name(r.origin)} != {v}")
        elif k == "med" and (not r.HasField("med") or r.med != v):
            bad.append(f"med {r.med if r.HasField('med') else None} != {v}")
        elif k == "local_pref_not" and r.HasField("local_pref") and r.local_pref == v:
            bad.append(f"LOCAL_PREF {v} from an eBGP peer was kept")
        elif k == "n_communities" and len(r.communities) != v:
            bad.append(f"{len(r.communities)} communities != {v}")
        elif k == "communities" and list(r.communities) != v:
            bad.append(f"communities {list(r.communities)} != {v}")
        elif k == "large_communities" and list(r.large_communities) != v:
            bad.append(f"large communities {list(r.large_communities)} != {v}")
        elif k == "accepted" and r.accepted != v:
            bad.append(f"accepted {r.accepted} != {v}")
        elif k in ("not_accepted_reason", "as_path_text") and getattr(r, k) != v:
            bad.append(f"{k} {getattr(r, k)!r} != {v!r}")
        elif k == "segments":
            got = [(V.pb.AsPathSegmentType.Name(g.type)[len("AS_PATH_SEGMENT_TYPE_"):],
                    list(g.asns)) for g in r.as_path_segments]
            if got != v:
                bad.append(f"segments {got} != {v}")
        elif k == "next_hop_is_src" and r.next_hop != ctx.src:
            bad.append(f"next hop {r.next_hop} != {ctx.src}")
    return bad


class Runner:
    def __init__(self, rig, results):
        self.rig = rig
        self.api = rig.api
        self.results = results
        self.free_ips = queue.Queue()
        for a in rig.attack_ips:
            self.free_ips.put(a)
        self.groups = {
            "as4": self.api.create_group("adv-as65001", 65001, route_limit=1000).id,
            "big": self.api.create_group("adv-as4200000001", 4200000001, route_limit=1000).id,
        }
        self.groups["as2"] = self.groups["as4"]

    def run(self, case):
        ip = self.free_ips.get(timeout=60)
        t0 = time.monotonic()
        try:
            got = self.run_on(case, ip)
            self.results.add(case.id, True, f"{case.desc} -> {got} [{case.rfc}]",
                             seconds=round(time.monotonic() - t0, 2))
        except CaseFailed as e:
            self.results.add(case.id, False, f"{case.desc}: expected {expect_text(case.expect)}"
                             f" ({case.rfc}); got {e}")
        except Exception as e:  # a broken harness must show, not hide, the case
            self.results.add(case.id, False, f"{case.desc}: test error {e!r}: "
                             f"{traceback.format_exc(limit=3)}")
        finally:
            self.free_ips.put(ip)

    def connect(self, ctx, as4, asn):
        """A TCP connection accepted by vbrd (retried briefly: the peer was just created)."""
        last = None
        for _ in range(30):
            sess = S.Session(netns.socket_in_ns(self.rig.ns_a), asn, ctx.src, as4=as4,
                             hold=WC.HOLD, keepalive=1.0)
            try:
                sess.connect(ctx.src, harness.DUT_A, timeout=3)
                return sess
            except OSError as e:
                last = e
                sess.close()
                time.sleep(0.1)
        raise CaseFailed(f"cannot connect to vbrd: {last}")

    def run_on(self, case, ip):
        asn = ASN[case.session]
        as4 = case.session != "as2"
        ctx = WC.Ctx(asn=asn, as4=as4, src=ip, dut=harness.DUT_A)
        peer = self.api.create_peer(self.groups[case.session], ip)
        sess = None
        try:
            sess = self.connect(ctx, as4, asn)
            if case.kind == "open":
                return self.open_case(case, ctx, sess, peer)
            return self.update_case(case, ctx, sess, peer)
        finally:
            if sess is not None:
                sess.close()
            try:
                self.api.delete_peer(peer.id)
            except V.grpc.RpcError:
                pass

    # ---- verdicts ----

    def expect_notification(self, case, sess, peer):
        pairs, data = case.expect[1], case.expect[2]
        n = sess.wait_notification(6)
        if n is None:
            raise CaseFailed(f"no NOTIFICATION ({sess._why()})")
        code, sub, got_data = n.notification()
        if (code, sub) not in [tuple(p) for p in pairs]:
            raise CaseFailed(f"NOTIFICATION {W.describe_notification(code, sub)} "
                             f"data={got_data.hex()}")
        if data is not None and (code, sub) == tuple(pairs[0]) and got_data != data:
            raise CaseFailed(f"NOTIFICATION {code}/{sub} with data {got_data.hex()}, "
                             f"expected {data.hex()}")
        if not sess.wait_closed(6):
            raise CaseFailed(f"NOTIFICATION {code}/{sub} sent but the connection stayed open")
        # RFC 4271 6: closing clears the Adj-RIB-In.
        routes = self.api.wait_routes(peer.id, lambda r: not r, timeout=5)
        if routes:
            raise CaseFailed(f"NOTIFICATION {code}/{sub} ok, but {len(routes)} routes "
                             "stayed in ListRoutes after the session closed")
        return f"NOTIFICATION {code}/{sub}" + (f" data={got_data.hex()}" if got_data else "")

    def open_case(self, case, ctx, sess, peer):
        msg = case.build(ctx)
        if case.expect[0] == "established":
            try:
                sess.handshake(open_bytes=msg, timeout=5)
            except S.SessionError as e:
                raise CaseFailed(str(e))
            sess.start_keepalives()
            p = self.api.wait_state(peer.id, V.pb.SESSION_STATE_ESTABLISHED, timeout=5)
            if p.session_state != V.pb.SESSION_STATE_ESTABLISHED:
                raise CaseFailed(f"API shows {V.pb.SessionState.Name(p.session_state)}")
            return "Established"
        sess.send(msg)
        return self.expect_notification(case, sess, peer)

    def update_case(self, case, ctx, sess, peer):
        try:
            sess.handshake(timeout=5)
        except S.SessionError as e:
            raise CaseFailed(f"valid session did not come up: {e}")
        sess.start_keepalives()
        sess.announce([ctx.P], path=[ctx.asn])
        routes = self.api.wait_routes(peer.id, lambda r: ctx.P in r, timeout=5)
        if ctx.P not in routes:
            raise CaseFailed(f"the valid announcement of {ctx.P} never showed in ListRoutes")
        t_bad = sess.send(case.build(ctx))
        if case.expect[0] == "notify":
            return self.expect_notification(case, sess, peer)

        # Session must survive: a later valid UPDATE is processed (so the bad one was too)...
        sess.announce([ctx.M], path=[ctx.asn])
        routes = self.api.wait_routes(peer.id, lambda r: ctx.M in r, timeout=6)
        notes = sess.notifications()
        if notes:
            raise CaseFailed(f"session reset: {notes[0]!r}")
        if ctx.M not in routes:
            raise CaseFailed(f"a valid UPDATE after the case was not processed ({sess._why()})")
        # ...and keepalives keep flowing after it.
        if sess.wait(lambda m: m.type == W.KEEPALIVE, 4, after=t_bad) is None:
            raise CaseFailed(f"no KEEPALIVE from vbrd after the case ({sess._why()})")
        if sess.notifications() or sess.closed_at is not None:
            raise CaseFailed(f"session ended: {sess._why()}")
        p = self.api.peer(peer.id)
        if p.session_state != V.pb.SESSION_STATE_ESTABLISHED:
            raise CaseFailed(f"API shows {V.pb.SessionState.Name(p.session_state)}")

        kind = case.expect[0]
        if kind == "withdraw":
            if case.expect[1] in routes:
                r = routes[case.expect[1]]
                raise CaseFailed(f"session kept but {case.expect[1]} still in ListRoutes "
                                 f"(as_path {list(r.as_path)}, next hop {r.next_hop})")
            return f"kept, {case.expect[1]} withdrawn"
        if kind == "accept":
            pfx, checks = case.expect[1], case.expect[2]
            if pfx not in routes:
                raise CaseFailed(f"session kept but {pfx} missing from ListRoutes "
                                 "(treated as withdraw instead)")
            bad = check_route(routes[pfx], checks, ctx, [ctx.asn, 65100])
            if bad:
                raise CaseFailed("route kept but " + "; ".join(bad))
            return f"kept, {pfx} accepted"
        # "kept"
        return f"kept, {ctx.P} " + ("accepted" if ctx.P in routes else "withdrawn")


def base_update(ctx, i):
    """A rich, valid UPDATE to mutate: every attribute vbrd decodes, two prefixes."""
    attrs = (W.origin(0) + W.as_path([ctx.asn, 65100, 4200000001]) + W.next_hop(ctx.src)
             + W.med(10) + W.communities([(65001, i % 65536), (65001, 2)])
             + W.large_communities([(4200000001, 1, i)]) + W.aggregator(65001, ctx.src)
             + W.attr(W.WK, W.ATOMIC_AGGREGATE, b"")
             + W.attr(W.OPT_T, 201, b"opaque"))
    return W.update(attrs=attrs, nlri=W.prefix("203.0.113.0/24") + W.prefix("203.0.114.0/25"))


def mutate(rng, msg):
    """One random change inside the UPDATE body; the header Length is fixed up afterwards
    unless the change is to the header itself, so most mutations reach the decoder."""
    b = bytearray(msg)
    op = rng.randrange(8)
    if op <= 2:                      # flip bits in a random body byte
        k = rng.randrange(19, len(b))
        b[k] ^= 1 << rng.randrange(8)
    elif op == 3:                    # a random byte anywhere in the body
        b[rng.randrange(19, len(b))] = rng.randrange(256)
    elif op == 4:                    # cut the tail
        del b[rng.randrange(23, len(b)):]
    elif op == 5:                    # insert junk
        k = rng.randrange(19, len(b))
        b[k:k] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    elif op == 6:                    # duplicate a slice (often a whole attribute)
        k = rng.randrange(23, len(b))
        n = rng.randrange(1, 12)
        b[k:k] = b[k:k + n]
    else:                            # lengths: withdrawn / total attribute length
        k = rng.choice([19, 20, 21, 22])
        b[k] = rng.randrange(256)
    if len(b) < 19:
        return bytes(b)
    b[16:18] = len(b).to_bytes(2, "big")
    return bytes(b)


class Mutator:
    """Random mutations of a valid UPDATE over live sessions. Each one must leave vbrd either
    keeping the session (a later valid UPDATE is processed) or sending an UPDATE Message Error
    (code 3; code 1 only for a broken header) and closing: never a crash, never silence."""

    def __init__(self, runner, seed):
        self.runner = runner
        self.seed = seed

    def run(self, job, count):
        import random
        rng = random.Random(self.seed * 1000 + job)
        r = self.runner
        api = r.api
        done = 0
        while done < count:
            ip = r.free_ips.get(timeout=60)
            ctx = WC.Ctx(asn=65001, as4=True, src=ip, dut=harness.DUT_A)
            peer = api.create_peer(r.groups["as4"], ip)
            sess = None
            try:
                sess = r.connect(ctx, True, 65001)
                sess.handshake(timeout=5)
                sess.start_keepalives()
                while done < count:
                    n = done
                    done += 1
                    msg = mutate(rng, base_update(ctx, n))
                    sess.send(msg)
                    sentinel = f"198.18.{n % 256}.0/24"
                    sess.announce([sentinel], path=[65001])
                    deadline = time.time() + 6
                    seen = False
                    while time.time() < deadline:
                        if sess.notifications() or sess.closed_at is not None:
                            break
                        if sentinel in api.routes(peer.id):
                            seen = True
                            break
                        time.sleep(0.02)
                    cid = f"M{job}-{n:03d}"
                    if seen and not sess.notifications():
                        r.results.add(cid, True, "kept", quiet=True, msg=msg.hex())
                        continue
                    note = sess.wait_notification(3)
                    if note is None:
                        r.results.add(cid, False, f"no reaction: neither processed the next "
                                      f"UPDATE nor sent a NOTIFICATION ({sess._why()}); "
                                      f"message {msg.hex()}")
                        break
                    code = note.notification()[0]
                    ok = code == 3 or (code == 1 and msg[16:19] != base_update(ctx, n)[16:19])
                    r.results.add(cid, ok, f"{note!r}" + ("" if ok else
                                  f" for a mutated UPDATE {msg.hex()}"), quiet=True,
                                  msg=msg.hex())
                    break  # the session is gone: a new peer for the next one
            except (OSError, S.SessionError, CaseFailed) as e:
                r.results.add(f"M{job}-setup", False, repr(e))
                return
            finally:
                if sess is not None:
                    sess.close()
                try:
                    api.delete_peer(peer.id)
                except V.grpc.RpcError:
                    pass
                r.free_ips.put(ip)


def main():
    ap = harness.base_args(__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=6, help="cases run at once")
    ap.add_argument("--only", help="comma-separated case ids")
    ap.add_argument("--mutations", type=int, default=480,
                    help="random mutated UPDATEs sent over live sessions (0: none)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    netns.install_signal_cleanup()
    cases = WC.CASES
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.id in wanted]
    results = harness.Results("wire", args.label)
    rig = None
    try:
        rig = harness.Rig(args)
        healthy_ids, status = rig.healthy(1)
        events = rig.watch(healthy_ids)
        est_times = [rig.api.peer(i).established_time for i in healthy_ids]
        runner = Runner(rig, results)
        print(f"{len(cases)} cases, {args.jobs} at a time", flush=True)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for _ in pool.map(runner.run, cases):
                if not rig.daemon.alive():
                    break
        if args.mutations and rig.daemon.alive() and not args.only:
            print(f"{args.mutations} mutated UPDATEs, seed {args.seed} "
                  f"(rerun: --seed {args.seed})", flush=True)
            mut = Mutator(runner, args.seed)
            per = args.mutations // args.jobs
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                list(pool.map(lambda j: mut.run(j, per), range(args.jobs)))
            ms = [c for c in results.cases if c["id"].startswith("M")]
            kept = sum(1 for c in ms if c["ok"] and c["detail"] == "kept")
            print(f"  mutations: {len(ms)} sent, {kept} kept the session, "
                  f"{sum(1 for c in ms if c['ok']) - kept} answered by a NOTIFICATION, "
                  f"{sum(1 for c in ms if not c['ok'])} wrong", flush=True)
        if not rig.daemon.alive():
            results.crashes += 1
            results.add("vbrd-alive", False, f"vbrd died (exit {rig.daemon.proc.returncode}):\n"
                        f"{rig.daemon.log_tail()}")
        else:
            results.add("vbrd-alive", True, "vbrd still running after every case")
        time.sleep(1.5)  # a flap caused by the last cases has time to show
        problems = rig.healthy_flaps(status, healthy_ids, events, est_times)
        results.flaps += len(problems)
        results.add("healthy-peer", not problems,
                    "; ".join(problems) or "healthy peer Established throughout, no events")
        done, rig = rig, None
        done.close_and_check(results)
    except Exception as e:
        results.add("setup", False, f"{e!r}\n{traceback.format_exc()}")
    finally:
        if rig is not None:
            rig.close()
    return results.finish(args.results)


if __name__ == "__main__":
    sys.exit(main())
