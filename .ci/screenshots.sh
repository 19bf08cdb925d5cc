#!/usr/bin/env bash
# Regenerates screenshots/*.png and screenshots/export.gif: records four runs with the CLI (main,
# reasoning first, answer first, free order), exports the main run as an animated GIF with
# `unmask export`, then opens the desktop app under Xvfb on prepared scenes (`--demo-screenshot`) and
# captures the screen with ImageMagick's `import`.
#
#   bash .ci/screenshots.sh            # uses assets/model, else the tiny test model (garbage text)
#   bash .ci/screenshots.sh gif        # only the exported GIF (needs no X server)
#   UNMASK_SCREENSHOT_MODEL=DIR bash .ci/screenshots.sh
#   UNMASK_BIN=path/to/unmask bash .ci/screenshots.sh   # skip the build
#
# Needs: xvfb xauth imagemagick libgl1-mesa-dri, and xdotool to park the pointer (see
# .ci/system-deps.sh for the rest).
set -euo pipefail
cd "$(dirname "$0")/.."

only=${1:-all}
if [[ $only != gif ]]; then
  for tool in xvfb-run import; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xauth imagemagick" >&2; exit 1; }
  done
fi

model=${UNMASK_SCREENSHOT_MODEL:-}
if [[ -z $model ]]; then
  if [[ -f assets/model/config.json ]]; then model=assets/model; else model=tests/fixtures/tiny-llada; fi
fi
bin=${UNMASK_BIN:-}
if [[ -z $bin ]]; then
  cargo build --bin unmask
  bin="${CARGO_TARGET_DIR:-target}/debug/unmask"
fi

# The tiny test model sees only 64 tokens; the embedded model gets the app's default prompt and the
# two layouts it was trained on (the "Reasoning first" and "Answer first" presets).
if [[ $model == tests/fixtures/tiny-llada ]]; then
  prompt="the cat sat on the big red tree"
  reasoning_first="the {reasoning:28} so the answer is {answer:4}"
  answer_first="the answer is {answer:4} because {reasoning:28}"
  masks=32
else
  prompt="Start with 42. Subtract 14. Add 22. Add 63. What is the result?"
  reasoning_first=$'{reasoning:56}\nAnswer: {answer:4}'
  answer_first=$'Answer: {answer:4}\n{reasoning:56}'
  masks=60
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen() { # gen OUT.trace TEMPLATE ARGS...
  local out=$1 template=$2
  shift 2
  "$bin" generate --model "$model" --prompt "$prompt" --template "$template" --seed 1 \
    --trace "$out" "$@" >/dev/null
}
# Main view and hover: LLaDA-style low-confidence decoding in free order, two tokens per step.
gen "$work/main.trace" "$reasoning_first" --steps $((masks / 2))
# Compare: the "Reasoning first" and "Answer first" presets, one token per step.
gen "$work/reasoning-first.trace" "$reasoning_first" --steps "$masks" --order regions:reasoning,answer
gen "$work/answer-first.trace" "$answer_first" --steps "$masks" --order regions:answer,reasoning
# Decode order: LLaDA's one token per step in free order, i.e. the order the model picks itself.
gen "$work/free.trace" "$reasoning_first" --steps "$masks"

mkdir -p screenshots
# The README's animation: the main run as the app draws it, dissolves included (3 in-between frames
# per step at 10 frames per second).
"$bin" export "$work/main.trace" --gif screenshots/export.gif --fps 10 --inbetweens 3
echo "wrote screenshots/export.gif"
if [[ $only == gif ]]; then
  exit 0
fi

shoot() { # shoot OUT.png SCENE TRACE...
  local out=$1 scene=$2
  shift 2
  local args=()
  for t in "$@"; do args+=(--trace "$t"); done
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x1000x24" bash -c '
    out=$1; shift
    log=$(mktemp)
    "$@" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do
      grep -q UNMASK_DEMO_READY "$log" && break
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
      sleep 0.25
    done
    grep -q UNMASK_DEMO_READY "$log" || { echo "the app never became ready" >&2; cat "$log" >&2; kill "$pid"; exit 1; }
    # The pointer starts mid-screen, over the canvas: park it in a corner so no popup opens.
    if command -v xdotool >/dev/null; then xdotool mousemove 1599 999; sleep 0.5; fi
    sleep 0.3
    import -window root "$out"
    kill "$pid"
  ' _ "$out" "$bin" --demo-screenshot "$scene" "${args[@]}"
  echo "wrote $out"
}

shoot screenshots/main-mid-run.png main "$work/main.trace"
shoot screenshots/hover-top-k.png hover "$work/main.trace"
shoot screenshots/compare.png compare "$work/reasoning-first.trace" "$work/answer-first.trace"
shoot screenshots/decode-order.png decode-order "$work/free.trace"
shoot screenshots/models.png models "$work/main.trace"
shoot screenshots/lesson.png lesson "$work/reasoning-first.trace" "$work/answer-first.trace"
shoot screenshots/presenter.png presenter "$work/main.trace"
