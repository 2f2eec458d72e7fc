#!/usr/bin/python3
"""Validate a generated trace against the trace format and print per-population statistics.

usage: check.py TRACE.jsonl[.gz] --labels L.json [--extraction E.json]
Exit status 1 when any format error is found (the first 20 are printed).
"""
import argparse
import datetime as dt
import gzip
import json
import re
import sys
import time
from collections import defaultdict

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
CREATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")
REQUIRED = ("ts", "account", "prompt")
OPTIONAL = ("account_created", "tier", "client", "conversation", "turn", "system", "max_tokens", "temperature", "top_logprobs", "output_tokens")
ALLOWED = set(REQUIRED) | set(OPTIONAL)
CAMPAIGNS = {"campaign-hydra", "campaign-stealth", "campaign-reseller", "campaign-slowdrip"}
BENIGN_RE = re.compile(r"^[a-z]+(-[a-z]+)*$")


def pct(v, q):
    if not v:
        return 0
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--extraction")
    a = ap.parse_args()
    t_start = time.time()
    errors = []

    def err(msg):
        if len(errors) < 20:
            print("ERROR:", msg)
        errors.append(msg)

    labels = json.load(open(a.labels))
    for acct, pop in labels.items():
        if pop.startswith("campaign"):
            if pop not in CAMPAIGNS and not BENIGN_RE.match(pop):
                err(f"bad campaign label {pop}")
        elif not BENIGN_RE.match(pop):
            err(f"bad benign label {pop}")
    op = gzip.open if a.trace.endswith(".gz") else open
    last = ""
    n = 0
    acc = {}  # account -> [count, set(days), set(hours), set(dayhours), set(clients)]
    field_count = defaultdict(lambda: defaultdict(int))
    reqs = defaultdict(int)
    reseller_ts = defaultdict(set)
    prompt_chars = defaultdict(list)
    with op(a.trace, "rt", encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            try:
                d = json.loads(line)
            except ValueError:
                err(f"line {ln}: not JSON")
                continue
            if not isinstance(d, dict):
                err(f"line {ln}: not an object")
                continue
            n += 1
            extra = set(d) - ALLOWED
            if extra:
                err(f"line {ln}: unknown fields {sorted(extra)}")
            for k in REQUIRED:
                if k not in d:
                    err(f"line {ln}: missing {k}")
            ts = d.get("ts", "")
            if not isinstance(ts, str) or not TS_RE.match(ts):
                err(f"line {ln}: bad ts {ts!r}")
                continue
            if ts < last:
                err(f"line {ln}: ts not sorted ({ts} < {last})")
            last = ts
            acct = d.get("account")
            if not isinstance(acct, str) or not acct:
                err(f"line {ln}: bad account")
                continue
            if not isinstance(d.get("prompt"), str) or not d["prompt"]:
                err(f"line {ln}: bad prompt")
            if "account_created" in d and not (isinstance(d["account_created"], str) and CREATED_RE.match(d["account_created"])):
                err(f"line {ln}: bad account_created")
            for k in ("tier", "client", "conversation", "system"):
                if k in d and not isinstance(d[k], str):
                    err(f"line {ln}: {k} not a string")
            for k in ("turn", "max_tokens", "top_logprobs", "output_tokens"):
                if k in d and (not isinstance(d[k], int) or isinstance(d[k], bool) or d[k] < 0):
                    err(f"line {ln}: {k} not a non-negative integer")
            if "turn" in d and d.get("turn", 1) < 1:
                err(f"line {ln}: turn < 1")
            if "temperature" in d and (not isinstance(d["temperature"], (int, float)) or isinstance(d["temperature"], bool)):
                err(f"line {ln}: temperature not a number")
            if "max_tokens" in d and "output_tokens" in d and d["output_tokens"] > d["max_tokens"]:
                err(f"line {ln}: output_tokens > max_tokens")
            pop = labels.get(acct)
            if pop is None:
                err(f"line {ln}: account {acct} missing from labels")
                pop = "?"
            reqs[pop] += 1
            fc = field_count[pop]
            for k in d:
                fc[k] += 1
            x = acc.get(acct)
            if x is None:
                x = acc[acct] = [0, set(), set(), set(), set()]
            x[0] += 1
            day = ts[:10]
            hour = ts[11:13]
            x[1].add(day)
            x[2].add(hour)
            x[3].add(ts[:13])
            if "client" in d:
                x[4].add(d["client"])
            if pop == "campaign-reseller":
                reseller_ts[acct].add(ts)
            if n % 20 == 0:
                prompt_chars[pop].append(len(d.get("prompt", "")))
    extra_labels = set(labels) - set(acc)
    if extra_labels:
        err(f"{len(extra_labels)} labelled accounts made no request")
    if a.extraction:
        ex = json.load(open(a.extraction))
        resellers = {k for k, v in labels.items() if v == "campaign-reseller"}
        if set(ex) != resellers:
            err(f"extraction keys {len(ex)} != reseller accounts {len(resellers)}")
        for k, v in ex.items():
            if set(v) != {"extraction_requests", "total_requests", "ts"}:
                err(f"extraction {k}: bad keys")
                continue
            if v["extraction_requests"] != len(v["ts"]):
                err(f"extraction {k}: count mismatch")
            if k in acc and v["total_requests"] != acc[k][0]:
                err(f"extraction {k}: total {v['total_requests']} != {acc[k][0]}")
            missing = [t for t in v["ts"] if t not in reseller_ts.get(k, ())]
            if missing:
                err(f"extraction {k}: {len(missing)} ts not in trace")
    first = min((min(x[1]) for x in acc.values()), default="")
    lastd = max((max(x[1]) for x in acc.values()), default="")
    days = 1
    if first:
        days = (dt.date.fromisoformat(lastd) - dt.date.fromisoformat(first)).days + 1
    print(f"trace {a.trace}: {n} requests, {len(acc)} accounts, {days} days ({first}..{lastd}); format errors: {len(errors)}; "
          f"check took {time.time() - t_start:.0f}s")
    fields = [k for k in OPTIONAL if any(field_count[p].get(k) for p in field_count)]
    short = {"account_created": "creat", "tier": "tier", "client": "client", "conversation": "conv", "turn": "turn", "system": "sys",
             "max_tokens": "maxtk", "temperature": "temp", "top_logprobs": "lgprb", "output_tokens": "outtk"}
    hdr = f"{'population':22s} {'accts':>6s} {'requests':>8s} {'share':>6s} | {'req/acct/day p10':>7s} {'p50':>6s} {'p90':>7s} {'p99':>7s} | {'hrs/acct':>8s} {'dayhr':>6s} {'clients':>7s} {'prompt p50':>6s} {'p99':>6s} |"
    hdr += " " + " ".join(f"{short[k]:>6s}" for k in fields)
    print(hdr)
    pops = sorted(reqs, key=lambda p: (p.startswith("campaign"), p))
    per = defaultdict(list)
    for acct, x in acc.items():
        per[labels.get(acct, "?")].append(x)
    for p in pops:
        xs = per[p]
        rpd = [x[0] / days for x in xs]
        hrs = [len(x[2]) for x in xs]
        dh = [len(x[3]) for x in xs]
        cl = [len(x[4]) for x in xs]
        pc = prompt_chars.get(p, [])
        row = (f"{p:22s} {len(xs):6d} {reqs[p]:8d} {100 * reqs[p] / max(1, n):5.1f}% | {pct(rpd, .1):16.1f} {pct(rpd, .5):6.1f} {pct(rpd, .9):7.1f} {pct(rpd, .99):7.1f} | "
               f"{pct(hrs, .5):8d} {pct(dh, .5):6d} {pct(cl, .5):7d} {pct(pc, .5):10d} {pct(pc, .99):6d} |")
        row += " " + " ".join(f"{100 * field_count[p].get(k, 0) / reqs[p]:5.0f}%" for k in fields)
        print(row)
    camp_acc = sum(len(per[p]) for p in per if p.startswith("campaign"))
    camp_req = sum(reqs[p] for p in reqs if p.startswith("campaign"))
    print(f"campaign accounts {camp_acc} ({100 * camp_acc / max(1, len(acc)):.1f}%), campaign requests {camp_req} ({100 * camp_req / max(1, n):.1f}%)")
    if a.extraction:
        ex = json.load(open(a.extraction))
        xr = sum(v["extraction_requests"] for v in ex.values())
        tr = sum(v["total_requests"] for v in ex.values())
        print(f"resellers {len(ex)}: extraction {xr} of {tr} requests ({100 * xr / max(1, tr):.1f}%)")
    print("columns: req/acct/day = requests per account per trace day; hrs/acct = distinct UTC hours-of-day active (median); "
          "dayhr = distinct (day,hour) slots active (median); clients = distinct clients (median); prompt = prompt chars; "
          "field columns = share of requests carrying the field")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
