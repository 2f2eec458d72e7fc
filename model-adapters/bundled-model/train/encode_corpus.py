#!/usr/bin/env python3
"""Encode the corpus with our BPE encoder into uint16 token streams (docs joined by <|endoftext|>)."""
import json
import os
import sys

import numpy as np

from bpe import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "scratch")
TOK = os.path.join(HERE, "..", "src", "main", "resources", "dev", "moat", "model", "tiny", "tokenizer.json")


def main():
    tok = Tokenizer.load(TOK)
    os.makedirs(os.path.join(WORK, "tokens"), exist_ok=True)
    for lang in ("english", "java"):
        for split in ("train", "val"):
            ids = []
            with open(os.path.join(WORK, "corpus", f"{lang}_{split}.jsonl"), encoding="utf-8") as f:
                for line in f:
                    ids.append(tok.eot_id)
                    ids.extend(tok.encode(json.loads(line)["text"]))
            ids.append(tok.eot_id)
            arr = np.array(ids, dtype=np.uint16)
            np.save(os.path.join(WORK, "tokens", f"{lang}_{split}.npy"), arr)
            print(lang, split, len(arr), "tokens", file=sys.stderr)


if __name__ == "__main__":
    main()
