"""Byte-level BPE encoder compatible with Hugging Face `tokenizers` ByteLevel BPE (GPT-2 style)."""
import json

import regex

# GPT-2 / HF ByteLevel pre-tokenization regex.
GPT2_PAT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character mapping."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def pretokenize(text):
    """Split text into GPT-2 words and map each to its byte-level unicode string."""
    return ["".join(BYTE_ENCODER[b] for b in w.encode("utf-8")) for w in GPT2_PAT.findall(text)]


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab                      # token string -> id
        self.inv = {i: t for t, i in vocab.items()}
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
        self.cache = {}
        self.eot_id = vocab[EOT]

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        return cls(d["model"]["vocab"], d["model"]["merges"])

    def _bpe(self, word):
        ids = self.cache.get(word)
        if ids is not None:
            return ids
        syms = list(word)
        ranks = self.ranks
        while len(syms) > 1:
            best, best_rank = -1, None
            for i in range(len(syms) - 1):
                r = ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best < 0:
                break
            a, b = syms[best], syms[best + 1]
            # merge every occurrence of this pair (left to right), like HF / GPT-2
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and syms[i] == a and syms[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        ids = [self.vocab[s] for s in syms]
        if len(self.cache) < 500000:
            self.cache[word] = ids
        return ids

    def encode(self, text):
        """Encode plain text (special tokens are not parsed)."""
        out = []
        for w in pretokenize(text):
            out.extend(self._bpe(w))
        return out

    def encode_with_special(self, text):
        out = []
        parts = text.split(EOT)
        for i, p in enumerate(parts):
            if i > 0:
                out.append(self.eot_id)
            out.extend(self.encode(p))
        return out

    def decode(self, ids):
        parts = []
        for i in ids:
            t = self.inv[int(i)]
            if t == EOT:
                parts.append(t.encode("utf-8"))
            else:
                parts.append(bytes(BYTE_DECODER[c] for c in t))
        return b"".join(parts).decode("utf-8", errors="replace")
