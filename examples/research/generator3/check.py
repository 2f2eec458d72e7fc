#!/usr/bin/python3
"""Validate a trace written by traffic.py and print per-population statistics.

usage: check.py TRACE --labels labels.json [--extraction extraction.json]

Checks: JSON schema and types, RFC 3339 ms timestamps, ascending ts order,
label coverage in both directions, campaign naming, the extraction file
(counts and timestamps match the reseller's requests).  Prints per population:
lines, accounts, requests/account/day, requests per active account-day,
distinct-prompt share, share of requests carrying each optional field, and a
few medians.  Exit status 1 on any hard error.
"""
import argparse
import collections
import gzip
import json
import re
import statistics
import sys

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
REQUIRED = {"ts": str, "account": str, "prompt": str}
OPTIONAL = {"account_created": str, "tier": str, "client": str, "conversation": str, "turn": int,
            "system": str, "max_tokens": int, "temperature": (int, float), "top_logprobs": int,
            "output_tokens": int}


def pct(xs, q):
    if not xs:
        return 0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--extraction")
    ap.add_argument("--max-errors", type=int, default=20)
    args = ap.parse_args()

    labels = json.load(open(args.labels))
    errors = []

    def err(msg):
        if len(errors) < args.max_errors:
            print("ERROR:", msg, file=sys.stderr)
        errors.append(msg)

    for acct, pop in labels.items():
        if not isinstance(pop, str):
            err("label of %s is not a string" % acct)
    ext = json.load(open(args.extraction)) if args.extraction else {}
    ext_seen = collections.defaultdict(collections.Counter)

    pops = sorted(set(labels.values()))
    st = {p: dict(lines=0, accounts=set(), acct_days=set(), prompts=set(), fields=collections.Counter(),
                  turn_gt0=0, hours=[0] * 24, clients=collections.defaultdict(set), plen=[], mt=[], out=[]) for p in pops}
    opener = gzip.open if args.trace.endswith(".gz") else open
    prev_ts, first_ts, last_ts, n = "", None, None, 0
    seen_accounts = set()
    with opener(args.trace, "rt", encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            try:
                d = json.loads(line)
            except ValueError:
                err("line %d: not JSON" % ln)
                continue
            n += 1
            for k, t in REQUIRED.items():
                if not isinstance(d.get(k), t):
                    err("line %d: missing/invalid required field %s" % (ln, k))
            for k, v in d.items():
                if k in REQUIRED:
                    continue
                if k not in OPTIONAL:
                    err("line %d: unknown field %s" % (ln, k))
                elif not isinstance(v, OPTIONAL[k]) or isinstance(v, bool):
                    err("line %d: field %s has type %s" % (ln, k, type(v).__name__))
            ts = d.get("ts", "")
            if not TS_RE.match(ts):
                err("line %d: bad ts %r" % (ln, ts))
            if ts < prev_ts:
                err("line %d: ts out of order (%s < %s)" % (ln, ts, prev_ts))
            prev_ts = ts
            first_ts = first_ts or ts
            last_ts = ts
            if "account_created" in d:
                if not TS_RE.match(d["account_created"]):
                    err("line %d: bad account_created" % ln)
                elif d["account_created"] > ts:
                    err("line %d: request before account_created" % ln)
            a = d.get("account")
            seen_accounts.add(a)
            pop = labels.get(a)
            if pop is None:
                err("line %d: account %s has no label" % (ln, a))
                continue
            s = st[pop]
            s["lines"] += 1
            s["accounts"].add(a)
            s["acct_days"].add((a, ts[:10]))
            s["prompts"].add(hash(d["prompt"]))
            s["plen"].append(len(d["prompt"]))
            for k in OPTIONAL:
                if k in d and not (k == "top_logprobs" and not d[k]):
                    s["fields"][k] += 1
            s["hours"][int(ts[11:13])] += 1
            if d.get("turn", 0) > 0:
                s["turn_gt0"] += 1
            if "client" in d:
                s["clients"][a].add(d["client"])
            if "max_tokens" in d:
                s["mt"].append(d["max_tokens"])
            if "output_tokens" in d:
                s["out"].append(d["output_tokens"])
            if a in ext:
                ext_seen[a][ts] += 1

    missing = [a for a in labels if a not in seen_accounts]
    if missing:
        err("%d labelled accounts have no requests" % len(missing))
    if not any(p.startswith("campaign") for p in pops):
        err("no campaign population in labels")

    # extraction file: every listed ts must be one of that account's requests
    for a, e in ext.items():
        if labels.get(a, "").startswith("campaign") is False:
            err("extraction account %s is not a campaign account" % a)
        if e["extraction_requests"] != len(e["ts"]):
            err("extraction count mismatch for %s" % a)
        c = collections.Counter(e["ts"])
        for t, k in c.items():
            if ext_seen[a][t] < k:
                err("extraction ts %s of %s not found in trace" % (t, a))
                break

    ndays = max(1, len({x[1] for s in st.values() for x in s["acct_days"]}))
    print("lines=%d accounts=%d populations=%d days_with_traffic=%d span=%s .. %s" %
          (n, len(seen_accounts), len(pops), ndays, first_ts, last_ts))
    hdr = ("population", "lines", "accts", "req/acct/day", "req/active-day", "p90 act-day", "distinct%", "turn>0%",
           "clients/acct", "med_prompt_chars", "med_max_tok", "med_out")
    print("%-18s %8s %6s %12s %14s %11s %9s %7s %12s %16s %11s %8s" % hdr)
    for p in pops:
        s = st[p]
        na = max(1, len(s["accounts"]))
        per_day = collections.Counter(a for a, _ in s["acct_days"])
        nad = max(1, len(s["acct_days"]))
        cl = [len(v) for v in s["clients"].values()]
        print("%-18s %8d %6d %12.1f %14.1f %11d %8.1f%% %6.1f%% %12s %16d %11s %8d" % (
            p, s["lines"], len(s["accounts"]), s["lines"] / na / ndays, s["lines"] / nad, pct(list(per_day.values()), 0.9),
            100.0 * len(s["prompts"]) / max(1, s["lines"]), 100.0 * s["turn_gt0"] / max(1, s["lines"]),
            ("%d" % statistics.median(cl)) if cl else "-", pct(s["plen"], 0.5),
            str(pct(s["mt"], 0.5)) if s["mt"] else "-", pct(s["out"], 0.5)))
    print("\n(p90 act-day = 90th percentile over accounts of the number of active days)")
    print("\nUTC hour-of-day profile (share of the population's requests, %; peak/trough ratio):")
    for p in pops:
        h = st[p]["hours"]
        tot_h = max(1, sum(h))
        print("%-18s %s  ratio %.1f" % (p, " ".join("%2d" % round(100.0 * x / tot_h) for x in h),
                                       max(h) / max(1, min(h))))
    print("\nshare of requests carrying each optional field (%):")
    keys = list(OPTIONAL)
    print("%-18s " % "population" + " ".join("%8s" % k[:8] for k in keys))
    tot = collections.Counter()
    for p in pops:
        s = st[p]
        tot.update(s["fields"])
        print("%-18s " % p + " ".join("%8.1f" % (100.0 * s["fields"][k] / max(1, s["lines"])) for k in keys))
    print("%-18s " % "ALL" + " ".join("%8.1f" % (100.0 * tot[k] / max(1, n)) for k in keys))
    if ext:
        shares = [e["extraction_requests"] / max(1, e["total_requests"]) for e in ext.values()]
        print("\nreseller extraction share: min %.3f median %.3f max %.3f over %d accounts" %
              (min(shares), statistics.median(shares), max(shares), len(shares)))
    camp = sum(st[p]["lines"] for p in pops if p.startswith("campaign"))
    print("campaign share of requests: %.3f" % (camp / max(1, n)))
    if errors:
        print("\n%d ERRORS" % len(errors))
        sys.exit(1)
    print("\nOK: no schema/order/label errors")


if __name__ == "__main__":
    main()
