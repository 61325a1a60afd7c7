#!/usr/bin/env bash
# Load benchmark for POST /v1/scans: concurrent uploads of 12 MP phone photos of a printable card
# (and, with PHOTOS=dir, of a folder of real photos), compared in the same run with decoding the
# same photos in process; then a burst of concurrent 12 MP uploads, with the server's peak memory.
#
#   bench/scans/run.sh                       # SQLite in a temp data directory
#   bench/scans/run.sh postgres://postgres@127.0.0.1:5432/bench
#   PHOTOS=../shared/qr-photos bench/scans/run.sh      # add the real photos of the corpus
#
# Needs: cargo build --release --bins --examples; curl, jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=${1:-}
PORT=${PORT:-8098}
BIN=${BIN:-target/release/namecard}
LOAD=${LOAD:-target/release/examples/scan_load}
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
LOG="$DATA/server.log"

args=(serve --listen "127.0.0.1:$PORT" --data-dir "$DATA")
[[ -n "$DB_URL" ]] && args+=(--database-url "$DB_URL")
RUST_LOG=${RUST_LOG:-warn} "$BIN" "${args[@]}" >"$LOG" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

op=$(grep -A2 'Bootstrap operator token' "$LOG" | grep -o 'nc_[A-Za-z0-9_-]*' || true)
if [[ -z "$op" ]]; then echo "no bootstrap token (database not fresh?)" >&2; exit 1; fi
post() { curl -sf -X "${4:-POST}" "$BASE$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
member_token() { # org admin name employee_id
  local m; m=$(post "/v1/orgs/$1/members" "$2" "{\"display_name\":\"$3\",\"employee_id\":\"$4\",\"title\":\"Load\"}" | jq -r .id)
  post "/v1/orgs/$1/tokens" "$2" "{\"role\":\"member\",\"member_id\":$m}" | jq -r .token
}
a=$(post /v1/orgs "$op" '{"name":"Owner Org","policy":"open"}' | jq -r .id)
b=$(post /v1/orgs "$op" '{"name":"Scanner Org","policy":"open"}' | jq -r .id)
a_admin=$(post "/v1/orgs/$a/tokens" "$op" '{"role":"admin"}' | jq -r .token)
b_admin=$(post "/v1/orgs/$b/tokens" "$op" '{"role":"admin"}' | jq -r .token)
owner=$(member_token "$a" "$a_admin" "Card Owner" A1)
# Two uploads in flight per scanning member (the server's per-member limit), so enough members
# for the workers.
scanners=()
for i in $(seq $(( (${CONCURRENCY:-4} + 1) / 2 ))); do
  scanners+=(--scanner-token "$(member_token "$b" "$b_admin" "Scanner $i" "B$i")")
done
post /v1/me/card "$owner" '{}' >/dev/null

extra=()
[[ -n "${PHOTOS:-}" ]] && extra+=(--photos "$PHOTOS")
echo "== POST /v1/scans ($([[ -n "$DB_URL" ]] && echo postgres || echo sqlite)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
"$LOAD" --base "$BASE" --owner-token "$owner" "${scanners[@]}" --server-pid "$server" \
  --concurrency "${CONCURRENCY:-4}" --rounds "${ROUNDS:-3}" --burst "${BURST:-32}" "${extra[@]}"
