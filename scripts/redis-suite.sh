#!/bin/bash
# Redis 7.0's own test suite (its tests/ and runtest, fetched from GitHub at a tag) run against
# redstate: its harness starts `src/redis-server <config file>` for every server it needs, reads
# the PID from the start-up banner and waits for "Ready to accept connections", as it does with
# redis-server; here src/redis-server is this checkout's dist/cli.js, and the other tools are
# Debian's. Not part of `npm test`: many units test Redis's internals (encodings, DEBUG
# subcommands redstate lacks, fork-based saving), and the suite needs the network and tclsh
# (apt-get install tcl). Each unit runs alone with one test client; its output goes to
# OUT/<unit>.txt and a line of counts to OUT/summary.txt. The unit `sentinel` is Redis's Sentinel
# suite (runtest-sentinel): Debian's redis-sentinel processes (apt-get install redis-sentinel)
# watching five redstate servers through failovers.
#   scripts/redis-suite.sh [--tag 7.0.15] [--out DIR] [--skip PATTERN]... unit/type/incr integration/replication sentinel ...
set -u
tag=7.0.15
out=/tmp/redis-suite
skips=()
units=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --skip) skips+=(--skiptest "$2"); shift 2 ;;
    *) units+=("$1"); shift ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
suite=${REDIS_SUITE_DIR:-$HOME/.cache/redstate/redis-tests-$tag}
if [ ! -x "$suite/runtest" ]; then
  rm -rf "$suite"
  git clone --quiet --depth 1 --branch "$tag" --filter=blob:none --sparse https://github.com/redis/redis.git "$suite" &&
    git -C "$suite" sparse-checkout set tests || exit 1
fi
mkdir -p "$suite/src" "$out"
ln -sf "$root/dist/cli.js" "$suite/src/redis-server"
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel; do
  command -v $tool > /dev/null && ln -sf "$(command -v $tool)" "$suite/src/$tool"
done
cd "$suite" || exit 1
for unit in "${units[@]}"; do
  log="$out/$(echo "$unit" | tr / _).txt"
  if [ "$unit" = sentinel ]; then
    ./runtest-sentinel > "$log" 2>&1
    rc=$?
    ok=$(grep -cP "OK(\\e\\[0m)?$" "$log") err=$(grep -c "FAILED:" "$log") exc=0
  else
    ./runtest --single "$unit" --clients 1 --timeout 120 "${skips[@]}" > "$log" 2>&1
    rc=$?
    count() { grep -cP "^\\[(\\e\\[[0-9;]*m)?$1" "$log"; }
    ok=$(count ok) err=$(count err) exc=$(count exception)
  fi
  echo "$unit: exit $rc, $ok ok, $err err, $exc exception" | tee -a "$out/summary.txt"
done
