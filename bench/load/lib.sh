# Shared by run.sh and callgrind.sh: start the service and the bare baseline, and issue the
# cards through the API. Source it from the repository root after setting the variables below
# (or accept their defaults); it sets WORK, BASE, server, bare and writes $WORK/cards.txt
# (card texts), $WORK/real.txt (the service's bodies) and $WORK/bare.txt (the bare server's).

DB_URL=${DB_URL:-}
PORT=${PORT:-8099}
BARE_PORT=${BARE_PORT:-8098}
CARDS=${CARDS:-300}
MEMBERS=${MEMBERS:-10}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${BIN:-$TARGET/release/namecard}
BARE=${BARE:-$TARGET/release/examples/bare_verify}
# A command prefix for both servers (taskset, valgrind, ...).
SERVER_WRAPPER=${SERVER_WRAPPER:-taskset -c 0}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
LOG="$WORK/server.log"
DB_NAME=$([[ -n "$DB_URL" ]] && echo PostgreSQL || echo SQLite)

for tool in wrk curl jq taskset; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
for exe in "$BIN" "$BARE"; do
  [[ -x "$exe" ]] || { echo "missing $exe: cargo build --release --bin namecard --example bare_verify" >&2; exit 1; }
done

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { for _ in $(seq 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

args=(serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data")
[[ -n "$DB_URL" ]] && args+=(--database-url "$DB_URL")
# shellcheck disable=SC2086 # the wrapper is a command line
RUST_LOG=${RUST_LOG:-info} $SERVER_WRAPPER "$BIN" "${args[@]}" >"$LOG" 2>&1 &
server=$!
pids+=($server)
wait_for "$BASE/healthz"

op=$(grep -A2 'Bootstrap operator token' "$LOG" | grep -o 'nc_[A-Za-z0-9_-]*' || true)
if [[ -z "$op" ]]; then echo "no bootstrap token (database not fresh?)" >&2; exit 1; fi
call() { curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}; }
org=$(call POST /v1/orgs "$op" '{"name":"Bench Org"}' | jq -r .id)
admin=$(call POST "/v1/orgs/$org/tokens" "$op" '{"role":"admin"}' | jq -r .token)
member_token() {
  local id
  id=$(call POST "/v1/orgs/$org/members" "$admin" "{\"display_name\":\"Bench Member $1\",\"employee_id\":\"B$1\",\"title\":\"Load tester\"}" | jq -r .id)
  call POST "/v1/orgs/$org/tokens" "$admin" "{\"role\":\"member\",\"member_id\":$id}" | jq -r .token
}

echo "setup: issuing $CARDS cards of $MEMBERS members through the API..."
: >"$WORK/cards.txt"
per_member=$(( (CARDS + MEMBERS - 1) / MEMBERS ))
issued=0
for m in $(seq "$MEMBERS"); do
  token=$(member_token "$m")
  call POST /v1/me/card "$token" '{}' | jq -r .text >>"$WORK/cards.txt"
  issued=$((issued + 1))
  for i in $(seq 2 "$per_member"); do
    (( issued < CARDS )) || break
    call POST /v1/me/cards "$token" "{\"channel\":\"bench-$m-$i\"}" | jq -r .text >>"$WORK/cards.txt"
    issued=$((issued + 1))
  done
done
# Revoked cards and a deactivated member, so the server's revocation sets are not empty.
token=$(member_token revoked)
for i in $(seq 20); do
  id=$(call POST /v1/me/cards "$token" "{\"channel\":\"gone-$i\"}" | jq -r .id)
  call DELETE "/v1/me/cards/$id" "$token" >/dev/null
done
gone=$(call POST "/v1/orgs/$org/members" "$admin" '{"display_name":"Gone","employee_id":"GONE"}' | jq -r .id)
call POST "/v1/orgs/$org/members/$gone/deactivate" "$admin" '{}' >/dev/null

jq -Rc '{text: .}' "$WORK/cards.txt" >"$WORK/real.txt"
valid=0
while read -r body; do
  [[ $(curl -sf -X POST "$BASE/v1/verify" -H 'Content-Type: application/json' -d "$body" | jq -r .valid) == true ]] && valid=$((valid + 1))
done <"$WORK/real.txt"
echo "setup: $(wc -l <"$WORK/cards.txt") distinct cards, $valid of them verify as valid"
[[ $valid -eq $(wc -l <"$WORK/cards.txt") ]] || { echo "some cards do not verify" >&2; exit 1; }

# shellcheck disable=SC2086
$SERVER_WRAPPER "$BARE" "127.0.0.1:$BARE_PORT" "$WORK/cards.txt" "$WORK/bare.txt" >"$WORK/bare.log" 2>&1 &
bare=$!
pids+=($bare)
wait_for "http://127.0.0.1:$BARE_PORT/"
[[ $(curl -sf -X POST "http://127.0.0.1:$BARE_PORT/v1/verify" -H 'Content-Type: application/json' -d "$(head -1 "$WORK/bare.txt")" | jq -r .valid) == true ]] \
  || { echo "the bare server does not verify its own bodies" >&2; exit 1; }

