#!/usr/bin/env bash
# Installs what vbrd needs from Debian 12's packages. As root on a fresh machine.
#   scripts/deps.sh build   what building and running vbrd and vbrctl needs
#   scripts/deps.sh test    that, plus the test tools and real BGP daemons
#                           (VBR_CONTAINER_TEST=1: also podman, runc, debootstrap)
set -euo pipefail
want=${1:-build}
build_pkgs=(build-essential cmake pkg-config libgrpc-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev
  libuv1-dev libjson-c-dev libmnl-dev ca-certificates
  libcmocka-dev)  # the default cmake configure needs it: tests/sessions links cmocka unconditionally
test_pkgs=(clang libclang-rt-14-dev python3 python3-grpcio python3-protobuf
  protobuf-compiler protobuf-compiler-grpc bird2 gobgpd exabgp iproute2 procps valgrind
  psmisc util-linux prometheus openssl curl python3-yaml
  frr openbgpd iputils-ping iptables  # FRR (bgpd, bfdd), OpenBGPD: interop tests; ping: forwarding tests
  libcap2-bin)  # setcap: deploy_caps (not in a minimal Debian 12; it skips without it)
# The container test (tests/deploy/test_container.sh) runs only where podman is installed:
# VBR_CONTAINER_TEST=1 adds it (about 5 extra minutes of CI the first time, 2-4 later).
container_pkgs=(podman runc debootstrap)
pkgs=("${build_pkgs[@]}")
[ "$want" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$want" = test ] && [ "${VBR_CONTAINER_TEST:-}" = 1 ] && pkgs+=("${container_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Debian packages start BIRD, FRR and OpenBGPD as services; tests run their own daemons.
if [ "$want" = test ] && command -v systemctl >/dev/null 2>&1; then
  systemctl stop bird frr bgpd 2>/dev/null || true
fi
