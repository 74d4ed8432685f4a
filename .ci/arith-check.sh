#!/usr/bin/env bash
# The model computes with no math function of the system's C library (whose last bits may differ between
# machines): the model-only example must import none of them. The full binary still imports a few for charts and
# fonts (plotters, ab_glyph), which never touch the numbers in the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nm >/dev/null || { echo "nm (binutils) is needed for this check"; exit 1; }
cargo build --release --quiet --example model_only
bin=target/release/examples/model_only
math='exp|expf|exp2|expm1|log|logf|log2|log10|log1p|pow|powf|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|cbrt|hypot|hypotf|erf|erfc|lgamma|tgamma|fmod'
imports=$(nm -D --undefined-only "$bin")   # fails the script if nm cannot read the binary
[ -n "$imports" ] || { echo "nm listed no imports of $bin: cannot check"; exit 1; }
found=$(printf '%s\n' "$imports" | awk '{print $2}' | sed 's/@.*//' | grep -Ex "($math)" || true)
if [ -n "$found" ]; then
    echo "the model path imports math functions from the system: $found"
    exit 1
fi
echo "model path: no math functions from the system; probe and digest:"
"$bin" scenarios/baseline.toml
