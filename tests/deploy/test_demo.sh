#!/usr/bin/env bash
# Runs deploy/demo.sh end to end against the build and checks what it printed: the session
# reaching Established, the routes on both sides, and that it left no namespace behind.
# Usage: test_demo.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
out=$(mktemp /tmp/vd-demo-test.XXXXXX)
trap 'rm -f "$out"' EXIT
before=$(ip netns list | grep -c '^vd-demo-' || true)
rc=0
timeout 300 bash "$here/../../deploy/demo.sh" "$build" > "$out" 2>&1 || rc=$?
cat "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$rc" = 0 ] || fail "demo.sh exited $rc"
grep -q 'OpenConfirm -> Established' "$out" || fail "no transition to Established in the watch output"
grep -Eq '^bgpp-[0-9a-f]+ +10\.0\.0\.2 +65001 +onprem-dc +Established' "$out" || fail "peer list does not show Established"
grep -Eq '^192\.168\.10\.0/24 +10\.0\.0\.2 +65001' "$out" || fail "vbrd did not learn 192.168.10.0/24"
grep -Eq '^192\.168\.20\.0/24 +10\.0\.0\.2 +65001' "$out" || fail "vbrd did not learn 192.168.20.0/24"
grep -Eq '^172\.16\.0\.0/24 +10\.0\.0\.1 +45104' "$out" || fail "vbrd does not list 172.16.0.0/24 as advertised"
grep -Eq '^172\.16\.0\.0/24 +unicast \[vbr .*AS45104i' "$out" || fail "BIRD did not learn 172.16.0.0/24"
grep -Eq '^vbr +BGP .* Established' "$out" || fail "BIRD does not show the session Established"
grep -Eq '^vbrd_bgp_peer_up\{peer_id="bgpp-[0-9a-f]+",peer_ip="10\.0\.0\.2"\} 1$' "$out" || fail "metrics do not show the peer up"
grep -Eq '^vbrd_bgp_peer_received_routes\{peer_id="bgpp-[0-9a-f]+",peer_ip="10\.0\.0\.2"\} 2$' "$out" || fail "metrics do not show 2 received routes"
after=$(ip netns list | grep -c '^vd-demo-' || true)
[ "$after" -le "$before" ] || fail "demo.sh left a namespace behind"
echo "PASS: demo"
