# Sourced by bench's shell tools (compare-builds.sh, grow-stalls.sh, sched-gaps.sh,
# scripting-sides.sh): the pieces each of them wrote out.

# A free TCP port on loopback.
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The node options a build's bin gives node on its #! line (none before it had any).
binflags() { sed -n '1s|^#!/usr/bin/env -S node||p' "$1/cli.js"; }

# A scratch dir ($work) and the one server running at a time ($pid), both gone when the
# script exits.
one_server_at_a_time() {
  work=$(mktemp -d) pid=
  trap 'stop_server; rm -rf "$work"' EXIT
}

# Stops the server in $pid, if any.
stop_server() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=
}
