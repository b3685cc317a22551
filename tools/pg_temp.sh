#!/usr/bin/env bash
# `eval "$(tools/pg_temp.sh start)"` starts a throwaway PostgreSQL on a free local
# port and exports THREATVEC_TEST_DATABASE_URL and PG_STOP (the command that stops it).
set -euo pipefail
[ "${1:-}" = "start" ] || { echo "usage: $0 start" >&2; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "no PostgreSQL server binaries found" >&2
  exit 1
fi
DIR=$(mktemp -d /tmp/threatvec-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUN=()
if [ "$(id -u)" = "0" ]; then
  chown postgres:postgres "$DIR"
  RUN=(runuser -u postgres --)
fi
"${RUN[@]}" "$PGBIN/initdb" -D "$DIR/data" -U threatvec --auth=trust -E UTF8 >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" \
  start >/dev/null
echo "export THREATVEC_TEST_DATABASE_URL='postgresql+psycopg://threatvec@127.0.0.1:$PORT/postgres'"
echo "export PG_STOP='${RUN[*]} $PGBIN/pg_ctl -D $DIR/data -m fast stop >/dev/null; rm -rf $DIR'"
