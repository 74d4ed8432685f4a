//! A sweep's results, rebuilt from its points: sweep.csv, analysis.json (replicate noise against parameter
//! effects; Morris or Sobol indices; PRCC of a Latin hypercube, also in prcc.csv) and their charts. The same points give the same bytes, however they were
//! computed (one machine, resumed, or merged from shards).

use serde::Serialize;

use super::analysis;
use super::run::{PointEstimate, PointResult, Points, estimate};
use super::spec::{DesignKind, Sweep};
use crate::output::{num, round6, rounded, rounded_interval};
use crate::runner::{REPLICATE_GROUPS, group_runs};
use crate::stats::Interval;

/// Bootstrap resamples for index intervals.
const BOOTSTRAP: usize = 1000;
/// Replicate noise above this share of the variation across points calls for more replicates.
const NOISE_SHARE_LIMIT: f64 = 0.10;
/// The share more replicates should bring the noise down to.
const NOISE_SHARE_TARGET: f64 = 0.05;

/// Estimates per point (rows) and outcome (columns).
pub fn table(s: &Sweep, results: &[PointResult]) -> Vec<Vec<PointEstimate>> {
    results
        .iter()
        .map(|p| {
            s.outcomes
                .iter()
                .zip(&p.sums)
                .map(|(o, x)| estimate(o, x, p.runs))
                .collect()
        })
        .collect()
}

pub fn sweep_csv(s: &Sweep, pts: &Points, results: &[PointResult]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(s.params.iter().map(|p| p.key.clone()));
    header.push("replicates".into());
    for o in &s.outcomes {
        let l = o.label();
        header.extend([l.clone(), format!("{l}_ci_low"), format!("{l}_ci_high")]);
    }
    w.write_record(&header).expect("in-memory csv");
    for (p, row) in results.iter().zip(table(s, results)) {
        let mut rec = vec![p.index.to_string()];
        rec.extend(pts.values[p.index].iter().map(|v| num(*v)));
        rec.push(p.runs.to_string());
        for e in row {
            let e = e.estimate;
            rec.extend([num(e.value), num(e.ci_low), num(e.ci_high)]);
        }
        w.write_record(&rec).expect("in-memory csv");
    }
    w.into_inner().expect("in-memory csv")
}

#[derive(Serialize)]
pub struct Analysis {
    pub sweep: String,
    pub design: &'static str,
    pub points: usize,
    /// Replicates per point asked for in the sweep file (ignored in precision mode).
    pub replicates: u64,
    /// Replicates per point actually run, on average (differs from `replicates` in precision mode).
    #[serde(serialize_with = "rounded")]
    pub mean_replicates: f64,
    pub parameters: Vec<String>,
    /// The parameters marked `role = "lever"` (absent when none, so sweeps without levers keep their bytes); the
    /// rest are uncertainties. `realign robust` reads them back from here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levers: Vec<String>,
    pub outcomes: Vec<OutcomeAnalysis>,
    /// Latin hypercube sweeps: the partial rank correlation of every outcome on every parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prcc: Vec<PrccRow>,
}

/// One outcome on one parameter: PRCC in [-1, 1] with its 95% interval (bootstrap over points, widened by the
/// replicates' luck when every point has at least [`REPLICATE_GROUPS`] replicates). Tidy: one row per pair, in the
/// sweep file's order of outcomes, then parameters.
#[derive(Serialize, Clone)]
pub struct PrccRow {
    pub outcome: String,
    pub parameter: String,
    #[serde(serialize_with = "rounded")]
    pub value: f64,
    #[serde(serialize_with = "rounded")]
    pub ci_low: f64,
    #[serde(serialize_with = "rounded")]
    pub ci_high: f64,
}

impl PrccRow {
    pub fn interval(&self) -> Interval {
        Interval {
            value: self.value,
            ci_low: self.ci_low,
            ci_high: self.ci_high,
        }
    }
}

#[derive(Serialize)]
pub struct OutcomeAnalysis {
    pub outcome: String,
    /// Variance of the point estimates across the design.
    #[serde(serialize_with = "rounded")]
    pub variance_across_points: f64,
    /// Mean variance of a point's estimate from replicate noise alone (p (1 - p) / R, or s^2 / R).
    #[serde(serialize_with = "rounded")]
    pub replicate_noise_variance: f64,
    /// Upper bound on the share of the variation across points that replicate noise alone would produce (under
    /// common random numbers noise moves every point together, so the true share is smaller).
    #[serde(serialize_with = "rounded")]
    pub noise_share: f64,
    pub needs_more_replicates: bool,
    /// Replicates that would bring the bound on the noise share to 5% (when it is above 10%).
    pub suggested_replicates: Option<u64>,
    pub verdict: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub morris: Vec<MorrisRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sobol: Vec<SobolRow>,
}

#[derive(Serialize, Clone)]
pub struct MorrisRow {
    pub parameter: String,
    #[serde(serialize_with = "rounded_interval")]
    pub mu_star: Interval,
    #[serde(serialize_with = "rounded")]
    pub mu: f64,
    #[serde(serialize_with = "rounded_interval")]
    pub sigma: Interval,
}

#[derive(Serialize, Clone)]
pub struct SobolRow {
    pub parameter: String,
    #[serde(serialize_with = "rounded_interval")]
    pub first_order: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub total: Interval,
}

/// The standard deviation an index computed from all replicates owes to their luck, from its values in the
/// [`REPLICATE_GROUPS`] groups of disjoint streams: each group has 1/K of the replicates, so K times the noise
/// variance, and the spread of K values estimates it (batch means). Zero without groups.
fn luck_sd(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return 0.0;
    }
    let k = v.len() as f64;
    let mean = v.iter().sum::<f64>() / k;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1.0);
    (var / k).sqrt()
}

/// A bootstrap interval over the design's rows, widened by the replicates' luck (`sd`): the two sources of error
/// are independent, so their half-widths add in quadrature, each side on its own.
fn with_luck(i: Interval, sd: f64) -> Interval {
    if sd.is_nan() || sd <= 0.0 || !i.ci_low.is_finite() || !i.ci_high.is_finite() {
        return i;
    }
    let z = crate::stats::t975(REPLICATE_GROUPS as f64 - 1.0) * sd;
    let (below, above) = (i.value - i.ci_low, i.ci_high - i.value);
    Interval {
        value: i.value,
        ci_low: i.value - (below * below + z * z).sqrt(),
        ci_high: i.value + (above * above + z * z).sqrt(),
    }
}

/// Sorts rows by `index`, largest first, as the files print it (rounded): parameters whose printed indices tie
/// keep the order of the sweep file.
fn sort_by_printed<T>(rows: &mut [T], index: impl Fn(&T) -> f64) {
    rows.sort_by(|a, b| round6(index(b)).total_cmp(&round6(index(a))));
}

pub fn analyse(s: &Sweep, pts: &Points, results: &[PointResult]) -> Analysis {
    let t = table(s, results);
    let n = t.len() as f64;
    let outcomes = s
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, outcome)| {
            let y: Vec<f64> = t.iter().map(|row| row[o].estimate.value).collect();
            let mean = y.iter().sum::<f64>() / n;
            let between = if n > 1.0 { y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
            let noise = t.iter().map(|row| row[o].noise_var).sum::<f64>() / n;
            // Under common random numbers every point sees the same luck, so noise moves the estimates together:
            // the share below is an upper bound on how much of the variation across points is noise. When the
            // estimates do not vary at all, the swept parameters have no effect on this outcome, and more
            // replicates cannot change that.
            let share = if between > 0.0 { (noise / between).min(1.0) } else { 0.0 };
            // One point has nothing to compare: no call for replicates either.
            let needs = results.len() >= 2 && share > NOISE_SHARE_LIMIT;
            let mean_runs = results.iter().map(|p| p.runs as f64).sum::<f64>() / n;
            let suggested = needs.then(|| (mean_runs * share / NOISE_SHARE_TARGET).ceil() as u64);
            // The share is an upper bound (see above), so the verdict says "at most" and never claims that
            // effects are not separated: a smooth, monotone sweep can carry a large bound and little noise.
            let mut verdict = if results.len() < 2 {
                "a single point: nothing to compare across points, so no verdict on parameter effects".to_string()
            } else if between == 0.0 {
                "no effect: every point gives the same estimate (common random numbers make equal luck exact), so the swept parameters do not move this outcome".to_string()
            } else if needs {
                format!(
                    "at most {:.0}% of the variation across points could be replicate noise (an upper bound: under common random numbers noise moves the points together, so the true share is usually much smaller); to bring this bound below {:.0}%, run about {} replicates per point",
                    100.0 * share,
                    100.0 * NOISE_SHARE_TARGET,
                    suggested.unwrap_or(0)
                )
            } else {
                format!("at most {:.1}% of the variation across points could be replicate noise (an upper bound under common random numbers): the differences between points are parameter effects", 100.0 * share)
            };
            let mut morris = Vec::new();
            let mut sobol = Vec::new();
            // The outcome at every point from each replicate group alone: the indices' spread across groups is how
            // much they move with the replicates' luck (none measurable with fewer replicates than groups).
            let groups: Vec<Vec<f64>> = if results.iter().all(|p| p.runs >= REPLICATE_GROUPS as u64) {
                let no = s.outcomes.len();
                (0..REPLICATE_GROUPS)
                    .map(|g| results.iter().map(|p| estimate(outcome, &p.groups[g * no + o], group_runs(p.runs, g)).estimate.value).collect())
                    .collect()
            } else {
                Vec::new()
            };
            if groups.is_empty() && matches!(s.design, DesignKind::Morris { .. } | DesignKind::Sobol { .. } | DesignKind::LatinHypercube { .. }) {
                verdict.push_str(&format!(
                    "; the indices' intervals leave out the replicates' luck: a point needs at least {REPLICATE_GROUPS} replicates to measure it"
                ));
            }
            match (&s.design, &pts.morris, &pts.saltelli) {
                (DesignKind::Morris { .. }, Some(d), _) => {
                    let idx = analysis::morris_indices(d, &y, BOOTSTRAP, s.design_seed);
                    let per_group: Vec<_> = groups.iter().map(|yg| analysis::morris_indices(d, yg, 0, s.design_seed)).collect();
                    let luck = |i: usize, f: &dyn Fn(&analysis::MorrisIndex) -> f64| luck_sd(per_group.iter().map(|g| f(&g[i])));
                    morris = s
                        .params
                        .iter()
                        .zip(idx)
                        .enumerate()
                        .map(|(i, (p, m))| MorrisRow {
                            parameter: p.key.clone(),
                            mu_star: with_luck(m.mu_star, luck(i, &|x| x.mu_star.value)),
                            mu: m.mu,
                            sigma: with_luck(m.sigma, luck(i, &|x| x.sigma.value)),
                        })
                        .collect();
                    sort_by_printed(&mut morris, |r| r.mu_star.value);
                }
                (DesignKind::Sobol { .. }, _, Some(d)) => {
                    let idx = analysis::sobol_indices(d, &y, BOOTSTRAP, s.design_seed);
                    let per_group: Vec<_> = groups.iter().map(|yg| analysis::sobol_indices(d, yg, 0, s.design_seed)).collect();
                    let luck = |i: usize, f: &dyn Fn(&analysis::SobolIndex) -> f64| luck_sd(per_group.iter().map(|g| f(&g[i])));
                    sobol = s
                        .params
                        .iter()
                        .zip(idx)
                        .enumerate()
                        .map(|(i, (p, x))| SobolRow {
                            parameter: p.key.clone(),
                            first_order: with_luck(x.first, luck(i, &|v| v.first.value)),
                            total: with_luck(x.total, luck(i, &|v| v.total.value)),
                        })
                        .collect();
                    sort_by_printed(&mut sobol, |r| r.total.value);
                }
                _ => {}
            }
            OutcomeAnalysis {
                outcome: outcome.label(),
                variance_across_points: between,
                replicate_noise_variance: noise,
                noise_share: share,
                needs_more_replicates: needs,
                suggested_replicates: suggested,
                verdict,
                morris,
                sobol,
            }
        })
        .collect();
    Analysis {
        sweep: s.name.clone(),
        design: s.design.name(),
        points: results.len(),
        replicates: s.replicates,
        mean_replicates: results.iter().map(|p| p.runs as f64).sum::<f64>()
            / results.len().max(1) as f64,
        parameters: s.params.iter().map(|p| p.key.clone()).collect(),
        levers: s.levers(),
        outcomes,
        prcc: prcc_rows(s, pts, results),
    }
}

/// PRCC rows of a Latin hypercube sweep (none for other designs: a grid's or a Morris or Saltelli design's points
/// are not a random sample of the parameter box, which the measure's interval assumes).
fn prcc_rows(s: &Sweep, pts: &Points, results: &[PointResult]) -> Vec<PrccRow> {
    if !matches!(s.design, DesignKind::LatinHypercube { .. }) {
        return Vec::new();
    }
    let t = table(s, results);
    let x: Vec<Vec<f64>> = results
        .iter()
        .map(|p| pts.values[p.index].clone())
        .collect();
    let no = s.outcomes.len();
    let mut rows = Vec::new();
    for (o, outcome) in s.outcomes.iter().enumerate() {
        let y: Vec<f64> = t.iter().map(|row| row[o].estimate.value).collect();
        let idx = analysis::prcc(&x, &y, BOOTSTRAP, s.design_seed);
        // As for the other indices: the spread of the PRCC across the replicate groups is its replicates' luck.
        let per_group: Vec<Vec<Interval>> =
            if results.iter().all(|p| p.runs >= REPLICATE_GROUPS as u64) {
                (0..REPLICATE_GROUPS)
                    .map(|g| {
                        let yg: Vec<f64> = results
                            .iter()
                            .map(|p| {
                                estimate(outcome, &p.groups[g * no + o], group_runs(p.runs, g))
                                    .estimate
                                    .value
                            })
                            .collect();
                        analysis::prcc(&x, &yg, 0, s.design_seed)
                    })
                    .collect()
            } else {
                Vec::new()
            };
        for (i, (p, v)) in s.params.iter().zip(idx).enumerate() {
            let v = with_luck(v, luck_sd(per_group.iter().map(|g| g[i].value)));
            rows.push(PrccRow {
                outcome: outcome.label(),
                parameter: p.key.clone(),
                value: v.value,
                // A PRCC lies in [-1, 1]; so does its interval, however wide the luck makes it.
                ci_low: v.ci_low.max(-1.0),
                ci_high: v.ci_high.min(1.0),
            });
        }
    }
    rows
}

/// prcc.csv, the tidy table of a Latin hypercube sweep's PRCC: `outcome,parameter,prcc,ci_low,ci_high`, one row
/// per outcome and parameter, numbers to 6 decimals (empty where undefined: too few points). None for other
/// designs.
pub fn prcc_csv(a: &Analysis) -> Option<Vec<u8>> {
    if a.prcc.is_empty() {
        return None;
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["outcome", "parameter", "prcc", "ci_low", "ci_high"])
        .expect("in-memory csv");
    for r in &a.prcc {
        w.write_record([
            r.outcome.clone(),
            r.parameter.clone(),
            num(r.value),
            num(r.ci_low),
            num(r.ci_high),
        ])
        .expect("in-memory csv");
    }
    Some(w.into_inner().expect("in-memory csv"))
}

pub fn analysis_json(a: &Analysis) -> Vec<u8> {
    crate::output::json_bytes(a)
}

/// How a sweep's results were produced: on how many threads or parts, and when.
pub struct RunInfo {
    /// Threads of a one-machine run (0 for a merge).
    pub threads: usize,
    /// Parts the results were merged from (1 for a one-machine run).
    pub shards: usize,
    pub started: std::time::SystemTime,
    pub finished: std::time::SystemTime,
}

/// A sweep's manifest.json: what was swept, on which base scenario, by which build, when. The only file of a
/// sweep that differs between two runs of it (times, threads, parts).
#[derive(Serialize)]
pub struct SweepManifest {
    pub sweep: String,
    pub sweep_file: String,
    pub sweep_hash: String,
    pub base_scenario: String,
    pub base_scenario_hash: String,
    pub design: &'static str,
    /// The parameters marked `role = "lever"` (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levers: Vec<String>,
    pub points: usize,
    pub replicates: u64,
    pub seed: u64,
    pub streams: &'static str,
    pub threads: usize,
    pub shards: usize,
    pub realign_version: &'static str,
    pub git_revision: &'static str,
    pub started: String,
    pub finished: String,
    /// SHA-256 of a fixed computation through the model's arithmetic (`arith::probe`).
    pub arithmetic_probe: String,
}

pub fn manifest_json(s: &Sweep, pts: &Points, points: usize, info: &RunInfo) -> Vec<u8> {
    let time = |t| humantime::format_rfc3339_seconds(t).to_string();
    // Keys in alphabetical order, as the file has always had them.
    crate::output::sorted_json_bytes(&SweepManifest {
        sweep: s.name.clone(),
        sweep_file: s.path.display().to_string(),
        sweep_hash: super::run::sweep_hash(s, pts),
        base_scenario: s.scenario.name.clone(),
        base_scenario_hash: crate::output::manifest::scenario_hash(&s.scenario),
        design: s.design.name(),
        levers: s.levers(),
        points,
        replicates: s.replicates,
        seed: s.seed,
        streams: "replicate r of every point uses stream r of the base scenario's key (common random numbers)",
        threads: info.threads,
        shards: info.shards,
        realign_version: env!("CARGO_PKG_VERSION"),
        git_revision: env!("REALIGN_GIT_REV"),
        started: time(info.started),
        finished: time(info.finished),
        arithmetic_probe: crate::arith::probe(),
    })
}
