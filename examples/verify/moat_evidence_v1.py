#!/usr/bin/env python3
"""Independent verifier of a Moat evidence report (`./moat evidence`, format moat-evidence-v1).

Standard library only, and no Moat code beyond its sibling moat_kgw_v1.py (SipHash-2-4, the key
derivation and the green-list function, written from the specification). Given the report's
directory and the revealed key file it:

  1. checks the SHA-256 of every file the report lists;
  2. opens each key commitment with the revealed key (moat-key-commitment-v1: SHA-256 over the key,
     its id, the scheme's parameters and the code version, length-prefixed fields);
  3. checks that the token ids of every text are the tokenizer's encoding of the text (byte-level
     BPE from tokenizer.json, re-implemented here);
  4. recomputes every test from the token ids with the committed parameters: the de-duplicated
     (context, token) tuples, the KGW green count or the Gumbel score, the exact p-value (binomial
     tail; Gamma tail as a Poisson sum), Holm across a key's tests and Bonferroni across keys, and
     the finding at the stated alpha;
  5. recomputes the wrong-key controls: the public wrong keys' scores (a sample of them, or all with
     --all-wrong-keys), the empirical p-value, the randomised null p-values, the KS statistic and
     its exact p-value (Marsaglia, Tsang and Wang 2003), and the no-dedup ablation;
  6. where the report holds open-weights tests, recomputes the green-mass tests from the averaged
     distributions it holds (moat_green_mass_v1.py): the contexts from the served texts, T, V, z,
     Chernoff's bound at its stated lambda, the wrong keys' figures (a sample of them recomputed
     from the keys), in the key's Holm family;
  7. checks that the figures stated in report.md are these.

  python3 moat_evidence_v1.py REPORT_DIR --keys KEYS_FILE [--wrong-key-sample 20 | --all-wrong-keys]
      [--green-mass-key-sample 3]

Prints one line per check and exits 0 if every check passed, 1 otherwise.
"""
import argparse
import csv
import functools
import hashlib
import json
import math
import operator
import os
import re
import struct
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moat_kgw_v1 as kgw  # noqa: E402
import moat_green_mass_v1 as gm  # noqa: E402

M32 = (1 << 32) - 1
GOLDEN = 0x9E3779B9
LN10 = math.log(10)


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0
        self.skipped = []

    def check(self, ok, what, stated=None):
        if ok:
            self.passed += 1
            print("ok    " + what)
        else:
            what += "" if stated is None else " (the report states %s)" % (stated,)
            self.failed.append(what)
            print("FAIL  " + what)
        return ok

    def skip(self, what):
        self.skipped.append(what)
        print("skip  " + what)


def close(a, b, rel=1e-6, abs_=1e-9):
    if a == b:
        return True
    if a is None or b is None or math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


# ---- keys and commitments ------------------------------------------------------------------

def read_keys(path):
    """The key file format: id=hex entries, separated by newlines or commas; # comments."""
    keys = {}
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            for e in line.split(","):
                e = e.strip()
                if e:
                    ident, _, material = e.partition("=")
                    keys[ident.strip()] = bytes.fromhex(material.strip())
    return keys


def group_key(material, group):
    """A campaign group's key (policy group_keys), as WatermarkKey.forGroup derives it:
    HMAC-SHA256(key, b"moat-group-key-v1" + 0x00 + UTF-8(group))."""
    import hmac
    return hmac.new(material, b"moat-group-key-v1\x00" + group.encode("utf-8"), hashlib.sha256).digest()


def key_material(keys, kid):
    """The key with this id, or for ID/GROUP the group key derived from key ID; None if not held."""
    if kid in keys:
        return keys[kid]
    base, sep, group = kid.partition("/")
    if sep and base in keys and group:
        return group_key(keys[base], group)
    return None


def commitment(material, key_id, parameters, version):
    def field(name, value):
        n = name.encode("utf-8")
        return struct.pack("<I", len(n)) + n + struct.pack("<I", len(value)) + value

    msg = b"moat-key-commitment-v1\x00" + field("key", material)
    msg += field("key_id", key_id.encode("utf-8")) + field("moat_version", version.encode("utf-8"))
    for name in sorted(parameters):
        msg += field("param." + name, parameters[name].encode("utf-8"))
    return hashlib.sha256(msg).hexdigest()


# ---- the tokenizer (byte-level BPE, GPT-2 pre-tokenization) --------------------------------

WHITE_SPACE = set(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                            0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))


def _letter(c):
    return unicodedata.category(c).startswith("L")


def _number(c):
    return unicodedata.category(c).startswith("N")


def _other(c):
    return c not in WHITE_SPACE and not _letter(c) and not _number(c)


def pretokenize(s):
    """'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out, i, n = [], 0, len(s)
    while i < n:
        if s[i] == "'":
            m = next((c for c in ("s", "t", "re", "ve", "m", "ll", "d") if s.startswith(c, i + 1)),
                     None)
            if m is not None:
                out.append(s[i:i + 1 + len(m)])
                i += 1 + len(m)
                continue
        start = i + 1 if s[i] == " " and i + 1 < n else i
        matched = False
        for cls in (_letter, _number, _other):
            if cls(s[start]) and (start == i or s[i] == " "):
                j = start
                while j < n and cls(s[j]):
                    j += 1
                out.append(s[i:j])
                i = j
                matched = True
                break
        if matched:
            continue
        # Whitespace: \s+(?!\S), else \s+.
        j = i
        while j < n and s[j] in WHITE_SPACE:
            j += 1
        if j == i:  # a lone character no class takes (cannot happen: every character is in one)
            out.append(s[i])
            i += 1
        elif j == n or j - i == 1:
            out.append(s[i:j])
            i = j
        else:
            out.append(s[i:j - 1])
            i = j - 1
    return out


class Tokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        model = t["model"]
        if model.get("type") != "BPE" or (t.get("pre_tokenizer") or {}).get("type") != "ByteLevel":
            raise ValueError("only byte-level BPE tokenizers are supported")
        self.vocab = model["vocab"]
        self.inverse = {v: k for k, v in self.vocab.items()}
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m)
                  for m in model["merges"]]
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.added = {a["content"]: a["id"] for a in t.get("added_tokens", [])}
        for a in t.get("added_tokens", []):
            self.inverse[a["id"]] = a["content"]
        bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
        cs = bs[:]
        k = 0
        for b in range(256):
            if b not in bs:
                bs.append(b)
                cs.append(256 + k)
                k += 1
        self.byte_char = {b: chr(c) for b, c in zip(bs, cs)}
        self.char_byte = {chr(c): b for b, c in zip(bs, cs)}
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, at = None, -1
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            pair = (parts[at], parts[at + 1])
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == pair:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        pattern = "|".join(re.escape(a) for a in sorted(self.added, key=len, reverse=True))
        pieces = re.split("(" + pattern + ")", text) if pattern else [text]
        for piece in pieces:
            if piece in self.added:
                ids.append(self.added[piece])
            elif piece:
                for word in pretokenize(piece):
                    ids.extend(self._bpe("".join(self.byte_char[b] for b in word.encode("utf-8"))))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            tok = self.inverse[i]
            out += tok.encode("utf-8") if i in self.added.values() else bytes(
                self.char_byte[c] for c in tok)
        return out.decode("utf-8", errors="replace")


# ---- tuples, scores and exact p-values -----------------------------------------------------

def contexts(texts, h):
    return {tuple(ids[i - h:i]) for ids in texts for i in range(h, len(ids))}


def tuples(texts, h, dedup, filt):
    seen, out, tokens = set(), [], 0
    for ids in texts:
        for i in range(h, len(ids)):
            tokens += 1
            if filt is not None and tuple(ids[i - h:i]) not in filt:
                continue
            t = tuple(ids[i - h:i + 1])
            if dedup:
                if t in seen:
                    continue
                seen.add(t)
            out.append(t)
    return out, tokens


class Scheme:
    """A committed scheme under one key's material."""

    def __init__(self, parameters, material):
        self.p = parameters
        self.name = parameters["scheme"]
        self.h = int(parameters["context_width"])
        self.key = kgw.derive_key(material, self.name)
        if self.name == "moat-kgw-v1":
            gamma = float(parameters["gamma"])
            self.threshold = math.floor(gamma * (1 << 24) + 0.5)  # Java's Math.round
            self.gamma = self.threshold / (1 << 24)
            self.selfhash = parameters["seeding"] == "selfhash"
        elif self.name != "moat-gumbel-v2":
            raise ValueError("unknown scheme " + self.name)
        self.seeds = {}  # context -> seed (left-hash and Gumbel seed the context alone)

    def _seed(self, ctx):
        s = self.seeds.get(ctx)
        if s is None:
            s = self.seeds[ctx] = kgw.seed(self.key, ctx)
        return s

    def score(self, tup):
        ctx, v = tup[:-1], tup[-1]
        if self.name == "moat-kgw-v1":
            s = kgw.self_seed(self.key, ctx, v) if self.selfhash else self._seed(ctx)
            s0, s1 = s & M32, s >> 32
            return 1.0 if (kgw.fmix32((((v * GOLDEN) + s0) & M32) ^ s1) >> 8) < self.threshold else 0.0
        s = self._seed(ctx)
        s0, s1 = s & M32, s >> 32
        hi = kgw.fmix32((((v * GOLDEN) + s0) & M32) ^ s1)
        lo = kgw.fmix32((((v * GOLDEN) + s1) & M32) ^ s0) >> 11
        u = (((hi << 21) | lo) + 0.5) * 2.0 ** -53
        return -math.log1p(-u)

    def total(self, tups):
        t = 0.0
        for tup in tups:
            t += self.score(tup)
        return t

    def log10_p(self, n, total):
        if n == 0:
            return 0.0
        if self.name == "moat-kgw-v1":
            return log10_binomial_tail(n, int(round(total)), self.gamma)
        return log10_gamma_tail(n, total)

    def null_p(self, n, total, v):
        """The randomised p-value P[X > x] + v P[X = x] (KGW); the Gamma tail (Gumbel)."""
        if n == 0:
            return v
        if self.name == "moat-kgw-v1":
            k = int(round(total))
            return 10 ** log10_binomial_tail(n, k + 1, self.gamma) + v * binomial_pmf(n, k, self.gamma)
        return 10 ** log10_gamma_tail(n, total)


def _log_pmf(n, i, p):
    return (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p))


@functools.lru_cache(maxsize=None)
def binomial_pmf(n, k, p):
    return math.exp(_log_pmf(n, k, p)) if 0 <= k <= n else 0.0


@functools.lru_cache(maxsize=None)
def log10_binomial_tail(n, k, p):
    """log10 P[X >= k], X ~ Binomial(n, p): the terms summed in log space."""
    if k <= 0:
        return 0.0
    if k > n:
        return -math.inf
    terms, top = [], -math.inf
    for i in range(k, n + 1):
        t = _log_pmf(n, i, p)
        terms.append(t)
        if t > top:
            top = t
        elif t < top - 60:
            break
    return min(0.0, (top + math.log(math.fsum(math.exp(t - top) for t in terms))) / LN10)


def log10_gamma_tail(n, x):
    """log10 P[X >= x], X ~ Gamma(n, 1), n an integer: e^-x sum_{k<n} x^k / k! (Poisson). The
    terms are unimodal in k: summed outwards from the largest until they fall below e^-60 of it."""
    if x <= 0:
        return 0.0
    lx = math.log(x)

    def term(k):
        return k * lx - math.lgamma(k + 1)

    mode = min(n - 1, int(x))
    top = term(mode)
    total = [1.0]
    for step in (-1, 1):
        k = mode + step
        while 0 <= k < n:
            t = term(k) - top
            if t < -60:
                break
            total.append(math.exp(t))
            k += step
    return min(0.0, (top + math.log(math.fsum(total)) - x) / LN10)


def holm_log10(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adj, running = [0.0] * m, -math.inf
    for r, i in enumerate(order):
        running = max(running, min(0.0, math.log10(m - r) + ps[i]))
        adj[i] = running
    return adj


# ---- wrong keys and the KS test ------------------------------------------------------------

def wrong_key(seed, j):
    return hashlib.sha256(b"moat-wrong-key-v1\x00" + struct.pack("<qi", seed, j)).digest()


def tie_break(seed, j):
    d = hashlib.sha256(b"moat-wrong-key-v1/tiebreak\x00" + struct.pack("<qi", seed, j)).digest()
    return ((struct.unpack_from("<Q", d)[0] >> 11) + 0.5) * 2.0 ** -53


def ks_statistic(ps):
    x = sorted(ps)
    n = len(x)
    return max(max((i + 1) / n - x[i], x[i] - i / n) for i in range(n))


def ks_rows(n, d):
    return 2 * (int(n * d) + 1) - 1


def ks_p(n, d):
    """P[D_n >= d]: Durbin's matrix (Marsaglia, Tsang and Wang 2003) for n d^2 <= 7.24, their
    closed form beyond. H^n's middle entry by n vector-matrix products, with exponent tracking."""
    if d <= 0:
        return 1.0
    if d >= 1:
        return 0.0
    s = d * d * n
    if s > 7.24:
        return min(1.0, 2 * math.exp(-(2.000071 + .331 / math.sqrt(n) + 1.409 / n) * s))
    k = int(n * d) + 1
    m = 2 * k - 1
    h = k - n * d
    H = [[0.0 if i - j + 1 < 0 else 1.0 for j in range(m)] for i in range(m)]
    for i in range(m):
        H[i][0] -= h ** (i + 1)
        H[m - 1][i] -= h ** (m - i)
    H[m - 1][0] += (2 * h - 1) ** m if 2 * h - 1 > 0 else 0.0
    for i in range(m):
        for j in range(m):
            if i - j + 1 > 0:
                H[i][j] /= math.factorial(i - j + 1)
    # H is zero above its first superdiagonal: column j only needs rows j-1 .. m-1.
    lows = [max(0, j - 1) for j in range(m)]
    cols = [[H[i][j] for i in range(lows[j], m)] for j in range(m)]
    v = [0.0] * m
    v[k - 1] = 1.0
    e = 0
    for _ in range(n):
        v = [sum(map(operator.mul, v[lo:], c)) for lo, c in zip(lows, cols)]
        if max(v) > 1e140:
            v = [x * 1e-140 for x in v]
            e += 140
    q = v[k - 1]
    for i in range(1, n + 1):
        q = q * i / n
        if q < 1e-140:
            q *= 1e140
            e -= 140
    return min(1.0, max(0.0, 1 - q * 10.0 ** e))


# ---- report.md ----------------------------------------------------------------------------

def parse_p(s):
    """A p-value as report.md prints it (m.mmme-N, 1 or 0), as log10."""
    s = s.strip()
    if s == "1":
        return 0.0
    if s == "0":
        return -math.inf
    m = re.fullmatch(r"([0-9]\.[0-9]{3})e(-?[0-9]+)", s)
    if not m:
        raise ValueError("not a p-value: " + s)
    return math.log10(float(m.group(1))) + int(m.group(2))


def same_p(text, log10, tol=1e-3):
    try:
        v = parse_p(text)
    except ValueError:
        return False
    if math.isinf(log10) or math.isinf(v):
        return v == log10
    return abs(v - log10) <= tol


def sections(md):
    out, name = {}, ""
    for line in md.splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            out[name] = []
        else:
            out.setdefault(name, []).append(line)
    return out


def rows(lines):
    result = []
    for line in lines:
        if line.startswith("|") and not line.startswith("|---"):
            result.append([c.strip() for c in line.strip().strip("|").split("|")])
    return result[1:]  # without the header


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ---- the verification ---------------------------------------------------------------------

def verify(directory, keys_file, sample, all_keys, max_ks_rows, mass_sample=3):
    c = Checks()
    ev = json.load(open(os.path.join(directory, "evidence.json"), encoding="utf-8"))
    md = open(os.path.join(directory, "report.md"), encoding="utf-8").read()
    c.check(ev.get("format") == "moat-evidence-v1", "format is moat-evidence-v1")

    # 1. Files.
    for name, h in ev["files"].items():
        c.check(sha256_file(os.path.join(directory, name)) == h, "evidence.json: SHA-256 of " + name)
    listed = {m.group(1): m.group(2)
              for m in re.finditer(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", md, re.M)}
    c.check("evidence.json" in listed, "report.md lists evidence.json's SHA-256")
    for name, h in listed.items():
        c.check(sha256_file(os.path.join(directory, name)) == h, "report.md: SHA-256 of " + name)

    # 2. Commitments.
    keys = read_keys(keys_file)
    opened = {}
    for cm in ev["commitments"]:
        kid = cm["key_id"]
        material = key_material(keys, kid)
        if not c.check(material is not None, "the key file holds key '%s'" % kid):
            continue
        h = commitment(material, kid, cm["parameters"], cm["moat_version"])
        if c.check(h == cm["commitment"],
                   "key '%s' opens commitment %s (%s)" % (kid, cm["commitment"], cm["parameters"]["scheme"])):
            opened[cm["commitment"]] = (kid, cm["parameters"])
        c.check(cm["commitment"] in md, "report.md shows commitment " + cm["commitment"])
    contents = [open(os.path.join(directory, f), "rb").read() for f in sorted(os.listdir(directory))
                if os.path.isfile(os.path.join(directory, f))]
    for kid, material in keys.items():
        forms = (material, material.hex().encode(), material.hex().upper().encode())
        c.check(not any(form in data for form in forms for data in contents),
                "no file holds key '%s' (raw or hex)" % kid)

    # 3. Texts and their token ids.
    texts = {"suspect": read_texts(os.path.join(directory, "samples.jsonl"))}
    for name, f in (("control", "control.jsonl"), ("served", "served.jsonl")):
        if os.path.exists(os.path.join(directory, f)):
            texts[name] = read_texts(os.path.join(directory, f))
    tok_path = os.path.join(directory, "tokenizer.json")
    if os.path.exists(tok_path):
        tok = Tokenizer(tok_path)
        for name, ts in texts.items():
            bad = [t["i"] for t in ts if tok.encode(t["text"]) != t["ids"]]
            c.check(not bad, "%s: token ids are the tokenizer's encoding of every text%s"
                    % (name, "" if not bad else " (not texts %s)" % bad[:10]))
    else:
        c.skip("no tokenizer.json: token ids not checked against the texts")
    ids = {name: [t["ids"] for t in ts] for name, ts in texts.items()}

    # 4. Tests.
    schemes = {}
    for cm_hex, (kid, params) in opened.items():
        schemes[cm_hex] = Scheme(params, key_material(keys, kid))
    recomputed = {}
    tests = ev["tests"]
    for t in tests:
        if t["commitment"] not in schemes:
            c.check(False, "%s: its key's commitment was opened" % t["id"])
            continue
        sch = schemes[t["commitment"]]
        c.check(t["parameters"] == sch.p, "%s: tested with the committed parameters" % t["id"])
        filt = contexts(ids["served"], sch.h) if t["filtered"] else None
        tups, tokens = tuples(ids["suspect"], sch.h, True, filt)
        total = sch.total(tups)
        lp = sch.log10_p(len(tups), total)
        recomputed[t["id"]] = (len(tups), total, lp, tokens)
        c.check(t["tokens"] == tokens and t["tuples"] == len(tups),
                "%s: %d tokens, %d de-duplicated tuples" % (t["id"], tokens, len(tups)),
                "%s tokens, %s tuples" % (t["tokens"], t["tuples"]))
        c.check(close(t["score"], total, 1e-9), "%s: score %s" % (t["id"], total), t["score"])
        c.check(close(t["log10_p"], lp, 1e-6), "%s: log10 p = %.6f" % (t["id"], lp), t["log10_p"])
        if t.get("control") is not None:
            ct, ctok = tuples(ids["control"], sch.h, True, filt)
            cl = sch.log10_p(len(ct), sch.total(ct))
            c.check(t["control"]["tuples"] == len(ct) and close(t["control"]["log10_p"], cl, 1e-6),
                    "%s: clean control log10 p = %.6f on %d tuples" % (t["id"], cl, len(ct)))
    mass = gm.recompute(c, directory, ev, ids.get("served", []), schemes, wrong_key, mass_sample, all_keys,
                        close, ks_statistic, ks_p, max_ks_rows, ks_rows)
    mass_tests = (ev.get("open_weights") or {}).get("tests") or []
    key_ids = list(dict.fromkeys(t["key_id"] for t in tests))
    adjusted = {}
    for kid in key_ids:
        # A key's family: its black-box tests, then its green-mass tests.
        fam = [t for t in tests if t["key_id"] == kid and t["id"] in recomputed]
        fam += [t for t in mass_tests if t["key_id"] == kid and t["id"] in mass]
        holm = holm_log10([recomputed[t["id"]][2] if t["id"] in recomputed else mass[t["id"]][1] for t in fam])
        for t, hl in zip(fam, holm):
            adj = min(0.0, math.log10(len(key_ids)) + hl)
            adjusted[t["id"]] = (hl, adj)
            c.check(close(t["holm_log10_p"], hl, 1e-6) and close(t["adjusted_log10_p"], adj, 1e-6),
                    "%s: Holm log10 p %.6f, adjusted for %d key(s) %.6f" % (t["id"], hl, len(key_ids), adj))
    primary = ev["primary_test"]
    c.check(primary in (tests[0]["id"], gm.primary_by_rule(ev)),
            "the primary test %s is the first key's first test or its designated green-mass test" % primary)
    claim = ev["claim"]
    if primary in adjusted:
        detected = adjusted[primary][1] <= math.log10(ev["alpha"])
        c.check(claim["test"] == primary and claim["detected"] == detected
                and close(claim["adjusted_log10_p"], adjusted[primary][1], 1e-6),
                "finding: primary test %s %s at alpha %g" % (primary, "detects" if detected else "does not detect", ev["alpha"]))
        c.check(("**carries**" if detected else "**does not show**") in md, "report.md states the finding")

    # 5. Wrong-key controls.
    seed, count = ev["wrong_keys"]["seed"], ev["wrong_keys"]["count"]
    rows_by = {}
    with open(os.path.join(directory, "wrong-keys.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows_by.setdefault(r["control"], []).append(r)
    test_by_id = {t["id"]: t for t in tests}
    ctl_checked = {}
    for ctl in ev["controls"]:
        cid = ctl["id"]
        base = test_by_id.get(cid.split("/")[0])
        if base is None or base["commitment"] not in schemes:
            c.check(False, "%s: its test and key are known" % cid)
            continue
        sch = schemes[base["commitment"]]
        c.check(ctl["parameters"] == sch.p and ctl["key_id"] == base["key_id"],
                "%s: the test's key and parameters" % cid)
        filt = contexts(ids["served"], sch.h) if ctl["filtered"] else None
        tups, _ = tuples(ids[ctl["text"]], sch.h, ctl["dedup"], filt)
        true_score = sch.total(tups)
        c.check(ctl["tuples"] == len(tups) and close(ctl["true_score"], true_score, 1e-9),
                "%s: %d tuples, true key's score %s" % (cid, len(tups), true_score))
        rs = rows_by.get(cid, [])
        if not c.check(len(rs) == count == ctl["keys"] and [int(r["j"]) for r in rs] == list(range(count)),
                       "%s: %d wrong keys listed" % (cid, count)):
            continue
        scores = [float(r["score"]) for r in rs]
        js = range(count) if all_keys else sorted(set(
            int(i * (count - 1) / max(1, sample - 1)) for i in range(min(sample, count))))
        bad = [j for j in js if not close(Scheme(sch.p, wrong_key(seed, j)).total(tups), scores[j], 1e-9)]
        c.check(not bad, "%s: wrong keys' scores recomputed for %d keys%s"
                % (cid, len(js), "" if not bad else " (differ: %s)" % bad[:10]))
        at_least = sum(1 for s in scores if s >= ctl["true_score"])
        c.check(ctl["at_least"] == at_least and close(ctl["empirical_p"], (1 + at_least) / (count + 1), 1e-12),
                "%s: %d wrong keys at least the true key, empirical p = %.6g" % (cid, at_least, (1 + at_least) / (count + 1)))
        nulls = [sch.null_p(len(tups), scores[j], tie_break(seed, j)) for j in range(count)]
        # Both sides sum log-space terms of size ~n: they agree to about 1e-9 at n = 100,000.
        c.check(all(close(float(r["null_p"]), q, 1e-7, 1e-8) for r, q in zip(rs, nulls)),
                "%s: wrong keys' randomised p-values" % cid)
        d = ks_statistic(nulls)
        c.check(close(ctl["ks_d"], d, 0, 1e-7), "%s: KS D = %.6f" % (cid, d), ctl["ks_d"])
        c.check(ctl["below_0_01"] == sum(1 for q in nulls if q <= 0.01), "%s: p <= 0.01 count" % cid)
        if d * d * count > 7.24 or ks_rows(count, d) <= max_ks_rows:
            kp = ks_p(count, d)
            c.check(close(ctl["ks_p"], kp, 1e-4, 1e-6), "%s: KS p = %.6g" % (cid, kp), ctl["ks_p"])
        else:
            c.skip("%s: KS p-value needs a %d-row matrix (raise --max-ks-rows)" % (cid, ks_rows(count, d)))
        ctl_checked[cid] = (len(tups), at_least, d)

    # The ablation's true-key tests.
    abl = {}
    ab = ev["ablation"]
    base = test_by_id[ab["test"]]
    if base["commitment"] in schemes:
        sch = schemes[base["commitment"]]
        filt = contexts(ids["served"], sch.h) if base["filtered"] else None
        for label, text, dedup in (("suspect_dedup", "suspect", True), ("suspect_no_dedup", "suspect", False),
                                   ("control_dedup", "control", True), ("control_no_dedup", "control", False)):
            if label in ab:
                tups, _ = tuples(ids[text], sch.h, dedup, filt)
                lp = sch.log10_p(len(tups), sch.total(tups))
                abl[label] = (len(tups), lp)
                c.check(ab[label]["tuples"] == len(tups) and close(ab[label]["log10_p"], lp, 1e-6),
                        "ablation %s: %d tuples, log10 p = %.4f" % (label, len(tups), lp))

    # 6. report.md's figures.
    sec = sections(md)
    table = {r[0]: r for r in rows(sec.get("Results", [])) if re.fullmatch(r"T[0-9]+", r[0])}
    for t in tests:
        r = table.get(t["id"])
        if not c.check(r is not None and len(r) == 13, "report.md: a results row for " + t["id"]):
            continue
        if t["id"] not in recomputed or t["id"] not in adjusted:
            continue
        n, total, lp, tokens = recomputed[t["id"]]
        hl, adj = adjusted[t["id"]]
        score_ok = r[6] == (str(int(total)) if sch_is_kgw(t) else "%.4f" % total)
        c.check(r[1] == t["key_id"] and r[4] == str(tokens) and r[5] == str(n) and score_ok,
                "report.md %s: key %s, %d tokens, %d tuples, score %s"
                % (t["id"], t["key_id"], tokens, n, int(total) if sch_is_kgw(t) else "%.4f" % total),
                "key %s, %s tokens, %s tuples, score %s" % (r[1], r[4], r[5], r[6]))
        c.check(same_p(r[7], lp) and same_p(r[8], hl) and same_p(r[9], adj),
                "report.md %s: log10 p %.4f, Holm %.4f, adjusted %.4f" % (t["id"], lp, hl, adj),
                "p %s, Holm %s, adjusted %s" % (r[7], r[8], r[9]))
        ctl = ctl_checked.get(t["wrong_key_control"])
        if ctl is not None:
            c.check(r[10] == "%d of %d" % (ctl[1], count)
                    and same_p(r[11], math.log10((1 + ctl[1]) / (count + 1))),
                    "report.md %s: wrong keys %s, empirical p %s" % (t["id"], r[10], r[11]))
    ks_table = {r[0]: r for r in rows(sec.get("Wrong-key control", []))}
    for cid, (n, _, d) in ctl_checked.items():
        r = ks_table.get(cid)
        c.check(r is not None and r[4] == str(n) and abs(float(r[6]) - d) <= 6e-5,
                "report.md wrong-key control %s: %d tuples, KS D %.4f" % (cid, n, d))
    ab_rows = {r[0]: r for r in rows(sec.get("No-dedup ablation", []))}
    for label, name in (("suspect", "suspect"), ("control", "clean control")):
        if label + "_dedup" in abl:
            r = ab_rows.get(name)
            dd, rr = abl[label + "_dedup"], abl[label + "_no_dedup"]
            c.check(r is not None and r[1] == str(dd[0]) and same_p(r[2], dd[1])
                    and r[3] == str(rr[0]) and same_p(r[4], rr[1]),
                    "report.md ablation row '%s'" % name)
    fm = re.search(r"gives p = (\S+) on (\d+) de-duplicated tuples", md)
    if primary in recomputed:
        c.check(fm is not None and same_p(fm.group(1), recomputed[primary][2])
                and int(fm.group(2)) == recomputed[primary][0], "report.md finding: primary p and tuples")
    gm_rows = {r[0]: r for r in rows(sec.get("Open weights: the green-mass test", []))
               if re.fullmatch(r"G[0-9]+", r[0])}
    gm.check_report(c, gm_rows, ev, mass, adjusted, same_p)
    if primary in mass:
        fm = re.search(r"gives p = (\S+) at (\d+) contexts", md)
        n = next(t["contexts"] for t in mass_tests if t["id"] == primary)
        c.check(fm is not None and same_p(fm.group(1), mass[primary][1]) and int(fm.group(2)) == n,
                "report.md finding: primary p and contexts")
    return c


def sch_is_kgw(t):
    return t["parameters"]["scheme"] == "moat-kgw-v1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="the directory ./moat evidence wrote")
    ap.add_argument("--keys", required=True, help="the revealed key file (id=hex lines)")
    ap.add_argument("--wrong-key-sample", type=int, default=20,
                    help="wrong keys whose scores are recomputed per control (evenly spaced)")
    ap.add_argument("--all-wrong-keys", action="store_true", help="recompute every wrong key")
    ap.add_argument("--green-mass-key-sample", type=int, default=3,
                    help="wrong keys whose green-mass T is recomputed per test (each reads every"
                         " context's whole vocabulary)")
    ap.add_argument("--max-ks-rows", type=int, default=401,
                    help="largest KS matrix recomputed (pure Python: n rows^2 steps)")
    a = ap.parse_args()
    try:
        c = verify(a.directory, a.keys, a.wrong_key_sample, a.all_wrong_keys, a.max_ks_rows,
                   a.green_mass_key_sample)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        # A missing file or field, or a malformed one: the report cannot be checked.
        print("NOT VERIFIED: the report could not be read: %s: %s" % (type(e).__name__, e))
        return 1
    total = c.passed + len(c.failed)
    if c.failed:
        print("NOT VERIFIED: %d of %d checks failed" % (len(c.failed), total))
        for f in c.failed:
            print("  - " + f)
        return 1
    print("VERIFIED: all %d checks passed%s" % (total, "" if not c.skipped else " (%d skipped)" % len(c.skipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
