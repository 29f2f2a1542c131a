#!/usr/bin/env bash
# Branch coverage of the rules package (dev.custody.rules, the pure model) reached by one
# `custody simulate` run, measured with the JaCoCo agent. The run's options are this script's
# arguments; without any, one 20,000-operation guided run of seed 1 on the pure model.
# Usage: scripts/rules-coverage.sh [simulate options...]
# Prints the run's coverage summary and the rules packages' branch and instruction coverage; the
# full HTML report is left in target/rules-coverage/report/index.html.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/jdk25.sh"
custody_use_jdk25
custody_require_maven
jacoco=0.8.15
out="$root/target/rules-coverage"
rm -rf "$out"
mkdir -p "$out"
if [ "$#" -eq 0 ]; then
  set -- --engine rules --deterministic --seed 1 --ops 20000
fi

# the agent from Maven Central, through Maven's own resolver
(cd "$root" && mvn -q -B -N org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy \
  -Dartifact="org.jacoco:org.jacoco.agent:$jacoco:jar:runtime" -DoutputDirectory="$out" -Dmdep.stripVersion=true)
agent="$out/org.jacoco.agent-runtime.jar"

"$root/custody" --version >/dev/null # builds the command line when it is missing or stale
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -javaagent:"$agent=destfile=$out/simulate.exec,includes=dev.custody.rules.*" \
  -jar "$root/simulations/target/custody.jar" simulate --json --no-progress "$@" >"$out/simulate.json" || true
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('simulate:', d['ops'], 'ops,', d.get('schedule'), 'schedule, violations', d['violations'], ', coverage', d['coverage'])" "$out/simulate.json"

# the report is of the engine's classes, the very bytes the jar carries
rm -rf "$root/engine/target/site/jacoco"
(cd "$root" && mvn -q -B -pl engine "org.jacoco:jacoco-maven-plugin:$jacoco:report" -Djacoco.dataFile="$out/simulate.exec")
mv "$root/engine/target/site/jacoco" "$out/report"
csv="$out/report/jacoco.csv"
python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def line(name, keep):
    b_miss = sum(int(r['BRANCH_MISSED']) for r in rows if keep(r['PACKAGE']))
    b_cov = sum(int(r['BRANCH_COVERED']) for r in rows if keep(r['PACKAGE']))
    i_miss = sum(int(r['INSTRUCTION_MISSED']) for r in rows if keep(r['PACKAGE']))
    i_cov = sum(int(r['INSTRUCTION_COVERED']) for r in rows if keep(r['PACKAGE']))
    if b_cov + b_miss:
        print(f"{name}: branches {b_cov}/{b_cov + b_miss} = {100 * b_cov / (b_cov + b_miss):.1f}%, "
              f"instructions {i_cov}/{i_cov + i_miss} = {100 * i_cov / (i_cov + i_miss):.1f}%")
line("dev.custody.rules", lambda p: p == "dev.custody.rules")
line("dev.custody.rules.mapping", lambda p: p == "dev.custody.rules.mapping")
line("dev.custody.rules and rules.mapping", lambda p: p.startswith("dev.custody.rules"))
PY
