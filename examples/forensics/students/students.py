#!/usr/bin/env python3
"""Neural students for the radioactivity experiment: small decoder transformers trained on CPU on
mixes of Moat's watermarked harvest and clean answers, then made to write text (black box) and
exported to ONNX (open weights) so that Moat's own tests (`./moat evidence`,
`./moat radioactivity --suspect-onnx`) can judge them.

Run with Debian's Python (`/usr/bin/python3`; `apt-get install -y python3-torch python3-onnx`). The
architecture is the bundled model's (model-adapters/bundled-model/train/model.py) at other sizes;
the tokenizer is the bundled model's. Nothing is downloaded.

Subcommands (each prints its progress to stderr and a JSON summary line to stdout):
  train   one student on one mix (from scratch, or fine-tuned from --base)
  base    a base model trained on clean text (the bundled model's clean answers to other prompts)
  sample  the student's black-box texts: continuations of our probe prompts, and its own texts
  export  the student as an ONNX directory in the bundled model's layout
  ppl     the student's perplexity on held-out clean answers
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TRAIN = os.path.join(ROOT, "model-adapters", "bundled-model", "train")
TOKENIZER = os.path.join(ROOT, "model-adapters", "bundled-model", "src", "main", "resources",
                         "dev", "moat", "model", "tiny", "tokenizer.json")
sys.path.insert(0, TRAIN)
from model import GPTConfig, TinyGPT  # noqa: E402

# d_model, n_layer, n_head: about 2M and 8M parameters at the bundled vocabulary (4,096), and a
# tiny one for the pipeline's test.
SIZES = {
    "tiny": dict(d_model=32, n_layer=1, n_head=2),
    "2m": dict(d_model=160, n_layer=4, n_head=4),
    "8m": dict(d_model=288, n_layer=7, n_head=6),
}
MAX_POS = 256
EOS = 0


def log(msg):
    print(f"[students {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fail(field, value, allowed):
    sys.exit(f"students.py: `{field}` was {value!r} but {allowed}")


def load_harvest(d):
    """{harvest name: [(prompt_tokens, answer_tokens)] by prompt index}."""
    path = os.path.join(d, "harvest.jsonl")
    if not os.path.isfile(path):
        fail("--harvest", d, "it must be a directory written by "
             "`./moat radioactivity --export-harvest DIR` (harvest.jsonl is missing)")
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
                rows = out.setdefault(o["harvest"], {})
                rows[int(o["prompt"])] = (list(o["prompt_tokens"]), list(o["tokens"]))
            except (ValueError, KeyError, TypeError) as e:
                fail(f"{path} line {n}", line[:80], f"each line must be a harvest record ({e})")
    return {h: [rows[p] for p in sorted(rows)] for h, rows in out.items()}


def mix(harvest, scheme, rho, seed, first, count):
    """Answers to prompts first..first+count: round(rho*count) of them, a seeded random subset,
    from the watermarked harvest `scheme`, the rest from the clean one (the same prompts)."""
    if scheme not in harvest and rho > 0:
        fail("--scheme", scheme, f"the harvest holds {sorted(harvest)}")
    if not 0 <= rho <= 1:
        fail("--rho", rho, "it must be in [0, 1]")
    clean = harvest["clean"][first:first + count]
    k = round(rho * len(clean))
    marked = set(random.Random(f"mix:{seed}:{rho}").sample(range(len(clean)), k))
    rows = [harvest[scheme][first + i] if i in marked else clean[i] for i in range(len(clean))]
    return rows, k


def batches(rows, batch, rng):
    """Padded (input, target) batches; targets only on answer tokens (-100 elsewhere)."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    for i in range(0, len(order), batch):
        seqs = []
        for j in order[i:i + batch]:
            p, a = rows[j]
            s = (p + a)[-MAX_POS - 1:]
            answer_from = max(1, len(s) - len(a))
            seqs.append((s, answer_from))
        t = max(len(s) for s, _ in seqs) - 1
        x = torch.zeros(len(seqs), t, dtype=torch.long)
        y = torch.full((len(seqs), t), -100, dtype=torch.long)
        for r, (s, af) in enumerate(seqs):
            x[r, :len(s) - 1] = torch.tensor(s[:-1])
            tgt = torch.tensor(s[1:])
            tgt[:af - 1] = -100
            y[r, :len(s) - 1] = tgt
        yield x, y


def new_model(size, seed):
    if size not in SIZES:
        fail("--size", size, f"it must be one of {sorted(SIZES)}")
    torch.manual_seed(seed)
    return TinyGPT(GPTConfig(vocab_size=4096, max_positions=MAX_POS, **SIZES[size]))


def load(path):
    ck = torch.load(path, map_location="cpu")
    m = TinyGPT(GPTConfig(**ck["config"]))
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck


def train(model, rows, epochs, lr, batch, seed, label):
    """AdamW (0.9, 0.95; decay 0.1 on matrices), 5% warmup then cosine to 10%, bf16 autocast."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    rest = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": rest, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))
    steps = epochs * math.ceil(len(rows) / batch)
    warm = max(1, steps // 20)
    rng = random.Random(f"order:{seed}")
    step, tokens, ema, t0 = 0, 0, None, time.time()
    model.train()
    for epoch in range(epochs):
        for x, y in batches(rows, batch, rng):
            f = step / warm if step < warm else 0.1 + 0.45 * (1 + math.cos(
                math.pi * (step - warm) / max(1, steps - warm)))
            for g in opt.param_groups:
                g["lr"] = lr * f
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits, _, _ = model(x)
            loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1),
                                   ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            tokens += int((y != -100).sum())
            ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
            if step % 50 == 0 or step == steps:
                s = time.time() - t0
                log(f"{label}: step {step}/{steps} epoch {epoch + 1} loss {ema:.3f} "
                    f"{tokens / s:,.0f} answer tokens/s")
    model.eval()
    return {"steps": step, "answer_tokens_seen": tokens, "final_loss": round(ema or 0, 4),
            "seconds": round(time.time() - t0, 1)}


def save(model, path, meta):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), "meta": meta}, path)


@torch.no_grad()
def generate(model, prompts, n, seed, temperature=1.0, batch=64, bias=None):
    """Continuations of `prompts` (token lists), up to n tokens each, cut at the end token.
    Prompts are bucketed by length so each batch shares positions; sampling is seeded per batch.
    `bias` ([V, V], optional): added to the logits, row chosen by the previous token."""
    out = [None] * len(prompts)
    by_len = {}
    for i, p in enumerate(prompts):
        p = p[-(MAX_POS - n):]
        by_len.setdefault(len(p), []).append((i, p))
    g = torch.Generator().manual_seed(seed)
    for length in sorted(by_len):
        items = by_len[length]
        for b in range(0, len(items), batch):
            chunk = items[b:b + batch]
            ids = torch.tensor([p for _, p in chunk])
            logits, pk, pv = model(ids)
            last = logits[:, -1, :]
            prev = ids[:, -1]
            gen = []
            for _ in range(n):
                if bias is not None:
                    last = last + bias[prev]
                probs = torch.softmax(last.float() / temperature, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=g)
                gen.append(nxt)
                prev = nxt[:, 0]
                logits, pk, pv = model(nxt, pk, pv)
                last = logits[:, -1, :]
            toks = torch.cat(gen, dim=1).tolist()
            for (i, _), t in zip(chunk, toks):
                out[i] = t[:t.index(EOS)] if EOS in t else t
    return out


def tokenizer():
    from bpe import Tokenizer
    return Tokenizer.load(TOKENIZER)


def escape(s):
    return s.replace("\r", " ").replace("\n", "\\n")


@torch.no_grad()
def perplexity(model, rows, batch=32, bias=None):
    """Perplexity on the answers of rows; `bias` ([V, V], optional) as in generate."""
    nll, count = 0.0, 0
    for x, y in batches(rows, batch, random.Random(0)):
        logits, _, _ = model(x)
        if bias is not None:
            logits = logits + bias[x]
        nll += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                               ignore_index=-100, reduction="sum").item()
        count += int((y != -100).sum())
    return math.exp(nll / max(1, count)), count


def export(model, d):
    import onnx
    os.makedirs(d, exist_ok=True)
    c = model.cfg
    ids = torch.randint(1, c.vocab_size, (2, 3), generator=torch.Generator().manual_seed(1))
    pk = torch.randn(c.n_layer, 2, c.n_head, 5, c.head_dim)
    pv = torch.randn(c.n_layer, 2, c.n_head, 5, c.head_dim)
    path = os.path.join(d, "model.onnx")
    torch.onnx.export(
        model, (ids, pk, pv), path, input_names=["input_ids", "past_keys", "past_values"],
        output_names=["logits", "present_keys", "present_values"], opset_version=14,
        do_constant_folding=False,
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "past_keys": {1: "batch", 3: "past"},
                      "past_values": {1: "batch", 3: "past"}, "logits": {0: "batch", 1: "seq"},
                      "present_keys": {1: "batch", 3: "total"},
                      "present_values": {1: "batch", 3: "total"}})
    onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": "moat-tiny-gpt", "vocab_size": c.vocab_size,
                   "n_layer": c.n_layer, "n_head": c.n_head, "head_dim": c.head_dim,
                   "d_model": c.d_model, "max_positions": c.max_positions, "bos_token_id": 0,
                   "eos_token_id": 0, "add_bos": True,
                   "parameters": model.num_parameters()}, f, indent=2)


def cmd_train(a):
    harvest = load_harvest(a.harvest)
    n = len(harvest["clean"])
    first = a.base_prompts if a.base else 0
    count = n - a.heldout - first
    if count < 1:
        fail("--heldout", a.heldout, f"it must leave training prompts (the harvest has {n})")
    rows, k = mix(harvest, a.scheme, a.rho, a.seed, first, count)
    if a.base:
        model, _ = load(a.base)
        kind = "fine-tuned"
    else:
        model = new_model(a.size, a.seed)
        kind = "from scratch"
    label = f"{a.scheme} rho={a.rho} seed={a.seed} ({kind}, {model.num_parameters():,} params)"
    log(f"{label}: {len(rows)} answers, {k} watermarked")
    stats = train(model, rows, a.epochs, a.lr, a.batch, a.seed, label)
    meta = dict(scheme=a.scheme, rho=a.rho, seed=a.seed, kind=kind, watermarked_answers=k,
                answers=len(rows), parameters=model.num_parameters(), epochs=a.epochs, **stats)
    save(model, a.out, meta)
    print(json.dumps(meta))


def cmd_base(a):
    """A base model on clean text: the clean answers to prompts 0..base_prompts (never used by
    the fine-tuned students, which train on the prompts after them)."""
    harvest = load_harvest(a.harvest)
    if not 0 < a.base_prompts < len(harvest["clean"]) - a.heldout:
        fail("--base-prompts", a.base_prompts, "it must be positive and leave student prompts")
    rows = harvest["clean"][:a.base_prompts]
    model = new_model(a.size, a.seed)
    stats = train(model, rows, a.epochs, a.lr, a.batch, a.seed, f"base ({model.num_parameters():,})")
    meta = dict(kind="base", answers=len(rows), parameters=model.num_parameters(), **stats)
    save(model, a.out, meta)
    print(json.dumps(meta))


def cmd_sample(a):
    model, ck = load(a.student)
    torch.set_grad_enabled(False)
    probes = []
    with open(os.path.join(a.harvest, "probes.jsonl")) as f:
        for line in f:
            probes.append(json.loads(line)["prompt_tokens"])
    t0 = time.time()
    ours = generate(model, probes, a.tokens, seed=a.seed)
    own = generate(model, [[0]] * a.own, a.tokens, seed=a.seed + 1)
    tok = tokenizer()
    texts = [escape(tok.decode(t)) for t in ours + own]
    with open(a.out, "w") as f:
        for t in texts:
            f.write((t if t.strip() else ".") + "\n")
    total = sum(map(len, ours + own))
    log(f"sampled {len(texts)} texts, {total:,} tokens in {time.time() - t0:.0f} s -> {a.out}")
    print(json.dumps({"texts": len(texts), "tokens": total, "probe_texts": len(ours),
                      "own_texts": len(own)}))


def cmd_export(a):
    model, _ = load(a.student)
    export(model, a.out)
    log(f"exported {a.student} -> {a.out}")
    print(json.dumps({"onnx": a.out}))


def cmd_ppl(a):
    model, _ = load(a.student)
    harvest = load_harvest(a.harvest)
    rows = harvest["clean"][-a.heldout:]
    ppl, count = perplexity(model, rows)
    print(json.dumps({"perplexity": round(ppl, 3), "tokens": count}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("train", "base"):
        s = sub.add_parser(name)
        s.add_argument("--harvest", required=True)
        s.add_argument("--out", required=True)
        s.add_argument("--scheme", default="kgw-h-1")
        s.add_argument("--rho", type=float, default=0.0)
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--size", default="2m")
        s.add_argument("--epochs", type=int, default=3)
        s.add_argument("--lr", type=float, default=2e-3)
        s.add_argument("--batch", type=int, default=32)
        s.add_argument("--base", help="fine-tune this base checkpoint instead of a fresh model")
        s.add_argument("--base-prompts", type=int, default=0,
                       help="prompts 0..N are the base's clean text, never a student's")
        s.add_argument("--heldout", type=int, default=300,
                       help="the last N prompts' clean answers: held out for perplexity")
        s.add_argument("--threads", type=int, default=2)
    s = sub.add_parser("sample")
    s.add_argument("--harvest", required=True)
    s.add_argument("--student", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--tokens", type=int, default=100)
    s.add_argument("--own", type=int, default=1500, help="texts from the end token alone")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--threads", type=int, default=2)
    s = sub.add_parser("export")
    s.add_argument("--student", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=2)
    s = sub.add_parser("ppl")
    s.add_argument("--harvest", required=True)
    s.add_argument("--student", required=True)
    s.add_argument("--heldout", type=int, default=300)
    s.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    {"train": cmd_train, "base": cmd_base, "sample": cmd_sample, "export": cmd_export,
     "ppl": cmd_ppl}[a.cmd](a)


if __name__ == "__main__":
    main()
