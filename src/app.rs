//! Commands as library functions: what the CLI calls once it has parsed its arguments. No argument parser here.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::output::{self, OutputError, manifest, tables};
use crate::runner::{self, Ensemble, Plan};
use crate::scenario::{Scenario, ScenarioError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{0}")]
    Usage(String),
}

impl AppError {
    /// Exit status: 2 for bad input (scenario or arguments), 1 for failures while running or writing.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Usage(_) => 2,
            AppError::Output(_) => 1,
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
    // The manifest goes last: its presence says the run completed.
    files.push(output::write_atomic(
        &out_dir,
        "manifest.json",
        &manifest::manifest_json(&scenario, &info),
    )?);
    Ok(RunOutcome {
        scenario,
        ensemble,
        out_dir,
        files,
    })
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
