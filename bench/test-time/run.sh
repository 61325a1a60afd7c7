#!/usr/bin/env bash
# Times a fresh-clone `cargo build` and then `cargo test` at two commits, on this machine, one
# after the other (builds first, then tests), each clone with an empty target directory.
# Usage: bench/test-time/run.sh <before-commit> <after-commit> [workdir]
# PostgreSQL on 127.0.0.1:5432 (user postgres) gets a fresh database per run, as in CI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
before=$1 after=$2 work=${3:-$(mktemp -d)}
mkdir -p "$work"
for name in before after; do
  rev=${!name}
  rm -rf "$work/$name"
  git clone -q "$repo" "$work/$name"
  git -C "$work/$name" checkout -q "$rev"
done
timed() { # label dir command...
  local label=$1 dir=$2; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" "$@") >"$work/$label.log" 2>&1 || echo "$label: exit $?" >>"$work/results"
  end=$(date +%s.%N)
  printf '%s %.0f s\n' "$label" "$(echo "$end - $start" | bc)" | tee -a "$work/results"
}
for name in before after; do
  timed "$name-build" "$work/$name" cargo build
done
for name in before after; do
  db="namecard_time_${name}_$$"
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db"
  NAMECARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/$db" timed "$name-test" "$work/$name" cargo test
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
done
grep -h "^test result" "$work"/before-test.log | awk '{p+=$4; f+=$6} END {print "before: " p " passed, " f " failed"}' | tee -a "$work/results"
grep -h "^test result" "$work"/after-test.log | awk '{p+=$4; f+=$6} END {print "after: " p " passed, " f " failed"}' | tee -a "$work/results"
echo "results in $work/results"
