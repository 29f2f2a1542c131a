#!/usr/bin/env bash
# What the guided and the random schedule reach on the same seed and budget: distinct (operation,
# outcome) pairs, (operation, outcome, group shape) triples, shapes, rule branches, and refused calls.
# Usage: scripts/bench-coverage.sh [OPS] [SEED...]   (default: 20000 operations, seeds 1 2 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ops="${1:-20000}"
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
printf "%-5s %-7s %6s %8s %7s %9s %8s %8s\n" seed schedule pairs triples shapes branches refused ops/s
for seed in "${seeds[@]}"; do
  for schedule in random guided; do
    "$root/custody" simulate --engine rules --deterministic --seed "$seed" --ops "$ops" --schedule "$schedule" \
      --json --no-progress |
      python3 -c "import json,sys; d=json.load(sys.stdin); c=d['coverage']; assert d['violations'] == 0, d; print(f\"{$seed:<5} {'$schedule':<7} {c['pairs']:>6} {c['triples']:>8} {c['shapes']:>7} {c['branches']:>9} {c['refused']:>8} {d['timing']['opsPerSecond']:>8}\")"
  done
done
