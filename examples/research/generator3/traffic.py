#!/usr/bin/python3
"""Synthetic LLM-API request log with distillation campaigns (generator3).

Structure (see README.md):
    World (seed-drawn parameters, calendar, networks, shared text banks)
      -> Population  (one per behaviour; benign look-alikes and campaigns)
        -> Organisation/product/event/operation  (shared client networks,
           templates, system prompts, schedules)
          -> Account   (metadata, own RNG stream, own time zone)
            -> Sessions / jobs / tool loops / bursts
              -> Requests

Every account yields its own time-ordered stream lazily; the streams are
merged with heapq.merge and written line by line, so memory stays bounded.

Standard library only.  Deterministic for a seed (every account owns a
random.Random seeded from the master RNG; no str hash() anywhere).
"""
import argparse
import datetime as dt
import gzip
import heapq
import json
import math
import random
import sys
import time

import prompts as P

SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR

# ---------------------------------------------------------------------------
# calendar effects
# ---------------------------------------------------------------------------
# Local-hour activity curves (relative weights, local time 00..23).  Shapes are
# guesses: a night trough ~4am, a rise through the morning, a broad afternoon
# plateau and an evening shoulder, as in published hour-of-day plots of chatbot
# traffic; the developer curve concentrates on working hours.
HUMAN_HOURLY = [0.9, 0.6, 0.4, 0.3, 0.25, 0.3, 0.5, 0.9, 1.4, 1.9, 2.2, 2.3,
                2.2, 2.2, 2.3, 2.3, 2.2, 2.0, 1.8, 1.8, 1.9, 1.9, 1.7, 1.3]
DEV_HOURLY = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.7, 1.6, 2.6, 3.0, 3.0,
              2.4, 2.8, 3.0, 2.9, 2.6, 2.0, 1.3, 1.0, 1.0, 0.9, 0.7, 0.5]
# Where users are: (UTC offset in hours for late April incl. DST, weight).
# Weights are a guess loosely following the country ranking in the Anthropic
# Economic Index (US, India, Japan, UK, South Korea lead Claude.ai usage) and
# WildChat's language mix (English 53%, Chinese 13%, Russian 12%).
TZ_WEIGHTS = [(-7, 9), (-6, 3), (-5, 5), (-4, 12), (-3, 4), (0, 1), (1, 6), (2, 8),
              (3, 5), (5.5, 9), (7, 4), (8, 9), (9, 7), (10, 2), (12, 1)]

# well-known cloud / hosting ASNs (egress of API products) and mobile carriers
CLOUD_ASNS = [16509, 14618, 15169, 396982, 8075, 14061, 24940, 16276, 63949, 20473, 45102, 132203, 31898]
MOBILE_ASNS = [21928, 22394, 20057, 9808, 55836, 12576, 3320, 4134, 17676, 7922, 45609, 26599]


def cum(ws):
    out, a = [], 0.0
    for w in ws:
        a += w
        out.append(a)
    return out


HUMAN_CUM = cum(HUMAN_HOURLY)
DEV_CUM = cum(DEV_HOURLY)
TZ_CUM = cum([w for _, w in TZ_WEIGHTS])
HOURS = list(range(24))


def loguniform(r, lo, hi):
    return math.exp(r.uniform(math.log(lo), math.log(hi)))


def lognormal_med(r, median, sigma):
    return median * math.exp(sigma * r.gauss(0.0, 1.0))


def poisson(r, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(r.gauss(lam, math.sqrt(lam)) + 0.5))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= L:
            return k
        k += 1


def geometric(r, mean):
    """Number of trials >= 1 with the given mean."""
    if mean <= 1:
        return 1
    p = 1.0 / mean
    return 1 + int(math.log(1.0 - r.random()) / math.log(1.0 - p))


class Calendar:
    def __init__(self, start, days):
        self.start = dt.datetime.strptime(start, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        self.days = days
        self.end_ms = days * DAY
        self.weekday0 = self.start.weekday()
        self._daystr = {}

    def weekday(self, day):
        return (self.weekday0 + day) % 7

    def is_weekend(self, day):
        return self.weekday(day) >= 5

    def fmt(self, ms):
        """ms since window start -> RFC 3339 UTC with milliseconds."""
        d, rem = divmod(ms, DAY)
        s = self._daystr.get(d)
        if s is None:
            s = (self.start + dt.timedelta(days=d)).strftime("%Y-%m-%d")
            self._daystr[d] = s
        h, rem = divmod(rem, HOUR)
        m, rem = divmod(rem, MIN)
        sec, milli = divmod(rem, SEC)
        return "%sT%02d:%02d:%02d.%03dZ" % (s, h, m, sec, milli)


# ---------------------------------------------------------------------------
# networks and ids
# ---------------------------------------------------------------------------
class Networks:
    def __init__(self, r):
        self.r = r
        # first octets that look like public consumer / hosting space
        self.octets = [o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)]

    def residential(self, r=None):
        r = r or self.r
        return "%d.%d.%d.0/24" % (r.choice(self.octets), r.randrange(256), r.randrange(256))

    def mobile(self, r=None):
        return "asn:%d" % (r or self.r).choice(MOBILE_ASNS)

    def cloud(self, r=None):
        return "asn:%d" % (r or self.r).choice(CLOUD_ASNS)

    def residential_proxy_pool(self, n):
        pool = [self.residential() for _ in range(n)]
        pool += ["asn:%d" % self.r.randint(30000, 270000) for _ in range(n // 10)]  # small ISPs reported by ASN
        return pool


class Ids:
    def __init__(self, r):
        self.r = r
        self.used = set()

    def account(self):
        while True:
            a = "acct_%012x" % self.r.getrandbits(48)
            if a not in self.used:
                self.used.add(a)
                return a


def conv_id(r):
    return "conv_%016x" % r.getrandbits(64)


class Account:
    __slots__ = ("id", "pop", "created_ms", "created", "tier", "tz", "seed", "p", "n")

    def __init__(self, world, pop, created_ms, tier, tz, **p):
        self.id = world.ids.account()
        self.pop = pop
        self.created_ms = int(created_ms)
        self.created = None          # formatted lazily
        self.tier = tier
        self.tz = tz                 # hours east of UTC
        self.seed = world.r.getrandbits(64)
        self.p = p
        self.n = 0                   # requests emitted


def req(prompt, conv, turn, out, client, system=None, max_tokens=None, temperature=None, top_logprobs=None, extra=None):
    d = {"prompt": prompt, "conversation": conv, "turn": turn, "client": client}
    if system is not None:
        d["system"] = system
    if max_tokens is not None:
        d["max_tokens"] = max_tokens
    if temperature is not None:
        d["temperature"] = float(temperature)
    if top_logprobs:
        d["top_logprobs"] = top_logprobs
    d["output_tokens"] = out
    if extra:
        d["_x"] = True
    return d


def out_tokens(r, median, sigma, max_tokens, natural_cap=16000):
    v = int(lognormal_med(r, median, sigma))
    cap = max_tokens if max_tokens else natural_cap
    return max(1, min(v, cap))


def ordered(chunks):
    """chunks yields (low_watermark_ms_of_next_chunk, [(ms, seq, fields)]).
    Later chunks never contain events earlier than the watermark, so events
    below it can be released.  Yields (ms, seq, fields) in time order."""
    h = []
    for nxt, evs in chunks:
        for e in evs:
            heapq.heappush(h, e)
        while h and h[0][0] < nxt:
            yield heapq.heappop(h)
    while h:
        yield heapq.heappop(h)


# ---------------------------------------------------------------------------
# populations
# ---------------------------------------------------------------------------
class Population:
    label = "?"
    campaign = False

    def __init__(self, world):
        self.w = world
        self.accounts = []
        self.params = {}

    def n(self, lo, hi):
        """Seed-drawn account count scaled by --scale."""
        return max(1, int(round(self.w.r.uniform(lo, hi) * self.w.scale)))

    def chunks(self, a, r):
        raise NotImplementedError

    def stream(self, a):
        r = random.Random(a.seed)
        w = self.w
        for ms, _s, f in ordered(self.chunks(a, r)):
            if 0 <= ms < w.cal.end_ms:          # clip to the observation window
                yield (ms, w.emit(a, ms, f))

    # -- helpers shared by human-timed populations ------------------------
    def local_days(self, a):
        """(local day index, UTC ms of local midnight) covering the window."""
        off = int(a.tz * HOUR)
        for d in range(-1, self.w.cal.days + 1):
            yield d, d * DAY - off

    def sample_local_ms(self, r, day0, hcum):
        h = r.choices(HOURS, cum_weights=hcum)[0]
        return day0 + h * HOUR + int(r.random() * HOUR)


def pick_tz(r):
    return TZ_WEIGHTS[r.choices(range(len(TZ_WEIGHTS)), cum_weights=TZ_CUM)[0]][0]


def aged_created(r, lo_days, hi_days):
    return -int(r.uniform(lo_days, hi_days) * DAY) - r.randrange(DAY)


# ----------------------------------------------------------------- casual
class Casual(Population):
    label = "casual"

    def build(self):
        w, r = self.w, self.w.r
        self.text = P.CasualPrompts(non_english_share=r.uniform(0.15, 0.45))
        self.params = dict(
            turns_mean=r.uniform(2.0, 2.6),            # LMSYS-Chat-1M 2.0, WildChat 2.52 turns/conversation
            sessions_extra=r.uniform(0.3, 0.8),       # guess
            think_median_s=r.uniform(30, 90),         # guess: read answer + type
            weekend_factor=r.uniform(0.85, 1.15),     # guess
            max_tokens_share=r.uniform(0.0, 0.1),     # web app: mostly not sent
            new_signup_share=r.uniform(0.04, 0.12),   # guess
            non_english=self.text.non_en)
        for _ in range(self.n(11000, 15000)):
            u = r.random()
            p_active = r.uniform(0.08, 0.3) if u < 0.6 else (r.uniform(0.3, 0.7) if u < 0.9 else r.uniform(0.7, 1.0))
            if r.random() < self.params["new_signup_share"]:
                created = r.randrange(0, w.cal.end_ms)
            else:
                created = aged_created(r, 1, 1000)
            nets = [w.net.residential()] + ([w.net.residential()] if r.random() < 0.4 else [])
            self.accounts.append(Account(w, self, created, "pro" if r.random() < 0.15 else "free", pick_tz(r),
                                         p_active=p_active, nets=nets, mobile=w.net.mobile(),
                                         mt=r.random() < self.params["max_tokens_share"]))

    def session(self, a, r, t, evs, seq, text=None):
        """One human session: 1+ conversations, each geometric turns."""
        pr = self.params
        nconv = geometric(r, 1.5)
        client = a.p["mobile"] if r.random() < 0.2 else r.choice(a.p["nets"])
        for _ in range(nconv):
            conv = conv_id(r)
            turns = min(30, geometric(r, pr["turns_mean"]))
            for k in range(turns):
                prompt = (text or self.text.first)(r) if k == 0 else self.text.follow(r)
                mt = r.choice([1024, 2048, 4096]) if a.p.get("mt") else None
                out = out_tokens(r, 220, 0.9, mt)     # LMSYS-Chat-1M mean response ~215 tokens
                evs.append((t, seq, req(prompt, conv, k, out, client, max_tokens=mt)))
                seq += 1
                t += int(lognormal_med(r, pr["think_median_s"], 0.8) * SEC) + out * 15  # reading/streaming time
            t += int(r.uniform(1, 10) * MIN)
        return t, seq

    def chunks(self, a, r):
        seq = 0
        for d, day0 in self.local_days(a):
            evs = []
            if day0 + DAY > a.created_ms:
                f = self.params["weekend_factor"] if self.w.cal.is_weekend(d) else 1.0
                if r.random() < a.p["p_active"] * f:
                    for _ in range(1 + poisson(r, self.params["sessions_extra"])):
                        t = max(self.sample_local_ms(r, day0, HUMAN_CUM), a.created_ms + 60 * SEC)
                        _, seq = self.session(a, r, t, evs, seq)
            yield day0 + DAY, evs


# -------------------------------------------------------------- developers
class Developers(Population):
    label = "developer"

    def build(self):
        w, r = self.w, self.w.r
        self.params = dict(weekday_active=r.uniform(0.5, 0.9), weekend_factor=r.uniform(0.2, 0.5),
                           bursts_mean=r.uniform(1.5, 3.0), burst_len_mean=r.uniform(6, 14),
                           batch_job_share=r.uniform(0.03, 0.12), anthropic_style_share=r.uniform(0.3, 0.7))
        target = self.n(1500, 3000)
        while len(self.accounts) < target:          # developer orgs of 1-8 sharing an office network
            office = w.net.residential() if r.random() < 0.7 else w.net.cloud()
            tz = pick_tz(r)
            for _ in range(min(geometric(r, 2.5), 8)):
                anth = r.random() < self.params["anthropic_style_share"]
                if anth:   # Anthropic SDK: max_tokens is a required parameter; quickstarts use 1024
                    mt = r.choice([1024, 1024, 2048, 4096, 4096, 8192, 8192, 16384, 32000, 64000])
                else:      # OpenAI SDK: max_tokens omitted by default
                    mt = None if r.random() < 0.7 else r.choice([256, 512, 1000, 2000, 4096])
                temp = None if r.random() < 0.6 else r.choice([0, 0.2, 0.5, 0.7, 1.0])
                sysp = r.choices([None, "You are a helpful assistant.", "custom"], [0.6, 0.25, 0.15])[0]
                if sysp == "custom":
                    sysp = "You are a senior %s engineer. Answer with code first, then a short explanation." % r.choice(P.PROG_LANGS)
                self.accounts.append(Account(w, self, aged_created(r, 10, 900), r.choice(["free", "pro", "pro", "team"]),
                                             tz + r.choice([0, 0, 0, 1, -1]), office=office, home=w.net.residential(),
                                             mt=mt, temp=temp, sys=sysp, batch=r.random() < self.params["batch_job_share"],
                                             vol=loguniform(r, 0.4, 2.5)))

    def chunks(self, a, r):
        pr, seq = self.params, 0
        for d, day0 in self.local_days(a):
            evs = []
            p = pr["weekday_active"] * (pr["weekend_factor"] if self.w.cal.is_weekend(d) else 1.0)
            if r.random() < p:
                for _ in range(max(1, poisson(r, pr["bursts_mean"] * a.p["vol"]))):
                    t = self.sample_local_ms(r, day0, DEV_CUM)
                    client = a.p["office"] if r.random() < 0.7 else a.p["home"]
                    conv, turn = conv_id(r), 0
                    for _ in range(geometric(r, pr["burst_len_mean"])):
                        prompt = P.DevPrompts.build(r)
                        out = out_tokens(r, 450, 1.0, a.p["mt"])
                        evs.append((t, seq, req(prompt, conv, turn, out, client, a.p["sys"], a.p["mt"], a.p["temp"])))
                        seq += 1
                        if r.random() < 0.35:       # follow-up in same conversation
                            turn += 1
                        else:
                            conv, turn = conv_id(r), 0
                        t += int(lognormal_med(r, 45, 1.0) * SEC) + out * 10
                if a.p["batch"] and r.random() < 0.3:   # script over a data set: same template, many rows
                    t = self.sample_local_ms(r, day0, DEV_CUM)
                    tpl = r.choice(["Classify the sentiment of this review as positive, negative or neutral: ",
                                    "Extract the product name and price as JSON from: ",
                                    "Summarize in one sentence: ", "Translate to French: "])
                    for _ in range(int(loguniform(r, 50, 600))):
                        body = " ".join(r.choice(P._FILLER_SENT) for _ in range(r.randint(1, 4)))
                        out = out_tokens(r, 60, 0.6, a.p["mt"])
                        evs.append((t, seq, req(tpl + body, conv_id(r), 0, out, a.p["office"], a.p["sys"], a.p["mt"], a.p["temp"])))
                        seq += 1
                        t += int(loguniform(r, 200, 3000))
            yield day0 + DAY, evs


# --------------------------------------------------------- agent platform
class AgentPlatform(Population):
    label = "agent-platform"

    def build(self):
        w, r = self.w, self.w.r
        self.params = dict(products=r.choice([1, 1, 2]), tool_latency_median_s=r.uniform(0.25, 0.6),
                           loop_len_mean=r.uniform(5, 12), weekend_factor=r.uniform(0.5, 0.85))
        total = self.n(30, 80)
        for pi in range(self.params["products"]):
            name = r.choice(["Pilotly", "TaskForge", "Autonomo", "Relay AI", "OpsMate", "Agentry"]) + (" %d" % pi if pi else "")
            sysp = P.agent_system_prompt(r, name)
            egress = [w.net.cloud() for _ in range(r.randint(1, 3))]
            mt = r.choice([4096, 8192])
            for _ in range(total // self.params["products"]):
                self.accounts.append(Account(w, self, aged_created(r, 120, 900), r.choice(["team", "enterprise"]),
                                             pick_tz(r), sys=sysp, egress=egress, mt=mt,
                                             daily=loguniform(r, 200, 2000)))

    def chunks(self, a, r):
        pr, seq = self.params, 0
        for d, day0 in self.local_days(a):
            evs = []
            target = a.p["daily"] * (pr["weekend_factor"] if self.w.cal.is_weekend(d) else 1.0) * r.uniform(0.8, 1.2)
            n = 0
            while n < target:
                t = self.sample_local_ms(r, day0, HUMAN_CUM)
                conv = conv_id(r)
                client = r.choice(a.p["egress"])
                steps = min(40, 2 + geometric(r, pr["loop_len_mean"]))
                for k in range(steps):
                    prompt = P.agent_task(r) if k == 0 else P.agent_tool_result(r, k)
                    last = k == steps - 1
                    out = out_tokens(r, 400 if last else 90, 0.6, a.p["mt"])
                    evs.append((t, seq, req(prompt, conv, k, out, client, a.p["sys"], a.p["mt"], 0.0)))
                    seq += 1
                    # sub-second tool loop: tool latency + fast tool-call generation
                    t += int(lognormal_med(r, pr["tool_latency_median_s"], 0.6) * SEC) + out * 2
                n += steps
            yield day0 + DAY, evs


# ------------------------------------------------------- benchmark runners
class BenchmarkRunners(Population):
    label = "benchmark-runner"

    def build(self):
        w, r = self.w, self.w.r
        self.bank = P.BenchmarkBank(r)
        self.params = dict(jobs_per_week_mean=r.uniform(1.5, 4), logprob_share=r.uniform(0.1, 0.4))
        for _ in range(self.n(15, 50)):
            self.accounts.append(Account(w, self, aged_created(r, 20, 700), r.choice(["pro", "team", "free"]),
                                         pick_tz(r), client=w.net.cloud() if r.random() < 0.6 else w.net.residential(),
                                         workers=r.choice([1, 4, 8, 16, 32])))

    def chunks(self, a, r):
        w, pr, seq = self.w, self.params, 0
        njobs = max(1, poisson(r, pr["jobs_per_week_mean"] * w.cal.days / 7))
        starts = sorted(r.randrange(0, w.cal.end_ms) for _ in range(njobs))
        for ji, s in enumerate(starts):
            evs = []
            bench = r.choices(["gsm", "mmlu", "code", "plan"], [3, 4, 2, 1])[0]
            items = self.bank.items[bench]
            tpl = r.randrange(len(P.BenchmarkBank.TEMPLATES[bench]))
            n_items = len(items) if r.random() < 0.4 else r.randint(100, len(items))
            samples = r.choice([1, 1, 1, 3, 5]) if bench == "code" else 1
            temp = 0.0 if samples == 1 else 0.8
            temp = temp if r.random() < 0.8 else None
            mt = r.choice([512, 1024, 2048, 4096, None])
            lp = 5 if (bench == "mmlu" and r.random() < pr["logprob_share"]) else None
            gap = max(30, int(lognormal_med(r, 2500, 0.5) / a.p["workers"]))
            t = s
            for i in range(n_items):
                prompt = self.bank.render(bench, tpl, items[i])
                for _ in range(samples):
                    out = out_tokens(r, 350, 0.7, mt)
                    evs.append((t, seq, req(prompt, conv_id(r), 0, out, a.p["client"], None, mt, temp, lp)))
                    seq += 1
                    t += int(r.expovariate(1.0 / gap)) + 1
            # jobs may overlap: release only what precedes the next job's start
            yield (starts[ji + 1] if ji + 1 < njobs else w.cal.end_ms + 30 * DAY), evs


# ---------------------------------------------------------- enterprise apps
class EnterpriseApps(Population):
    label = "enterprise-app"

    def build(self):
        w, r = self.w, self.w.r
        self.params = dict(companies=self.n(30, 80), diurnal_amplitude=(0.2, 0.6))
        for ci in range(self.params["companies"]):
            tpl, med_out = P.ENTERPRISE_TEMPLATES[r.randrange(len(P.ENTERPRISE_TEMPLATES))]
            tpl = tpl.replace("{lang}", r.choice(P.LANG_NAMES))
            co = "Company-%04d" % r.randrange(10000)
            sysp = r.choice(P.ENTERPRISE_SYSTEMS)
            sysp = sysp.replace("{co}", co) if sysp else None
            nets = [w.net.residential() for _ in range(r.randint(1, 2))]
            temp, mt = r.choice([0.0, 0.2, 0.3, None]), r.choice([256, 512, 1024, 2048, None])
            tz = pick_tz(r)
            for _ in range(r.choice([1, 1, 1, 2, 3])):
                self.accounts.append(Account(w, self, aged_created(r, 200, 1100), "enterprise", tz, tpl=tpl,
                                             med_out=med_out, sys=sysp, nets=nets, temp=temp, mt=mt,
                                             daily=loguniform(r, 30, 800), amp=r.uniform(0.2, 0.6)))

    def chunks(self, a, r):
        seq = 0
        hourly = [1.0 + a.p["amp"] * (HUMAN_HOURLY[h] / 1.6 - 1.0) for h in range(24)]
        for d, day0 in self.local_days(a):
            evs = []
            for h in range(24):                        # steady machine traffic, mild diurnal modulation
                for _ in range(poisson(r, a.p["daily"] / 24.0 * hourly[h])):
                    t = day0 + h * HOUR + int(r.random() * HOUR)
                    prompt = a.p["tpl"].format(x=P.enterprise_payload(r))
                    out = out_tokens(r, a.p["med_out"], 0.4, a.p["mt"])
                    evs.append((t, seq, req(prompt, conv_id(r), 0, out, r.choice(a.p["nets"]), a.p["sys"], a.p["mt"], a.p["temp"])))
                    seq += 1
            yield day0 + DAY, evs


# ------------------------------------------------- classrooms / hackathons
class Classrooms(Population):
    label = "classroom"

    def build(self):
        w, r = self.w, self.w.r
        self.params = dict(events=max(1, int(round(r.randint(3, 7) * min(1.0, w.scale) + 0.49))), hackathon_share=0.3)
        for _ in range(self.params["events"]):
            hack = r.random() < 0.3
            tz = pick_tz(r)
            # pick a local day: weekday for classes, weekend for hackathons
            days = [d for d in range(w.cal.days) if w.cal.is_weekend(d) == hack] or list(range(w.cal.days))
            d = r.choice(days)
            day0 = d * DAY - int(tz * HOUR)
            start = day0 + int(r.uniform(9, 15) * HOUR) if not hack else day0 + int(r.uniform(9, 12) * HOUR)
            span = int(r.uniform(1, 3) * HOUR) if not hack else int(r.uniform(18, 30) * HOUR)
            text = P.hackathon_assignment(r) if hack else P.classroom_assignment(r)
            venue = w.net.residential()
            size = max(5, int(r.uniform(100, 600 if hack else 450) * w.scale))
            for _ in range(size):
                created = start - int(r.uniform(5, 120) * MIN)     # created the same day, just before
                self.accounts.append(Account(w, self, created, "free", tz, start=start, span=span, text=text,
                                             venue=venue, hack=hack))

    def chunks(self, a, r):
        casual = self.w.pops["casual"].text
        seq, evs = 0, []
        t = a.p["start"] + int(r.random() * a.p["span"] * 0.5)
        conv = conv_id(r)
        n = r.randint(2, 10) if not a.p["hack"] else r.randint(5, 30)
        for k in range(n):
            if k == 0:
                pre = r.choice(["", "", "", "pls ", "Hi, ", "help: ", "for class: "])
                prompt = pre + a.p["text"]
            elif r.random() < 0.6:
                prompt = casual.follow(r)
            else:
                prompt = P.DevPrompts.build(r) if a.p["hack"] else "can you explain step %d again?" % r.randint(1, 6)
            out = out_tokens(r, 500, 0.7, None)
            evs.append((t, seq, req(prompt, conv, k, out, a.p["venue"])))
            seq += 1
            t += int(lognormal_med(r, 90, 0.9) * SEC)
            if t > a.p["start"] + a.p["span"]:
                break
        yield self.w.cal.end_ms + DAY, evs


# ------------------------------------------------------------ viral prompt
class ViralSharers(Population):
    label = "viral-sharer"

    def build(self):
        w, r = self.w, self.w.r
        self.params = dict(waves=r.randint(1, 3), new_account_share=r.uniform(0.2, 0.5))
        for _ in range(self.params["waves"]):
            text = P.viral_prompt(r)
            t0 = r.randrange(0, max(1, w.cal.end_ms - DAY))
            spread_h = r.uniform(6, 18)       # median adoption delay after t0
            for _ in range(self.n(800, 2500)):
                t = t0 + int(lognormal_med(r, spread_h, 0.8) * HOUR)
                if r.random() < self.params["new_account_share"]:
                    created = t - int(r.uniform(1, 60) * MIN)
                else:
                    created = aged_created(r, 1, 900)
                self.accounts.append(Account(w, self, created, "pro" if r.random() < 0.1 else "free", pick_tz(r),
                                             t=t, text=text, net=w.net.residential(), mobile=w.net.mobile()))

    def chunks(self, a, r):
        casual = self.w.pops["casual"]
        seq, evs = 0, []
        client = a.p["mobile"] if r.random() < 0.45 else a.p["net"]
        t, conv = a.p["t"], conv_id(r)
        text = a.p["text"]
        if r.random() < 0.3:                       # small personal edits
            text = r.choice(["", "lol ", "ok trying this: ", "saw this on tiktok - "]) + text + r.choice(["", " 😂", " pls", " go"])
        for k in range(1 + (r.random() < 0.4) * r.randint(1, 3)):
            prompt = text if k == 0 else casual.text.follow(r)
            out = out_tokens(r, 450, 0.6, None)
            evs.append((t, seq, req(prompt, conv, k, out, client)))
            seq += 1
            t += int(lognormal_med(r, 40, 0.8) * SEC)
        if r.random() < 0.35:                      # a bit of ordinary chat later in the week
            for _ in range(r.randint(1, 3)):
                t2 = r.randrange(a.p["t"], a.p["t"] + 3 * DAY)
                _, seq = casual.session(a_casual_view(a), r, t2, evs, seq)
        yield self.w.cal.end_ms + 4 * DAY, evs


def a_casual_view(a):
    """Adapter: lets sharers reuse Casual.session with their own network."""
    a.p.setdefault("nets", [a.p["net"]])
    return a


# ===================================================================== campaigns
class Hydra(Population):
    label = "campaign-hydra"
    campaign = True

    def build(self):
        w, r = self.w, self.w.r
        pr = self.params = dict(
            accounts=self.n(800, 2500), rate_per_day=r.uniform(20, 32),      # reported ~26 req/account/day
            proxy_pool=int(r.uniform(300, 3000) * max(0.3, w.scale)), versions=r.sample(range(3), r.randint(1, 3)),
            dom_w=[r.uniform(0.3, 0.6), r.uniform(0.2, 0.4), r.uniform(0.1, 0.3)],
            max_tokens=r.sample([8192, 16000, 16384, 32000, 32768, 64000], r.randint(1, 2)),
            temperature=r.choice([None, 0.7, 0.8, 1.0]), logprob_share=r.choice([0.0, r.uniform(0.1, 0.6)]),
            system=r.choice([None, "You are a world-class expert. Always show your complete reasoning before the answer.",
                             "You are a meticulous senior engineer and planner. Explain every step of your thinking."]),
            followup_share=r.uniform(0.0, 0.15), lifetime_days=(3, 14), created_before_days=(1, 10))
        self.pool = w.net.residential_proxy_pool(pr["proxy_pool"])
        self.offsets = [r.randrange(s) for s in w.space.sizes]
        N = pr["accounts"]
        batch_day = None
        for i in range(N):
            if i % r.randint(20, 100) == 0 or batch_day is None:         # registration waves
                batch_day = r.uniform(-12, w.cal.days - 1)
            first = batch_day + r.uniform(*pr["created_before_days"])
            life = r.uniform(*pr["lifetime_days"])
            self.accounts.append(Account(w, self, int(batch_day * DAY + r.randrange(DAY)), r.choice(["free", "free", "pro"]),
                                         0, idx=i, first=int(first * DAY), last=int((first + life) * DAY),
                                         rate=pr["rate_per_day"] * r.uniform(0.7, 1.3),
                                         version=r.choice(pr["versions"])))

    def chunks(self, a, r):
        w, pr = self.w, self.params
        N = pr["accounts"]
        period = DAY / a.p["rate"]
        t = max(a.p["first"], -DAY) + int(r.random() * period)
        end = min(a.p["last"], w.cal.end_ms)
        seq, k, evs = 0, 0, []
        # number of requests already made before the window (keeps the sweep position consistent)
        k = max(0, int((t - a.p["first"]) / period))
        while t < end:
            g = k * N + a.p["idx"]                         # global sweep position (scheduler queue)
            dom = r.choices((0, 1, 2), pr["dom_w"])[0]
            task = w.space.domain_task(dom, self.offsets[dom] + g)
            prompt = P.HydraTemplate.render(a.p["version"], 100000 + g, task)
            mt = r.choice(pr["max_tokens"])
            out = out_tokens(r, min(mt * 0.6, 6000), 0.5, mt)
            lp = r.choice([5, 20]) if r.random() < pr["logprob_share"] else None
            conv = conv_id(r)
            evs.append((t, seq, req(prompt, conv, 0, out, r.choice(self.pool), pr["system"], mt, pr["temperature"], lp)))
            seq += 1
            if r.random() < pr["followup_share"]:
                t2 = t + out * 12 + int(r.uniform(0.5, 5) * SEC)
                evs.append((t2, seq, req("Continue exactly where you stopped. Keep the same format.", conv, 1,
                                         out_tokens(r, mt * 0.5, 0.5, mt), r.choice(self.pool), pr["system"], mt,
                                         pr["temperature"], lp)))
                seq += 1
            k += 1
            t += int(period * r.uniform(0.6, 1.4))          # machine-like pacing, flat across the 24h day
            if len(evs) > 200:
                yield t, evs
                evs = []
        yield w.cal.end_ms + DAY, evs


class HumanCampaign(Population):
    """Shared machinery for stealth and slow-drip: aged accounts, human
    diurnal sessions in a chosen time zone, paraphrased extraction prompts."""
    campaign = True

    def extraction_prompt(self, a, r, k):
        raise NotImplementedError

    def settings(self, a, r):
        mt = a.p["mt"] if a.p["mt"] is None or r.random() < 0.8 else r.choice([1024, 2048, 4096])
        return mt, a.p["temp"]

    def chunks(self, a, r):
        pr, seq, k = self.params, 0, a.p.get("k0", 0)
        casual = self.w.pops["casual"].text
        for d, day0 in self.local_days(a):
            evs = []
            wk = pr["weekend_factor"] if self.w.cal.is_weekend(d) else 1.0
            n = poisson(r, a.p["rate"] * wk)
            # requests come in human sessions of a few requests each
            while n > 0:
                t = self.sample_local_ms(r, day0, HUMAN_CUM)
                m = min(n, geometric(r, pr["session_len"]))
                n -= m
                conv, turn = conv_id(r), 0
                for _ in range(m):
                    mt, temp = self.settings(a, r)
                    if r.random() < pr["filler_share"]:
                        prompt, out = casual.first(r), out_tokens(r, 220, 0.9, mt)
                        conv, turn = conv_id(r), 0
                    elif turn > 0 and r.random() < pr["followup_share"]:
                        prompt = casual.decorate(r, r.choice(P_FOLLOW).format(n=r.randint(2, 6)), 0.5)
                        out = out_tokens(r, 900, 0.6, mt)
                    else:
                        prompt = self.extraction_prompt(a, r, k)
                        k += 1
                        out = out_tokens(r, 1400, 0.6, mt)
                        conv, turn = conv_id(r), 0
                    evs.append((t, seq, req(prompt, conv, turn, out, r.choice(a.p["nets"]), None, mt, temp)))
                    seq += 1
                    turn += 1
                    t += int(lognormal_med(r, pr["think_median_s"], 0.7) * SEC) + out * 15
            yield day0 + DAY, evs


P_FOLLOW = ["can you expand step {n}?", "nice. now go deeper on the riskiest part", "what would you change if the scale was 10x?",
            "ok, and how would you test that?", "walk me through step {n} in more detail", "what are the failure modes here?",
            "could you redo it with a different approach and compare?", "add the missing edge cases please",
            "now turn that into a checklist", "why that choice over the alternatives?"]


class Stealth(HumanCampaign):
    label = "campaign-stealth"

    def build(self):
        w, r = self.w, self.w.r
        pr = self.params = dict(accounts=self.n(150, 600), rate_per_day=(12, 35), filler_share=r.uniform(0.1, 0.3),
                                session_len=r.uniform(3, 8), think_median_s=r.uniform(40, 120),
                                weekend_factor=r.uniform(0.6, 1.0), followup_share=r.uniform(0.1, 0.3),
                                dom_w=[r.uniform(0.3, 0.6), r.uniform(0.2, 0.4), r.uniform(0.1, 0.3)],
                                account_age_days=(90, 730))
        self.para = P.Paraphraser(typo_rate=r.uniform(0.01, 0.05))
        self.offsets = [r.randrange(s) for s in w.space.sizes]
        tz_main = pick_tz(r)          # the operators' working zone
        for i in range(pr["accounts"]):
            mt = None if r.random() < 0.5 else r.choice([1024, 2048, 4096])
            temp = None if r.random() < 0.7 else r.choice([0.7, 1.0])
            nets = [w.net.residential() for _ in range(r.randint(1, 2))]
            tz = tz_main if r.random() < 0.6 else pick_tz(r)
            self.accounts.append(Account(w, self, aged_created(r, *pr["account_age_days"]), r.choice(["pro", "pro", "free"]),
                                         tz, idx=i, rate=r.uniform(*pr["rate_per_day"]), mt=mt, temp=temp, nets=nets,
                                         k0=r.randrange(50)))

    def extraction_prompt(self, a, r, k):
        N = self.params["accounts"]
        dom = r.choices((0, 1, 2), self.params["dom_w"])[0]
        task = self.w.space.domain_task(dom, self.offsets[dom] + k * N + a.p["idx"])   # shared sweep queue
        return self.para.render(r, task)


class SlowDrip(HumanCampaign):
    label = "campaign-slowdrip"

    def build(self):
        w, r = self.w, self.w.r
        pr = self.params = dict(accounts=self.n(300, 1200), rate_per_day=(3, 8), filler_share=r.uniform(0.0, 0.15),
                                session_len=r.uniform(1.5, 3), think_median_s=r.uniform(60, 180),
                                weekend_factor=r.uniform(0.7, 1.0), followup_share=r.uniform(0.0, 0.2),
                                account_age_days=(180, 1100))
        self.para = P.Paraphraser(typo_rate=r.uniform(0.01, 0.05))
        N = pr["accounts"]
        block = w.space.size // N                     # disjoint contiguous slice per account
        perm = list(range(N))
        r.shuffle(perm)
        for i in range(N):
            mt = None if r.random() < 0.6 else r.choice([1024, 2048, 4096, 8192])
            self.accounts.append(Account(w, self, aged_created(r, *pr["account_age_days"]), r.choice(["pro", "free", "free"]),
                                         pick_tz(r), lo=perm[i] * block, block=block, rate=r.uniform(*pr["rate_per_day"]),
                                         mt=mt, temp=None if r.random() < 0.8 else 0.7, nets=[w.net.residential()],
                                         k0=r.randrange(max(1, block // 4))))

    def extraction_prompt(self, a, r, k):
        g = a.p["lo"] + (k % a.p["block"])
        sp = self.w.space
        if g < sp.sizes[0]:
            task = sp.domain_task(0, g, breadth=False)
        elif g < sp.sizes[0] + sp.sizes[1]:
            task = sp.domain_task(1, g - sp.sizes[0], breadth=False)
        else:
            task = sp.domain_task(2, g - sp.sizes[0] - sp.sizes[1], breadth=False)
        return self.para.render(r, task, reason_p=0.9)


class Resellers(Population):
    """Accounts that resell API access: genuine end-user traffic (a mix of
    casual and developer requests from many people in several time zones)
    plus a minority of interleaved extraction requests."""
    label = "campaign-reseller"
    campaign = True

    def build(self):
        w, r = self.w, self.w.r
        pr = self.params = dict(accounts=self.n(8, 30), daily=(200, 1500), extraction_share=(0.05, 0.30),
                                extraction_style=r.choice(["template", "paraphrase", "mixed"]),
                                dev_share=r.uniform(0.2, 0.5))
        self.para = P.Paraphraser(typo_rate=0.01)
        self.offsets = [r.randrange(s) for s in w.space.sizes]
        self.tpl_version = r.randrange(3)
        for i in range(pr["accounts"]):
            self.accounts.append(Account(w, self, aged_created(r, 60, 400), r.choice(["team", "enterprise", "pro"]),
                                         0, idx=i, nets=[w.net.cloud() for _ in range(r.randint(1, 2))],
                                         daily=loguniform(r, *pr["daily"]), xs=r.uniform(*pr["extraction_share"]),
                                         tzs=[pick_tz(r) for _ in range(3)]))
        w.extraction = {a.id: [] for a in self.accounts}

    def chunks(self, a, r):
        w, pr, seq, k = self.w, self.params, 0, 0
        casual = w.pops["casual"].text
        N = pr["accounts"]
        for d in range(-1, w.cal.days + 1):
            evs = []
            benign_n = poisson(r, a.p["daily"] * (1 - a.p["xs"]))
            n = 0
            while n < benign_n:                     # end-user conversations
                tz = r.choice(a.p["tzs"])
                t = self.sample_local_ms(r, d * DAY - int(tz * HOUR), HUMAN_CUM)
                conv = conv_id(r)
                dev = r.random() < pr["dev_share"]
                mt = None if r.random() < 0.5 else r.choice([1024, 2048, 4096, 8192])
                for turn in range(min(12, geometric(r, 2.2))):
                    prompt = (P.DevPrompts.build(r) if dev else casual.first(r)) if turn == 0 else casual.follow(r)
                    out = out_tokens(r, 300, 0.9, mt)
                    evs.append((t, seq, req(prompt, conv, turn, out, r.choice(a.p["nets"]), None, mt)))
                    seq += 1
                    n += 1
                    t += int(lognormal_med(r, 40, 0.8) * SEC) + out * 10
            for _ in range(poisson(r, a.p["daily"] * a.p["xs"])):   # extraction: spread over the whole day
                t = d * DAY + r.randrange(DAY)
                dom = r.choice((0, 0, 1, 2))
                task = w.space.domain_task(dom, self.offsets[dom] + k * N + a.p["idx"])
                k += 1
                style = pr["extraction_style"]
                if style == "mixed":
                    style = r.choice(["template", "paraphrase"])
                if style == "template":
                    prompt = P.HydraTemplate.render(self.tpl_version, 500000 + k * N + a.p["idx"], task)
                else:
                    prompt = self.para.render(r, task)
                mt = r.choice([8192, 16384, 32000])
                out = out_tokens(r, 3500, 0.5, mt)
                evs.append((t, seq, req(prompt, conv_id(r), 0, out, r.choice(a.p["nets"]), None, mt,
                                        r.choice([None, 0.7, 1.0]), extra=True)))
                seq += 1
            yield (d + 1) * DAY - 14 * HOUR, evs    # later chunks start no earlier than day start - max tz (+14h)
        yield w.cal.end_ms + 2 * DAY, []


# ---------------------------------------------------------------------------
# world
# ---------------------------------------------------------------------------
POPULATIONS = [Casual, Developers, AgentPlatform, BenchmarkRunners, EnterpriseApps, Classrooms, ViralSharers,
               Hydra, Stealth, SlowDrip, Resellers]


class World:
    def __init__(self, seed, days, scale, start, metadata):
        self.r = random.Random(seed)
        self.scale = scale
        self.metadata = metadata
        self.cal = Calendar(start, days)
        self.net = Networks(self.r)
        self.ids = Ids(self.r)
        self.space = P.TargetSpace(self.r)
        self.extraction = {}
        self.pops = {}
        for cls in POPULATIONS:
            p = cls(self)
            self.pops[cls.label] = p
            p.build()

    def emit(self, a, ms, f):
        """Render one request as a JSON line (fields in a fixed order)."""
        a.n += 1
        ts = self.cal.fmt(ms)
        if f.pop("_x", False):
            self.extraction[a.id].append(ts)
        md = self.metadata
        if md == "minimal":
            d = {"ts": ts, "account": a.id, "prompt": f["prompt"], "output_tokens": f["output_tokens"]}
        else:
            d = {"ts": ts, "account": a.id, "prompt": f.pop("prompt")}
            if md == "full":
                if a.created is None:
                    a.created = self.fmt_any(a.created_ms)
                d["account_created"] = a.created
            d["tier"] = a.tier
            client = f.pop("client")
            if md == "full":
                d["client"] = client
            d.update(f)
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))

    def fmt_any(self, ms):
        if ms >= -400 * DAY:
            return self.cal.fmt(ms)
        t = self.cal.start + dt.timedelta(milliseconds=ms)
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)

    def streams(self):
        for p in self.pops.values():
            for a in p.accounts:
                yield p.stream(a)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--start", default="2026-04-22")
    ap.add_argument("--out", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--extraction")
    ap.add_argument("--metadata", choices=["full", "partial", "minimal"], default="full")
    ap.add_argument("--world", help="optional: write the seed-drawn world parameters here (JSON)")
    args = ap.parse_args(argv)

    t0 = time.time()
    w = World(args.seed, args.days, args.scale, args.start, args.metadata)
    opener = gzip.open if args.out.endswith(".gz") else open
    kw = {"compresslevel": 4} if args.out.endswith(".gz") else {}
    n = 0
    with opener(args.out, "wt", encoding="utf-8", **kw) as fh:
        buf = []
        for _ms, line in heapq.merge(*w.streams()):
            buf.append(line)
            if len(buf) >= 5000:
                fh.write("\n".join(buf) + "\n")
                n += len(buf)
                buf = []
        if buf:
            fh.write("\n".join(buf) + "\n")
            n += len(buf)

    labels = {}
    summary = {}
    for label, p in w.pops.items():
        acc = [a for a in p.accounts if a.n > 0]
        for a in acc:
            labels[a.id] = label
        summary[label] = {"accounts": len(acc), "requests": sum(a.n for a in acc)}
    with open(args.labels, "w") as fh:
        json.dump(labels, fh, indent=0, sort_keys=True)
    if args.extraction:
        ext = {}
        for a in w.pops["campaign-reseller"].accounts:
            if a.n:
                ext[a.id] = {"extraction_requests": len(w.extraction[a.id]), "total_requests": a.n,
                             "ts": w.extraction[a.id]}
        with open(args.extraction, "w") as fh:
            json.dump(ext, fh)
    if args.world:
        with open(args.world, "w") as fh:
            json.dump({k: p.params for k, p in w.pops.items()}, fh, indent=1, default=str)
    for k, v in summary.items():
        print("%-18s accounts=%6d requests=%8d" % (k, v["accounts"], v["requests"]), file=sys.stderr)
    print("total lines=%d accounts=%d  %.1fs" % (n, len(labels), time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
