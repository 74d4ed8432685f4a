//! ODD 7.11 Observation: what is recorded of each month's state, and which events have happened.
//!
//! The model only fills buffers the runner owns; accumulating statistics is the runner's business.

use super::{Event, GLOBAL_EVENTS, ModelConfig, Role, World, drivers, patron_capacity};

/// How a metric is summarised across runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// Quantiles from a histogram on [lo, hi] (linear bins): metrics the model keeps within fixed bounds.
    Linear { lo: f64, hi: f64 },
    /// Quantiles from a histogram whose range follows the scenario month by month ([`ranges`]): positive
    /// quantities with no fixed bound, whose spread grows with time.
    PerMonth(Follows),
    /// Mean and standard deviation only (partners' internal state), of a metric the model keeps in [lo, hi].
    MomentsOnly { lo: f64, hi: f64 },
}

impl Scale {
    /// The bounds the model keeps the metric within, if it has any: what a mean's interval may fall back on
    /// when the runs are too skewed for Student's t.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match *self {
            Scale::Linear { lo, hi } | Scale::MomentsOnly { lo, hi } => Some((lo, hi)),
            Scale::PerMonth(_) => None,
        }
    }
}

/// Which driver a [`Scale::PerMonth`] metric follows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Follows {
    Oil,
    Rouble,
    /// The capacity index, from oil and the rouble.
    Capacity,
}

/// The range of a [`Scale::PerMonth`] metric in each month, from the drivers' bounds ([`drivers::envelope`]): the
/// fiscal index rises with oil and with the rouble rate (oil revenue is earned in dollars and spent in roubles,
/// and prices follow the rouble only in part), so its bounds come from the drivers' matching corners.
pub fn ranges(
    cfg: &ModelConfig,
    follows: Follows,
    bounds: &[drivers::DriverBounds],
) -> Vec<(f64, f64)> {
    bounds
        .iter()
        .map(|b| match follows {
            Follows::Oil => b.oil_usd_per_bbl,
            Follows::Rouble => b.rub_per_usd,
            Follows::Capacity => (
                patron_capacity::capacity_index(&cfg.params, b.oil_usd_per_bbl.0, b.rub_per_usd.0),
                patron_capacity::capacity_index(&cfg.params, b.oil_usd_per_bbl.1, b.rub_per_usd.1),
            ),
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricDef {
    pub metric: &'static str,
    /// Actor the metric belongs to; empty for world-level drivers.
    pub actor: String,
    pub unit: &'static str,
    pub scale: Scale,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDef {
    pub id: &'static str,
    /// Partner the event is about; empty for global events.
    pub actor: String,
    pub description: String,
}

/// Metrics in the order [`observe`] writes them.
pub fn metric_defs(cfg: &ModelConfig) -> Vec<MetricDef> {
    let unit_scale = Scale::Linear { lo: 0.0, hi: 1.0 };
    let patron = cfg
        .actors
        .iter()
        .find(|a| a.role == Role::Patron)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let contested = cfg
        .actors
        .iter()
        .find(|a| a.role == Role::Contested)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let mut out: Vec<MetricDef> = cfg
        .actors
        .iter()
        .map(|a| MetricDef {
            metric: "alignment",
            actor: a.name.clone(),
            unit: "alignment (-1 West .. +1 patron)",
            scale: Scale::Linear { lo: -1.0, hi: 1.0 },
        })
        .collect();
    let m = |metric, actor: &str, unit, scale| MetricDef {
        metric,
        actor: actor.to_string(),
        unit,
        scale,
    };
    out.push(m(
        "oil_usd_per_bbl",
        "",
        "USD/bbl",
        Scale::PerMonth(Follows::Oil),
    ));
    out.push(m(
        "rub_per_usd",
        "",
        "RUB/USD",
        Scale::PerMonth(Follows::Rouble),
    ));
    out.push(m(
        "west_engagement",
        "",
        "index 0..1",
        Scale::MomentsOnly { lo: 0.0, hi: 1.0 },
    ));
    out.push(m("union_cohesion", "", "index 0..1", unit_scale));
    out.push(m(
        "integration_budget_bn_usd_per_year",
        &patron,
        "bn USD/year",
        Scale::Linear {
            lo: 0.0,
            hi: cfg.params.full_cost_bn_usd_per_year.max(1e-9),
        },
    ));
    out.push(m(
        "capacity_index",
        &patron,
        "real fiscal index (1 = mid-2014)",
        Scale::PerMonth(Follows::Capacity),
    ));
    out.push(m(
        "stance",
        &patron,
        "index (1 hardline .. 0 revised)",
        unit_scale,
    ));
    out.push(m(
        "conflict_intensity",
        &contested,
        "index 0..1",
        unit_scale,
    ));
    for i in cfg.partner_indices() {
        let name = &cfg.actors[i].name;
        for metric in [
            "threat",
            "irritation",
            "west_standing",
            "loyalty_price",
            "trade_barrier",
            "economic_stress",
            "defiance",
        ] {
            out.push(m(
                metric,
                name,
                "index 0..1",
                Scale::MomentsOnly { lo: 0.0, hi: 1.0 },
            ));
        }
    }
    out
}

/// Writes this month's metrics into `out` (length = `metric_defs(cfg).len()`), in that order.
pub fn observe(cfg: &ModelConfig, w: &World, out: &mut [f64]) {
    let mut k = 0;
    let mut put = |v: f64| {
        out[k] = v;
        k += 1;
    };
    let mut partner = 0;
    for a in &cfg.actors {
        put(match a.role {
            Role::Patron => w.patron_alignment,
            Role::Contested => w.contested_alignment,
            Role::Partner => {
                partner += 1;
                w.partners[partner - 1].alignment
            }
        });
    }
    put(w.oil_usd_per_bbl);
    put(w.rub_per_usd);
    put(w.west_engagement);
    put(w.cohesion);
    put(patron_capacity::budget_bn_usd_per_year(
        &cfg.params,
        w.budget_share,
    ));
    put(w.capacity_index);
    put(w.stance);
    put(w.conflict_intensity);
    for x in &w.partners {
        put(x.threat);
        put(x.irritation);
        put(x.west_standing);
        put(x.loyalty_price);
        put(x.trade_barrier);
        put(x.stress);
        put(x.defiance);
    }
}

/// Events in the order [`events`] writes them: per partner the six partner events, then the global ones.
pub fn event_defs(cfg: &ModelConfig) -> Vec<EventDef> {
    let patron = cfg
        .actors
        .iter()
        .find(|a| a.role == Role::Patron)
        .map_or("the patron", |a| a.name.as_str());
    let mut out = Vec::new();
    for i in cfg.partner_indices() {
        let name = &cfg.actors[i].name;
        for e in Event::PER_PARTNER {
            let description = match e {
                Event::LeavesOrbit => {
                    format!("{name} leaves {patron}'s orbit (enters the West-leaning band)")
                }
                Event::HostsMediation => format!("{name} hosts a mediation round"),
                Event::Sanctioned => format!("the patron sanctions {name}"),
                Event::LeavesUnion => format!("{name} leaves the Eurasian Economic Union"),
                Event::RegimeCrisis => {
                    format!("a leadership, regime or sovereignty crisis in {name}")
                }
                Event::StabilisationLoan => {
                    format!("the patron grants {name} a stabilisation loan or discount")
                }
            };
            out.push(EventDef {
                id: e.id(),
                actor: name.clone(),
                description,
            });
        }
    }
    for (id, description) in GLOBAL_EVENTS {
        out.push(EventDef {
            id,
            actor: String::new(),
            description: description.to_string(),
        });
    }
    out
}

/// Event bits per partner.
const PER_PARTNER: usize = Event::PER_PARTNER.len();

/// Bit mask of the events that hold or happened this month, bit i for `event_defs(cfg)[i]`.
pub fn events(cfg: &ModelConfig, w: &World) -> u64 {
    let p = &cfg.params;
    let mut mask = 0u64;
    let mut any_west = false;
    let mut any_ceasefire = false;
    for (i, x) in w.partners.iter().enumerate() {
        let west = World::west_leaning(p, x.alignment);
        any_west |= west;
        any_ceasefire |= x.ceasefire;
        let bits = u64::from(west)
            | u64::from(x.hosted) << 1
            | u64::from(x.sanctioned) << 2
            | u64::from(x.left_union) << 3
            | u64::from(x.crisis) << 4
            | u64::from(x.loan) << 5;
        mask |= bits << (PER_PARTNER * i);
    }
    let k = PER_PARTNER * w.partners.len();
    let global = u64::from(any_west)
        | u64::from(any_ceasefire) << 1
        | u64::from(w.revised) << 2
        | u64::from(w.union_fractured) << 3;
    mask | global << k
}
