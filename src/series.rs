//! An ensemble as per-month series (quantiles, bands, events with intervals, drivers, history): plain vectors, one
//! value per month, which the charts draw and comparisons compare.

use crate::model::Role;
use crate::runner::Ensemble;
use crate::scenario::{Month, Scenario};

/// Quantiles q05, q25, q50, q75, q95 of one metric per month.
#[derive(Clone, Debug)]
pub struct Series {
    pub metric: String,
    pub actor: String,
    pub unit: String,
    pub q: [Vec<f64>; 5],
}

/// Band probabilities (West-leaning, multi-vector, Russia-aligned) of one actor per month.
#[derive(Clone, Debug)]
pub struct Band {
    pub actor: String,
    pub p: [Vec<f64>; 3],
}

/// Cumulative probability of one event per month, with its interval.
#[derive(Clone, Debug)]
pub struct EventSeries {
    pub id: String,
    pub actor: String,
    pub description: String,
    pub p: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct ActorInfo {
    pub name: String,
    pub role: Role,
    pub index: usize,
}

#[derive(Clone, Debug)]
pub struct ChartData {
    pub scenario: String,
    pub runs: u64,
    pub start: Month,
    /// Number of months including month 0.
    pub months: usize,
    pub actors: Vec<ActorInfo>,
    pub alignment: Vec<Series>,
    pub bands: Vec<Band>,
    pub events: Vec<EventSeries>,
    /// Oil, rouble, integration budget.
    pub drivers: Vec<Series>,
    /// Historical values per month index where the data cover it: oil, rouble, (none for the budget).
    pub history: Vec<Vec<Option<f64>>>,
    pub west_max: f64,
    pub russia_min: f64,
    /// With `run --uncertainty`: per actor, the 5th and 95th percentile over the outer draws of each draw's median
    /// alignment, per month (the fan charts draw it as a second, lighter band).
    pub assumption: Option<Vec<[Vec<f64>; 2]>>,
}

impl ChartData {
    pub fn month_label(&self, m: usize) -> String {
        self.start.plus(m).to_string()
    }
}

const QS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

pub fn from_ensemble(s: &Scenario, ens: &Ensemble) -> ChartData {
    let l = &ens.layout;
    let series = |k: usize| {
        let def = &l.metrics[k];
        Series {
            metric: def.metric.to_string(),
            actor: def.actor.clone(),
            unit: def.unit.to_string(),
            q: QS.map(|q| {
                (0..l.months)
                    .map(|m| ens.acc.quantile(l, m, k, q).map_or(f64::NAN, |e| e.value))
                    .collect()
            }),
        }
    };
    let actors: Vec<ActorInfo> = s
        .config
        .actors
        .iter()
        .enumerate()
        .map(|(index, a)| ActorInfo {
            name: a.name.clone(),
            role: a.role,
            index,
        })
        .collect();
    let alignment = l.band_metrics.iter().map(|&k| series(k)).collect();
    let bands = (0..l.band_metrics.len())
        .map(|j| Band {
            actor: s.config.actors[j].name.clone(),
            p: [0, 1, 2].map(|b| {
                (0..l.months)
                    .map(|m| ens.acc.band(l, m, j, b).interval().value)
                    .collect()
            }),
        })
        .collect();
    let events = l
        .events
        .iter()
        .enumerate()
        .map(|(e, def)| {
            let ps: Vec<_> = (0..l.months)
                .map(|m| ens.acc.event_by(l, e, m).interval())
                .collect();
            EventSeries {
                id: def.id.to_string(),
                actor: def.actor.clone(),
                description: def.description.clone(),
                p: ps.iter().map(|p| p.value).collect(),
                lo: ps.iter().map(|p| p.ci_low).collect(),
                hi: ps.iter().map(|p| p.ci_high).collect(),
            }
        })
        .collect();
    let find = |name: &str| {
        l.metrics
            .iter()
            .position(|m| m.metric == name)
            .expect("driver metric")
    };
    let drivers = [
        "oil_usd_per_bbl",
        "rub_per_usd",
        "integration_budget_bn_usd_per_year",
    ]
    .map(|n| series(find(n)))
    .to_vec();
    let hist = |series: &[(Month, f64)]| -> Vec<Option<f64>> {
        (0..l.months)
            .map(|m| {
                let month = s.first_month().plus(m);
                series.iter().find(|(mm, _)| *mm == month).map(|(_, v)| *v)
            })
            .collect()
    };
    ChartData {
        scenario: s.name.clone(),
        runs: ens.acc.runs,
        start: s.first_month(),
        months: l.months,
        actors,
        alignment,
        bands,
        events,
        drivers,
        history: vec![
            hist(crate::evidence::history_oil()),
            hist(crate::evidence::history_rouble()),
            vec![None; l.months],
        ],
        west_max: s.config.params.band_west_max,
        russia_min: s.config.params.band_russia_min,
        assumption: None,
    }
}
