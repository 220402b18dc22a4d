#!/usr/bin/env bash
# Where an unpipelined redis-benchmark's latency tail comes from, told apart from the other
# load of a shared machine: `perf sched` records the CPUs while redis-benchmark runs against
# a fresh server, then every interval of at least 1 ms in which neither the server's main
# thread nor redis-benchmark ran (all 50 requests in flight wait through it) is listed with
# the CPU time that ran instead: the server's own other threads (V8's compiler and GC
# helpers), other processes, or nothing. Each server in its own round, in the order given;
# -w runs the same load once unmeasured first (a warm server: JIT compiled).
#   bench/sched-gaps.sh [-w] [-n REQUESTS] [-t TESTS] [-v] "SERVER COMMAND WITH PORT AND DIR" ...
# e.g. bench/sched-gaps.sh 'dist/cli.js --port PORT --dir DIR --save ""' 'redis-server --port PORT --dir DIR --save ""'
# -v also prints each gap. Needs perf (root, or perf_event_paranoid <= -1) and redis-tools.
set -u
warm= n=20000 tests=set,get,hset verbose=
while getopts wn:t:v o; do
  case $o in w) warm=1 ;; n) n=$OPTARG ;; t) tests=$OPTARG ;; v) verbose=1 ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '8,8p' "$0" >&2; exit 2; }
. "$(dirname "$0")/shell-common.sh"
one_server_at_a_time
for cmd in "$@"; do
  port=$(free_port)
  mkdir -p "$work/dir"
  c=${cmd//PORT/$port}
  bash -c "exec ${c//DIR/$work/dir}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
  [ -n "$warm" ] && redis-benchmark -p "$port" -c 50 -r 100000 -n "$n" -t "$tests" -q >/dev/null
  load=$(cut -d' ' -f1 /proc/loadavg)
  perf sched record -o "$work/perf.data" >/dev/null 2>&1 &
  perf=$!
  sleep 0.3
  p99=$(redis-benchmark -p "$port" -c 50 -r 100000 -n "$n" -t "$tests" --csv | tail -n +2 | tr -d '"' |
    awk -F, '{ printf "%s %s  ", $1, $7 }')
  kill -INT $perf
  wait $perf
  kill "$pid"
  wait "$pid" 2>/dev/null
  echo "$cmd (load $load)"
  echo "  p99 ms: $p99"
  # timehist: a line per slice a task ran: end time (s), cpu, task[tid/pid], wait, sch delay, run (ms)
  perf sched timehist -i "$work/perf.data" 2>/dev/null | awk -v main="$pid" -v verbose="$verbose" '
    NR > 3 {
      n++; E[n] = $1 * 1000; S[n] = E[n] - $6; t = $3
      if (t ~ "\\[" main "\\]$" || t ~ /^redis-benchmark\[/) K[n] = "progress"
      else if (t ~ "/" main "\\]$") K[n] = "own threads"
      else if (t ~ /^<idle>/) K[n] = "idle"
      else K[n] = "others"
    }
    END {
      m = 0
      for (i = 1; i <= n; i++) if (K[i] == "progress") { m++; PS[m] = S[i]; PE[m] = E[i] }
      for (i = 2; i <= m; i++) { s = PS[i]; e = PE[i]; j = i - 1
        while (j > 0 && PS[j] > s) { PS[j + 1] = PS[j]; PE[j + 1] = PE[j]; j-- }
        PS[j + 1] = s; PE[j + 1] = e }
      cur = PE[1]
      for (i = 2; i <= m; i++) {
        if (PS[i] - cur >= 1) {
          g0 = cur; g1 = PS[i]; gaps++; total += g1 - g0; delete g
          for (j = 1; j <= n; j++) if (K[j] != "progress" && E[j] > g0 && S[j] < g1) {
            o = (E[j] < g1 ? E[j] : g1) - (S[j] > g0 ? S[j] : g0); g[K[j]] += o; sum[K[j]] += o }
          if (verbose) printf "    gap %.2f ms: own threads %.1f, others %.1f, idle %.1f\n", g1 - g0, g["own threads"], g["others"], g["idle"]
        }
        if (PE[i] > cur) cur = PE[i]
      }
      printf "  gaps >= 1 ms: %d, %.1f ms in all; CPU ms run in them by the server'"'"'s other threads %.1f, other processes %.1f, idle %.1f\n",
        gaps, total, sum["own threads"], sum["others"], sum["idle"]
    }'
  pid=
  rm -rf "$work/dir" "$work/perf.data"
done
