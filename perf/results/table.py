#!/usr/bin/env python3
"""Prints perf/results/PREFIX-jdk*.json (PREFIX defaults to "suite") as one Markdown table.

For every benchmark and parameter set: the median of JMH's measured iterations (all forks pooled) for
the Vector API kernels and for the scalar ones side by side, and their ratio, per JDK; then the
allocation per operation (gc.alloc.rate.norm, the largest figure of the row). Benchmarks without a
simd parameter fill the vector column.
"""
import glob
import json
import os
import statistics
import sys

prefix = sys.argv[1] if len(sys.argv) > 1 else "suite"
rows = {}
jdks = []
here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, prefix + "-jdk*.json"))):
    jdk = os.path.basename(path)[len(prefix) + 1:-len(".json")]
    try:
        results = json.load(open(path))
    except ValueError:
        continue  # a run still writing
    jdks.append(jdk)
    for r in results:
        parts = r["benchmark"].split(".")
        name = parts[-2] + "." + parts[-1]
        params = dict(r.get("params") or {})
        simd = params.pop("simd", "-")
        key = (name, ", ".join(f"{k}={v}" for k, v in sorted(params.items())))
        m = r["primaryMetric"]
        samples = [x for fork in m["rawData"] for x in fork]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows.setdefault(key, {}).setdefault(jdk, {})[simd] = (statistics.median(samples), alloc)


def fmt(x):
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


head = "| benchmark | params |"
for j in jdks:
    head += f" {j} vector | {j} scalar | {j} scalar/vector |"
print(head + " B/op (max) |")
print("|---|---|" + "---|" * (3 * len(jdks) + 1))
for (name, params), per in sorted(rows.items()):
    cells = []
    allocs = []
    for j in jdks:
        v = per.get(j, {})
        vec = v.get("vector") or v.get("-")
        sca = v.get("scalar")
        cells.append(fmt(vec[0]) if vec else "")
        cells.append(fmt(sca[0]) if sca else "")
        cells.append(f"{sca[0] / vec[0]:.1f}×" if vec and sca else "")
        allocs += [a for (_, a) in v.values() if a is not None]
    alloc = f"{max(allocs):.2f}" if allocs else ""
    print(f"| {name} | {params} | " + " | ".join(cells) + f" | {alloc} |")
