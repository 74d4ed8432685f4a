"""realign from Python: the CLI's commands as functions, their results as pandas DataFrames and dicts.

Each function calls the same Rust code the command line calls, so the folder it writes is the CLI's, byte for byte
(manifest.json's times and thread count, and the report's copy of the manifest, aside). The GIL is released while
the runs execute; they use every core unless ``threads`` says otherwise.

    >>> import realign
    >>> r = realign.run("scenarios/baseline.toml", runs=10_000, seed=1)
    >>> r.events.head()
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import pandas as pd

from . import _realign
from ._realign import RealignError, ScenarioError

__all__ = [
    "run",
    "compare",
    "sweep",
    "claims",
    "score",
    "export_ema",
    "Result",
    "RealignError",
    "ScenarioError",
    "has_parquet",
]
__version__ = _realign.__version__

Scenario = Union[str, os.PathLike, Dict[str, Any]]


class Result:
    """A command's output folder, loaded: ``dir`` is the folder; every ``NAME.csv`` there is ``tables[NAME]`` (a
    DataFrame), every ``NAME.json`` is ``json[NAME]`` (a dict). Common tables are also attributes (``r.events``)."""

    def __init__(self, directory: str, temporary: Optional[tempfile.TemporaryDirectory] = None):
        self.dir = Path(directory)
        # Kept so that a temporary folder lives as long as its result.
        self._temporary = temporary
        self.tables: Dict[str, pd.DataFrame] = {}
        self.json: Dict[str, Any] = {}
        for f in sorted(self.dir.iterdir()):
            if f.suffix == ".csv":
                self.tables[f.stem] = pd.read_csv(f)
            elif f.suffix == ".json":
                self.json[f.stem] = json.loads(f.read_text(encoding="utf-8"))

    def __getattr__(self, name: str) -> Any:
        tables = self.__dict__.get("tables", {})
        data = self.__dict__.get("json", {})
        if name in tables:
            return tables[name]
        if name in data:
            return data[name]
        raise AttributeError(f"{name!r}: this result has tables {sorted(tables)} and json {sorted(data)}")

    def __repr__(self) -> str:
        return f"realign.Result({str(self.dir)!r}, tables={sorted(self.tables)}, json={sorted(self.json)})"


def _out(out: Optional[Union[str, os.PathLike]]):
    """The folder to write: the one given, or a new temporary folder kept alive by the result."""
    if out is not None:
        return os.fspath(out), None
    tmp = tempfile.TemporaryDirectory(prefix="realign-")
    return tmp.name, tmp


_NAME = re.compile(r"[^A-Za-z0-9_-]")


def _scenario_path(scenario: Scenario, keep: List[tempfile.TemporaryDirectory]) -> str:
    """A path as given; a dict rendered to TOML in a temporary file, which the loader validates like any file. A
    relative ``base`` in a dict is taken from the working folder, as a path argument would be."""
    if not isinstance(scenario, dict):
        return os.fspath(scenario)
    data = dict(scenario)
    base = data.get("base")
    if isinstance(base, str) and not os.path.isabs(base):
        data["base"] = os.path.abspath(base)
    text = _realign.render_toml(json.dumps(data))
    name = _NAME.sub("_", str(data.get("name", "scenario")))[:64] or "scenario"
    tmp = tempfile.TemporaryDirectory(prefix="realign-scenario-")
    keep.append(tmp)
    path = os.path.join(tmp.name, f"{name}.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run(
    scenario: Scenario,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, os.PathLike]] = None,
    trajectories: Union[bool, int] = False,
    threads: int = 0,
    parquet: bool = False,
) -> Result:
    """``realign run``: the scenario's Monte Carlo ensemble. ``trajectories=True`` keeps 100 full paths (an int
    keeps that many); ``parquet=True`` also writes the tidy tables as Parquet. Returns ``.summary`` (dict),
    ``.timeseries``, ``.events``, ``.quantiles`` and, when asked, ``.trajectories`` (DataFrames), ``.dir``."""
    keep: List[tempfile.TemporaryDirectory] = []
    path = _scenario_path(scenario, keep)
    k = 100 if trajectories is True else int(trajectories or 0)
    directory, tmp = _out(out)
    _realign.run(path, directory, runs=runs, seed=seed, trajectories=k, threads=threads, parquet=parquet)
    return Result(directory, tmp)


def compare(
    scenarios: Sequence[Scenario],
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, os.PathLike]] = None,
    threads: int = 0,
) -> Result:
    """``realign compare``: several scenarios side by side (``.comparison`` dict and the tables)."""
    keep: List[tempfile.TemporaryDirectory] = []
    paths = [_scenario_path(s, keep) for s in scenarios]
    directory, tmp = _out(out)
    _realign.compare(paths, directory, runs=runs, seed=seed, threads=threads)
    return Result(directory, tmp)


def sweep(sweep: Union[str, os.PathLike], out: Optional[Union[str, os.PathLike]] = None, threads: int = 0) -> Result:
    """``realign sweep``: ``.sweep`` (one row per point), ``.analysis`` and ``.manifest`` dicts."""
    directory, tmp = _out(out)
    _realign.sweep(os.fspath(sweep), directory, threads=threads)
    return Result(directory, tmp)


def claims(
    claims: Union[str, os.PathLike] = "seeds/experiments.toml",
    scenario: Optional[Scenario] = None,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    out: Optional[Union[str, os.PathLike]] = None,
    threads: int = 0,
) -> Result:
    """``realign claims``: each claim as a paired experiment (``.claims`` table and dict). A contradicted claim is
    a result here, not an exception."""
    keep: List[tempfile.TemporaryDirectory] = []
    path = None if scenario is None else _scenario_path(scenario, keep)
    directory, tmp = _out(out)
    _realign.claims(os.fspath(claims), directory, scenario=path, runs=runs, seed=seed, threads=threads)
    return Result(directory, tmp)


def score(
    outcomes: Union[str, os.PathLike],
    runs: Sequence[Union[str, os.PathLike, Result]],
    out: Optional[Union[str, os.PathLike]] = None,
) -> Result:
    """``realign score``: run folders (paths or results) scored against an outcomes file."""
    dirs = [os.fspath(r.dir if isinstance(r, Result) else r) for r in runs]
    directory, tmp = _out(out)
    _realign.score(os.fspath(outcomes), dirs, directory)
    return Result(directory, tmp)


def export_ema(sweep_dir: Union[str, os.PathLike, Result], out: Union[str, os.PathLike]) -> Path:
    """``realign export-ema``: the sweep as the EMA Workbench's results archive; returns the file's path."""
    d = sweep_dir.dir if isinstance(sweep_dir, Result) else sweep_dir
    return Path(_realign.export_ema(os.fspath(d), os.fspath(out)))


def has_parquet() -> bool:
    """Whether this build writes Parquet (always, for the package built from python/)."""
    return _realign.has_parquet()
