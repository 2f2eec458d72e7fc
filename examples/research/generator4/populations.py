"""Population behaviours for generator4.

Each builder samples its own world-level parameters from the world RNG (domain randomisation),
creates accounts via world.account(...), and registers one process (a generator of time-ordered
events) per account with world.add(...).  A process yields (ts_ms, REQ, payload) or
(ts_ms, SPAWN, sub_generator) for concurrent sessions.  Builders return a dict of the parameters
they drew, and an estimate of the requests they will produce (used to size elastic populations).
"""
import math
import random

import corpus as C
from engine import (H, MIN, SEC, DAY, REQ, SPAWN, Curve, residential, cloud, hexid, lognorm,
                    loguniform, geometric, poisson, pick_tz)


def conv_id(rng):
    return "conv_" + hexid(rng, 16)


def P(acct, prompt, out, conv=None, turn=None, system=None, mt=None, temp=None, lp=None, client=None, x=False):
    if mt is not None and out > mt:
        out = mt
    return (acct, conv, turn, system, prompt, mt, temp, lp, out, client, x)


def model_latency(rng, out_tokens, tps=(40, 120)):
    return int((0.3 + rng.random() * 0.8) * SEC + out_tokens / rng.uniform(*tps) * SEC)


# ============================================================================
# casual chat users
# ============================================================================
CUSTOM_INSTR = ["I'm a high school teacher in Ohio. Keep answers short and practical.",
                "Always answer in a friendly tone. I'm a beginner in most topics.",
                "I live in the UK, use metric units and British spelling.",
                "Be concise. No emojis. Use bullet points when listing things.",
                "I'm a nurse working night shifts; assume I have limited time."]


def human_sessions(w, rng, acct, curve, p_active, sess_extra, turns_extra, clients, sloppy, sys_text,
                   active_from=None, active_to=None):
    """Multi-turn chat sessions with human reading/typing gaps and sleep."""
    t0, t1 = w.t0, w.t1
    lo = active_from if active_from is not None else t0
    hi = active_to if active_to is not None else t1
    last = lo
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(t0, d)
        if ds + DAY < lo:
            continue
        if ds > hi:
            return
        pa = p_active * (curve.wkend if ((ds + curve.tz_ms) // DAY + 3) % 7 >= 5 else 1.0)
        if rng.random() > pa:
            continue
        k = 1 + geometric(rng, sess_extra)
        starts = sorted(curve.sample(rng, ds) for _ in range(k))
        for s in starts:
            if s < lo or s >= hi:
                continue
            t = max(s, last + 30 * SEC + rng.randrange(30 * SEC))
            client = clients[0] if len(clients) == 1 or rng.random() < 0.7 else rng.choice(clients)
            for _c in range(1 + geometric(rng, 0.3)):
                cid = conv_id(rng)
                nt = 1 + geometric(rng, turns_extra)
                for turn in range(1, nt + 1):
                    prompt = C.casual_opener(rng, sloppy) if turn == 1 else C.casual_followup(rng, sloppy)
                    out = lognorm(rng, 320 if turn == 1 else 200, 0.75, 5, 4000)
                    yield (t, REQ, P(acct, prompt, out, cid, turn, sys_text, client=client))
                    t += model_latency(rng, out) + int(out * rng.uniform(0.03, 0.2) * SEC) + lognorm(rng, 18 * SEC, 0.9, 2 * SEC, 20 * MIN)
                t += lognorm(rng, 4 * MIN, 1.0, 20 * SEC, 2 * H)
            last = t


def build_casual(w):
    r = w.rng
    n = w.n(r.uniform(10500, 16000))
    par = dict(accounts=n, p_active_beta=(round(r.uniform(0.9, 1.5), 2), round(r.uniform(1.6, 2.6), 2)),
               sessions_extra=round(r.uniform(0.3, 1.0), 2), turns_extra=round(r.uniform(0.8, 2.2), 2),
               weekend=round(r.uniform(0.75, 1.2), 2), new_signup_share=round(r.uniform(0.01, 0.05), 3),
               mobile_share=round(r.uniform(0.2, 0.45), 2))
    est = 0.0
    for i in range(n):
        rng = w.arng("casual", i)
        new = rng.random() < par["new_signup_share"]
        created = w.t0 + int(rng.random() * w.days * DAY) if new else w.t0 - lognorm(rng, 320 * DAY, 0.9, DAY, 4 * 365 * DAY)
        tier = rng.choices(["free", "plus", "pro"], [75, 21, 4])[0]
        acct = w.account("casual", created, tier)
        curve = Curve("human", pick_tz(rng, w.tz), rng.gauss(0, 1.5), par["weekend"])
        clients = [residential(rng)] + ([residential(rng)] if rng.random() < par["mobile_share"] else [])
        pa = rng.betavariate(*par["p_active_beta"])
        sys_text = rng.choice(CUSTOM_INSTR) if rng.random() < 0.07 else None
        est += w.days * pa * (1 + par["sessions_extra"]) * 1.3 * (1 + par["turns_extra"])
        w.add(human_sessions(w, rng, acct, curve, pa, par["sessions_extra"], par["turns_extra"], clients,
                             rng.uniform(0.2, 0.9), sys_text, active_from=max(created, w.t0)))
    return par, est


# ============================================================================
# developers using SDK defaults
# ============================================================================
DEV_SYS = ["You are a helpful assistant.", "You are a helpful assistant.", "You are an expert programmer. Answer concisely with code.",
           "You are a senior Python developer.", "Respond in markdown."]
SCRIPT_TASKS = ["Write a one-line docstring for this function:\n{code}", "Summarize this log line in plain English: {log}",
                "Classify the sentiment of this review as positive/negative/neutral: {review}", "Generate a test case name for: {code}",
                "Extract the error type from: {log}", "Translate to {hlang}: {sent}"]


def dev_process(w, rng, acct, curve, p_active, sdk, p_script):
    mt, temp, sys_text, client, use_conv = sdk
    last = w.t0
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(w.t0, d)
        pa = p_active * (curve.wkend if ((ds + curve.tz_ms) // DAY + 3) % 7 >= 5 else 1.0)
        if rng.random() > pa:
            continue
        starts = sorted(curve.sample(rng, ds) for _ in range(1 + geometric(rng, 1.2)))
        script_at = curve.sample(rng, ds) if rng.random() < p_script else None
        for s in starts:
            t = max(s, last + 10 * SEC + rng.randrange(10 * SEC))
            for _c in range(1 + geometric(rng, 0.8)):
                cid = conv_id(rng) if use_conv else None
                nt = 1 + geometric(rng, 0.7)
                for turn in range(1, nt + 1):
                    prompt = C.dev_prompt(rng) if turn == 1 else C.dev_followup(rng)
                    out = lognorm(rng, 600, 0.8, 10, 16000)
                    yield (t, REQ, P(acct, prompt, out, cid, turn if cid else None, sys_text, mt, temp, client=client))
                    t += model_latency(rng, out) + lognorm(rng, 45 * SEC, 1.0, 3 * SEC, 30 * MIN)
                t += lognorm(rng, 8 * MIN, 1.0, 30 * SEC, 3 * H)
            last = t
        if script_at is not None:
            t = max(script_at, last + 10 * SEC + rng.randrange(10 * SEC))
            tmpl = rng.choice(SCRIPT_TASKS)
            n = lognorm(rng, 120, 1.0, 10, 1500)
            for _ in range(n):
                prompt = tmpl.format(code=C.code_block(rng, "Python", 3, 12), log=C.traceback(rng).splitlines()[-1] + " at " + C._ident(rng),
                                     review=C.review(rng), hlang=rng.choice(C.LANGS_HUMAN), sent=rng.choice(C.SHORT_SENT))
                out = lognorm(rng, 40, 0.6, 2, 400)
                yield (t, REQ, P(acct, prompt, out, None, None, sys_text, mt, temp, client=client))
                t += model_latency(rng, out, (60, 150)) + int(rng.expovariate(1 / 400))
            last = t


def build_developer(w):
    r = w.rng
    n = w.n(r.uniform(1500, 3000))
    par = dict(accounts=n, p_active=(0.15, round(r.uniform(0.6, 0.9), 2)), weekend=round(r.uniform(0.2, 0.5), 2),
               p_script_day=round(r.uniform(0.02, 0.08), 3), p_no_system=round(r.uniform(0.45, 0.7), 2))
    est = 0.0
    for i in range(n):
        rng = w.arng("developer", i)
        acct = w.account("developer", w.t0 - lognorm(rng, 250 * DAY, 1.0, 2 * DAY, 5 * 365 * DAY), rng.choices(["payg", "team", "pro"], [75, 18, 7])[0])
        curve = Curve("work", pick_tz(rng, w.tz), rng.gauss(0.5, 2), par["weekend"])
        mt = rng.choice([4096, 4096, 8192, 1024, 2048, 16384, 64000]) if rng.random() < 0.85 else None
        temp = None if rng.random() < 0.5 else rng.choice([0, 0.2, 0.7, 1.0])
        sys_text = None if rng.random() < par["p_no_system"] else rng.choice(DEV_SYS)
        pa = rng.uniform(*par["p_active"])
        pscr = par["p_script_day"] * rng.uniform(0, 2)
        est += w.days * pa * 0.75 * (2.2 * 1.8 * 1.7 + pscr * 160)
        w.add(dev_process(w, rng, acct, curve, pa, (mt, temp, sys_text, residential(rng) if rng.random() < 0.7 else cloud(rng), rng.random() < 0.5), pscr))
    return par, est


# ============================================================================
# agent platforms
# ============================================================================
def agent_run(rng, acct, product, sys_text, t, mean_steps, mt, clients):
    cid = "run_" + hexid(rng, 16)
    steps = max(2, min(60, 1 + geometric(rng, mean_steps - 1)))
    client = rng.choice(clients)
    for turn in range(1, steps + 1):
        prompt = ("Today is a weekday. " if rng.random() < 0.1 else "") + C.agent_task(rng, product) if turn == 1 else C.tool_result(rng, product)
        final = turn == steps
        out = lognorm(rng, 380 if final else 85, 0.6, 8, mt)
        yield (t, REQ, P(acct, prompt, out, cid, turn, sys_text, mt, 0, client=client))
        t += int((0.15 + rng.random() * 0.35) * SEC + out / rng.uniform(150, 320) * SEC) + lognorm(rng, 250, 1.0, 20, 20 * SEC)


def agent_account(w, rng, acct, product, sys_versions, per_day, curve, mean_steps, mt, clients):
    for t in curve.poisson(rng, w.t0 - 30 * MIN, w.t1, per_day / mean_steps):
        sys_text = sys_versions[0] if t < sys_versions[2] else sys_versions[1]
        yield (t, SPAWN, agent_run(rng, acct, product, sys_text, t, mean_steps, mt, clients))


def build_agent(w, budget):
    r = w.rng
    nprod = r.randint(1, 3)
    prods = r.sample(C.AGENT_PRODUCTS, nprod)
    par = dict(products=[p[0] for p in prods], per_account_day_range=(200, 2000))
    total_accts = 0
    specs = []
    for j, prod in enumerate(prods):
        na = w.n(r.uniform(12, 45))
        mean_steps = r.uniform(4, 12)
        sys_text = C.agent_system_prompt(r, prod)
        sys2 = sys_text + "\nWhen you use run_shell or run_sql, never run destructive commands without confirmation." if r.random() < 0.5 else sys_text
        change_at = w.t0 + int(r.uniform(0.5, w.days) * DAY)
        region = pick_tz(r, w.tz)
        clients = [cloud(r) for _ in range(r.randint(2, 6))]
        mt = r.choice([2048, 4096, 8192])
        specs.append((prod, na, mean_steps, (sys_text, sys2, change_at), region, clients, mt, r.uniform(0.3, 1.0)))
        total_accts += na
        par[f"product_{j}"] = dict(name=prod[0], accounts=na, mean_steps=round(mean_steps, 1), region_tz=region, max_tokens=mt)
    per_acct_mean = max(200, min(1400, budget / max(1, total_accts) / w.days))
    par["per_account_day_mean"] = int(per_acct_mean)
    est = 0
    for j, (prod, na, mean_steps, sysv, region, clients, mt, wk) in enumerate(specs):
        for i in range(na):
            rng = w.arng(f"agent{j}", i)
            acct = w.account("agent-platform", w.t0 - lognorm(rng, 400 * DAY, 0.5, 120 * DAY, 1500 * DAY), rng.choice(["enterprise", "team"]))
            per_day = max(200, min(2000, per_acct_mean * math.exp(rng.gauss(0, 0.6))))  # weekly average
            est += per_day * w.days
            per_day *= 7 / (5 + 2 * wk)  # weekday rate
            mix = [0.7 * x + 0.3 for x in Curve("human", 0).w]
            curve = Curve(mix, region + rng.choice([0, 0, 1, -1, 3]), 0, wk)
            w.add(agent_account(w, rng, acct, prod, sysv, per_day, curve, mean_steps, mt, clients))
    return par, est


# ============================================================================
# benchmark / eval runners
# ============================================================================
def eval_runner(w, rng, acct, benches, tmpl_of, runs, conc, mt, temp, lp, sys_text, client):
    for start, bench, n_items, shuffled in runs:
        tmpl = tmpl_of[bench]
        idxs = list(range(n_items))
        if shuffled:
            rng.shuffle(idxs)
        t = start
        for idx in idxs:
            subj, item = C.bench_item(random.Random, w.seed, bench, idx)
            prompt = tmpl.format(subj=subj, item=item)
            out = lognorm(rng, 350 if "step" in tmpl else 60, 0.6, 1, mt)
            yield (t, REQ, P(acct, prompt, out, None, None, sys_text, mt, temp, lp, client))
            t += int(rng.expovariate(conc / (1.5 * SEC + out * 12)))


def build_eval(w):
    r = w.rng
    n = w.n(r.uniform(12, 40))
    par = dict(accounts=n, runs_per_week=(1, 5), items_per_run=(150, 3000), concurrency=(1, 16), top_logprobs_share=0.15)
    est = 0
    for i in range(n):
        rng = w.arng("eval", i)
        acct = w.account("eval-runner", w.t0 - lognorm(rng, 300 * DAY, 0.8, 20 * DAY, 1500 * DAY), rng.choice(["payg", "team", "enterprise"]))
        benches = rng.sample(["mcq", "math", "code", "science"], rng.randint(1, 3))
        tmpl_of = {b: rng.choice(C.BENCH_TEMPLATES[b]) for b in benches}
        tz = pick_tz(rng, w.tz)
        ci = rng.random() < 0.4
        runs = []
        for _ in range(poisson(rng, rng.uniform(1, 5) * w.days / 7)):
            d = rng.randrange(w.days)
            start = w.t0 + d * DAY + (int(rng.uniform(0, 4) * H) if ci else int((rng.uniform(9, 18) - tz) * H))
            if start < w.t0:
                start += DAY
            b = rng.choice(benches)
            runs.append((start, b, lognorm(rng, 700, 0.8, 150, 3000), rng.random() < 0.3))
            est += runs[-1][2]
        runs.sort()
        lp = rng.choice([5, 20]) if rng.random() < 0.15 else None
        sys_text = rng.choice([None, None, "You are a helpful assistant.", "You are an expert. Answer the question accurately."])
        w.add(eval_runner(w, rng, acct, benches, tmpl_of, runs, rng.choice([1, 2, 4, 8, 16]), rng.choice([512, 1024, 2048, 4096]),
                          0 if rng.random() < 0.85 else rng.choice([0.6, 1.0]), lp, sys_text, cloud(rng)))
    return par, est


# ============================================================================
# elastic high-volume single-template services (enterprise apps, synthetic data, translation)
# ============================================================================
def steady_service(w, rng, acct, curve, per_day, make, clients):
    for t in curve.poisson(rng, w.t0, w.t1, per_day):
        yield (t, REQ, make(rng, rng.choice(clients)))


def build_enterprise(w, budget):
    r = w.rng
    n = w.n(r.uniform(8, 20))
    per_mean = max(400, min(4000, budget / max(1, n) / w.days))
    par = dict(accounts=n, per_account_day_mean=int(per_mean), range=(400, 4000))
    est = 0
    for i in range(n):
        rng = w.arng("enterprise", i)
        acct = w.account("enterprise-app", w.t0 - lognorm(rng, 500 * DAY, 0.5, 60 * DAY, 2000 * DAY), "enterprise")
        tmpl, sys_text, outr = rng.choice(C.ENTERPRISE_APPS)
        company = rng.choice(["Northwind", "Contoso", "Globex", "Initech", "Umbrella Retail", "Acme Corp", "Stark Logistics", "Hooli"])
        if sys_text and rng.random() < 0.5:
            sys_text = f"{sys_text} You work for {company}."
        temp = rng.choice([0, 0, 0.2, 0.3, None])
        mt = rng.choice([256, 512, 1024, None])
        per_day = max(400, min(4000, per_mean * math.exp(rng.gauss(0, 0.5))))
        wk = rng.uniform(0.3, 0.95)
        est += per_day * w.days * (5 + 2 * wk) / 7
        curve = Curve("business", pick_tz(rng, w.tz), 0, wk)

        def make(rng, client, tmpl=tmpl, sys_text=sys_text, temp=temp, mt=mt, outr=outr, acct=acct):
            return P(acct, C.enterprise_fill(rng, tmpl), rng.randint(*outr), None, None, sys_text, mt, temp, client=client)
        w.add(steady_service(w, rng, acct, curve, per_day, make, [cloud(rng) for _ in range(rng.randint(1, 2))]))
    return par, est


SYNTH_TASKS = [
    ("Generate {k} diverse questions that a {persona} might ask a customer support agent about {feature}. Vary tone and length. Output a JSON list of strings.",
     "You generate realistic synthetic training data for {company}'s support-ticket classifier. Follow the requested JSON format exactly."),
    ("Write a realistic support conversation (4-8 turns) between a {persona} and an agent about {feature}, ending in {outcome}. Format as JSON with role/content.",
     "You produce synthetic dialogues used to fine-tune {company}'s in-house assistant."),
    ("Create {k} product-search queries a {persona} would type when looking for {feature}, including misspellings. JSON list.",
     "You generate query data for {company}'s search relevance team."),
]
PERSONAS = ["first-time buyer", "frustrated long-time customer", "small business owner", "non-native English speaker", "elderly user", "IT administrator", "student on a budget"]
FEATURES = ["refunds", "shipping delays", "two-factor login", "subscription upgrades", "invoice downloads", "data export", "account deletion", "bulk discounts", "gift cards"]


def build_synthetic(w, budget):
    r = w.rng
    n = w.n(r.uniform(2, 6))
    per_mean = max(500, min(6000, budget / max(1, n) / w.days))
    par = dict(accounts=n, per_account_day_mean=int(per_mean), temperature=(0.8, 1.0), around_the_clock=True)
    est = 0
    for i in range(n):
        rng = w.arng("synthetic", i)
        acct = w.account("synthetic-data", w.t0 - lognorm(rng, 600 * DAY, 0.4, 90 * DAY, 2000 * DAY), "enterprise")
        task, sysp = rng.choice(SYNTH_TASKS)
        company = rng.choice(["Brightcart", "Paylane", "Fernwood Telecom", "Mercato", "Kitebox"])
        sys_text = sysp.format(company=company)
        temp = round(rng.uniform(0.8, 1.0), 1)
        per_day = max(500, min(6000, per_mean * math.exp(rng.gauss(0, 0.4))))
        est += per_day * w.days
        counter = [0]

        def make(rng, client, task=task, sys_text=sys_text, temp=temp, acct=acct, counter=counter):
            c = counter[0]
            counter[0] += 1
            prompt = task.format(k=rng.choice([5, 10, 20]), persona=PERSONAS[c % len(PERSONAS)], feature=FEATURES[(c // len(PERSONAS)) % len(FEATURES)],
                                 outcome=rng.choice(["a refund", "escalation", "the customer giving up", "a resolved issue"]))
            return P(acct, prompt, lognorm(rng, 600, 0.4, 50, 4000), None, None, sys_text, 4096, temp, client=client)
        w.add(steady_service(w, rng, acct, Curve("flat", 0, 0, 1.0), per_day, make, [cloud(rng)]))
    return par, est


DOC_TYPES = ["contract clause", "product manual section", "news article", "support article", "press release", "medical leaflet", "terms of service section"]


def build_translation(w, budget):
    r = w.rng
    n = w.n(r.uniform(3, 8))
    per_mean = max(200, min(2500, budget / max(1, n) / w.days))
    par = dict(accounts=n, per_account_day_mean=int(per_mean), doc_chars=(600, 8000))
    est = 0
    for i in range(n):
        rng = w.arng("translation", i)
        acct = w.account("translation-pipeline", w.t0 - lognorm(rng, 400 * DAY, 0.6, 30 * DAY, 2000 * DAY), rng.choice(["enterprise", "team", "payg"]))
        summarise = rng.random() < 0.45
        lang = rng.choice(C.LANGS_HUMAN)
        sys_text = rng.choice([None, "You are a professional translator. Preserve formatting and do not add commentary.",
                               "You are a precise summarisation engine."])
        per_day = max(200, min(2500, per_mean * math.exp(rng.gauss(0, 0.5))))
        est += per_day * w.days * 0.85
        curve = Curve("business", pick_tz(rng, w.tz), 0, rng.uniform(0.4, 0.9))

        def make(rng, client, summarise=summarise, lang=lang, sys_text=sys_text, acct=acct):
            doc = C.long_doc(rng, 1, 8)
            if summarise:
                prompt = f"Summarize the following {rng.choice(DOC_TYPES)} in 5 bullet points for a busy executive.\n\n{doc}"
                out = lognorm(rng, 160, 0.3, 40, 600)
            else:
                prompt = f"Translate the following {rng.choice(DOC_TYPES)} from English into {lang}. Keep the paragraph structure.\n\n{doc}"
                out = int(len(doc) / 3.2)
            return P(acct, prompt, out, None, None, sys_text, 8192 if not summarise else 1024, 0.2, client=client)
        w.add(steady_service(w, rng, acct, curve, per_day, make, [cloud(rng)]))
    return par, est


# ============================================================================
# conversational relays: tutoring apps and RAG support bots (concurrent sessions)
# ============================================================================
def relay_conv(rng, acct, t, sys_text, first, follow, turns_extra, mt, temp, client, out_med):
    cid = conv_id(rng)
    for turn in range(1, 2 + geometric(rng, turns_extra)):
        prompt = first(rng) if turn == 1 else follow(rng)
        out = lognorm(rng, out_med, 0.6, 10, mt or 8000)
        yield (t, REQ, P(acct, prompt, out, cid, turn, sys_text, mt, temp, client=client))
        t += model_latency(rng, out) + lognorm(rng, 35 * SEC, 0.9, 3 * SEC, 15 * MIN)


def relay_account(w, rng, acct, curve, convs_per_day, spec):
    sys_text, first, follow, turns_extra, mt, temp, clients, out_med = spec
    for t in curve.poisson(rng, w.t0 - 20 * MIN, w.t1, convs_per_day):
        yield (t, SPAWN, relay_conv(rng, acct, t, sys_text, first, follow, turns_extra, mt, temp, rng.choice(clients), out_med))


TUTOR_SYS = ["You are {name}, a patient tutor for students in grades 6-12. Explain step by step and check understanding. Never just give the final answer to a homework question; guide the student to it.",
             "You are a friendly homework helper called {name}. Break every problem into small steps, explain the reasoning for each step, and encourage the student. Keep language simple.",
             "You are {name}, an AI study buddy. Think step by step, show all working for math, and ask the student a question at the end."]


def build_tutoring(w, budget):
    r = w.rng
    n = w.n(r.uniform(3, 10))
    par = dict(accounts=n, turns_extra=round(r.uniform(1.0, 3.0), 2))
    per_conv = 1 + par["turns_extra"]
    conv_mean = max(60, min(1500, budget / max(1, n) / w.days / per_conv))
    par["conversations_per_day_mean"] = int(conv_mean)
    est = 0
    for i in range(n):
        rng = w.arng("tutoring", i)
        acct = w.account("tutoring-app", w.t0 - lognorm(rng, 300 * DAY, 0.6, 30 * DAY, 1500 * DAY), rng.choice(["team", "enterprise", "payg"]))
        sys_text = rng.choice(TUTOR_SYS).format(name=rng.choice(["Sparky", "Professor Owl", "Mathi", "Tutorly", "Brainy"]))
        cpd = max(60, min(1500, conv_mean * math.exp(rng.gauss(0, 0.5))))
        est += cpd * w.days * per_conv * 0.9
        curve = Curve("student", pick_tz(rng, w.tz), 0, rng.uniform(0.5, 0.9))
        w.add(relay_account(w, rng, acct, curve, cpd, (sys_text, C.homework, C.homework_followup, par["turns_extra"], rng.choice([1024, 2048, None]),
                                                         rng.choice([0.3, 0.5, 0.7]), [cloud(rng) for _ in range(2)], 300)))
    return par, est


def rag_first(rng):
    chunks = "\n\n".join(f"[doc {rng.randint(1, 900)}] {C.para(rng, 2, 5)}" for _ in range(rng.randint(3, 8)))
    q = rng.choice(["how do I reset my password", "my order hasn't arrived, it's been 10 days", "can I change my plan mid-month",
                    "why was I charged twice", "the app keeps logging me out", "how do I export my data", "do you ship to Canada",
                    "I want to cancel", "is there a student discount", "how to add a team member"])
    return f"Use only the context below to answer the customer's question. If the answer is not in the context, say you will escalate.\n\nContext:\n{chunks}\n\nCustomer question: {q}"


def rag_follow(rng):
    return rng.choice(["that didn't help", "ok thanks", "can I talk to a human", "what's the refund policy then?", "how long will that take",
                       "I already tried that", "where do I find that setting", "thank you!"])


def build_support(w, budget):
    r = w.rng
    n = w.n(r.uniform(3, 8))
    par = dict(accounts=n, context_chunks=(3, 8), turns_extra=round(r.uniform(0.5, 1.5), 2))
    per_conv = 1 + par["turns_extra"]
    conv_mean = max(100, min(2000, budget / max(1, n) / w.days / per_conv))
    par["conversations_per_day_mean"] = int(conv_mean)
    est = 0
    for i in range(n):
        rng = w.arng("support", i)
        acct = w.account("support-bot", w.t0 - lognorm(rng, 400 * DAY, 0.6, 30 * DAY, 1500 * DAY), "enterprise")
        brand = rng.choice(["Brightcart", "Paylane", "Fernwood Telecom", "Mercato", "Kitebox", "Sunrise Bank", "Quickship"])
        sys_text = f"You are the virtual assistant of {brand}. Be polite, concise and accurate. Never promise refunds without checking policy."
        cpd = max(100, min(2000, conv_mean * math.exp(rng.gauss(0, 0.5))))
        est += cpd * w.days * per_conv * 0.9
        curve = Curve("business", pick_tz(rng, w.tz), 0, rng.uniform(0.5, 0.95))
        w.add(relay_account(w, rng, acct, curve, cpd, (sys_text, rag_first, rag_follow, par["turns_extra"], rng.choice([512, 1024]),
                                                         rng.choice([0, 0.2, 0.3]), [cloud(rng)], 150)))
    return par, est


# ============================================================================
# classrooms and hackathons
# ============================================================================
def student_process(w, rng, acct, t_start, t_end, text, client):
    cid = conv_id(rng)
    t = t_start
    prompt = rng.choice(C.ASSIGN_PREFIX) + C.humanize(rng, text, 0.3) + rng.choice(C.ASSIGN_SUFFIX)
    turn = 1
    while t < t_end:
        out = lognorm(rng, 600, 0.4, 50, 3000)
        yield (t, REQ, P(acct, prompt, out, cid, turn, None, client=client))
        t += model_latency(rng, out) + lognorm(rng, 150 * SEC, 0.8, 10 * SEC, 30 * MIN)
        turn += 1
        if rng.random() < 0.12:
            return
        if rng.random() < 0.15:
            cid, turn = conv_id(rng), 1
            prompt = rng.choice(C.ASSIGN_PREFIX) + C.humanize(rng, text, 0.3)
        else:
            prompt = C.homework_followup(rng) if rng.random() < 0.7 else C.casual_followup(rng, 0.8)


def build_classroom(w):
    r = w.rng
    ne = max(1, round(r.randint(2, 6) * w.scale))
    par = dict(events=ne, students=(60, 400), duration_min=(60, 120))
    est = 0
    for e in range(ne):
        tz = pick_tz(r, w.tz)
        hack = r.random() < 0.35
        d = r.randrange(w.days)
        start = w.t0 + d * DAY + int((r.uniform(9, 15) - tz) * H)
        start = max(w.t0 + H, min(w.t1 - 3 * H, start))
        dur = int(r.uniform(60, 120) * MIN)
        ns = int(r.uniform(100, 400) if hack else r.uniform(60, 250))
        text = C.assignment_text(r, r.randrange(len(C.ASSIGNMENTS)))
        if hack and "Hackathon" not in text and r.random() < 0.5:
            text = C.ASSIGNMENTS[4]
        nat = residential(r)
        par[f"event_{e}"] = dict(kind="hackathon" if hack else "classroom", students=ns, start=start, duration_min=dur // MIN, tz=tz)
        for i in range(ns):
            rng = w.arng(f"class{e}", i)
            created = start - int(rng.uniform(0, 55) * MIN)
            acct = w.account("classroom", created, "free")
            first = max(created + 2 * MIN + rng.randrange(3 * MIN), start + int(rng.expovariate(1 / (8 * MIN))))
            est += 5
            w.add(student_process(w, rng, acct, first, start + dur, text, nat))
    return par, est


# ============================================================================
# viral prompts
# ============================================================================
def viral_process(w, rng, acct, times, text_fn, client, curve):
    for t in times:
        cid = conv_id(rng)
        out = lognorm(rng, 400, 0.5, 30, 3000)
        yield (t, REQ, P(acct, text_fn(rng), out, cid, 1, None, client=client))
        if rng.random() < 0.3:
            t2 = t + model_latency(rng, out) + lognorm(rng, 40 * SEC, 0.8, 5 * SEC, 10 * MIN)
            yield (t2, REQ, P(acct, C.casual_followup(rng), lognorm(rng, 250, 0.6, 10, 2000), cid, 2, None, client=client))


def build_viral(w):
    r = w.rng
    nv = r.randint(1, 3)
    par = dict(prompts=nv)
    est = 0
    for v in range(nv):
        k = r.randrange(len(C.VIRAL))
        tmpl, slots = C.VIRAL[k], C.VIRAL_SLOTS[k]
        canonical = r.choice(slots)
        start = w.t0 + int(r.uniform(0, max(0.5, w.days - 1.5)) * DAY)
        na = w.n(r.uniform(400, 2500))
        spread_h = r.uniform(6, 16)
        p_fill = r.uniform(0.3, 0.7)
        par[f"prompt_{v}"] = dict(template=tmpl, accounts=na, start=start, spread_h=round(spread_h, 1), p_fill_slot=round(p_fill, 2))
        for i in range(na):
            rng = w.arng(f"viral{v}", i)
            tz = pick_tz(rng, w.tz)
            curve = Curve("human", tz, rng.gauss(0, 1.5), 1.0)
            while True:
                t = start + int(rng.gammavariate(2.0, spread_h / 2) * H)
                if rng.random() * curve.mx < curve.factor(t):
                    break
            if rng.random() < 0.1:
                created = t - int(rng.uniform(2, 40) * MIN)
            else:
                created = w.t0 - lognorm(rng, 400 * DAY, 1.0, DAY, 5 * 365 * DAY)
            acct = w.account("viral", created, rng.choices(["free", "plus", "pro"], [80, 17, 3])[0])
            fill = rng.choice(slots) if rng.random() < p_fill else canonical
            times = [t]
            for _ in range(geometric(rng, 0.5)):
                times.append(times[-1] + lognorm(rng, 20 * MIN, 1.5, MIN, 2 * DAY))
            est += len(times) * 1.3

            def tf(rng, fill=fill, tmpl=tmpl):
                s = tmpl.format(slot=fill)
                return C.humanize(rng, s, 0.2) if rng.random() < 0.3 else s
            w.add(viral_process(w, rng, acct, times, tf, residential(rng), curve))
    return par, est


# ============================================================================
# researchers running topic sweeps
# ============================================================================
ISSUES = ["a four-day work week", "rent control", "nuclear power", "banning phones in schools", "universal basic income", "congestion pricing",
          "remote work", "lowering the voting age", "raising the minimum wage", "carbon taxes", "school uniforms", "self-driving cars"]
RESEARCH_TEMPLATES = [
    "Write a short persuasive paragraph arguing {stance} {issue}.",
    "You are answering a survey as a {persona}. Question: How do you feel about {issue}? Answer on a 1-5 scale and explain your reasoning.",
    "Is the following claim true or false? \"{claim}\" Explain your reasoning step by step, then answer TRUE or FALSE.",
    "Rate how offensive the following sentence is on a scale from 0 to 10 and justify briefly: \"{sent}\"",
    "List the three strongest arguments {stance} {issue}, then evaluate each one.",
]
SURVEY_PERSONAS = ["retired farmer from Iowa", "25-year-old nurse in London", "small business owner in Lagos", "college student in Seoul",
                   "unemployed factory worker", "software engineer in Bangalore", "stay-at-home parent in Texas", "teacher in rural France"]


def researcher_process(w, rng, acct, sweeps, lp, client):
    for start, tmpl, temps, reps, conc in sweeps:
        t = start
        for issue in ISSUES:
            for persona in (SURVEY_PERSONAS if "{persona}" in tmpl else [None]):
                for stance in (["for", "against"] if "{stance}" in tmpl else [None]):
                    for temp in temps:
                        for _ in range(reps):
                            prompt = tmpl.format(issue=issue, persona=persona, stance=stance,
                                                 claim=f"{rng.choice(C.CONCEPTS).capitalize()} was first described in the {rng.choice(['18th', '19th', '20th'])} century.",
                                                 sent=rng.choice(C.SENTENCE_BANK))
                            out = lognorm(rng, 220, 0.5, 5, 2000)
                            yield (t, REQ, P(acct, prompt, out, None, None, None, 1024, temp, lp, client))
                            t += int(rng.expovariate(conc / (1.0 * SEC + out * 15)))


def build_researcher(w):
    r = w.rng
    n = w.n(r.uniform(8, 30))
    par = dict(accounts=n, sweeps_per_week=(1, 3), temperature_grids=[[0], [0, 0.7], [0, 0.5, 1.0]], repeats=(1, 5))
    est = 0
    for i in range(n):
        rng = w.arng("researcher", i)
        acct = w.account("researcher", w.t0 - lognorm(rng, 300 * DAY, 0.8, 10 * DAY, 2000 * DAY), rng.choice(["payg", "team", "pro"]))
        tz = pick_tz(rng, w.tz)
        sweeps = []
        for _ in range(max(1, poisson(rng, rng.uniform(1, 3) * w.days / 7))):
            tmpl = rng.choice(RESEARCH_TEMPLATES)
            temps = rng.choice(par["temperature_grids"])
            reps = rng.randint(1, 5)
            start = w.t0 + rng.randrange(w.days) * DAY + int((rng.uniform(9, 22) - tz) * H)
            if start < w.t0:
                start += DAY
            sweeps.append((start, tmpl, temps, reps, rng.choice([1, 2, 4])))
            mult = (len(SURVEY_PERSONAS) if "{persona}" in tmpl else 1) * (2 if "{stance}" in tmpl else 1)
            est += len(ISSUES) * mult * len(temps) * reps
        sweeps.sort()
        w.add(researcher_process(w, rng, acct, sweeps, rng.choice([None, None, 5]), residential(rng) if rng.random() < 0.5 else cloud(rng)))
    return par, est


# ============================================================================
# data-labelling contractors sharing a rubric
# ============================================================================
RUBRIC = ("You are helping evaluate AI assistant responses for a quality project.\nRubric: (1) helpfulness, (2) factual accuracy, (3) safety, (4) tone.\n"
          "Think step by step about each criterion and explain your reasoning before giving a final score from 1 to 7.\n\n")


def labeler_process(w, rng, acct, curve, p_active, per_day, client, vendor_sys):
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(w.t0, d)
        if ((ds + curve.tz_ms) // DAY + 3) % 7 >= 5 and rng.random() > 0.15:
            continue
        if rng.random() > p_active:
            continue
        t = ds + int(rng.uniform(8, 11) * H)
        end = t + int(rng.uniform(4, 9) * H)
        lunch = t + int(rng.uniform(3, 4) * H)
        n = 0
        while t < end and n < per_day * 1.5:
            if lunch <= t < lunch + 45 * MIN:
                t = lunch + 45 * MIN
            prompt = RUBRIC + f"User prompt: {C.casual_opener(rng, 0.1)}\n\nResponse A: {C.para(rng, 2, 5)}\n\nResponse B: {C.para(rng, 2, 5)}\n\nWhich response is better overall, and why?"
            out = lognorm(rng, 350, 0.4, 50, 2000)
            yield (t, REQ, P(acct, prompt, out, None, None, vendor_sys, None, None, client=client))
            n += 1
            t += lognorm(rng, int(8 * H / per_day), 0.6, 20 * SEC, H)


def build_labeling(w):
    r = w.rng
    nv = r.randint(1, 2)
    par = dict(vendors=nv)
    est = 0
    for v in range(nv):
        na = w.n(r.uniform(30, 130))
        tz = r.choice([5.5, 8, 1, -5, 3, 7])
        wave = w.t0 - int(r.uniform(20, 200) * DAY)
        office = residential(r)
        sys_text = r.choice([None, "You are a careful annotator's assistant."])
        per_day = r.uniform(25, 80)
        par[f"vendor_{v}"] = dict(accounts=na, tz=tz, per_day=round(per_day), onboarded_days_before=(w.t0 - wave) // DAY)
        for i in range(na):
            rng = w.arng(f"label{v}", i)
            acct = w.account("labeling-vendor", wave + int(rng.uniform(0, 3) * DAY), rng.choice(["team", "pro"]))
            curve = Curve("work", tz, 0, 1.0)
            pa = rng.uniform(0.6, 0.95)
            est += w.days * 5 / 7 * pa * per_day
            w.add(labeler_process(w, rng, acct, curve, pa, per_day * math.exp(rng.gauss(0, 0.3)), office if rng.random() < 0.4 else residential(rng), sys_text))
    return par, est


# ============================================================================
# IDE assistant (BYO-key) users sharing the extension's system prompt
# ============================================================================
IDE_SYS = ("You are an expert coding assistant embedded in the {ide} editor. You see the user's open file and selection. "
           "Think step by step about what the user wants, then reply with a unified diff or a code block. Keep explanations short.")
IDE_INSTR = ["add error handling", "write a docstring", "refactor into smaller functions", "fix the bug on the selected line", "add unit tests",
             "make this async", "explain this selection", "rename variables to be clearer", "optimize this loop", "convert to a dataclass"]


def ide_process(w, rng, acct, curve, p_active, sys_text, lang, mt, client):
    last = w.t0
    for d in range(-1, w.days + 1):
        ds = curve.local_day_start(w.t0, d)
        pa = p_active * (curve.wkend if ((ds + curve.tz_ms) // DAY + 3) % 7 >= 5 else 1.0)
        if rng.random() > pa:
            continue
        for s in sorted(curve.sample(rng, ds) for _ in range(1 + geometric(rng, 1.5))):
            t = max(s, last + MIN + rng.randrange(MIN))
            for _ in range(1 + geometric(rng, 10)):
                path = f"src/{rng.choice(C.IDENT)}/{C._ident(rng)}.{ {'Python': 'py', 'TypeScript': 'ts', 'Go': 'go', 'Java': 'java'}[lang]}"
                prompt = f"<file path=\"{path}\">\n{C.code_block(rng, lang, 10, 120)}\n</file>\n<selection lines=\"{rng.randint(1, 40)}-{rng.randint(41, 90)}\"/>\n{rng.choice(IDE_INSTR)}"
                out = lognorm(rng, 350, 0.7, 10, mt)
                yield (t, REQ, P(acct, prompt, out, None, None, sys_text, mt, 0.2, client=client))
                t += model_latency(rng, out, (60, 150)) + lognorm(rng, 40 * SEC, 1.1, 3 * SEC, 20 * MIN)
            last = t


def build_ide(w):
    r = w.rng
    n = w.n(r.uniform(150, 500))
    ide = r.choice(["CodeNest", "Vimix", "Jetstream IDE", "Atomica"])
    par = dict(accounts=n, ide=ide, sessions_extra=1.5, requests_per_session_mean=11)
    sys_text = IDE_SYS.format(ide=ide)
    est = 0
    for i in range(n):
        rng = w.arng("ide", i)
        acct = w.account("ide-assistant", w.t0 - lognorm(rng, 200 * DAY, 0.9, 2 * DAY, 1500 * DAY), rng.choice(["payg", "pro", "team"]))
        curve = Curve("work", pick_tz(rng, w.tz), rng.gauss(0, 1.5), 0.25)
        pa = rng.uniform(0.3, 0.9)
        est += w.days * (5 + 0.5) / 7 * pa * 2.5 * 11
        w.add(ide_process(w, rng, acct, curve, pa, sys_text, rng.choice(["Python", "TypeScript", "Go", "Java"]), rng.choice([2048, 4096]),
                          residential(rng)))
    return par, est
