#!/usr/bin/env bash
# Builds the local images Airlock sessions run in, with no registry:
#   airlock/base:bookworm     debootstrapped Debian (images/build-base.sh)
#   airlock/sandbox:bookworm  images/sandbox/Dockerfile: the toolchain a sealed session gets
#   airlock/agent:bookworm    images/agent/Dockerfile: the sandbox plus the agent CLIs
# An image is rebuilt only when it is missing or what it is built from changed: its Dockerfile, the
# versions it pins and the image it is built on (one sha256 over them, kept as the image label
# airlock.build-sha). Agent CLIs are fetched from the npm registry with `npm pack`, which checks the
# registry's integrity hash, and cached in images/agent/.cache/.
# Usage: scripts/build-images.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
SANDBOX="${AIRLOCK_SANDBOX_IMAGE:-airlock/sandbox:bookworm}"
AGENT="${AIRLOCK_AGENT_IMAGE:-airlock/agent:bookworm}"
FORCE="${1:-}"

# build_image IMAGE CONTEXT [extra inputs...]: builds IMAGE from CONTEXT/Dockerfile when its inputs changed.
build_image() {
  local image="$1" context="$2"
  shift 2
  local sha have start
  sha="$(cat "$context/Dockerfile" "$@" | sha256sum | cut -d' ' -f1)"
  have="$(docker image inspect -f '{{ index .Config.Labels "airlock.build-sha" }}' "$image" 2>/dev/null || true)"
  if [ "$FORCE" != "--force" ] && [ "$have" = "$sha" ]; then
    echo "==> $image is up to date (inputs sha ${sha:0:12})"
    return 0
  fi
  if [ -z "$have" ]; then
    echo "==> building $image (missing) ..."
  else
    echo "==> building $image (inputs changed: ${have:0:12} -> ${sha:0:12}) ..."
  fi
  start=$(date +%s)
  docker build --pull=false --label "airlock.build-sha=$sha" -t "$image" "$context"
  echo "==> built $image in $(( $(date +%s) - start )) s"
}

# fetch_claude: the Claude Code native binary for this machine, at the pinned version, into the cache.
fetch_claude() {
  local version arch pkg cache tmp
  version="$(sed -n 's/^CLAUDE_CODE_VERSION=//p' images/agent/versions.env)"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "no Claude Code build for $(uname -m)" >&2; exit 1 ;;
  esac
  pkg="@anthropic-ai/claude-code-linux-$arch@$version"
  cache=images/agent/.cache
  mkdir -p "$cache"
  if [ -x "$cache/claude" ] && [ "$(cat "$cache/claude.version" 2>/dev/null)" = "$pkg" ]; then
    echo "==> $pkg is cached"
    return 0
  fi
  echo "==> fetching $pkg from the npm registry (about 190 MB) ..."
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/claude
  chmod 0755 "$tmp/package/claude"
  "$tmp/package/claude" --version >/dev/null || { echo "the fetched Claude Code binary does not run here" >&2; exit 1; }
  mv "$tmp/package/claude" "$cache/claude"
  echo "$pkg" > "$cache/claude.version"
}

echo "==> base image"
bash images/build-base.sh

build_image "$SANDBOX" images/sandbox
fetch_claude
sandbox_id="$(docker image inspect -f '{{ .Id }}' "$SANDBOX")"
build_image "$AGENT" images/agent images/agent/versions.env <(echo "$sandbox_id")
