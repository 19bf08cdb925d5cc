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
# Session 6 (CPU, not shipped; see MODEL_CARD.md "Hiding the results"): from v5's step-1750
# checkpoint, one and two clauses, with and without --hide-results (stopped at 750 steps each):
#   "$bin" train --preset base --device cpu --init-from runs/v5 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.95 --min-ops 1 --max-ops 2 --round-share 0.3 --steps 4000 \
#     --warmup-steps 100 --checkpoint-every 250 --out runs/v6
#   (runs/v7: the same with --hide-results 0.5)
# then a drill of single clauses in the Plain layout from runs/v7 at step 750:
#   "$bin" train --preset base --device cpu --init-from runs/v7-750 --batch-size 64 --lr 5e-4 \
#     --arith-fraction 1 --min-ops 1 --max-ops 1 --layouts plain --round-share 0.3 \
#     --hide-results 0.5 --steps 3000 --warmup-steps 50 --checkpoint-every 250 --out runs/v8
# Leg 3 on a GPU (not yet run): the curriculum at GPU scale, following copy_probe's units column:
#   "$bin" train --preset base --device cuda --init-from "$out-leg2" --batch-size 128 --lr 1e-3 \
#     --arith-fraction 0.85 --min-ops 1 --round-share 0.3 --steps 20000 --warmup-steps 200 \
#     --checkpoint-every 1000 --out "$out-leg3"
