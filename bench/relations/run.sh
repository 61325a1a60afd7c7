#!/usr/bin/env bash
# The organization's view over 100,000 external contacts and a 5,000-contact transfer, on SQLite
# and on a fresh PostgreSQL database (PGHOST, default 127.0.0.1; skipped without psql).
set -euo pipefail
cd "$(dirname "$0")/../.."
PGHOST=${PGHOST:-127.0.0.1}
if command -v psql >/dev/null; then
  db="namecard_bench_$(date +%s)_$$"
  psql -h "$PGHOST" -U postgres -d test -qc "CREATE DATABASE $db"
  trap 'psql -h "$PGHOST" -U postgres -d test -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
  export NAMECARD_BENCH_POSTGRES_URL="postgres://postgres@$PGHOST:5432/$db"
fi
cargo bench --bench relations
