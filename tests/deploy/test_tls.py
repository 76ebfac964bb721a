"""TLS and mutual TLS on vbrd's API, with real clients: Python grpc (ssl_channel_credentials),
vbrctl --ca/--cert/--key and vbr-health. Certificates are made with openssl at test time.
Also: a non-loopback API without TLS is refused unless --insecure-api (in a private netns)."""
import os
import unittest

import dlib
from dlib import Vbrd, wait_until

CERTS = None


def setUpModule():
    global CERTS
    dlib.stubs()
    CERTS = dlib.make_certs(dlib.mkdtemp("vd-certs-"), ips=("127.0.0.1", "10.66.0.1"))


def creds(ca="ca.crt", client=None):
    kw = {"root_certificates": dlib.read(CERTS[ca])}
    if client:
        kw["private_key"] = dlib.read(CERTS[client + ".key"])
        kw["certificate_chain"] = dlib.read(CERTS[client + ".crt"])
    return dlib.grpc.ssl_channel_credentials(**kw)


def get_router(addr, credentials=None, timeout=5):
    """GetRouter over a fresh channel; returns the Router or raises grpc.RpcError."""
    g = dlib.grpc
    ch = g.secure_channel(addr, credentials) if credentials else g.insecure_channel(addr)
    with ch:
        stub = dlib.pbg.VirtualBorderRouterStub(ch)
        return stub.GetRouter(dlib.pb.GetRouterRequest(), timeout=timeout)


def tls_args(client_ca=False):
    a = ["--tls-cert", CERTS["server.crt"], "--tls-key", CERTS["server.key"]]
    if client_ca:
        a += ["--tls-client-ca", CERTS["ca.crt"]]
    return a


class TlsTests(unittest.TestCase):
    def start(self, client_ca):
        self.port = dlib.free_port()
        self.addr = "127.0.0.1:%d" % self.port
        self.d = Vbrd(["--api", self.addr, "--bgp-listen", "127.0.0.1:0"] + tls_args(client_ca))
        self.good = creds(client="client") if client_ca else creds()
        wait_until(lambda: get_router(self.addr, self.good, timeout=2), dlib.START_TIMEOUT,
                   "vbrd to answer over TLS")

    def tearDown(self):
        self.assertEqual(self.d.stop(), 0, self.d.log())

    def assertRefused(self, credentials):
        with self.assertRaises(dlib.grpc.RpcError) as cm:
            get_router(self.addr, credentials)
        self.assertEqual(cm.exception.code(), dlib.grpc.StatusCode.UNAVAILABLE)

    def test_tls_server_only(self):
        self.start(client_ca=False)
        r = get_router(self.addr, creds())
        self.assertEqual(r.local_asn, 45104)
        # A client certificate is not needed, but one is harmless.
        self.assertEqual(get_router(self.addr, creds(client="client")).local_asn, 45104)
        # A plaintext client cannot talk to a TLS server.
        self.assertRefused(None)
        # A client that trusts another CA refuses the server's certificate.
        self.assertRefused(creds(ca="rogue-ca.crt"))
        # vbrctl and the health probe over TLS.
        r = dlib.vbrctl(self.addr, ["router", "show"], extra=["--ca", CERTS["ca.crt"]])
        self.assertIn("45104", r.stdout)
        h = dlib.health(self.addr, ["--ca", CERTS["ca.crt"]])
        self.assertEqual(h.returncode, 0, h.stdout + h.stderr)
        self.assertEqual(h.stdout.strip(), "SERVING")
        # The probe checks the name: by IP SAN here; a name the cert lacks fails.
        h = dlib.health(self.addr, ["--ca", CERTS["ca.crt"], "--tls-server-name", "nope"])
        self.assertEqual(h.returncode, 1)
        h = dlib.health(self.addr, ["--ca", CERTS["ca.crt"], "--tls-server-name", "vbr1"])
        self.assertEqual(h.returncode, 0, h.stdout + h.stderr)
        h = dlib.health(self.addr)   # plaintext probe against TLS
        self.assertEqual(h.returncode, 1)

    def test_mutual_tls(self):
        self.start(client_ca=True)
        r = get_router(self.addr, creds(client="client"))
        self.assertEqual(r.local_asn, 45104)
        # No client certificate: refused.
        self.assertRefused(creds())
        # A client certificate from another CA: refused.
        self.assertRefused(creds(client="rogue-client"))
        # No TLS at all: refused.
        self.assertRefused(None)
        # Mutations work for the good client, and only for it.
        g = dlib.grpc
        with g.secure_channel(self.addr, creds(client="client")) as ch:
            stub = dlib.pbg.VirtualBorderRouterStub(ch)
            stub.AddBgpNetwork(dlib.pb.AddBgpNetworkRequest(cidr="203.0.113.0/24"), timeout=5)
        with g.secure_channel(self.addr, creds(client="rogue-client")) as ch:
            stub = dlib.pbg.VirtualBorderRouterStub(ch)
            with self.assertRaises(g.RpcError):
                stub.AddBgpNetwork(dlib.pb.AddBgpNetworkRequest(cidr="198.51.100.0/24"),
                                   timeout=5)
        with g.secure_channel(self.addr, creds(client="client")) as ch:
            stub = dlib.pbg.VirtualBorderRouterStub(ch)
            nets = stub.ListBgpNetworks(dlib.pb.ListBgpNetworksRequest(), timeout=5).networks
            self.assertEqual([n.cidr for n in nets], ["203.0.113.0/24"])
        # vbrctl with and without its client certificate.
        ok = ["--ca", CERTS["ca.crt"], "--cert", CERTS["client.crt"], "--key", CERTS["client.key"]]
        r = dlib.vbrctl(self.addr, ["network", "list"], extra=ok)
        self.assertIn("203.0.113.0/24", r.stdout)
        r = dlib.vbrctl(self.addr, ["network", "list"], extra=["--ca", CERTS["ca.crt"]],
                        check=False)
        self.assertNotEqual(r.returncode, 0)
        # The health probe: with its certificate SERVING, without it refused.
        h = dlib.health(self.addr, ok)
        self.assertEqual(h.returncode, 0, h.stdout + h.stderr)
        h = dlib.health(self.addr, ["--ca", CERTS["ca.crt"]])
        self.assertEqual(h.returncode, 1)
        bad = ["--ca", CERTS["ca.crt"], "--cert", CERTS["rogue-client.crt"],
               "--key", CERTS["rogue-client.key"]]
        self.assertEqual(dlib.health(self.addr, bad).returncode, 1)


class NonLoopbackTests(unittest.TestCase):
    """An API on a non-loopback address, inside a namespace of our own (10.66.0.1)."""

    @classmethod
    def setUpClass(cls):
        cls.ns = dlib.Netns("tls")
        # A veth pair inside the namespace: the kernel here has no dummy interfaces.
        n = cls.ns.name
        dlib.run(["ip", "-n", n, "link", "add", "vdtls0", "type", "veth", "peer", "name", "vdtls1"])
        dlib.run(["ip", "-n", n, "addr", "add", "10.66.0.1/24", "dev", "vdtls0"])
        dlib.run(["ip", "-n", n, "link", "set", "vdtls0", "up"])
        dlib.run(["ip", "-n", n, "link", "set", "vdtls1", "up"])

    def test_plaintext_refused(self):
        for api in ("10.66.0.1:50051", "0.0.0.0:50051"):
            d = Vbrd(["--api", api, "--bgp-listen", "127.0.0.1:0"], netns=self.ns)
            rc = d.wait_exit(dlib.START_TIMEOUT)
            self.assertIsNotNone(rc, "vbrd kept running with a plaintext non-loopback API")
            self.assertNotEqual(rc, 0)
            log = d.log()
            self.assertIn("without TLS", log)
            self.assertIn("--insecure-api", log)
            d.stop()

    def test_insecure_api_allowed(self):
        d = Vbrd(["--api", "10.66.0.1:50051", "--bgp-listen", "127.0.0.1:0", "--insecure-api"],
                 netns=self.ns)
        h = wait_until(lambda: dlib.health("10.66.0.1:50051", netns=self.ns).returncode == 0,
                       dlib.START_TIMEOUT, "plaintext API with --insecure-api")
        self.assertTrue(h)
        self.assertEqual(d.stop(), 0, d.log())
        # The env form works too.
        d = Vbrd(["--api", "10.66.0.1:50051", "--bgp-listen", "127.0.0.1:0"], netns=self.ns,
                 env={"VBRD_INSECURE_API": "1"})
        wait_until(lambda: dlib.health("10.66.0.1:50051", netns=self.ns).returncode == 0,
                   dlib.START_TIMEOUT, "plaintext API with VBRD_INSECURE_API=1")
        self.assertEqual(d.stop(), 0, d.log())

    def test_tls_on_non_loopback(self):
        d = Vbrd(["--api", "10.66.0.1:50051", "--bgp-listen", "127.0.0.1:0"] + tls_args(True),
                 netns=self.ns)
        ok = ["--ca", CERTS["ca.crt"], "--cert", CERTS["client.crt"], "--key", CERTS["client.key"]]
        wait_until(lambda: dlib.health("10.66.0.1:50051", ok, netns=self.ns).returncode == 0,
                   dlib.START_TIMEOUT, "mTLS API on 10.66.0.1")
        self.assertEqual(dlib.health("10.66.0.1:50051", ["--ca", CERTS["ca.crt"]],
                                     netns=self.ns).returncode, 1)
        self.assertEqual(d.stop(), 0, d.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
