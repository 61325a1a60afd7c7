#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 3600), one after the other, then
# minimises each corpus back into fuzz/corpus/<target> (what `cargo test` replays on stable).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: bash bench/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../../fuzz"
secs=${1:-3600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  mkdir -p "corpus/$t"
  start=$(date +%s)
  # -rss_limit_mb bounds each run; the photo target's own limits keep inputs cheap. -timeout
  # (seconds of wall time per input, TIMEOUT, default 10) is a hang detector: on a machine
  # shared with builds, a fuzzer under `nice` can wait longer than that for the CPU on an
  # input that runs in 0.1 s, so give it more there (libFuzzer's own default is 1200).
  # New inputs land in corpus/$t itself, which cmin then shrinks to those that add coverage.
  cargo +nightly fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout="${TIMEOUT:-10}" -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  echo "$t: ran $(( $(date +%s) - start ))s; exit status ${PIPESTATUS[0]}"
  # Keep the committed corpus small: the inputs that add coverage.
  cargo +nightly fuzz cmin "$t" "corpus/$t" >/dev/null 2>&1 || true
done
