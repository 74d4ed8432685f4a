//! Commands as library functions: what the CLI calls once it has parsed its arguments. No argument parser here.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::charts;
use crate::output::{self, OutputError, manifest, report, tables};
use crate::runner::{self, Ensemble, Plan};
use crate::scenario::{Scenario, ScenarioError};
use crate::sweep::{self, spec::Sweep};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error(transparent)]
    Sweep(#[from] crate::sweep::run::SweepError),
    #[error("{0}")]
    Usage(String),
    #[error("{0} claim(s) contradicted")]
    Contradicted(usize),
}

impl AppError {
    /// Exit status: 2 for bad input (scenario or arguments), 1 for failures while running or writing.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Usage(_) => 2,
            AppError::Output(_) | AppError::Chart(_) => 1,
            AppError::Sweep(sweep::run::SweepError::Output(_)) => 1,
            AppError::Sweep(_) => 2,
            AppError::Contradicted(_) => 3,
        }
    }
}

/// Options of `realign run` after parsing.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: usize,
    /// The run's own folder; default `output/<scenario name>`.
    pub out: Option<PathBuf>,
    pub trajectories: usize,
    /// Add runs until every reported probability's 95% half-width is at most this (with at most `max_runs`).
    pub precision: Option<f64>,
    pub max_runs: u64,
}

/// Precision mode grows an ensemble by this many runs at a time (a whole number of chunks).
pub const PRECISION_BATCH: u64 = 8 * runner::CHUNK_RUNS;

/// The widest 95% half-width among the probabilities a run reports: every band of every actor and every event,
/// in every month.
pub fn max_half_width(ens: &Ensemble) -> f64 {
    let l = &ens.layout;
    let mut worst: f64 = 0.0;
    for m in 0..l.months {
        for j in 0..l.band_metrics.len() {
            for b in 0..3 {
                worst = worst.max(ens.acc.band(l, m, j, b).half_width());
            }
        }
        for e in 0..l.events.len() {
            worst = worst.max(ens.acc.event_by(l, e, m).half_width());
        }
    }
    worst
}

pub struct RunOutcome {
    pub scenario: Scenario,
    pub ensemble: Ensemble,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Default output root, relative to the working directory.
pub const OUTPUT_ROOT: &str = "output";

pub fn out_dir_for(s: &Scenario, out: Option<&Path>) -> PathBuf {
    // The name was validated to hold only [A-Za-z0-9_-], so the join cannot leave the output root.
    out.map_or_else(|| Path::new(OUTPUT_ROOT).join(&s.name), Path::to_path_buf)
}

/// Loads, runs and writes one scenario. `progress` is told how many runs finished, chunk by chunk.
pub fn run(
    path: &Path,
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
    total: &dyn Fn(u64),
) -> Result<RunOutcome, AppError> {
    let mut scenario = Scenario::load(path)?;
    if let Some(r) = opts.runs {
        if r == 0 || r > crate::scenario::MAX_RUNS {
            return Err(AppError::Usage(format!(
                "--runs must be in [1, {}]",
                crate::scenario::MAX_RUNS
            )));
        }
        scenario.runs = r;
    }
    if let Some(s) = opts.seed {
        scenario.seed = s;
    }
    let out_dir = out_dir_for(&scenario, opts.out.as_deref());
    // Fail on an unwritable folder before spending time on runs.
    output::ensure_dir(&out_dir)?;
    total(if opts.precision.is_some() {
        opts.max_runs
    } else {
        scenario.runs
    });
    let started = SystemTime::now();
    let ensemble = match opts.precision {
        None => {
            let plan = Plan {
                runs: scenario.runs,
                seed: scenario.seed,
                threads: opts.threads,
                trajectories: opts.trajectories,
            };
            runner::run_ensemble(&scenario.config, &scenario.name, &plan, progress)
        }
        Some(target) => {
            let plan = Plan {
                runs: opts.max_runs,
                seed: scenario.seed,
                threads: opts.threads,
                trajectories: opts.trajectories,
            };
            let mut ens = runner::empty_ensemble(&scenario.config, opts.threads);
            while ens.acc.runs < opts.max_runs {
                let until = (ens.acc.runs + PRECISION_BATCH).min(opts.max_runs);
                runner::extend_ensemble(
                    &mut ens,
                    &scenario.config,
                    &scenario.name,
                    &plan,
                    until,
                    progress,
                );
                if max_half_width(&ens) <= target {
                    break;
                }
            }
            scenario.runs = ens.acc.runs;
            ens
        }
    };
    let info = manifest::RunInfo {
        runs: scenario.runs,
        precision_target: opts.precision,
        threads: ensemble.threads,
        started,
        finished: SystemTime::now(),
    };
    let mut files = vec![
        output::write_atomic(
            &out_dir,
            "summary.json",
            &tables::summary_json(&scenario, &ensemble),
        )?,
        output::write_atomic(
            &out_dir,
            "timeseries.csv",
            &tables::timeseries_csv(&scenario, &ensemble),
        )?,
        output::write_atomic(
            &out_dir,
            "events.csv",
            &tables::events_csv(&scenario, &ensemble),
        )?,
    ];
    if opts.trajectories > 0 {
        files.push(output::write_atomic(
            &out_dir,
            "trajectories.csv",
            &tables::trajectories_csv(&scenario, &ensemble),
        )?);
    }
    let figures = render_charts(&scenario, &ensemble)?;
    for fig in &figures {
        files.push(output::write_atomic(
            &out_dir,
            &format!("{}.png", fig.stem),
            &fig.png,
        )?);
        files.push(output::write_atomic(
            &out_dir,
            &format!("{}.svg", fig.stem),
            fig.svg.as_bytes(),
        )?);
    }
    let manifest = manifest::manifest_json(&scenario, &info);
    let summary = tables::summary(&scenario, &ensemble);
    let html = report::report_html(
        &scenario,
        &summary,
        &figures,
        &String::from_utf8_lossy(&manifest),
    );
    files.push(output::write_atomic(
        &out_dir,
        "report.html",
        html.as_bytes(),
    )?);
    // The manifest goes last: its presence says the run completed.
    files.push(output::write_atomic(&out_dir, "manifest.json", &manifest)?);
    Ok(RunOutcome {
        scenario,
        ensemble,
        out_dir,
        files,
    })
}

/// Renders the run's figures.
fn render_charts(s: &Scenario, ens: &Ensemble) -> Result<Vec<charts::Rendered>, AppError> {
    let data = charts::data::from_ensemble(s, ens);
    let names: Vec<String> = s.config.actors.iter().map(|a| a.name.clone()).collect();
    Ok(charts::draw::run_figures(
        &data,
        &charts::unique_slugs(&names),
    )?)
}

/// A percentage for the terminal: one decimal, two below 1% (a Wilson bound of 0.04% must not read as 0.0).
fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.01 {
        format!("{:.2}", 100.0 * p)
    } else {
        format!("{:.1}", 100.0 * p)
    }
}

/// A few lines for the terminal: the events at the horizon with their intervals.
pub fn brief(outcome: &RunOutcome) -> String {
    let s = &outcome.scenario;
    let ens = &outcome.ensemble;
    let l = &ens.layout;
    let h = l.months - 1;
    let mut out = format!(
        "{}: {} runs, {} .. {}, seed {}\n\nBy {} (probability, 95% interval):\n",
        s.name,
        ens.acc.runs,
        s.month_label(1),
        s.month_label(h),
        s.seed,
        s.month_label(h)
    );
    for (e, def) in l.events.iter().enumerate() {
        let p = ens.acc.event_by(l, e, h);
        out.push_str(&format!(
            "  {:<64} {:>6}%  [{:>6}, {:>6}]\n",
            def.description,
            pct(p.probability),
            pct(p.ci_low),
            pct(p.ci_high)
        ));
    }
    out.push_str(&format!(
        "\nAlignment in {} (median [90% of runs]):\n",
        s.month_label(h)
    ));
    for (j, a) in s.config.actors.iter().enumerate() {
        let k = l.band_metrics[j];
        let q = |q| ens.acc.quantile(l, h, k, q).map_or(f64::NAN, |e| e.value);
        out.push_str(&format!(
            "  {:<12} {:>6.2}  [{:>5.2}, {:>5.2}]\n",
            a.name,
            q(0.5),
            q(0.05),
            q(0.95)
        ));
    }
    let worst = max_half_width(ens);
    out.push_str(&format!(
        "\nWidest 95% interval of any reported probability: +-{:.4} ({} runs)\n",
        worst, ens.acc.runs
    ));
    out.push_str(&format!("\nWrote {}\n", outcome.out_dir.display()));
    out
}

/// Options of `realign compare`.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: usize,
    pub out: Option<PathBuf>,
}

pub struct CompareOutcome {
    pub names: Vec<String>,
    pub shared: charts::compare::Shared,
    /// Rows of the differences table: event, actor, scenario, p, lo, hi, diff, diff lo, diff hi.
    pub rows: Vec<CompareRow>,
    pub out_dir: PathBuf,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct CompareRow {
    pub event: String,
    pub actor: String,
    pub description: String,
    pub scenario: String,
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Difference from the first scenario, with Newcombe's interval (empty for the first).
    pub difference: Option<f64>,
    pub difference_ci_low: Option<f64>,
    pub difference_ci_high: Option<f64>,
}

/// Runs several scenarios and compares them. All are validated before any runs.
pub fn compare(
    paths: &[PathBuf],
    opts: &CompareOptions,
    progress: &(dyn Fn(u64) + Sync),
    total: &dyn Fn(u64),
) -> Result<CompareOutcome, AppError> {
    if paths.len() < 2 {
        return Err(AppError::Usage(
            "compare needs at least two scenarios".into(),
        ));
    }
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match Scenario::load(p) {
            Ok(s) => scenarios.push(s),
            Err(ScenarioError::Invalid(v)) => problems.extend(v),
            Err(e) => return Err(e.into()),
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems).into());
    }
    // Checked before anything runs: names label the rows, and the months must overlap.
    for (i, a) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|b| b.name == a.name) {
            return Err(AppError::Usage(format!(
                "two scenarios are named {:?}: compare needs distinct names",
                a.name
            )));
        }
    }
    let first = scenarios
        .iter()
        .map(|s| s.start)
        .max()
        .expect("two or more");
    let last = scenarios
        .iter()
        .map(|s| s.start.plus(s.horizon_months()))
        .min()
        .expect("two or more");
    if first > last {
        return Err(AppError::Usage(format!(
            "the scenarios share no month ({first} is after {last}): nothing to compare"
        )));
    }
    for s in &mut scenarios {
        s.runs = opts.runs.unwrap_or(s.runs);
        s.seed = opts.seed.unwrap_or(s.seed);
    }
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let joined = format!("compare-{}", names.join("--"));
    let out_dir = opts.out.clone().unwrap_or_else(|| {
        // Names are [A-Za-z0-9_-] only; keep the folder name short.
        let name = if joined.len() <= 120 {
            joined
        } else {
            format!("compare-{}-scenarios", names.len())
        };
        Path::new(OUTPUT_ROOT).join(name)
    });
    output::ensure_dir(&out_dir)?;
    total(scenarios.iter().map(|s| s.runs).sum());
    let mut data = Vec::new();
    for s in &scenarios {
        let plan = Plan {
            runs: s.runs,
            seed: s.seed,
            threads: opts.threads,
            trajectories: 0,
        };
        let ens = runner::run_ensemble(&s.config, &s.name, &plan, progress);
        data.push(charts::data::from_ensemble(s, &ens));
    }
    let shared = charts::compare::shared(&data);
    let mut rows = Vec::new();
    for (id, actor) in &shared.events {
        let at = |d: &charts::ChartData| {
            let e = d
                .events
                .iter()
                .find(|e| &e.id == id && &e.actor == actor)
                .expect("shared event");
            let m = charts::compare::index_of(d, shared.last);
            (e.p[m], e.lo[m], e.hi[m], e.description.clone())
        };
        let (p0, l0, h0, _) = at(&data[0]);
        for d in &data {
            let (p, lo, hi, description) = at(d);
            let diff = (d.scenario != data[0].scenario)
                .then(|| charts::compare::newcombe((p, lo, hi), (p0, l0, h0)));
            rows.push(CompareRow {
                event: id.clone(),
                actor: actor.clone(),
                description,
                scenario: d.scenario.clone(),
                probability: output::round6(p),
                ci_low: output::round6(lo),
                ci_high: output::round6(hi),
                difference: diff.map(|x| output::round6(x.0)),
                difference_ci_low: diff.map(|x| output::round6(x.1)),
                difference_ci_high: diff.map(|x| output::round6(x.2)),
            });
        }
    }
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
    for f in &figs {
        output::write_atomic(&out_dir, &format!("{}.png", f.stem), &f.png)?;
        output::write_atomic(&out_dir, &format!("{}.svg", f.stem), f.svg.as_bytes())?;
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Numbers as in every other table (`0`, not `0.0`; empty where there is no difference).
    w.write_record([
        "event",
        "actor",
        "description",
        "scenario",
        "probability",
        "ci_low",
        "ci_high",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
    ])
    .expect("in-memory csv");
    let opt = |v: Option<f64>| v.map(output::num).unwrap_or_default();
    for r in &rows {
        w.write_record([
            r.event.clone(),
            r.actor.clone(),
            r.description.clone(),
            r.scenario.clone(),
            output::num(r.probability),
            output::num(r.ci_low),
            output::num(r.ci_high),
            opt(r.difference),
            opt(r.difference_ci_low),
            opt(r.difference_ci_high),
        ])
        .expect("in-memory csv");
    }
    output::write_atomic(
        &out_dir,
        "comparison.csv",
        &w.into_inner().expect("in-memory csv"),
    )?;
    let json = serde_json::json!({
        "scenarios": names,
        "compared_at": shared.last.to_string(),
        "shared_months": [shared.first.to_string(), shared.last.to_string()],
        "shared_actors": shared.actors,
        "left_out": shared.left_out,
        "difference_method": "difference from the first scenario, 95% Newcombe (1998) hybrid score interval",
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec_pretty(&json).expect("json");
    bytes.push(b'\n');
    output::write_atomic(&out_dir, "comparison.json", &bytes)?;
    Ok(CompareOutcome {
        names,
        shared,
        rows,
        out_dir,
    })
}

/// The comparison as a terminal table.
pub fn compare_brief(c: &CompareOutcome) -> String {
    let mut out = format!(
        "Events by {} (probability [95%]; difference from {} [95%])\n",
        c.shared.last, c.names[0]
    );
    let mut last_key = (String::new(), String::new());
    for r in &c.rows {
        if (r.event.clone(), r.actor.clone()) != last_key {
            out.push_str(&format!("\n  {}\n", r.description));
            last_key = (r.event.clone(), r.actor.clone());
        }
        let diff = match (r.difference, r.difference_ci_low, r.difference_ci_high) {
            (Some(d), Some(lo), Some(hi)) => format!(
                "{:+6.1} [{:+6.1}, {:+6.1}]",
                100.0 * d,
                100.0 * lo,
                100.0 * hi
            ),
            _ => String::new(),
        };
        out.push_str(&format!(
            "    {:<24} {:>5.1}% [{:>5.1}, {:>5.1}]  {}\n",
            r.scenario,
            100.0 * r.probability,
            100.0 * r.ci_low,
            100.0 * r.ci_high,
            diff
        ));
    }
    if !c.shared.left_out.is_empty() {
        out.push_str("\nLeft out (not shared by all scenarios):\n");
        for n in &c.shared.left_out {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out.push_str(&format!("\nWrote {}\n", c.out_dir.display()));
    out
}

/// Options of `realign sweep`.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    pub threads: usize,
    pub out: Option<PathBuf>,
    pub resume: bool,
    /// (part, parts): compute only this part.
    pub shard: Option<(usize, usize)>,
    /// Target 95% half-width of every outcome at every point, and the most replicates per point.
    pub precision: Option<(f64, u64)>,
}

pub struct SweepOutcome {
    pub sweep: Sweep,
    pub out_dir: PathBuf,
    pub points: usize,
    pub computed: usize,
    pub analysis: Option<sweep::results::Analysis>,
}

/// Default output folder of a sweep.
pub fn sweep_dir(s: &Sweep, out: Option<&Path>) -> PathBuf {
    out.map_or_else(
        || Path::new(OUTPUT_ROOT).join("sweeps").join(&s.name),
        Path::to_path_buf,
    )
}

/// Runs a sweep (or one shard of it). The whole sweep file, its base scenario and every bound are checked first.
pub fn sweep(
    path: &Path,
    opts: &SweepOptions,
    progress: &(dyn Fn(u64) + Sync),
    total: &dyn Fn(u64),
) -> Result<SweepOutcome, AppError> {
    let mut s = Sweep::load(path)?;
    s.precision = opts.precision;
    if let Some((i, n)) = opts.shard {
        if n == 0 || i >= n {
            return Err(AppError::Usage(format!(
                "--shard {i}/{n}: the part must be 0 .. parts-1"
            )));
        }
        if opts.out.is_none() {
            return Err(AppError::Usage(
                "--shard needs --out DIR: each part writes its own folder".into(),
            ));
        }
    }
    let pts = sweep::run::points(&s);
    let wanted = sweep::run::shard_points(pts.values.len(), opts.shard);
    let out_dir = sweep_dir(&s, opts.out.as_deref());
    output::ensure_dir(&out_dir)?;
    total(wanted.len() as u64);
    let started = SystemTime::now();
    let threads = runner::pool(opts.threads).current_num_threads();
    let (results, computed) = sweep::run::run_points(
        &s,
        &pts,
        &wanted,
        &out_dir,
        opts.threads,
        opts.resume,
        progress,
    )?;
    if let Some((i, n)) = opts.shard {
        let info = sweep::run::ShardInfo {
            sweep: s.name.clone(),
            sweep_file: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            sweep_hash: sweep::run::sweep_hash(&s, &pts),
            shard: i,
            shards: n,
            points: results.len(),
            precision: s.precision,
        };
        let mut bytes = serde_json::to_vec_pretty(&info).expect("shard info serialises");
        bytes.push(b'\n');
        // Written last: its presence says the part is complete.
        output::write_atomic(&out_dir, sweep::run::SHARD_FILE, &bytes)?;
        return Ok(SweepOutcome {
            sweep: s,
            out_dir,
            points: pts.values.len(),
            computed,
            analysis: None,
        });
    }
    let info = SweepRunInfo {
        threads,
        started,
        finished: SystemTime::now(),
        shards: 1,
    };
    let analysis = finish_sweep(&s, &pts, &results, &out_dir, &info)?;
    Ok(SweepOutcome {
        sweep: s,
        out_dir,
        points: pts.values.len(),
        computed,
        analysis: Some(analysis),
    })
}

struct SweepRunInfo {
    threads: usize,
    started: SystemTime,
    finished: SystemTime,
    shards: usize,
}

/// Writes a sweep's results from all its points: the same points give the same bytes (manifest aside).
fn finish_sweep(
    s: &Sweep,
    pts: &sweep::run::Points,
    results: &[sweep::run::PointResult],
    dir: &Path,
    info: &SweepRunInfo,
) -> Result<sweep::results::Analysis, AppError> {
    use sweep::results;
    output::write_atomic(dir, "sweep.csv", &results::sweep_csv(s, pts, results))?;
    let analysis = results::analyse(s, pts, results);
    output::write_atomic(dir, "analysis.json", &results::analysis_json(&analysis))?;
    for fig in sweep_figures(s, pts, results, &analysis)? {
        output::write_atomic(dir, &format!("{}.png", fig.stem), &fig.png)?;
        output::write_atomic(dir, &format!("{}.svg", fig.stem), fig.svg.as_bytes())?;
    }
    let manifest = serde_json::json!({
        "sweep": s.name,
        "sweep_file": s.path.display().to_string(),
        "sweep_hash": sweep::run::sweep_hash(s, pts),
        "base_scenario": s.scenario.name,
        "base_scenario_hash": manifest::scenario_hash(&s.scenario),
        "design": s.design.name(),
        "points": results.len(),
        "replicates": s.replicates,
        "seed": s.seed,
        "streams": "replicate r of every point uses stream r of the base scenario's key (common random numbers)",
        "threads": info.threads,
        "shards": info.shards,
        "realign_version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("REALIGN_GIT_REV"),
        "started": humantime::format_rfc3339_seconds(info.started).to_string(),
        "finished": humantime::format_rfc3339_seconds(info.finished).to_string(),
    });
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    bytes.push(b'\n');
    output::write_atomic(dir, "manifest.json", &bytes)?;
    Ok(analysis)
}

fn sweep_figures(
    s: &Sweep,
    pts: &sweep::run::Points,
    results: &[sweep::run::PointResult],
    analysis: &sweep::results::Analysis,
) -> Result<Vec<charts::Rendered>, AppError> {
    use charts::sweep::{Heatmap, IndexBars, Line};
    use sweep::spec::DesignKind;
    let table = sweep::results::table(s, results);
    // File stems from unique slugs of the outcome names: two outcomes whose names differ only in punctuation must
    // not overwrite each other's chart.
    let labels: Vec<String> = s.outcomes.iter().map(|o| o.label()).collect();
    let slugs = charts::unique_slugs(&labels);
    let mut figs = Vec::new();
    for (o, outcome) in s.outcomes.iter().enumerate() {
        let label = outcome.label();
        let before = figs.len();
        match (&s.design, s.params.len()) {
            (DesignKind::Grid, 1) => {
                let points = results
                    .iter()
                    .zip(&table)
                    .map(|(p, row)| (pts.values[p.index][0], row[o]))
                    .collect();
                figs.push(charts::render(&Line {
                    sweep: &s.name,
                    outcome: label,
                    x_key: &s.params[0].key,
                    points,
                    replicates: s.replicates,
                })?);
            }
            (DesignKind::Grid, 2) => {
                let (xs, ys) = (s.params[0].values.clone(), s.params[1].values.clone());
                let cells = results
                    .iter()
                    .zip(&table)
                    .map(|(p, row)| (p.index / ys.len(), p.index % ys.len(), row[o]))
                    .collect();
                figs.push(charts::render(&Heatmap {
                    sweep: &s.name,
                    outcome: label,
                    x_key: &s.params[0].key,
                    y_key: &s.params[1].key,
                    xs,
                    ys,
                    cells,
                    replicates: s.replicates,
                })?);
            }
            (DesignKind::Morris { .. }, _) => {
                figs.push(charts::render(&IndexBars::morris(
                    &s.name,
                    &label,
                    &analysis.outcomes[o].morris,
                ))?);
            }
            (DesignKind::Sobol { .. }, _) => {
                figs.push(charts::render(&IndexBars::sobol(
                    &s.name,
                    &label,
                    &analysis.outcomes[o].sobol,
                ))?);
            }
            _ => {}
        }
        for f in &mut figs[before..] {
            let kind = f.stem.split('-').next().unwrap_or("chart").to_string();
            f.stem = format!("{kind}-{}", slugs[o]);
        }
    }
    Ok(figs)
}

/// Combines the parts of a sharded sweep into the results a one-machine run writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<SweepOutcome, AppError> {
    let (file, parts) = sweep::run::read_shards(dirs)?;
    let mut s = Sweep::load(&file)?;
    s.precision = parts[0].0.precision;
    let pts = sweep::run::points(&s);
    let hash = sweep::run::sweep_hash(&s, &pts);
    if parts[0].0.sweep_hash != hash {
        return Err(AppError::Usage(format!(
            "the sweep file {} has changed since the parts were computed (hash {} now, {} in the parts)",
            file.display(),
            &hash[..12],
            &parts[0].0.sweep_hash[..12]
        )));
    }
    let mut all = Vec::new();
    for (info, dir) in &parts {
        let got = sweep::run::read_log(&dir.join(sweep::run::LOG_FILE), &hash, s.outcomes.len())
            .map_err(AppError::Usage)?;
        let want = sweep::run::shard_points(pts.values.len(), Some((info.shard, info.shards)));
        let have: Vec<usize> = got.iter().map(|p| p.index).collect();
        if want.iter().any(|i| !have.contains(i)) {
            return Err(AppError::Usage(format!(
                "{}: part {}/{} is missing points",
                dir.display(),
                info.shard,
                info.shards
            )));
        }
        all.extend(got.into_iter().filter(|p| want.contains(&p.index)));
    }
    all.sort_by_key(|p| p.index);
    all.dedup_by_key(|p| p.index);
    output::ensure_dir(out)?;
    let now = SystemTime::now();
    let info = SweepRunInfo {
        threads: 0,
        started: now,
        finished: now,
        shards: parts.len(),
    };
    let analysis = finish_sweep(&s, &pts, &all, out, &info)?;
    Ok(SweepOutcome {
        sweep: s,
        out_dir: out.to_path_buf(),
        points: pts.values.len(),
        computed: 0,
        analysis: Some(analysis),
    })
}

/// A few lines for the terminal.
pub fn sweep_brief(o: &SweepOutcome) -> String {
    let mut out = format!(
        "{}: {} design, {} points x {} replicates ({} computed now)\n",
        o.sweep.name,
        o.sweep.design.name(),
        o.points,
        o.sweep.replicates,
        o.computed
    );
    if let Some(a) = &o.analysis {
        for oa in &a.outcomes {
            out.push_str(&format!("\n  {}: {}\n", oa.outcome, oa.verdict));
            for m in oa.morris.iter().take(5) {
                out.push_str(&format!(
                    "    mu* {:>8.4} [{:.4}, {:.4}]  sigma {:>8.4}  {}\n",
                    m.mu_star.value,
                    m.mu_star.ci_low,
                    m.mu_star.ci_high,
                    m.sigma.value,
                    m.parameter
                ));
            }
            for x in oa.sobol.iter().take(8) {
                out.push_str(&format!(
                    "    S1 {:>7.3} [{:.3}, {:.3}]  ST {:>7.3} [{:.3}, {:.3}]  {}\n",
                    x.first_order.value,
                    x.first_order.ci_low,
                    x.first_order.ci_high,
                    x.total.value,
                    x.total.ci_low,
                    x.total.ci_high,
                    x.parameter
                ));
            }
        }
    } else {
        out.push_str("part finished; combine the parts with `realign merge`\n");
    }
    out.push_str(&format!("\nWrote {}\n", o.out_dir.display()));
    out
}

/// Options of `realign claims`.
#[derive(Clone, Debug, Default)]
pub struct ClaimsOptions {
    pub scenario: Option<PathBuf>,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub threads: usize,
    pub out: Option<PathBuf>,
    /// Target 95% half-width of each effect, and the most runs per arm.
    pub precision: Option<(f64, u64)>,
}

pub struct ClaimsOutcome {
    pub scenario: String,
    pub results: Vec<crate::claims::ClaimResult>,
    pub out_dir: PathBuf,
}

impl ClaimsOutcome {
    pub fn contradicted(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.verdict == crate::claims::Verdict::Contradicted)
            .count()
    }
}

/// The default claims file: the article's claims.
pub const DEFAULT_CLAIMS: &str = "seeds/experiments.toml";

pub fn claims(
    path: &Path,
    opts: &ClaimsOptions,
    progress: &(dyn Fn(u64) + Sync),
    total: &dyn Fn(u64),
) -> Result<ClaimsOutcome, AppError> {
    use crate::claims::{Budget, ClaimsFile, run_experiment};
    let file = ClaimsFile::load(path, opts.scenario.as_deref())?;
    let s = &file.scenario;
    let seed = opts.seed.unwrap_or(s.seed);
    let budget = match opts.precision {
        Some((h, max)) => Budget::Precision {
            half_width: h,
            max_runs: max,
        },
        None => Budget::Fixed(opts.runs.unwrap_or(crate::claims::DEFAULT_RUNS)),
    };
    let stem = path
        .file_stem()
        .and_then(|x| x.to_str())
        .filter(|x| crate::scenario::valid_scenario_name(x))
        .unwrap_or("claims");
    let out_dir = opts.out.clone().unwrap_or_else(|| {
        Path::new(OUTPUT_ROOT)
            .join("claims")
            .join(format!("{stem}-{}", s.name))
    });
    output::ensure_dir(&out_dir)?;
    total(file.experiments.len() as u64);
    let results: Vec<_> = file
        .experiments
        .iter()
        .map(|x| {
            let r = run_experiment(s, x, seed, budget, opts.threads);
            progress(1);
            r
        })
        .collect();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record([
        "id",
        "claim",
        "outcome",
        "expect",
        "runs",
        "from_arm",
        "to_arm",
        "effect",
        "effect_ci_low",
        "effect_ci_high",
        "verdict",
        "independent_ci_low",
        "independent_ci_high",
        "width_ratio",
    ])
    .expect("in-memory csv");
    for r in &results {
        w.write_record([
            r.id.clone(),
            r.claim.clone(),
            r.outcome.clone(),
            format!("{:?}", r.expect).to_lowercase(),
            r.runs.to_string(),
            output::num(r.from_arm.value),
            output::num(r.to_arm.value),
            output::num(r.effect.value),
            output::num(r.effect.ci_low),
            output::num(r.effect.ci_high),
            format!("{:?}", r.verdict).to_lowercase(),
            output::num(r.effect_independent.ci_low),
            output::num(r.effect_independent.ci_high),
            output::num(r.width_ratio),
        ])
        .expect("in-memory csv");
    }
    output::write_atomic(
        &out_dir,
        "claims.csv",
        &w.into_inner().expect("in-memory csv"),
    )?;
    let json = serde_json::json!({
        "claims_file": path.display().to_string(),
        "scenario": s.name,
        "seed": seed,
        "design": "paired: both arms use stream r of the key (scenario, seed) for run r; independent: the to-arm uses seed + 1",
        "interval": "95% normal interval of the mean per-run difference",
        "results": results,
    });
    let mut bytes = serde_json::to_vec_pretty(&json).expect("claims serialise");
    bytes.push(b'\n');
    output::write_atomic(&out_dir, "claims.json", &bytes)?;
    let fig = charts::render(&charts::forest::Forest {
        title: format!(
            "The article's claims on {}: effect with 95% interval",
            s.name
        ),
        results: &results,
    })?;
    output::write_atomic(&out_dir, "forest.png", &fig.png)?;
    output::write_atomic(&out_dir, "forest.svg", fig.svg.as_bytes())?;
    Ok(ClaimsOutcome {
        scenario: s.name.clone(),
        results,
        out_dir,
    })
}

pub fn claims_brief(c: &ClaimsOutcome) -> String {
    let mut out = format!(
        "Claims tested on {} (paired arms, common random numbers; 95% intervals)\n",
        c.scenario
    );
    for r in &c.results {
        out.push_str(&format!(
            "\n  {:<30} {:<13} {} {:+.4} [{:+.4}, {:+.4}]  runs {}  (independent streams: +-{:.4}, {:.1}x wider)\n    {} \u{201c}{}\u{201d}\n    {} (expected to {})\n",
            r.id,
            format!("{:?}", r.verdict).to_uppercase(),
            r.outcome,
            r.effect.value,
            r.effect.ci_low,
            r.effect.ci_high,
            r.runs,
            r.effect_independent.half_width(),
            r.width_ratio,
            r.claim,
            r.quote,
            r.statement,
            format!("{:?}", r.expect).to_lowercase(),
        ));
    }
    out.push_str(&format!(
        "\n{} of {} contradicted. Wrote {}\n",
        c.contradicted(),
        c.results.len(),
        c.out_dir.display()
    ));
    out
}
