#!/usr/bin/env bash
# The commands that trained assets/model (v2). It was trained on one NVIDIA H100 in two legs
# (8.7 minutes of GPU time); `--device cpu` runs the same training on a CPU (about ten hours on
# 2 cores). GPU training is not bit-reproducible (atomics in candle's CUDA backward); on a CPU
# the same commands give the same weights every time.
#   bash assets/model/train.sh [OUT_PREFIX] [DEVICE]     e.g. runs/v2 cuda
# A CUDA build: `cargo build --release --features cuda`, or .ci/build-cuda.sh on a machine without
# the CUDA toolkit (then UNMASK_BIN=target-cuda/release/unmask).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/v2}
device=${2:-cuda}
bin=${UNMASK_BIN:-target/release/unmask}
[ -x "$bin" ] || cargo build --release
# Leg 1: the base preset from scratch (with v1's tokenizer, which is this model's tokenizer).
"$bin" train --preset base --device "$device" --tokenizer assets/model/tokenizer.json \
  --steps 2000 --warmup-steps 100 --out "$out-leg1"
# Leg 2: continue with a new schedule, smaller batches, more arithmetic.
"$bin" train --preset base --device "$device" --init-from "$out-leg1" --batch-size 128 --lr 1e-3 \
  --arith-fraction 0.85 --steps 2400 --warmup-steps 120 --out "$out-leg2"
cp "$out-leg2"/{config.json,model.safetensors,tokenizer.json} assets/model/
# v2 was trained before the trainer stratified each batch's masking ratios (session 4); these
# commands now train with stratified ratios, so they reproduce v2's recipe, not its exact weights.
# A CPU leg from v2 (session 4, not shipped; see MODEL_CARD.md "A CPU leg"):
#   "$bin" train --preset base --device cpu --init-from assets/model --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.9 --min-ops 1 --steps 3000 --warmup-steps 100 --out runs/v3   (stopped at 2000)
# Session 5 (CPU, not shipped; see MODEL_CARD.md "A curriculum of round numbers"): the same CPU leg
# with a share of round numbers, which taught the model to look up each operand's units digit:
#   "$bin" train --preset base --device cpu --init-from assets/model --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.9 --min-ops 1 --round-share 0.3 --steps 3000 --warmup-steps 100 \
#     --checkpoint-every 250 --out runs/v4     (stopped at 1750)
#   "$bin" train --preset base --device cpu --init-from runs/v4 --batch-size 32 --lr 1e-3 \
#     --arith-fraction 0.9 --min-ops 1 --round-share 0.3 --steps 2600 --warmup-steps 100 \
#     --checkpoint-every 250 --out runs/v5     (stopped at 1750)
# Leg 3 on a GPU (not yet run): the curriculum at GPU scale, following copy_probe's units column:
#   "$bin" train --preset base --device cuda --init-from "$out-leg2" --batch-size 128 --lr 1e-3 \
#     --arith-fraction 0.85 --min-ops 1 --round-share 0.3 --steps 20000 --warmup-steps 200 \
#     --checkpoint-every 1000 --out "$out-leg3"
