#!/usr/bin/env bash
# The 16-core GPU host check of perf/RESULTS.md ("On a 16-core GPU host"): model steps of real-size
# decoders on the GPU (PyTorch), then Moat's batch step on every core (JMH, JDK 17).
# The host needs python3 with PyTorch and CUDA, and a JDK 17 (or a jlink image of one) as $JAVA.
#   ./mvnw -B -q -DskipTests package -pl perf -am          # perf/target/benchmarks.jar
#   OUT=/tmp/out JAVA=java perf/gpu/device_check.sh
set -u
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/moat-gpu}"; mkdir -p "$out"
jar="${JAR:-perf/target/benchmarks.jar}"
date -u; nproc; lscpu | grep -E "Model name|Core|L3"; nvidia-smi --query-gpu=name,driver_version --format=csv
PYTHONUNBUFFERED=1 python3 perf/gpu/model_step.py --context 1024 --steps 30 --out "$out/model-step.json"
J="${JAVA:-java} --add-modules jdk.incubator.vector -cp $jar org.openjdk.jmh.Main -w 1 -r 1 -prof gc -rf json"
$J BatchThreadsBenchmark -p vocab=128256 -p batch=16,64 -p threads=1,2,4,8,16 -f 1 -wi 3 -i 4 -rff "$out/threads-128k.json"
$J BatchThreadsBenchmark -p vocab=152064 -p batch=64 -p threads=1,16 -f 1 -wi 3 -i 4 -rff "$out/threads-152k.json"
$J BatchThreadsBenchmark -p vocab=128256,152064 -p batch=1 -p threads=1 -f 1 -wi 3 -i 4 -rff "$out/batch1.json"
$J "perf.FloorBenchmark" -p vocab=128256,152064 -p batch=1,16,64 -f 1 -wi 3 -i 4 -rff "$out/floor.json"
# the floor on every core (not run on 2026-12-04): 16 threads each reading and writing 4 rows, 64
# in all, against one thread's 64 above; the ratio bounds what 16 threads can do at batch 64
$J "perf.FloorBenchmark" -p vocab=128256 -p batch=4 -t 16 -f 1 -wi 3 -i 4 -rff "$out/floor-16t.json"
# idle workers spinning instead of parking between steps (not run on 2026-12-04)
$J BatchThreadsBenchmark -p vocab=128256 -p batch=64 -p threads=16 -p idleSpinMicros=0,100 -f 2 \
   -wi 4 -i 5 -rff "$out/idlespin.json"
# the second run: three forks a point, each fork's compilations printed (perf/gpu/forks.py sums them up)
$J BatchThreadsBenchmark -p vocab=128256,152064 -p batch=64 -p threads=1,16 -f 3 -wi 4 -i 5 \
   -rff "$out/scale64.json" -jvmArgsAppend -XX:+PrintCompilation > "$out/scale64.txt"
python3 perf/gpu/forks.py "$out/scale64.txt" "$out/scale64.json"
