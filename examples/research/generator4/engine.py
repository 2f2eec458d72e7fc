"""Discrete-event core for generator4: time helpers, account objects, streaming merge and writer."""
import bisect
import datetime as _dt
import gzip
import heapq
import io
import json
import math
import random

H = 3_600_000
MIN = 60_000
SEC = 1000
DAY = 86_400_000
REQ, SPAWN = 0, 1

# local-hour activity curves (index = local hour), unnormalised
CURVES = {
    "human": [1.2, 0.7, 0.4, 0.25, 0.2, 0.3, 0.7, 1.5, 2.6, 3.4, 3.8, 3.9, 3.8, 3.7, 3.7, 3.7, 3.6, 3.5, 3.6, 3.9, 4.1, 3.8, 3.0, 2.0],
    "work": [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.0, 2.5, 4.0, 4.2, 4.0, 3.0, 3.8, 4.0, 3.8, 3.2, 2.0, 0.9, 0.6, 0.5, 0.4, 0.3, 0.2],
    "student": [0.6, 0.3, 0.1, 0.05, 0.05, 0.1, 0.4, 1.0, 1.5, 1.6, 1.6, 1.6, 1.8, 1.8, 2.0, 3.0, 3.8, 4.0, 3.8, 4.0, 4.2, 3.6, 2.4, 1.2],
    "business": [0.6, 0.5, 0.45, 0.45, 0.5, 0.7, 1.1, 1.8, 2.6, 3.0, 3.1, 3.1, 2.9, 3.0, 3.0, 2.9, 2.7, 2.3, 1.9, 1.6, 1.4, 1.2, 1.0, 0.8],
    "flat": [1.0] * 24,
}

# (utc offset hours, weight) - where users of a global chat assistant roughly are
TZ_BASE = [(-8, 10), (-7, 4), (-6, 7), (-5, 14), (-3, 5), (0, 7), (1, 12), (2, 5), (3, 3), (5.5, 10),
           (7, 3), (8, 8), (9, 5), (10, 2)]

RES_OCT = [24, 50, 67, 68, 71, 73, 76, 77, 78, 79, 81, 82, 84, 86, 88, 90, 92, 93, 95, 98, 99, 101, 108, 109, 110, 112,
           114, 115, 116, 117, 118, 120, 121, 122, 123, 124, 125, 171, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183,
           186, 187, 188, 189, 190, 191, 197, 200, 201]
CLOUD_OCT = [3, 13, 18, 20, 34, 35, 40, 44, 52, 54, 104, 130, 134, 137, 138, 139, 143, 146, 147, 157, 159, 161, 164, 165, 167, 168]


def residential(rng):
    return f"{rng.choice(RES_OCT)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"


def cloud(rng):
    return f"{rng.choice(CLOUD_OCT)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def lognorm(rng, median, sigma, lo=1, hi=10 ** 9):
    v = int(median * math.exp(rng.gauss(0, sigma)))
    return lo if v < lo else hi if v > hi else v


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def geometric(rng, mean_extra):
    """Number of extra items with the given mean (>= 0)."""
    if mean_extra <= 0:
        return 0
    p = 1.0 / (1.0 + mean_extra)
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - p)) if p < 1 else 0


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


class Curve:
    """A local-hour activity curve with a personal shift, for sampling and thinning."""
    __slots__ = ("w", "cum", "mx", "tz_ms", "wkend")

    def __init__(self, base, tz_hours, shift=0.0, wkend=1.0, noise=0.0, rng=None):
        w = CURVES[base] if isinstance(base, str) else base
        s = int(round(shift))
        w = [w[(h - s) % 24] for h in range(24)]
        if noise and rng is not None:
            w = [x * math.exp(rng.gauss(0, noise)) for x in w]
        m = sum(w) / 24.0
        self.w = [x / m for x in w]
        c, acc = [], 0.0
        for x in self.w:
            acc += x
            c.append(acc)
        self.cum = c
        self.mx = max(self.w) * max(1.0, wkend)
        self.tz_ms = int(tz_hours * H)
        self.wkend = wkend

    def local_day_start(self, t0, d):
        return t0 + d * DAY - self.tz_ms

    def sample(self, rng, day_start):
        h = bisect.bisect(self.cum, rng.random() * self.cum[-1])
        if h > 23:
            h = 23
        return day_start + h * H + int(rng.random() * H)

    def is_weekend(self, t):
        return ((t + self.tz_ms) // DAY + 3) % 7 >= 5

    def factor(self, t):
        f = self.w[((t + self.tz_ms) // H) % 24]
        if self.wkend != 1.0 and ((t + self.tz_ms) // DAY + 3) % 7 >= 5:
            f *= self.wkend
        return f

    def poisson(self, rng, t_start, t_end, per_day):
        """Inhomogeneous Poisson arrival times (thinning) with mean per_day on a weekday."""
        if per_day <= 0:
            return
        lam = per_day / DAY * self.mx
        t = t_start
        mx = self.mx
        while True:
            t += int(rng.expovariate(lam)) + 1
            if t >= t_end:
                return
            if rng.random() * mx < self.factor(t):
                yield t


def pick_tz(rng, tz_weights):
    return rng.choices([z for z, _ in tz_weights], [w for _, w in tz_weights])[0]


class Account:
    __slots__ = ("id", "pop", "created", "tier")

    def __init__(self, id_, pop, created, tier):
        self.id, self.pop, self.created, self.tier = id_, pop, created, tier


def fmt_ts(ms, _cache={}):
    s, msr = divmod(ms, 1000)
    d, sod = divmod(s, 86400)
    date = _cache.get(d)
    if date is None:
        date = (_dt.date(1970, 1, 1) + _dt.timedelta(days=d)).isoformat()
        _cache[d] = date
    h, r = divmod(sod, 3600)
    m, sec = divmod(r, 60)
    return f"{date}T{h:02d}:{m:02d}:{sec:02d}.{msr:03d}Z"


# payload tuple layout
# (acct, conv, turn, system, prompt, max_tokens, temperature, top_logprobs, output_tokens, client, extraction)

def run(processes, t0, t1, out_path, metadata, on_account=None):
    """Merge per-account processes by time and stream requests to out_path. Returns stats."""
    heap = []
    seq = 0
    push = heapq.heappush
    pop = heapq.heappop
    for g in processes:
        ev = next(g, None)
        if ev is not None:
            heap.append((ev[0], seq, ev, g))
            seq += 1
    heapq.heapify(heap)
    if out_path.endswith(".gz"):
        raw = gzip.open(out_path, "wb", compresslevel=3)
    else:
        raw = open(out_path, "wb")
    f = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    buf = []
    n = 0
    last = t0
    seen = {}
    extraction = {}
    full = metadata == "full"
    minimal = metadata == "minimal"
    while heap:
        ts, _, ev, g = pop(heap)
        if ts >= t1:
            continue  # this process has nothing more inside the window
        if ev[1] == SPAWN:
            sub = ev[2]
            e2 = next(sub, None)
            if e2 is not None:
                push(heap, (e2[0], seq, e2, sub))
                seq += 1
        elif ts >= t0:
            if ts < last:
                ts = last
            last = ts
            p = ev[2]
            a = p[0]
            tstr = fmt_ts(ts)
            if minimal:
                d = {"ts": tstr, "account": a.id, "prompt": p[4], "output_tokens": p[8]}
            else:
                d = {"ts": tstr, "account": a.id}
                if full:
                    if a.created:
                        d["account_created"] = a.created
                d["tier"] = a.tier
                if full and p[9]:
                    d["client"] = p[9]
                if p[1]:
                    d["conversation"] = p[1]
                    d["turn"] = p[2]
                if p[3]:
                    d["system"] = p[3]
                d["prompt"] = p[4]
                if p[5] is not None:
                    d["max_tokens"] = p[5]
                if p[6] is not None:
                    d["temperature"] = p[6]
                if p[7] is not None:
                    d["top_logprobs"] = p[7]
                d["output_tokens"] = p[8]
            buf.append(dumps(d))
            n += 1
            c = seen.get(a.id)
            if c is None:
                seen[a.id] = [a.pop, 1]
            else:
                c[1] += 1
            if a.pop == "campaign-reseller":
                x = extraction.get(a.id)
                if x is None:
                    x = extraction[a.id] = [0, 0, []]
                x[1] += 1
                if p[10]:
                    x[0] += 1
                    x[2].append(tstr)
            if len(buf) >= 4000:
                buf.append("")
                f.write("\n".join(buf))
                buf = []
        e2 = next(g, None)
        if e2 is not None:
            push(heap, (e2[0], seq, e2, g))
            seq += 1
    if buf:
        buf.append("")
        f.write("\n".join(buf))
    f.close()
    return n, seen, extraction
