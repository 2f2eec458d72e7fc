#!/usr/bin/env python3
"""Train a byte-level BPE tokenizer (vocab 4096 incl. <|endoftext|>) and write HF tokenizer.json.

Word frequencies come from GPT-2 pre-tokenization of the training split of the corpus.
Merges are learned with incremental pair-count updates; ties are broken deterministically
(highest count, then lexicographically smallest pair).
"""
import collections
import heapq
import json
import os
import sys
import time

from bpe import EOT, BYTE_ENCODER, pretokenize

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "scratch", "corpus")
OUT_DIR = os.path.join(HERE, "..", "src", "main", "resources", "dev", "moat", "model", "tiny")
VOCAB_SIZE = 4096


def word_counts():
    counts = collections.Counter()
    for lang in ("english", "java"):
        with open(os.path.join(CORPUS, f"{lang}_train.jsonl"), encoding="utf-8") as f:
            for line in f:
                counts.update(pretokenize(json.loads(line)["text"]))
    return counts


def train(counts, vocab_size):
    vocab = {EOT: 0}
    for b in range(256):
        vocab[BYTE_ENCODER[b]] = len(vocab)
    words = []
    freqs = []
    for w, c in sorted(counts.items()):
        words.append(list(w))
        freqs.append(c)
    pair_counts = collections.defaultdict(int)
    where = collections.defaultdict(set)
    for wi, syms in enumerate(words):
        f = freqs[wi]
        for i in range(len(syms) - 1):
            p = (syms[i], syms[i + 1])
            pair_counts[p] += f
            where[p].add(wi)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < vocab_size and heap:
        negc, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negc or negc == 0:
            continue  # stale entry
        a, b = pair
        merged = a + b
        merges.append(f"{a} {b}")
        if merged not in vocab:
            vocab[merged] = len(vocab)
        changed = set()
        for wi in sorted(where.pop(pair, ())):
            syms = words[wi]
            f = freqs[wi]
            for i in range(len(syms) - 1):
                p = (syms[i], syms[i + 1])
                pair_counts[p] -= f
                changed.add(p)
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and syms[i] == a and syms[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[wi] = out
            for i in range(len(out) - 1):
                p = (out[i], out[i + 1])
                pair_counts[p] += f
                where[p].add(wi)
                changed.add(p)
        pair_counts.pop(pair, None)
        for p in changed:
            c = pair_counts.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_counts.pop(p, None)
    return vocab, merges


def tokenizer_json(vocab, merges):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{
            "id": 0, "content": EOT, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False,
                           "trim_offsets": True, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False,
                    "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None,
            "continuing_subword_prefix": None, "end_of_word_suffix": None,
            "fuse_unk": False, "byte_fallback": False,
            "vocab": vocab, "merges": merges},
    }


def main():
    t0 = time.time()
    counts = word_counts()
    print(f"{len(counts)} unique words, {sum(counts.values())} words ({time.time()-t0:.1f}s)", file=sys.stderr)
    vocab, merges = train(counts, VOCAB_SIZE)
    print(f"vocab {len(vocab)}, merges {len(merges)} ({time.time()-t0:.1f}s)", file=sys.stderr)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
