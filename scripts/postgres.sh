#!/usr/bin/env bash
# The tests' PostgreSQL: Debian's cluster, on 127.0.0.1:5432 only, with a role and a database for the tests.
#   scripts/postgres.sh start | stop | url
# The connection string the tests read from WGSUPERVISOR_TEST_POSTGRES is printed by `url`.
set -euo pipefail
role=wgsup_test
database=wgsup_test
password=wgsup_test_password
url="Host=127.0.0.1;Port=5432;Database=$database;Username=$role;Password=$password"

cluster() {
  pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}'
}

case "${1:-}" in
  start)
    read -r version name < <(cluster)
    if [[ -z "${version:-}" ]]; then echo "postgres: no cluster found (is the postgresql package installed?)" >&2; exit 1; fi
    conf="/etc/postgresql/$version/$name/postgresql.conf"
    grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" >> "$conf"
    pg_ctlcluster "$version" "$name" start 2>/dev/null || pg_ctlcluster "$version" "$name" status >/dev/null
    for attempt in $(seq 1 30); do
      su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break
      sleep 1
    done
    su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role LOGIN PASSWORD '$password'; END IF;
END \$\$;
SQL
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = '$database'\"" | grep -q 1 \
      || su postgres -c "createdb -O $role $database"
    ;;
  stop)
    read -r version name < <(cluster)
    pg_ctlcluster "$version" "$name" stop
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|url" >&2
    exit 2
    ;;
esac
