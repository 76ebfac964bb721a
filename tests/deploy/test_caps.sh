#!/usr/bin/env bash
# vbrd's capabilities granted the way the image grants them, without a container runtime: a
# copy of vbrd with the file capabilities cap_net_bind_service,cap_net_admin=+p (permitted, no
# effective bit), run by setpriv as an unprivileged user in a network namespace of its own
# (veth pair inside it, 10.211.0.1/30), bounding set as a container runtime would leave it.
#   - NET_ADMIN in the bounding set: every thread of vbrd has both capabilities effective (vbrd
#     raises them at start, before its threads exist), it binds TCP 179, and a static route entry
#     goes into the namespace's table (ip route show proto 210) and is listed installed; Router
#     reports fibEnabled and ipForwarding.
#   - NET_ADMIN not in the bounding set (a container without --cap-add NET_ADMIN): the kernel
#     drops it silently, vbrd starts with only NET_BIND_SERVICE, binds 179, lists the entry with
#     installed=false and the CAP_NET_ADMIN reason, and says so in its log.
#   - Why the image does not use +ep: with the effective bit, exec itself fails (EPERM) when the
#     bounding set lacks NET_ADMIN.
# Needs root, setcap, setpriv and ip; exits 77 (skipped) without them.
#   test_caps.sh VBRD VBRCTL
set -euo pipefail
vbrd_bin=$1 vbrctl_bin=$2
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
for t in setcap setpriv ip; do command -v "$t" >/dev/null || skip "$t is not installed"; done

ns=d1k$$
dir=$(mktemp -d /tmp/d1caps.XXXXXX)
pid=
cleanup() {
  set +e
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && timeout 10 tail --pid="$pid" -f /dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dir/log" ] && tail -n 20 "$dir/log" >&2; exit 1; }
. "$(dirname "$0")/fib_checks.sh"

# A copy in a folder the unprivileged user can read (file capabilities are per inode).
chmod 0755 "$dir"
install -m 0755 "$vbrd_bin" "$dir/vbrd"
install -m 0755 "$vbrd_bin" "$dir/vbrd-ep"
setcap cap_net_bind_service,cap_net_admin=+p "$dir/vbrd"
setcap cap_net_bind_service,cap_net_admin=+ep "$dir/vbrd-ep"

make_ns "$ns" d1ka 10.211.0.1/30

as_user=(setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all)
run_vbrd() {   # BOUNDING-SET-ARG
  rm -rf "$dir/state" "$dir/log"
  install -d -o 65534 -g 65534 -m 0700 "$dir/state"
  nsenter --net=/run/netns/"$ns" "${as_user[@]}" --bounding-set "$1" "$dir/vbrd" \
    --api "unix:$dir/state/api.sock" --state-dir "$dir/state" --bgp-listen 0.0.0.0:179 \
    --router-id 10.211.0.1 > "$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ -S "$dir/state/api.sock" ] && vbrctl router show >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "vbrd exited ($1)"
    sleep 0.1
  done
  fail "vbrd's API did not answer in 10 s ($1)"
}
stop_vbrd() {
  kill "$pid"
  timeout 10 tail --pid="$pid" -f /dev/null || fail "vbrd did not stop on SIGTERM"
  pid=
}
vbrctl() { "$vbrctl_bin" --server "unix:$dir/state/api.sock" "$@"; }
caps_of_every_thread() {   # prints "CapPrm CapEff" once per distinct pair over all threads
  for s in /proc/"$pid"/task/*/status; do
    printf '%s %s\n' "$(awk '/^CapPrm/{print $2}' "$s")" "$(awk '/^CapEff/{print $2}' "$s")"
  done | sort -u
}
listening_179() { ip netns exec "$ns" grep -q ' 00000000:00B3 00000000:0000 0A ' /proc/net/tcp; }
echo "== +ep, bounding set without NET_ADMIN: exec refused"
rc=0
err=$(nsenter --net=/run/netns/"$ns" "${as_user[@]}" --bounding-set -net_admin "$dir/vbrd-ep" --help 2>&1 >/dev/null) || rc=$?
[ "$rc" != 0 ] && grep -q 'Operation not permitted' <<<"$err" \
  || fail "exec of a +ep binary without NET_ADMIN in the bounding set was not refused (rc $rc: $err)"
echo "refused: $err"

echo "== +p, bounding set with NET_ADMIN"
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
run_vbrd -all,+net_bind_service,+net_admin
caps=$(caps_of_every_thread)
echo "threads: $(ls /proc/"$pid"/task | wc -l), CapPrm CapEff: $caps"
[ "$caps" = "0000000000001400 0000000000001400" ] \
  || fail "not every thread has NET_BIND_SERVICE and NET_ADMIN effective: $caps"
listening_179 || fail "vbrd is not listening on port 179"
grep -q 'capabilities effective=net_bind_service,net_admin' "$dir/log" || fail "no capabilities log line"
vbrctl route-entry create 10.211.9.0/24 10.211.0.2 >/dev/null
expect_installed 10.211.9.0/24 10.211.0.2 d1ka "$ns"
stop_vbrd
[ -z "$(ip -n "$ns" route show proto 210)" ] || fail "a clean stop left vbrd's route in the kernel"

echo "== +p, bounding set without NET_ADMIN"
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
run_vbrd -all,+net_bind_service
caps=$(caps_of_every_thread)
echo "CapPrm CapEff: $caps"
[ "$caps" = "0000000000000400 0000000000000400" ] || fail "expected only NET_BIND_SERVICE: $caps"
listening_179 || fail "vbrd is not listening on port 179"
vbrctl route-entry create 10.211.9.0/24 10.211.0.2 >/dev/null
expect_denied 10.211.9.0/24 "$ns"
[ "$(grep -c 'no CAP_NET_ADMIN' "$dir/log")" = 1 ] || fail "the missing CAP_NET_ADMIN is not said once in the log"
stop_vbrd
echo "PASS: capabilities"
