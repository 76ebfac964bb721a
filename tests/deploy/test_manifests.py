"""The deployment files agree with the daemon and with each other: every VBRD_* variable in the
Dockerfile, the Kubernetes ConfigMap and the compose file is one `vbrd --help` lists; the
StatefulSet has one replica, host networking, a PVC at the state dir, the TLS Secret mounted where
the ConfigMap points, gRPC health probes through vbr-health with the client certificate mTLS
needs, and exactly CAP_NET_BIND_SERVICE and CAP_NET_ADMIN (forwarding: the node's sysctl, as the
README says); the image grants both as permitted-only file capabilities; the compose file adds
NET_ADMIN and turns net.ipv4.ip_forward on; the compose BIRD config parses with `bird -p`."""
import os
import re
import subprocess
import unittest

import yaml

import dlib

DEPLOY = os.path.join(dlib.REPO, "deploy")


def load(path):
    with open(os.path.join(DEPLOY, path)) as f:
        return list(yaml.safe_load_all(f))


def help_env():
    out = subprocess.run([dlib.VBRD, "--help"], capture_output=True, text=True, timeout=10)
    names = set(re.findall(r"\[env (VBRD_[A-Z_]+)\]", out.stdout + out.stderr))
    assert names, "vbrd --help lists no VBRD_* variables"
    return names


class ManifestTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = help_env()
        cls.k8s = {}
        kust = load("k8s/kustomization.yaml")[0]
        for r in kust["resources"]:
            for doc in load(os.path.join("k8s", r)):
                cls.k8s[(doc["kind"], doc["metadata"]["name"])] = doc

    def test_configmap_flags_exist(self):
        cm = self.k8s[("ConfigMap", "vbr1-config")]
        unknown = set(cm["data"]) - self.env
        self.assertFalse(unknown, "ConfigMap keys vbrd does not read: %s" % unknown)
        for v in cm["data"].values():
            self.assertIsInstance(v, str)   # env values must be strings

    def test_statefulset(self):
        ss = self.k8s[("StatefulSet", "vbr1")]
        spec = ss["spec"]
        self.assertEqual(spec["replicas"], 1)
        self.assertIn(("Service", spec["serviceName"]), self.k8s)
        pod = spec["template"]["spec"]
        self.assertTrue(pod["hostNetwork"])
        self.assertEqual(pod["dnsPolicy"], "ClusterFirstWithHostNet")
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["runAsUser"], 10179)
        (c,) = pod["containers"]
        sc = c["securityContext"]
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertEqual(sorted(sc["capabilities"]["add"]), ["NET_ADMIN", "NET_BIND_SERVICE"])
        # Host networking: forwarding is the node's sysctl. Kubernetes rejects net.* pod sysctls
        # on host-network pods, so there must be none, and the README must say what to do.
        sysctls = pod["securityContext"].get("sysctls", [])
        self.assertFalse([x for x in sysctls if x["name"].startswith("net.")], sysctls)
        with open(os.path.join(dlib.REPO, "README.md")) as f:
            readme = f.read()
        k8s = readme[readme.index("### Kubernetes"):]
        k8s = k8s[:k8s.index("\n## ")]
        self.assertIn("net.ipv4.ip_forward=1", k8s)
        self.assertIn("NET_ADMIN", k8s)
        # File capabilities need privilege escalation allowed (no no_new_privs).
        self.assertTrue(sc["allowPrivilegeEscalation"])
        cm_name = c["envFrom"][0]["configMapRef"]["name"]
        cm = self.k8s[("ConfigMap", cm_name)]["data"]

        mounts = {m["name"]: m for m in c["volumeMounts"]}
        claims = {t["metadata"]["name"]: t for t in spec["volumeClaimTemplates"]}
        self.assertIn("state", claims)
        self.assertEqual(claims["state"]["spec"]["accessModes"], ["ReadWriteOnce"])
        self.assertEqual(mounts["state"]["mountPath"], cm["VBRD_STATE_DIR"])
        vols = {v["name"]: v for v in pod["volumes"]}
        tls_dir = mounts["tls"]["mountPath"]
        self.assertTrue(mounts["tls"]["readOnly"])
        secret = vols["tls"]["secret"]["secretName"]
        self.assertEqual(secret, "vbr1-tls")
        for k in ("VBRD_TLS_CERT", "VBRD_TLS_KEY", "VBRD_TLS_CLIENT_CA"):
            self.assertTrue(cm[k].startswith(tls_dir + "/"), k)
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        self.assertEqual(ports["bgp"], 179)
        self.assertEqual(ports["grpc"], int(cm["VBRD_API"].rsplit(":", 1)[1]))
        self.assertEqual(ports["metrics"], int(cm["VBRD_METRICS_LISTEN"].rsplit(":", 1)[1]))

        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            cmd = c[probe]["exec"]["command"]
            self.assertEqual(cmd[0], "vbr-health", probe)
            args = dict(zip(cmd[1::2], cmd[2::2]))
            self.assertEqual(args["--server"], "127.0.0.1:%d" % ports["grpc"])
            # mTLS: the probe presents a certificate the client CA signed.
            self.assertEqual(args["--ca"], cm["VBRD_TLS_CLIENT_CA"])
            self.assertEqual(args["--cert"], cm["VBRD_TLS_CERT"])
            self.assertEqual(args["--key"], cm["VBRD_TLS_KEY"])

    def test_probe_command_really_works_with_mtls(self):
        """The probe exactly as the StatefulSet runs it, against a real vbrd with mTLS and a
        server certificate issued for serverAuth and clientAuth."""
        d = dlib.mkdtemp("vd-k8s-")
        certs = dlib.make_certs(d, names=("vbr1",))
        # Reissue the server certificate with both usages, as the manifest says to.
        with open(os.path.join(d, "both.ext"), "w") as f:
            f.write("subjectAltName=DNS:vbr1\nextendedKeyUsage=serverAuth,clientAuth\n")
        dlib.run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey",
                  "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
                  "-extfile", "both.ext"], cwd=d)
        port = dlib.free_port()
        v = dlib.Vbrd(["--api", "127.0.0.1:%d" % port, "--bgp-listen", "127.0.0.1:0",
                       "--tls-cert", certs["server.crt"], "--tls-key", certs["server.key"],
                       "--tls-client-ca", certs["ca.crt"]])
        c = self.k8s[("StatefulSet", "vbr1")]["spec"]["template"]["spec"]["containers"][0]
        cmd = list(c["readinessProbe"]["exec"]["command"])
        mapping = {"/etc/vbrd/tls/ca.crt": certs["ca.crt"], "/etc/vbrd/tls/tls.crt":
                   certs["server.crt"], "/etc/vbrd/tls/tls.key": certs["server.key"],
                   "127.0.0.1:50051": "127.0.0.1:%d" % port}
        cmd = [dlib.VBR_HEALTH] + [mapping.get(a, a) for a in cmd[1:]]
        dlib.wait_until(lambda: subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0,
                        dlib.START_TIMEOUT, "the k8s probe command to pass")
        self.assertEqual(v.stop(), 0)

    def test_dockerfile(self):
        with open(os.path.join(DEPLOY, "Dockerfile")) as f:
            text = f.read()
        used = set(re.findall(r"\b(VBRD_[A-Z_]+)=", text))
        self.assertTrue(used)
        self.assertFalse(used - self.env, "Dockerfile sets variables vbrd does not read")
        self.assertRegex(text, r"(?m)^USER vbrd:vbrd$")
        self.assertRegex(text, r"(?m)^VOLUME \[\"/var/lib/vbrd\"\]$")
        self.assertRegex(text, r"(?m)^HEALTHCHECK .*\n?.*vbr-health")
        # Permitted only: with the effective bit, exec fails where NET_ADMIN is not granted.
        self.assertRegex(text, r"(?m)^RUN setcap cap_net_bind_service,cap_net_admin=\+p "
                               r"/usr/local/bin/vbrd ")
        self.assertNotIn("=+ep", text)
        self.assertEqual(len(re.findall(r"(?m)^FROM ", text)), 2)
        for src in re.findall(r"(?m)^COPY (?!--)(\S+)", text):
            if src not in ("./",):
                self.assertTrue(os.path.exists(os.path.join(dlib.REPO, src)), src)

    def test_compose(self):
        (c,) = load("compose.yaml")
        self.assertEqual(set(c["services"]), {"vbrd", "bird"})
        v = c["services"]["vbrd"]
        self.assertFalse(set(v["environment"]) - self.env)
        self.assertEqual(v["cap_drop"], ["ALL"])
        self.assertEqual(sorted(v["cap_add"]), ["NET_ADMIN", "NET_BIND_SERVICE"])
        self.assertEqual(str(v["sysctls"]["net.ipv4.ip_forward"]), "1")
        self.assertEqual(v["build"]["dockerfile"], "deploy/Dockerfile")
        self.assertTrue(any(m.endswith(":/var/lib/vbrd") for m in v["volumes"]))
        vbrd_ip = v["networks"]["dc-link"]["ipv4_address"]
        bird_ip = c["services"]["bird"]["networks"]["dc-link"]["ipv4_address"]
        self.assertEqual(v["environment"]["VBRD_BGP_LISTEN"], vbrd_ip + ":179")
        # The bridge's own address (the gateway) must not be one the services use.
        gw = c["networks"]["dc-link"]["ipam"]["config"][0]["gateway"]
        self.assertNotIn(gw, (vbrd_ip, bird_ip))
        with open(os.path.join(DEPLOY, "compose", "bird", "bird.conf")) as f:
            conf = f.read()
        self.assertIn("neighbor %s as 45104" % vbrd_ip, conf)
        self.assertIn("local %s as 65001" % bird_ip, conf)
        # BIRD's own parser accepts the config.
        r = subprocess.run(["bird", "-p", "-c", os.path.join(DEPLOY, "compose", "bird",
                                                             "bird.conf")],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
