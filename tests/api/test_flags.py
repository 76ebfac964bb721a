"""vbrd's command line: --help, each flag also as a VBRD_* environment variable, flags winning
over the environment, and bad values refused at start-up with a non-zero exit.
"""
import os
import subprocess

import vbrtest
from vbrtest import DaemonTest

FLAGS = ["--api", "--bgp-listen", "--router-id", "--local-asn", "--state-dir", "--max-peers"]


def setUpModule():
    vbrtest.generate_stubs()


def pb():
    return vbrtest.pb


class FlagTests(DaemonTest):
    def setUp(self):
        pass  # these tests start their own daemons

    def run_vbrd(self, args, env=None, timeout=20):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([vbrtest.VBRD] + args, capture_output=True, timeout=timeout,
                              env=e, stdin=subprocess.DEVNULL)

    def test_help_lists_flags(self):
        r = self.run_vbrd(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        text = (r.stdout + r.stderr).decode()
        for f in FLAGS + ["--max-networks"]:
            self.assertIn(f, text)
        self.assertIn("VBRD_API", text)

    def test_unknown_flag_fails(self):
        work = vbrtest.mkdtemp()
        r = self.run_vbrd(["--no-such-flag", "--api", "unix:%s/a.sock" % work,
                           "--bgp-listen", "127.0.0.1:%d" % vbrtest.free_port(),
                           "--state-dir", work])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"no-such-flag", r.stderr + r.stdout)

    def test_bad_values_fail(self):
        work = vbrtest.mkdtemp()
        base = {"--api": "unix:%s/a.sock" % work,
                "--bgp-listen": "127.0.0.1:%d" % vbrtest.free_port(),
                "--state-dir": work}
        for flag, value in [("--local-asn", "abc"), ("--local-asn", "0"),
                            ("--local-asn", "4294967296"), ("--router-id", "1.2.3"),
                            ("--router-id", "::1"), ("--max-peers", "-1"),
                            ("--max-peers", "x"), ("--bgp-listen", "nowhere"),
                            ("--bgp-listen", "127.0.0.1:70000")]:
            with self.subTest(flag=flag, value=value):
                args = dict(base)
                args[flag] = value
                argv = [x for kv in args.items() for x in kv]
                r = self.run_vbrd(argv)
                self.assertNotEqual(r.returncode, 0)
                self.assertGreater(r.returncode, 0, "crashed: %s" % r.returncode)
                self.assertIn(flag.encode(), r.stderr + r.stdout,
                              "the error should name %s" % flag)

    def test_env_vbrd_api(self):
        work = vbrtest.mkdtemp()
        sock = "unix:" + os.path.join(work, "env.sock")
        d = self.daemon(api=sock, pass_api=False, env={"VBRD_API": sock})
        self.assertEqual(d.api().GetRouter(pb().GetRouterRequest()).local_asn, 45104)

    def test_env_all_flags(self):
        work = vbrtest.mkdtemp()
        sock = "unix:" + os.path.join(work, "env.sock")
        state = os.path.join(work, "st")
        os.makedirs(state)
        listen = "127.0.0.1:%d" % vbrtest.free_port()
        d = self.daemon(api=sock, state_dir=state, bgp_listen=listen, pass_api=False,
                        pass_bgp=False, pass_state=False,
                        env={"VBRD_API": sock, "VBRD_BGP_LISTEN": listen,
                             "VBRD_ROUTER_ID": "198.51.100.9", "VBRD_LOCAL_ASN": "65077",
                             "VBRD_STATE_DIR": state, "VBRD_MAX_PEERS": "5",
                             "VBRD_MAX_NETWORKS": "7"})
        api = d.api()
        r = api.GetRouter(pb().GetRouterRequest())
        self.assertEqual((r.router_id, r.local_asn, r.bgp_listen, r.max_peers, r.max_networks),
                         ("198.51.100.9", 65077, listen, 5, 7))
        api.CreateBgpGroup(pb().CreateBgpGroupRequest(name="envgroup", peer_asn=65001))
        self.assertTrue(os.listdir(state), "state not written to VBRD_STATE_DIR")

    def test_state_dir_parents_created(self):
        """Missing parents of --state-dir are made; the state dir itself is 0700."""
        work = vbrtest.mkdtemp()
        state = os.path.join(work, "a", "b", "state")
        d = self.daemon(state_dir=state)
        d.api().CreateBgpGroup(pb().CreateBgpGroupRequest(name="deep", peer_asn=65001))
        self.assertIn("state.pb", os.listdir(state))
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)

    def test_state_dir_error_names_folder(self):
        """A parent that cannot be made is named in the error, and vbrd exits non-zero."""
        work = vbrtest.mkdtemp()
        blocker = os.path.join(work, "file")
        open(blocker, "w").close()
        state = os.path.join(blocker, "sub", "state")
        r = self.run_vbrd(["--api", "unix:%s/a.sock" % work,
                           "--bgp-listen", "127.0.0.1:%d" % vbrtest.free_port(),
                           "--state-dir", state])
        self.assertGreater(r.returncode, 0)
        out = (r.stderr + r.stdout).decode()
        self.assertIn("cannot create %s/sub" % blocker, out)
        self.assertIn("Not a directory", out)

    def test_default_bgp_listen(self):
        """Without --bgp-listen vbrd listens on 0.0.0.0:179 (inside its own namespace here)."""
        if not vbrtest.can_sandbox():
            self.skipTest("binding port 179 needs root and a private namespace")
        # The namespace has no non-loopback address to take a router id from.
        d = self.daemon(pass_bgp=False, args=["--router-id", "192.0.2.1"])
        r = d.api().GetRouter(pb().GetRouterRequest())
        self.assertEqual(r.bgp_listen, "0.0.0.0:179")
        self.assertEqual(r.local_asn, 45104)
        self.assertEqual(r.max_peers, 8)

    def test_flag_beats_env(self):
        d = self.daemon(args=["--local-asn", "65002"], env={"VBRD_LOCAL_ASN": "65001"})
        self.assertEqual(d.api().GetRouter(pb().GetRouterRequest()).local_asn, 65002)

    def test_api_tcp_loopback(self):
        port = vbrtest.free_port()
        d = self.daemon(api="127.0.0.1:%d" % port)
        self.assertEqual(d.api().GetRouter(pb().GetRouterRequest()).max_peers, 8)

    def test_api_address_in_use_fails(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        port = s.getsockname()[1]
        d = self.daemon(start=False, api="127.0.0.1:%d" % port)
        d.start(wait=False)
        rc = d.wait_exit(20)
        self.assertIsNotNone(rc, "vbrd kept running without its API address")
        self.assertGreater(rc, 0)
