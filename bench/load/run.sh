#!/usr/bin/env bash
# Load benchmark on loopback with wrk: POST /v1/verify on the real service beside a bare axum
# handler doing one verify_strict (examples/bare_verify.rs), in the same run, then the JWKS.
#
#   bench/load/run.sh                                            # SQLite in a temp data directory
#   bench/load/run.sh postgres://postgres@127.0.0.1:5432/bench   # PostgreSQL (fresh database)
#
# Both servers are pinned to CPU 0 and wrk to CPU 1, so server and load generator do not share a
# core. The setup issues CARDS distinct cards through the API (primary and extra cards of several
# members, plus a few revoked cards and a deactivated member so the revocation sets are not
# empty); wrk sends them in turn (bench/load/verify.lua), so every request verifies a different
# card. The bare server gets the same texts, each with a signature of its own. The two are
# measured alternately, ROUNDS times each, and the ratio of their mean requests/s is printed.
#
# PERF_DATA=file records a CPU profile of the service (perf record -e cpu-clock, DWARF call
# graphs; PERF_EVENT=probe_libc:malloc PERF_SAMPLING="-c 1" to see who allocates) during its first round,
# PERF_DATA_BARE=file one of the bare server; read them with
# `perf report -i file --children --sort sym`. PERF_STAT=events (e.g. probe_libc:malloc after
# `perf probe -x <libc> malloc`) counts those events in each server during its first round and
# prints them per request.
#
# Needs: cargo build --release --bin namecard --example bare_verify; wrk (apt-get install wrk),
# curl, jq, taskset. Do not run it while compiling: the figures would measure the compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=${1:-}
DURATION=${DURATION:-15s}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-64}
# shellcheck source=bench/load/lib.sh
source bench/load/lib.sh

field() { echo "$1" | grep -o "$2=[0-9]*" | cut -d= -f2; }

# wrk with the rotating bodies; prints wrk's own report and returns the RESULT line in $result.
# With a third argument (pid, file), records a profile of that process meanwhile.
load() {
  local url=$1 bodies=$2 profile=${3:-} pid=${4:-} out perf_pid= stat_pid=
  if [[ -n "$profile" ]]; then
    perf record -e "${PERF_EVENT:-cpu-clock}" ${PERF_SAMPLING:--F 999} --call-graph dwarf,16384 -p "$pid" -o "$profile" 2>/dev/null &
    perf_pid=$!
  fi
  if [[ -n "${PERF_STAT:-}" && -n "$pid" ]]; then
    perf stat -x, -e "$PERF_STAT" -p "$pid" -o "$WORK/stat.csv" &
    stat_pid=$!
  fi
  out=$(BODIES=$bodies taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/load/verify.lua "$url")
  [[ -n "$perf_pid" ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
  echo "$out" | grep -v '^RESULT'
  result=$(echo "$out" | grep '^RESULT')
  echo "$result"
  if [[ -n "$stat_pid" ]]; then
    kill -INT "$stat_pid"; wait "$stat_pid" || true
    awk -F, -v n="$(field "$result" requests)" '$1 ~ /^[0-9.]+$/ {
      if ($2 == "msec") printf "  %s: %.1f us per request\n", $3, $1 * 1000 / n
      else printf "  %s: %.1f per request\n", $3, $1 / n }' "$WORK/stat.csv"
  fi
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $DB_NAME, load average before: $(cut -d' ' -f1-3 /proc/loadavg) =="
bare_sum=0; real_sum=0; summary=()
for round in $(seq "$ROUNDS"); do
  echo "-- round $round: bare axum + verify_strict (examples/bare_verify.rs) --"
  load "http://127.0.0.1:$BARE_PORT/v1/verify" "$WORK/bare.txt" "$([[ $round == 1 ]] && echo "${PERF_DATA_BARE:-}")" "$([[ $round == 1 ]] && echo $bare)"
  bare_sum=$((bare_sum + $(field "$result" rps)))
  summary+=("round $round bare: $(field "$result" rps) req/s, p50 $(field "$result" p50_us) us, p99 $(field "$result" p99_us) us, errors $(field "$result" errors), non-2xx $(field "$result" non2xx)")
  echo "-- round $round: namecard POST /v1/verify ($DB_NAME) --"
  load "$BASE/v1/verify" "$WORK/real.txt" "$([[ $round == 1 ]] && echo "${PERF_DATA:-}")" "$([[ $round == 1 ]] && echo $server)"
  real_sum=$((real_sum + $(field "$result" rps)))
  summary+=("round $round namecard: $(field "$result" rps) req/s, p50 $(field "$result" p50_us) us, p99 $(field "$result" p99_us) us, errors $(field "$result" errors), non-2xx $(field "$result" non2xx)")
done

echo "-- namecard GET /.well-known/namecard-keys.json ($DB_NAME) --"
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/.well-known/namecard-keys.json"

echo "-- the service's own count of verifications, by result --"
curl -sf "$BASE/metrics" | grep '^verifications_total' || true

echo
echo "== summary ($DB_NAME, $CONNECTIONS connections, $DURATION per run, load average after: $(cut -d' ' -f1-3 /proc/loadavg)) =="
printf '%s\n' "${summary[@]}"
awk -v r="$real_sum" -v b="$bare_sum" -v n="$ROUNDS" \
  'BEGIN { printf "mean: namecard %.0f req/s, bare %.0f req/s, ratio namecard/bare %.2f\n", r/n, b/n, r/b }'
