#!/usr/bin/env python3
"""Prints the JMH results of perf/results/PREFIX-jdk*.json (PREFIX: jmh, the default, or schemes) as one Markdown table (median-free JMH
scores are averages over iterations; the error is JMH's 99.9% interval)."""
import json, sys, glob, os

rows = {}
jdks = []
prefix = sys.argv[1] if len(sys.argv) > 1 else "jmh"
for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), prefix + "-jdk*.json"))):
    jdk = os.path.basename(path)[len(prefix) + 1:-len(".json")]
    try:
        results = json.load(open(path))
    except ValueError:
        continue  # a run still writing
    jdks.append(jdk)
    for r in results:
        name = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
        params = ", ".join(f"{k}={v}" for k, v in sorted((r.get("params") or {}).items()))
        key = (name, params)
        m = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows.setdefault(key, {})[jdk] = (m["score"], m["scoreError"], alloc)

print("| benchmark | params | " + " | ".join(f"{j} µs/op (± 99.9%)" for j in jdks) + " | " +
      " | ".join(f"{j} B/op" for j in jdks) + " |")
print("|---|---|" + "---|" * (2 * len(jdks)))
for (name, params), v in sorted(rows.items()):
    cells = [f"{v[j][0]:.2f} ± {v[j][1]:.2f}" if j in v else "" for j in jdks]
    allocs = [f"{v[j][2]:.2f}" if j in v and v[j][2] is not None else "" for j in jdks]
    print(f"| {name} | {params} | " + " | ".join(cells) + " | " + " | ".join(allocs) + " |")
