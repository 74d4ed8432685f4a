//! The library's front door: load a scenario, run its ensemble, read the results as Rust values, write the files
//! `realign run` writes, render the charts. A thin facade over [`crate::scenario`], [`crate::runner`],
//! [`crate::output`] and [`crate::charts`]; it computes nothing of its own, so what it returns and writes is what
//! the command line returns and writes for the same scenario, runs and seed (tested byte for byte).
//!
//! ```
//! let scenario = realign::load_scenario("scenarios/baseline.toml")?;
//! let results = realign::run_ensemble(&scenario, &realign::RunConfig { runs: Some(512), seed: Some(7), ..Default::default() })?;
//! let fracture = results.events().into_iter().find(|e| e.event == "union_fracture").unwrap();
//! assert!(fracture.ci_low <= fracture.probability && fracture.probability <= fracture.ci_high);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::app::AppError;
use crate::charts::{self, ChartError, Rendered};
use crate::options::{ArgError, Limits, Raw};
use crate::output::manifest::{RunInfo, RunOptions};
use crate::output::{num, tables};
use crate::runner::{self, Ensemble, Plan};
use crate::scenario::{Scenario, ScenarioError};
use crate::series;

/// Reads, merges (with its `base` chain) and validates a scenario file: the same checks and errors as
/// `realign validate`. For a scenario held as text, see [`load_scenario_str`].
///
/// ```
/// let s = realign::load_scenario("scenarios/oil-collapse.toml")?;
/// assert_eq!(s.name, "oil-collapse");
/// assert_eq!(s.files.len(), 2); // the file and its base
///
/// let missing = realign::load_scenario("scenarios/no-such-file.toml").unwrap_err();
/// assert!(missing.to_string().contains("no-such-file.toml"));
/// # Ok::<(), realign::ScenarioError>(())
/// ```
pub fn load_scenario(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
    Scenario::load(path.as_ref())
}

/// A scenario given as TOML text, checked exactly as a file: errors carry `path:line:column`, the key path and
/// what is allowed. `path` stands for the text: errors name it, and a `base` or replayed file is found relative
/// to its folder. See [`Scenario::from_toml`].
///
/// ```
/// let text = "name = \"cheap-oil\"\nbase = \"baseline.toml\"\n[drivers.oil]\nlong_run_usd_per_bbl = 40.0\n";
/// let s = realign::load_scenario_str(text, "scenarios/cheap-oil.toml")?;
/// assert_eq!(s.name, "cheap-oil");
///
/// let e = realign::load_scenario_str("name = \"x\"\nbase = \"baseline.toml\"\n[drivers.oil]\nlong_run_usd_per_bbl = -1.0\n", "scenarios/x.toml").unwrap_err();
/// let realign::ScenarioError::Invalid(problems) = e else { panic!() };
/// assert_eq!((problems[0].line, problems[0].key_path.as_str()), (4, "drivers.oil.long_run_usd_per_bbl"));
/// # Ok::<(), realign::ScenarioError>(())
/// ```
pub fn load_scenario_str(text: &str, path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml(text, path.as_ref())
}

/// How to run an ensemble: the same choices as `realign run --runs --seed --threads --trajectories`, checked by
/// the same code. `None` takes the scenario's `[run]` value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunConfig {
    /// Runs (1 ..= 100,000,000); default: the scenario's `[run] runs`.
    pub runs: Option<u64>,
    /// Seed; default: the scenario's `[run] seed`.
    pub seed: Option<u64>,
    /// Worker threads, 0 = all cores (at most 4 per core and 1024). Results do not depend on it.
    pub threads: usize,
    /// Keep the full paths of the first this-many runs ([`Results::trajectories`], trajectories.csv).
    pub trajectories: usize,
}

/// Runs `scenario`'s Monte Carlo ensemble. Run `r` draws from stream `r` of the key (scenario name, seed), so the
/// results are the same for any thread count, and the same as `realign run` with the same runs and seed.
///
/// ```
/// let s = realign::load_scenario("scenarios/baseline.toml")?;
/// let cfg = realign::RunConfig { runs: Some(512), seed: Some(1), ..Default::default() };
/// let one = realign::run_ensemble(&s, &realign::RunConfig { threads: 1, ..cfg.clone() })?;
/// let two = realign::run_ensemble(&s, &realign::RunConfig { threads: 2, ..cfg })?;
/// assert_eq!(one.runs(), 512);
/// assert_eq!(one.summary_json(), two.summary_json());
///
/// // Out of range is refused with the command line's message.
/// assert!(realign::run_ensemble(&s, &realign::RunConfig { runs: Some(0), ..Default::default() }).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_ensemble(scenario: &Scenario, config: &RunConfig) -> Result<Results, ArgError> {
    let opts = Raw {
        runs: config.runs.map(i128::from),
        seed: config.seed.map(i128::from),
        threads: config.threads as i128,
        ..Raw::default()
    }
    .check(Limits::RUNS)?;
    let trajectories = crate::options::trajectories(config.trajectories as i128)?;
    let mut scenario = scenario.clone();
    scenario.seed = opts.seed().unwrap_or(scenario.seed);
    let budget = opts.budget(scenario.runs);
    let plan = Plan {
        runs: budget.most_runs(),
        seed: scenario.seed,
        threads: opts.threads(),
        trajectories,
    };
    let started = SystemTime::now();
    // The loop `realign run` goes through (app::run_with), so the two cannot drift apart.
    let mut ensemble = runner::empty_ensemble(&scenario.config, opts.threads());
    scenario.runs = budget.grow(
        &mut ensemble,
        |ens, until| {
            runner::extend_ensemble(ens, &scenario.config, &scenario.name, &plan, until, &|_| {})
        },
        Ensemble::widest_half_width,
    );
    Ok(Results {
        scenario,
        ensemble,
        config: config.clone(),
        started,
        finished: SystemTime::now(),
    })
}

/// A finished ensemble with the scenario it ran (its seed and runs as run).
#[derive(Clone, Debug)]
pub struct Results {
    scenario: Scenario,
    ensemble: Ensemble,
    config: RunConfig,
    started: SystemTime,
    finished: SystemTime,
}

/// One row of events.csv: the probability that `event` (about `actor`, empty for a global event) happened by
/// `month`, with its 95% Wilson interval, at full precision (the file rounds to 6 decimals).
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub month: String,
    pub event: &'static str,
    pub actor: String,
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Runs in which the event happened by `month`.
    pub count: u64,
    pub runs: u64,
}

/// One row of timeseries.csv: a statistic of a metric in a month. `statistic` is `mean`, `sd`, `q05` .. `q95`
/// or, for the `band_*` metrics, `probability`; `ci_low` and `ci_high` are the 95% interval (NaN for `sd`).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesRow {
    pub month: String,
    pub actor: String,
    pub metric: String,
    pub statistic: String,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// One value of one kept path (trajectories.csv): run `run`'s `metric` of `actor` in `month`.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRow {
    pub run: u64,
    pub month: String,
    pub actor: String,
    pub metric: &'static str,
    pub value: f64,
}

impl Results {
    /// The scenario as run: its `seed` and `runs` are the ones used.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The ensemble's statistics, for anything the accessors below do not cover.
    pub fn ensemble(&self) -> &Ensemble {
        &self.ensemble
    }

    /// Runs done.
    pub fn runs(&self) -> u64 {
        self.scenario.runs
    }

    /// Seed used.
    pub fn seed(&self) -> u64 {
        self.scenario.seed
    }

    /// summary.json as a value: every event and actor at the horizon with 95% intervals (rounded as the file).
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// # let results = realign::run_ensemble(&s, &realign::RunConfig { runs: Some(512), ..Default::default() })?;
    /// let summary = results.summary();
    /// assert_eq!(summary.runs, 512);
    /// assert!(summary.actors.iter().any(|a| a.name == "Belarus"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(&self) -> tables::Summary {
        tables::summary(&self.scenario, &self.ensemble)
    }

    /// The bytes of summary.json.
    pub fn summary_json(&self) -> Vec<u8> {
        tables::summary_json(&self.scenario, &self.ensemble)
    }

    /// The rows of events.csv, in its order (event by event, month by month).
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// # let results = realign::run_ensemble(&s, &realign::RunConfig { runs: Some(512), ..Default::default() })?;
    /// let by_horizon: Vec<_> = results.events().into_iter().filter(|e| e.month == "2017-12").collect();
    /// assert!(by_horizon.iter().all(|e| e.runs == 512 && e.ci_low <= e.probability));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn events(&self) -> Vec<EventRow> {
        let (s, ens) = (&self.scenario, &self.ensemble);
        let l = &ens.layout;
        let mut rows = Vec::with_capacity(l.events.len() * l.months);
        for (e, def) in l.events.iter().enumerate() {
            for m in 0..l.months {
                let t = ens.acc.event_by(l, e, m);
                let p = t.interval();
                rows.push(EventRow {
                    month: s.month_label(m),
                    event: def.id,
                    actor: def.actor.clone(),
                    probability: p.value,
                    ci_low: p.ci_low,
                    ci_high: p.ci_high,
                    count: t.count,
                    runs: t.runs,
                });
            }
        }
        rows
    }

    /// The bytes of events.csv.
    pub fn events_csv(&self) -> Vec<u8> {
        tables::events_csv(&self.scenario, &self.ensemble)
    }

    /// The rows of timeseries.csv, in its order (month by month, metric by metric).
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// # let results = realign::run_ensemble(&s, &realign::RunConfig { runs: Some(512), ..Default::default() })?;
    /// let oil = results.timeseries().into_iter()
    ///     .find(|r| r.metric == "oil_usd_per_bbl" && r.statistic == "q50" && r.month == "2015-06").unwrap();
    /// assert!(oil.value > 0.0 && oil.ci_low <= oil.value && oil.value <= oil.ci_high);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeseries(&self) -> Vec<SeriesRow> {
        let (s, ens) = (&self.scenario, &self.ensemble);
        let l = &ens.layout;
        let mut rows = Vec::new();
        for m in 0..l.months {
            let month = s.month_label(m);
            for (k, def) in l.metrics.iter().enumerate() {
                let mut row = |metric: &str, statistic: &str, value: f64, lo: f64, hi: f64| {
                    rows.push(SeriesRow {
                        month: month.clone(),
                        actor: def.actor.clone(),
                        metric: metric.to_string(),
                        statistic: statistic.to_string(),
                        value,
                        ci_low: lo,
                        ci_high: hi,
                    })
                };
                let mean = ens.acc.mean(l, m, k);
                row(def.metric, "mean", mean.value, mean.ci_low, mean.ci_high);
                row(
                    def.metric,
                    "sd",
                    ens.acc.moments(l, m, k).sd(),
                    f64::NAN,
                    f64::NAN,
                );
                for &(q, name) in &tables::QUANTILES {
                    if let Some(e) = ens.acc.quantile(l, m, k, q) {
                        row(def.metric, name, e.value, e.ci_low, e.ci_high);
                    }
                }
                if let Some(j) = l.band_metrics.iter().position(|&b| b == k) {
                    for (b, band) in tables::BANDS.iter().enumerate() {
                        let p = ens.acc.band(l, m, j, b).interval();
                        row(
                            &format!("band_{band}"),
                            "probability",
                            p.value,
                            p.ci_low,
                            p.ci_high,
                        );
                    }
                }
            }
        }
        rows
    }

    /// The bytes of timeseries.csv.
    pub fn timeseries_csv(&self) -> Vec<u8> {
        tables::timeseries_csv(&self.scenario, &self.ensemble)
    }

    /// The kept paths ([`RunConfig::trajectories`]), as the rows of trajectories.csv; empty when none were kept.
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// let cfg = realign::RunConfig { runs: Some(512), trajectories: 2, ..Default::default() };
    /// let rows = realign::run_ensemble(&s, &cfg)?.trajectories();
    /// assert_eq!(rows.iter().map(|r| r.run).max(), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trajectories(&self) -> Vec<TrajectoryRow> {
        let (s, ens) = (&self.scenario, &self.ensemble);
        let l = &ens.layout;
        let nm = l.metrics.len();
        let mut rows = Vec::new();
        for t in &ens.trajectories {
            for m in 0..l.months {
                let month = s.month_label(m);
                for (k, def) in l.metrics.iter().enumerate() {
                    rows.push(TrajectoryRow {
                        run: t.run,
                        month: month.clone(),
                        actor: def.actor.clone(),
                        metric: def.metric,
                        value: t.values[m * nm + k],
                    });
                }
            }
        }
        rows
    }

    /// The run's charts (fans, events, drivers), as `realign run` draws them: PNG bytes and SVG text each.
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// # let results = realign::run_ensemble(&s, &realign::RunConfig { runs: Some(512), ..Default::default() })?;
    /// let charts = results.charts()?;
    /// let fan = charts.iter().find(|c| c.stem == "fan-belarus").unwrap();
    /// assert!(fan.png.starts_with(b"\x89PNG") && fan.svg.starts_with("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn charts(&self) -> Result<Vec<Rendered>, ChartError> {
        let data = series::from_ensemble(&self.scenario, &self.ensemble);
        let names: Vec<String> = self
            .scenario
            .config
            .actors
            .iter()
            .map(|a| a.name.clone())
            .collect();
        charts::draw::run_figures(&data, &charts::unique_slugs(&names))
    }

    /// Writes into `dir` the files `realign run --out DIR` writes for these runs and seed (tables, charts,
    /// report.html, the ledger, manifest.json last), through the same locked, atomic writer; returns their paths.
    /// The files are the command's byte for byte, except the times and build the manifest records.
    ///
    /// ```
    /// # let s = realign::load_scenario("scenarios/baseline.toml")?;
    /// # let results = realign::run_ensemble(&s, &realign::RunConfig { runs: Some(512), ..Default::default() })?;
    /// let dir = tempfile::tempdir()?;
    /// let files = results.write(dir.path())?;
    /// assert!(files.iter().any(|f| f.ends_with("summary.json")));
    /// assert!(dir.path().join("manifest.json").exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, AppError> {
        let (mut out, old_ledger) = crate::app::open_run_dir(dir)?;
        let info = RunInfo {
            runs: self.scenario.runs,
            precision_target: None,
            options: RunOptions {
                scenario: self.scenario.files[0].display().to_string(),
                runs: self.config.runs,
                seed: self.config.seed,
                trajectories: self.config.trajectories as u64,
                ..RunOptions::default()
            },
            threads: self.ensemble.threads,
            started: self.started,
            finished: self.finished,
        };
        crate::app::write_run(
            &self.scenario,
            &self.ensemble,
            &mut out,
            &old_ledger,
            &info,
            self.config.trajectories,
            None,
        )?;
        Ok(out.written().to_vec())
    }
}

/// A value as the files write it (6 decimals, no negative zero, empty for NaN): for comparing rows with files.
pub fn file_number(v: f64) -> String {
    num(v)
}
