#!/usr/bin/env bash
# Two redstate builds side by side: redis-benchmark against a fresh server of each, in
# alternating rounds on loopback, and per test the median of each side's req/s, p50 and p99
# latency, and the server's CPU time per request (user + system, from /proc: the figure a
# shared machine's load disturbs least). For before/after figures of a change, where the
# machine's noise would swamp two separate bench runs.
#   bench/compare-builds.sh [-r ROUNDS] [-P PIPELINE] [-n REQUESTS] [-t TESTS] [-k 0|1] [-K KEYS] [-a A_FLAGS] [-b B_FLAGS] A_DIST B_DIST
# A_DIST and B_DIST are dist/ folders (an old commit built in a worktree, and this tree's),
# each started with the node options of its cli.js's #! line, as the bin runs it; A_FLAGS
# and B_FLAGS add node options for that side's server (the same build with and without a
# V8 flag). -k 0: a new connection per request (redis-benchmark's keep-alive off), what
# accepting and closing a client costs. -K KEYS: the keyspace (-r, 100000 unless given), and
# each server first holds that many keys (DEBUG POPULATE KEYS key 100): a table that does not
# fit in the caches, where the default's mostly does. Needs redis-tools (redis-benchmark, redis-cli) and
# Linux's /proc.
set -u
rounds=3 pipeline=1 n=100000 tests=set,get,incr,zadd,hset,sadd keepalive=1 keys= aflags= bflags=
while getopts r:P:n:t:k:K:a:b: o; do
  case $o in r) rounds=$OPTARG ;; P) pipeline=$OPTARG ;; n) n=$OPTARG ;; t) tests=$OPTARG ;; k) keepalive=$OPTARG ;;
    K) keys=$OPTARG ;; a) aflags=$OPTARG ;; b) bflags=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '7,7p' "$0" >&2; exit 2; }
. "$(dirname "$0")/shell-common.sh"
port=$(free_port)
one_server_at_a_time
# utime + stime of the server, in clock ticks
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
for r in $(seq "$rounds"); do
  for side in A B; do
    dist=$1 flags=$aflags
    [ $side = B ] && dist=$2 flags=$bflags
    # shellcheck disable=SC2086 # the flags are words
    node $(binflags "$dist") $flags "$dist/cli.js" --port "$port" --dir "$work" --save '' --enable-debug-command local >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
    # Else redis-benchmark would spin on a port nobody listens on (a build outside its checkout finds no node_modules).
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG || { echo "$dist/cli.js did not answer PING" >&2; exit 1; }
    [ -n "$keys" ] && redis-cli -p "$port" debug populate "$keys" key 100 >/dev/null
    # One test at a time, so that each one's CPU time is its own.
    for t in ${tests//,/ }; do
      before=$(cpu)
      line=$(redis-benchmark -p "$port" -c 50 -r "${keys:-100000}" -n "$n" -P "$pipeline" -k "$keepalive" -t "$t" --csv 2>/dev/null | tail -n 1 | tr -d '"')
      used=$(($(cpu) - before))
      echo "$line" | awk -F, -v s=$side -v us=$((used * tick_us)) -v n="$n" \
        '{ sub(/ \(.*\)/, "", $1); print $1, s, $2, $5, $7, us / n }' >>"$work/all"
    done
    stop_server
  done
done
printf '%-12s %9s %9s %6s  %7s %7s %6s  %7s %7s %6s  %7s %7s %6s\n' test 'A req/s' 'B req/s' B/A \
  'A p50' 'B p50' B/A 'A p99' 'B p99' B/A 'A cpu' 'B cpu' B/A
awk '{ for (i = 3; i <= 6; i++) v[$1" "$2" "i] = v[$1" "$2" "i]" "$i; t[$1] = 1 }
  function med(s,   a, n, i, j, x) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { x = a[i]; a[i] = a[j]; a[j] = x }; return a[int((n + 1) / 2)] }
  END { for (k in t) { line = sprintf("%-12s", k)
    for (i = 3; i <= 6; i++) { a = med(v[k" A "i]); b = med(v[k" B "i])
      line = line sprintf(i == 3 ? " %9.0f %9.0f %6.2f " : " %7.3f %7.3f %6.2f ", a, b, (a > 0 ? b / a : 0)) }
    print line } }' "$work/all" | sort
echo "(medians of $rounds rounds, -n $n -P $pipeline -k $keepalive -r ${keys:-100000}${keys:+ on as many keys}, 50 clients, a fresh server a round, A and B alternating;"
echo " p50/p99 in ms as redis-benchmark reports them; cpu: the server's user+system µs per request)"
