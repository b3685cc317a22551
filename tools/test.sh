#!/usr/bin/env bash
# Run the whole suite on SQLite, then the database-backed tests on PostgreSQL.
#
# PostgreSQL: THREATVEC_TEST_DATABASE_URL if set (an admin URL; each run creates
# its own database), otherwise a throwaway server started here from the local
# PostgreSQL binaries (Debian's postgresql package).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export THREATVEC_REQUIRE_BROWSER="${THREATVEC_REQUIRE_BROWSER:-1}"
mkdir -p test-output

cleanup() { [ -n "${PG_STOP:-}" ] && eval "$PG_STOP" || true; }
trap cleanup EXIT

if [ -z "${THREATVEC_TEST_DATABASE_URL:-}" ]; then
  if eval "$(tools/pg_temp.sh start)"; then
    echo "started a throwaway PostgreSQL at ${THREATVEC_TEST_DATABASE_URL}"
  else
    echo "no PostgreSQL available: the PostgreSQL pass will be skipped" >&2
  fi
fi

status=0
# Lint first and fast (about a minute); its failure fails the run, after the tests.
echo "== lint: ruff, mypy (strict) =="
lint_status=0
"$BIN/ruff" check src tests bench tools || lint_status=1
"$BIN/ruff" format --check src tests bench tools || lint_status=1
"$BIN/mypy" src/threatvec || lint_status=1

echo "== suite on SQLite =="
# --durations: the slowest tests at the end of the log, to keep the run inside CI's limit.
THREATVEC_TEST_BACKEND=sqlite "$BIN/pytest" -p no:cacheprovider --durations=30 "$@" || status=$?
if [ $status -eq 5 ]; then status=0; fi

if [ -n "${THREATVEC_TEST_DATABASE_URL:-}" ]; then
  echo "== database tests on PostgreSQL =="
  pg_status=0
  THREATVEC_TEST_BACKEND=postgres "$BIN/pytest" -p no:cacheprovider --durations=15 -m "db or postgres" "$@" \
    || pg_status=$?
  if [ $pg_status -ne 0 ] && [ $pg_status -ne 5 ]; then status=$pg_status; fi
fi
if [ $status -eq 0 ] && [ $lint_status -ne 0 ]; then
  echo "lint failed (see the top of this log)" >&2
  status=1
fi
exit $status
