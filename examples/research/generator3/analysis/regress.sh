#!/usr/bin/env bash
# Replays the detection worlds behind plugin/README.md's tables with one build and prints a row per
# run (issue 15). Third-generator worlds are read from $WORLDS (sN.jsonl.gz, sN-labels.json and
# sN-extraction.json, made by ../traffic.py --seed N [--metadata partial|minimal]); the first two
# generators' rows are simulated on the fly.
#
#   WORLDS=/tmp/g3 OUT=/tmp/regress examples/research/generator3/analysis/regress.sh 17 18 20p
#   CP=/tmp/core.jar:examples/target/moat.jar ...   # another core build ahead of the shaded jar
#   (the default is examples/target/moat.jar as built: ./mvnw -B -q -DskipTests install first)
#   WORLDS_ONLY=1 ...                              # skip the first two generators' 19 rows
#
# Arguments: world names (17, 20p for a file s20p.jsonl.gz, ...); with none, only the first two
# generators' 19 rows. Each run writes $OUT/NAME.txt (and $OUT/gNAME.jsonl, the verdicts); the table
# is printed at the end by table.py beside this script.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
worlds="${WORLDS:-/tmp/g3}"
out="${OUT:-/tmp/regress}"
cp="${CP:-$root/examples/target/moat.jar}"
mkdir -p "$out"
J="java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp $cp dev.moat.examples.MoatCli replay"
run() { local name=$1; shift; $J "$@" > "$out/$name.txt" 2>&1 || echo "$name failed (rc $?)" >&2; }
names=()
for w in "$@"; do
  run "g$w" --trace "$worlds/s$w.jsonl.gz" --labels "$worlds/s$w-labels.json" \
      --extraction "$worlds/s$w-extraction.json" --out "$out/g$w.jsonl"
  names+=("g$w")
done
if [ -z "${WORLDS_ONLY:-}" ]; then
  for s in 1 2 3 4 5; do run "u$s" --simulate standard --generator usage --seed "$s"; names+=("u$s"); done
  for s in 6 7 8 9; do
    run "u${s}p" --simulate standard --generator usage --seed "$s" --metadata partial; names+=("u${s}p")
  done
  for s in 1 2; do
    run "u${s}m" --simulate standard --generator usage --seed "$s" --metadata minimal; names+=("u${s}m")
  done
  for s in 1 2; do
    run "m$s" --simulate mixed --seed "$s"; run "m${s}s" --simulate mixed --seed "$s" --strip-metadata
    names+=("m$s" "m${s}s")
  done
  run st2 --simulate stealth --seed 2; run st2s --simulate stealth --seed 2 --strip-metadata
  run c2 --simulate campaign --seed 2 --days 2; run c2s --simulate campaign --seed 2 --days 2 --strip-metadata
  names+=(st2 st2s c2 c2s)
fi
python3 "$here/table.py" "$out" "${names[@]}"
