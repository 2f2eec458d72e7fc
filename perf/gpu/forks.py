"""Per-fork summary of JMH output run with -XX:+PrintCompilation and its JSON (-rf json)."""
import json, re, sys
text, js = sys.argv[1], sys.argv[2]
runs = json.load(open(js))
comp = re.compile(r"\s([0-4])\s+(dev\.moat\.[\w.$]+::[\w$<>]+)( @ \d+)? \((\d+) bytes\)(\s+made not entrant)?")
blocks, cur, params = [], None, None
for line in open(text, errors="replace"):
    if line.startswith("# Parameters:"):
        params = line.split(":", 1)[1].strip()
    if line.startswith("# Fork:"):
        cur = dict(params=params, tiers={}, nme=0, skipped=[])
        blocks.append(cur)
        continue
    if cur is None:
        continue
    if "COMPILE SKIPPED" in line or "not compilable" in line.lower():
        cur["skipped"].append(line.strip()[-200:])
    for m in comp.finditer(line):
        tier, meth, osr, _, nme = m.groups()
        if nme:
            cur["nme"] += 1
            continue
        key = meth + ("@osr" if osr else "")
        cur["tiers"][key] = max(cur["tiers"].get(key, 0), int(tier))
i = 0
for r in runs:
    for fi, fork in enumerate(r["primaryMetric"]["rawData"]):
        b = blocks[i] if i < len(blocks) else dict(params="?", tiers={}, nme=0, skipped=[])
        i += 1
        stuck = sorted(k for k, t in b["tiers"].items() if t < 4 and ".vector." in k and not k.endswith("@osr"))
        raw = r["secondaryMetrics"].get("gc.alloc.rate.norm", {}).get("rawData")
        alloc = round(max(raw[fi])) if raw else None
        print(json.dumps(dict(params=r["params"], scores=[round(x, 1) for x in fork], alloc=alloc,
                              nme=b["nme"], skipped=b["skipped"][:5], below_c2=stuck[:12])))
