#!/usr/bin/env python3
"""Train the Moat tiny GPT on CPU (2 threads, bf16 autocast; fp32 master weights).

Batches are half English, half Java (random windows from each token stream).
AdamW, linear warmup + cosine decay. Writes scratch/ckpt.pt (periodically and at the end)
and scratch/train_result.json with held-out perplexities.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

from model import GPTConfig, TinyGPT

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "scratch")


def load(lang, split):
    return torch.from_numpy(np.load(os.path.join(WORK, "tokens", f"{lang}_{split}.npy")).astype(np.int64))


@torch.no_grad()
def evaluate(model, data, seq_len, max_windows=None):
    """Mean next-token cross-entropy over non-overlapping windows of the stream."""
    model.eval()
    total, count = 0.0, 0
    n = (len(data) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    bs = 16
    for s in range(0, n, bs):
        idx = range(s, min(n, s + bs))
        x = torch.stack([data[i * seq_len:(i + 1) * seq_len] for i in idx])
        y = torch.stack([data[i * seq_len + 1:(i + 1) * seq_len + 1] for i in idx])
        logits, _, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
        total += loss.item()
        count += y.numel()
    # the remainder of the stream (last partial window)
    rest = data[n * seq_len:]
    if max_windows is None and len(rest) > 1:
        logits, _, _ = model(rest[:-1].unsqueeze(0))
        total += torch.nn.functional.cross_entropy(logits[0], rest[1:], reduction="sum").item()
        count += len(rest) - 1
    model.train()
    return total / count, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16, help="sequences per step (half English, half Java)")
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--d-model", type=int, default=192)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=40 * 60, help="safety stop (wall time)")
    ap.add_argument("--bf16", type=int, default=1, help="bf16 autocast for the training forward (CPU AMP)")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this many steps (schedule still uses --steps); 0 = run all steps")
    ap.add_argument("--resume", default="",
                    help="phase 2: start from the weights of this checkpoint (fresh AdamW state, new warmup "
                         "and cosine schedule over --steps); steps/tokens/seconds accumulate")
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--ckpt-every", type=int, default=250)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    train = {l: load(l, "train") for l in ("english", "java")}
    val = {l: load(l, "val") for l in ("english", "java")}
    cfg = GPTConfig(vocab_size=4096, n_layer=args.n_layer, n_head=args.n_head,
                    d_model=args.d_model, max_positions=256)
    model = TinyGPT(cfg)
    prev = {"step": 0, "tokens": 0, "seconds": 0.0}
    if args.resume:
        ck = torch.load(args.resume, map_location="cpu")
        assert ck["config"] == cfg.to_dict(), ck["config"]
        model.load_state_dict(ck["model"])
        prev = {k: ck[k] for k in prev}
        # different batch stream from phase 1
        gen.manual_seed(args.seed + prev["step"])
        print(f"resumed from {args.resume}: {prev}", flush=True)
    nparams = model.num_parameters()
    print(f"params {nparams}  config {cfg.to_dict()}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        p = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))

    half = args.batch // 2

    def batch():
        xs, ys = [], []
        for lang, n in (("english", half), ("java", args.batch - half)):
            d = train[lang]
            starts = torch.randint(0, len(d) - args.seq - 1, (n,), generator=gen)
            for s in starts.tolist():
                xs.append(d[s:s + args.seq])
                ys.append(d[s + 1:s + args.seq + 1])
        return torch.stack(xs), torch.stack(ys)

    def save(step, seconds, tokens):
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": prev["step"] + step,
                    "seconds": prev["seconds"] + seconds, "tokens": prev["tokens"] + tokens,
                    "seed": args.seed}, os.path.join(WORK, "ckpt.pt"))

    t0 = time.time()
    tokens = 0
    ema = None
    step = 0
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = batch()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.bf16)):
            loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += x.numel()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        el = time.time() - t0
        if step % args.log_every == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.4f} ema {ema:.4f} lr {lr_at(step):.2e} "
                  f"tok {tokens} {tokens / el:.0f} tok/s elapsed {el:.0f}s", flush=True)
        if (step + 1) % args.ckpt_every == 0:
            save(step + 1, el, tokens)
        if args.stop_at and step + 1 >= args.stop_at:
            print(f"stop-at reached at step {step}", flush=True)
            break
        if el > args.max_seconds:
            print(f"time budget reached at step {step}", flush=True)
            break
    steps_done = step + 1
    seconds = time.time() - t0
    save(steps_done, seconds, tokens)

    res = {"steps": prev["step"] + steps_done, "tokens": prev["tokens"] + tokens,
           "seconds": round(prev["seconds"] + seconds, 1), "seed": args.seed,
           "phase_steps": steps_done, "phase_tokens": tokens, "phase_seconds": round(seconds, 1),
           "final_train_loss_ema": round(ema, 4), "parameters": nparams, "args": vars(args)}
    tot_loss, tot_n = 0.0, 0
    ppl = {}
    for lang in ("english", "java"):
        l, n = evaluate(model, val[lang], args.seq)
        ppl[lang] = round(math.exp(l), 3)
        res[f"val_loss_{lang}"] = round(l, 4)
        res[f"val_tokens_{lang}"] = n
        tot_loss += l * n
        tot_n += n
    ppl["all"] = round(math.exp(tot_loss / tot_n), 3)
    res["heldout_perplexity"] = ppl
    print(json.dumps(res), flush=True)
    with open(os.path.join(WORK, "train_result.json"), "w") as f:
        json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
