#!/usr/bin/env bash
# The one-way import rules between the layers (docs: src/view/mod.rs, src/export/mod.rs):
# - `export/` and `view/` never import the app (`ui/`); `view/` never imports `export/` or candle;
# - `ui/` never imports candle, and candle is used only in model/, train/, eval/, worker/, cli/,
#   generate.rs and main.rs;
# - `model/`, `sampler/` and `trace/` never import egui.
# Comment lines are ignored. Prints every offending file:line and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0

# check RULE PATTERN PATH... : report code lines (not // comments) under PATH matching PATTERN.
check() {
  local rule=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -rnE --include='*.rs' "$pattern" "$@" 2>/dev/null |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
  if [[ -n $hits ]]; then
    awk -v rule="$rule" -F: '{ line = $0; sub(/^[^:]+:[0-9]+:[[:space:]]*/, "", line);
      print $1 ":" $2 ": " rule ": " line }' <<<"$hits"
    status=1
  fi
}

# `crate::ui`, `super::ui`, `unmask::ui`, and `ui::` inside a one-line `use crate::{…}` group.
ui='\b(crate|super|unmask)::(\{[^}]*\b)?ui\b'
export_='\b(crate|super|unmask)::(\{[^}]*\b)?export\b'
candle='\bcandle(_[a-z]+)?::|\bextern crate candle'
egui='\begui(_[a-z]+)?::|\beframe::'

check "export/ must not import ui/" "$ui" src/export
check "view/ must not import ui/" "$ui" src/view
check "view/ must not import export/" "$export_" src/view
check "view/ must not use candle" "$candle" src/view
check "ui/ must not use candle" "$candle" src/ui
check "model/, sampler/ and trace/ must not use egui" "$egui" src/model src/sampler src/trace

# candle only where the model runs.
outside=()
while IFS= read -r f; do
  case $f in
    src/model/* | src/train/* | src/eval/* | src/worker/* | src/cli/* | src/generate.rs | src/main.rs) ;;
    *) outside+=("$f") ;;
  esac
done < <(find src -name '*.rs' | sort)
if ((${#outside[@]})); then
  check "candle is used only in model/, train/, eval/, worker/, cli/, generate.rs and main.rs" \
    "$candle" "${outside[@]}"
fi

if ((status)); then
  echo "layer check failed (see the rules at the top of .ci/check-layers.sh)" >&2
fi
exit $status
