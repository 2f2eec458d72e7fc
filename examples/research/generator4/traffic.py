#!/usr/bin/python3
"""generator4: synthetic LLM-API traffic with benign populations and distillation campaigns.

usage: traffic.py --seed N [--days 7] [--scale 1.0] [--start 2026-04-22] --out F.jsonl.gz
                  --labels L.json --extraction E.json [--metadata full|partial|minimal] [--params P.json]
"""
import argparse
import datetime as dt
import json
import os
import random
import sys
import time

sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import campaigns as CP  # noqa: E402
import populations as PP  # noqa: E402
from engine import DAY, TZ_BASE, Account, fmt_ts, hexid, run  # noqa: E402


class World:
    def __init__(self, seed, days, scale, start):
        self.seed, self.days, self.scale = seed, days, scale
        d = dt.datetime.strptime(start, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        self.t0 = int(d.timestamp() * 1000)
        self.t1 = self.t0 + days * DAY
        self.rng = random.Random(f"g4-world:{seed}")
        self._idrng = random.Random(f"g4-ids:{seed}")
        self.ids = set()
        self.procs = []
        # time-zone mix of this world: base weights perturbed per seed
        self.tz = [(z, wt * self.rng.uniform(0.5, 1.6)) for z, wt in TZ_BASE]

    def n(self, x):
        return max(1, int(round(x * self.scale)))

    def arng(self, pop, i):
        return random.Random(f"g4:{self.seed}:{pop}:{i}")

    def account(self, pop, created_ms, tier):
        while True:
            aid = "acct_" + hexid(self._idrng, 12)
            if aid not in self.ids:
                break
        self.ids.add(aid)
        if created_ms < self.t0 - 2 * DAY:  # old accounts: no clock-aligned creation times from clipping
            created_ms -= self._idrng.randrange(12 * 3_600_000)
        created_ms = min(created_ms, self.t1 - 1)
        return Account(aid, pop, fmt_ts(int(created_ms)), tier)

    def add(self, proc):
        self.procs.append(proc)


def build(w):
    params, est = {}, {}
    fixed = [("casual", PP.build_casual), ("developer", PP.build_developer), ("eval-runner", PP.build_eval),
             ("classroom", PP.build_classroom), ("viral", PP.build_viral), ("researcher", PP.build_researcher),
             ("labeling-vendor", PP.build_labeling), ("ide-assistant", PP.build_ide),
             ("campaign-hydra", CP.build_hydra), ("campaign-stealth", CP.build_stealth), ("campaign-slowdrip", CP.build_slowdrip)]
    for name, fn in fixed:
        params[name], est[name] = fn(w)
    # the high-volume services fill a per-seed total request target
    target = w.rng.uniform(1.2e6, 1.7e6) * w.scale * w.days / 7
    rest = max(0.2 * target, target - sum(est.values()))
    elastic = [("agent-platform", PP.build_agent), ("enterprise-app", PP.build_enterprise), ("synthetic-data", PP.build_synthetic),
               ("translation-pipeline", PP.build_translation), ("tutoring-app", PP.build_tutoring), ("support-bot", PP.build_support),
               ("campaign-reseller", CP.build_reseller)]
    base_share = {"agent-platform": 0.3, "enterprise-app": 0.17, "synthetic-data": 0.08, "translation-pipeline": 0.06,
                  "tutoring-app": 0.09, "support-bot": 0.09, "campaign-reseller": 0.21}
    shares = {k: v * w.rng.uniform(0.6, 1.5) for k, v in base_share.items()}
    s = sum(shares.values())
    for name, fn in elastic:
        params[name], est[name] = fn(w, rest * shares[name] / s)
    params["_target_requests"] = int(target)
    params["_estimated_requests"] = {k: int(v) for k, v in est.items()}
    params["_time_zones"] = [(z, round(x, 2)) for z, x in w.tz]
    return params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--start", default="2026-04-22")
    ap.add_argument("--out", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--extraction", required=True)
    ap.add_argument("--metadata", choices=["full", "partial", "minimal"], default="full")
    ap.add_argument("--params", help="optional: write the drawn world parameters here (not part of the trace)")
    a = ap.parse_args()
    t_start = time.time()
    w = World(a.seed, a.days, a.scale, a.start)
    params = build(w)
    n, seen, extraction = run(w.procs, w.t0, w.t1, a.out, a.metadata)
    labels = {acct: v[0] for acct, v in seen.items()}
    with open(a.labels, "w") as f:
        json.dump(labels, f, sort_keys=True)
    with open(a.extraction, "w") as f:
        json.dump({k: {"extraction_requests": v[0], "total_requests": v[1], "ts": v[2]} for k, v in sorted(extraction.items())}, f)
    if a.params:
        with open(a.params, "w") as f:
            json.dump(params, f, indent=1, default=str)
    counts = {}
    for pop, c in seen.values():
        x = counts.setdefault(pop, [0, 0])
        x[0] += 1
        x[1] += c
    sys.stderr.write(f"seed {a.seed}: {n} requests, {len(labels)} accounts, {time.time() - t_start:.1f}s\n")
    for pop in sorted(counts):
        sys.stderr.write(f"  {pop:22s} accounts {counts[pop][0]:6d} requests {counts[pop][1]:8d}"
                         f"  (est {params['_estimated_requests'].get(pop, 0)})\n")


if __name__ == "__main__":
    main()
