"""Route entries over the API against a real vbrd in its own network namespace: a veth pair
gives it the connected network 10.50.0.0/24 and the namespace's kernel FIB is the one it
writes. CreateRouteEntry's INVALID_ARGUMENT names the field for every kind of bad input,
ALREADY_EXISTS per destination, RESOURCE_EXHAUSTED at --max-route-entries, NOT_FOUND on an
unknown id, request_id replays of create and delete, the Router's FIB fields, ListRouteEntries
paging and its source filter, a static installed (really in the kernel at protocol 210, metric
20) or not with a reason naming its next hop, durability across a restart, and --fib off.
"""
import subprocess
import time

import vbrtest
from vbrtest import DaemonTest

C = None
P = None

VETH = ("ip link add vr0 type veth peer name vr1 && ip addr add 10.50.0.1/24 dev vr0"
        " && ip link set vr0 up && ip link set vr1 up")
ON_LINK = "10.50.0.2"       # on the connected network: installable
OFF_LINK = "10.60.0.9"      # on none: kept, not installed


def setUpModule():
    global C, P
    vbrtest.generate_stubs()
    C = vbrtest.grpc.StatusCode
    P = vbrtest.pb


class RouteEntryBase(DaemonTest):
    netns_setup = VETH

    def setUp(self):
        if not vbrtest.can_sandbox():
            self.skipTest("needs vbrd in a private network namespace (root, unshare)")
        super().setUp()

    def create(self, cidr, next_hop=ON_LINK, **kw):
        return self.api.CreateRouteEntry(P.CreateRouteEntryRequest(
            destination_cidr=cidr, next_hop=next_hop, **kw))

    def delete(self, id_, **kw):
        return self.api.DeleteRouteEntry(P.DeleteRouteEntryRequest(id=id_, **kw))

    def entries(self, source=0, page_size=0):
        return self.list_all(self.api.ListRouteEntries, P.ListRouteEntriesRequest,
                             "route_entries", page_size=page_size, source=source)

    def entry(self, cidr, source=None):
        source = P.ROUTE_SOURCE_STATIC if source is None else source
        for e in self.entries(source=source):
            if e.destination_cidr == cidr:
                return e
        return None

    def wait_entry(self, cidr, pred, timeout=10):
        """The static entry for cidr once pred(entry) holds (bounded)."""
        deadline, e = time.time() + timeout, None
        while time.time() < deadline:
            e = self.entry(cidr)
            if e is not None and pred(e):
                return e
            time.sleep(0.05)
        self.fail("entry %s never satisfied the condition: %s" % (cidr, e))

    def ns(self, *args):
        """A command in vbrd's namespace (its stdout)."""
        r = subprocess.run(["nsenter", "-t", str(self.d.proc.pid), "-n"] + list(args),
                           capture_output=True, text=True, timeout=10, check=True)
        return r.stdout.strip()


class RouteEntryTests(RouteEntryBase):
    daemon_args = ("--max-route-entries", "5")

    def test_invalid_arguments_name_the_field(self):
        bad = [
            ("198.51.100.1/24", ON_LINK, "", "destination_cidr", "host bits"),
            ("2001:db8::/32", ON_LINK, "", "destination_cidr", "ipv6"),
            ("198.51.100/24", ON_LINK, "", "destination_cidr", ""),
            ("198.51.100.0/33", ON_LINK, "", "destination_cidr", ""),
            ("banana", ON_LINK, "", "destination_cidr", ""),
            ("", ON_LINK, "", "destination_cidr", "required"),
            ("198.51.100.0/24", "", "", "next_hop", "required"),
            ("198.51.100.0/24", "10.50.0", "", "next_hop", ""),
            ("198.51.100.0/24", "10.50.0.256", "", "next_hop", ""),
            ("198.51.100.0/24", "0.0.0.0", "", "next_hop", ""),
            ("198.51.100.0/24", "224.0.0.5", "", "next_hop", "multicast"),
            ("198.51.100.0/24", "127.0.0.1", "", "next_hop", "loopback"),
            ("198.51.100.0/24", "255.255.255.255", "", "next_hop", ""),
            ("198.51.100.0/24", "fe80::1", "", "next_hop", "ipv6"),
            ("198.51.100.0/24", ON_LINK, "line\nbreak", "description", "control"),
            ("198.51.100.0/24", ON_LINK, "esc\x1b[31m", "description", "control"),
        ]
        for cidr, nh, desc, field, word in bad:
            with self.subTest(cidr=cidr, next_hop=nh, description=desc):
                self.assertRpcError(C.INVALID_ARGUMENT, self.create, cidr, nh, description=desc,
                                    contains=[field + ":"] + ([word] if word else []))
        self.assertEqual(self.entries(source=P.ROUTE_SOURCE_STATIC), [])
        self.assertRpcError(C.INVALID_ARGUMENT, self.delete, "bgpg-00000001", contains=["id"])
        self.assertRpcError(C.INVALID_ARGUMENT, self.delete, "", contains=["id"])
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.ListRouteEntries,
                            P.ListRouteEntriesRequest(source=99), contains=["source"])
        self.assertRpcError(C.INVALID_ARGUMENT, self.api.ListRouteEntries,
                            P.ListRouteEntriesRequest(page_token="garbage"),
                            contains=["page_token"])

    def test_already_exists_limit_and_not_found(self):
        first = self.create("198.51.100.0/24", description="first")
        self.assertRegex(first.id, r"^rte-[0-9a-f]{8}$")
        self.assertEqual(first.source, P.ROUTE_SOURCE_STATIC)
        self.assertEqual(first.description, "first")
        self.assertTrue(first.HasField("create_time"))
        self.assertRpcError(C.ALREADY_EXISTS, self.create, "198.51.100.0/24", "10.50.0.3",
                                contains=["destination_cidr", first.id])
        ids = [first.id] + [self.create("198.51.%d.0/24" % i).id for i in range(101, 105)]
        self.assertEqual(len(set(ids)), 5)
        self.assertRpcError(C.RESOURCE_EXHAUSTED, self.create, "198.51.200.0/24",
                            contains=["max-route-entries"])
        self.delete(ids[-1])
        self.create("198.51.200.0/24")  # room again
        self.assertRpcError(C.NOT_FOUND, self.delete, "rte-00000000", contains=["rte-00000000"])
        self.assertRpcError(C.NOT_FOUND, self.delete, ids[-1], contains=[ids[-1]])

    def test_request_id_replay(self):
        a = self.create("198.51.100.0/24", request_id="req-create-1")
        b = self.create("198.51.100.0/24", request_id="req-create-1")
        self.assertEqual(a.id, b.id)
        self.assertEqual(len(self.entries(source=P.ROUTE_SOURCE_STATIC)), 1)
        self.delete(a.id, request_id="req-delete-1")
        self.delete(a.id, request_id="req-delete-1")  # a retry answers OK again
        self.assertEqual(self.entries(source=P.ROUTE_SOURCE_STATIC), [])
        self.assertRpcError(C.NOT_FOUND, self.delete, a.id, request_id="req-delete-2")

    def test_router_fields(self):
        r = self.api.GetRouter(P.GetRouterRequest())
        self.assertTrue(r.fib_enabled)
        self.assertEqual(r.fib_table, 254)
        self.assertEqual(r.max_route_entries, 5)
        fwd = self.ns("sysctl", "-n", "net.ipv4.ip_forward") == "1"
        self.assertEqual(r.ip_forwarding, fwd)
        # The daemon reads it, never sets it: turned on in its namespace, the Router follows.
        self.ns("sysctl", "-qw", "net.ipv4.ip_forward=%d" % (0 if fwd else 1))
        deadline = time.time() + 10
        while time.time() < deadline and \
                self.api.GetRouter(P.GetRouterRequest()).ip_forwarding == fwd:
            time.sleep(0.1)
        self.assertEqual(self.api.GetRouter(P.GetRouterRequest()).ip_forwarding, not fwd)

    def test_installed_on_link_not_off_link(self):
        on = self.create("198.51.100.0/24", ON_LINK)
        off = self.create("203.0.113.0/24", OFF_LINK)
        # The replies say what the route table will do with each, before the kernel answers.
        self.assertFalse(on.installed)
        self.assertIn("being written to the kernel FIB", on.status_reason)
        self.assertEqual(on.interface, "vr0")
        self.assertFalse(off.installed)
        self.assertIn(OFF_LINK + " is not on a connected network", off.status_reason)
        e = self.wait_entry("198.51.100.0/24", lambda x: x.installed)
        self.assertEqual(e.id, on.id)
        self.assertEqual(e.status_reason, "")
        self.assertEqual(e.interface, "vr0")
        o = self.entry("203.0.113.0/24")
        self.assertEqual(o.id, off.id)
        self.assertFalse(o.installed)
        self.assertIn(OFF_LINK, o.status_reason)
        self.assertIn("connected network", o.status_reason)
        kern = self.ns("ip", "route", "show", "proto", "210")
        self.assertIn("198.51.100.0/24 via 10.50.0.2 dev vr0", kern)
        self.assertIn("metric 20", kern)
        self.assertNotIn("203.0.113.0", kern)
        self.assertEqual(self.ns("ip", "route", "show", "proto", "bgp"), "")
        self.delete(on.id)
        deadline = time.time() + 5
        while self.ns("ip", "route", "show", "proto", "210") and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.ns("ip", "route", "show", "proto", "210"), "")

    def test_paging_and_source_filter(self):
        made = {self.create("198.51.%d.0/24" % i).id for i in range(100, 104)}
        every = self.entries()
        keys = [(e.destination_cidr, e.source) for e in every]
        self.assertEqual(len(keys), len(set(keys)), "an entry listed twice")
        self.assertIn(("10.50.0.0/24", P.ROUTE_SOURCE_CONNECTED), keys)
        for size in (1, 2, 3):
            with self.subTest(page_size=size):
                paged = self.entries(page_size=size)
                self.assertEqual([(e.destination_cidr, e.source) for e in paged], keys)
        first = self.api.ListRouteEntries(P.ListRouteEntriesRequest(page_size=2))
        self.assertEqual(len(first.route_entries), 2)
        self.assertTrue(first.next_page_token)
        statics = self.entries(source=P.ROUTE_SOURCE_STATIC, page_size=3)
        self.assertEqual({e.id for e in statics}, made)
        self.assertEqual({e.source for e in statics}, {P.ROUTE_SOURCE_STATIC})
        conn = self.entries(source=P.ROUTE_SOURCE_CONNECTED)
        self.assertEqual([e.destination_cidr for e in conn], ["10.50.0.0/24"])
        self.assertEqual(conn[0].id, "")
        self.assertEqual(conn[0].interface, "vr0")
        self.assertEqual(self.entries(source=P.ROUTE_SOURCE_BGP), [])

    def test_durable_across_restart(self):
        a = self.create("198.51.100.0/24", ON_LINK, description="to the vpc")
        b = self.create("203.0.113.0/24", OFF_LINK)
        self.wait_entry("198.51.100.0/24", lambda x: x.installed)
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.api = self.d.api()
        e = self.wait_entry("198.51.100.0/24", lambda x: x.installed)
        self.assertEqual((e.id, e.next_hop, e.description), (a.id, ON_LINK, "to the vpc"))
        self.assertEqual(e.create_time, a.create_time)
        o = self.entry("203.0.113.0/24")
        self.assertEqual((o.id, o.next_hop, o.installed), (b.id, OFF_LINK, False))
        self.assertIn("198.51.100.0/24 via 10.50.0.2",
                      self.ns("ip", "route", "show", "proto", "210"))


class FibOffTests(RouteEntryBase):
    daemon_args = ("--fib", "off")

    def test_listed_not_installed(self):
        self.assertFalse(self.api.GetRouter(P.GetRouterRequest()).fib_enabled)
        reply = self.create("198.51.100.0/24", ON_LINK)
        self.assertIn("--fib off", reply.status_reason)
        time.sleep(0.5)  # a write would have been answered by now
        e = self.entry("198.51.100.0/24")
        self.assertFalse(e.installed)
        self.assertIn("--fib off", e.status_reason)
        self.assertEqual(self.ns("ip", "route", "show", "proto", "210"), "")
        self.assertNotIn("198.51.100.0", self.ns("ip", "route", "show", "table", "all"))
