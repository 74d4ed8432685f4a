//! Commands as library functions: what the CLI calls once it has parsed its arguments. No argument parser here.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::charts;
use crate::output::{self, OutputError, manifest, report, tables};
use crate::runner::{self, Ensemble, Plan};
use crate::scenario::{Scenario, ScenarioError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error("{0}")]
    Usage(String),
}

impl AppError {
    /// Exit status: 2 for bad input (scenario or arguments), 1 for failures while running or writing.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Usage(_) => 2,
            AppError::Output(_) | AppError::Chart(_) => 1,
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
    total(scenario.runs);
    let started = SystemTime::now();
    let plan = Plan {
        runs: scenario.runs,
        seed: scenario.seed,
        threads: opts.threads,
        trajectories: opts.trajectories,
    };
    let ensemble = runner::run_ensemble(&scenario.config, &scenario.name, &plan, progress);
    let info = manifest::RunInfo {
        runs: scenario.runs,
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
            "  {:<62} {:>5.1}%  [{:>5.1}, {:>5.1}]\n",
            def.description,
            100.0 * p.probability,
            100.0 * p.ci_low,
            100.0 * p.ci_high
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
    for r in &rows {
        w.serialize(r).expect("in-memory csv");
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
