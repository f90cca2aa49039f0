#!/usr/bin/env bash
# The whole suite: type check, lint, then every test on SQLite and every database test again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RECOUP_TEST_PG_URL:=postgres://root@127.0.0.1:5432/test}"
export RECOUP_TEST_PG_URL

echo "== typecheck"
npx tsc --noEmit
echo "== lint"
npx biome check src test bench

mkdir -p test-results
echo "== tests on SQLite (all tests)"
RECOUP_TEST_DB=sqlite npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/sqlite.json
echo "== tests on PostgreSQL (database tests: *.db.test.ts)"
RECOUP_TEST_DB=postgres npx vitest run .db.test.ts --reporter=default --reporter=json --outputFile.json=test-results/postgres.json

node scripts/test-summary.mjs test-results/sqlite.json test-results/postgres.json
