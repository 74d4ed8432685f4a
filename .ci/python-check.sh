#!/usr/bin/env bash
# The Python package (pyo3 + maturin), `realign run --parquet` and `realign export-ema`, checked from Python:
# byte-identical folders from the CLI and from Python, Parquet equal to the CSV, the EMA export loaded back.
# Everything comes from PyPI into a venv; the Rust library is compiled once for both the CLI and the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${REALIGN_VENV:-target/ci-venv}"
start=$(date +%s)
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q maturin pytest pandas pyarrow
echo "pip install of maturin, pytest, pandas, pyarrow: $(( $(date +%s) - start )) s"

# The CLI with Parquet, built in the same cargo invocation as the Python crate: the features of shared
# dependencies (syn, through pyo3's macros) are unified as in maturin's build, so `pip install ./python` below
# reuses the realign library compiled here instead of compiling it a second time.
export PATH="$PWD/$venv/bin:$PATH"
start=$(date +%s)
cargo build --release --quiet -p realign -p realign-py --features realign/parquet
echo "cargo build of the CLI with Parquet: $(( $(date +%s) - start )) s"

start=$(date +%s)
"$venv/bin/pip" install -q ./python
echo "pip install ./python: $(( $(date +%s) - start )) s"

# ema_workbench pulls in scipy, scikit-learn, statsmodels, matplotlib and seaborn (over 3 minutes to install on a
# 2-core machine), so by default the test checks the archive against load_results' layout with tarfile and pandas;
# REALIGN_EMA_WORKBENCH=1 installs it and the test calls ema_workbench.load_results itself.
if [ "${REALIGN_EMA_WORKBENCH:-0}" = 1 ]; then
    start=$(date +%s)
    if timeout 300 "$venv/bin/pip" install -q ema_workbench; then
        echo "pip install ema_workbench: $(( $(date +%s) - start )) s"
    else
        echo "ema_workbench did not install; the export is checked against its layout with tarfile and pandas"
    fi
fi

REALIGN_BIN="$PWD/target/release/realign" "$venv/bin/python" -m pytest python/tests -q
