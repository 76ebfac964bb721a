# The route-table checks test_caps.sh and test_container.sh share (sourced, bash). The caller
# defines `vbrctl` (reaching the vbrd under test) and `fail`.

# A network namespace for vbrd with a connected network for static next hops: a veth pair
# inside it (IF and IFb), ADDR (a /30) on IF. Forwarding starts off, as in any new namespace.
make_ns() {   # NETNS IF ADDR
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip -n "$1" link add "$2" type veth peer name "$2b"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" link set "$2" up
  ip -n "$1" link set "$2b" up
  ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=0
}

# "installed=true|false reason=TEXT" of the static route entry for CIDR.
entry_state() {   # CIDR
  vbrctl -o json route-entry list --source static | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
e = [e for e in j["routeEntries"] if e["destinationCidr"] == sys.argv[1]]
assert len(e) == 1, e
print("installed=%s reason=%s" % (str(e[0].get("installed", False)).lower(), e[0].get("statusReason", "")))' "$1"
}

# The entry is listed installed within 10 s, sits in NETNS's table at vbrd's static protocol
# (210) via NEXT_HOP on DEV, and Router reports fibEnabled and ipForwarding.
expect_installed() {   # CIDR NEXT_HOP DEV NETNS
  local state kernel router
  for _ in $(seq 50); do
    state=$(entry_state "$1")
    [ "$state" = "installed=true reason=" ] && break
    sleep 0.2
  done
  [ "$state" = "installed=true reason=" ] || fail "route entry $1 not installed: $state"
  kernel=$(ip -n "$4" route show proto 210)
  echo "kernel (ip route show proto 210 in vbrd's namespace): $kernel"
  grep -q "^$1 via $2 dev $3 " <<<"$kernel" || fail "$1 via $2 is not in the namespace's table"
  router=$(vbrctl -o json router show)
  grep -q '"fibEnabled": *true' <<<"$router" && grep -q '"ipForwarding": *true' <<<"$router" \
    || fail "Router does not report fibEnabled and ipForwarding: $router"
  echo "Router: fibEnabled true, ipForwarding true"
}

# Without CAP_NET_ADMIN: the entry is listed installed=false with the reason, nothing of vbrd's
# is in NETNS's table, and Router says forwarding is off (the namespace's sysctl is 0 here).
expect_denied() {   # CIDR NETNS
  local state
  state=$(entry_state "$1")
  echo "route entry: $state"
  grep -q '^installed=false reason=.*no CAP_NET_ADMIN' <<<"$state" \
    || fail "expected installed=false for CAP_NET_ADMIN: $state"
  [ -z "$(ip -n "$2" route show proto 210)" ] || fail "a route reached the kernel without NET_ADMIN"
  grep -q '"ipForwarding": *false' <<<"$(vbrctl -o json router show)" \
    || fail "Router reports ipForwarding with the sysctl at 0"
}
