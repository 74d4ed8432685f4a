//! `realign run --uncertainty`: a nested ensemble that tells the model's assumptions apart from Monte Carlo luck.
//!
//! N outer draws of the parameters from their priors (`scenario::priors`; draw k from stream k of
//! [`runner::prior_key`]), and for each M inner runs with common random numbers (inner run r uses stream r of the
//! scenario's usual key, as claims and sweeps do). All N x M runs pooled are the predictive ensemble, written to
//! the usual files. Beside it, per month and per event or metric quantile:
//!
//! - the Monte Carlo interval of the pooled estimate, as an ordinary run reports it (it treats the N x M runs as
//!   independent; with common random numbers across outer draws it is, if anything, narrow);
//! - the assumption range: the 5th to 95th percentile over the outer draws of each draw's own estimate;
//! - the share of the spread due to assumptions, by the law of total variance. For an event Y with outer
//!   probability p: Var Y = E[p(1 - p)] + Var p = p̄(1 - p̄). Var p is estimated as the outer estimates' sample
//!   variance minus their expected Monte Carlo noise, mean of p̂(1 - p̂)/(M - 1) (unbiased for p(1 - p)/M),
//!   floored at 0; the share is Var p / p̄(1 - p̄). For a metric: the sample variance of the outer draws'
//!   conditional means less mean conditional variance / M (floored at 0), against that plus the mean conditional
//!   variance; every quantile of the metric in that month carries the metric's share. With common random numbers a
//!   parameter without effect gives identical inner estimates in every draw, so its split is exactly all luck.
//!
//! Memory is flat in N: nothing per outer draw is kept. Each draw's estimates go into fixed-size structures
//! ([`OuterStats`]): running sums (shifted by the first draw's value, so identical estimates give a variance of
//! exactly 0) and fixed-bin histograms whose percentiles are read by interpolating within a bin, clamped to the
//! smallest and largest estimate seen. Resolution: probabilities on [`P_BINS`] bins of 0.001; metric quantiles on
//! the pooled ensemble's own [`HIST_BINS`] bins of the month's range (the resolution of the pooled quantiles).
//!
//! Which priors matter: for each prior and each event at the horizon, the correlation of the event's outer
//! estimate with the prior's CDF value F(theta) of the draw (the draw's rank in the prior's population, so this is
//! the population form of Spearman's rank correlation, from five running sums). Its square is the share of the
//! outer estimates' variance a monotone-linear effect of that parameter alone explains; Monte Carlo noise in the
//! estimates pulls it toward 0, never away.

use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::params::fmt_num;
use crate::output::tables::QUANTILES;
use crate::output::{csv_bytes, csv_writer, num, report::esc, round6};
use crate::runner::{self, Ensemble};
use crate::scenario::priors::{Prior, PriorOrigin, PriorSet};
use crate::scenario::{Scenario, Target, configure};
use crate::stats::{Accumulator, HIST_BINS, Interval, Layout, rank_position};

/// Bins of the histogram of outer probabilities on [0, 1]: percentiles of the outer estimates to 0.001.
pub const P_BINS: usize = 1000;
/// The assumption range: these percentiles of the outer draws' estimates.
pub const RANGE: (f64, f64) = (0.05, 0.95);
/// Outer draws run this many per thread at a time (each holds one inner ensemble's accumulator).
const DRAWS_PER_THREAD_PER_WAVE: usize = 2;
/// Defaults of `--outer` and `--inner`.
pub const DEFAULT_OUTER: u64 = 200;
pub const DEFAULT_INNER: u64 = 1000;

/// What a nested ensemble draws and runs.
#[derive(Clone, Debug)]
pub struct Nested {
    pub outer: u64,
    pub inner: u64,
    pub set: PriorSet,
    pub priors: Vec<Prior>,
}

impl Nested {
    /// The parameter changes of outer draw `draw`.
    pub fn changes(&self, key: &[u8; 32], draw: u64) -> (Vec<f64>, Vec<(Target, f64)>) {
        let u = runner::prior_uniforms(key, draw, self.priors.len());
        let changes = self
            .priors
            .iter()
            .zip(&u)
            .map(|(p, &u)| (p.target.clone(), p.dist.quantile(u)))
            .collect();
        (u, changes)
    }
}

/// Sums, extremes and histograms over outer draws, sized by the scenario's layout and the number of priors, never
/// by the number of draws.
#[derive(Clone, Debug)]
pub struct OuterStats {
    pub draws: u64,
    inner: u64,
    months: usize,
    events: usize,
    metrics: usize,
    /// Metrics with quantiles, in layout order.
    hist_metrics: Vec<usize>,
    /// [event][month]: shifted sums of p, p^2; sum of p(1 - p)/(M - 1); least and greatest p; histogram.
    ev: Cells,
    ev_noise: Vec<f64>,
    ev_hist: Vec<u32>,
    /// [month][metric]: shifted sums of the conditional mean, its square; sum of conditional variances.
    mt: Cells,
    mt_within: Vec<f64>,
    /// [month][hist metric][quantile]: extremes, histogram on the layout's bins, draws whose estimate was missing.
    q: Cells,
    q_hist: Vec<u32>,
    q_missing: Vec<u64>,
    /// [prior][event]: sums of u, u^2, p, p^2, u p (u = the prior's CDF value of the draw, p = the event's
    /// estimate at the horizon).
    imp: Vec<[f64; 5]>,
}

/// Per cell: shift (the first draw's value), shifted sum and sum of squares, least and greatest value.
#[derive(Clone, Debug)]
struct Cells {
    shift: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Cells {
    fn new(n: usize) -> Cells {
        Cells {
            shift: vec![0.0; n],
            sum: vec![0.0; n],
            sum_sq: vec![0.0; n],
            min: vec![f64::INFINITY; n],
            max: vec![f64::NEG_INFINITY; n],
        }
    }
    fn len(&self) -> usize {
        self.shift.len()
    }
    fn add(&mut self, i: usize, v: f64, first: bool) {
        if first {
            self.shift[i] = v;
        }
        let d = v - self.shift[i];
        self.sum[i] += d;
        self.sum_sq[i] += d * d;
        self.min[i] = self.min[i].min(v);
        self.max[i] = self.max[i].max(v);
    }
    fn mean(&self, i: usize, n: u64) -> f64 {
        self.shift[i] + self.sum[i] / n as f64
    }
    /// Sample variance over `n` draws (0 for fewer than two).
    fn var(&self, i: usize, n: u64) -> f64 {
        if n < 2 {
            return 0.0;
        }
        let nf = n as f64;
        ((self.sum_sq[i] - self.sum[i] * self.sum[i] / nf) / (nf - 1.0)).max(0.0)
    }
}

impl OuterStats {
    pub fn new(l: &Layout, priors: usize, inner: u64) -> OuterStats {
        let (months, events, metrics) = (l.months, l.events.len(), l.metrics.len());
        let hist_metrics: Vec<usize> = (0..metrics).filter(|&k| l.has_hist(k)).collect();
        let nq = months * hist_metrics.len() * QUANTILES.len();
        OuterStats {
            draws: 0,
            inner,
            months,
            events,
            metrics,
            ev: Cells::new(events * months),
            ev_noise: vec![0.0; events * months],
            ev_hist: vec![0; events * months * P_BINS],
            mt: Cells::new(months * metrics),
            mt_within: vec![0.0; months * metrics],
            q: Cells::new(nq),
            q_hist: vec![0; nq * HIST_BINS],
            q_missing: vec![0; nq],
            imp: vec![[0.0; 5]; priors * events],
            hist_metrics,
        }
    }

    /// Numbers held, whatever the number of draws (the memory-flat contract, tested).
    pub fn size(&self) -> usize {
        5 * (self.ev.len() + self.mt.len() + self.q.len())
            + self.ev_noise.len()
            + self.ev_hist.len()
            + self.mt_within.len()
            + self.q_hist.len()
            + self.q_missing.len()
            + 5 * self.imp.len()
            + self.hist_metrics.len()
    }

    /// Adds one outer draw: its inner ensemble `acc` and its priors' CDF values `u`.
    pub fn add(&mut self, l: &Layout, acc: &Accumulator, u: &[f64]) {
        let first = self.draws == 0;
        self.draws += 1;
        let m_runs = acc.runs as f64;
        let h = self.months - 1;
        for e in 0..self.events {
            for m in 0..self.months {
                let i = e * self.months + m;
                let p = acc.event_by(l, e, m).interval().value;
                self.ev.add(i, p, first);
                self.ev_noise[i] += p * (1.0 - p) / (m_runs - 1.0).max(1.0);
                let bin = ((p * P_BINS as f64) as usize).min(P_BINS - 1);
                self.ev_hist[i * P_BINS + bin] += 1;
            }
            let p = acc.event_by(l, e, h).interval().value;
            for (j, &u) in u.iter().enumerate() {
                let s = &mut self.imp[j * self.events + e];
                s[0] += u;
                s[1] += u * u;
                s[2] += p;
                s[3] += p * p;
                s[4] += u * p;
            }
        }
        for m in 0..self.months {
            for k in 0..self.metrics {
                let i = m * self.metrics + k;
                let mo = acc.moments(l, m, k);
                self.mt.add(i, mo.mean, first);
                self.mt_within[i] += mo.var;
            }
            for (j, &k) in self.hist_metrics.iter().enumerate() {
                for (qi, &(q, _)) in QUANTILES.iter().enumerate() {
                    let i = (m * self.hist_metrics.len() + j) * QUANTILES.len() + qi;
                    let v = acc.quantile(l, m, k, q).map_or(f64::NAN, |x| x.value);
                    match l.bin_of(m, k, v) {
                        Some(b) => {
                            self.q.add(i, v, self.q.min[i] > self.q.max[i]);
                            self.q_hist[i * HIST_BINS + b] += 1;
                        }
                        None => self.q_missing[i] += 1,
                    }
                }
            }
        }
    }

    /// The assumption range of event `e` by month `m`.
    pub fn event_range(&self, e: usize, m: usize) -> (f64, f64) {
        let i = e * self.months + m;
        let h = &self.ev_hist[i * P_BINS..][..P_BINS];
        let at = |q: f64| {
            (rank_position(h, q * self.draws as f64) / P_BINS as f64)
                .clamp(self.ev.min[i], self.ev.max[i])
        };
        (at(RANGE.0), at(RANGE.1))
    }

    /// Share of event `e`'s variance by month `m` due to assumptions (law of total variance).
    pub fn event_share(&self, e: usize, m: usize) -> f64 {
        let i = e * self.months + m;
        let p = self.ev.mean(i, self.draws);
        let noise = self.ev_noise[i] / self.draws as f64;
        let var_p = (self.ev.var(i, self.draws) - noise).max(0.0);
        let total = p * (1.0 - p);
        if total > 0.0 {
            (var_p / total).min(1.0)
        } else {
            0.0
        }
    }

    /// Share of metric `k`'s variance in month `m` due to assumptions.
    pub fn metric_share(&self, m: usize, k: usize) -> f64 {
        let i = m * self.metrics + k;
        let within = self.mt_within[i] / self.draws as f64;
        let between = (self.mt.var(i, self.draws) - within / self.inner as f64).max(0.0);
        if between + within > 0.0 {
            between / (between + within)
        } else {
            0.0
        }
    }

    /// The assumption range of quantile `qi` (of [`QUANTILES`]) of metric `k` in month `m`; NaN when any draw's
    /// estimate was missing (outside the binned range) or the metric has no quantiles.
    pub fn quantile_range(&self, l: &Layout, m: usize, k: usize, qi: usize) -> (f64, f64) {
        let Some(j) = self.hist_metrics.iter().position(|&x| x == k) else {
            return (f64::NAN, f64::NAN);
        };
        let i = (m * self.hist_metrics.len() + j) * QUANTILES.len() + qi;
        if self.q_missing[i] > 0 || self.q.min[i] > self.q.max[i] {
            return (f64::NAN, f64::NAN);
        }
        let h = &self.q_hist[i * HIST_BINS..][..HIST_BINS];
        let at = |q: f64| {
            let pos = rank_position(h, q * self.draws as f64);
            l.bin_value(m, k, pos)
                .unwrap_or(f64::NAN)
                .clamp(self.q.min[i], self.q.max[i])
        };
        (at(RANGE.0), at(RANGE.1))
    }

    /// Correlation of event `e`'s estimate at the horizon with prior `j`'s CDF value over the outer draws.
    pub fn importance(&self, j: usize, e: usize) -> f64 {
        let [su, suu, sp, spp, sup] = self.imp[j * self.events + e];
        let n = self.draws as f64;
        let cov = sup - su * sp / n;
        let (vu, vp) = (suu - su * su / n, spp - sp * sp / n);
        if vu > 0.0 && vp > 1e-15 * n {
            (cov / (vu * vp).sqrt()).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }
}

/// A nested ensemble's result: the pooled ensemble and the outer statistics.
pub struct Outcome {
    pub nested: Nested,
    pub ensemble: Ensemble,
    pub stats: OuterStats,
}

/// Runs the nested ensemble of `s` (its `runs` is ignored): `nested.outer` draws of `nested.inner` runs each, on
/// `threads` threads (0 = all cores). Draws run in parallel in waves and are merged in draw order, so the result
/// is the same for any thread count.
pub fn run(
    s: &Scenario,
    nested: Nested,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Outcome {
    let pkey = runner::prior_key(&s.name, s.seed);
    let key = runner::stream_key(&s.name, s.seed);
    let cfg_of = |k: u64| configure(s, &nested.changes(&pkey, k).1);
    // One scale for every draw's runs: the histograms' ranges cover each draw's drivers.
    let layout = runner::layout_covering((0..nested.outer).map(cfg_of))
        .unwrap_or_else(|| runner::layout(&s.config));
    let pool = runner::pool(threads);
    let mut pooled = Accumulator::new(&layout);
    let mut stats = OuterStats::new(&layout, nested.priors.len(), nested.inner);
    let wave = (pool.current_num_threads() * DRAWS_PER_THREAD_PER_WAVE) as u64;
    let mut next = 0;
    while next < nested.outer {
        let end = (next + wave).min(nested.outer);
        let done: Vec<(Vec<f64>, Accumulator)> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|k| {
                    let (u, changes) = nested.changes(&pkey, k);
                    let acc =
                        runner::run_inner(&configure(s, &changes), &layout, &key, nested.inner);
                    progress(nested.inner);
                    (u, acc)
                })
                .collect()
        });
        for (u, acc) in &done {
            pooled.merge(acc);
            stats.add(&layout, acc, u);
        }
        next = end;
    }
    Outcome {
        nested,
        ensemble: Ensemble {
            layout,
            acc: pooled,
            trajectories: Vec::new(),
            threads: pool.current_num_threads(),
        },
        stats,
    }
}

/// Per actor, per month: the assumption range of the median alignment, for the fan charts.
pub fn assumption_bands(o: &Outcome) -> Vec<[Vec<f64>; 2]> {
    let l = &o.ensemble.layout;
    let median = QUANTILES
        .iter()
        .position(|&(q, _)| q == 0.5)
        .expect("the median is reported");
    l.band_metrics
        .iter()
        .map(|&k| {
            let r: Vec<(f64, f64)> = (0..l.months)
                .map(|m| o.stats.quantile_range(l, m, k, median))
                .collect();
            [
                r.iter().map(|x| x.0).collect(),
                r.iter().map(|x| x.1).collect(),
            ]
        })
        .collect()
}

/// One row of uncertainty.csv.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(skip)]
    pub month: usize,
    pub event_or_metric: String,
    pub actor: String,
    /// `probability` for an event, `q05` .. `q95` for a metric's quantile.
    pub statistic: &'static str,
    #[serde(skip)]
    pub description: String,
    pub estimate: Interval,
    pub assumption_p05: f64,
    pub assumption_p95: f64,
    pub share_assumptions: f64,
}

impl Row {
    /// Whether the assumption range is a single value.
    pub fn degenerate(&self) -> bool {
        self.assumption_p05 == self.assumption_p95
    }
}

/// Every event by every month, then every quantile of every metric with quantiles in every month.
pub fn rows(o: &Outcome) -> Vec<Row> {
    let (l, acc, st) = (&o.ensemble.layout, &o.ensemble.acc, &o.stats);
    let mut out = Vec::new();
    for m in 0..l.months {
        for (e, def) in l.events.iter().enumerate() {
            let (lo, hi) = st.event_range(e, m);
            out.push(Row {
                month: m,
                event_or_metric: def.id.to_string(),
                actor: def.actor.clone(),
                statistic: "probability",
                description: def.description.clone(),
                estimate: acc.event_by(l, e, m).interval(),
                assumption_p05: lo,
                assumption_p95: hi,
                share_assumptions: st.event_share(e, m),
            });
        }
        for (k, def) in l.metrics.iter().enumerate().filter(|(k, _)| l.has_hist(*k)) {
            for (qi, &(q, name)) in QUANTILES.iter().enumerate() {
                let (lo, hi) = st.quantile_range(l, m, k, qi);
                out.push(Row {
                    month: m,
                    event_or_metric: def.metric.to_string(),
                    actor: def.actor.clone(),
                    statistic: name,
                    description: String::new(),
                    estimate: acc.quantile(l, m, k, q).unwrap_or(Interval {
                        value: f64::NAN,
                        ci_low: f64::NAN,
                        ci_high: f64::NAN,
                    }),
                    assumption_p05: lo,
                    assumption_p95: hi,
                    share_assumptions: st.metric_share(m, k),
                });
            }
        }
    }
    out
}

/// uncertainty.csv: tidy, one row per (month, event or metric, actor, statistic). Columns: month (YYYY-MM),
/// event_or_metric, actor (empty for a global event), statistic (`probability`, or `q05` .. `q95` of a metric),
/// estimate (of the pooled N x M runs), mc_low and mc_high (its 95% Monte Carlo interval: Wilson for
/// probabilities, order statistics for quantiles), assumption_p05 and assumption_p95 (5th and 95th percentiles
/// over the outer draws of each draw's own estimate), share_assumptions (0..1, the share of the variance due to
/// the priors). Numbers to 6 decimals; a missing number (a quantile outside its binned range) is empty.
pub fn uncertainty_csv(s: &Scenario, rows: &[Row]) -> Vec<u8> {
    let mut w = csv_writer();
    let _ = w.write_record([
        "month",
        "event_or_metric",
        "actor",
        "statistic",
        "estimate",
        "mc_low",
        "mc_high",
        "assumption_p05",
        "assumption_p95",
        "share_assumptions",
    ]);
    for r in rows {
        let _ = w.write_record([
            s.month_label(r.month),
            r.event_or_metric.clone(),
            r.actor.clone(),
            r.statistic.to_string(),
            num(r.estimate.value),
            num(r.estimate.ci_low),
            num(r.estimate.ci_high),
            num(r.assumption_p05),
            num(r.assumption_p95),
            num(r.share_assumptions),
        ]);
    }
    csv_bytes(w)
}

/// summary.json's `uncertainty` section (written only by `run --uncertainty`).
#[derive(Serialize)]
pub struct Section {
    pub outer_draws: u64,
    pub inner_runs: u64,
    pub runs: u64,
    pub priors_used: &'static str,
    pub method: &'static str,
    pub resolution: &'static str,
    pub priors: Vec<PriorSummary>,
    /// Every event at the horizon.
    pub events: Vec<EventRange>,
}

#[derive(Serialize)]
pub struct PriorSummary {
    pub key: String,
    pub distribution: String,
    pub prior_p05: f64,
    pub prior_p95: f64,
    /// `file:line:column` of a scenario's prior, or `default`.
    pub origin: String,
    /// Per event at the horizon, the rank correlation of its outer estimate with this parameter.
    pub rank_correlation: std::collections::BTreeMap<String, f64>,
}

#[derive(Serialize)]
pub struct EventRange {
    pub event: String,
    pub actor: String,
    pub description: String,
    pub probability: f64,
    pub mc_low: f64,
    pub mc_high: f64,
    pub assumption_p05: f64,
    pub assumption_p95: f64,
    pub share_assumptions: f64,
}

fn label(id: &str, actor: &str) -> String {
    if actor.is_empty() {
        id.to_string()
    } else {
        format!("{id}:{actor}")
    }
}

/// The events at the horizon (rows of the last month).
pub fn horizon_events<'r>(o: &Outcome, rows: &'r [Row]) -> Vec<&'r Row> {
    let h = o.ensemble.layout.months - 1;
    rows.iter()
        .filter(|r| r.month == h && r.statistic == "probability")
        .collect()
}

pub fn section(o: &Outcome, rows: &[Row]) -> Section {
    let l = &o.ensemble.layout;
    let priors = o
        .nested
        .priors
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let (lo, hi) = p.dist.range90();
            PriorSummary {
                key: p.key.clone(),
                distribution: p.dist.describe(),
                prior_p05: round6(lo),
                prior_p95: round6(hi),
                origin: match &p.origin {
                    PriorOrigin::Scenario(at) => at.clone(),
                    PriorOrigin::Default => "default".into(),
                },
                rank_correlation: l
                    .events
                    .iter()
                    .enumerate()
                    .map(|(e, d)| (label(d.id, &d.actor), round6(o.stats.importance(j, e))))
                    .collect(),
            }
        })
        .collect();
    let events = horizon_events(o, rows)
        .into_iter()
        .map(|r| {
            let i = r.estimate.rounded();
            EventRange {
                event: r.event_or_metric.clone(),
                actor: r.actor.clone(),
                description: r.description.clone(),
                probability: i.value,
                mc_low: i.ci_low,
                mc_high: i.ci_high,
                assumption_p05: round6(r.assumption_p05),
                assumption_p95: round6(r.assumption_p95),
                share_assumptions: round6(r.share_assumptions),
            }
        })
        .collect();
    Section {
        outer_draws: o.nested.outer,
        inner_runs: o.nested.inner,
        runs: o.ensemble.acc.runs,
        priors_used: match o.nested.set {
            PriorSet::WithDefaults => {
                "the scenario's priors and the default prior of every other assumption"
            }
            PriorSet::ScenarioOnly => "the scenario's priors only",
        },
        method: "nested ensemble: outer draws of the parameters from their priors, inner runs with common random \
                 numbers; Monte Carlo interval of the pooled estimate; assumption range = 5th-95th percentile of \
                 the outer draws' estimates; share by the law of total variance (outer variance less expected \
                 Monte Carlo noise, floored at 0)",
        resolution: "assumption percentiles: probabilities to 0.001, metric quantiles to one histogram bin (1/200 of \
                     the month's range), both clamped to the extreme outer estimates",
        priors,
        events,
    }
}

/// summary.json with the `uncertainty` section after the ordinary summary's fields.
pub fn summary_json(s: &Scenario, o: &Outcome, rows: &[Row]) -> Vec<u8> {
    #[derive(Serialize)]
    struct With<'a> {
        #[serde(flatten)]
        summary: crate::output::tables::Summary,
        uncertainty: &'a Section,
    }
    crate::output::json_bytes(&With {
        summary: crate::output::tables::summary(s, &o.ensemble),
        uncertainty: &section(o, rows),
    })
}

/// A probability for the uncertainty table: percent, but never 0.0% or 100% while the assumption range is not a
/// single value (the event is possible, however rare): "<0.1%" and ">99.9%" then.
pub fn percent_honest(p: f64, degenerate: bool) -> String {
    if !degenerate && p < 0.001 {
        "<0.1%".into()
    } else if !degenerate && p > 0.999 {
        ">99.9%".into()
    } else if p > 0.0 && p < 0.01 {
        format!("{:.2}%", 100.0 * p)
    } else {
        format!("{:.1}%", 100.0 * p)
    }
}

/// The priors ranked by how much they matter: the largest |rank correlation| over the events at the horizon,
/// with that event's label. Ties keep the priors' order.
pub fn ranked_priors(nested: &Nested, stats: &OuterStats, l: &Layout) -> Vec<(usize, f64, String)> {
    let mut out: Vec<(usize, f64, String)> = (0..nested.priors.len())
        .map(|j| {
            let (e, r) = (0..l.events.len())
                .map(|e| (e, stats.importance(j, e)))
                .fold(
                    (0, 0.0f64),
                    |best, x| {
                        if x.1.abs() > best.1.abs() { x } else { best }
                    },
                );
            let name = l
                .events
                .get(e)
                .map_or(String::new(), |d| label(d.id, &d.actor));
            (j, r, name)
        })
        .collect();
    out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    out
}

/// The report's section: the events at the horizon with both kinds of spread, and the priors that matter most.
pub fn report_section(s: &Scenario, o: &Outcome, rows: &[Row]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<h2>How sure? Luck and assumptions</h2>\n<p class=\"meta\">{} outer draws of {} parameters from their \
         priors, {} runs each with common random numbers ({} runs pooled). <b>Monte Carlo 95% CI</b>: the luck of \
         the pooled runs. <b>Assumption range</b>: 5th to 95th percentile over the outer draws of each draw's own \
         estimate. <b>Share due to assumptions</b>: the part of the variance the priors explain (law of total \
         variance).</p>\n<table><tr><th>event by {}</th><th>estimate</th><th>MC 95% CI</th><th>assumption range \
         (5-95%)</th><th>share due to assumptions</th></tr>\n",
        o.nested.outer,
        o.nested.priors.len(),
        o.nested.inner,
        o.ensemble.acc.runs,
        s.month_label(o.ensemble.layout.months - 1),
    );
    for r in horizon_events(o, rows) {
        let d = r.degenerate();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">[{}, {}]</td><td class=\"num\">[{}, {}]</td>\
             <td class=\"num\">{:.1}%</td></tr>",
            esc(&r.description),
            percent_honest(r.estimate.value, d),
            percent_honest(r.estimate.ci_low, true),
            percent_honest(r.estimate.ci_high, true),
            percent_honest(r.assumption_p05, d),
            percent_honest(r.assumption_p95, d),
            100.0 * r.share_assumptions
        );
    }
    h.push_str("</table>\n<p>Parameters that matter most (rank correlation of an event's outer estimate with the parameter's draw):</p>\n<table><tr><th>parameter</th><th>prior</th><th>rank correlation</th><th>event</th></tr>\n");
    for (j, r, event) in ranked_priors(&o.nested, &o.stats, &o.ensemble.layout)
        .into_iter()
        .take(5)
    {
        let p = &o.nested.priors[j];
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&p.key),
            esc(&p.dist.describe()),
            fmt_num(round6(r)),
            esc(&event)
        );
    }
    h.push_str("</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honest_percent_never_prints_certainty_for_a_spread_event() {
        assert_eq!(percent_honest(0.0, false), "<0.1%");
        assert_eq!(percent_honest(1.0, false), ">99.9%");
        assert_eq!(percent_honest(0.0, true), "0.0%");
        assert_eq!(percent_honest(1.0, true), "100.0%");
        assert_eq!(percent_honest(0.358, false), "35.8%");
        assert_eq!(percent_honest(0.004, false), "0.40%");
    }

    #[test]
    fn identical_estimates_have_no_assumption_variance() {
        let mut c = Cells::new(1);
        for k in 0..10 {
            c.add(0, 0.3 + 1e-17 * f64::from(k % 2), k == 0);
        }
        assert!(c.var(0, 10) < 1e-30);
        let mut c = Cells::new(1);
        for k in 0..5 {
            c.add(0, 0.1 * f64::from(k), k == 0);
        }
        // 0, .1, .2, .3, .4: sample variance 0.025.
        assert!((c.var(0, 5) - 0.025).abs() < 1e-15);
        assert!((c.mean(0, 5) - 0.2).abs() < 1e-15);
    }
}
