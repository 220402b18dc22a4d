#!/usr/bin/env bash
# Two redstate builds side by side: redis-benchmark against a fresh server of each, in
# alternating rounds on loopback, and the median req/s of each per test. For before/after
# figures of a change, where the machine's noise would swamp two separate bench runs.
#   bench/compare-builds.sh [-r ROUNDS] [-P PIPELINE] [-n REQUESTS] [-t TESTS] A_DIST B_DIST
# A_DIST and B_DIST are dist/ folders (an old commit built in a worktree, and this tree's).
# Needs redis-tools (redis-benchmark, redis-cli).
set -u
rounds=3 pipeline=1 n=100000 tests=set,get,incr,zadd,hset,sadd
while getopts r:P:n:t: o; do
  case $o in r) rounds=$OPTARG ;; P) pipeline=$OPTARG ;; n) n=$OPTARG ;; t) tests=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '5,6p' "$0" >&2; exit 2; }
port=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
work=$(mktemp -d) pid=
stop() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap stop EXIT
for r in $(seq "$rounds"); do
  for side in A B; do
    dist=$1
    [ $side = B ] && dist=$2
    node "$dist/cli.js" --port "$port" --dir "$work" --save '' >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
    redis-benchmark -p "$port" -c 50 -r 100000 -n "$n" -P "$pipeline" -t "$tests" --csv 2>/dev/null | tail -n +2 | tr -d '"' |
      awk -F, -v s=$side '{ sub(/ \(.*\)/, "", $1); print $1, s, $2 }' >>"$work/all"
    kill "$pid"
    wait "$pid" 2>/dev/null
    pid=
  done
done
printf '%-12s %12s %12s %7s\n' test A B B/A
awk '{ v[$1" "$2] = v[$1" "$2]" "$3; t[$1] = 1 }
  function med(s,   a, n, i, j, x) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { x = a[i]; a[i] = a[j]; a[j] = x }; return a[int((n + 1) / 2)] }
  END { for (k in t) { a = med(v[k" A"]); b = med(v[k" B"]); printf "%-12s %12.0f %12.0f %7.2f\n", k, a, b, (a > 0 ? b / a : 0) } }' "$work/all" | sort
echo "(medians of $rounds rounds, -n $n -P $pipeline, 50 clients, a fresh server a round, A and B alternating)"
