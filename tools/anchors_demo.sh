#!/usr/bin/env bash
# Chain heads leaving the node, and a chain cut back caught by them, as the README's "Anchored
# chain heads" describes: a private rsyslogd files the daemon's chain_head messages (as a site's
# rsyslog would, for its SIEM), the daemon runs a few seconds on this node, verify --anchors
# passes; then the chain is cut back as root on the node could, and verify --anchors names the head.
# Needs root (the daemon reads every process), rsyslog (make deps) and a built isotrace; everything
# it creates is under one temporary directory, removed at the end (rsyslogd and the daemon are
# stopped by their PIDs).
#   sudo tools/anchors_demo.sh [path/to/isotrace]
set -euo pipefail
ISOTRACE=${1:-.build/debug/isotrace}
ISOTRACE=$(cd "$(dirname "$ISOTRACE")" && pwd)/$(basename "$ISOTRACE")
POLICY=$(cd "$(dirname "$0")/.." && pwd)/policies/wlcg-mupj.yaml
RSYSLOGD=/usr/sbin/rsyslogd
[ -x "$RSYSLOGD" ] || { echo "demo: $RSYSLOGD missing: make deps (rsyslog)" >&2; exit 2; }
[ -x "$ISOTRACE" ] || { echo "demo: $ISOTRACE missing: swift build" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run it as root (the daemon reads every process)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/isotrace-anchors-demo.XXXXXX)
DAEMON= RSYSLOG=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
  [ -n "$RSYSLOG" ] && kill "$RSYSLOG" 2>/dev/null && wait "$RSYSLOG" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
run() { echo "\$ isotrace $*" | sed "s|$WORK|\$WORK|g"; "$ISOTRACE" "$@" 2>/dev/null | sed "s|$WORK|\$WORK|g"; return "${PIPESTATUS[0]}"; }

# The site's rsyslog keeps every chain_head message (here in a file; a SIEM in practice).
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$WORK/log" UseSpecialParser="off" ParseHostname="on")
if \$msgid == "chain_head" then action(type="omfile" file="$WORK/chain-heads.log" template="RSYSLOG_SyslogProtocol23Format")
CONF
"$RSYSLOGD" -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslogd.pid" & RSYSLOG=$!
for _ in $(seq 100); do [ -S "$WORK/log" ] && break; sleep 0.1; done

"$ISOTRACE" keygen --out "$WORK/node" >/dev/null
echo "\$ isotrace daemon --out \$WORK/node --interval 1s --heartbeat-every 2 --syslog --syslog-socket \$WORK/log   # a few seconds"
"$ISOTRACE" daemon --out "$WORK/node" --policy "$POLICY" --interval 1s --heartbeat-every 2 \
  --syslog --syslog-socket "$WORK/log" 2>"$WORK/daemon.log" & DAEMON=$!
for _ in $(seq 1200); do [ "$(cat "$WORK/chain-heads.log" 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=
sleep 0.5
echo "\$ tail -n 2 \$WORK/chain-heads.log"
tail -n 2 "$WORK/chain-heads.log" | sed "s|$WORK|\$WORK|g"
run verify --out "$WORK/node" --anchors "$WORK/chain-heads.log"

# Root on the node cuts the chain back: the last three records go.
SEGMENT=$(ls "$WORK/node/records/"*.jsonl | tail -n 1)
echo "\$ head -n -3 \$SEGMENT > cut && cat cut > \$SEGMENT   # root on the node removes the last three records"
head -n -3 "$SEGMENT" > "$WORK/cut" && cat "$WORK/cut" > "$SEGMENT"
run verify --out "$WORK/node" || true
run verify --out "$WORK/node" --anchors "$WORK/chain-heads.log" || echo "(exit $?: the cut was caught)"
