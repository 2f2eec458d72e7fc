#!/usr/bin/env python3
"""Independent reference implementation of Moat's `moat-kgw-v1` green-list function and detector.

Written from the specification in the README alone (no Moat code), with the standard library only, so
a third party can verify a watermark claim: given the key material (hex), gamma, the context width h
and token ids, it prints the z-score and the green count. The Java tests pin the same test vectors.

  python3 moat_kgw_v1.py --key-hex 000102030405060708090a0b0c0d0e0f --gamma 0.25 --h 1 --tokens 1,2,3
  python3 moat_kgw_v1.py ... --seeding selfhash   # self-hash seeding
  python3 moat_kgw_v1.py --vectors      # prints the README's test vectors
"""
import argparse
import hashlib
import math
import struct

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(k0, k1, data: bytes) -> int:
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rnd():
        nonlocal v0, v1, v2, v3
        v0 = (v0 + v1) & M64; v1 = _rotl(v1, 13); v1 ^= v0; v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & M64; v3 = _rotl(v3, 16); v3 ^= v2
        v0 = (v0 + v3) & M64; v3 = _rotl(v3, 21); v3 ^= v0
        v2 = (v2 + v1) & M64; v1 = _rotl(v1, 17); v1 ^= v2; v2 = _rotl(v2, 32)

    n = len(data)
    full = n - n % 8
    for i in range(0, full, 8):
        m = struct.unpack_from("<Q", data, i)[0]
        v3 ^= m; rnd(); rnd(); v0 ^= m
    last = (n & 0xFF) << 56
    for j, b in enumerate(data[full:]):
        last |= b << (8 * j)
    v3 ^= last; rnd(); rnd(); v0 ^= last
    v2 ^= 0xFF
    for _ in range(4):
        rnd()
    return v0 ^ v1 ^ v2 ^ v3


def derive_key(material: bytes, scheme="moat-kgw-v1"):
    d = hashlib.sha256(scheme.encode() + b"\x00" + material).digest()
    return struct.unpack_from("<QQ", d, 0)


def seed(key, context):
    msg = struct.pack("<i", len(context)) + b"".join(struct.pack("<I", t & M32) for t in context)
    return siphash24(key[0], key[1], msg)


def self_seed(key, context, v):
    """Self-hash seeding: the width word has its top bit set, and the token itself follows."""
    msg = struct.pack("<I", (len(context) | 0x80000000) & M32)
    msg += b"".join(struct.pack("<I", t & M32) for t in list(context) + [v])
    return siphash24(key[0], key[1], msg)


def fmix32(x):
    x ^= x >> 16; x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13; x = (x * 0xC2B2AE35) & M32
    x ^= x >> 16
    return x


def is_green(s, v, gamma):
    s0, s1 = s & M32, s >> 32
    x = fmix32((((v * 0x9E3779B9) + s0) & M32) ^ s1)
    return (x >> 8) < round(gamma * (1 << 24))


def detect(key, tokens, gamma, h, context_length=0, selfhash=False):
    g = round(gamma * (1 << 24)) / (1 << 24)
    scored = green = 0
    for i in range(max(h, context_length), len(tokens)):
        scored += 1
        ctx = tokens[i - h:i]
        s = self_seed(key, ctx, tokens[i]) if selfhash else seed(key, ctx)
        green += is_green(s, tokens[i], gamma)
    z = (green - g * scored) / math.sqrt(scored * g * (1 - g)) if scored else 0.0
    return {"tokens_scored": scored, "green_tokens": green, "z_score": z}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key-hex")
    ap.add_argument("--gamma", type=float, default=0.25)
    ap.add_argument("--h", type=int, default=1)
    ap.add_argument("--tokens")
    ap.add_argument("--seeding", choices=["lefthash", "selfhash"], default="lefthash")
    ap.add_argument("--vectors", action="store_true")
    a = ap.parse_args()
    if a.vectors:
        key = derive_key(bytes(range(16)))
        s = seed(key, [42])
        greens = [v for v in range(200) if is_green(s, v, 0.25)][:8]
        print("seed(42) =", format(s, "x"))
        print("first green ids after 42 =", ",".join(map(str, greens)))
        selfs = [v for v in range(200) if is_green(self_seed(key, [42], v), v, 0.25)][:8]
        print("self-hash seed(42, 7) =", format(self_seed(key, [42], 7), "x"))
        print("first self-hash green ids after 42 =", ",".join(map(str, selfs)))
        return
    key = derive_key(bytes.fromhex(a.key_hex))
    tokens = [int(t) for t in a.tokens.split(",")]
    print(detect(key, tokens, a.gamma, a.h, selfhash=a.seeding == "selfhash"))


if __name__ == "__main__":
    main()
