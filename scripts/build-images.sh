#!/usr/bin/env bash
# Builds the local images Airlock sessions run in, with no registry: the debootstrapped base
# (images/build-base.sh), then airlock/sandbox:bookworm from images/sandbox/Dockerfile. The sandbox
# image is rebuilt only when it is missing or its Dockerfile changed (the Dockerfile's sha256 is
# kept as the image label airlock.dockerfile-sha). Usage: scripts/build-images.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${AIRLOCK_SANDBOX_IMAGE:-airlock/sandbox:bookworm}"
CONTEXT=images/sandbox

echo "==> base image"
bash images/build-base.sh

sha="$(sha256sum "$CONTEXT/Dockerfile" | cut -d' ' -f1)"
have="$(docker image inspect -f '{{ index .Config.Labels "airlock.dockerfile-sha" }}' "$IMAGE" 2>/dev/null || true)"
if [ "${1:-}" != "--force" ] && [ "$have" = "$sha" ]; then
  echo "==> $IMAGE is up to date (dockerfile sha ${sha:0:12})"
  exit 0
fi
if [ -z "$have" ]; then
  echo "==> building $IMAGE (missing) ..."
else
  echo "==> building $IMAGE (Dockerfile changed: ${have:0:12} -> ${sha:0:12}) ..."
fi
start=$(date +%s)
docker build --pull=false --label "airlock.dockerfile-sha=$sha" -t "$IMAGE" "$CONTEXT"
echo "==> built $IMAGE in $(( $(date +%s) - start )) s"
