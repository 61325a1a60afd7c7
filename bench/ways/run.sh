#!/usr/bin/env bash
# Contact ways: a way's statistics over a year of 1,000,000 recorded scans, and the cost of a
# team-code scan beside a personal-card scan, in one run.
#
#   bench/ways/run.sh                                                # SQLite in a temp data directory
#   bench/ways/run.sh postgres://postgres@127.0.0.1:5432/nc_bench    # PostgreSQL (fresh database)
#
# Setup through the API: an open organization with MEMBERS members answering one round-robin
# way (channel "fair-2026") whose team card is issued, and an open customer organization with
# HISTORY_REQUESTERS requesters for the history and 2 x SCANS fresh requesters for the scans.
# The history is then written straight into the server's database with one INSERT ... SELECT
# over a generated series (SQLite: a recursive CTE), in the shape the service writes a team-code
# request (via qr_scan, source team_code, the way's card id and channel, expires_at 14 days on,
# decided_at as an accept, reject, cancel or expiry writes it): HISTORY rows spread evenly over
# the year before now, to the members in turn, 55% accepted (answered 0..24 h later), 15%
# rejected, 5% cancelled, 25% expired. Beside them, NOISE personal-card requests (no way, channel
# "expo" or none) to the same members, so the way's rows are not the whole table. The history
# makes no external_contacts rows (the statistics do not read them; its few requesters would
# repeat pairs a real history of accepted requests cannot). The scans behind the history go in
# the same way: one per request, and SCANS_EXTRA more that made none, with their counts by day.
#
# Then: STATS_RUNS x GET /v1/orgs/{org}/contact-ways/{id}/stats over the year (then as many of
# GET /v1/orgs/{org}/contact-ways/stats, the per-channel statistics, over the same year), median
# and p95 of curl's time_total; and SCANS pairs of POST /v1/scans, interleaved: a team-code scan
# by a fresh requester, then a scan of a member's personal card by another fresh requester, each
# creating one pending request; medians, p95s and the ratio of the medians.
#
# KEEP=1 keeps the data directory (SQLite: its namecard.db) for EXPLAIN.
#
# Needs: cargo build --release --bin namecard; curl, jq, sqlite3 (SQLite) or psql (PostgreSQL).
# Do not run it while compiling: the figures would measure the compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=${1:-}
PORT=${PORT:-8097}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${BIN:-$TARGET/release/namecard}
MEMBERS=${MEMBERS:-5}
HISTORY=${HISTORY:-1000000}
NOISE=${NOISE:-200000}
SCANS_EXTRA=${SCANS_EXTRA:-200000}
HISTORY_REQUESTERS=${HISTORY_REQUESTERS:-20}
STATS_RUNS=${STATS_RUNS:-30}
SCANS=${SCANS:-100}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
LOG="$WORK/server.log"
DB_NAME=$([[ -n "$DB_URL" ]] && echo PostgreSQL || echo SQLite)

for tool in curl jq $([[ -n "$DB_URL" ]] && echo psql || echo sqlite3); do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "missing $BIN: cargo build --release --bin namecard" >&2; exit 1; }

server=
cleanup() {
  [[ -n "$server" ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  if [[ -n "${KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

args=(serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data")
[[ -n "$DB_URL" ]] && args+=(--database-url "$DB_URL")
RUST_LOG=${RUST_LOG:-warn,namecard=info} "$BIN" "${args[@]}" >"$LOG" 2>&1 &
server=$!
for _ in $(seq 600); do curl -s -o /dev/null "$BASE/healthz" && break; sleep 0.1; done

sql() { # runs SQL on the server's database, prints the result unaligned
  if [[ -n "$DB_URL" ]]; then psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"
  else sqlite3 -bail "$WORK/data/namecard.db" "$1"; fi
}

op=$(grep -A2 'Bootstrap operator token' "$LOG" | grep -o 'nc_[A-Za-z0-9_-]*' || true)
if [[ -z "$op" ]]; then echo "no bootstrap token (database not fresh?)" >&2; exit 1; fi
call() { curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}; }
member() { # org admin name employee_id -> "id token"
  local id
  id=$(call POST "/v1/orgs/$1/members" "$2" "{\"display_name\":\"$3\",\"employee_id\":\"$4\",\"title\":\"Bench\"}" | jq -r .id)
  echo "$id $(call POST "/v1/orgs/$1/tokens" "$2" "{\"role\":\"member\",\"member_id\":$id}" | jq -r .token)"
}

echo "setup: organizations, $MEMBERS answering members, $((HISTORY_REQUESTERS + 2 * SCANS)) requesters..."
a=$(call POST /v1/orgs "$op" '{"name":"Acme Bench","policy":"open"}' | jq -r .id)
b=$(call POST /v1/orgs "$op" '{"name":"Customer Bench","policy":"open"}' | jq -r .id)
a_admin=$(call POST "/v1/orgs/$a/tokens" "$op" '{"role":"admin"}' | jq -r .token)
b_admin=$(call POST "/v1/orgs/$b/tokens" "$op" '{"role":"admin"}' | jq -r .token)
members=(); member_tokens=()
for i in $(seq "$MEMBERS"); do
  read -r id token < <(member "$a" "$a_admin" "Sales $i" "S$i")
  members+=("$id"); member_tokens+=("$token")
done
way=$(call POST "/v1/orgs/$a/contact-ways" "$a_admin" \
  "{\"name\":\"Sales team\",\"channel\":\"fair-2026\",\"members\":[$(IFS=,; echo "${members[*]}")]}" | jq -r .id)
call GET "/v1/orgs/$a/contact-ways/$way/qr.svg" "$a_admin" >/dev/null
team_text=$(sql "SELECT card_text FROM contact_ways WHERE id = $way")
team_card=$(sql "SELECT card_id FROM contact_ways WHERE id = $way")
# The personal card scanned: the last member's (the round robin's turns do not matter to it).
personal_text=$(call POST /v1/me/card "${member_tokens[-1]}" '{}' | jq -r .text)
history_requesters=()
for i in $(seq "$HISTORY_REQUESTERS"); do
  read -r id _ < <(member "$b" "$b_admin" "History $i" "H$i")
  history_requesters+=("$id")
done
team_scanners=(); card_scanners=()
for i in $(seq "$SCANS"); do
  read -r _ token < <(member "$b" "$b_admin" "Team scanner $i" "T$i"); team_scanners+=("$token")
  read -r _ token < <(member "$b" "$b_admin" "Card scanner $i" "P$i"); card_scanners+=("$token")
done

now=$(date +%s)
year=$((365 * 86400))
start=$((now - year))
ttl=$((14 * 86400))
# Row n of the history: member n mod MEMBERS, requester n mod HISTORY_REQUESTERS, created
# start + n * year / HISTORY; its outcome by n mod 20 (0..10 accepted, 11..13 rejected, 14
# cancelled, 15..19 expired), answered (n * 7919) mod 86400 seconds later.
arr() { # the element (expr mod length) of a bash list, as an SQL CASE
  local -n list=$1
  local expr=$2 i
  local out="CASE ($expr) % ${#list[@]}"
  for i in "${!list[@]}"; do out+=" WHEN $i THEN ${list[$i]}"; done
  echo "$out END"
}
owner=$(arr members n)
requester=$(arr history_requesters n)
status="CASE WHEN n % 20 < 11 THEN 'accepted' WHEN n % 20 < 14 THEN 'rejected' WHEN n % 20 < 15 THEN 'cancelled' ELSE 'expired' END"
created="($start + n * $year / $HISTORY)"
decided="CASE WHEN n % 20 < 15 THEN $created + (n * 7919) % 86400 ELSE $created + $ttl END"
columns="requester_org_id, requester_id, owner_org_id, owner_id, via, card_id, card_channel, status, created_at, expires_at, decided_at, source, way_id"
history_rows="SELECT $b, $requester, $a, $owner, 'qr_scan', '$team_card', 'fair-2026', $status, $created, $created + $ttl, $decided, 'team_code', $way"
noise_created="($start + n * $year / $NOISE + 17)"
noise_rows="SELECT $b, $requester, $a, $owner, 'qr_scan', NULL, CASE WHEN n % 2 = 0 THEN 'expo' END, $status, $noise_created, $noise_created + $ttl, CASE WHEN n % 20 < 15 THEN $noise_created + (n * 7919) % 86400 ELSE $noise_created + $ttl END, 'card', NULL"
series() { # n = 0 .. $1 - 1
  if [[ -n "$DB_URL" ]]; then echo "FROM generate_series(0::bigint, $1 - 1) AS g(n)"
  else echo "FROM (WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < $1 - 1) SELECT n FROM s)"; fi
}
echo "setup: writing $HISTORY team-code requests and $NOISE personal-card requests over a year..."
t0=$(date +%s.%N)
sql "INSERT INTO contact_requests ($columns) $history_rows $(series "$HISTORY")"
sql "INSERT INTO contact_requests ($columns) $noise_rows $(series "$NOISE")"
# The scans behind them: one per request (at its creation, "requested"), and SCANS_EXTRA more
# that made none (already waiting, already contacts, refused), as the service records them:
# one by one in way_scans and counted by UTC day in way_scan_days.
extra_outcome="CASE n % 3 WHEN 0 THEN 'already_pending' WHEN 1 THEN 'already_connected' ELSE 'refused' END"
sql "INSERT INTO way_scans (way_id, at, outcome, org_id, channel) SELECT $way, $created, 'requested', $a, 'fair-2026' $(series "$HISTORY")"
sql "INSERT INTO way_scans (way_id, at, outcome, org_id, channel) SELECT $way, ($start + n * $year / $SCANS_EXTRA + 29), $extra_outcome, $a, 'fair-2026' $(series "$SCANS_EXTRA")"
sql "INSERT INTO way_scan_days (way_id, day, outcome, scans) SELECT way_id, at / 86400, outcome, COUNT(*) FROM way_scans WHERE way_id = $way GROUP BY way_id, at / 86400, outcome"
# PostgreSQL: what autovacuum does after such an insert (statistics, and the visibility map an
# index-only scan needs). SQLite: nothing, as the service runs no ANALYZE (with sqlite_stat1
# from a table whose rows nearly all share one way, SQLite's planner picks skip-scans and sorts:
# several times slower).
# The counts by day that the triggers kept through that one insert are compacted too: written in
# one transaction, each of their rows left a million dead versions behind it that no vacuum
# could prune meanwhile, where a year of requests made one per transaction leaves its few
# dead versions to be pruned as it goes (and autovacuum does the rest).
if [[ -n "$DB_URL" ]]; then
  sql "VACUUM ANALYZE contact_requests"; sql "VACUUM ANALYZE way_scans"; sql "VACUUM ANALYZE way_scan_days"
  sql "VACUUM FULL ANALYZE way_request_days"; sql "VACUUM FULL ANALYZE way_answer_days"
fi
echo "setup: written in $(echo "$(date +%s.%N) - $t0" | bc) s; the way has $(sql "SELECT COUNT(*) FROM contact_requests WHERE way_id = $way") requests and $(sql "SELECT COUNT(*) FROM way_scans WHERE way_id = $way") scans"

# median and p95 of a file of seconds, in ms
summary() { sort -n "$1" | awk '{ v[NR] = $1 * 1000 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  p = v[int(NR * 0.95 + 0.999)]; printf "median %.1f ms, p95 %.1f ms, min %.1f ms, max %.1f ms (n=%d)", m, p, v[1], v[NR], NR }'; }
timed() { # method path token [body]: prints time_total; fails unless 2xx
  curl -sf -o "$WORK/body.json" -w '%{time_total}\n' -X "$1" "$BASE$2" -H "Authorization: Bearer $3" \
    -H 'Content-Type: application/json' ${4:+-d "$4"}
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $DB_NAME, load average before: $(cut -d' ' -f1-3 /proc/loadavg) =="
way_stats="/v1/orgs/$a/contact-ways/$way/stats?from=$start&to=$((now + 1))"
channel_stats="/v1/orgs/$a/contact-ways/stats?from=$start&to=$((now + 1))"
timed GET "$way_stats" "$a_admin" >/dev/null # a first read, not counted
jq -c '{scans, total, members: (.members | length)}' "$WORK/body.json"
: >"$WORK/way.txt"; : >"$WORK/channel.txt"
have_channels=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$channel_stats" -H "Authorization: Bearer $a_admin")
# One after the other, not interleaved: a per-channel read goes through the whole table's rows,
# which would push the way's indexes out of the database's cache between way reads.
for _ in $(seq "$STATS_RUNS"); do timed GET "$way_stats" "$a_admin" >>"$WORK/way.txt"; done
if [[ $have_channels == 200 ]]; then
  for _ in $(seq "$STATS_RUNS"); do timed GET "$channel_stats" "$a_admin" >>"$WORK/channel.txt"; done
fi
[[ $have_channels == 200 ]] && jq -c '[.channels[] | {channel, requests}]' "$WORK/body.json"
stats_line="GET .../contact-ways/$way/stats over a year of $((HISTORY + SCANS_EXTRA)) scans, $HISTORY requests: $(summary "$WORK/way.txt")"
echo "$stats_line"
channel_line="GET .../contact-ways/stats (per channel) over the same year: $([[ $have_channels == 200 ]] && summary "$WORK/channel.txt" || echo "no such route ($have_channels)")"
echo "$channel_line"

: >"$WORK/team.txt"; : >"$WORK/card.txt"
for i in $(seq 0 $((SCANS - 1))); do
  timed POST /v1/scans "${team_scanners[$i]}" "$(jq -nc --arg t "$team_text" '{text: $t}')" >>"$WORK/team.txt"
  [[ $(jq -r .outcome "$WORK/body.json") == request_created ]] || { cat "$WORK/body.json"; exit 1; }
  timed POST /v1/scans "${card_scanners[$i]}" "$(jq -nc --arg t "$personal_text" '{text: $t}')" >>"$WORK/card.txt"
  [[ $(jq -r .outcome "$WORK/body.json") == request_created ]] || { cat "$WORK/body.json"; exit 1; }
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "== summary ($DB_NAME, load average after: $(cut -d' ' -f1-3 /proc/loadavg)) =="
echo "$stats_line"
echo "$channel_line"
echo "POST /v1/scans, team code:     $(summary "$WORK/team.txt")"
echo "POST /v1/scans, personal card: $(summary "$WORK/card.txt")"
awk -v t="$(median "$WORK/team.txt")" -v c="$(median "$WORK/card.txt")" \
  'BEGIN { printf "ratio of medians team code / personal card: %.2f\n", t / c }'
