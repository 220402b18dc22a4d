#!/usr/bin/env bash
# EVAL throughput of redstate builds and redis-server side by side: a script making one
# redis.call and one making ten, through redis-benchmark (50 clients, no pipelining), rounds in
# alternating order so that the machine's noise hits every server alike. Prints each round's
# req/s and the server's CPU time per request (utime + stime of /proc/<pid>/stat), which a
# loaded machine disturbs less than req/s.
#   bench/scripting-sides.sh [-r ROUNDS] [-n REQUESTS] [-k KEYSPACE] DIST...
# Each DIST is a dist/ folder (this tree's, an old commit's); -k 0 leaves key:__rand_int__ as
# it is (one key). Needs redis-server and redis-tools (redis-benchmark, redis-cli).
set -u
rounds=3 n=20000 keyspace=100000
while getopts r:n:k: o; do
  case $o in r) rounds=$OPTARG ;; n) n=$OPTARG ;; k) keyspace=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '7,9p' "$0" >&2; exit 2; }
. "$(dirname "$0")/shell-common.sh"
work=$(mktemp -d) pids=() ports=() names=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap stop EXIT
start() { # start NAME COMMAND...
  local port
  port=$(free_port)
  "${@:2}" --port "$port" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no >/dev/null 2>&1 &
  pids+=($!) ports+=("$port") names+=("$1")
  for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
}
for dist in "$@"; do start "$dist" node "$dist/cli.js"; done
start redis-server redis-server
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)
one() { # one INDEX SCRIPT
  local before after rps range=()
  [ "$keyspace" -gt 0 ] && range=(-r "$keyspace")
  before=$(cpu "${pids[$1]}")
  rps=$(redis-benchmark -p "${ports[$1]}" -c 50 -n "$n" "${range[@]}" --csv EVAL "$2" 1 key:__rand_int__ | tail -1 | awk -F'","' '{ print $2 }')
  after=$(cpu "${pids[$1]}")
  awk -v r="$rps" -v t=$((after - before)) -v hz="$ticks" -v n="$n" 'BEGIN { printf "%8.0f req/s %6.1f us/req", r, t / hz * 1e6 / n }'
}
one_call="return redis.call('incr', KEYS[1])"
ten_calls="for i = 1, 10 do redis.call('incr', KEYS[1]) end return 1"
for r in $(seq "$rounds"); do
  order=$(seq 0 $((${#pids[@]} - 1)))
  [ $((r % 2)) -eq 0 ] && order=$(echo "$order" | tac)
  for i in $order; do
    echo "round $r  $(one "$i" "$one_call")  |  ten calls $(one "$i" "$ten_calls")  ${names[$i]}"
  done
done
echo "(redis-benchmark -c 50 -n $n $([ "$keyspace" -gt 0 ] && echo "-r $keyspace") --csv EVAL <script> 1 key:__rand_int__; one redis.call | ten)"
