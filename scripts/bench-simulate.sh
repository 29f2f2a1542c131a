#!/usr/bin/env bash
# Checked simulation throughput, the pure model beside the journaled engine, one after the other on
# one seed so the ratios come from one run. Usage: scripts/bench-simulate.sh [SEED]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seed="${1:-11}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
run() { # label, then simulate options
  local label="$1"; shift
  "$root/custody" simulate --seed "$seed" --json "$@" |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"$label: {d['ops']} ops, {d['checks']} checked, violations {d['violations']}, {d['timing']['opsPerSecond']} ops/s\")"
}
run "pure model, deterministic      " --engine rules --deterministic --schedule random --ops 200000
run "actors in memory, deterministic" --journal memory --deterministic --schedule random --ops 20000
run "actors in memory, concurrent   " --journal memory --ops 20000
run "actors on H2, deterministic    " --journal "h2:$data/det" --deterministic --schedule random --ops 20000
run "actors on H2, concurrent       " --journal "h2:$data/con" --ops 20000
