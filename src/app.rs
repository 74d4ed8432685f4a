//! Each command as a library function: load and check its input, run, render the results to bytes, write them
//! into the command's folder. Orchestration only: what is computed lives in the runner, statistics, sweep, claims
//! and comparison modules, the file formats beside their results, and terminal text in [`crate::terminal`].

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::charts;
use crate::claims::{ClaimResult, ClaimsFile, Verdict};
use crate::compare::{self, CompareError, CompareRow, Shared};
use crate::options::{ArgError, Options};
use crate::output::ledger::{self, LedgerError};
use crate::output::{OutDir, OutputError, manifest, report, tables};
use crate::runner::{self, Budget, Ensemble, Plan};
use crate::scenario::origin::{OriginError, OriginRequest};
use crate::scenario::priors::PriorSet;
use crate::scenario::{Scenario, ScenarioError};
use crate::series;
use crate::sweep::results::{self, Analysis};
use crate::sweep::run::SweepError;
use crate::sweep::shard::{self, ShardInfo};
use crate::sweep::size::SweepLimits;
use crate::sweep::spec::Sweep;
use crate::uncertainty;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Args(#[from] ArgError),
    #[error(transparent)]
    Compare(#[from] CompareError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error("{failed} of {total} scenario file(s) invalid")]
    InvalidFiles { failed: usize, total: usize },
    #[error("{0} claim(s) contradicted")]
    Contradicted(usize),
    #[error(transparent)]
    Fans(#[from] crate::fans::FansError),
    #[error(transparent)]
    Origin(#[from] OriginError),
    #[error(transparent)]
    Score(#[from] crate::score::ScoreError),
    #[error(
        "{}: no parameter to draw: give priors in a [priors] table, or drop --priors scenario-only so that every \
         assumption gets its default prior",
        .file.display()
    )]
    NoPriors { file: PathBuf },
    #[error(transparent)]
    Condition(#[from] crate::condition::ConditionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    Discover(#[from] crate::discover::DiscoverError),
    #[error(transparent)]
    Robust(#[from] crate::robust::RobustError),
    #[error(
        "{problems} file(s) differ from the rerun, are missing or are extra: the folder is not what its manifest's \
         run writes"
    )]
    Unverified { problems: usize },
    #[error(
        "REALIGN_ISA={value:?}: {why}; allowed: scalar, portable, avx2 (or unset: the lanes on the best instruction \
         set this processor has)"
    )]
    Isa { value: String, why: &'static str },
}

impl From<shard::MergeError> for AppError {
    fn from(e: shard::MergeError) -> AppError {
        AppError::Sweep(e.into())
    }
}

impl AppError {
    /// Exit status: 2 for bad input (scenarios, arguments, sweep parts), 1 for failures while running or writing,
    /// 3 when a claim is contradicted.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_)
            | AppError::Args(_)
            | AppError::Compare(_)
            | AppError::InvalidFiles { .. }
            | AppError::Fans(_)
            | AppError::Origin(_)
            | AppError::Score(_)
            | AppError::NoPriors { .. }
            | AppError::Condition(_)
            | AppError::Ledger(_)
            | AppError::Discover(_)
            | AppError::Robust(_) => 2,
            AppError::Isa { .. } => 2,
            AppError::Verify(e) => e.exit_code(),
            AppError::Unverified { .. } => 4,
            AppError::Output(_) | AppError::Chart(_) => 1,
            AppError::Sweep(SweepError::Output(_)) => 1,
            AppError::Sweep(_) => 2,
            AppError::Contradicted(_) => 3,
        }
    }
}

/// The engine `REALIGN_ISA` asks for (`scalar`, `portable` or `avx2`), or the best available when it is unset.
/// Results do not depend on it (`tests/lanes.rs`); a processor without AVX2 refuses `avx2` rather than fall back,
/// so a test that asks for a path gets that path.
pub fn engine_from(value: Option<&str>) -> Result<crate::runner::Engine, AppError> {
    use crate::runner::Engine;
    let Some(value) = value else {
        return Ok(Engine::detect());
    };
    let isa_error = |why| AppError::Isa {
        value: value.to_string(),
        why,
    };
    match Engine::parse(value) {
        None => Err(isa_error("not an engine")),
        Some(Engine::Lanes(isa)) if !isa.available() => Err(isa_error("this processor lacks it")),
        Some(e) => Ok(e),
    }
}

/// Default output root, relative to the working directory. Every default folder is a child of it named after a
/// validated name ([A-Za-z0-9_-] only), so no scenario, sweep or claims file can make realign write elsewhere.
pub const OUTPUT_ROOT: &str = "output";
/// The default claims file: the article's claims.
pub const DEFAULT_CLAIMS: &str = "seeds/experiments.toml";

/// Progress callbacks: `progress(n)` as work finishes, `total(n)` once the amount of work is known.
pub struct Progress<'a> {
    pub progress: &'a (dyn Fn(u64) + Sync),
    pub total: &'a dyn Fn(u64),
}

/// `output/<scenario name>` (`output/<scenario name>-from-YYYY-MM` for a forecast from a rolling origin) unless
/// `out` says otherwise.
pub fn out_dir_for(s: &Scenario, out: Option<&Path>) -> PathBuf {
    let folder = match &s.origin {
        Some(o) => format!("{}-from-{}", s.name, o.origin_month),
        None => s.name.clone(),
    };
    out.map_or_else(|| Path::new(OUTPUT_ROOT).join(folder), Path::to_path_buf)
}

pub struct RunOutcome {
    pub scenario: Scenario,
    pub ensemble: Ensemble,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// With `--uncertainty`: the nested ensemble's outer statistics and rows.
    pub uncertainty: Option<UncertaintyOutcome>,
}

/// Loads, runs and writes one scenario; `trajectories` full paths are kept for trajectories.csv. `origin` moves
/// the forecast to a later month of the scenario (`--origin`), or asks nothing.
pub fn run(
    path: &Path,
    opts: &Options,
    trajectories: usize,
    origin: &OriginRequest,
    p: &Progress,
) -> Result<RunOutcome, AppError> {
    run_with(path, opts, trajectories, origin, false, p)
}

/// [`run`], and with `paths` every run's compact path streamed to paths.bin (`realign run --paths`).
pub fn run_with(
    path: &Path,
    opts: &Options,
    trajectories: usize,
    origin: &OriginRequest,
    paths: bool,
    p: &Progress,
) -> Result<RunOutcome, AppError> {
    run_formats(path, opts, trajectories, origin, paths, false, p)
}

/// [`run_with`], and with `parquet` the tidy tables and trajectories also as Parquet files (`realign run
/// --parquet`, a build with the `parquet` feature; `parquet` comes checked by [`crate::options::parquet`]). The
/// Python package calls this too, so its folders are the CLI's.
pub fn run_formats(
    path: &Path,
    opts: &Options,
    trajectories: usize,
    origin: &OriginRequest,
    paths: bool,
    parquet: bool,
    p: &Progress,
) -> Result<RunOutcome, AppError> {
    let mut scenario = Scenario::load(path)?;
    scenario.seed = opts.seed().unwrap_or(scenario.seed);
    let key = runner::stream_key(&scenario.name, scenario.seed);
    origin.apply(&mut scenario, |cfg, run| {
        runner::state_at_origin(cfg, &key, run)
    })?;
    let budget = opts.budget(scenario.runs);
    let (mut out, old_ledger) = create_run_dir(&scenario, opts)?;
    (p.total)(budget.most_runs());
    let started = SystemTime::now();
    let plan = Plan {
        runs: budget.most_runs(),
        seed: scenario.seed,
        threads: opts.threads(),
        trajectories,
    };
    let mut ensemble = runner::empty_ensemble(&scenario.config, opts.threads());
    let mut writer = match paths {
        true => Some(crate::paths::PathsWriter::create(
            &out,
            &crate::paths::Header::for_scenario(&scenario, &ensemble.layout),
            Some(crate::paths::Codec::new(&ensemble.layout)),
        )?),
        false => None,
    };
    scenario.runs = budget.grow(
        &mut ensemble,
        |ens, until| {
            runner::extend_ensemble_recording(
                ens,
                &scenario.config,
                &scenario.name,
                &plan,
                until,
                p.progress,
                writer.as_mut(),
            )
        },
        Ensemble::widest_half_width,
    );
    if let Some(w) = writer {
        w.finish(&mut out)?;
    }
    let info = manifest::RunInfo {
        runs: scenario.runs,
        precision_target: opts.precision().map(|(h, _)| h),
        options: manifest::RunOptions {
            scenario: path.display().to_string(),
            runs: opts.runs(),
            seed: opts.seed(),
            precision: opts.precision().map(|(h, _)| h),
            max_runs: opts.precision().map(|(_, most)| most),
            trajectories: trajectories as u64,
            paths,
            parquet,
            ..origin.options()
        },
        threads: ensemble.threads,
        started,
        finished: SystemTime::now(),
    };
    write_run(
        &scenario,
        &ensemble,
        &mut out,
        &old_ledger,
        &info,
        trajectories,
        None,
    )?;
    Ok(RunOutcome {
        scenario,
        ensemble,
        out_dir: out.path().to_path_buf(),
        files: out.written().to_vec(),
        uncertainty: None,
    })
}

/// Writes a run's files; with a nested ensemble's outcome, also uncertainty.csv, the `uncertainty` section of
/// summary.json, the assumption bands of the fan charts and the report's table. The manifest goes last.
pub(crate) fn write_run(
    scenario: &Scenario,
    ensemble: &Ensemble,
    out: &mut OutDir,
    old_ledger: &ledger::Ledger,
    info: &manifest::RunInfo,
    trajectories: usize,
    nested: Option<(&uncertainty::Outcome, &[uncertainty::Row])>,
) -> Result<(), AppError> {
    // `--parquet`, as the manifest records it.
    let parquet = info.options.parquet;
    match nested {
        Some((o, rows)) => {
            out.bytes(
                "summary.json",
                &uncertainty::summary_json(scenario, o, rows),
            )?;
            out.bytes(
                "uncertainty.csv",
                &uncertainty::uncertainty_csv(scenario, rows),
            )?;
        }
        None => out.bytes("summary.json", &tables::summary_json(scenario, ensemble))?,
    }
    let mut tidy = vec![
        ("timeseries", tables::timeseries_csv(scenario, ensemble)),
        ("events", tables::events_csv(scenario, ensemble)),
        ("quantiles", tables::quantiles_csv(scenario, ensemble)),
    ];
    if trajectories > 0 {
        tidy.push(("trajectories", tables::trajectories_csv(scenario, ensemble)));
    }
    for (stem, csv) in &tidy {
        out.bytes(&format!("{stem}.csv"), csv)?;
        if parquet {
            out.bytes(
                &format!("{stem}.parquet"),
                &crate::output::parquet::from_csv(csv)?,
            )?;
        }
    }
    let mut data = series::from_ensemble(scenario, ensemble);
    if let Some((o, _)) = nested {
        data.assumption = Some(uncertainty::assumption_bands(o));
    }
    let names: Vec<String> = scenario
        .config
        .actors
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let figures = charts::draw::run_figures(&data, &charts::unique_slugs(&names))?;
    out.figures(&figures)?;
    let summary = tables::summary(scenario, ensemble);
    // The report's copy of the manifest has no file list: it is made before report.html exists.
    let mut html = report::report_html(
        scenario,
        &summary,
        &figures,
        &String::from_utf8_lossy(&manifest::manifest_json(scenario, info, None)),
    );
    if let Some((o, rows)) = nested {
        html = report::insert_section(html, &uncertainty::report_section(scenario, o, rows));
    }
    out.bytes("report.html", html.as_bytes())?;
    // The manifest lists every file so far; the ledger is a history, not one of the run's results.
    let files = out.records().clone();
    ledger::append(out, old_ledger, &ledger_entry(scenario, info, &summary))?;
    // The manifest goes last: its presence says the run completed.
    out.bytes(
        "manifest.json",
        &manifest::manifest_json(scenario, info, Some(&files)),
    )?;
    Ok(())
}

/// Takes the run's folder (its lock, the old manifest removed) and reads the ledger there. A ledger that will be
/// refused is refused before the folder's marker goes; it is read again under the lock. A folder that cannot be
/// read is left to `OutDir::create` to report, as for every command.
fn create_run_dir(
    scenario: &Scenario,
    opts: &Options,
) -> Result<(OutDir, ledger::Ledger), AppError> {
    open_run_dir(&out_dir_for(scenario, opts.out()))
}

/// [`create_run_dir`] for a folder already chosen (the library's `Results::write`).
pub(crate) fn open_run_dir(dir: &Path) -> Result<(OutDir, ledger::Ledger), AppError> {
    match ledger::read(dir) {
        Err(LedgerError::Read { .. }) | Ok(_) => {}
        Err(e) => return Err(e.into()),
    }
    let out = OutDir::create(dir)?;
    let old = ledger::read(out.path())?;
    Ok((out, old))
}

/// `realign run --uncertainty`: the nested ensemble of `path` (`nested.outer` draws from the priors of `set`,
/// `nested.inner` runs each), written like a run plus uncertainty.csv. A scenario with no prior to draw is refused.
pub fn run_uncertainty(
    path: &Path,
    opts: &Options,
    outer: u64,
    inner: u64,
    set: PriorSet,
    origin: &OriginRequest,
    p: &Progress,
) -> Result<RunOutcome, AppError> {
    let mut scenario = Scenario::load(path)?;
    scenario.seed = opts.seed().unwrap_or(scenario.seed);
    if origin.state_run.is_some() {
        return Err(OriginError::StateRunWithUncertainty.into());
    }
    let key = runner::stream_key(&scenario.name, scenario.seed);
    origin.apply(&mut scenario, |cfg, run| {
        runner::state_at_origin(cfg, &key, run)
    })?;
    let priors = crate::scenario::priors::effective_priors(&scenario, set);
    if priors.is_empty() {
        return Err(AppError::NoPriors {
            file: path.to_path_buf(),
        });
    }
    let (mut out, old_ledger) = create_run_dir(&scenario, opts)?;
    (p.total)(outer * inner);
    let started = SystemTime::now();
    let nested = uncertainty::Nested {
        outer,
        inner,
        set,
        priors,
    };
    let o = uncertainty::run(&scenario, nested, opts.threads(), p.progress);
    scenario.runs = o.ensemble.acc.runs;
    let info = manifest::RunInfo {
        runs: scenario.runs,
        precision_target: None,
        options: manifest::RunOptions {
            scenario: path.display().to_string(),
            seed: opts.seed(),
            uncertainty: Some(manifest::NestedOptions {
                outer: o.nested.outer,
                inner: o.nested.inner,
                priors: o.nested.set.flag().to_string(),
            }),
            ..origin.options()
        },
        threads: o.ensemble.threads,
        started,
        finished: SystemTime::now(),
    };
    let rows = uncertainty::rows(&o);
    write_run(
        &scenario,
        &o.ensemble,
        &mut out,
        &old_ledger,
        &info,
        0,
        Some((&o, &rows)),
    )?;
    let files = out.written().to_vec();
    let uncertainty::Outcome {
        nested,
        ensemble,
        stats,
    } = o;
    Ok(RunOutcome {
        scenario,
        ensemble,
        out_dir: out.path().to_path_buf(),
        files,
        uncertainty: Some(UncertaintyOutcome {
            nested,
            stats,
            rows,
        }),
    })
}

/// What `run --uncertainty` adds to a run's outcome, for the terminal.
pub struct UncertaintyOutcome {
    pub nested: uncertainty::Nested,
    pub stats: uncertainty::OuterStats,
    pub rows: Vec<uncertainty::Row>,
}

pub struct CompareOutcome {
    pub names: Vec<String>,
    pub shared: Shared,
    pub rows: Vec<CompareRow>,
    pub out_dir: PathBuf,
}

/// Runs several scenarios and compares them. All are loaded and checked before any runs.
pub fn compare(
    paths: &[PathBuf],
    opts: &Options,
    p: &Progress,
) -> Result<CompareOutcome, AppError> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match Scenario::load(path) {
            Ok(s) => scenarios.push(s),
            Err(ScenarioError::Invalid(v)) => problems.extend(v),
            Err(e) => return Err(e.into()),
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems).into());
    }
    compare::check(&scenarios)?;
    for s in &mut scenarios {
        s.runs = opts.runs().unwrap_or(s.runs);
        s.seed = opts.seed().unwrap_or(s.seed);
    }
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let dir = opts.out().map_or_else(
        || Path::new(OUTPUT_ROOT).join(compare::folder_name(&names)),
        Path::to_path_buf,
    );
    let mut out = OutDir::create(&dir)?;
    (p.total)(scenarios.iter().map(|s| s.runs).sum());
    let mut data = Vec::new();
    for s in &scenarios {
        let plan = Plan {
            runs: s.runs,
            seed: s.seed,
            threads: opts.threads(),
            trajectories: 0,
        };
        let ens = runner::run_ensemble(&s.config, &s.name, &plan, p.progress);
        data.push(series::from_ensemble(s, &ens));
    }
    let shared = compare::shared(&data);
    let rows = compare::rows(&data, &shared);
    let figs = [
        charts::render(&charts::compare::EventsCompare {
            runs: &data,
            shared: &shared,
        })?,
        charts::render(&charts::compare::AlignmentCompare {
            runs: &data,
            shared: &shared,
        })?,
    ];
    out.figures(&figs)?;
    out.bytes("comparison.csv", &compare::comparison_csv(&rows))?;
    out.bytes(
        "report.html",
        crate::output::reports::compare_html(&scenarios, &shared, &rows, &figs).as_bytes(),
    )?;
    // Written last: its presence says the comparison completed (output::COMPLETION_MARKERS).
    out.bytes(
        "comparison.json",
        &compare::comparison_json(&names, &shared, &rows),
    )?;
    Ok(CompareOutcome {
        names,
        shared,
        rows,
        out_dir: out.path().to_path_buf(),
    })
}

pub struct SweepOutcome {
    pub sweep: Sweep,
    pub out_dir: PathBuf,
    pub points: usize,
    pub computed: usize,
    /// None for one part of a sharded sweep: its results are written by `merge`.
    pub analysis: Option<Analysis>,
}

/// `output/sweeps/<sweep name>` unless `out` says otherwise.
pub fn sweep_dir(s: &Sweep, out: Option<&Path>) -> PathBuf {
    out.map_or_else(
        || Path::new(OUTPUT_ROOT).join("sweeps").join(&s.name),
        Path::to_path_buf,
    )
}

/// Runs a sweep (or the part `opts.shard()` of it). The whole sweep file, its base scenario and every bound are
/// checked first; `resume` keeps the points an interrupted run finished.
pub fn sweep(
    path: &Path,
    opts: &Options,
    resume: bool,
    p: &Progress,
) -> Result<SweepOutcome, AppError> {
    // Checked against --max-points and --max-memory-mib before anything is allocated or run.
    let mut s = Sweep::load_within(path, &opts.sweep_limits())?;
    s.precision = opts.precision();
    let shard = opts.shard().map(|x| (x.part(), x.parts()));
    let pts = crate::sweep::run::points(&s);
    let wanted = crate::sweep::run::shard_points(pts.values.len(), shard);
    let dir = sweep_dir(&s, opts.out());
    if resume {
        // A log that will be refused must be refused before the folder's markers are removed.
        crate::sweep::run::check_resumable(&s, &pts, &dir).map_err(SweepError::from)?;
    }
    let mut out = OutDir::create(&dir)?;
    (p.total)(wanted.len() as u64);
    let started = SystemTime::now();
    let threads = runner::pool(opts.threads()).current_num_threads();
    let (results, computed) = crate::sweep::run::run_points(
        &s,
        &pts,
        &wanted,
        out.path(),
        opts.threads(),
        resume,
        p.progress,
    )?;
    let analysis = match shard {
        Some(part) => {
            // Written last: its presence says the part is complete.
            out.json(shard::SHARD_FILE, &ShardInfo::new(&s, &pts, path, part))?;
            None
        }
        None => {
            let info = results::RunInfo {
                threads,
                shards: 1,
                started,
                finished: SystemTime::now(),
            };
            Some(write_sweep(&s, &pts, &results, &mut out, &info)?)
        }
    };
    Ok(SweepOutcome {
        points: pts.values.len(),
        sweep: s,
        out_dir: out.path().to_path_buf(),
        computed,
        analysis,
    })
}

/// Writes a sweep's results from all its points: the same points give the same bytes (manifest aside).
fn write_sweep(
    s: &Sweep,
    pts: &crate::sweep::run::Points,
    points: &[crate::sweep::run::PointResult],
    out: &mut OutDir,
    info: &results::RunInfo,
) -> Result<Analysis, AppError> {
    out.bytes("sweep.csv", &results::sweep_csv(s, pts, points))?;
    let analysis = results::analyse(s, pts, points);
    out.bytes("analysis.json", &results::analysis_json(&analysis))?;
    if let Some(csv) = results::prcc_csv(&analysis) {
        out.bytes("prcc.csv", &csv)?;
    }
    let figs = charts::sweep::figures(s, pts, points, &analysis)?;
    out.figures(&figs)?;
    let table = results::table(s, points);
    out.bytes(
        "report.html",
        crate::output::reports::sweep_html(s, pts, &table, &analysis, &figs).as_bytes(),
    )?;
    // Written last: its presence says the sweep completed.
    out.bytes(
        "manifest.json",
        &results::manifest_json(s, pts, points.len(), info),
    )?;
    Ok(analysis)
}

/// Combines the parts of a sharded sweep into the results a one-machine run writes.
pub fn merge(dirs: &[PathBuf], out: &Path, limits: &SweepLimits) -> Result<SweepOutcome, AppError> {
    // The merged folder must not be a part: creating it removes completion markers, a part's among them.
    if let Ok(o) = std::fs::canonicalize(out)
        && dirs
            .iter()
            .any(|d| std::fs::canonicalize(d).is_ok_and(|d| d == o))
    {
        return Err(shard::MergeError::OutIsAPart {
            dir: out.to_path_buf(),
        }
        .into());
    }
    let (s, pts, all) = shard::merge(dirs, limits)?;
    let mut out = OutDir::create(out)?;
    let now = SystemTime::now();
    let info = results::RunInfo {
        threads: 0,
        shards: dirs.len(),
        started: now,
        finished: now,
    };
    let analysis = write_sweep(&s, &pts, &all, &mut out, &info)?;
    Ok(SweepOutcome {
        points: pts.values.len(),
        sweep: s,
        out_dir: out.path().to_path_buf(),
        computed: 0,
        analysis: Some(analysis),
    })
}

/// What `validate` found a file to be, checked whole.
pub enum Validated {
    Scenario(Scenario),
    /// A sweep, checked within the limits `validate` was given; its `size` holds the estimate.
    Sweep(Sweep),
    Claims(ClaimsFile),
}

/// Checks one scenario, sweep or claims file, told apart by its top-level keys: `[[experiment]]` makes a claims
/// file; `parameters`, `all_parameters` or `replicates` a sweep (whose checks then name anything else missing);
/// anything else is read as a scenario, exactly as `run` reads it.
pub fn validate(path: &Path, limits: &SweepLimits) -> Result<Validated, AppError> {
    let (_, table) = crate::scenario::check::read(path)?;
    let has = |key: &str| crate::scenario::tree::get(&table, key).is_some();
    Ok(if has("experiment") {
        Validated::Claims(ClaimsFile::load(path, None)?)
    } else if has("parameters") || has("all_parameters") || has("replicates") {
        Validated::Sweep(Sweep::load_within(path, limits)?)
    } else {
        Validated::Scenario(Scenario::load(path)?)
    })
}

pub struct ClaimsOutcome {
    pub scenario: String,
    pub results: Vec<ClaimResult>,
    pub out_dir: PathBuf,
}

impl ClaimsOutcome {
    pub fn contradicted(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.verdict == Verdict::Contradicted)
            .count()
    }
}

/// Tests the claims of `path` on its scenario (or on `scenario`), each as a paired experiment.
pub fn claims(
    path: &Path,
    scenario: Option<&Path>,
    opts: &Options,
    p: &Progress,
) -> Result<ClaimsOutcome, AppError> {
    let file = ClaimsFile::load(path, scenario)?;
    let s = &file.scenario;
    let seed = opts.seed().unwrap_or(s.seed);
    let budget: Budget = opts.budget(crate::claims::DEFAULT_RUNS);
    let stem = path
        .file_stem()
        .and_then(|x| x.to_str())
        .filter(|x| crate::scenario::valid_scenario_name(x))
        .unwrap_or("claims");
    let dir = opts.out().map_or_else(
        || {
            Path::new(OUTPUT_ROOT)
                .join("claims")
                .join(format!("{stem}-{}", s.name))
        },
        Path::to_path_buf,
    );
    let mut out = OutDir::create(&dir)?;
    (p.total)(file.experiments.len() as u64);
    let results: Vec<ClaimResult> = file
        .experiments
        .iter()
        .map(|x| {
            let r = crate::claims::run_experiment(s, x, seed, budget, opts.threads());
            (p.progress)(1);
            r
        })
        .collect();
    out.bytes("claims.csv", &crate::claims::claims_csv(&results))?;
    let forest = charts::render(&charts::forest::Forest {
        title: format!(
            "The article's claims on {}: effect with 95% interval",
            s.name
        ),
        results: &results,
    })?;
    out.figure(&forest)?;
    out.bytes(
        "report.html",
        crate::output::reports::claims_html(&s.name, seed, &results, std::slice::from_ref(&forest))
            .as_bytes(),
    )?;
    // Written last: its presence says the claims completed (output::COMPLETION_MARKERS).
    out.bytes(
        "claims.json",
        &crate::claims::claims_json(path, &s.name, seed, &results),
    )?;
    Ok(ClaimsOutcome {
        scenario: s.name.clone(),
        results,
        out_dir: out.path().to_path_buf(),
    })
}

/// `realign fans`: reads the calibration data from `data_dir` (seeds/data), backtests the drivers' fans of the
/// parameter set (`scenario`'s, or the defaults) and returns the report.
pub fn fans(data_dir: &Path, scenario: Option<&Path>) -> Result<crate::fans::Report, AppError> {
    use crate::fans::{self, FansError};
    let read = |(name, column): (&str, &str)| -> Result<(String, String, String), FansError> {
        let path = data_dir.join(name);
        let text =
            crate::scenario::access::read_text(&path, crate::scenario::access::MAX_DATA_BYTES)
                .map_err(|e| FansError::File {
                    file: path.display().to_string(),
                    what: e.to_string(),
                })?;
        Ok((path.display().to_string(), column.to_string(), text))
    };
    let (file, column, text) = read(fans::OIL_MONTHLY_FILE)?;
    let oil = fans::parse_monthly(&text, &file, &column)?;
    let (file, column, text) = read(fans::OIL_DAILY_FILE)?;
    let daily = fans::parse_daily(&text, &file, &column)?;
    let (file, column, text) = read(fans::RUB_MONTHLY_FILE)?;
    let rub = fans::parse_monthly(&text, &file, &column)?;
    let data = fans::Data::new(oil, &daily, rub, &fans::Scheme::default())?;
    let (params, label) = match scenario {
        Some(path) => {
            let s = Scenario::load(path)?;
            (s.config.params.clone(), s.name.clone())
        }
        None => (crate::model::Params::default(), "defaults".to_string()),
    };
    Ok(fans::report(&params, &label, &data, &daily))
}

pub struct ScoreOutcome {
    pub name: String,
    pub results: Vec<crate::score::RunScore>,
    pub out_dir: PathBuf,
}

/// `realign score`: reads the outcomes file and every run folder (all checked before anything is written), scores
/// each folder's forecasts and writes score.csv, reliability.csv, the reliability chart and score.json (last) to
/// `output/score/<outcomes name>` unless `out` says otherwise.
pub fn score(
    events: &Path,
    dirs: &[PathBuf],
    out: Option<&Path>,
) -> Result<ScoreOutcome, AppError> {
    let (o, results) = crate::score::load_and_score(events, dirs)?;
    let dir = out.map_or_else(
        || Path::new(OUTPUT_ROOT).join("score").join(&o.name),
        Path::to_path_buf,
    );
    let mut w = OutDir::create(&dir)?;
    w.bytes("score.csv", &crate::score::score_csv(&o, &results))?;
    w.bytes("reliability.csv", &crate::score::reliability_csv(&results))?;
    w.figure(&charts::render(&charts::reliability::Reliability {
        title: format!(
            "Reliability against {}: forecast vs share that happened",
            o.name
        ),
        results: &results,
    })?)?;
    // Written last: its presence says the scoring completed (output::COMPLETION_MARKERS).
    w.bytes("score.json", &crate::score::score_json(&o, &results))?;
    Ok(ScoreOutcome {
        name: o.name,
        results,
        out_dir: w.path().to_path_buf(),
    })
}

pub struct ConditionOutcome {
    pub result: crate::condition::Conditioned,
    pub out_dir: PathBuf,
}

/// `realign condition`: conditions the stored run in `run_dir` (its paths.bin) on the observed file. The file is
/// checked against the run before anything is computed; the results go to `out` (default
/// `RUN_DIR/condition-<observed stem>`, never the run folder itself).
pub fn condition(
    run_dir: &Path,
    observed: &Path,
    min_runs: u64,
    out: Option<&Path>,
) -> Result<ConditionOutcome, AppError> {
    use crate::condition as c;
    let paths = crate::paths::PathsFile::open(run_dir).map_err(c::ConditionError::from)?;
    let obs = c::Observed::load(observed, &paths.header)?;
    let dir = out.map_or_else(|| c::default_dir(run_dir, observed), Path::to_path_buf);
    c::check_out(run_dir, &dir)?;
    let result = c::condition(&paths, &obs, min_runs)?;
    let mut out = OutDir::create(&dir)?;
    out.bytes("conditioned.csv", &c::conditioned_csv(&result))?;
    out.figure(&charts::render(&charts::condition::ConditionedEvents {
        result: &result,
    })?)?;
    // Written last: its presence says the conditioning completed (output::COMPLETION_MARKERS).
    out.bytes("conditioned.json", &c::conditioned_json(&result))?;
    Ok(ConditionOutcome {
        result,
        out_dir: out.path().to_path_buf(),
    })
}

pub struct DiscoverOutcome {
    pub result: crate::discover::Discovery,
    pub out_dir: PathBuf,
}

/// `realign discover`: scenario discovery (PRIM, CART or both, as `opts` says) on the finished sweep in
/// `sweep_dir`; results go to `out` (default `SWEEP_DIR/discover-<outcome>`, never the sweep folder itself).
pub fn discover(
    sweep_dir: &Path,
    outcome: &str,
    actor: Option<&str>,
    above: Option<f64>,
    below: Option<f64>,
    opts: &crate::discover::Options,
    out: Option<&Path>,
) -> Result<DiscoverOutcome, AppError> {
    use crate::discover as d;
    let (direction, threshold) = d::Direction::from_flags(above, below)?;
    let label = d::label(outcome, actor);
    let table = d::load(sweep_dir, &label)?;
    let dir = out.map_or_else(|| d::default_dir(sweep_dir, &label), Path::to_path_buf);
    d::check_out(sweep_dir, &dir)?;
    let result = d::discover(&table, direction, threshold, opts)?;
    let mut out = OutDir::create(&dir)?;
    let mut figs = Vec::new();
    if let Some(p) = &result.prim {
        out.bytes("trajectory.csv", &d::trajectory_csv(p))?;
        out.bytes("box.csv", &d::box_csv(p))?;
        let fig = charts::render(&charts::discover::Trajectory { discovery: &result })?;
        out.figure(&fig)?;
        figs.push(fig);
    }
    if let Some(c) = &result.cart {
        out.bytes("cart.csv", &d::cart_csv(c, &table.parameters))?;
    }
    out.bytes(
        "report.html",
        crate::output::reports::discover_html(&result, &figs).as_bytes(),
    )?;
    // Written last: its presence says the discovery completed (output::COMPLETION_MARKERS).
    out.bytes("discover.json", &d::discover_json(&result))?;
    Ok(DiscoverOutcome {
        result,
        out_dir: out.path().to_path_buf(),
    })
}

pub struct RobustOutcome {
    pub result: crate::robust::Robustness,
    pub out_dir: PathBuf,
}

/// `realign robust`: each lever setting of the finished sweep in `sweep_dir` across its futures (distribution,
/// regret, satisficing); results go to `out` (default `SWEEP_DIR/robust-<outcome>`, never the sweep folder).
pub fn robust(
    sweep_dir: &Path,
    outcome: &str,
    actor: Option<&str>,
    goal: crate::robust::Goal,
    threshold: Option<f64>,
    out: Option<&Path>,
) -> Result<RobustOutcome, AppError> {
    use crate::robust as r;
    let label = crate::discover::label(outcome, actor);
    let result = r::load_and_assess(sweep_dir, &label, goal, threshold)?;
    let dir = out.map_or_else(|| r::default_dir(sweep_dir, &label), Path::to_path_buf);
    crate::discover::check_out(sweep_dir, &dir)?;
    let mut out = OutDir::create(&dir)?;
    out.bytes("robust.csv", &r::robust_csv(&result))?;
    let fig = charts::render(&charts::robust::RobustChart { result: &result })?;
    out.figure(&fig)?;
    out.bytes(
        "report.html",
        crate::output::reports::robust_html(&result, std::slice::from_ref(&fig)).as_bytes(),
    )?;
    // Written last: its presence says the assessment completed (output::COMPLETION_MARKERS).
    out.bytes("robust.json", &r::robust_json(&result))?;
    Ok(RobustOutcome {
        result,
        out_dir: out.path().to_path_buf(),
    })
}

pub struct SignpostsOutcome {
    pub result: crate::signposts::Signposts,
    pub top: usize,
    pub out_dir: PathBuf,
}

/// `realign signposts`: ranks the early signposts of an outcome in the stored run in `run_dir`; results go to
/// `out` (default `RUN_DIR/signposts-<outcome>[-<actor>]`, never the run folder itself).
pub fn signposts(
    run_dir: &Path,
    outcome: &str,
    actor: Option<&str>,
    by: Option<&str>,
    top: usize,
    out: Option<&Path>,
) -> Result<SignpostsOutcome, AppError> {
    use crate::signposts as s;
    let paths =
        crate::paths::PathsFile::open(run_dir).map_err(crate::condition::ConditionError::from)?;
    let (event, by) = s::resolve(&paths.header, outcome, actor, by)?;
    let def = &paths.header.events[event];
    let dir = out.map_or_else(
        || {
            s::default_dir(
                run_dir,
                &def.id,
                (!def.actor.is_empty()).then_some(def.actor.as_str()),
            )
        },
        Path::to_path_buf,
    );
    crate::condition::check_out(run_dir, &dir)?;
    let result = s::signposts(&paths, event, by)?;
    let mut out = OutDir::create(&dir)?;
    out.bytes("signposts.csv", &s::signposts_csv(&result))?;
    // Written last: its presence says the ranking completed (output::COMPLETION_MARKERS).
    out.bytes("signposts.json", &s::signposts_json(&result))?;
    Ok(SignpostsOutcome {
        result,
        top,
        out_dir: out.path().to_path_buf(),
    })
}

fn ledger_entry(
    s: &Scenario,
    info: &manifest::RunInfo,
    summary: &tables::Summary,
) -> ledger::Entry {
    ledger::Entry {
        ledger_format: ledger::LEDGER_FORMAT,
        time: humantime::format_rfc3339_seconds(info.finished).to_string(),
        scenario: s.name.clone(),
        scenario_hash: manifest::scenario_hash(s),
        seed: s.seed,
        runs: info.runs,
        realign_version: env!("CARGO_PKG_VERSION").into(),
        git_revision: env!("REALIGN_GIT_REV").into(),
        options: serde_json::to_value(&info.options).expect("options serialise"),
        horizon_month: summary.horizon_month.clone(),
        events: summary
            .events
            .iter()
            .map(|e| ledger::EventEntry {
                event: e.event.clone(),
                actor: e.actor.clone(),
                description: e.description.clone(),
                probability: e.p.probability,
                ci_low: e.p.ci_low,
                ci_high: e.p.ci_high,
                count: e.p.count,
            })
            .collect(),
    }
}

/// `realign verify DIR`: checks the folder's manifest, that the scenario it records still resolves to the same
/// hash, reruns it with the options it records into a temporary folder (removed afterwards), and compares every
/// file. DIR is only read.
pub fn verify(
    dir: &Path,
    threads: usize,
    p: &Progress,
) -> Result<crate::verify::Verification, AppError> {
    use crate::verify::{Scratch, VerifyError};
    let recorded = crate::verify::read_manifest(dir)?;
    let given = recorded.options();
    let path = PathBuf::from(&given.scenario);
    let origin = OriginRequest {
        month: match &given.origin {
            Some(m) => Some(
                crate::scenario::Month::parse(m)
                    .ok_or_else(|| VerifyError::BadOrigin { value: m.clone() })?,
            ),
            None => None,
        },
        state_run: given.state_run,
        state_file: given.state.as_ref().map(PathBuf::from),
    };
    let mut scenario = Scenario::load(&path).map_err(|e| VerifyError::ScenarioUnreadable {
        path: path.clone(),
        source: Box::new(e),
    })?;
    // A forecast from a rolling origin records the origin in its resolved scenario: hash it the same way.
    scenario.seed = given.seed.unwrap_or(scenario.seed);
    let key = runner::stream_key(&scenario.name, scenario.seed);
    origin.apply(&mut scenario, |cfg, run| {
        runner::state_at_origin(cfg, &key, run)
    })?;
    let now = manifest::scenario_hash(&scenario);
    if now != recorded.scenario_hash {
        return Err(VerifyError::ScenarioChanged {
            path,
            recorded: recorded.scenario_hash,
            now,
        }
        .into());
    }
    let scratch = Scratch::new()?;
    // The recorded options go through the same checks as the command line's.
    let opts = crate::options::Raw {
        runs: given.runs.map(i128::from),
        seed: given.seed.map(i128::from),
        threads: threads as i128,
        out: Some(scratch.path().to_path_buf()),
        precision: given.precision,
        max_runs: given.max_runs.map(i128::from),
        ..Default::default()
    }
    .check(crate::options::Limits::RUNS)?;
    let trajectories = crate::options::trajectories(i128::from(given.trajectories))?;
    match &given.uncertainty {
        Some(n) => {
            let raw = crate::options::RawNested {
                uncertainty: true,
                outer: Some(i128::from(n.outer)),
                inner: Some(i128::from(n.inner)),
                priors: Some(n.priors.clone()),
            };
            let (outer, inner, set) =
                crate::options::nested(&raw, &[])?.expect("--uncertainty was given");
            run_uncertainty(&path, &opts, outer, inner, set, &origin, p)?;
        }
        None => {
            // A manifest that records --parquet is replayed only by a build that writes Parquet.
            let parquet = crate::options::parquet(given.parquet)?;
            run_formats(&path, &opts, trajectories, &origin, given.paths, parquet, p)?;
        }
    }
    Ok(crate::verify::compare(dir, &recorded, scratch.path()))
}

/// `realign ledger DIR`: the folder's ledger, refused if there is none or it does not parse.
pub fn read_ledger(dir: &Path) -> Result<ledger::Ledger, AppError> {
    let l = ledger::read(dir)?;
    if l.bytes.is_empty() && !dir.join(ledger::LEDGER_FILE).exists() {
        return Err(LedgerError::Missing {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    Ok(l)
}

/// `realign export-ema`: the finished sweep in `sweep_dir` as the EMA Workbench's results archive ([`crate::ema`]),
/// written atomically to `out` (default `SWEEP_DIR/ema-results.tar.gz`). Returns the file written.
pub fn export_ema(sweep_dir: &Path, out: Option<&Path>) -> Result<PathBuf, AppError> {
    let file = crate::ema::default_file(sweep_dir, out);
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.starts_with('.'))
        .ok_or_else(|| ArgError::OutFile(file.display().to_string()))?
        .to_string();
    // Everything is read and checked before the file is touched.
    let bytes = crate::ema::export(sweep_dir)?;
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| OutputError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(crate::output::write_atomic(dir, &name, &bytes)?)
}
