#!/usr/bin/env bash
# Reproduces assets/model exactly (training is deterministic and --resume is bit-exact).
# The run was re-planned twice while it ran (the learning-rate schedule's length changed at steps
# 250 and 750); --stop-after replays those stops. About 65 minutes of CPU on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/small}
cargo build --release
bin=target/release/unmask
"$bin" train --preset small --seed 0 --steps 3600 --stop-after 250 --out "$out"
"$bin" train --preset small --steps 2800 --stop-after 750 --resume --out "$out"
"$bin" train --preset small --steps 2300 --resume --out "$out"
cp "$out"/{config.json,model.safetensors,tokenizer.json} assets/model/
