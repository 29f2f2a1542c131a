#!/usr/bin/env bash
# How the stress run catches each mutant (a deliberately wrong rule, `simulate --list-mutants`): for
# every mutant and seed, a deterministic guided run of the pure model with that mutant on, stopped at
# the first broken invariant. Prints one Markdown row per mutant: the seed whose shrunk trace is the
# shortest (the earliest catch among equals), the operation that broke the first invariant there, its
# shrunk trace's calls, the range of shrunk calls over the seeds that caught it, that invariant, and
# how many of the seeds caught it within the budget.
# Usage: scripts/bench-mutants.sh [OPS] [SEEDS]   (default: 20000 operations, seeds 1 to 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ops="${1:-20000}"
seeds="${2:-5}"
"$root/custody" --version >/dev/null # builds the command line when it is missing or stale
echo "| mutant | seed | ops | shrunk | shrunk, all seeds | first invariant | seeds |"
echo "|---|---|---|---|---|---|---|"
"$root/custody" simulate --list-mutants | awk '{print $1}' | while read -r mutant; do
  results=""
  for seed in $(seq 1 "$seeds"); do
    # exit 1 is the expected outcome (a violation); anything else is a failed run
    status=0
    out=$("$root/custody" simulate --mutant "$mutant" --deterministic --seed "$seed" --ops "$ops" \
      --json --no-progress) || status=$?
    if [ "$status" -gt 1 ]; then
      echo "bench-mutants: simulate --mutant $mutant --seed $seed failed (exit $status)" >&2
      exit 3
    fi
    results+="$seed $(printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); v=d.get('violation'); print(f\"{v['step']} {len(v['minimalTrace'])} {v['invariants'][0]['invariant']}\" if v else '- - -')")"$'\n'
  done
  printf '%s' "$results" | python3 -c "
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
caught = [r for r in rows if r[1] != '-']
if not caught:
    print(f'| \`$mutant\` | - | not caught | - | - | - | 0 of {len(rows)} |')
else:
    best = min(caught, key=lambda r: (int(r[2]), int(r[1])))  # the shortest trace, then the earliest catch
    shrunk = sorted(int(r[2]) for r in caught)
    print(f'| \`$mutant\` | {best[0]} | {int(best[1]):,} | {best[2]} | {shrunk[0]}-{shrunk[-1]} | {best[3]} | {len(caught)} of {len(rows)} |')"
done
