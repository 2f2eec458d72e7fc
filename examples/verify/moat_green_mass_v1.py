"""The green-mass tests of a Moat evidence report (`open_weights` in evidence.json), recomputed from
the averaged distributions the report holds, the served texts' token ids and the revealed key.
Standard library only; used by moat_evidence_v1.py, which passes its checks, schemes and helpers.

The statistic (dev.moat.forensics.GreenMass): at the first occurrence of each watermark context c
in each served text the suspect's next-token distribution is taken, and those at one context are
averaged into P_c (the report's rows). With a_c = P_c (plain), P_c - Q_c (referenced: Q the
reference model's) or sqrt(n_c) (P_c - Q_c) (weighted: n_c the number of served texts in which c
was scored), and g the scheme's exact green fraction,

  T = sum_c sum_v a_c(v) (green_c(v) - g),   V = g (1 - g) sum_c sum_v a_c(v)^2,   z = T / sqrt(V)

and the p-value is Chernoff's bound exp(-lambda T + sum psi(lambda a_c(v))), psi(s) = log(1 - g +
g e^s) - g s, which is a valid bound at every lambda >= 0: it is recomputed at the lambda the
report states. The rows are the suspect's distributions only as far as the models' hashes show:
this recomputes the test from them, not the model that produced them.
"""
import array
import csv
import gzip
import math
import os
import sys

M32 = (1 << 32) - 1
LN10 = math.log(10)


def first_contexts(texts, h, max_contexts):
    """The contexts scored, in order, as GreenMass collects them: first occurrences in each text,
    while there is room. Returns (contexts, texts per context, tokens, positions, dropped)."""
    index, order, counts = {}, [], []
    tokens = positions = dropped = 0
    for t in texts:
        earlier = set()
        for i in range(h, len(t)):
            tokens += 1
            c = tuple(t[i - h:i])
            if c in earlier:
                continue
            earlier.add(c)
            if c not in index:
                if len(order) >= max_contexts:
                    dropped += 1
                    continue
                index[c] = len(order)
                order.append(c)
                counts.append(0)
            counts[index[c]] += 1
            positions += 1
    return order, counts, tokens, positions, dropped


def read_rows(path, vocab, contexts):
    a = array.array("f")
    with gzip.open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    if len(a) != vocab * contexts:
        raise ValueError("%s holds %d floats; %d contexts of %d entries need %d"
                         % (os.path.basename(path), len(a), contexts, vocab, vocab * contexts))
    return [a[c * vocab:(c + 1) * vocab] for c in range(contexts)]


def green_ids(seed, vocab, threshold):
    """The green token ids under one left-hash seed (moat-kgw-v1), ascending."""
    s0, s1 = seed & M32, seed >> 32
    out = []
    for v in range(vocab):
        x = (((v * 0x9E3779B9) + s0) & M32) ^ s1
        x ^= x >> 16
        x = (x * 0x85EBCA6B) & M32
        x ^= x >> 13
        x = (x * 0xC2B2AE35) & M32
        x ^= x >> 16
        if (x >> 8) < threshold:
            out.append(v)
    return out


def masses(rows, weights, greens):
    """Each context's (total, green) mass of its terms w_c a_c(v), summed in GreenMass's order
    (tokens ascending)."""
    out = []
    for row, w, gi in zip(rows, weights, greens):
        xs = row if w == 1 else [w * x for x in row]
        total = 0.0
        for x in xs:
            total += x
        green = 0.0
        for v in gi:
            green += xs[v]
        out.append((total, green))
    return out


def excess(rows, weights, greens, g):
    """T, summed over contexts in order."""
    t = 0.0
    for total, green in masses(rows, weights, greens):
        t += green - g * total
    return t


def share(rows, weights, greens, g, plain):
    s = 0.0
    for total, green in masses(rows, weights, greens):
        s += (green / total if total > 0 else g) if plain else green - g * total
    return s / len(rows) if rows else (g if plain else 0.0)


def squares(rows, weights):
    s = 0.0
    for row, w in zip(rows, weights):
        for x in row:
            x = w * x
            s += x * x
    return s


def chernoff_log10(rows, weights, g, t, lam):
    """log10 of the bound's exponent at lambda (a valid bound at every lambda >= 0)."""
    f = -lam * t
    for row, w in zip(rows, weights):
        for x in row:
            x = w * x
            if x == 0:
                continue
            s = lam * x
            if s > 0:
                f += s + math.log(g + (1 - g) * math.exp(-s)) - g * s
            else:
                f += math.log1p(g * math.expm1(s)) - g * s
    return f / LN10


def log10_normal_tail(z):
    if z < 10:
        q = 0.5 * math.erfc(z / math.sqrt(2))
        return math.log10(q) if q > 0 else -math.inf
    z2 = z * z
    return (-z2 / 2 - math.log(z * math.sqrt(2 * math.pi)) + math.log(1 - 1 / z2 + 3 / (z2 * z2))) / LN10


def recompute(c, directory, ev, served_ids, schemes, wrong_key, sample, all_keys, close, ks_statistic, ks_p,
              max_ks_rows, ks_rows):
    """Checks open_weights; returns {test id: (key id, log10 bound)} for the Holm families."""
    ow = ev.get("open_weights")
    if ow is None:
        return {}
    h, vocab = ow["context_width"], ow["vocab"]
    order, counts, tokens, positions, dropped = first_contexts(served_ids, h, ow["max_contexts"])
    c.check([list(x) for x in order] == ow["contexts"],
            "green mass: the %d contexts are the first occurrences in the served texts, in order" % len(order))
    c.check(counts == ow["texts_per_context"], "green mass: the texts in which each context was scored")
    unit = [1.0] * len(order)
    root = [math.sqrt(n) for n in counts]
    rows = read_rows(os.path.join(directory, ow["distributions"]), vocab, len(order))
    diffs = (read_rows(os.path.join(directory, ow["differences"]), vocab, len(order))
             if ow.get("differences") else None)
    c.check(all(0 <= x <= 1 for r in rows for x in r), "green mass: every averaged probability is in [0, 1]")
    by_test = {}
    with open(os.path.join(directory, ow["wrong_keys_file"]), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by_test.setdefault(r["test"], []).append(r)
    seed, count = ev["wrong_keys"]["seed"], ev["wrong_keys"]["count"]
    out = {}
    green_cache = {}

    def greens(key, threshold):
        k = (key, threshold)
        if k not in green_cache:
            from moat_kgw_v1 import seed as kgw_seed
            green_cache[k] = [green_ids(kgw_seed(key, list(ctx)), vocab, threshold) for ctx in order]
        return green_cache[k]

    for t in ow["tests"]:
        tid = t["id"]
        sch = schemes.get(t["commitment"])
        if not c.check(sch is not None and sch.name == "moat-kgw-v1" and not sch.selfhash and sch.h == h,
                       "%s: a left-hash KGW key whose commitment was opened, context width %d" % (tid, h)):
            continue
        c.check(t["parameters"] == sch.p, "%s: tested with the committed parameters" % tid)
        stat = t["statistic"]
        if not c.check(stat in ("plain", "referenced", "weighted"), "%s: statistic %s" % (tid, stat)):
            continue
        a = rows if stat == "plain" else diffs
        wts = root if stat == "weighted" else unit
        if not c.check(a is not None, "%s: its distributions are in the report" % tid):
            continue
        g = sch.gamma
        gr = greens(sch.key, sch.threshold)
        tt = excess(a, wts, gr, g)
        var = g * (1 - g) * squares(a, wts)
        z = tt / math.sqrt(var) if var > 0 else 0.0
        c.check(t["contexts"] == len(order) and t["positions"] == positions and t["tokens"] == tokens
                and t["contexts_dropped"] == dropped,
                "%s: %d contexts from %d positions of %d tokens (%d dropped)" % (tid, len(order), positions, tokens, dropped))
        c.check(close(t["excess"], tt, 1e-9, 1e-12) and close(t["variance"], var, 1e-9, 1e-15),
                "%s: T = %.6f, V = %.6e" % (tid, tt, var), "T %s, V %s" % (t["excess"], t["variance"]))
        c.check(close(t["green_share"], share(a, wts, gr, g, stat == "plain"), 1e-9, 1e-12),
                "%s: green share" % tid, t["green_share"])
        c.check(close(t["z"], z, 1e-9, 1e-9) and close(t["log10_p_normal"], log10_normal_tail(z), 1e-6, 1e-4),
                "%s: z = %.4f, normal log10 p = %.4f" % (tid, z, log10_normal_tail(z)))
        lam = t["bound_lambda"]
        bound = chernoff_log10(a, wts, g, tt, lam) if tt > 0 and lam > 0 else 0.0
        c.check(lam >= 0 and close(t["log10_p"], min(0.0, bound), 1e-7, 1e-7),
                "%s: Chernoff's bound at lambda %.6g gives log10 p = %.6f" % (tid, lam, bound), t["log10_p"])
        out[tid] = (t["key_id"], min(0.0, bound))
        # The wrong keys: every key's normal p-value from its T (V is the same for every key),
        # a sample of the T values recomputed from the wrong keys themselves.
        rs = by_test.get(tid, [])
        w = t["wrong_keys"]
        if not c.check(len(rs) == count == w["keys"] and [int(r["j"]) for r in rs] == list(range(count)),
                       "%s: %d wrong keys listed" % (tid, count)):
            continue
        ex = [float(r["excess"]) for r in rs]
        js = range(count) if all_keys else sorted(set(
            int(i * (count - 1) / max(1, sample - 1)) for i in range(min(sample, count))))
        bad = [j for j in js
               if not close(excess(a, wts, greens(wrong_key_scheme(sch, wrong_key(seed, j)).key, sch.threshold), g),
                            ex[j], 1e-9, 1e-12)]
        c.check(not bad, "%s: wrong keys' T recomputed for %d keys%s" % (tid, len(js), "" if not bad else " (differ: %s)" % bad[:10]))
        ps = [10 ** log10_normal_tail(e / math.sqrt(var)) if var > 0 else 0.5 for e in ex]
        c.check(all(close(float(r["normal_p"]), q, 1e-5, 1e-12) for r, q in zip(rs, ps)),
                "%s: wrong keys' normal p-values" % tid)
        at_least = sum(1 for e in ex if e >= tt)
        c.check(w["at_least"] == at_least and close(w["empirical_p"], (1 + at_least) / (count + 1), 1e-12),
                "%s: %d wrong keys at least the true key, empirical p = %.6g" % (tid, at_least, (1 + at_least) / (count + 1)))
        d = ks_statistic(ps)
        c.check(close(w["ks_d"], d, 0, 1e-6), "%s: wrong keys' KS D = %.6f" % (tid, d), w["ks_d"])
        c.check(w["below_0_001"] == sum(1 for q in ps if q <= 1e-3), "%s: p <= 1e-3 count" % tid)
        if d * d * count > 7.24 or ks_rows(count, d) <= max_ks_rows:
            kp = ks_p(count, d)
            c.check(close(w["ks_p"], kp, 1e-4, 1e-6), "%s: wrong keys' KS p = %.6g" % (tid, kp), w["ks_p"])
        else:
            c.skip("%s: KS p-value needs a %d-row matrix (raise --max-ks-rows)" % (tid, ks_rows(count, d)))
    return out


def wrong_key_scheme(sch, material):
    return type(sch)(sch.p, material)


def primary_by_rule(ev):
    """The green-mass primary test --primary green-mass designates: the first key's weighted test
    where there is one, else its plain test."""
    ts = (ev.get("open_weights") or {}).get("tests") or []
    for t in ts:
        if t["statistic"] == "weighted":
            return t["id"]
    return ts[0]["id"] if ts else None


def check_report(c, md_rows, ev, recomputed, adjusted, same_p):
    """report.md's green-mass rows state the recomputed figures."""
    ow = ev.get("open_weights")
    if ow is None:
        return
    for t in ow["tests"]:
        tid = t["id"]
        r = md_rows.get(tid)
        if not c.check(r is not None and len(r) == 16, "report.md: a green-mass row for " + tid):
            continue
        if tid not in recomputed or tid not in adjusted:
            continue
        hl, adj = adjusted[tid]
        c.check(r[1] == t["key_id"] and r[4] == str(t["contexts"]) and same_p(r[9], recomputed[tid][1])
                and same_p(r[11], hl) and same_p(r[12], adj),
                "report.md %s: %s contexts, p (bound) %s, Holm %s, adjusted %s" % (tid, r[4], r[9], r[11], r[12]))
        w = t["wrong_keys"]
        c.check(r[13] == "%d of %d" % (w["at_least"], w["keys"]) and same_p(r[14], math.log10(w["empirical_p"])),
                "report.md %s: wrong keys %s, empirical p %s" % (tid, r[13], r[14]))
