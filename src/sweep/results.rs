//! A sweep's results, rebuilt from its points: sweep.csv, analysis.json (replicate noise against parameter
//! effects; Morris or Sobol indices) and their charts. The same points give the same bytes, however they were
//! computed (one machine, resumed, or merged from shards).

use serde::Serialize;

use super::analysis;
use super::run::{PointResult, Points};
use super::spec::{DesignKind, Sweep};
use crate::output::{num, round6};
use crate::scenario::Outcome;
use crate::stats::{Proportion, Z95};

/// Bootstrap resamples for index intervals.
const BOOTSTRAP: usize = 1000;
/// Replicate noise above this share of the variation across points calls for more replicates.
const NOISE_SHARE_LIMIT: f64 = 0.10;
/// The share more replicates should bring the noise down to.
const NOISE_SHARE_TARGET: f64 = 0.05;

/// One outcome at one point with its 95% interval and the variance of the estimate (replicate noise).
#[derive(Clone, Copy, Debug)]
pub struct Est {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub noise_var: f64,
}

pub fn estimate(o: &Outcome, s: &crate::runner::OutcomeSums, runs: u64) -> Est {
    let n = runs as f64;
    match o {
        Outcome::Event { .. } => {
            let p = Proportion::wilson(s.count, runs);
            Est {
                value: p.probability,
                ci_low: p.ci_low,
                ci_high: p.ci_high,
                noise_var: p.probability * (1.0 - p.probability) / n,
            }
        }
        Outcome::Alignment { .. } => {
            let mean = s.sum / n;
            let var = if runs > 1 {
                ((s.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
            } else {
                0.0
            };
            let half = Z95 * (var / n).sqrt();
            Est {
                value: mean,
                ci_low: mean - half,
                ci_high: mean + half,
                noise_var: var / n,
            }
        }
    }
}

/// Estimates per point (rows) and outcome (columns).
pub fn table(s: &Sweep, results: &[PointResult]) -> Vec<Vec<Est>> {
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
    pub mean_replicates: f64,
    pub parameters: Vec<String>,
    pub outcomes: Vec<OutcomeAnalysis>,
}

#[derive(Serialize)]
pub struct OutcomeAnalysis {
    pub outcome: String,
    /// Variance of the point estimates across the design.
    pub variance_across_points: f64,
    /// Mean variance of a point's estimate from replicate noise alone (p (1 - p) / R, or s^2 / R).
    pub replicate_noise_variance: f64,
    /// Share of the variation across points that replicate noise alone would produce.
    pub noise_share: f64,
    pub needs_more_replicates: bool,
    /// Replicates that would bring the noise share to 5% (when more are needed).
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
    pub mu_star: analysis::Interval,
    pub mu: f64,
    pub sigma: analysis::Interval,
}

#[derive(Serialize, Clone)]
pub struct SobolRow {
    pub parameter: String,
    pub first_order: analysis::Interval,
    pub total: analysis::Interval,
}

fn rounded(i: analysis::Interval) -> analysis::Interval {
    analysis::Interval {
        value: round6(i.value),
        ci_low: round6(i.ci_low),
        ci_high: round6(i.ci_high),
    }
}

pub fn analyse(s: &Sweep, pts: &Points, results: &[PointResult]) -> Analysis {
    let t = table(s, results);
    let n = t.len() as f64;
    let outcomes = s
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, outcome)| {
            let y: Vec<f64> = t.iter().map(|row| row[o].value).collect();
            let mean = y.iter().sum::<f64>() / n;
            let between = if n > 1.0 { y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
            let noise = t.iter().map(|row| row[o].noise_var).sum::<f64>() / n;
            // Under common random numbers every point sees the same luck, so noise moves the estimates together:
            // the share below is an upper bound on how much of the variation across points is noise. When the
            // estimates do not vary at all, the swept parameters have no effect on this outcome, and more
            // replicates cannot change that.
            let share = if between > 0.0 { (noise / between).min(1.0) } else { 0.0 };
            let needs = share > NOISE_SHARE_LIMIT;
            let mean_runs = results.iter().map(|p| p.runs as f64).sum::<f64>() / n;
            let suggested = needs.then(|| (mean_runs * share / NOISE_SHARE_TARGET).ceil() as u64);
            let verdict = if between == 0.0 {
                "no effect: every point gives the same estimate (common random numbers make equal luck exact), so the swept parameters do not move this outcome".to_string()
            } else if needs {
                format!(
                    "replicate noise is {:.0}% of the variation across points: parameter effects are not separated from Monte Carlo noise; run about {} replicates per point",
                    100.0 * share,
                    suggested.unwrap_or(0)
                )
            } else {
                format!("replicate noise is {:.1}% of the variation across points: the differences between points are parameter effects", 100.0 * share)
            };
            let mut morris = Vec::new();
            let mut sobol = Vec::new();
            match (&s.design, &pts.morris, &pts.saltelli) {
                (DesignKind::Morris { .. }, Some(d), _) => {
                    let idx = analysis::morris_indices(d, &y, BOOTSTRAP, s.design_seed);
                    morris = s
                        .params
                        .iter()
                        .zip(idx)
                        .map(|(p, m)| MorrisRow { parameter: p.key.clone(), mu_star: rounded(m.mu_star), mu: round6(m.mu), sigma: rounded(m.sigma) })
                        .collect();
                    morris.sort_by(|a, b| b.mu_star.value.total_cmp(&a.mu_star.value));
                }
                (DesignKind::Sobol { .. }, _, Some(d)) => {
                    let idx = analysis::sobol_indices(d, &y, BOOTSTRAP, s.design_seed);
                    sobol = s
                        .params
                        .iter()
                        .zip(idx)
                        .map(|(p, x)| SobolRow { parameter: p.key.clone(), first_order: rounded(x.first), total: rounded(x.total) })
                        .collect();
                    sobol.sort_by(|a, b| b.total.value.total_cmp(&a.total.value));
                }
                _ => {}
            }
            OutcomeAnalysis {
                outcome: outcome.label(),
                variance_across_points: round6(between),
                replicate_noise_variance: round6(noise),
                noise_share: round6(share),
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
        mean_replicates: round6(
            results.iter().map(|p| p.runs as f64).sum::<f64>() / results.len().max(1) as f64,
        ),
        parameters: s.params.iter().map(|p| p.key.clone()).collect(),
        outcomes,
    }
}

pub fn analysis_json(a: &Analysis) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(a).expect("analysis serialises");
    v.push(b'\n');
    v
}
