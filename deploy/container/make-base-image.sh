#!/usr/bin/env bash
# Makes the Debian 12 base images the Dockerfile names (docker.io/library/debian:bookworm and
# :bookworm-slim) from a local debootstrap, for machines that cannot pull images (like CI
# here). Uses the Debian mirror apt is configured with, and no other. Does nothing if both
# images exist.
#   deploy/container/make-base-image.sh [PODMAN_GLOBAL_OPTIONS...]
# e.g. deploy/container/make-base-image.sh --runtime /usr/sbin/runc --cgroup-manager cgroupfs
# Env: VBR_DEBIAN_MIRROR (default: the first Debian archive URI in apt's sources),
#      VBR_BASE_CACHE (default /var/tmp/vbr-base: the root filesystem is kept for reuse).
set -euo pipefail
podman=(podman "$@")
full=docker.io/library/debian:bookworm
slim=docker.io/library/debian:bookworm-slim
if "${podman[@]}" image exists "$full" && "${podman[@]}" image exists "$slim"; then
  echo "base images present: $full $slim"
  exit 0
fi

mirror=${VBR_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
    | grep -v security | grep -oE 'https?://[^ ]+/debian/?' | head -n1 || true)
fi
if [ -z "$mirror" ]; then
  echo "no Debian archive URI in apt's sources (/etc/apt/sources.list*): set VBR_DEBIAN_MIRROR" >&2
  exit 1
fi

cache=${VBR_BASE_CACHE:-/var/tmp/vbr-base}
rootfs=$cache/rootfs
mkdir -p "$cache"
# debootstrap writes the marker last, so a half-made tree from an interrupted run is redone.
if [ ! -f "$cache/complete" ]; then
  rm -rf "$rootfs"
  echo "debootstrap bookworm (minbase) from $mirror into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  touch "$cache/complete"
fi
tar -C "$rootfs" --numeric-owner -c . \
  | "${podman[@]}" import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$full"
"${podman[@]}" tag "$full" "$slim"
echo "base images made: $full $slim"
