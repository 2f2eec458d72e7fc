#!/usr/bin/env python3
"""One decode step of a real-size decoder on a GPU, to put Moat's per-step host work beside it.

Moat processes a step's logits on the host. On a GPU server that step is the model's forward pass
for every row of the batch, then (because Moat works on the host) a copy of the last position's
logits from the device. This script measures both for published architectures at their real sizes
and vocabularies, with random bfloat16 weights (the time of a step does not depend on the values):

  llama-3.2-1b   vocabulary 128,256, 16 layers, hidden 2,048 (tied embeddings)
  llama-3.1-8b   vocabulary 128,256, 32 layers, hidden 4,096
  qwen2.5-7b     vocabulary 152,064, 28 layers, hidden 3,584

The forward pass is written out in PyTorch (RMSNorm, rotary embedding, grouped-query attention over
a static KV cache, SwiGLU MLP, as the architectures' modeling code does), so that a whole decode
step can be captured in a CUDA graph and replayed the way serving stacks run it (vLLM and TensorRT-LLM
capture their decode steps too). The script reports, per batch size:

  graph_ms     median time of one captured decode step (the model's step as a server sees it)
  eager_ms     median time of the same step run eagerly (one Python call per operator)
  floor_ms     the bytes a step must read (weights and the KV cache) over the copy bandwidth
               measured on the same device (bytes read plus written per second): no
               implementation can be faster
  copy_ms      copying the step's float32 logits [batch, vocab] to pinned host memory

Nothing is downloaded; the weights are random. Usage:

  python3 perf/gpu/model_step.py --batches 1,16,64 --context 1024 --out results.json
  python3 perf/gpu/model_step.py --tiny --device cpu      # a self-check of the code path on a CPU
"""
import argparse
import json
import math
import statistics
import time

import torch

ARCHS = {
    "llama-3.2-1b": dict(vocab=128256, hidden=2048, inter=8192, layers=16, heads=32, kv=8,
                         tied=True, theta=500000.0),
    "llama-3.1-8b": dict(vocab=128256, hidden=4096, inter=14336, layers=32, heads=32, kv=8,
                         tied=False, theta=500000.0),
    "qwen2.5-7b": dict(vocab=152064, hidden=3584, inter=18944, layers=28, heads=28, kv=4,
                       tied=False, theta=1000000.0, qkv_bias=True),
    "tiny": dict(vocab=1000, hidden=64, inter=128, layers=2, heads=4, kv=2, tied=False,
                 theta=10000.0, qkv_bias=True),
}


class Decoder:
    """A Llama/Qwen2-style decoder with a static KV cache; step() decodes one token per row."""

    def __init__(self, a, max_len, device, dtype, seed=0):
        g = torch.Generator(device=device).manual_seed(seed)
        self.a, self.max_len, self.g, self.device, self.dtype = a, max_len, g, device, dtype
        self.hd = a["hidden"] // a["heads"]
        h, kvd = a["hidden"], a["kv"] * (a["hidden"] // a["heads"])

        def w(*shape):
            return torch.randn(*shape, generator=g, device=device, dtype=dtype) * 0.02

        self.embed = w(a["vocab"], h)
        self.lm_head = self.embed if a["tied"] else w(a["vocab"], h)
        self.layers = []
        for _ in range(a["layers"]):
            self.layers.append(dict(
                ln1=torch.ones(h, device=device, dtype=dtype),
                ln2=torch.ones(h, device=device, dtype=dtype),
                wqkv=w(h + 2 * kvd, h),
                bqkv=w(h + 2 * kvd) if a.get("qkv_bias") else None,
                wo=w(h, h),
                w13=w(2 * a["inter"], h),
                w2=w(h, a["inter"]),
            ))
        self.norm = torch.ones(h, device=device, dtype=dtype)
        inv = 1.0 / (a["theta"] ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        ang = torch.outer(torch.arange(max_len, dtype=torch.float32), inv)
        self.cos = torch.cos(ang).to(device, dtype)
        self.sin = torch.sin(ang).to(device, dtype)
        self.positions = torch.arange(max_len, device=device)
        self.batch = 0

    def set_batch(self, batch):
        """A fresh random KV cache of `batch` rows (the old one is freed first)."""
        for L in self.layers:
            L.pop("k", None)
            L.pop("v", None)
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()
        shape = (batch, self.a["kv"], self.max_len, self.hd)
        for L in self.layers:
            L["k"] = torch.randn(*shape, generator=self.g, device=self.device, dtype=self.dtype)
            L["v"] = torch.randn(*shape, generator=self.g, device=self.device, dtype=self.dtype)
        self.batch = batch

    @staticmethod
    def rms(x, weight):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6)).to(x.dtype) * weight

    def rope(self, x, pos):
        # x [B, heads, 1, hd]; rotate halves as Hugging Face's rotate_half does
        c = self.cos.index_select(0, pos).view(1, 1, 1, -1)
        s = self.sin.index_select(0, pos).view(1, 1, 1, -1)
        x1, x2 = x[..., : self.hd // 2], x[..., self.hd // 2:]
        return torch.cat((x1 * c - x2 * s, x2 * c + x1 * s), dim=-1)

    def bytes_per_step(self, pos):
        weights = sum(t.numel() * t.element_size() for L in self.layers
                      for k, t in L.items() if k not in ("k", "v") and t is not None)
        weights += self.lm_head.numel() * self.lm_head.element_size()
        kv = sum(L["k"][:, :, : pos + 1].numel() * 2 * L["k"].element_size() for L in self.layers)
        return weights + kv

    def step(self, ids, pos):
        """ids [B] long, pos [1] long (a tensor, so the step can be captured); returns [B, vocab]."""
        a, B, hd = self.a, self.batch, self.hd
        h, nh, nkv = a["hidden"], a["heads"], a["kv"]
        x = self.embed.index_select(0, ids).view(B, 1, h)
        mask = (self.positions <= pos).view(1, 1, 1, -1)
        for L in self.layers:
            y = self.rms(x, L["ln1"])
            qkv = torch.nn.functional.linear(y, L["wqkv"], L["bqkv"])
            q, k, v = qkv.split([h, nkv * hd, nkv * hd], dim=-1)
            q = self.rope(q.view(B, 1, nh, hd).transpose(1, 2), pos)
            k = self.rope(k.view(B, 1, nkv, hd).transpose(1, 2), pos)
            v = v.view(B, 1, nkv, hd).transpose(1, 2)
            L["k"].index_copy_(2, pos, k)
            L["v"].index_copy_(2, pos, v)
            # grouped-query attention without copying the cache: [B, kv, group, hd] @ [B, kv, hd, L]
            qg = q.reshape(B, nkv, nh // nkv, hd)
            att = torch.matmul(qg, L["k"].transpose(-1, -2)).float() / math.sqrt(hd)
            att = att.masked_fill(~mask.view(1, 1, 1, -1), float("-inf")).softmax(-1)
            o = torch.matmul(att.to(x.dtype), L["v"]).reshape(B, 1, h)
            x = x + torch.nn.functional.linear(o, L["wo"])
            y = self.rms(x, L["ln2"])
            g, u = torch.nn.functional.linear(y, L["w13"]).chunk(2, dim=-1)
            x = x + torch.nn.functional.linear(torch.nn.functional.silu(g) * u, L["w2"])
        x = self.rms(x, self.norm)
        return torch.nn.functional.linear(x.view(B, h), self.lm_head).float()


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn, device, n):
    out = []
    for _ in range(n):
        sync(device)
        t = time.perf_counter()
        fn()
        sync(device)
        out.append((time.perf_counter() - t) * 1e3)
    return statistics.median(out), out


def bandwidth(device):
    """Device-to-device copy bandwidth, bytes read plus written per second (the memory ceiling)."""
    n = 1 << 30 if device.startswith("cuda") else 1 << 24
    src = torch.empty(n, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    ms, _ = timed(lambda: dst.copy_(src), device, 10)
    del src, dst
    return 2 * n / (ms / 1e3)


def run(arch, batches, context, device, dtype, steps, bw):
    a = ARCHS[arch]
    rows = []
    m = Decoder(a, context + 2 * steps + 8, device, dtype)
    for B in batches:
        m.set_batch(B)
        ids = torch.randint(0, a["vocab"], (B,), device=device)
        pos = torch.tensor([context], device=device)
        with torch.no_grad():
            logits = m.step(ids, pos)  # warm-up, and checks the shapes
            assert logits.shape == (B, a["vocab"]) and torch.isfinite(logits).all(), logits.shape
            eager_ms, _ = timed(lambda: m.step(ids, pos), device, steps)
            graph_ms = None
            if device.startswith("cuda"):
                s = torch.cuda.Stream()
                s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s):
                    for _ in range(3):
                        m.step(ids, pos)
                torch.cuda.current_stream().wait_stream(s)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    static_logits = m.step(ids, pos)
                graph_ms, _ = timed(graph.replay, device, steps)
                check = m.step(ids, pos)
                graph.replay()
                sync(device)
                graph_vs_eager = (static_logits - check).abs().max().item()
                host = torch.empty_like(static_logits, device="cpu").pin_memory()
                copy_ms, _ = timed(lambda: host.copy_(static_logits, non_blocking=True), device, steps)
                paged = torch.empty_like(static_logits, device="cpu")
                paged_ms, _ = timed(lambda: paged.copy_(static_logits), device, steps)
            else:
                host = torch.empty_like(logits)
                copy_ms, _ = timed(lambda: host.copy_(logits), device, steps)
                paged_ms = copy_ms
                graph_vs_eager = None
        # bw counts a copy's bytes read plus written, which is what one stream of reads can reach
        floor_ms = m.bytes_per_step(context) / bw * 1e3
        row = dict(arch=arch, vocab=a["vocab"], batch=B, context=context,
                   graph_ms=graph_ms, eager_ms=eager_ms, floor_ms=floor_ms,
                   copy_pinned_ms=copy_ms, copy_pageable_ms=paged_ms,
                   logits_mib=B * a["vocab"] * 4 / 2**20, graph_vs_eager_max_abs=graph_vs_eager)
        print(json.dumps(row), flush=True)
        rows.append(row)
        if device.startswith("cuda"):
            del graph, static_logits, host, paged
    del m
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--archs", default="llama-3.2-1b,llama-3.1-8b,qwen2.5-7b")
    p.add_argument("--batches", default="1,16,64")
    p.add_argument("--context", type=int, default=1024)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--device", default="cuda")
    p.add_argument("--tiny", action="store_true", help="the tiny architecture only (a self-check)")
    p.add_argument("--out")
    args = p.parse_args()
    dtype = torch.bfloat16 if args.device.startswith("cuda") else torch.float32
    archs = ["tiny"] if args.tiny else args.archs.split(",")
    bw = bandwidth(args.device)
    info = dict(device=torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
                torch=torch.__version__, copy_bandwidth_gb_s=bw / 1e9)
    print(json.dumps(info), flush=True)
    rows = []
    for arch in archs:
        rows += run(arch, [int(b) for b in args.batches.split(",")], args.context, args.device,
                    dtype, args.steps, bw)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(dict(info=info, rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
