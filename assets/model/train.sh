#!/usr/bin/env bash
# The commands that trained v2 (assets/model is v7: v2 continued on a CPU, commands below).
# v2 was trained on one NVIDIA H100 in two legs (8.7 minutes of GPU time); `--device cpu` runs
# the same training on a CPU (about ten hours on 2 cores). GPU training is not bit-reproducible
# (atomics in candle's CUDA backward); on a CPU the same commands give the same weights every time.
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
# v2 was trained before the trainer stratified each batch's masking ratios (2026-12-01); these
# commands now train with stratified ratios, so they reproduce v2's recipe, not its exact weights.
# A CPU leg from v2 (2026-12-01, not shipped; see MODEL_CARD.md "A CPU leg"):
#   "$bin" train --preset base --device cpu --init-from assets/model --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.9 --min-ops 1 --steps 3000 --warmup-steps 100 --out runs/v3   (stopped at 2000)
# 2026-12-01 (CPU, not shipped; see MODEL_CARD.md "A curriculum of round numbers"): the same CPU leg
# with a share of round numbers, which taught the model to look up each operand's units digit:
#   "$bin" train --preset base --device cpu --init-from assets/model --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.9 --min-ops 1 --round-share 0.3 --steps 3000 --warmup-steps 100 \
#     --checkpoint-every 250 --out runs/v4     (stopped at 1750)
#   "$bin" train --preset base --device cpu --init-from runs/v4 --batch-size 32 --lr 1e-3 \
#     --arith-fraction 0.9 --min-ops 1 --round-share 0.3 --steps 2600 --warmup-steps 100 \
#     --checkpoint-every 250 --out runs/v5     (stopped at 1750)
# v3 (2026-12-01, CPU) continues the round-number legs above (runs/v4 stopped at
# 1750, runs/v5 from it stopped at 1750) with --hide-results and short drills. Each leg starts
# from the previous leg's checkpoint at the step given and was stopped there.
# runs/v7, runs/v8 and runs/v9 ran with the first version of --hide-results, which hid every
# computed value of the example at once; the flag now hides each with probability 1/2, so these
# lines reproduce the recipe, not the exact weights.
#   "$bin" train --preset base --device cpu --init-from runs/v5 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.95 --min-ops 1 --max-ops 2 --round-share 0.3 --hide-results 0.5 \
#     --steps 4000 --warmup-steps 100 --checkpoint-every 250 --out runs/v7        (stopped at 750)
#   "$bin" train --preset base --device cpu --init-from runs/v7 --batch-size 64 --lr 5e-4 \
#     --arith-fraction 1 --min-ops 1 --max-ops 1 --layouts plain --round-share 0.3 \
#     --hide-results 0.5 --steps 3000 --warmup-steps 50 --checkpoint-every 250 --out runs/v8  (750)
#   "$bin" train --preset base --device cpu --init-from runs/v8 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.9 --min-ops 1 --max-ops 4 --round-share 0.15 --hide-results 0.5 \
#     --steps 4000 --warmup-steps 50 --checkpoint-every 250 --out runs/v9          (750)
#   "$bin" train ... the same from runs/v9 ... --out runs/v10                       (250)
#   "$bin" train --preset base --device cpu --init-from runs/v10 --batch-size 48 --lr 5e-4 \
#     --arith-fraction 1 --min-ops 2 --max-ops 3 --layouts plain --round-share 0.15 \
#     --hide-results 0.8 --steps 3000 --warmup-steps 50 --checkpoint-every 250 --out runs/v11 (750)
#   "$bin" train --preset base --device cpu --init-from runs/v11 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.1 --hide-results 0.5 \
#     --steps 700 --warmup-steps 30 --checkpoint-every 250 --out runs/v12          (to the end)
#   cp runs/v12/{config.json,model.safetensors,tokenizer.json} assets/model/
# (A control, runs/v6: runs/v7's leg without --hide-results, stopped at 750.)
# v4 (2026-12-01/02, CPU) continues v3 with two drill-then-mix cycles (see
# MODEL_CARD.md "How v4 came"):
#   "$bin" train --preset base --device cpu --init-from runs/v12 --batch-size 48 --lr 5e-4 \
#     --arith-fraction 1 --min-ops 3 --max-ops 4 --layouts plain --round-share 0.1 \
#     --hide-results 0.8 --steps 3000 --warmup-steps 50 --checkpoint-every 250 --out runs/v13 (250)
#   "$bin" train --preset base --device cpu --init-from runs/v13 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.1 --hide-results 0.5 \
#     --steps 700 --warmup-steps 30 --checkpoint-every 250 --out runs/v14         (to the end)
#   "$bin" train --preset base --device cpu --init-from runs/v14 --batch-size 48 --lr 5e-4 \
#     --arith-fraction 1 --min-ops 3 --max-ops 4 --layouts plain --round-share 0.1 \
#     --hide-results 0.8 --steps 3000 --warmup-steps 50 --checkpoint-every 100 --out runs/v15 (400)
#   "$bin" train --preset base --device cpu --init-from runs/v15 --batch-size 32 --lr 5e-4 \
#     --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.1 --hide-results 0.5 \
#     --steps 1000 --warmup-steps 30 --checkpoint-every 250 --out runs/v16        (to the end)
#   cp runs/v16/{config.json,model.safetensors,tokenizer.json} assets/model/   (v4)
# (Not shipped, runs/v17: the runs/v16 mix again from runs/v16 at --lr 2.5e-4 --steps 1200
#  --checkpoint-every 300, stopped at 900: no better.)
#
# v5 (2026-12-02): two more legs of the mix from v4, with a share of operations drawn to carry or
# borrow (MODEL_CARD.md "How v5 came"), each to the end of its schedule:
#   "$bin" train --preset base --device cpu --init-from runs/v16 --seed 18 --batch-size 32 \
#     --lr 4e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.6 --hide-results 0.5 --steps 2000 --warmup-steps 40 \
#     --checkpoint-every 250 --out runs/v18
#   "$bin" train --preset base --device cpu --init-from runs/v18 --seed 19 --batch-size 32 \
#     --lr 3e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --steps 1200 --warmup-steps 30 \
#     --checkpoint-every 300 --out runs/v19
#   cp runs/v19/{config.json,model.safetensors,tokenizer.json} assets/model/   (v5)
#
# v6 (2026-12-02): leg o's recipe once more from v5 with a fresh seed, to the end of its schedule
# (run in two pieces: stopped at step 500, resumed from the step-300 checkpoint with --resume,
# which continues bit-exactly; drop --init-from when resuming):
#   "$bin" train --preset base --device cpu --init-from runs/v19 --seed 20 --batch-size 32 \
#     --lr 3e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --steps 1200 --warmup-steps 30 \
#     --checkpoint-every 300 --out runs/v20
#   cp runs/v20/{config.json,model.safetensors,tokenizer.json} assets/model/   (v6)
# (Not shipped, runs/v21: the same from runs/v19 with --seed 21 --length-share 0.3 --steps 1500:
#  worse, MODEL_CARD.md "How v6 came".)
#
# v7 (2026-12-02): the same mix plus --prefix-share (a share of the examples shown as left-to-right
# decoding sees them: the response up to a random cut, everything after it masked), three legs:
#   "$bin" train --preset base --device cpu --init-from runs/v20 --seed 24 --batch-size 32 \
#     --lr 4e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --prefix-share 0.4 --steps 1200 --warmup-steps 30 \
#     --checkpoint-every 150 --out runs/v24
#   (leg q ran with cuts anywhere in the response; --prefix-share now cuts only on content or
#    where a span's padding starts, so this line reproduces its recipe, not its exact weights)
#   "$bin" train --preset base --device cpu --init-from runs/v24 --seed 26 --batch-size 32 \
#     --lr 3e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --prefix-share 0.5 --steps 1200 --warmup-steps 30 \
#     --checkpoint-every 150 --out runs/v26
#   "$bin" train --preset base --device cpu --init-from runs/v26 --seed 27 --batch-size 32 \
#     --lr 3e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --prefix-share 0.5 --steps 1200 --warmup-steps 30 \
#     --checkpoint-every 150 --out runs/v27
#   cp runs/v27/{config.json,model.safetensors,tokenizer.json} assets/model/   (v7)
#
# v8 (2026-12-03/04): three more legs of that mix with --length-share (results whose length
# changes), the last two with more carries, two-to-four-operation problems and more arithmetic:
#   "$bin" train --preset base --device cpu --init-from runs/v27 --seed 31 --batch-size 32 \
#     --lr 3e-4 --arith-fraction 0.75 --min-ops 1 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.25 --hide-results 0.5 --prefix-share 0.5 --length-share 0.15 --steps 1200 \
#     --warmup-steps 30 --checkpoint-every 150 --out runs/v31
#   "$bin" train --preset base --device cpu --init-from runs/v31 --seed 32 --batch-size 32 \
#     --lr 2e-4 --arith-fraction 0.85 --min-ops 2 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.3 --hide-results 0.5 --prefix-share 0.5 --length-share 0.15 --steps 1200 \
#     --warmup-steps 30 --checkpoint-every 150 --out runs/v32
#   "$bin" train --preset base --device cpu --init-from runs/v32 --seed 33 --batch-size 32 \
#     --lr 1.5e-4 --arith-fraction 0.85 --min-ops 2 --max-ops 4 --round-share 0.05 \
#     --carry-share 0.3 --hide-results 0.5 --prefix-share 0.5 --length-share 0.15 --steps 1200 \
#     --warmup-steps 30 --checkpoint-every 150 --out runs/v33
#   cp runs/v33/{config.json,model.safetensors,tokenizer.json} assets/model/   (v8)
# (v31 started from the shipped v7, i.e. runs/v27.)
# Next (running on 2026-12-04, not shipped): a fourth leg from v33, seed 34, lr 1e-4, arithmetic
# 0.8; then a leg with more prose to win back what v8 lost there.
