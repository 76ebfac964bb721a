#!/usr/bin/python3
"""
test_valgrind: a full vbrd lifecycle with live BGP sessions under valgrind (issue 7): a healthy
peer stays Established while an attacking peer announces routes, sends a treat-as-withdraw
UPDATE, an attribute-discard UPDATE and one that resets the session, comes back, resets its TCP
connection, is reset and soft-reset from the API, and is finally deleted while Established;
networks are added and withdrawn, watchers are subscribed, unconfigured addresses connect.
Then SIGTERM: vbrd exits 0 and valgrind reports no memory error and no definite or indirect
leak, with only the suppressions the service commits for the gRPC core's globals.
"""
import glob
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
import bgpwire as W  # noqa: E402
import harness  # noqa: E402
import netns  # noqa: E402
import speaker as S  # noqa: E402
import vbrd as V  # noqa: E402
import wire_cases as WC  # noqa: E402

VG_ERROR = 97


def suppressions():
    repo = V.REPO
    found = sorted(glob.glob(os.path.join(repo, "service", "*.supp")) +
                   glob.glob(os.path.join(repo, "tests", "*.supp")))
    return found[:1]


def attacker(rig, ip, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        s = S.Session(netns.socket_in_ns(rig.ns_a), 65001, ip, hold=30, keepalive=5.0)
        try:
            s.connect(ip, harness.DUT_A, timeout=10)
            s.handshake(timeout=20)
            s.start_keepalives()
            return s
        except (OSError, S.SessionError) as e:
            last = e
            s.close()
            time.sleep(0.5)
    raise RuntimeError(f"attacker session from {ip} did not come up: {last}")


def step(results, name, fn):
    try:
        detail = fn()
        results.add(name, True, detail)
        return True
    except Exception as e:
        results.add(name, False, f"{e!r}: {traceback.format_exc(limit=3)}")
        return False


def main():
    ap = harness.base_args(__doc__.split("\n\n")[0])
    args = ap.parse_args()
    netns.install_signal_cleanup()
    results = harness.Results("valgrind", args.label)
    rig = None
    vg = ["valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
          "--show-leak-kinds=definite,indirect", f"--error-exitcode={VG_ERROR}",
          "--track-fds=no", "--num-callers=30"] + [f"--suppressions={s}" for s in suppressions()]
    try:
        rig = harness.Rig(args, attackers=4, unconfigured=5, wrapper=vg, ready_timeout=120)
        api = rig.api
        exe = os.readlink(f"/proc/{rig.daemon.pid()}/exe")
        results.add("under-valgrind", "memcheck" in exe, f"vbrd runs as {exe}")
        healthy_ids, status = rig.healthy(1, hold=30, keepalive=10)
        watch_events = rig.watch([])
        watchers = [api.stub.WatchPeerEvents(V.pb.WatchPeerEventsRequest(
            send_initial_state=True)) for _ in range(5)]
        group = api.create_group("vg-attack", 65001, hold=30, keepalive=10)
        ip = rig.attack_ips[0]
        peer = api.create_peer(group.id, ip)
        ctx = WC.Ctx(asn=65001, as4=True, src=ip, dut=harness.DUT_A)
        state = {}

        def routes_in():
            s = attacker(rig, ip)
            state["s"] = s
            s.announce(["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"], path=[65001])
            r = api.wait_routes(peer.id, lambda r: len(r) == 3, timeout=30)
            assert len(r) == 3, f"ListRoutes shows {sorted(r)}"
            return "3 routes received and listed"

        def malformed():
            s = state["s"]
            s.send(WC.good(ctx, o=W.attr(W.WK, W.ORIGIN, b"\x03")))          # withdraw
            s.send(WC.good(ctx, nlri=W.prefix("198.51.100.0/24"),
                           extra=W.attr(W.OPT_T, W.AGGREGATOR, b"\x00" * 7)))  # discard
            r = api.wait_routes(peer.id, lambda r: "203.0.113.0/24" not in r, timeout=30)
            assert "203.0.113.0/24" not in r and "198.51.100.0/24" in r, sorted(r)
            s.send(WC.good(ctx, extra=WC.UNK_WK))                             # reset
            n = s.wait_notification(30)
            assert n is not None and n.notification()[:2] == (3, 2), repr(n)
            s.close()
            return "treat-as-withdraw, attribute discard, then 3/2 and the session closed"

        def comes_back():
            s = attacker(rig, ip, timeout=60)
            s.announce(["203.0.113.0/24"], path=[65001])
            s.close(rst=True)
            s = attacker(rig, ip, timeout=60)
            state["s"] = s
            s.send(W.message(W.ROUTE_REFRESH, b"\x00\x01\x00\x01"))
            return "reconnected after the NOTIFICATION and after a TCP reset; ROUTE-REFRESH sent"

        def api_churn():
            for i in range(10):
                api.stub.AddBgpNetwork(V.pb.AddBgpNetworkRequest(cidr=f"100.80.{i}.0/24"),
                                       timeout=30)
            for i in range(0, 10, 2):
                api.stub.DeleteBgpNetwork(V.pb.DeleteBgpNetworkRequest(cidr=f"100.80.{i}.0/24"),
                                          timeout=30)
            api.stub.ResetBgpPeer(V.pb.ResetBgpPeerRequest(id=peer.id, soft=True), timeout=30)
            api.stub.ResetBgpPeer(V.pb.ResetBgpPeerRequest(id=peer.id, message="vg reset"),
                                  timeout=30)
            n = state["s"].wait_notification(30)
            assert n is not None and n.notification()[:2] == (6, 4), repr(n)
            state["s"].close()
            s = attacker(rig, ip, timeout=60)
            state["s"] = s
            api.routes(peer.id, advertised=True)
            return "networks added/withdrawn, soft and hard reset (6/4 received), session back"

        def unconfigured():
            for src in rig.unconfigured_ips:
                sk = netns.socket_in_ns(rig.ns_a)
                sk.bind((src, 0))
                sk.settimeout(20)
                try:
                    sk.connect((harness.DUT_A, 179))
                    sk.recv(100)
                except OSError:
                    pass
                sk.close()
            return f"{len(rig.unconfigured_ips)} unconfigured connections"

        def delete_live():
            api.delete_peer(peer.id)
            n = state["s"].wait_notification(30)
            assert n is not None and n.notification()[:2] == (6, 3), repr(n)
            state["s"].close()
            return "peer deleted while Established: Cease / Peer De-configured received"

        for name, fn in [("routes", routes_in), ("malformed", malformed),
                         ("reconnect", comes_back), ("api-churn", api_churn),
                         ("unconfigured", unconfigured), ("delete-live", delete_live)]:
            if not step(results, name, fn):
                break
        problems = [p for p in rig.healthy_flaps(status, healthy_ids, [
            e for e in watch_events if e.peer_id in healthy_ids and
            e.kind == V.pb.PEER_EVENT_KIND_STATE_CHANGED and
            e.old_state == V.pb.SESSION_STATE_ESTABLISHED], [
            api.peer(i).established_time for i in healthy_ids])]
        results.flaps += len(problems)
        results.add("healthy-peer", not problems, "; ".join(problems) or "never flapped")
        del watchers  # still subscribed when SIGTERM arrives: their teardown is checked too
        done, rig = rig, None
        rc = done.close(stop_timeout=180)
        log = open(done.daemon.log_path, errors="replace").read()
        bad = [line for line in log.splitlines()
               if "definitely lost" in line or "indirectly lost" in line or
               "Invalid read" in line or "Invalid write" in line or
               "uninitialised" in line or "Conditional jump" in line]
        results.add("valgrind", rc == 0 and not bad,
                    f"SIGTERM -> exit {rc}" + ("" if rc != VG_ERROR else
                                               " (valgrind found errors or leaks)") +
                    ("; " + "; ".join(bad[:5]) if bad else "; no memory error, no leak"))
        if rc != 0:
            print(log[-15000:])
    except Exception as e:
        results.add("setup", False, f"{e!r}\n{traceback.format_exc()}")
    finally:
        if rig is not None:
            rig.close(stop_timeout=180)
    return results.finish(args.results)


if __name__ == "__main__":
    sys.exit(main())
