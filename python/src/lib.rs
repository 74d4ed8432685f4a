//! `realign._realign`: the CLI's commands as Python functions. Each calls the same `realign::app` function the
//! command line calls, with options checked by the same `options::Raw::check`, so a folder written from Python is
//! byte for byte the folder the CLI writes (manifest times aside). The GIL is released while a command runs; the
//! runs use rayon's pool as the CLI does (`threads=0`: all cores). The pure-Python wrapper (realign/__init__.py)
//! loads the files into pandas.

use std::path::{Path, PathBuf};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use realign::app::{self, AppError, Progress};
use realign::options::{Limits, Raw};
use realign::scenario::ScenarioError as RustScenarioError;
use realign::scenario::origin::OriginRequest;

create_exception!(
    _realign,
    RealignError,
    PyException,
    "A realign command failed; `exit_code` is the status the CLI exits with."
);
create_exception!(
    _realign,
    ScenarioError,
    RealignError,
    "A scenario, sweep or claims file is invalid: `file`, `line`, `column` and `key` locate the first problem, \
     `problems` lists all of them as (file, line, column, key, message)."
);

/// The Python exception for a command's error; its text is what the CLI prints after `error: `.
fn to_py(py: Python<'_>, e: AppError) -> PyErr {
    let message = e.to_string();
    let code = e.exit_code();
    let err = match &e {
        AppError::Scenario(_) => ScenarioError::new_err(message.clone()),
        _ => RealignError::new_err(message.clone()),
    };
    let value = err.value(py);
    let _ = value.setattr("exit_code", code);
    let _ = value.setattr("message", message);
    if let AppError::Scenario(s) = &e {
        let (file, line, column, key, problems) = match s {
            RustScenarioError::Read { path, .. } => {
                (path.display().to_string(), None, None, None, Vec::new())
            }
            RustScenarioError::Invalid(locs) => {
                let problems: Vec<(String, usize, usize, String, String)> = locs
                    .iter()
                    .map(|l| {
                        (
                            l.file.display().to_string(),
                            l.line,
                            l.column,
                            l.key_path.clone(),
                            l.message.clone(),
                        )
                    })
                    .collect();
                match problems.first() {
                    Some(p) => (
                        p.0.clone(),
                        Some(p.1),
                        Some(p.2),
                        Some(p.3.clone()),
                        problems.clone(),
                    ),
                    None => (String::new(), None, None, None, problems),
                }
            }
        };
        let _ = value.setattr("file", file);
        let _ = value.setattr("line", line);
        let _ = value.setattr("column", column);
        let _ = value.setattr("key", key);
        let _ = value.setattr("problems", problems);
    }
    err
}

/// No progress bar from Python.
fn quiet<T>(work: impl FnOnce(&Progress) -> Result<T, AppError>) -> Result<T, AppError> {
    work(&Progress {
        progress: &|_| {},
        total: &|_| {},
    })
}

/// Options as the command line would have parsed them, checked by the same code.
fn checked(
    runs: Option<u64>,
    seed: Option<u64>,
    threads: u64,
    out: &str,
    limits: Limits,
) -> Result<realign::options::Options, AppError> {
    Ok(Raw {
        runs: runs.map(i128::from),
        seed: seed.map(i128::from),
        threads: i128::from(threads),
        out: Some(PathBuf::from(out)),
        ..Raw::default()
    }
    .check(limits)?)
}

fn dir_string(p: &Path) -> String {
    p.display().to_string()
}

/// `realign run SCENARIO --out OUT [--runs N] [--seed S] [--trajectories K] [--threads T] [--parquet]`.
// One argument per flag of `realign run`, as Python keyword arguments.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (scenario, out, runs=None, seed=None, trajectories=0, threads=0, parquet=false))]
fn run(
    py: Python<'_>,
    scenario: String,
    out: String,
    runs: Option<u64>,
    seed: Option<u64>,
    trajectories: u64,
    threads: u64,
    parquet: bool,
) -> PyResult<String> {
    py.detach(|| {
        let opts = checked(runs, seed, threads, &out, Limits::RUNS)?;
        let trajectories = realign::options::trajectories(i128::from(trajectories))?;
        let parquet = realign::options::parquet(parquet)?;
        quiet(|p| {
            app::run_formats(
                Path::new(&scenario),
                &opts,
                trajectories,
                &OriginRequest::default(),
                false,
                parquet,
                p,
            )
        })
        .map(|o| dir_string(&o.out_dir))
    })
    .map_err(|e| to_py(py, e))
}

/// `realign compare SCENARIO... --out OUT [--runs N] [--seed S] [--threads T]`.
#[pyfunction]
#[pyo3(signature = (scenarios, out, runs=None, seed=None, threads=0))]
fn compare(
    py: Python<'_>,
    scenarios: Vec<String>,
    out: String,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: u64,
) -> PyResult<String> {
    py.detach(|| {
        let opts = checked(runs, seed, threads, &out, Limits::RUNS)?;
        let paths: Vec<PathBuf> = scenarios.iter().map(PathBuf::from).collect();
        quiet(|p| app::compare(&paths, &opts, p)).map(|o| dir_string(&o.out_dir))
    })
    .map_err(|e| to_py(py, e))
}

/// `realign sweep SWEEP --out OUT [--threads T]`.
#[pyfunction]
#[pyo3(signature = (sweep, out, threads=0))]
fn sweep(py: Python<'_>, sweep: String, out: String, threads: u64) -> PyResult<String> {
    py.detach(|| {
        let opts = checked(None, None, threads, &out, Limits::SWEEP)?;
        quiet(|p| app::sweep(Path::new(&sweep), &opts, false, p)).map(|o| dir_string(&o.out_dir))
    })
    .map_err(|e| to_py(py, e))
}

/// `realign claims [CLAIMS] [--scenario S] --out OUT [--runs N] [--seed S] [--threads T]`. A contradicted claim
/// is a result here, not an error: the claims are in the folder either way.
#[pyfunction]
#[pyo3(signature = (claims, out, scenario=None, runs=None, seed=None, threads=0))]
fn claims(
    py: Python<'_>,
    claims: String,
    out: String,
    scenario: Option<String>,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: u64,
) -> PyResult<String> {
    py.detach(|| {
        let opts = checked(runs, seed, threads, &out, Limits::CLAIMS)?;
        let scenario = scenario.map(PathBuf::from);
        quiet(|p| app::claims(Path::new(&claims), scenario.as_deref(), &opts, p))
            .map(|o| dir_string(&o.out_dir))
    })
    .map_err(|e| to_py(py, e))
}

/// `realign score OUTCOMES RUN_DIR... --out OUT`.
#[pyfunction]
fn score(py: Python<'_>, outcomes: String, runs: Vec<String>, out: String) -> PyResult<String> {
    py.detach(|| {
        let dirs: Vec<PathBuf> = runs.iter().map(PathBuf::from).collect();
        app::score(Path::new(&outcomes), &dirs, Some(Path::new(&out)))
            .map(|o| dir_string(&o.out_dir))
    })
    .map_err(|e| to_py(py, e))
}

/// `realign export-ema SWEEP_DIR --out FILE`: the sweep in the EMA Workbench's results layout.
#[pyfunction]
fn export_ema(py: Python<'_>, sweep_dir: String, out: String) -> PyResult<String> {
    py.detach(|| {
        app::export_ema(Path::new(&sweep_dir), Some(Path::new(&out))).map(|p| dir_string(&p))
    })
    .map_err(|e| to_py(py, e))
}

/// A scenario given as a dict (as JSON text) rendered to TOML, for a file the loader then validates.
#[pyfunction]
fn render_toml(json: &str) -> PyResult<String> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| RealignError::new_err(format!("scenario dict: {e}")))?;
    let table: toml::Value = toml::Value::try_from(value)
        .map_err(|e| RealignError::new_err(format!("scenario dict cannot be TOML: {e}")))?;
    toml::to_string(&table)
        .map_err(|e| RealignError::new_err(format!("scenario dict cannot be TOML: {e}")))
}

/// Whether this build writes Parquet (`run(..., parquet=True)`).
#[pyfunction]
fn has_parquet() -> bool {
    realign::options::parquet(true).is_ok()
}

#[pymodule]
fn _realign(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RealignError", py.get_type::<RealignError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(claims, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(export_ema, m)?)?;
    m.add_function(wrap_pyfunction!(render_toml, m)?)?;
    m.add_function(wrap_pyfunction!(has_parquet, m)?)?;
    Ok(())
}
