#!/usr/bin/env bash
# Regenerates screenshots/*.png: records two runs with the CLI, then opens the desktop app under Xvfb
# on prepared scenes (`--demo-screenshot`) and captures the screen with ImageMagick's `import`.
#
#   bash .ci/screenshots.sh            # uses assets/model, else the tiny test model (garbage text)
#   UNMASK_SCREENSHOT_MODEL=DIR bash .ci/screenshots.sh
#   UNMASK_BIN=path/to/unmask bash .ci/screenshots.sh   # skip the build
#
# Needs: xvfb xauth imagemagick libgl1-mesa-dri (see .ci/system-deps.sh for the rest).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in xvfb-run import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xauth imagemagick" >&2; exit 1; }
done

model=${UNMASK_SCREENSHOT_MODEL:-}
if [[ -z $model ]]; then
  if [[ -f assets/model/config.json ]]; then model=assets/model; else model=tests/fixtures/tiny-llada; fi
fi
bin=${UNMASK_BIN:-}
if [[ -z $bin ]]; then
  cargo build --bin unmask
  bin="${CARGO_TARGET_DIR:-target}/debug/unmask"
fi

# The tiny test model sees only 64 tokens; the embedded model gets the app's default prompt.
if [[ $model == tests/fixtures/tiny-llada ]]; then
  prompt="the cat sat on the big red tree"
  template="the {reasoning:28} so the answer is {answer:4}"
  masks=32
else
  prompt="Start with 47. Add 38. Subtract 19. What is the result?"
  template=$'{reasoning:56}\nAnswer: {answer:4}'
  masks=60
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A: LLaDA-style low-confidence decoding, two tokens per step. B: answer first, one per step.
"$bin" generate --model "$model" --prompt "$prompt" --template "$template" \
  --steps $((masks / 2)) --seed 1 --trace "$work/a.trace" >/dev/null
"$bin" generate --model "$model" --prompt "$prompt" --template "$template" \
  --steps "$masks" --order regions:answer,reasoning --seed 1 --trace "$work/b.trace" >/dev/null

mkdir -p screenshots
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
    sleep 0.3
    import -window root "$out"
    kill "$pid"
  ' _ "$out" "$bin" --demo-screenshot "$scene" "${args[@]}"
  echo "wrote $out"
}

shoot screenshots/main-mid-run.png main "$work/a.trace"
shoot screenshots/hover-top-k.png hover "$work/a.trace"
shoot screenshots/compare.png compare "$work/a.trace" "$work/b.trace"
shoot screenshots/decode-order.png decode-order "$work/b.trace"
