#!/usr/bin/env bash
# Where an unpipelined latency tail comes from: redis-benchmark's load (50 clients, no
# pipelining, -r 100000) sent by tail-client.c, which times every reply, against a fresh
# server of each build given (or redis-server), rounds alternating, each server first warmed
# up and then emptied (FLUSHALL) as the bench's throughput measure does it. A redstate
# server runs with gc-events.mjs preloaded, so that tail-attribution.mjs can set its slow
# replies and its reply gaps (>= 1 ms without any reply) beside its collections; beside
# them, the main thread's CPU per request and its time waiting for a core (schedstat: the
# host's load).
#   bench/tail-timeline.sh [-r ROUNDS] [-n REQUESTS] [-t TEST] [-a "NODE FLAGS"] DIST|redis ...
# TEST: set, get, incr, hset, sadd, zadd or lrange_100 (default set; its list is filled first by
# as many LPUSHes, unmeasured, as redis-benchmark does); -a adds node options to every
# redstate. Needs a C compiler (cc) and redis-tools.
set -u
rounds=3 n=100000 test=set flags=
while getopts r:n:t:a: o; do
  case $o in r) rounds=$OPTARG ;; n) n=$OPTARG ;; t) test=$OPTARG ;; a) flags=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '10,10p' "$0" >&2; exit 2; }
bench=$(cd "$(dirname "$0")" && pwd)
. "$bench/shell-common.sh"
one_server_at_a_time
cc -O2 -o "$work/tail-client" "$bench/tail-client.c" || exit 1
port=$(free_port)
for r in $(seq "$rounds"); do
  for server in "$@"; do
    : >"$work/gc"
    if [ "$server" = redis ]; then
      redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save '' >/dev/null 2>&1 &
    else
      # shellcheck disable=SC2046,SC2086 # the flags are words
      GC_EVENTS_OUT="$work/gc" node $(binflags "$server") --import "$bench/gc-events.mjs" $flags "$server/cli.js" \
        --port "$port" --bind 127.0.0.1 --dir "$work" --save '' >/dev/null 2>&1 &
    fi
    pid=$!
    for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
    redis-benchmark -p "$port" -c 50 -r 100000 -n 20000 -t set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset -q >/dev/null
    redis-cli -p "$port" flushall >/dev/null
    [ "$test" = lrange_100 ] && redis-benchmark -p "$port" -c 50 -r 100000 -n "$n" -t lpush -q >/dev/null
    : >"$work/gc"
    read -r cpu0 wait0 _ <"/proc/$pid/schedstat"
    timeout 300 "$work/tail-client" "$port" "$n" "$test" >"$work/replies" || exit 1
    read -r cpu1 wait1 _ <"/proc/$pid/schedstat"
    load=$(cut -d' ' -f1 /proc/loadavg)
    sleep 0.2 # the last collections' entries
    stop_server
    echo "round $r $server $test: main thread $(((cpu1 - cpu0) / n)) ns CPU/request, waited $(((wait1 - wait0) / 1000000)) ms for a core, load $load"
    echo "  $(node "$bench/tail-attribution.mjs" "$work/replies" "$work/gc")"
  done
done
