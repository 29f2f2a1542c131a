#!/usr/bin/env bash
# The H2 journal's size on disk during and after a concurrent simulation, beside the size H2 compacts
# the same rows to. Usage: scripts/bench-journal-size.sh [OPS] [SEED] [JAR]
#   OPS   operations of the simulation (default 20000)
#   SEED  its seed (default 11)
#   JAR   a custody.jar to measure instead of this tree's (to compare two builds back to back)
# Prints one line: ops, the largest file seen (sampled every 0.5 s), the file after the run stopped,
# the compacted size, and the two ratios.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ops="${1:-20000}"
seed="${2:-11}"
jar="${3:-}"
. "$root/scripts/jdk25.sh"
custody_use_jdk25
custody() {
  if [ -n "$jar" ]; then
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"
  else
    "$root/custody" "$@"
  fi
}
[ -n "$jar" ] || "$root/custody" --version >/dev/null # builds the jar before the clock starts
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
file="$data/journal/custody-journal.mv.db"
custody simulate --ops "$ops" --seed "$seed" --journal "h2:$data/journal" >"$data/simulate.log" 2>&1 &
simulation=$!
peak=0
while kill -0 "$simulation" 2>/dev/null; do
  size=$(stat -c %s "$file" 2>/dev/null || echo 0)
  [ "$size" -gt "$peak" ] && peak=$size
  sleep 0.5
done
wait "$simulation" || { echo "the simulation failed:" >&2; tail -20 "$data/simulate.log" >&2; exit 1; }
after=$(stat -c %s "$file")
[ "$after" -gt "$peak" ] && peak=$after
mkdir "$data/copy"
cp "$file" "$data/copy/"
"$JAVA_HOME/bin/java" -cp "${jar:-$root/simulations/target/custody.jar}" org.h2.tools.Shell \
  -url "jdbc:h2:file:$data/copy/custody-journal;DATABASE_TO_UPPER=false" -user sa -sql "SHUTDOWN COMPACT" >/dev/null
compacted=$(stat -c %s "$data/copy/custody-journal.mv.db")
python3 - "$ops" "$peak" "$after" "$compacted" <<'PY'
import sys
ops, peak, after, compacted = (int(v) for v in sys.argv[1:])
mb = lambda b: f"{b / 1e6:.1f} MB"
print(f"ops {ops}: largest during the run {mb(peak)}, after it {mb(after)}, compacted {mb(compacted)};"
      f" during/compacted {peak / compacted:.1f}x, after/compacted {after / compacted:.1f}x")
PY
