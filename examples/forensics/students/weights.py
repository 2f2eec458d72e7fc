#!/usr/bin/env python3
"""Which weights a_c(v) give the green-mass test the most power? (issue 18, 2026-12-03)

T = sum_c sum_v a_c(v) (green_c(v) - g) has mean 0 and variance g (1 - g) sum a^2 under the null
for any weights computed from what never saw the key: the suspect's and the reference's averaged
distributions P and Q, and n_c, the number of served texts in which context c was scored. This
reads a `./moat evidence --suspect-onnx DIR --reference-onnx DIR` directory (P, and D = P - Q)
and prints z for each weighting under the true key and under wrong keys (their z must look
N(0, 1)). Needs numpy (Debian's python3-numpy); exploration only: the weighting kept is
GreenMass.Statistic.WEIGHTED, and the report's own figures come from Moat and its verifier.

  /usr/bin/python3 weights.py EVIDENCE_DIR KEY_HEX [WRONG_KEYS]
"""
import gzip
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "verify"))
import moat_kgw_v1 as kgw

d = sys.argv[1]
material = bytes.fromhex(sys.argv[2])
nwrong = int(sys.argv[3]) if len(sys.argv) > 3 else 50
ev = json.load(open(os.path.join(d, "evidence.json")))
ow = ev["open_weights"]
V, ctx = ow["vocab"], ow["contexts"]
C = len(ctx)
def rows(name):
    a = np.frombuffer(gzip.open(os.path.join(d, name)).read(), dtype="<f4").astype(np.float64)
    return a.reshape(C, V)
P = rows(ow["distributions"]); D = rows(ow["differences"]); Q = P - D
eps = 1e-9
Pc, Qc = np.clip(P, eps, None), np.clip(Q, eps, None)
r = np.log(Pc) - np.log(Qc)
g = round(0.25 * (1 << 24)) / (1 << 24); thr = round(0.25 * (1 << 24))
M = np.uint64(0xFFFFFFFF)
vv = np.arange(V, dtype=np.uint64)
def greens(mat):
    key = kgw.derive_key(mat)
    G = np.zeros((C, V), dtype=bool)
    for i, c in enumerate(ctx):
        s = kgw.seed(key, c)
        s0, s1 = np.uint64(s & 0xFFFFFFFF), np.uint64(s >> 32)
        x = ((vv * np.uint64(0x9E3779B9) + s0) & M) ^ s1
        x ^= x >> np.uint64(16); x = (x * np.uint64(0x85EBCA6B)) & M
        x ^= x >> np.uint64(13); x = (x * np.uint64(0xC2B2AE35)) & M
        x ^= x >> np.uint64(16)
        G[i] = (x >> np.uint64(8)) < np.uint64(thr)
    return G
def wrong(j, seed=1):
    return hashlib.sha256(b"moat-wrong-key-v1\x00" + struct.pack("<qi", seed, j)).digest()
served = [json.loads(l)["ids"] for l in open(os.path.join(d, "served.jsonl"))]
index = {tuple(c): i for i, c in enumerate(ctx)}
n = np.zeros(C)
for t in served:
    seen = set()
    for i in range(1, len(t)):
        c = (t[i - 1],)
        if c in seen: continue
        seen.add(c)
        if c in index: n[index[c]] += 1
nc = n[:, None]
print("served texts per context: median", np.median(n), "max", n.max())
weights = {
  "P (plain)": P,
  "P - Q (referenced)": D,
  "log P/Q": r,
  "Q^0.5 log P/Q": np.sqrt(Qc) * r,
  "sqrt(PQ) log P/Q": np.sqrt(Pc * Qc) * r,
  "(P - Q) Q^0.5": D * np.sqrt(Qc),
  "(P - Q) n^0.25": D * nc ** 0.25,
  "(P - Q) n^0.5 (weighted)": D * np.sqrt(nc),
  "(P - Q) n^0.75": D * nc ** 0.75,
  "(P - Q) n": D * nc,
  "(P - Q) log(1 + n)": D * np.log1p(nc),
}
Gt = greens(material)
Gw = [greens(wrong(j)) for j in range(nwrong)]
print(f"{d}: {C} contexts, {nwrong} wrong keys")
for name, a in weights.items():
    var = g * (1 - g) * (a * a).sum()
    z = ((a * (Gt - g)).sum()) / math.sqrt(var)
    zw = np.array([(a * (G - g)).sum() / math.sqrt(var) for G in Gw])
    print(f"  {name:24s} z {z:8.2f}   wrong keys: mean {zw.mean():+.2f} sd {zw.std():.2f} max {zw.max():.2f}")
