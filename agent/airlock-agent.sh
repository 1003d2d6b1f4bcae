#!/bin/sh
# airlock-agent — push a Docker host's container state to an Airlock deck.
#
# POSIX sh + docker CLI + curl (+ awk, sed, tr, mktemp, date). No port is opened on the host:
# the agent only makes outbound HTTP(S) requests to the deck. Secret-looking environment values
# and known token shapes are masked ON THIS HOST, before anything is sent.
#
# See docs/push-agent.md. Exit codes: 0 ok, 1 fatal / report failed (--once), 2 usage or config error.

set -u

AGENT_VERSION='airlock-agent/1'
PROG=${0##*/}

usage() {
  cat <<'EOF'
Usage: airlock-agent [--once] [--interval SECONDS] [--url URL] [--token-file FILE] [--ca-file FILE]
       airlock-agent --print      build one report and write it to stdout (nothing is sent)
       airlock-agent --mask       mask JSON read from stdin and write it to stdout (debug aid)
       airlock-agent --help

Collects `docker ps -a`, `docker inspect` and one `docker stats` snapshot every interval, masks
secrets on this host, and POSTs the report to $AIRLOCK_URL/api/ingest/docker.

Environment (flags override):
  AIRLOCK_URL              deck base URL, e.g. https://airlock.example.com     (required)
  AIRLOCK_HOST_TOKEN       this host's ingest token                             (this or ..._FILE)
  AIRLOCK_HOST_TOKEN_FILE  file holding the token (recommended; mode 0600)
  AIRLOCK_INTERVAL         seconds between reports (default 30, minimum 5)
  AIRLOCK_CA_FILE          CA bundle to verify the deck's certificate (curl --cacert)
  AIRLOCK_HOSTNAME         name to report (default: uname -n)
  AIRLOCK_MAX_BYTES        refuse to send reports larger than this (default 8388608)
  AIRLOCK_ALLOW_HTTP=1     allow plain http:// to a non-loopback deck (not recommended)
  AIRLOCK_INSECURE=1       skip TLS verification (never the default; logs a warning)

The token is never accepted as a command-line flag (it would be visible in `ps`).
Exit codes: 0 ok, 1 report failed (--once) or fatal error, 2 usage or configuration error.
EOF
}

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2
}

die_usage() {
  printf '%s: %s\n' "$PROG" "$*" >&2
  printf "Try '%s --help'.\n" "$PROG" >&2
  exit 2
}

# --- masking --------------------------------------------------------------------------------
# One awk program, applied to every piece of JSON the agent sends (ps, inspect, stats):
#  * it walks the JSON string literals of each line (strings never span lines in JSON);
#  * inside any "Env": [ ... ] array, an entry "NAME=value" whose NAME looks secret gets its
#    value replaced by ***;
#  * in every string, values with known token shapes are replaced by *** (whatever the name),
#    and a string holding a PEM private key is replaced entirely;
#  * names ending in or holding PWD (MYSQL_PWD) count as secret, except the shell's PWD/OLDPWD;
#  * in every string, only the value of Password=/Pwd= (connection strings) and of --password=x,
#    --password x, --db-pwd x ... (command lines) is replaced; an argument after a lone
#    "--password" string is replaced whole. -p is left alone (as often a port as a password).
# The same rules as the deck's masker (apps/server/src/modules/fleet/mask.ts), which masks again.
# State (are we inside an Env array?) carries across lines, so both compact (one object per
# line) and indented JSON work.
MASK_AWK='
function rep(cls, n,   s, i) { s = ""; for (i = 0; i < n; i++) s = s cls; return s }
BEGIN {
  SECRETNAME = "TOKEN|KEY|SECRET|PASSWORD|PASS|PASSWD|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE"
  n = 0
  SHAPE[++n] = "github_pat_" rep("[A-Za-z0-9_]", 20) "[A-Za-z0-9_]*"
  SHAPE[++n] = "gh[pousr]_" rep("[A-Za-z0-9]", 20) "[A-Za-z0-9_]*"
  SHAPE[++n] = "glpat-" rep("[A-Za-z0-9_-]", 20) "[A-Za-z0-9_-]*"
  SHAPE[++n] = "sk-" rep("[A-Za-z0-9_-]", 20) "[A-Za-z0-9_-]*"
  SHAPE[++n] = "[rs]k_(live|test)_" rep("[A-Za-z0-9]", 16) "[A-Za-z0-9]*"
  SHAPE[++n] = "xox[abposr]-" rep("[A-Za-z0-9-]", 10) "[A-Za-z0-9-]*"
  SHAPE[++n] = "(AKIA|ASIA)" rep("[0-9A-Z]", 16)
  SHAPE[++n] = "AIza" rep("[0-9A-Za-z_-]", 35)
  SHAPE[++n] = "eyJ[A-Za-z0-9_-]+[.]eyJ[A-Za-z0-9_-]+[.][A-Za-z0-9_-]*"
  NSHAPE = n
  STR = "\"([^\"\\\\]|\\\\.)*\""
  inenv = 0; pendingenv = 0; gap = ""; optnext = 0
  # awk has no case-insensitive match that every awk knows: the letters are spelled out.
  CONNKEY = "(^|[;{ ])([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Pp][Ww][Dd])[ ]*=[ ]*"
  OPTWORD = "([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Pp][Aa][Ss][Ss][Ww][Dd]|[Pp][Ww][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn])"
  OPTKEY = "(^| )--[A-Za-z0-9_-]*" OPTWORD "(=| +)"
  OPTALONE = "^--[A-Za-z0-9_-]*" OPTWORD "$"
  Q = "\047"
}
function secretname(name,   u) {
  u = toupper(name)
  return u ~ SECRETNAME || (u ~ /PWD/ && u != "PWD" && u != "OLDPWD")
}
# Length of the value at the start of s: a JSON-escaped \"...\", a single-quoted one (quotes
# doubled inside), a {...}, or else up to the first character of stop (";" or " ").
function vlen(s, stop,   e, n, k) {
  if (substr(s, 1, 2) == "\\\"") { e = index(substr(s, 3), "\\\""); return e ? e + 3 : length(s) }
  if (substr(s, 1, 1) == Q) {
    n = 1
    # Bounded like the replacements below: each step copies the rest of s.
    for (k = 0; k < 64; k++) {
      e = index(substr(s, n + 1), Q)
      if (!e) return length(s)
      n += e
      if (substr(s, n + 1, 1) != Q) return n
      n++
    }
    return length(s)
  }
  if (substr(s, 1, 1) == "{" && stop == ";") { e = index(s, "}"); return e ? e : length(s) }
  e = index(s, stop)
  return e ? e - 1 : length(s)
}
# Replaces the value after every match of key in s by ***, keeping the key and what follows.
# Each round copies the rest of s, so a hostile value with thousands of keys would cost time
# quadratic in its length: after 64 the rest is masked whole (over-masking is the safe failure).
function maskafter(s, key, stop,   out, rest, k) {
  out = ""
  while (match(s, key)) {
    if (++k > 64) return out "***"
    out = out substr(s, 1, RSTART + RLENGTH - 1) "***"
    rest = substr(s, RSTART + RLENGTH)
    s = substr(rest, vlen(rest, stop) + 1)
  }
  return out s
}
function maskval(s,   i) {
  if (s ~ /-----BEGIN[A-Z ]*PRIVATE KEY/) return "***"
  for (i = 1; i <= NSHAPE; i++) gsub(SHAPE[i], "***", s)
  if (s ~ /[Pp][Ww][Dd]|[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]/) s = maskafter(s, CONNKEY, ";")
  if (index(s, "--")) s = maskafter(s, OPTKEY, " ")
  return s
}
function handle(tok, sep,   inner, eq, name, after) {
  inner = substr(tok, 2, length(tok) - 2)
  after = optnext && sep ~ /^[ \t]*,[ \t]*$/
  optnext = inner ~ OPTALONE
  if (after) return "\"***\""
  if (inenv) {
    eq = index(inner, "=")
    if (eq > 0) {
      name = substr(inner, 1, eq - 1)
      if (secretname(name)) return "\"" name "=***\""
      return "\"" name "=" maskval(substr(inner, eq + 1)) "\""
    }
  }
  return "\"" maskval(inner) "\""
}
{
  line = $0; out = ""
  while (match(line, STR)) {
    pre = substr(line, 1, RSTART - 1)
    tok = substr(line, RSTART, RLENGTH)
    line = substr(line, RSTART + RLENGTH)
    gap = gap pre
    if (pendingenv) {
      pendingenv = 0
      if (gap ~ /^[ \t]*:[ \t]*\[/) {
        inenv = 1
        sub(/^[ \t]*:[ \t]*\[/, "", gap)
      }
    }
    if (inenv && gap ~ /[]]/) inenv = 0
    if (!inenv && tok == "\"Env\"") pendingenv = 1
    sep = gap
    gap = ""
    out = out pre handle(tok, sep)
  }
  gap = gap line
  print out line
}
'

mask() {
  awk "$MASK_AWK"
}

# --- helpers --------------------------------------------------------------------------------
json_string() {
  # JSON-encode a short single-line string (hostname): escape backslash and quote, drop controls.
  printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/'
}

join_lines() {
  # Join non-empty lines with commas (stdin -> stdout, no trailing newline).
  awk 'NF { if (n++) printf ","; printf "%s", $0 }'
}

is_uint() {
  case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac
}

# --- collection -----------------------------------------------------------------------------
# build_report FILE — writes a masked JSON report to FILE. Returns non-zero when docker fails.
build_report() {
  out=$1
  if ! docker ps -a --no-trunc --format '{{json .}}' >"$TMP/ps.json" 2>"$TMP/docker.err"; then
    log "docker ps failed: $(tr -d '\r' <"$TMP/docker.err" | tr '\n' ' ' | cut -c1-300)"
    return 1
  fi
  docker ps -aq --no-trunc >"$TMP/ids" 2>"$TMP/docker.err" || {
    log "docker ps -q failed: $(tr '\n' ' ' <"$TMP/docker.err" | cut -c1-300)"
    return 1
  }
  ids=$(tr '\n' ' ' <"$TMP/ids")
  : >"$TMP/inspect.json"
  if [ -n "$(printf '%s' "$ids" | tr -d ' ')" ]; then
    # One call for all containers. A container removed between `ps` and `inspect` makes docker
    # exit non-zero but still print the others; keep whatever valid array it printed.
    # shellcheck disable=SC2086
    docker inspect $ids >"$TMP/inspect.json" 2>"$TMP/docker.err" || true
  fi
  if ! awk 'NF { print; exit }' "$TMP/inspect.json" | grep -q '^[[:space:]]*\['; then
    printf '[]\n' >"$TMP/inspect.json"
  fi
  # Stats of running containers; a failure here is not fatal (an empty snapshot is sent).
  if ! docker stats --no-stream --no-trunc --format '{{json .}}' >"$TMP/stats.json" 2>"$TMP/docker.err"; then
    log "docker stats failed (sending no stats): $(tr '\n' ' ' <"$TMP/docker.err" | cut -c1-200)"
    : >"$TMP/stats.json"
  fi
  # A container removed while stats runs is reported with a placeholder ID ("--"); drop such rows
  # so one vanishing container never makes the deck refuse the whole report.
  grep '"ID":"[0-9a-f]\{12,64\}"' "$TMP/stats.json" >"$TMP/stats.ok" || true
  mv "$TMP/stats.ok" "$TMP/stats.json"

  {
    printf '{"version":1,"agent":"%s","hostname":%s,"sentAt":"%s","ps":[' \
      "$AGENT_VERSION" "$(json_string "$HOSTNAME_TO_SEND")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    mask <"$TMP/ps.json" | join_lines
    printf '],"inspect":'
    mask <"$TMP/inspect.json"
    printf ',"stats":['
    mask <"$TMP/stats.json" | join_lines
    printf ']}\n'
  } >"$out"
}

# send_report FILE — POST it; returns 0 on 2xx.
send_report() {
  size=$(wc -c <"$1" | tr -d ' ')
  if [ "$size" -gt "$MAX_BYTES" ]; then
    log "report is $size bytes, over the limit of $MAX_BYTES; not sent"
    return 1
  fi
  report=$1
  set -- -sS -m 20 --proto '=http,https' -X POST -H @"$TMP/headers" \
    --data-binary @"$report" -o "$TMP/response" -w '%{http_code}'
  [ -n "$CA_FILE" ] && set -- "$@" --cacert "$CA_FILE"
  [ -n "$INSECURE" ] && set -- "$@" -k
  code=$(curl "$@" "$INGEST_URL" 2>"$TMP/curl.err")
  rc=$?
  if [ "$rc" -ne 0 ]; then
    log "report failed: curl exit $rc: $(tr '\n' ' ' <"$TMP/curl.err" | cut -c1-300)"
    return 1
  fi
  case $code in
    2??)
      log "report ok: HTTP $code, $size bytes"
      return 0
      ;;
    *)
      body=$(tr '\r\n' '  ' <"$TMP/response" | tr -cd '[:print:]' | cut -c1-500)
      log "report rejected: HTTP $code: $body"
      return 1
      ;;
  esac
}

cleanup() {
  [ -n "${SLEEP_PID:-}" ] && kill "$SLEEP_PID" 2>/dev/null
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# --- arguments and configuration --------------------------------------------------------------
ONCE=
MODE=run
URL=${AIRLOCK_URL:-}
TOKEN_FILE=${AIRLOCK_HOST_TOKEN_FILE:-}
INTERVAL=${AIRLOCK_INTERVAL:-30}
CA_FILE=${AIRLOCK_CA_FILE:-}

need_arg() {
  [ "$#" -ge 2 ] || die_usage "option $1 needs a value"
}

while [ "$#" -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --once) ONCE=1 ;;
    --print) MODE=print ;;
    --mask) MODE=mask ;;
    --interval) need_arg "$@"; INTERVAL=$2; shift ;;
    --interval=*) INTERVAL=${1#*=} ;;
    --url) need_arg "$@"; URL=$2; shift ;;
    --url=*) URL=${1#*=} ;;
    --token-file) need_arg "$@"; TOKEN_FILE=$2; shift ;;
    --token-file=*) TOKEN_FILE=${1#*=} ;;
    --ca-file) need_arg "$@"; CA_FILE=$2; shift ;;
    --ca-file=*) CA_FILE=${1#*=} ;;
    --token | --token=*) die_usage "the token is not accepted on the command line (visible in ps); use AIRLOCK_HOST_TOKEN or AIRLOCK_HOST_TOKEN_FILE" ;;
    *) die_usage "unknown argument: $1" ;;
  esac
  shift
done

if [ "$MODE" = mask ]; then
  mask
  exit $?
fi

for cmd in docker awk sed tr mktemp date; do
  command -v "$cmd" >/dev/null 2>&1 || die_usage "required command not found: $cmd"
done

HOSTNAME_TO_SEND=${AIRLOCK_HOSTNAME:-$(uname -n)}
MAX_BYTES=${AIRLOCK_MAX_BYTES:-8388608}
is_uint "$MAX_BYTES" || die_usage "AIRLOCK_MAX_BYTES must be a number of bytes"

umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/airlock-agent.XXXXXX") || { log "cannot create a temporary directory"; exit 1; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$MODE" = print ]; then
  build_report "$TMP/report.json" || exit 1
  cat "$TMP/report.json"
  exit 0
fi

command -v curl >/dev/null 2>&1 || die_usage "required command not found: curl"

[ -n "$URL" ] || die_usage "AIRLOCK_URL is not set (the deck's base URL, e.g. https://airlock.example.com)"
URL=${URL%/}
case $URL in
  https://?*) ;;
  http://localhost | http://localhost[:/]* | http://127.* | http://\[::1\]*) ;;
  http://?*)
    [ "${AIRLOCK_ALLOW_HTTP:-}" = 1 ] ||
      die_usage "AIRLOCK_URL uses plain http to a non-loopback host; use https (or set AIRLOCK_ALLOW_HTTP=1)"
    ;;
  *) die_usage "AIRLOCK_URL must start with https:// (got: $URL)" ;;
esac
case $URL in
  *[[:space:]]* | *'"'* | *"'"*) die_usage "AIRLOCK_URL contains whitespace or quotes" ;;
esac
INGEST_URL="$URL/api/ingest/docker"

is_uint "$INTERVAL" || die_usage "AIRLOCK_INTERVAL must be a whole number of seconds (got: $INTERVAL)"
[ "$INTERVAL" -ge 5 ] || die_usage "AIRLOCK_INTERVAL must be at least 5 seconds"

if [ -n "$CA_FILE" ] && [ ! -r "$CA_FILE" ]; then
  die_usage "AIRLOCK_CA_FILE is not readable: $CA_FILE"
fi
INSECURE=
if [ "${AIRLOCK_INSECURE:-}" = 1 ]; then
  INSECURE=1
  log "WARNING: AIRLOCK_INSECURE=1 — TLS certificates are NOT verified; anyone on the path can read reports and the token"
fi

TOKEN=${AIRLOCK_HOST_TOKEN:-}
if [ -z "$TOKEN" ] && [ -n "$TOKEN_FILE" ]; then
  [ -r "$TOKEN_FILE" ] || die_usage "AIRLOCK_HOST_TOKEN_FILE is not readable: $TOKEN_FILE"
  TOKEN=$(tr -d ' \t\r\n' <"$TOKEN_FILE")
fi
[ -n "$TOKEN" ] || die_usage "no host token: set AIRLOCK_HOST_TOKEN or AIRLOCK_HOST_TOKEN_FILE"
case $TOKEN in
  *[!A-Za-z0-9._~+/=-]*) die_usage "the host token contains unexpected characters" ;;
esac
# The token goes to curl through a 0600 header file (printf is a shell builtin), never argv.
printf 'Authorization: Bearer %s\nContent-Type: application/json\n' "$TOKEN" >"$TMP/headers"
unset TOKEN AIRLOCK_HOST_TOKEN

# --- main loop --------------------------------------------------------------------------------
FAILS=0
while :; do
  if build_report "$TMP/report.json" && send_report "$TMP/report.json"; then
    FAILS=0
    ok=1
  else
    FAILS=$((FAILS + 1))
    ok=
  fi
  rm -f "$TMP/report.json" "$TMP/response"
  if [ -n "$ONCE" ]; then
    [ -n "$ok" ] && exit 0
    exit 1
  fi
  delay=$INTERVAL
  if [ "$FAILS" -gt 0 ]; then
    # Back off on repeated failures: interval × 2^(fails-1), at most 10 minutes.
    n=1
    while [ "$n" -lt "$FAILS" ] && [ "$delay" -lt 600 ]; do
      delay=$((delay * 2))
      n=$((n + 1))
    done
    [ "$delay" -gt 600 ] && delay=600
    log "retrying in ${delay}s (failure $FAILS)"
  fi
  sleep "$delay" &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=
done
