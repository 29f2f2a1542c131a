#!/usr/bin/env bash
# What one engine instance costs a cluster node, for sizing a fleet (docs/cluster.md, "Sizing"):
#   - the node's live heap (jcmd GC.class_histogram, which collects first) with 0, 1,000, 2,000 and
#     3,000 instances running, right after each was asked once (its entity actors live) and again
#     15 s later (they passivate after 10 s idle);
#   - journal rows and bytes (pg_total_relation_size) per instance start and per decision;
#   - the decisions/s and inserted rows/s of one node under 8 clients.
# One `serve --cluster` node on 127.0.0.1, on a throwaway PostgreSQL of scripts/test-postgres.sh with
# fsync on; every host is the simulator's 8-group machine (seed 7). Usage: scripts/bench-cluster-sizing.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/jdk25.sh
custody_use_jdk25
./custody --version >/dev/null # builds the jar when stale
export CUSTODY_PG_FSYNC=on
. scripts/test-postgres.sh
custody_pg_start
export CUSTODY_JOURNAL_PASSWORD=$CUSTODY_TEST_POSTGRES_PASSWORD
journal="$CUSTODY_TEST_POSTGRES_URL?user=postgres"
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-sizing.XXXXXX")
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
jar=simulations/target/custody.jar
node=""
finish() {
  [ -z "$node" ] || kill "$node" 2>/dev/null || true
  custody_pg_stop
}
trap finish EXIT

psql_bin="$(custody_pg_bindir)/psql"
sql() {
  PGPASSWORD=$CUSTODY_TEST_POSTGRES_PASSWORD "$psql_bin" -qtA -h 127.0.0.1 -p "$CUSTODY_PG_PORT" -U postgres \
    -d custody_test -c "$1"
}
# rows inserted and bytes on disk (tables and indexes) of the journal's tables, summed: "rows bytes"
journal_totals() {
  sql "select coalesce(sum(n_tup_ins),0), coalesce(sum(pg_total_relation_size(relid)),0)
       from pg_stat_user_tables where relname in ('event_journal','event_tag','snapshot')" | tr '|' ' '
}
live_heap() { # bytes the node keeps live after a full collection
  "$JAVA_HOME/bin/jcmd" "$node" GC.class_histogram | awk '/^Total/ {print $3}'
}

# The client: for instances PREFIX-FIRST ... PREFIX-(FIRST+COUNT-1), CALLS vfio.container.open calls
# each, one at a time on one connection to the node's socket; fails on any error.
cat >"$work/client.py" <<'EOF'
import json, socket, sys
path, first, count, calls, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("rw")
for n in range(calls):
    for i in range(first, first + count):
        f.write(json.dumps({"instance": f"s-{i}", "caller": "vm-1", "opid": f"{tag}-{n}",
                            "command": {"op": "vfio.container.open", "as": "c"}}) + "\n")
        f.flush()
        answer = json.loads(f.readline())
        if "error" in answer:
            sys.exit(f"s-{i} {tag}-{n}: {answer['error']}")
EOF

# the simulator's 8-group machine, as simulate --nodes writes it for its nodes
"${java[@]}" -jar "$jar" simulate --hosts 1 --nodes 2 --ops 10 --groups 8 --seed 7 --journal "$journal" \
  --no-progress >/dev/null 2>"$work/simulate.err"
nodes_dir=$(grep -o '/[^ ]*custody-simulate-nodes[0-9]*' "$work/simulate.err" | head -1)
cp "$nodes_dir/topology.json" "$work/topology.json"
rm -rf "$nodes_dir"

port=$(( 30000 + RANDOM % 10000 ))
"${java[@]}" -Xmx4g -jar "$jar" serve --cluster --seed-nodes "127.0.0.1:$port" --cluster-port "$port" \
  --cluster-timings loopback --hosts 4000 --fleet-prefix s --journal "$journal" --topology "$work/topology.json" \
  --socket "$work/node.sock" >"$work/node.log" 2>&1 &
node=$!
for _ in $(seq 120); do [ -S "$work/node.sock" ] && break; sleep 1; done
[ -S "$work/node.sock" ] || { echo "the node did not start; see $work/node.log" >&2; exit 1; }
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$work/client.py" "$work/node.sock" 3900 20 5 warm # the node's code paths, on instances kept apart
sleep 15 # the warm-up instances' entities passivate (10 s idle)
idle0=$(live_heap)
read -r rows0 bytes0 <<<"$(journal_totals)"
echo "live heap, 0 instances: $idle0 B"
previous=$idle0
for k in 1000 2000 3000; do
  start=$(date +%s.%N)
  python3 "$work/client.py" "$work/node.sock" $((k - 1000)) 1000 1 first
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  active=$(live_heap)
  sleep 15 # their entity actors passivate
  idle=$(live_heap)
  echo "$k instances: 1,000 started in $seconds s; live heap $active B right after (+$(( (active - previous) / 1000 )) B per new instance), $idle B 15 s later ($(( (idle - idle0) / k )) B per instance)"
  previous=$idle
done
read -r rows1 bytes1 <<<"$(journal_totals)"
echo "3,000 instance starts (one decision each): $(( (rows1 - rows0) / 3000 )) rows, $(( (bytes1 - bytes0) / 3000 )) B per start and decision"

echo "load average before the throughput run: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
pids=()
for c in 0 1 2 3 4 5 6 7; do
  python3 "$work/client.py" "$work/node.sock" $((c * 8)) 8 200 run & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
seconds=$(echo "$(date +%s.%N) - $start" | bc)
read -r rows2 bytes2 <<<"$(journal_totals)"
echo "12,800 decisions (8 clients, 64 instances) in $seconds s: $(echo "12800 / $seconds" | bc) decisions/s, $(echo "($rows2 - $rows1) / $seconds" | bc) rows/s; $(echo "scale=2; ($rows2 - $rows1) / 12800" | bc) rows, $(( (bytes2 - bytes1) / 12800 )) B per decision"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
sql "select relname, n_tup_ins, pg_total_relation_size(relid) from pg_stat_user_tables order by relname"
rm -rf "$work"
