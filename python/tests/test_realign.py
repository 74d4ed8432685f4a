"""The Python package against the CLI: same bytes for the same scenario and seed, errors with their locations,
the GIL released during runs, Parquet equal to the CSV, and the EMA Workbench export loadable.

Run from the repository root (scenario paths are relative to it) with the CLI built:
`cargo build --release --features parquet && python -m pytest python/tests`. REALIGN_BIN names another binary.
"""

import json
import os
import re
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import realign

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("REALIGN_BIN", ROOT / "target" / "release" / "realign"))
BASELINE = "scenarios/baseline.toml"
# Files that record when and on how many threads a command ran (manifest.json's VOLATILE_FIELDS, and the copy of
# the manifest at the foot of report.html); the ledger records the time of each run.
VOLATILE_JSON = {"started", "finished", "threads", "git_revision"}


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def cli(*args, check=True):
    return subprocess.run([str(BIN), *map(str, args), "--quiet"], capture_output=True, text=True, check=check)


def cli_has_parquet():
    return "--parquet" in subprocess.run([str(BIN), "run", "--help"], capture_output=True, text=True).stdout


def strip_volatile(value):
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k not in VOLATILE_JSON}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def assert_same_folder(a: Path, b: Path):
    names_a = sorted(p.name for p in a.iterdir() if not p.name.startswith("."))
    names_b = sorted(p.name for p in b.iterdir() if not p.name.startswith("."))
    assert names_a == names_b
    for name in names_a:
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if name == "manifest.json":
            # Its file list holds the hashes of the two files with times in them, checked below on their own.
            mx, my = json.loads(x), json.loads(y)
            for m in (mx, my):
                for volatile in ("report.html", "ledger.jsonl"):
                    m.get("files", {}).pop(volatile, None)
            assert strip_volatile(mx) == strip_volatile(my), name
        elif name == "ledger.jsonl":
            drop = lambda t: [strip_volatile({k: v for k, v in json.loads(l).items() if k != "time"}) for l in t.splitlines()]
            assert drop(x) == drop(y), name
        elif name == "report.html":
            # The report's copy of the manifest holds the volatile fields; everything else must be equal.
            pattern = rb'(started|finished|threads|git_revision)(&quot;|"): [^,\n]*'
            assert re.sub(pattern, b"", x) == re.sub(pattern, b"", y), name
        else:
            assert x == y, f"{name} differs between the CLI and Python"


def test_run_is_byte_identical_to_the_cli(tmp_path):
    parquet = cli_has_parquet()
    extra = ["--parquet"] if parquet else []
    cli("run", BASELINE, "--runs", 3000, "--seed", 1, "--trajectories", 5, "--out", tmp_path / "cli", *extra)
    r = realign.run(BASELINE, runs=3000, seed=1, trajectories=5, out=tmp_path / "py", parquet=parquet)
    assert r.dir == tmp_path / "py"
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    # Every file but the manifest's times is checked above; the manifest lists the same files with the same hashes.
    files = json.loads((tmp_path / "py" / "manifest.json").read_text())["files"]
    assert "events.csv" in files and "trajectories.csv" in files
    assert ("events.parquet" in files) == parquet


def test_run_returns_the_tables_and_summary(tmp_path):
    r = realign.run(BASELINE, runs=2000, seed=1, trajectories=True)
    assert isinstance(r.summary, dict) and r.summary["runs"] == 2000
    assert {"event", "probability", "ci_low", "ci_high"} <= set(r.events.columns)
    assert len(r.timeseries) > 0 and len(r.trajectories) > 0
    assert (r.events["ci_low"] <= r.events["probability"]).all()
    assert (r.events["probability"] <= r.events["ci_high"]).all()
    # A temporary folder lives as long as its result.
    assert (r.dir / "events.csv").is_file()


def test_thread_count_changes_no_byte(tmp_path):
    realign.run(BASELINE, runs=2000, seed=7, out=tmp_path / "one", threads=1)
    realign.run(BASELINE, runs=2000, seed=7, out=tmp_path / "all", threads=0)
    for name in ["summary.json", "events.csv", "timeseries.csv", "quantiles.csv"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()


def test_a_dict_scenario_is_validated_like_a_file(tmp_path):
    good = {"name": "dict-run", "base": BASELINE, "drivers": {"west": {"engagement": 0.7}}}
    r = realign.run(good, runs=1000, seed=3, out=tmp_path / "py")
    # The same scenario as a file gives the same results through the CLI.
    path = tmp_path / "dict-run.toml"
    path.write_text(f'name = "dict-run"\nbase = "{ROOT / BASELINE}"\n[drivers.west]\nengagement = 0.7\n')
    cli("run", path, "--runs", 1000, "--seed", 3, "--out", tmp_path / "cli")
    assert (tmp_path / "cli" / "events.csv").read_bytes() == (r.dir / "events.csv").read_bytes()


def test_a_bad_scenario_raises_with_its_location_and_the_cli_message(tmp_path):
    bad = {"name": "bad", "base": BASELINE, "actors": {"Belarus": {"dependence": 7.0}}}
    with pytest.raises(realign.ScenarioError) as info:
        realign.run(bad, runs=100, out=tmp_path / "py")
    e = info.value
    assert e.key == "actors.Belarus.dependence"
    assert e.line is not None and e.line >= 1 and e.column >= 1
    assert e.file.endswith("bad.toml")
    assert e.exit_code == 2
    # The CLI on the same file prints the same text after "error: ".
    out = cli("run", e.file, "--runs", 100, "--out", tmp_path / "cli", check=False)
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {e}".strip()
    assert isinstance(e, realign.RealignError)


def test_a_bad_path_is_a_scenario_error():
    with pytest.raises(realign.ScenarioError) as info:
        realign.run("scenarios/no-such-file.toml", runs=100)
    assert info.value.file.endswith("no-such-file.toml") and info.value.line is None


def test_bad_options_raise_with_the_cli_message(tmp_path):
    with pytest.raises(realign.RealignError, match="--runs must be in"):
        realign.run(BASELINE, runs=0, out=tmp_path / "x")


def test_the_gil_is_released_while_runs_execute(tmp_path):
    # With the GIL held for the whole call this thread could not run until it returned: it would count at most a
    # step or two. 40,000 runs take far longer than 40 sleeps of 1 ms on any machine that runs this suite.
    done = threading.Event()

    def work():
        realign.run(BASELINE, runs=40_000, seed=2, out=tmp_path / "gil", threads=1)
        done.set()

    t = threading.Thread(target=work)
    steps = 0
    t.start()
    while not done.is_set():
        steps += 1
        time.sleep(0.001)
    t.join()
    assert steps >= 40


@pytest.mark.skipif(not realign.has_parquet(), reason="built without Parquet")
def test_parquet_holds_the_csv_tables(tmp_path):
    pytest.importorskip("pyarrow")
    r = realign.run(BASELINE, runs=2000, seed=1, trajectories=3, out=tmp_path / "pq", parquet=True)
    for stem in ["timeseries", "events", "quantiles", "trajectories"]:
        from_csv = pd.read_csv(r.dir / f"{stem}.csv")
        from_parquet = pd.read_parquet(r.dir / f"{stem}.parquet")
        assert list(from_parquet.columns) == list(from_csv.columns)
        pd.testing.assert_frame_equal(from_parquet, from_csv, check_dtype=False, check_exact=True)


def test_parquet_is_refused_by_a_cli_built_without_it(tmp_path):
    if cli_has_parquet():
        out = cli("run", BASELINE, "--runs", 100, "--parquet", "--out", tmp_path / "x", check=False)
        assert out.returncode == 0 or "built without Parquet" in out.stderr
    else:
        out = cli("run", BASELINE, "--runs", 100, "--parquet", "--out", tmp_path / "x", check=False)
        assert out.returncode == 2 and "built without Parquet support" in out.stderr


SWEEP = """name = "py-grid"
base = "{base}"
replicates = 200
outcomes = ["ceasefire", "sanctioned:Belarus", "alignment:Belarus"]

[design]
kind = "grid"

[[parameters]]
key = "drivers.west.engagement"
values = [0.2, 0.8]

[[parameters]]
key = "actors.Russia.pressure"
values = [0.5, 1.5, 2.5]
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    spec = d / "py-grid.toml"
    spec.write_text(SWEEP.format(base=ROOT / BASELINE))
    return spec, realign.sweep(spec, out=d / "out")


def test_sweep_matches_the_cli(grid, tmp_path):
    spec, r = grid
    cli("sweep", spec, "--out", tmp_path / "cli")
    assert_same_folder(tmp_path / "cli", r.dir)
    assert len(r.sweep) == 6 and r.analysis["points"] == 6


def test_ema_export_loads_and_matches_the_sweep(grid, tmp_path):
    spec, r = grid
    archive = realign.export_ema(r, tmp_path / "py.tar.gz")
    cli("export-ema", r.dir, "--out", tmp_path / "cli.tar.gz")
    assert archive.read_bytes() == (tmp_path / "cli.tar.gz").read_bytes()
    table = r.sweep
    try:
        from ema_workbench import load_results
    except ImportError:
        load_results = None
    if load_results is not None:
        experiments, outcomes = load_results(str(archive))
    else:
        # The layout load_results reads, checked by hand: experiments.csv, metadata.json, one .cls per outcome.
        with tarfile.open(archive, "r:gz") as t:
            meta = json.loads(t.extractfile("metadata.json").read())
            experiments = pd.read_csv(t.extractfile("experiments.csv"))
            outcomes = {
                name: pd.read_csv(t.extractfile(f), header=None).values[:, 0]
                for kind, name, f in meta["outcomes"]
                if kind == "ScalarOutcome"
            }
            assert set(meta["experiments"]) == set(experiments.columns)
    for key in ["drivers.west.engagement", "actors.Russia.pressure"]:
        assert list(experiments[key]) == list(table[key])
    assert list(experiments["scenario"]) == list(table["point"])
    for label in ["ceasefire", "sanctioned:Belarus", "alignment:Belarus"]:
        name = label.replace(":", "_")
        for suffix in ["", "_ci_low", "_ci_high"]:
            assert list(outcomes[name + suffix]) == list(table[label + suffix])


def test_compare_claims_and_score(tmp_path):
    c = realign.compare([BASELINE, "scenarios/oil-collapse.toml"], runs=500, seed=1, out=tmp_path / "cmp")
    assert len(c.comparison) > 0 and isinstance(c.json["comparison"], dict)
    k = realign.claims(runs=200, seed=1, out=tmp_path / "claims")
    assert len(k.claims) == len(k.json["claims"]["results"]) > 0
    outcomes = sorted(Path("seeds/outcomes").glob("*.toml"))
    if outcomes:
        run = realign.run(BASELINE, runs=500, seed=1, out=tmp_path / "run")
        s = realign.score(outcomes[0], [run], out=tmp_path / "score")
        assert "score" in s.json and len(s.tables["score"]) >= 1
