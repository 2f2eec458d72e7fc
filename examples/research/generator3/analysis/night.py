#!/usr/bin/env python3
"""The detector's night test (Activity.sleepless) outside the detector, for the figures quoted
beside it (plugin/README "No night, and tool loops", 2026-12-05).

  night.py simulate [--frac 1/8]            # P(no night) for Poisson traffic at 26 requests a day
  night.py trace TRACE.jsonl.gz LABELS.json [--frac 1/8]
                                             # accounts per population ever without a night

The rule: at least 24 requests over at least a day, and the quietest six consecutive hours of the
day (UTC, circular) hold at least FRAC of the account's requests. "ever": at some request (the
detector's mark is sticky); "end": at the account's last request; "steady": never five requests
within two minutes (Activity.bursts). Python 3 standard library only.
"""
import argparse, collections, gzip, json, math, random
from datetime import datetime, timezone
from fractions import Fraction

DAY_MS = 86_400_000


def quietest_six(hours):
    return min(sum(hours[(i + j) % 24] for j in range(6)) for i in range(24))


def no_night(hours, n, span_ms, frac):
    return n >= 24 and span_ms >= DAY_MS and quietest_six(hours) >= frac * n


def simulate(frac, seeds=20000):
    for days in (1.05, 1.5, 2, 3, 4):
        hit = 0
        for seed in range(seeds):
            r = random.Random(seed)
            hours, n, t = [0] * 24, 0, 0.0
            while t < days * 24:
                hours[int(t) % 24] += 1
                n += 1
                t += -24 / 26 * math.log(1 - r.random())
            hit += n >= 24 and quietest_six(hours) >= frac * n
        print(f"{days} days: {hit / seeds:.3f}")


def millis(ts):
    base = datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    frac = ts[20:23] if len(ts) > 20 and ts[19] == "." else "0"
    return int(base.timestamp() * 1000) + int(frac)


def trace(path, labels, frac):
    label = json.load(open(labels))
    state = {}  # account -> [n, hours, last four ts, bursts, first, last, ever]
    with gzip.open(path, "rt") as f:
        for line in f:
            d = json.loads(line)
            a, t = d["account"], millis(d["ts"])
            s = state.get(a)
            if s is None:
                s = state[a] = [0, [0] * 24, [], 0, t, t, False]
            s[0] += 1
            s[1][(t // 3_600_000) % 24] += 1
            if len(s[2]) >= 4 and t - s[2][-4] <= 120_000:
                s[3] += 1
            s[2] = (s[2] + [t])[-4:]
            s[5] = t
            if not s[6] and no_night(s[1], s[0], t - s[4], frac):
                s[6] = True
    out = collections.defaultdict(collections.Counter)
    for a, s in state.items():
        c = out[label.get(a, "?")]
        c["accounts"] += 1
        end = no_night(s[1], s[0], s[5] - s[4], frac)
        for name, on in (("ever", s[6]), ("end", end)):
            if on:
                c[name] += 1
                if s[3] == 0:
                    c[name + "_steady"] += 1
    for population, c in sorted(out.items()):
        print(population, dict(c))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["simulate", "trace"])
    p.add_argument("files", nargs="*")
    p.add_argument("--frac", default="1/8")
    a = p.parse_args()
    frac = float(Fraction(a.frac))
    if a.mode == "simulate":
        simulate(frac)
    else:
        trace(a.files[0], a.files[1], frac)


if __name__ == "__main__":
    main()
