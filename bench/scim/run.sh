#!/usr/bin/env bash
# An initial SCIM sync in the shape Entra ID sends (examples/scim_sync.rs): USERS users, then
# NGROUPS groups with the users as members, against a fresh namecard on SQLite and, given a
# PostgreSQL URL (of an empty database), on PostgreSQL, one after the other in one run.
#
#   bench/scim/run.sh [postgres-url]
#
# Needs: curl, jq; cargo build --release --bin namecard --example scim_sync.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_URL=${1:-}
PORT=${PORT:-8097}
USERS=${USERS:-10000}
NGROUPS=${NGROUPS:-200}
CONNECTIONS=${CONNECTIONS:-8}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/namecard
SYNC=$TARGET/release/examples/scim_sync
BASE="http://127.0.0.1:$PORT"
for tool in curl jq; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
for exe in "$BIN" "$SYNC"; do
  [[ -x "$exe" ]] || { echo "missing $exe: cargo build --release --bin namecard --example scim_sync" >&2; exit 1; }
done
WORK=$(mktemp -d)
server=
cleanup() { [[ -n "$server" ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; rm -rf "$WORK"; }
trap cleanup EXIT

run() {
  local name=$1 db=$2 log="$WORK/$1.log" op org admin token
  local args=(serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/$name")
  [[ -n "$db" ]] && args+=(--database-url "$db")
  RUST_LOG=warn,namecard=info "$BIN" "${args[@]}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 600); do curl -s -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
  op=$(grep -A2 'Bootstrap operator token' "$log" | grep -o 'nc_[A-Za-z0-9_-]*' || true)
  [[ -n "$op" ]] || { echo "$name: no bootstrap token (database not fresh?)" >&2; exit 1; }
  call() { curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}; }
  org=$(call POST /v1/orgs "$op" '{"name":"Contoso"}' | jq -r .id)
  admin=$(call POST "/v1/orgs/$org/tokens" "$op" '{"role":"admin"}' | jq -r .token)
  token=$(call POST "/v1/orgs/$org/scim/tokens" "$admin" '{"label":"Entra ID"}' | jq -r .secret)
  echo "== $name: $USERS users, $NGROUPS groups, $CONNECTIONS connections =="
  "$SYNC" "$BASE/scim/v2" "$token" "$USERS" "$NGROUPS" "$CONNECTIONS"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

run sqlite ""
if [[ -n "$PG_URL" ]]; then run postgres "$PG_URL"; else echo "(no PostgreSQL URL given: SQLite only)"; fi
