#!/usr/bin/env bash
# Instructions per request of POST /v1/verify, in the service and in the bare baseline
# (examples/bare_verify.rs), counted by valgrind's callgrind, and where they go.
#
#   bench/load/callgrind.sh [postgres-url]
#
# Instruction counts are user space only (the kernel's TCP work is not in them) and do not depend
# on what else runs on the machine, so they compare builds where wall-clock figures are too noisy.
# Both servers run under callgrind with instrumentation off during the setup (the same as run.sh's:
# CARDS cards issued through the API); collection is switched on for DURATION of wrk load each,
# and the profiles are kept in OUT for callgrind_annotate / kcachegrind.
#
# Needs: valgrind, plus what run.sh needs.
set -euo pipefail
cd "$(dirname "$0")/../.."

DB_URL=${1:-}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
CARDS=${CARDS:-100}
MEMBERS=${MEMBERS:-5}
TOP=${TOP:-25}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
SERVER_WRAPPER="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$OUT/callgrind.%p"
# shellcheck source=bench/load/lib.sh
source bench/load/lib.sh

profile() {
  local name=$1 pid=$2 url=$3 bodies=$4 out requests total
  callgrind_control -z "$pid" >/dev/null 2>&1
  callgrind_control -i on "$pid" >/dev/null 2>&1
  out=$(BODIES=$bodies wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s bench/load/verify.lua "$url")
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$name" "$pid" >/dev/null 2>&1
  requests=$(echo "$out" | grep -o 'requests=[0-9]*' | cut -d= -f2)
  file=$(ls -t "$OUT"/callgrind."$pid".* | head -1)
  mv "$file" "$OUT/$name.callgrind"
  total=$(callgrind_annotate "$OUT/$name.callgrind" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo "== $name: $requests requests, $(awk -v t="$total" -v n="$requests" 'BEGIN { printf "%.0f", t / n }') instructions per request =="
  callgrind_annotate --inclusive=yes "$OUT/$name.callgrind" 2>/dev/null \
    | awk -v n="$requests" -v top="$TOP" '
        /^-+$/ { rule++; next }
        rule >= 3 && $1 ~ /^[0-9,]+$/ && shown < top {
          ir = $1; gsub(",", "", ir); $1 = ""; $2 = "";
          printf "%10.0f  %s\n", ir / n, substr($0, 1, 150); shown++ }'
}

profile bare "$bare" "http://127.0.0.1:$BARE_PORT/v1/verify" "$WORK/bare.txt"
profile namecard "$server" "$BASE/v1/verify" "$WORK/real.txt"
echo "profiles: $OUT/bare.callgrind $OUT/namecard.callgrind"
