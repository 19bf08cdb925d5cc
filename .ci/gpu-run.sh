#!/usr/bin/env bash
# GPU checks for a machine with an NVIDIA GPU, run on a build made with `--features cuda`:
#   1. the smoke training preset on cuda (the training path works on the GPU),
#   2. `unmask bench --shape llada-8b` (random weights at LLaDA-8B's true size, bf16, gen length 256,
#      one token per step vs threshold decoding),
#   3. optionally (TRAIN_S > 0) trains the embedded model's preset on the GPU for about TRAIN_S
#      seconds: a 60-step probe measures s/step, then the run is sized to fit and its exact
#      command is printed.
# Usage: UNMASK_BIN=path/to/unmask OUT=dir [TRAIN_S=300] [TRAIN_ARGS="..."] [SMOKE=0] [BENCH=0] \
#          bash .ci/gpu-run.sh
set -uo pipefail
BIN=${UNMASK_BIN:-target/release/unmask}
OUT=${OUT:-gpu-out}
TRAIN_S=${TRAIN_S:-0}
mkdir -p "$OUT"
# The CUDA libraries (cuBLAS, cuRAND, NVRTC) may live in a Python environment's nvidia packages;
# expose whichever version is there under the names the binary was linked with.
libs=/tmp/unmask-cuda-libs
mkdir -p $libs
for pair in libcudart.so.13:libcudart.so. libcublas.so.13:libcublas.so. libcublasLt.so.13:libcublasLt.so. libcurand.so.10:libcurand.so. libnvrtc.so.13:libnvrtc.so.; do
  want=${pair%%:*}; pat=${pair##*:}
  found=$(find / -xdev \( -name "$want" -o -name "${pat}[0-9]*" \) -not -path '/proc/*' 2>/dev/null | grep -v stubs | sort | head -1)
  [ -n "$found" ] && ln -sf "$found" "$libs/$want"
  echo "$want -> ${found:-MISSING}"
done
for d in $(find / -xdev -name 'libnvrtc-builtins.so*' -not -path '/proc/*' 2>/dev/null | xargs -r -n1 dirname | sort -u); do
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}:$d
done
export LD_LIBRARY_PATH=$libs:${LD_LIBRARY_PATH:-}
[ -d /usr/local/nvidia/lib64 ] && export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/nvidia/lib64
ldd "$BIN" | grep -E 'not found|cuda|cublas|curand' || true
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$BIN" --version

TRAIN_ARGS=${TRAIN_ARGS:---tokenizer assets/model/tokenizer.json}
if [ "${SMOKE:-1}" = 1 ]; then
echo "== 1. smoke training on cuda"
timeout 120 "$BIN" train --preset smoke --device cuda --out /tmp/gpu-smoke --quiet --json || echo "SMOKE FAILED rc=$?"
fi

if [ "$TRAIN_S" -gt 0 ]; then
  echo "== 3a. probe: 60 steps of the base preset"
  # shellcheck disable=SC2206
  common=(--preset base --device cuda $TRAIN_ARGS --quiet --json)
  timeout 180 "$BIN" train "${common[@]}" --steps 60 --warmup-steps 10 --out /tmp/gpu-probe
  cat /tmp/gpu-probe/train_log.csv
  steps=$(awk -F, -v budget="$TRAIN_S" 'NR>1 {e[$1]=$5} END {sps=(e[60]-e[20])/40; n=int(budget/sps/100)*100; if (n>30000) n=30000; print n}' /tmp/gpu-probe/train_log.csv)
  warm=$(( steps / 20 ))
  echo "== 3b. training: $steps steps (warm-up $warm)"
  echo "command: unmask train ${common[*]} --steps $steps --warmup-steps $warm --out OUT"
  timeout $(( TRAIN_S * 3 / 2 + 60 )) "$BIN" train "${common[@]}" --steps "$steps" --warmup-steps "$warm" --out /tmp/gpu-base
  mkdir -p "$OUT/model"
  cp /tmp/gpu-base/{config.json,model.safetensors,tokenizer.json,train_log.csv} "$OUT/model/"
  cp /tmp/gpu-base/checkpoint/train_state.json "$OUT/model/"
fi

if [ "${BENCH:-1}" = 1 ]; then
echo "== 2. LLaDA-8B-shaped random model, bf16"
timeout 240 "$BIN" bench --shape llada-8b --device cuda --dtype bf16 --lengths 64,256,512 \
  --gen-lengths 256 --repeats 5 --json | tee "$OUT/bench-llada-8b.txt"
fi
