#!/usr/bin/env bash
# Builds the local base image `airlock/base:bookworm` with no registry: debootstrap a minimal
# Debian into a temp dir and `docker import` it. Idempotent: does nothing if the image exists.
# Usage: images/build-base.sh [--force]
set -euo pipefail
IMAGE="${AIRLOCK_BASE_IMAGE:-airlock/base:bookworm}"
MIRROR="${AIRLOCK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ "${1:-}" != "--force" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE already present"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
root="$(mktemp -d /tmp/airlock-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm (minbase) into $root ..."
debootstrap --variant=minbase --include=ca-certificates,curl,procps bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
  tail -20 "$root.log" >&2; echo "debootstrap failed (log above)" >&2; exit 1; }
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
echo "importing as $IMAGE ..."
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "built $IMAGE"
