#!/usr/bin/env bash
# Runs every shipped backtest (scenarios/backtests/) and the baseline, and scores each against its outcomes file
# (seeds/outcomes/), so a model change that moves a score shows in CI's log. Small run counts: the scores' intervals
# come from the questions, whose number does not change.
set -euo pipefail
cd "$(dirname "$0")/.."
realign=target/release/realign
out=$(mktemp -d)
runs=${BACKTEST_RUNS:-2048}
for s in scenarios/backtests/*.toml; do
    n=$(basename "$s" .toml)
    test -f "seeds/outcomes/$n.toml" || { echo "no outcomes file for $s"; exit 1; }
    "$realign" run "$s" --runs "$runs" --quiet --out "$out/runs/$n"
    "$realign" score "seeds/outcomes/$n.toml" "$out/runs/$n" --out "$out/score/$n"
    test -s "$out/score/$n/score.json"
done
"$realign" run scenarios/baseline.toml --runs "$runs" --quiet --out "$out/runs/baseline"
"$realign" score seeds/outcomes/baseline-2015-2017.toml "$out/runs/baseline" --out "$out/score/baseline"
test -s "$out/score/baseline/score.json"
# The forecast re-issued at a rolling origin, scored from there.
"$realign" run scenarios/history-replay.toml --origin 2015-06 --runs "$runs" --quiet --out "$out/runs/from-2015-06"
"$realign" score seeds/outcomes/history-replay-from-2015-06.toml "$out/runs/from-2015-06" --out "$out/score/from-2015-06"
test -s "$out/score/from-2015-06/score.json"
rm -rf "$out"
