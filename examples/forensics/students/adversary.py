#!/usr/bin/env python3
"""A distiller who knows the scheme (Kerckhoffs), against a neural student: it estimates KGW h=1
green lists from its harvest by counting against clean answers, then scrubs: (a) it rewrites its
training data away from the estimated green tokens before training, or (b) it biases the student's
inference against them (Pan et al. 2025 use -2.5); experiment.py adds (c), a clean fine-tune.

  estimate  green-list estimates from the first N watermarked answers and N clean ones; their
            accuracy against the true lists (computed with the independent verifier's code,
            examples/verify/moat_kgw_v1.py, from the key: the experimenter's view, not the attacker's)
  rewrite   scrub (a): a copy of the harvest whose watermarked answers have every estimated-green
            token (after the token before it, as rewritten) replaced by the attacker's clean
            model's most likely token that is not estimated green; a student trained on it
  sample    the student's black-box texts with the bias applied (students.py sample's prompts)
  ppl       what the scrub costs: the biased student's perplexity on held-out clean answers

The attacker's clean reference is the teacher's own clean answers to the same prompts: the strongest
reference it could have (a real one would use its own clean model, and estimate worse).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "verify"))
import students  # noqa: E402
import moat_kgw_v1 as ref  # noqa: E402

V = 4096
KEY_HEX = "71756c6974792d7265706f72742d6b657931"  # QualityRuns.KEY (public)


def counts(rows):
    """Bigram counts (previous token, token) over the answers, the prompt's last token first."""
    c = np.zeros((V, V), dtype=np.int32)
    for p, a in rows:
        seq = [p[-1]] + a
        np.add.at(c, (np.array(seq[:-1]), np.array(seq[1:])), 1)
    return c


def true_green(key, prev, gamma=0.25):
    """The green list after `prev` (numpy version of the verifier's is_green, same arithmetic)."""
    s = ref.seed(key, [prev])
    s0, s1 = np.uint64(s & 0xFFFFFFFF), np.uint64(s >> 32)
    v = np.arange(V, dtype=np.uint64)
    m = np.uint64(0xFFFFFFFF)
    x = (((v * np.uint64(0x9E3779B9)) + s0) & m) ^ s1
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & m
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & m
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(8)) < np.uint64(round(gamma * (1 << 24)))


def estimate(wm, clean, min_count):
    """Estimated green: tokens more frequent after `prev` in the watermarked answers than in the
    clean ones (add-half smoothing, each side's total for the context), for contexts seen at least
    min_count times on both sides. Returns (mask [V,V] bool, contexts estimated)."""
    nw = wm.sum(1, keepdims=True).astype(np.float64)
    nc = clean.sum(1, keepdims=True).astype(np.float64)
    ok = (nw[:, 0] >= min_count) & (nc[:, 0] >= min_count)
    ratio = ((wm + 0.5) / (nw + 0.5 * V)) / ((clean + 0.5) / (nc + 0.5 * V))
    seen = (wm + clean) > 0
    mask = (ratio > 1.0) & seen & ok[:, None]
    return mask, ok


def cmd_estimate(a):
    h = students.load_harvest(a.harvest)
    wm = counts(h[a.scheme][:a.answers])
    clean = counts(h["clean"][:a.answers])
    mask, ok = estimate(wm, clean, a.min_count)
    key = ref.derive_key(bytes.fromhex(KEY_HEX))
    # Accuracy on the tokens the attacker saw in an estimated context, weighted by how often the
    # watermarked answers use them (what matters for a scrub).
    tp = fp = fn = tn = 0
    weighted_hit = weighted = 0
    for prev in np.nonzero(ok)[0]:
        g = true_green(key, int(prev))
        seen = (wm[prev] + clean[prev]) > 0
        est = mask[prev]
        tp += int((est & g & seen).sum())
        fp += int((est & ~g & seen).sum())
        fn += int((~est & g & seen).sum())
        tn += int((~est & ~g & seen).sum())
        weighted_hit += int(wm[prev][est == g].sum())
        weighted += int(wm[prev].sum())
    np.savez_compressed(a.out, mask=mask)
    out = dict(answers=a.answers, contexts_estimated=int(ok.sum()),
               tokens_covered=round(weighted / max(1, wm.sum()), 4),
               precision=round(tp / max(1, tp + fp), 4), recall=round(tp / max(1, tp + fn), 4),
               accuracy=round((tp + tn) / max(1, tp + tn + fp + fn), 4),
               balanced_accuracy=round((tp / max(1, tp + fn) + tn / max(1, tn + fp)) / 2, 4),
               usage_weighted_accuracy=round(weighted_hit / max(1, weighted), 4))
    print(json.dumps(out))


def bias_table(path, strength):
    mask = np.load(path)["mask"]
    return torch.from_numpy(mask.astype(np.float32) * -strength)


def cmd_sample(a):
    model, _ = students.load(a.student)
    torch.set_grad_enabled(False)
    probes = []
    with open(os.path.join(a.harvest, "probes.jsonl")) as f:
        for line in f:
            probes.append(json.loads(line)["prompt_tokens"])
    bias = bias_table(a.estimate, a.bias)
    ours = students.generate(model, probes, a.tokens, seed=a.seed, bias=bias)
    own = students.generate(model, [[0]] * a.own, a.tokens, seed=a.seed + 1, bias=bias)
    tok = students.tokenizer()
    with open(a.out, "w") as f:
        for t in ours + own:
            s = students.escape(tok.decode(t))
            f.write((s if s.strip() else ".") + "\n")
    print(json.dumps({"texts": len(ours) + len(own), "tokens": sum(map(len, ours + own))}))


def rewrite_answer(model, mask, prompt, answer):
    """One answer rewritten left to right: a token estimated green after the (rewritten) token
    before it becomes the clean model's most likely token that is not, the clean model reading
    the original text (teacher forcing: one forward pass per answer). Returns (tokens, replaced)."""
    s = (prompt + answer)[-students.MAX_POS:]
    n = len(answer)
    logits, _, _ = model(torch.tensor([s[:-1]]))
    rows = logits[0, len(s) - 1 - n:]  # row i predicts answer[i]
    prev = prompt[-1]
    out, replaced = [], 0
    for i, t in enumerate(answer):
        green = mask[prev]
        if green[t]:
            row = rows[i].clone()
            row[torch.from_numpy(green)] = float("-inf")
            t = int(row.argmax())
            replaced += 1
        out.append(t)
        prev = t
    return out, replaced


def cmd_rewrite(a):
    """Writes a harvest directory whose `scheme` answers are rewritten; the rest is linked."""
    h = students.load_harvest(a.harvest)
    mask = np.load(a.estimate)["mask"]
    model, _ = students.load(a.reference)
    torch.set_grad_enabled(False)
    os.makedirs(a.out, exist_ok=True)
    for name in os.listdir(a.harvest):
        if name != "harvest.jsonl" and not os.path.exists(os.path.join(a.out, name)):
            os.symlink(os.path.abspath(os.path.join(a.harvest, name)), os.path.join(a.out, name))
    tokens = replaced = 0
    tmp = os.path.join(a.out, "harvest.jsonl.tmp")
    with open(os.path.join(a.harvest, "harvest.jsonl")) as src, open(tmp, "w") as dst:
        for line in src:
            o = json.loads(line)
            if o["harvest"] == a.scheme:
                o["tokens"], k = rewrite_answer(model, mask, o["prompt_tokens"], o["tokens"])
                tokens += len(o["tokens"])
                replaced += k
            dst.write(json.dumps(o) + "\n")
    os.replace(tmp, os.path.join(a.out, "harvest.jsonl"))
    print(json.dumps({"tokens": tokens, "replaced": replaced,
                      "replaced_share": round(replaced / max(1, tokens), 4)}))


def cmd_ppl(a):
    model, _ = students.load(a.student)
    rows = students.load_harvest(a.harvest)["clean"][-a.heldout:]
    bias = bias_table(a.estimate, a.bias) if a.estimate else None
    ppl, n = students.perplexity(model, rows, bias=bias)
    print(json.dumps({"perplexity": round(ppl, 3), "tokens": n}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("rewrite")
    s.add_argument("--harvest", required=True)
    s.add_argument("--scheme", default="kgw-h-1")
    s.add_argument("--estimate", required=True)
    s.add_argument("--reference", required=True, help="the attacker's clean model (students.py)")
    s.add_argument("--out", required=True)
    s = sub.add_parser("estimate")
    s.add_argument("--harvest", required=True)
    s.add_argument("--scheme", default="kgw-h-1")
    s.add_argument("--answers", type=int, required=True)
    s.add_argument("--min-count", type=int, default=20)
    s.add_argument("--out", required=True)
    for name in ("sample", "ppl"):
        s = sub.add_parser(name)
        s.add_argument("--harvest", required=True)
        s.add_argument("--student", required=True)
        s.add_argument("--estimate")
        s.add_argument("--bias", type=float, default=2.5)
        if name == "sample":
            s.add_argument("--out", required=True)
            s.add_argument("--tokens", type=int, default=100)
            s.add_argument("--own", type=int, default=1500)
            s.add_argument("--seed", type=int, default=7)
        else:
            s.add_argument("--heldout", type=int, default=300)
    a = p.parse_args()
    torch.set_num_threads(2)
    {"estimate": cmd_estimate, "rewrite": cmd_rewrite, "sample": cmd_sample,
     "ppl": cmd_ppl}[a.cmd](a)


if __name__ == "__main__":
    main()
