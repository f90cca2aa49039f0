#!/usr/bin/env bash
# The whole suite: type check, lint, then every test on SQLite and every database test again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RECOUP_TEST_PG_URL:=postgres://root@127.0.0.1:5432/test}"
export RECOUP_TEST_PG_URL

# PostgreSQL is part of the suite, not optional: start the local cluster if it is down, else say what is missing.
if ! node -e "const c=new (require('pg').Client)(process.env.RECOUP_TEST_PG_URL);c.connect().then(()=>c.end(),()=>process.exit(1))" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is down; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do
      node -e "const c=new (require('pg').Client)(process.env.RECOUP_TEST_PG_URL);c.connect().then(()=>c.end(),()=>process.exit(1))" 2>/dev/null && break
      sleep 1
    done
  fi
fi
if ! node -e "const c=new (require('pg').Client)(process.env.RECOUP_TEST_PG_URL);c.connect().then(()=>c.end(),()=>process.exit(1))" 2>/dev/null; then
  echo "npm test needs PostgreSQL at $RECOUP_TEST_PG_URL (set RECOUP_TEST_PG_URL to another server)." >&2
  echo "To run only the SQLite half: npm run test:sqlite" >&2
  exit 1
fi

# The dashboard's browser tests drive Debian's Chromium (no browser download); say how to get it when missing.
if [ -z "${RECOUP_CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
  echo "npm test needs Chromium for the dashboard tests: apt-get install chromium (or set RECOUP_CHROMIUM)" >&2
  exit 1
fi

echo "== typecheck"
npx tsc --noEmit
npx tsc --noEmit -p web
echo "== lint"
npx biome check src test bench

mkdir -p test-results
rm -f test-results/sqlite.json test-results/postgres.json
# Built once here, so that the two runs' global setups both find them fresh rather than both building them.
node scripts/build-web.mjs
node scripts/build-cli.mjs
# The two halves run side by side: most of a test's time is spent waiting on a database, an SMTP server or
# Chromium, so two runs on two cores finish in about the time of the longer one. Each line is prefixed with its
# half; both halves always run to the end, and the suite fails if either did.
echo "== tests on SQLite (all tests, including the dashboard in Chromium: *.e2e.test.ts) [sqlite]"
echo "== tests on PostgreSQL (database tests: *.db.test.ts) [postgres]"
(RECOUP_TEST_DB=sqlite npx vitest run --reporter=default --reporter=json \
  --outputFile.json=test-results/sqlite.json 2>&1 | sed -u 's/^/[sqlite] /'; exit "${PIPESTATUS[0]}") &
sqlite_half=$!
(RECOUP_TEST_DB=postgres npx vitest run .db.test.ts --reporter=default --reporter=json \
  --outputFile.json=test-results/postgres.json 2>&1 | sed -u 's/^/[postgres] /'; exit "${PIPESTATUS[0]}") &
postgres_half=$!
status=0
wait "$sqlite_half" || status=1
wait "$postgres_half" || status=1

node scripts/test-summary.mjs test-results/sqlite.json test-results/postgres.json
exit "$status"
