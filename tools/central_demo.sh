#!/usr/bin/env bash
# A throw-away central database on loopback and two "nodes", to see ship, query --db and
# verify --db work (and catch an edit), as the README's "Site deployment" describes.
# Needs PostgreSQL 15's server binaries (make deps) and a built isotrace; everything it creates
# is under one temporary directory, removed at the end (the server is stopped by its PID file).
#   tools/central_demo.sh [path/to/isotrace]
set -euo pipefail
ISOTRACE=${1:-.build/debug/isotrace}
ISOTRACE=$(cd "$(dirname "$ISOTRACE")" && pwd)/$(basename "$ISOTRACE")
PGBIN=/usr/lib/postgresql/15/bin
FIXTURE=$(cd "$(dirname "$0")/.." && pwd)/Tests/ProcFSTests/Fixtures/pilot3-generic/proc
[ -x "$PGBIN/initdb" ] || { echo "demo: $PGBIN/initdb missing: make deps (postgresql-15)" >&2; exit 2; }
[ -x "$ISOTRACE" ] || { echo "demo: $ISOTRACE missing: swift build" >&2; exit 2; }

WORK=$(mktemp -d /tmp/isotrace-central-demo.XXXXXX)
chmod 755 "$WORK"
AS_SERVER=()
if [ "$(id -u)" -eq 0 ]; then AS_SERVER=(setpriv --reuid=postgres --regid=postgres --clear-groups --); fi
cleanup() {
  [ -f "$WORK/pg/data/postmaster.pid" ] && "${AS_SERVER[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -m 700 "$WORK/pg"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/password"; chmod 600 "$WORK/password"
cp "$WORK/password" "$WORK/pg/initpw"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$WORK/pg"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${AS_SERVER[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U isotrace --pwfile "$WORK/pg/initpw" --auth-host=scram-sha-256 \
  --auth-local=trust -E UTF8 --locale=C >/dev/null
"${AS_SERVER[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -o "-p $PORT -k $WORK/pg -c listen_addresses=127.0.0.1" \
  -l "$WORK/pg/log" -w start >/dev/null
URL="postgres://isotrace@127.0.0.1:$PORT/postgres?sslmode=disable"
SINK=(--sink "$URL" --password-file "$WORK/password")
DB=(--db "$URL" --password-file "$WORK/password")
run() { echo "\$ isotrace $*" | sed "s|$WORK|\$WORK|g"; "$ISOTRACE" "$@"; }

run db init "${SINK[@]}"
for node in a b; do
  run keygen --out "$WORK/node-$node" >/dev/null
  # An audit of the fixture node, recorded as a real signed record (exit 1: its payload is not isolated).
  "$ISOTRACE" audit --record --out "$WORK/node-$node" --proc-root "$FIXTURE" >/dev/null 2>&1 || true
  run ship --out "$WORK/node-$node" "${SINK[@]}"
  HOST=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["node"]["hostname"])' "$WORK/node-$node"/records/*.jsonl)
  run db add-key "${SINK[@]}" --node "$HOST" --key "$WORK/node-$node/keys/isotrace.pub"
done
PANDA=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["audit"]["jobs"][0]["panda_id"])' "$WORK/node-a"/records/*.jsonl)
run query "${DB[@]}" --panda-id "$PANDA" | head -20
run verify "${DB[@]}"
KEY_A=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["key_id"])' "$WORK/node-a"/records/*.jsonl)
EDIT="UPDATE isotrace.record SET line = replace(line, 'pilot', 'pil0t') WHERE seq = 1 AND key_id = '$KEY_A'"
echo "\$ psql -c \"UPDATE isotrace.record SET line = replace(line, 'pilot', 'pil0t') WHERE seq = 1 AND key_id = <node a>\""
"$PGBIN/psql" -h "$WORK/pg" -p "$PORT" -U isotrace -d postgres -qc "$EDIT" || echo "(refused: records are append-only, even for a superuser)"
echo "\$ psql -c \"SET session_replication_role = replica; UPDATE ...\"   # a superuser can still switch the trigger off"
"$PGBIN/psql" -h "$WORK/pg" -p "$PORT" -U isotrace -d postgres -qc "SET session_replication_role = replica; $EDIT"
run verify "${DB[@]}" || echo "(exit $?: the edit was caught)"
