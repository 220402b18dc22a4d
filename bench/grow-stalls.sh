#!/usr/bin/env bash
# The longest event-loop tasks of a server while SETs of random new keys grow its keyspace
# (where a table's rebuild lands): redis-benchmark -t set -r KEYSPACE against a fresh server
# of each build given, builds alternating by round, with bench/task-trace.mjs preloaded
# (SIGUSR2 before and after the load). Prints per round the event loop's delay max and the
# five longest tasks (ms), and redis-benchmark's max latency.
#   bench/grow-stalls.sh [-r ROUNDS] [-n REQUESTS] [-k KEYSPACE] DIST...
set -u
rounds=1 n=300000 keyspace=1000000
while getopts r:n:k: o; do
  case $o in r) rounds=$OPTARG ;; n) n=$OPTARG ;; k) keyspace=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '7,7p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/shell-common.sh"
port=$(free_port)
one_server_at_a_time
for r in $(seq "$rounds"); do
  for dist in "$@"; do
    # shellcheck disable=SC2046 # the flags are words
    node $(binflags "$dist") --import "$root/bench/task-trace.mjs" "$dist/cli.js" --port "$port" --dir "$work" --save '' >"$work/out" 2>&1 &
    pid=$!
    for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
    kill -USR2 "$pid"
    bmax=$(redis-benchmark -p "$port" -c 50 -r "$keyspace" -n "$n" -t set --csv 2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f8)
    kill -USR2 "$pid"
    for _ in $(seq 100); do grep -q '^tasktrace' "$work/out" && break; sleep 0.05; done
    keys=$(redis-cli -p "$port" dbsize)
    grep '^tasktrace' "$work/out" | node -e '
      const t = JSON.parse(require("fs").readFileSync(0, "utf8").replace(/^tasktrace /, ""));
      console.log(`round ${process.argv[1]} ${process.argv[2]}: keys ${process.argv[4]}, loop delay max ${t.loopDelay.max} ms, longest tasks ${t.longest.slice(0, 5).map((l) => l.ms).join(" ")} ms, redis-benchmark max ${process.argv[3]} ms`);
    ' "$r" "$dist" "$bmax" "$keys"
    stop_server
  done
done
