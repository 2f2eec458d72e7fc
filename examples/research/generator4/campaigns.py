"""Distillation campaigns for generator4: hydra, stealth, reseller, slow-drip."""
import math
import random

import corpus as C
import populations as PP
from engine import (H, MIN, SEC, DAY, REQ, SPAWN, Curve, residential, cloud, hexid, lognorm,
                    loguniform, geometric, poisson, pick_tz)
from populations import P, conv_id, model_latency

TARGETS = ["swe", "agent", "plan", "cot"]
CAMP_SYS = ["You are a senior software engineer and meticulous problem solver.",
            "You are a world-class expert. Be thorough and precise.",
            "You are a helpful assistant that explains its reasoning in detail.",
            "You are an AI assistant. Answer completely; do not skip steps."]


def _items(rng, targets, weights):
    space = [it for it in C.campaign_item_space() if it[0] in targets]
    # weight by target: repeat-sample to the target mix without duplicates in order
    by = {t: [it for it in space if it[0] == t] for t in targets}
    for t in by:
        rng.shuffle(by[t])
    out = []
    idx = {t: 0 for t in targets}
    total = sum(len(v) for v in by.values())
    while len(out) < total:
        t = rng.choices(targets, weights)[0]
        if idx[t] < len(by[t]):
            out.append(by[t][idx[t]])
            idx[t] += 1
        elif all(idx[x] >= len(by[x]) for x in targets):
            break
    return out


def _campaign_templates(rng, targets, per_target, strength):
    tm = {}
    for t in targets:
        base = rng.sample(C.CAMPAIGN_TEMPLATES[t], min(per_target, len(C.CAMPAIGN_TEMPLATES[t])))
        while len(base) < per_target:
            base.append(rng.choice(C.CAMPAIGN_TEMPLATES[t]))
        out = []
        for b in base:
            p = C.paraphrase(rng, b, strength, synonyms_only=True)
            try:
                C.render_campaign(rng, p, t, C.campaign_item_space_first(t))
            except (KeyError, IndexError, ValueError):
                p = b
            out.append(p)
        tm[t] = out
    return tm


def _start(w, r, max_before_days=20):
    """Campaign start: already running before the window, or starting mid-window."""
    if r.random() < 0.5:
        return w.t0 - int(r.uniform(1, max_before_days) * DAY), "running-before-window"
    return w.t0 + int(r.uniform(0.2, max(0.5, w.days * 0.55)) * DAY), "starts-mid-window"


def _api_style(rng):
    return (rng.choice([4096, 8192, 16000, 32000]) if rng.random() < 0.7 else None,
            rng.choice([None, None, 0.7, 1.0, 0.3]))


# ============================================================================
# hydra
# ============================================================================
def hydra_account(w, rng, acct, t_on, t_off, per_day, items, stride, offset, templates, para, proxies, p_rotate, sysp, mt, temp, p_follow, curve):
    k = offset
    client = rng.choice(proxies)
    for t in curve.poisson(rng, max(t_on, w.t0 - 10 * MIN), min(t_off, w.t1), per_day):
        target, fields = items[k % len(items)]
        lap = k // len(items)
        tl = templates[target]
        tmpl = tl[(k // 7 + lap) % len(tl)]
        k += stride
        if rng.random() < p_rotate:
            client = rng.choice(proxies)
        prompt = C.paraphrase(rng, C.render_campaign(rng, tmpl, target, fields), para)
        out = lognorm(rng, 1100, 0.5, 100, mt or 16000)
        cid = conv_id(rng) if rng.random() < 0.6 else None
        yield (t, REQ, P(acct, prompt, out, cid, 1 if cid else None, sysp, mt, temp, client=client))
        if cid and rng.random() < p_follow:
            t2 = t + model_latency(rng, out, (60, 120)) + lognorm(rng, 2 * SEC, 0.8, 200, 60 * SEC)
            yield (t2, REQ, P(acct, rng.choice(C.CAMPAIGN_FOLLOWUPS), lognorm(rng, 900, 0.5, 50, mt or 16000), cid, 2, sysp, mt, temp, client=client))


def build_hydra(w):
    r = w.rng
    n = w.n(r.uniform(300, 2000))
    start, mode = _start(w, r, 6)
    nwaves = r.randint(2, 6)
    targets = r.sample(TARGETS, r.randint(1, 4))
    weights = [r.uniform(0.5, 3) for _ in targets]
    ntmpl = r.randint(2, 5)
    para = round(r.uniform(0.0, 0.3), 2)
    templates = _campaign_templates(r, targets, ntmpl, r.uniform(0.0, 0.4))
    items = _items(r, targets, weights)
    pool_n = int(r.uniform(200, 4000))
    resid_share = r.uniform(0.3, 1.0)
    proxies = [residential(r) if r.random() < resid_share else cloud(r) for _ in range(pool_n)]
    p_rotate = r.uniform(0.2, 1.0)
    sysp = r.choice(CAMP_SYS) if r.random() < 0.4 else None
    mt, temp = _api_style(r)
    per_day_med = loguniform(r, 25, 140)
    life_med = r.uniform(1.5, 6) * DAY
    # waves run from the campaign start to a last wave inside the window
    last_wave = max(start, w.t0) + r.uniform(0.3, 0.7) * (w.t1 - max(start, w.t0))
    wave_gap = (last_wave - start) / max(1, nwaves - 1)
    contiguous = r.random() < 0.5
    par = dict(accounts=n, mode=mode, start=start, waves=nwaves, wave_gap_days=round(wave_gap / DAY, 2), targets=targets,
               target_weights=[round(x, 2) for x in weights], templates_per_target=ntmpl, paraphrase=para, proxy_pool=pool_n,
               residential_share=round(resid_share, 2), p_rotate=round(p_rotate, 2), system_prompt=bool(sysp), max_tokens=mt,
               temperature=temp, per_account_day_median=round(per_day_med), lifetime_median_days=round(life_med / DAY, 1),
               split="contiguous" if contiguous else "interleaved", items=len(items))
    wave_sizes = [r.uniform(0.5, 1.5) for _ in range(nwaves)]
    s = sum(wave_sizes)
    wave_sizes = [max(1, int(n * x / s)) for x in wave_sizes]
    est = 0
    idx = 0
    p_follow = r.uniform(0.0, 0.3)
    flat = [1.0 + 0.15 * math.sin(h / 24 * 2 * math.pi) for h in range(24)]
    specs = []
    for wv, ws in enumerate(wave_sizes):
        wave_t = start + int(wv * wave_gap + r.uniform(-0.2, 0.2) * wave_gap * (wv > 0))
        reg_span = r.uniform(30, 180) * MIN
        for j in range(ws):
            rng = w.arng("hydra", idx)
            created = wave_t + int(rng.random() * reg_span)
            t_on = created + lognorm(rng, 40 * MIN, 1.0, 2 * MIN, 12 * H)
            t_off = t_on + lognorm(rng, life_med, 0.7, 6 * H, 60 * DAY)
            per_day = per_day_med * math.exp(rng.gauss(0, 0.4))
            lo, hi = max(t_on, w.t0), min(t_off, w.t1)
            if hi > lo:
                est += per_day * (hi - lo) / DAY * (1 + 0.6 * p_follow)
            specs.append((rng, idx, created, t_on, t_off, per_day))
            idx += 1
    # keep hydra at most ~6-16% of a world's requests (per seed)
    cap = r.uniform(0.06, 0.16) * 1.45e6 * w.scale * w.days / 7
    f = min(1.0, cap / max(1.0, est))
    est *= f
    par["per_account_day_median"] = round(per_day_med * f, 1)
    for rng, idx, created, t_on, t_off, per_day in specs:
        per_day *= f
        if True:
            if created >= w.t1:
                continue
            acct = w.account("campaign-hydra", created, "free" if rng.random() < 0.8 else "pro")
            if contiguous:
                offset, stride = (idx * len(items)) // n, 1
            else:
                offset, stride = idx, n
            curve = Curve(flat, rng.uniform(-12, 12), 0, 1.0)
            w.add(hydra_account(w, rng, acct, t_on, t_off, per_day, items, stride, offset, templates, para, proxies, p_rotate,
                                sysp, mt, temp, p_follow, curve))
    return par, est


# ============================================================================
# stealth
# ============================================================================
def stealth_account(w, rng, acct, curve, t_on, per_day, items, templates, para, client, mt, temp, sysp, turns_extra):
    last = max(t_on, w.t0)
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(w.t0, d)
        k = poisson(rng, per_day / (1 + turns_extra) * (curve.wkend if ((ds + curve.tz_ms) // DAY + 3) % 7 >= 5 else 1.0))
        for s in sorted(curve.sample(rng, ds) for _ in range(k)):
            if s < t_on:
                continue
            t = max(s, last + 2 * MIN + rng.randrange(2 * MIN))
            target, fields = rng.choice(items)
            prompt = C.paraphrase(rng, C.render_campaign(rng, rng.choice(templates[target]), target, fields), para)
            cid = conv_id(rng)
            for turn in range(1, 2 + geometric(rng, turns_extra)):
                out = lognorm(rng, 1000 if turn == 1 else 700, 0.5, 50, mt or 16000)
                yield (t, REQ, P(acct, prompt, out, cid, turn, sysp, mt, temp, client=client))
                t += model_latency(rng, out) + int(out * rng.uniform(0.03, 0.15) * SEC) + lognorm(rng, 40 * SEC, 0.8, 5 * SEC, 20 * MIN)
                prompt = C.paraphrase(rng, rng.choice(C.CAMPAIGN_FOLLOWUPS), para)
            last = t


def build_stealth(w):
    r = w.rng
    n = w.n(r.uniform(100, 600))
    start, mode = _start(w, r)
    targets = r.sample(TARGETS, r.randint(2, 4))
    weights = [r.uniform(0.5, 3) for _ in targets]
    items = _items(r, targets, weights)
    templates = {t: list(C.CAMPAIGN_TEMPLATES[t]) for t in targets}
    para = round(r.uniform(0.6, 1.0), 2)
    per_day_med = r.uniform(2.5, 8)
    api = r.random() < 0.4
    tzs = r.sample(w.tz, r.randint(1, 4))
    turns_extra = r.uniform(0.2, 1.0)
    par = dict(accounts=n, mode=mode, start=start, targets=targets, paraphrase=para, per_account_day_median=round(per_day_med, 1),
               api_style=api, time_zones=[z for z, _ in tzs], turns_extra=round(turns_extra, 2))
    est = 0
    for i in range(n):
        rng = w.arng("stealth", i)
        acct = w.account("campaign-stealth", w.t0 - int(rng.uniform(90, 900) * DAY), rng.choices(["free", "plus", "pro"], [30, 55, 15])[0])
        curve = Curve("human", pick_tz(rng, tzs), rng.gauss(0, 1.5), rng.uniform(0.6, 1.0))
        t_on = max(start, w.t0) + int(rng.uniform(0, 1.0) * DAY) if mode == "starts-mid-window" else start
        per_day = per_day_med * math.exp(rng.gauss(0, 0.35))
        est += per_day * (w.t1 - max(t_on, w.t0)) / DAY
        mt, temp = _api_style(rng) if api else (None, None)
        w.add(stealth_account(w, rng, acct, curve, t_on, per_day, items, templates, para, residential(rng), mt, temp, None, turns_extra))
    return par, est


# ============================================================================
# slow-drip
# ============================================================================
def slowdrip_account(w, rng, acct, curve, t_on, per_day, slice_items, templates, para, client, mt, temp):
    k = 0
    last = max(t_on, w.t0)
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(w.t0, d)
        n = poisson(rng, per_day)
        for s in sorted(curve.sample(rng, ds) for _ in range(n)):
            if s < t_on:
                continue
            t = max(s, last + MIN + rng.randrange(MIN))
            target, fields = slice_items[k % len(slice_items)]
            k += 1
            prompt = C.paraphrase(rng, C.render_campaign(rng, rng.choice(templates[target]), target, fields), para)
            out = lognorm(rng, 1000, 0.5, 50, mt or 16000)
            yield (t, REQ, P(acct, prompt, out, conv_id(rng), 1, None, mt, temp, client=client))
            last = t


def build_slowdrip(w):
    r = w.rng
    n = w.n(r.uniform(200, 1200))
    start, mode = _start(w, r)
    targets = r.sample(TARGETS, r.randint(1, 4))
    space = sorted([it for it in C.campaign_item_space() if it[0] in targets], key=lambda x: (x[0], str(x[1])))
    templates = {t: list(C.CAMPAIGN_TEMPLATES[t]) for t in targets}
    para = round(r.uniform(0.5, 0.9), 2)
    api = r.random() < 0.5
    par = dict(accounts=n, mode=mode, start=start, targets=targets, paraphrase=para, per_account_day=(3, 8), api_style=api, item_space=len(space))
    est = 0
    for i in range(n):
        rng = w.arng("slowdrip", i)
        acct = w.account("campaign-slowdrip", w.t0 - int(rng.uniform(120, 1000) * DAY), rng.choices(["free", "plus", "pro", "payg"], [35, 40, 10, 15])[0])
        a, b = (i * len(space)) // n, ((i + 1) * len(space)) // n
        sl = space[a:max(b, a + 1)]
        curve = Curve("human" if rng.random() < 0.7 else "flat", pick_tz(rng, w.tz), rng.gauss(0, 1.5), 1.0)
        t_on = max(start, w.t0) + int(rng.uniform(0, 1.5) * DAY) if mode == "starts-mid-window" else start
        per_day = rng.uniform(3, 8)
        est += per_day * (w.t1 - max(t_on, w.t0)) / DAY
        mt, temp = _api_style(rng) if api else (None, None)
        w.add(slowdrip_account(w, rng, acct, curve, t_on, per_day, sl, templates, para, residential(rng), mt, temp))
    return par, est


# ============================================================================
# reseller
# ============================================================================
END_USER_SYS = [None, None, "You are a helpful assistant.", "You are Aria, a friendly companion. Keep replies warm and short.",
                "You are a writing assistant for marketing copy.", "You are a coding assistant.", "Reply in the user's language.",
                "You are a study helper for university students."]


def reseller_genuine(rng, acct, client):
    k = rng.random()
    sysp = rng.choice(END_USER_SYS)
    mt = rng.choice([None, 1024, 2048, 4096, 8192])
    temp = rng.choice([None, 0.7, 1.0, 0.5, 0])
    if k < 0.45:
        prompt, out = C.casual_opener(rng, 0.5) if rng.random() < 0.7 else C.casual_followup(rng), lognorm(rng, 300, 0.7, 5, 4000)
    elif k < 0.7:
        prompt, out = C.dev_prompt(rng), lognorm(rng, 600, 0.8, 10, 8000)
    elif k < 0.85:
        prompt, out = C.homework(rng), lognorm(rng, 350, 0.6, 10, 3000)
    else:
        tmpl, s, outr = rng.choice(C.ENTERPRISE_APPS)
        prompt, out, sysp = C.enterprise_fill(rng, tmpl), rng.randint(*outr), s
    cid = conv_id(rng) if rng.random() < 0.35 else None
    return P(acct, prompt, out, cid, (1 + geometric(rng, 1.5)) if cid else None, sysp, mt, temp, client=client)


def reseller_account(w, rng, acct, curve, per_day, x_share, x_mode, x_hours, items, templates, para, clients, x_mt, x_sys):
    k = rng.randrange(len(items))
    for t in curve.poisson(rng, w.t0, w.t1, per_day):
        client = rng.choice(clients)
        if x_mode == "mixed":
            is_x = rng.random() < x_share
        else:
            lh = ((t + curve.tz_ms) // H) % 24
            is_x = lh in x_hours and rng.random() < min(0.95, x_share * 24 / len(x_hours) / max(0.3, curve.factor(t)))
        if is_x:
            target, fields = items[k % len(items)]
            k += 1
            prompt = C.paraphrase(rng, C.render_campaign(rng, rng.choice(templates[target]), target, fields), para)
            yield (t, REQ, P(acct, prompt, lognorm(rng, 1100, 0.5, 100, x_mt or 16000), None, None, x_sys, x_mt, rng.choice([None, 0.7]), client=client, x=True))
        else:
            yield (t, REQ, reseller_genuine(rng, acct, client))


def build_reseller(w, budget):
    r = w.rng
    n = w.n(r.uniform(5, 40))
    targets = r.sample(TARGETS, r.randint(1, 4))
    items = _items(r, targets, [1.0] * len(targets))
    templates = _campaign_templates(r, targets, r.randint(2, 5), 0.3)
    per_mean = max(300, min(3000, budget / max(1, n) / w.days))
    par = dict(accounts=n, targets=targets, per_account_day_mean=int(per_mean), extraction_share=(0.03, 0.25),
               modes=["mixed", "night-batch"])
    est = 0
    for i in range(n):
        rng = w.arng("reseller", i)
        acct = w.account("campaign-reseller", w.t0 - int(rng.uniform(20, 700) * DAY), rng.choice(["payg", "team", "enterprise"]))
        tz = pick_tz(rng, w.tz)
        mix = [0.5 * x + 0.5 for x in Curve("human", 0).w]
        curve = Curve(mix, tz, 0, 1.0)
        per_day = max(300, min(3000, per_mean * math.exp(rng.gauss(0, 0.6))))
        x_share = rng.uniform(0.03, 0.25)
        x_mode = "mixed" if rng.random() < 0.6 else "night-batch"
        x_hours = set(range(rng.randint(0, 3), rng.randint(4, 7)))
        est += per_day * w.days
        w.add(reseller_account(w, rng, acct, curve, per_day, x_share, x_mode, x_hours, items, templates, rng.uniform(0.1, 0.6),
                               [cloud(rng) for _ in range(rng.randint(1, 3))], rng.choice([None, 8192, 16000]),
                               rng.choice([None, None, rng.choice(CAMP_SYS)])))
    return par, est
