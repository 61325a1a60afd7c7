#!/usr/bin/env bash
# Load benchmark: POST /v1/verify and GET /.well-known/namecard-keys.json on loopback with wrk.
#
#   bench/load/run.sh                      # SQLite in a temp data directory
#   bench/load/run.sh postgres://postgres@127.0.0.1:5432/bench   # PostgreSQL (database must exist)
#
# The server is pinned to CPU 0 and wrk to CPU 1, so the two do not share a core.
# Needs: a release build (cargo build --release), wrk (apt-get install wrk), curl, jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=${1:-}
PORT=${PORT:-8099}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
BIN=${BIN:-target/release/namecard}
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
LOG="$DATA/server.log"

args=(serve --listen "127.0.0.1:$PORT" --data-dir "$DATA")
[[ -n "$DB_URL" ]] && args+=(--database-url "$DB_URL")
RUST_LOG=${RUST_LOG:-info} taskset -c "${SERVER_CPUS:-0}" "$BIN" "${args[@]}" >"$LOG" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

op=$(grep -A2 'Bootstrap operator token' "$LOG" | grep -o 'nc_[A-Za-z0-9_-]*' || true)
if [[ -z "$op" ]]; then echo "no bootstrap token (database not fresh?)" >&2; exit 1; fi
post() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
org=$(post /v1/orgs "$op" '{"name":"Bench Org"}' | jq -r .id)
admin=$(post "/v1/orgs/$org/tokens" "$op" '{"role":"admin"}' | jq -r .token)
member=$(post "/v1/orgs/$org/members" "$admin" '{"display_name":"Bench Member","employee_id":"B1","title":"Load"}' | jq -r .id)
token=$(post "/v1/orgs/$org/tokens" "$admin" "{\"role\":\"member\",\"member_id\":$member}" | jq -r .token)
export CARD_TEXT=$(post /v1/me/card "$token" '{}' | jq -r .text)
echo "card: $CARD_TEXT"
curl -sf -X POST "$BASE/v1/verify" -H 'Content-Type: application/json' -d "{\"text\":\"$CARD_TEXT\"}" | jq -c '{valid,reason}'

echo "== POST /v1/verify ($([[ -n "$DB_URL" ]] && echo postgres || echo sqlite)) =="
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/load/verify.lua "$BASE/v1/verify"
echo "== GET /.well-known/namecard-keys.json =="
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/.well-known/namecard-keys.json"
