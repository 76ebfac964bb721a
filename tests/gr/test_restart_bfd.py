"""Graceful restart and BFD together: BIRD 2 with `bfd graceful;`, BIRD 2 with `bfd on;` and
FRR 8 with `neighbor X bfd`, each with graceful restart and BFD Up to vbrd (100 ms x 3), which
advertises 172.16.1.0/24.

- vbrd restarts (SIGTERM, then SIGKILL; 2 s down each): polled every ~50 ms, FRR and the
  `bfd graceful` BIRD keep vbrd's subnet throughout (FRR marks it stale, so it was a graceful
  restart), and every BFD session is Up again afterwards. The `bfd on` BIRD is only reported:
  BIRD 2 takes any BFD Down (AdminDown included) as a failure that ends its graceful restart
  and flushes; the README says to use `bfd graceful` there.
- A BIRD restarts (SIGKILL, back with -R after 2 s; BFD goes Down while it is away): vbrd
  keeps its route in the kernel throughout, for both BIRDs, and BFD comes Up again.
"""
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grlab as G  # noqa: E402

L, V = G.L, G.V
OURS = "172.16.1.0/24"
BIRD_BFD = 'protocol bfd bfd1 { interface "eth0" { interval 100 ms; multiplier 3; }; }'
# host: (AS, route it announces, BIRD's BFD line; None: FRR)
PEERS = {
    "bgr": (65022, "192.168.22.0/24", "bfd graceful;"),
    "bon": (65021, "192.168.21.0/24", "bfd on;"),
    "frr": (65023, "192.168.23.0/24", None),
}
MUST_KEEP = ("bgr", "frr")


class RestartWithBfd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = L.Lab(["v"] + list(PEERS), prefix=G.TAG)
        try:
            v = cls.lab.ip("v")
            cls.birds = {h: L.Bird(cls.lab, h, asn, v, routes=[route],
                                   extra=BIRD_BFD + "\n" + G.BIRD_GLOBAL,
                                   bgp_extra=G.bird_gr(120) + " " + bfd).start()
                         for h, (asn, route, bfd) in PEERS.items() if bfd}
            cls.frr = L.Frr(cls.lab, "frr", PEERS["frr"][0], v, routes=[PEERS["frr"][1]],
                            bgpd_tail=G.FRR_GR % 120).start()
            cls.vbrd = V.Vbrd(cls.lab, "v", args=["--selection-deferral", "20"]).start()
            cls.vbrd.network(OURS)
            cls.peers = {}
            for h, (asn, _, _) in PEERS.items():
                g = cls.vbrd.group(h, asn, bfd_min_interval_ms=100, bfd_detect_multiplier=3)
                cls.peers[h] = cls.vbrd.peer(g.id, cls.lab.ip(h), enable_bfd=True).id
            cls.ready()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        G.teardown(cls)

    @classmethod
    def views(cls):
        """{host: None | 'stale' | 'fresh'}: what each peer holds of vbrd's subnet."""
        v = {h: ("fresh" if OURS in b.routes() else None) for h, b in cls.birds.items()}
        v["frr"] = G.frr_view(cls.frr, OURS)
        return v

    @classmethod
    def ready(cls):
        G.wait_gr_negotiated(cls.vbrd, cls.peers)
        for h, pid in cls.peers.items():
            L.wait_for(lambda: cls.vbrd.get_peer(pid).bfd_state == V.pb.BFD_STATE_UP, 20,
                       interval=0.1, what="%s's BFD Up" % h)
        routes = {r for _, r, _ in PEERS.values()}
        L.wait_for(lambda: routes <= set(G.kernel_routes(cls.lab)), 20,
                   what="the peers' routes in vbrd's kernel")
        L.wait_for(lambda: set(cls.views().values()) == {"fresh"}, 30,
                   what="vbrd's subnet fresh at every peer")

    def sample_while(self, action, seconds, view):
        """[(t, view())] every ~50 ms from just before action() until `seconds` after it."""
        samples, stop = [], threading.Event()
        t0 = time.monotonic()

        def poll():
            while not stop.is_set() and time.monotonic() - t0 < 90:
                samples.append((round(time.monotonic() - t0, 2), view()))
                stop.wait(0.05)
        t = threading.Thread(target=poll, daemon=True)
        t.start()
        try:
            action()
            time.sleep(seconds)
        finally:
            stop.set()
            t.join(10)
        return samples

    def test_1_vbrd_restarts(self):
        for sig, what in ((signal.SIGTERM, "SIGTERM"), (signal.SIGKILL, "kill -9")):
            def restart():
                self.vbrd.stop(sig=sig)
                time.sleep(2)
                self.vbrd.start()
                self.ready()
            samples = self.sample_while(restart, 0, self.views)
            for h in PEERS:
                gone = [t for t, v in samples if v[h] is None]
                print("%s, 2 s down, BFD on: %s (%s) lost 172.16.1.0/24 in %d of %d samples"
                      % (what, h, PEERS[h][2] or "FRR neighbor bfd", len(gone), len(samples)),
                      file=sys.stderr)
                if h in MUST_KEEP:
                    self.assertEqual(gone, [], "%s: %s lost vbrd's subnet" % (what, h))
            self.assertIn("stale", [v["frr"] for _, v in samples],
                          "%s: FRR never marked our subnet stale (was it a restart?)" % what)

    def test_2_a_bird_restarts(self):
        for h, bird in self.birds.items():
            route = PEERS[h][1]

            def away_and_back():
                bird.kill()
                time.sleep(2)
                bird.start(["-R"])
            samples = self.sample_while(away_and_back, 1, lambda: (
                route in G.kernel_routes(self.lab),
                self.vbrd.get_peer(self.peers[h]).bfd_state == V.pb.BFD_STATE_UP))
            gone = [t for t, (present, _) in samples if not present]
            self.assertEqual(gone, [], "vbrd dropped %s's route while BFD was Down" % h)
            self.assertIn(False, [up for _, (_, up) in samples], "BFD never went Down")
            self.ready()
            print("BIRD (%s) killed, back with -R in 2 s: its route in vbrd's kernel in all %d "
                  "samples" % (PEERS[h][2], len(samples)), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
