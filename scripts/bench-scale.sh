#!/usr/bin/env bash
# Checked operations per second against the size of the host (IOMMU groups): the pure model, the
# actors on the in-memory journal and the actors on H2, each with every invariant checked after every
# decision. With several jars, each configuration runs on every jar in turn, back to back, so that the
# columns compare builds under the same load.
#
# Usage: scripts/bench-scale.sh [--groups 32,256,1024,4096,16384] [--engines rules,memory,h2] [--seed 11]
#                               [--duration 120s] [--active-groups N] [--cpu] [JAR...]
# Without a JAR it runs ./custody. Output: one line per engine and host size, ops/s per jar and, per
# jar, the ratio to the smallest host. With --active-groups N the agents work on the first N groups of
# every host, so each host size runs the same operations (without it, a larger host changes the mix:
# fewer calls meet a busy group and are refused). With --cpu the figure is operations per second of
# the process's CPU time (timing.opsPerCpuSecond), which a machine shared with other work disturbs far
# less than the wall clock; jars older than that figure show n/a.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
groups="32,256,1024,4096,16384"
engines="rules,memory,h2"
seed=11
duration=120s
active=()
rate=opsPerSecond
jars=()
while [ $# -gt 0 ]; do
  case "$1" in
    --groups) groups="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --active-groups) active=(--active-groups "$2"); shift 2 ;;
    --cpu) rate=opsPerCpuSecond; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) jars+=("$1"); shift ;;
  esac
done
. "$root/scripts/jdk25.sh"
custody_use_jdk25 || exit 1
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

simulate() { # jar ("" for ./custody), then simulate options; prints the JSON summary
  local jar="$1"; shift
  if [ -z "$jar" ]; then
    "$root/custody" simulate --schedule random "$@"
  else
    # the workload these figures always measured: the random schedule, named to jars that know it
    local schedule=()
    if "$JAVA_HOME/bin/java" -jar "$jar" simulate --help 2>/dev/null | grep -q -- --schedule; then
      schedule=(--schedule random)
    fi
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
      -jar "$jar" simulate "${schedule[@]}" "$@"
  fi
}

options() { # engine -> simulate options (operations sized so each run takes seconds, not minutes)
  case "$1" in
    rules) echo "--engine rules --ops 50000" ;;
    memory) echo "--engine actors --journal memory --ops 5000" ;;
    h2) echo "--engine actors --journal h2:$data/h2 --ops 2000" ;;
    *) echo "unknown engine $1 (rules, memory, h2)" >&2; exit 2 ;;
  esac
}

[ ${#jars[@]} -gt 0 ] || jars=("")
printf "%-8s %7s" engine groups
for jar in "${jars[@]}"; do printf " %22s" "$(basename "${jar:-custody}") ${rate/opsPer/ops/} (x)"; done
printf "\n"
declare -A first
IFS=, read -r -a engine_list <<<"$engines"
IFS=, read -r -a group_list <<<"$groups"
for engine in "${engine_list[@]}"; do
  for n in "${group_list[@]}"; do
    printf "%-8s %7s" "$engine" "$n"
    for jar in "${jars[@]}"; do
      rm -rf "$data/h2"
      # shellcheck disable=SC2046
      if ! ops=$(simulate "$jar" $(options "$engine") --groups "$n" "${active[@]}" --seed "$seed" --deterministic \
          --duration "$duration" --json 2>"$data/stderr" |
        python3 -c "import json,sys; d=json.load(sys.stdin); assert d['violations'] == 0, d; print(d['timing'].get('$rate', 'n/a'))" \
          2>>"$data/stderr"); then
        # a run that fails (a host too large for the heap, a boot that times out) is shown, not fatal
        printf " %22s" "failed: $(grep -m1 -o 'custody: .*\|[A-Za-z.]*Exception: .*' "$data/stderr" | cut -c1-40)"
        echo "$engine $n ${jar:-custody}: $(grep -v WARNING "$data/stderr" | head -3)" >&2
        continue
      fi
      if [ "$ops" = n/a ]; then
        printf " %22s" "n/a"
        continue
      fi
      key="$engine|$jar"
      [ -n "${first[$key]:-}" ] || first[$key]="$ops"
      printf " %14s (%5s)" "$ops" "$(python3 -c "print(f'{$ops / ${first[$key]}:.2f}')")"
    done
    printf "\n"
  done
done
