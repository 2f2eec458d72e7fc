#!/usr/bin/env python3
"""Export the trained tiny GPT to ONNX (with KV cache) and write config.json, reference.json
and scratch/samples.md (sample completions for the module README.md).

ONNX interface:
  inputs : input_ids int64 [batch, seq]
           past_keys   float32 [n_layer, batch, n_head, past_seq, head_dim]
           past_values float32 [n_layer, batch, n_head, past_seq, head_dim]
  outputs: logits float32 [batch, seq, vocab]
           present_keys / present_values float32 [n_layer, batch, n_head, past_seq + seq, head_dim]
"""
import json
import os
import sys

import onnx
import torch

from bpe import Tokenizer
from model import GPTConfig, TinyGPT

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "scratch")
OUT = os.path.join(HERE, "..", "src", "main", "resources", "dev", "moat", "model", "tiny")
SEED = 1234
OPSET = 14

INPUTS = ["input_ids", "past_keys", "past_values"]
OUTPUTS = ["logits", "present_keys", "present_values"]


def load_model():
    ck = torch.load(os.path.join(WORK, "ckpt.pt"), map_location="cpu")
    cfg = GPTConfig(**ck["config"])
    m = TinyGPT(cfg)
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck


@torch.no_grad()
def check_cache_equivalence(m, tok):
    ids = torch.tensor([[0] + tok.encode("The Python interpreter reads a program and executes it line by line.")])
    full, fk, fv = m(ids)
    split = 5
    logits, pk, pv = m(ids[:, :split])
    outs = [logits]
    for i in range(split, ids.shape[1]):
        l, pk, pv = m(ids[:, i:i + 1], pk, pv)
        outs.append(l)
    inc = torch.cat(outs, dim=1)
    d = max((full - inc).abs().max().item(), (fk - pk).abs().max().item(), (fv - pv).abs().max().item())
    print(f"cache equivalence max abs diff {d:.2e}", file=sys.stderr)
    assert d < 1e-4, d
    # batch consistency: same prompt twice in a batch gives identical rows
    b, _, _ = m(ids.repeat(2, 1))
    assert (b[0] - full[0]).abs().max().item() < 1e-4
    return d


@torch.no_grad()
def generate(m, ids, n, temperature=0.0, gen=None):
    """KV-cache generation (no EOS stopping). Returns the new token ids."""
    x = torch.tensor([ids])
    logits, pk, pv = m(x)
    out = []
    for _ in range(n):
        last = logits[0, -1]
        if temperature <= 0:
            nxt = int(torch.argmax(last))
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        out.append(nxt)
        if pk.shape[3] + 1 >= m.cfg.max_positions:
            break
        logits, pk, pv = m(torch.tensor([[nxt]]), pk, pv)
    return out


def export(m):
    cfg = m.cfg
    # trace with batch 2, seq 3, past 5 so that no dimension can be baked in as a constant
    ids = torch.randint(1, cfg.vocab_size, (2, 3), generator=torch.Generator().manual_seed(SEED))
    pk = torch.randn(cfg.n_layer, 2, cfg.n_head, 5, cfg.head_dim, generator=torch.Generator().manual_seed(SEED))
    pv = torch.randn(cfg.n_layer, 2, cfg.n_head, 5, cfg.head_dim, generator=torch.Generator().manual_seed(SEED + 1))
    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(
        m, (ids, pk, pv), path, input_names=INPUTS, output_names=OUTPUTS, opset_version=OPSET,
        do_constant_folding=False,  # folding would duplicate the tied (transposed) embedding
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "past_keys": {1: "batch", 3: "past_seq"},
            "past_values": {1: "batch", 3: "past_seq"},
            "logits": {0: "batch", 1: "seq"},
            "present_keys": {1: "batch", 3: "total_seq"},
            "present_values": {1: "batch", 3: "total_seq"},
        })
    model = onnx.load(path)
    onnx.checker.check_model(model)
    expect_dynamic = {"input_ids": {0, 1}, "past_keys": {1, 3}, "past_values": {1, 3},
                      "logits": {0, 1}, "present_keys": {1, 3}, "present_values": {1, 3}}
    sig = {}
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        shape = [d.dim_param if d.dim_param else d.dim_value for d in dims]
        for i, d in enumerate(dims):
            if i in expect_dynamic[vi.name]:
                assert d.dim_param and not d.dim_value, (vi.name, shape)
            else:
                assert d.dim_value > 0, (vi.name, shape)
        sig[vi.name] = shape
        print(f"  {vi.name}: {shape}", file=sys.stderr)
    # shape inference over the whole graph must not turn a dynamic axis into a constant
    inf = onnx.shape_inference.infer_shapes(model)
    for vi in inf.graph.output:
        dims = vi.type.tensor_type.shape.dim
        for i in expect_dynamic[vi.name]:
            assert not dims[i].dim_value, (vi.name, "axis", i, "became constant")
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"  ops: {ops}", file=sys.stderr)
    print(f"  size: {os.path.getsize(path)} bytes", file=sys.stderr)
    return sig


def main():
    torch.set_num_threads(int(os.environ.get("EXPORT_THREADS", "2")))
    torch.manual_seed(SEED)
    m, ck = load_model()
    tok = Tokenizer.load(os.path.join(OUT, "tokenizer.json"))
    cfg = m.cfg
    with open(os.path.join(WORK, "train_result.json")) as f:
        res = json.load(f)

    diff = check_cache_equivalence(m, tok)
    sig = export(m)

    config = {
        "model_type": "moat-tiny-gpt",
        "vocab_size": cfg.vocab_size,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "head_dim": cfg.head_dim,
        "d_model": cfg.d_model,
        "max_positions": cfg.max_positions,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "add_bos": True,
        "parameters": m.num_parameters(),
        "heldout_perplexity": res["heldout_perplexity"],
        "onnx_opset": OPSET,
        "onnx_inputs": [{"name": n, "dtype": "int64" if n == "input_ids" else "float32", "shape": sig[n]} for n in INPUTS],
        "onnx_outputs": [{"name": n, "dtype": "float32", "shape": sig[n]} for n in OUTPUTS],
        "training": {"steps": res["steps"], "tokens": res["tokens"], "seconds": res["seconds"],
                     "seed": res["seed"], "final_train_loss": res["final_train_loss_ema"]},
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    refs = []
    with torch.no_grad():
        for prompt in ("The Python interpreter", "In Python, a list is", "public static int"):
            pids = tok.encode(prompt)
            ids = [0] + pids
            logits, _, _ = m(torch.tensor([ids]))
            last = logits[0, -1]
            cont = generate(m, ids, 24)
            refs.append({
                "prompt": prompt,
                "prompt_token_ids": pids,
                "input_ids": ids,
                "last_position_logits_first8": [round(float(v), 6) for v in last[:8]],
                "last_position_argmax": int(torch.argmax(last)),
                "greedy_continuation_ids": cont,
                "greedy_continuation_text": tok.decode(cont),
            })
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"note": "input_ids = [bos_token_id=0] + prompt_token_ids; logits are from the PyTorch model "
                           "(fp32); greedy continuation uses the KV cache, 24 tokens, no EOS stopping.",
                   "cache_equivalence_max_abs_diff": diff,
                   "references": refs}, f, indent=2, ensure_ascii=False)

    gen = torch.Generator().manual_seed(SEED)
    lines = []
    prompts = [("English", "The Python interpreter"), ("English", "To open a file for reading, use"),
               ("English", "A dictionary is"),
               ("Java", "public static int"), ("Java", "for (int i = 0; i <"),
               ("Java", "/**\n * Returns the")]
    for lang, prompt in prompts:
        ids = [0] + tok.encode(prompt)
        g = tok.decode(generate(m, ids, 60))
        s = tok.decode(generate(m, ids, 60, temperature=0.8, gen=gen))
        lines.append(f"### {lang}: `{json.dumps(prompt)[1:-1]}`\n\nGreedy:\n\n```\n{prompt}{g}\n```\n\n"
                     f"Temperature 0.8:\n\n```\n{prompt}{s}\n```\n")
    with open(os.path.join(WORK, "samples.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
