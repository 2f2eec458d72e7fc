#!/usr/bin/env python3
"""How fast the requests after an agent product's task and after a reseller's extraction request
come, for PhraseEvidence.settle's figures (plugin/README "No night, and tool loops", 2026-12-05).

  tool_loops.py TRACE.jsonl.gz LABELS.json EXTRACTION.json

Per kind (an agent-platform account's request that is not a tool result; a reseller's extraction
request, by its ts in EXTRACTION.json): how many of the requests after it came each within 10 s of
the one before, before the first slower one ("fast0" none, "fast1" one, "fast2+" two or more: the
rule takes a link back at two). Python 3 standard library only.
"""
import collections, gzip, json, sys

from night import millis  # the trace's timestamps, as night.py reads them


def main(trace, labels, extraction):
    label = json.load(open(labels))
    extracted = {a: set(v["ts"]) for a, v in json.load(open(extraction)).items()}
    open_ = {}  # account -> [kind, last ts, fast requests so far]
    counts = collections.Counter()
    with gzip.open(trace, "rt") as f:
        for line in f:
            d = json.loads(line)
            a, population = d["account"], label.get(d["account"])
            if population not in ("agent-platform", "campaign-reseller"):
                continue
            t = millis(d["ts"])
            o = open_.pop(a, None)
            if o is not None:
                kind, last, fast = o
                if t - last < 10_000 and fast + 1 >= 2:
                    counts[(kind, "fast2+")] += 1
                elif t - last < 10_000:
                    open_[a] = [kind, t, fast + 1]
                else:
                    counts[(kind, "fast%d" % fast)] += 1
            if a in open_:
                continue
            if population == "agent-platform" and not d["prompt"].startswith("<tool_result"):
                open_[a] = ["agent task", t, 0]
            elif population == "campaign-reseller" and d["ts"] in extracted.get(a, ()):
                open_[a] = ["extraction", t, 0]
    for key, n in sorted(counts.items()):
        print(*key, n)


if __name__ == "__main__":
    main(*sys.argv[1:4])
