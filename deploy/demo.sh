#!/usr/bin/env bash
# demo.sh: the cloud's "Configure BGP" steps, live on one machine.
#
# BIRD plays the on-premises data center (AS 65001, 10.0.0.2) in one network namespace and vbrd
# the virtual border router (AS 45104, 10.0.0.1) in another, joined by a veth pair. With vbrctl
# it then (1) creates a BGP group with the data center's ASN and an MD5 key, (2) adds the BGP
# peer, (3) advertises a CIDR block, and prints the peer going to Established and the routes
# each side learned. Everything it starts is stopped by PID and the namespaces are removed on
# exit, even on failure or Ctrl-C. Exit 0 only if the session came up and routes flowed both ways.
#
#   sudo deploy/demo.sh [BUILD_DIR]       (default: build; needs bird2, iproute2)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${VBR_BUILD_DIR:-$repo/build}}
vbrd=$build/vbrd
VBRCTL_BIN=$build/vbrctl
for f in "$vbrd" "$VBRCTL_BIN"; do
  [ -x "$f" ] || { echo "demo: $f not found; build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
done
for t in ip bird birdc; do
  command -v "$t" >/dev/null || { echo "demo: $t is missing (apt-get install iproute2 bird2)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

id=$$
ns_dc=vd-demo-dc-$id
ns_vbr=vd-demo-vbr-$id
tmp=$(mktemp -d /tmp/vd-demo.XXXXXX)
vbrd_pid= bird_pid= watch_pid=
cleanup() {
  set +e
  for p in $watch_pid $vbrd_pid $bird_pid; do kill "$p" 2>/dev/null; done
  for p in $watch_pid $vbrd_pid $bird_pid; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  wait 2>/dev/null
  ip netns del "$ns_dc" 2>/dev/null
  ip netns del "$ns_vbr" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export VBRCTL_SERVER=unix:$tmp/vbrd.sock
say() { printf '\n== %s\n' "$*"; }
# Shows the command as a user would type it, then runs it.
show_cmd() {
  local out='$' a
  for a in "$@"; do case $a in *' '*) out+=" \"$a\"" ;; *) out+=" $a" ;; esac; done
  printf '%s\n' "$out"
}
vbrctl() { show_cmd vbrctl "$@"; "$VBRCTL_BIN" "$@"; }
birdc_dc() { printf '$ birdc %s\n' "$*"; birdc -s "$tmp/bird.ctl" "$@" | sed '/^BIRD .* ready\.$/d'; }
# Polls "$@" up to $1 tenths of a second until it succeeds.
wait_for() { local n=$1; shift; for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

say "Network: data center 10.0.0.2 (BIRD, AS 65001) <-> 10.0.0.1 virtual border router (vbrd, AS 45104)"
ip netns add "$ns_dc"
ip netns add "$ns_vbr"
ip link add vd${id}a type veth peer name vd${id}b
ip link set vd${id}a netns "$ns_vbr"
ip link set vd${id}b netns "$ns_dc"
ip -n "$ns_vbr" addr add 10.0.0.1/24 dev vd${id}a
ip -n "$ns_dc" addr add 10.0.0.2/24 dev vd${id}b
for ns in "$ns_vbr" "$ns_dc"; do ip -n "$ns" link set lo up; done
ip -n "$ns_vbr" link set vd${id}a up
ip -n "$ns_dc" link set vd${id}b up

key=demo-md5-key
cat > "$tmp/bird.conf" <<EOF
log "$tmp/bird.log" all;
router id 10.0.0.2;
protocol device {}
# The data center's own subnets, announced to the cloud.
protocol static dc { ipv4; route 192.168.10.0/24 blackhole; route 192.168.20.0/24 blackhole; }
protocol bgp vbr {
  local 10.0.0.2 as 65001; neighbor 10.0.0.1 as 45104; password "$key";
  connect delay time 1; connect retry time 1; error wait time 1,5;
  ipv4 { import all; export where proto = "dc"; };
}
EOF
ip netns exec "$ns_dc" timeout 600 bird -f -c "$tmp/bird.conf" -s "$tmp/bird.ctl" -P "$tmp/bird.pid" \
  > "$tmp/bird.out" 2>&1 &
bird_pid=$!
ip netns exec "$ns_vbr" timeout 600 "$vbrd" --api "$VBRCTL_SERVER" --bgp-listen 10.0.0.1:179 \
  --router-id 10.0.0.1 --state-dir "$tmp/state" --metrics-listen 127.0.0.1:9179 \
  > "$tmp/vbrd.out" 2>&1 &
vbrd_pid=$!
wait_for 100 "$VBRCTL_BIN" router show || { echo "demo: vbrd did not start:" >&2; cat "$tmp/vbrd.out" >&2; exit 1; }
wait_for 100 birdc -s "$tmp/bird.ctl" show status || { echo "demo: BIRD did not start:" >&2; cat "$tmp/bird.out" >&2; exit 1; }
echo "vbrd and BIRD are running."

# Session changes as they happen, printed after step 3.
stdbuf -oL "$VBRCTL_BIN" watch > "$tmp/watch.out" 2>&1 &
watch_pid=$!

say "Step 1: create a BGP group for the data center's ASN, with its BGP (MD5) key"
vbrctl group create onprem-dc --peer-asn 65001 --key "$key" --description "on-premises data center"

say "Step 2: add the BGP peer"
vbrctl peer add onprem-dc 10.0.0.2

say "Step 3: advertise the VPC's CIDR block"
vbrctl network add 172.16.0.0/24

say "The session comes up"
established() { "$VBRCTL_BIN" -o json peer show 10.0.0.2 | grep -q '"SESSION_STATE_ESTABLISHED"'; }
if ! wait_for 300 established; then
  echo "demo: the session did not reach Established in 30 s" >&2
  "$VBRCTL_BIN" peer show 10.0.0.2 >&2 || true
  tail -n 20 "$tmp/vbrd.out" >&2
  exit 1
fi
# Routes arrive just after Established; wait for both sides (bounded) before printing.
wait_for 100 sh -c "'$VBRCTL_BIN' -o json routes 10.0.0.2 | grep -q 192.168.20.0" || true
wait_for 100 sh -c "birdc -s '$tmp/bird.ctl' show route protocol vbr | grep -q 172.16.0.0" || true
kill -INT "$watch_pid" 2>/dev/null   # vbrctl watch ends cleanly on Ctrl-C
wait_for 30 sh -c "! kill -0 $watch_pid" || kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null || true; watch_pid=
echo '$ vbrctl watch'
cat "$tmp/watch.out"
vbrctl peer list

say "Routes the virtual border router learned from the data center"
vbrctl routes 10.0.0.2
say "Routes it advertises to the data center"
vbrctl routes 10.0.0.2 --advertised

say "The data center's side (BIRD)"
birdc_dc show protocols vbr
birdc_dc show route protocol vbr

if command -v curl >/dev/null; then
  say "What Prometheus scrapes from --metrics-listen (excerpt)"
  echo '$ curl -s http://127.0.0.1:9179/metrics'
  ip netns exec "$ns_vbr" curl -s --max-time 5 http://127.0.0.1:9179/metrics \
    | grep -E '^vbrd_bgp_peer_(up|received_routes|accepted_routes|advertised_routes|established_transitions_total|messages_total)\{|^vbrd_api_calls_total\{method="(CreateBgpGroup|CreateBgpPeer|AddBgpNetwork)"' || true
fi

ok=1
"$VBRCTL_BIN" -o json routes 10.0.0.2 | grep -q '192.168.10.0/24' || ok=0
"$VBRCTL_BIN" -o json routes 10.0.0.2 | grep -q '192.168.20.0/24' || ok=0
birdc -s "$tmp/bird.ctl" show route protocol vbr | grep -q '172.16.0.0/24' || ok=0
if [ $ok = 1 ]; then
  say "Done: Established, 2 routes learned from the data center, 172.16.0.0/24 learned by it. Cleaning up."
else
  echo "demo: routes missing on one side" >&2
  exit 1
fi
