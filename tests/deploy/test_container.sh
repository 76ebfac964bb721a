#!/usr/bin/env bash
# The container test: builds deploy/Dockerfile with podman and runs the image the way the
# README says, with no registry: the Debian 12 base images are made first from a local
# debootstrap (deploy/container/make-base-image.sh). Proves that the image
#   - refuses its default plaintext API on 0.0.0.0 (TLS required) and says so,
#   - starts as the non-root user with only CAP_NET_BIND_SERVICE and binds BGP port 179 when the
#     runtime does not grant NET_ADMIN (the file capabilities are +p: exec does not fail), and
#     then lists a static route entry with installed=false and the CAP_NET_ADMIN reason,
#   - with --cap-add NET_ADMIN and net.ipv4.ip_forward=1 in a network namespace made beforehand,
#     installs that entry into the namespace's table (ip route show proto 210) and reports
#     Router fibEnabled/ipForwarding; a clean stop takes the route out again,
#   - answers its HEALTHCHECK (vbr-health, grpc.health.v1) and logs JSON lines,
#   - keeps its state in the volume across `podman restart` and across a new container,
#   - never logs the MD5 key,
#   - and runs deploy/compose.yaml's lab (vbrd beside BIRD) to an Established MD5 session
#     (tests/deploy/compose_lab.py: podman, since Debian's podman-compose lacks fixed addresses),
#   - and, in a namespace made beforehand beside BIRD with graceful restart, loses no ping (every
#     20 ms, VPC host -> vbrd -> data center) across a container restart, and some without
#     graceful restart (tests/deploy/container_gr_lab.py).
# Needs root, podman, runc and debootstrap; exits 77 (ctest: skipped) without them or when
# VBR_CONTAINER_TEST=0. First run: about 1 min of debootstrap and 4 min of image build; later
# runs reuse the base image and the toolchain layer.
#   tests/deploy/test_container.sh [SOURCE_DIR]
set -euo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[ "${VBR_CONTAINER_TEST:-auto}" != 0 ] || skip "VBR_CONTAINER_TEST=0"
[ "$(id -u)" = 0 ] || skip "needs root"
for t in podman debootstrap; do command -v "$t" >/dev/null || skip "$t is not installed"; done
[ -x /usr/sbin/runc ] || skip "/usr/sbin/runc is not installed"

podman=(podman --runtime /usr/sbin/runc --cgroup-manager cgroupfs)
# Without systemd, podman complains on every run/restart that it cannot time the health check;
# drop just that line.
pod() { "${podman[@]}" "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# No systemd here to time the HEALTHCHECK: the test runs it itself with `podman healthcheck run`.
nohealthtimer=(--health-interval disable)
tag=$$
# Kept after the test (with localhost/vbrd-build:ctest): they hold the cached toolchain and
# runtime-library layers, so the next run only recompiles. `podman rmi` both to reclaim ~1 GB.
image=localhost/vbrd:ctest
build_image=localhost/vbrd-build:ctest
ctr=vd-ctr-$tag
vol=vd-state-$tag
key=vd-ctr-Md5-$tag-secret
# The container's network namespace, made beforehand (as for a GR-preserving deployment): a
# veth pair inside it, 10.212.0.1/30 on d1ca, so a static next hop 10.212.0.2 is connected.
ns=d1c$tag
cleanup() {
  set +e
  "${podman[@]}" rm -f -v -t 5 "$ctr" "$ctr-default" >/dev/null 2>&1
  ip netns del "$ns" 2>/dev/null
  "${podman[@]}" volume rm -f "$vol" >/dev/null 2>&1
  # Images of earlier runs, untagged now; the layers the tagged ones share stay.
  "${podman[@]}" image prune -f --filter label=vbrd.stage=build >/dev/null 2>&1
  "${podman[@]}" image prune -f --filter label=vbrd.stage=runtime >/dev/null 2>&1
  "${podman[@]}" image prune -f --filter label=vbrd.stage=lab >/dev/null 2>&1
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; "${podman[@]}" logs "$ctr" 2>&1 | tail -n 20 >&2 || true; exit 1; }
. "$src/tests/deploy/fib_checks.sh"
step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }

step "base images from debootstrap"
bash "$src/deploy/container/make-base-image.sh" "${podman[@]:1}"

step "build deploy/Dockerfile"
# RUN steps reach the Debian mirror through the host's network; the containers below have none.
"${podman[@]}" build --pull=never --network host "${limits[@]}" --format docker \
  -f "$src/deploy/Dockerfile" -t "$image" "$src" > /tmp/vd-ctr-build-$tag.log 2>&1 \
  || { tail -n 30 /tmp/vd-ctr-build-$tag.log; rm -f /tmp/vd-ctr-build-$tag.log; fail "image build"; }
rm -f /tmp/vd-ctr-build-$tag.log
# The build stage, tagged too, so its toolchain layer stays cached (all layers reused here).
"${podman[@]}" build --pull=never --network host "${limits[@]}" --format docker --target build \
  -f "$src/deploy/Dockerfile" -t "$build_image" "$src" >/dev/null 2>&1 || fail "tagging the build stage"
grep -q '"Healthcheck"' <<<"$("${podman[@]}" image inspect "$image")" || fail "the image has no HEALTHCHECK"
"${podman[@]}" image inspect --format '{{.Config.User}}' "$image" | grep -qx 'vbrd:vbrd' \
  || fail "the image does not run as vbrd"

step "defaults: a plaintext API on 0.0.0.0 is refused"
rc=0
# (--network none leaves no address to take the router id from: give one.)
out=$(timeout 60 "${podman[@]}" run --name "$ctr-default" --network none "${limits[@]}" "${nohealthtimer[@]}" \
  --cap-drop ALL --cap-add NET_BIND_SERVICE -e VBRD_ROUTER_ID=10.0.0.1 "$image" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "vbrd served a plaintext API on 0.0.0.0"
out=$(grep -v 'unable to get systemd connection' <<<"$out" || true)
grep -q 'without TLS' <<<"$out" || fail "no 'without TLS' message: $out"
echo "refused (exit $rc): $(grep -o 'refusing.*without TLS' <<<"$out" | head -n1)"
pod rm -f -v "$ctr-default" >/dev/null

make_ns "$ns" d1ca 10.212.0.1/30
caps=(--cap-drop ALL --cap-add NET_BIND_SERVICE)
start() {
  pod run -d --name "$ctr" --network "ns:/run/netns/$ns" "${limits[@]}" "${nohealthtimer[@]}" \
    "${caps[@]}" -v "$vol:/var/lib/vbrd" \
    -e VBRD_API=127.0.0.1:50051 -e VBRD_ROUTER_ID=10.0.0.1 "$image" \
    --metrics-listen 127.0.0.1:9179 >/dev/null
}
# `podman healthcheck run` runs the image's HEALTHCHECK command once (no systemd timer needed).
wait_healthy() {
  for _ in $(seq 150); do
    "${podman[@]}" healthcheck run "$ctr" >/dev/null 2>&1 && return 0
    [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$ctr")" = true ] || fail "container exited"
    sleep 0.2
  done
  fail "health check did not pass in 30 s"
}
vbrctl() { "${podman[@]}" exec "$ctr" vbrctl "$@"; }

step "run: non-root, only CAP_NET_BIND_SERVICE, port 179, health check"
"${podman[@]}" volume create "$vol" >/dev/null
start
wait_healthy
echo "health check: $("${podman[@]}" exec "$ctr" vbr-health)"
status=$("${podman[@]}" exec "$ctr" cat /proc/1/status)
grep -Eq '^Uid:\s+10179\s' <<<"$status" || fail "vbrd does not run as uid 10179"
grep -Eq '^CapEff:\s+0000000000000400$' <<<"$status" || fail "effective capabilities are not just NET_BIND_SERVICE: $(grep Cap <<<"$status")"
grep -Eq '^CapPrm:\s+0000000000000400$' <<<"$status" || fail "permitted capabilities are not just NET_BIND_SERVICE"
grep -Eq '^CapBnd:\s+0000000000000400$' <<<"$status" || fail "bounding set is not just NET_BIND_SERVICE"
# 0.0.0.0:179 listening (state 0A) in the container's own network namespace.
"${podman[@]}" exec "$ctr" grep -q ' 00000000:00B3 00000000:0000 0A ' /proc/net/tcp \
  || fail "vbrd is not listening on port 179"
"${podman[@]}" exec "$ctr" cat /proc/1/cmdline | tr '\0' ' ' | grep -q '^/usr/local/bin/vbrd ' \
  || fail "PID 1 is not vbrd"

step "state written through the API"
vbrctl group create lab --peer-asn 65001 --key "$key" >/dev/null
vbrctl peer add lab 10.0.0.2 >/dev/null
vbrctl network add 203.0.113.0/24 >/dev/null
vbrctl route-entry create 10.212.9.0/24 10.212.0.2 >/dev/null

step "without NET_ADMIN: the route entry is not installed, and why"
expect_denied 10.212.9.0/24 "$ns"
grep -q 'cannot write the kernel FIB (no CAP_NET_ADMIN)' <<<"$("${podman[@]}" logs "$ctr" 2>&1)" \
  || fail "vbrd does not log that it lacks CAP_NET_ADMIN"
check_state() {
  local nets groups peers
  nets=$(vbrctl -o json network list) || fail "network list ($1)"
  groups=$(vbrctl -o json group list) || fail "group list ($1)"
  peers=$(vbrctl -o json peer list) || fail "peer list ($1)"
  grep -q '"203.0.113.0/24"' <<<"$nets" || fail "network lost $1"
  grep -q '"lab"' <<<"$groups" || fail "group lost $1"
  grep -q '"hasAuthKey": *true' <<<"$groups" || fail "group key lost $1"
  grep -q '"10.0.0.2"' <<<"$peers" || fail "peer lost $1"
  echo "state intact $1: group lab (with key), peer 10.0.0.2, network 203.0.113.0/24"
}
check_state "before restart"
"${podman[@]}" exec "$ctr" sh -c 'ls -ln /var/lib/vbrd' | grep -Eq '^-rw------- +1 +10179 +10179 .*state' \
  || fail "state file is not 0600 vbrd:vbrd"

step "podman restart (SIGTERM, graceful)"
pod restart -t 20 "$ctr" >/dev/null
wait_healthy
check_state "after restart"

step "a new container on the same volume"
pod rm -f -t 20 "$ctr" >/dev/null
start
wait_healthy
check_state "in a new container"

step "with NET_ADMIN and net.ipv4.ip_forward=1: the route entry is in the namespace's table"
pod rm -f -t 20 "$ctr" >/dev/null
# The namespace is ours (made beforehand), so the sysctl is set here: what compose's `sysctls`
# or `--sysctl` does in a namespace the runtime makes (compose_lab.py runs that path).
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
caps=(--cap-drop ALL --cap-add NET_BIND_SERVICE --cap-add NET_ADMIN)
start
wait_healthy
status=$("${podman[@]}" exec "$ctr" cat /proc/1/status)
grep -Eq '^Uid:\s+10179\s' <<<"$status" || fail "vbrd does not run as uid 10179"
grep -Eq '^CapEff:\s+0000000000001400$' <<<"$status" \
  || fail "effective capabilities are not NET_BIND_SERVICE + NET_ADMIN: $(grep Cap <<<"$status")"
expect_installed 10.212.9.0/24 10.212.0.2 d1ca "$ns"
pod stop -t 20 "$ctr" >/dev/null
[ -z "$(ip -n "$ns" route show proto 210)" ] || fail "a clean stop left vbrd's route in the table"

step "logs: JSON lines, no key"
logs=$("${podman[@]}" logs "$ctr" 2>&1)
/usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    if line.strip():
        o = json.loads(line); assert {"time", "level", "msg"} <= set(o), line; n += 1
assert n > 0
print("%d JSON log lines" % n)' <<<"$logs" || fail "log lines are not JSON"
if grep -qF "$key" <<<"$logs"; then fail "the MD5 key appears in the logs"; fi
step "deploy/compose.yaml: vbrd beside BIRD, the documented commands, session Established"
/usr/bin/python3 "$src/tests/deploy/compose_lab.py" "$src" "$image" || fail "compose lab"

step "graceful restart: the container restarted in a namespace made beforehand, ping through it"
/usr/bin/python3 "$src/tests/deploy/container_gr_lab.py" "$src" "$image" || fail "container graceful restart"

echo "PASS: container (${SECONDS}s)"
