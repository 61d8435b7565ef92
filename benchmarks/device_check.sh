#!/usr/bin/env bash
# One script for a session that is lent a GPU machine (its time is short: about 15 minutes in
# all). Run from the repository root; results go to $OUT (default benchmarks/results):
#   1. the paper presets: a few hundred steps each, fp32 / bf16 / channels-last / compile,
#      with the AMP-vs-fp32 numerics check            -> gpu_paper_cuda.json
#   2. the step benchmark at paper scale on CUDA        -> train_step_cuda.json
#   3. pytest -m gpu (AMP scaler, NCCL, checkpoints)    -> pytest_gpu.txt
#   4. every chapter at the gpu preset, timed           -> notebooks_gpu.txt
# Each part has its own time limit so that one slow part cannot eat the others' time.
set -uo pipefail
OUT=${OUT:-benchmarks/results}
mkdir -p "$OUT"
PY=${PY:-python}
export COMPANION_DATA=${COMPANION_DATA:-/nonexistent}
step() { echo "== $1 ($(date +%T))"; }

step "paper presets on the GPU"
timeout 300 $PY benchmarks/gpu_paper.py --steps ${STEPS:-100} --warmup 10 2>&1 | tee "$OUT/gpu_paper.txt"
cp benchmarks/results/gpu_paper_cuda.json "$OUT/" 2>/dev/null

step "step benchmark"
timeout 120 $PY benchmarks/train_step.py --device cuda --steps 20 --warmup 3 \
    --methods pix2pix bicyclegan segan 2>&1 | tee "$OUT/train_step_cuda.txt"
cp benchmarks/results/train_step_cuda.json "$OUT/" 2>/dev/null

step "pytest -m gpu"
timeout 180 $PY -m pytest -q -m gpu tests -p no:cacheprovider 2>&1 | tail -30 | tee "$OUT/pytest_gpu.txt"

step "evaluation at paper scale"
timeout 240 $PY benchmarks/eval_paper.py --device cuda 2>&1 | tee "$OUT/eval_paper_cuda.txt"
cp benchmarks/results/eval_paper_cuda.json "$OUT/" 2>/dev/null

step "chapters at the gpu preset"
COMPANION_PRESET=gpu timeout ${NOTEBOOK_BUDGET_S:-300} $PY -m pytest -q --nbval-lax \
    --nbval-cell-timeout=600 --durations=0 -p no:cacheprovider \
    $(find chapters -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort) 2>&1 \
    | tail -60 | tee "$OUT/notebooks_gpu.txt"
step "done"
