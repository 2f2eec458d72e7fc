#!/usr/bin/env bash
# Rebuild the Moat bundled tiny model from scratch (Debian 12, CPU only, ~45 min on 2 cores).
#
#   bash model-adapters/bundled-model/train/make_model.sh
#
# Steps: system packages -> Java sources jars (Maven Central) -> corpus -> BPE tokenizer ->
# token streams -> training -> ONNX export + config.json / reference.json / samples.
# Outputs go to model-adapters/bundled-model/src/main/resources/dev/moat/model/tiny/;
# intermediate data to model-adapters/bundled-model/train/scratch/ (git-ignored).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE"
PY=/usr/bin/python3
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

# 1. System packages (Debian): torch 1.13, onnx 1.12, regex, numpy, the Python 3.11 docs (English corpus).
#    libopenblas0-pthread matters: Debian's torch uses the system libblas, and the default
#    reference BLAS is >10x slower than OpenBLAS for training.
need=()
$PY -c "import torch, onnx, regex, numpy" 2>/dev/null || need+=(python3-torch python3-onnx python3-regex python3-numpy)
[ -d /usr/share/doc/python3.11/html/_sources ] || need+=(python3.11-doc)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
fi

# 2. Java corpus: Apache-2.0 sources jars from Maven Central.
bash "$HERE/fetch_jars.sh"

# 3-5. Corpus, tokenizer, token streams.
$PY build_corpus.py
$PY train_tokenizer.py
$PY encode_corpus.py

# 6. Training (seed 1234, 2 threads, bf16 autocast), in two phases:
#    phase 1: 2250 steps of a warmup+cosine schedule laid out for 5500 steps (lr 2e-3). The shipped
#             run was cut at 2250 steps because the machine was shared and slower than measured;
#             --stop-at reproduces that cut deterministically.
#    phase 2: from the phase-1 weights, fresh AdamW, 50 warmup steps to 1.4e-3, cosine decay over
#             2000 steps down to 4.2e-5 (anneals the model); the shipped run hit its wall-clock
#             safety stop after 1930 of them (lr 4.7e-5), reproduced by --stop-at 1930.
$PY train.py --steps 5500 --stop-at 2250 --max-seconds 1e9 2>&1 | tee scratch/train_phase1.log
cp scratch/ckpt.pt scratch/ckpt_phase1.pt
$PY train.py --resume scratch/ckpt_phase1.pt --steps 2000 --lr 1.4e-3 --warmup 50 --min-lr-frac 0.03 --stop-at 1930 \
  --max-seconds 1e9 2>&1 | tee scratch/train_phase2.log

# 7. ONNX export, config.json, reference.json, scratch/samples.md.
$PY export_onnx.py
