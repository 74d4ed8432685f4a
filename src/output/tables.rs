//! The ensemble's tables: summary.json, timeseries.csv, quantiles.csv, events.csv and trajectories.csv, rendered to
//! bytes.

use serde::Serialize;

use super::{csv_bytes, csv_writer, num};
use crate::runner::Ensemble;
use crate::scenario::Scenario;
use crate::stats::{Interval, Tally};

/// Quantiles reported for fan charts: the 90% and 50% bands and the median.
pub const QUANTILES: [(f64, &str); 5] = [
    (0.05, "q05"),
    (0.25, "q25"),
    (0.5, "q50"),
    (0.75, "q75"),
    (0.95, "q95"),
];
pub const BANDS: [&str; 3] = ["west_leaning", "multi_vector", "russia_aligned"];

#[derive(Serialize)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub runs: u64,
    pub seed: u64,
    pub start_month: String,
    pub horizon_month: String,
    /// A forecast re-issued at a rolling origin: `start_month` is the origin; this says how it was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::scenario::origin::OriginInfo>,
    pub interval_method: &'static str,
    pub actors: Vec<ActorSummary>,
    pub events: Vec<EventSummary>,
    /// Events whose probability carries no meaning in this scenario, and why (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meaningless: Vec<String>,
    pub drivers: Vec<MetricSummary>,
}

#[derive(Serialize)]
pub struct ActorSummary {
    pub name: String,
    pub role: String,
    pub alignment: MetricSummary,
    pub bands: Vec<BandSummary>,
}

#[derive(Serialize)]
pub struct BandSummary {
    pub band: &'static str,
    #[serde(flatten)]
    pub p: P,
}

#[derive(Serialize)]
pub struct MetricSummary {
    pub metric: String,
    pub actor: String,
    pub unit: String,
    pub mean: Interval,
    pub quantiles: std::collections::BTreeMap<String, Interval>,
}

#[derive(Serialize)]
pub struct EventSummary {
    pub event: String,
    pub actor: String,
    pub description: String,
    #[serde(flatten)]
    pub p: P,
    /// Median month of first occurrence among the runs where it happened.
    pub median_first_month: Option<String>,
}

/// A proportion as the files hold it: rounded, with its count.
#[derive(Serialize, Clone, Copy)]
pub struct P {
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub count: u64,
}

impl From<Tally> for P {
    fn from(t: Tally) -> P {
        let i = t.interval().rounded();
        P {
            probability: i.value,
            ci_low: i.ci_low,
            ci_high: i.ci_high,
            count: t.count,
        }
    }
}

fn metric_summary(ens: &Ensemble, m: usize, k: usize) -> MetricSummary {
    let l = &ens.layout;
    let def = &l.metrics[k];
    MetricSummary {
        metric: def.metric.to_string(),
        actor: def.actor.clone(),
        unit: def.unit.to_string(),
        mean: ens.acc.mean(l, m, k).rounded(),
        quantiles: QUANTILES
            .iter()
            .filter_map(|&(q, name)| {
                ens.acc
                    .quantile(l, m, k, q)
                    .map(|e| (name.to_string(), e.rounded()))
            })
            .collect(),
    }
}

pub fn summary(s: &Scenario, ens: &Ensemble) -> Summary {
    let l = &ens.layout;
    let h = l.months - 1;
    let actors = s
        .config
        .actors
        .iter()
        .enumerate()
        .map(|(j, a)| ActorSummary {
            name: a.name.clone(),
            role: a.role.as_str().into(),
            alignment: metric_summary(ens, h, l.band_metrics[j]),
            bands: (0..3)
                .map(|b| BandSummary {
                    band: BANDS[b],
                    p: ens.acc.band(l, h, j, b).into(),
                })
                .collect(),
        })
        .collect();
    let events = l
        .events
        .iter()
        .enumerate()
        .map(|(e, def)| EventSummary {
            event: def.id.into(),
            actor: def.actor.clone(),
            description: def.description.clone(),
            p: ens.acc.event_by(l, e, h).into(),
            median_first_month: ens.acc.median_first_month(l, e).map(|m| s.month_label(m)),
        })
        .collect();
    let drivers = l
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.metric != "alignment" && !is_partner_internal(d.metric))
        .map(|(k, _)| metric_summary(ens, h, k))
        .collect();
    Summary {
        scenario: s.name.clone(),
        description: s.description.clone(),
        runs: ens.acc.runs,
        seed: s.seed,
        start_month: s.month_label(0),
        horizon_month: s.month_label(h),
        origin: s.origin.clone(),
        interval_method: "95%: Wilson score for probabilities; normal for means; order statistics for quantiles",
        actors,
        events,
        meaningless: meaningless_events(s),
        drivers,
    }
}

/// Events a scenario's shape leaves without meaning, each with the reason: the run still reports them (their
/// columns keep every file's layout), and says so beside them rather than printing a confident number.
pub fn meaningless_events(s: &Scenario) -> Vec<String> {
    let members = s
        .config
        .partner_indices()
        .filter(|&i| s.config.actors[i].attr("union_member") != 0.0)
        .count();
    if members == 0 {
        vec![
            "union_fracture and leaves_union: no partner is a member of the union at the start, so the union's \
             cohesion has nothing to hold and its fracture reads as certain; read neither"
                .to_string(),
        ]
    } else {
        Vec::new()
    }
}

fn is_partner_internal(metric: &str) -> bool {
    matches!(
        metric,
        "threat" | "irritation" | "west_standing" | "loyalty_price" | "trade_barrier"
    )
}

pub fn summary_json(s: &Scenario, ens: &Ensemble) -> Vec<u8> {
    super::json_bytes(&summary(s, ens))
}

/// Tidy long format: one row per (month, actor, metric, statistic).
pub fn timeseries_csv(s: &Scenario, ens: &Ensemble) -> Vec<u8> {
    let l = &ens.layout;
    let mut w = csv_writer();
    w.write_record([
        "scenario",
        "month",
        "actor",
        "metric",
        "statistic",
        "value",
        "ci_low",
        "ci_high",
    ])
    .unwrap();
    for m in 0..l.months {
        let month = s.month_label(m);
        for (k, def) in l.metrics.iter().enumerate() {
            let mut row = |stat: &str, value: f64, lo: f64, hi: f64| {
                w.write_record([
                    &s.name,
                    &month,
                    &def.actor,
                    def.metric,
                    stat,
                    &num(value),
                    &num(lo),
                    &num(hi),
                ])
                .unwrap();
            };
            let moments = ens.acc.moments(l, m, k);
            let mean = ens.acc.mean(l, m, k);
            row("mean", mean.value, mean.ci_low, mean.ci_high);
            row("sd", moments.sd(), f64::NAN, f64::NAN);
            for &(q, name) in &QUANTILES {
                if let Some(e) = ens.acc.quantile(l, m, k, q) {
                    row(name, e.value, e.ci_low, e.ci_high);
                }
            }
            if let Some(j) = l.band_metrics.iter().position(|&b| b == k) {
                for (b, band) in BANDS.iter().enumerate() {
                    let p = ens.acc.band(l, m, j, b).interval();
                    w.write_record([
                        &s.name,
                        &month,
                        &def.actor,
                        &format!("band_{band}"),
                        "probability",
                        &num(p.value),
                        &num(p.ci_low),
                        &num(p.ci_high),
                    ])
                    .unwrap();
                }
            }
        }
    }
    csv_bytes(w)
}

/// Levels of quantiles.csv: 0.01, 0.05, 0.10, ..., 0.95, 0.99 (21 levels). Fine enough for `realign score` to
/// integrate a forecast's CRPS over its quantile function (see `score::crps_from_quantiles`).
pub const QUANTILE_LEVELS: [f64; 21] = [
    0.01, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75,
    0.80, 0.85, 0.90, 0.95, 0.99,
];

/// quantiles.csv, tidy: one row per (month, metric with a histogram, level) with columns scenario, month, actor,
/// metric, level, value. The value is the histogram's quantile estimate (as timeseries.csv's q05..q95, without their
/// intervals); empty when a run's value fell outside the month's binned range (see `stats` `quantile`).
pub fn quantiles_csv(s: &Scenario, ens: &Ensemble) -> Vec<u8> {
    let l = &ens.layout;
    let mut w = csv_writer();
    w.write_record(["scenario", "month", "actor", "metric", "level", "value"])
        .unwrap();
    for m in 0..l.months {
        let month = s.month_label(m);
        for (k, def) in l.metrics.iter().enumerate() {
            for &q in &QUANTILE_LEVELS {
                if let Some(e) = ens.acc.quantile(l, m, k, q) {
                    w.write_record([
                        &s.name,
                        &month,
                        &def.actor,
                        def.metric,
                        &num(q),
                        &num(e.value),
                    ])
                    .unwrap();
                }
            }
        }
    }
    csv_bytes(w)
}

/// Cumulative probability of each event by each month.
pub fn events_csv(s: &Scenario, ens: &Ensemble) -> Vec<u8> {
    let l = &ens.layout;
    let mut w = csv_writer();
    w.write_record([
        "scenario",
        "month",
        "event",
        "actor",
        "probability",
        "ci_low",
        "ci_high",
        "count",
        "runs",
    ])
    .unwrap();
    for (e, def) in l.events.iter().enumerate() {
        for m in 0..l.months {
            let t = ens.acc.event_by(l, e, m);
            let p = t.interval();
            w.write_record([
                &s.name,
                &s.month_label(m),
                def.id,
                &def.actor,
                &num(p.value),
                &num(p.ci_low),
                &num(p.ci_high),
                &t.count.to_string(),
                &t.runs.to_string(),
            ])
            .unwrap();
        }
    }
    csv_bytes(w)
}

/// Full paths of the first K runs, long format.
pub fn trajectories_csv(s: &Scenario, ens: &Ensemble) -> Vec<u8> {
    let l = &ens.layout;
    let nm = l.metrics.len();
    let mut w = csv_writer();
    w.write_record(["scenario", "run", "month", "actor", "metric", "value"])
        .unwrap();
    for t in &ens.trajectories {
        let run = t.run.to_string();
        for m in 0..l.months {
            let month = s.month_label(m);
            for (k, def) in l.metrics.iter().enumerate() {
                w.write_record([
                    &s.name,
                    &run,
                    &month,
                    &def.actor,
                    def.metric,
                    &num(t.values[m * nm + k]),
                ])
                .unwrap();
            }
        }
    }
    csv_bytes(w)
}
