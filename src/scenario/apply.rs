//! Applying changes to a scenario: key paths and outcome names resolved against it, and its configuration with
//! values set by sweeps and claims experiments.

use super::suggest::closest;
use super::{Month, Scenario, west_schedule};
use crate::model::ModelConfig;
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS, param_index};

/// Parameters that change the shape of a run (its length, its bands) cannot be swept or changed by an experiment:
/// the outcomes of two points would not mean the same thing.
pub const NOT_SWEEPABLE: &[&str] = &["horizon_months", "bands.west_max", "bands.russia_min"];

/// Where a swept or changed value goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Param(usize),
    /// (actor index in the config, attribute index)
    Attr(usize, usize),
}

/// An outcome a sweep point or an experiment reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Probability that the event has happened by the horizon (index into the run's event list).
    Event {
        id: String,
        actor: String,
        index: usize,
    },
    /// Mean alignment of an actor at the horizon.
    Alignment { actor: String, index: usize },
}

impl Outcome {
    /// Column name, e.g. `leaves_orbit:Belarus`, `ceasefire`, `alignment:Kazakhstan`.
    pub fn label(&self) -> String {
        match self {
            Outcome::Event { id, actor, .. } if actor.is_empty() => id.clone(),
            Outcome::Event { id, actor, .. } => format!("{id}:{actor}"),
            Outcome::Alignment { actor, .. } => format!("alignment:{actor}"),
        }
    }
}

/// Why a key path or an outcome name does not resolve against a scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "unknown key path: use a parameter key (see `realign explain`) or actors.NAME.ATTRIBUTE of the base scenario{}",
        .suggestion.as_ref().map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default()
    )]
    UnknownKey { suggestion: Option<String> },
    #[error("no actor {actor:?} in the base scenario")]
    UnknownActor { actor: String },
    #[error("unknown outcome {name:?}; outcomes: {}", .known.join(", "))]
    UnknownOutcome { name: String, known: Vec<String> },
}

/// The scenario's configuration with `changes` applied (and what derives from them re-derived).
pub fn configure(scenario: &Scenario, changes: &[(Target, f64)]) -> ModelConfig {
    let mut cfg = scenario.config.clone();
    for (t, v) in changes {
        match *t {
            Target::Param(i) => *cfg.params.slot_mut(i) = *v,
            Target::Attr(a, i) => cfg.actors[a].attrs[i] = *v,
        }
    }
    // Western engagement is stored per month: re-derive it from the level and the scenario's schedule.
    cfg.west_engagement = west_schedule(
        cfg.params.west_engagement,
        &scenario.west_changes,
        scenario.start,
        cfg.horizon_months(),
    );
    cfg
}

/// A resolved key path: where its value goes and the range it may take.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub target: Target,
    pub min: f64,
    pub max: f64,
}

/// Every key path `resolve_key` accepts for `s`: the parameters, then each actor's numeric attributes.
fn key_paths(s: &Scenario) -> Vec<String> {
    let params = PARAM_SPECS.iter().map(|p| p.key.to_string());
    let attrs = s.config.actors.iter().flat_map(|a| {
        ACTOR_ATTRS
            .iter()
            .filter(|x| !x.boolean && x.applies_to(a.role))
            .map(move |x| format!("actors.{}.{}", a.name, x.key))
    });
    params.chain(attrs).collect()
}

/// A key path as a parameter or a numeric actor attribute of `s`, with its allowed range. An unknown path is
/// answered with the nearest known one, as a misspelt key in a scenario is.
pub fn resolve_key(key: &str, s: &Scenario) -> Result<Key, KeyError> {
    if let Some(i) = param_index(key) {
        let spec = &PARAM_SPECS[i];
        return Ok(Key {
            target: Target::Param(i),
            min: spec.min,
            max: spec.max,
        });
    }
    if let Some((actor, attr)) = key.strip_prefix("actors.").and_then(|r| r.rsplit_once('.')) {
        let a = s.config.actors.iter().position(|a| a.name == actor);
        let i = ACTOR_ATTRS.iter().position(|x| x.key == attr && !x.boolean);
        if let (Some(a), Some(i)) = (a, i)
            && ACTOR_ATTRS[i].applies_to(s.config.actors[a].role)
        {
            let spec = &ACTOR_ATTRS[i];
            return Ok(Key {
                target: Target::Attr(a, i),
                min: spec.min,
                max: spec.max,
            });
        }
    }
    let known = key_paths(s);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    Err(KeyError::UnknownKey {
        suggestion: closest(key, &known).map(str::to_string),
    })
}

/// An outcome name (`union_fracture`, `leaves_orbit:Belarus`, `alignment:Kazakhstan`) of scenario `s`.
pub fn resolve_outcome(name: &str, s: &Scenario) -> Result<Outcome, KeyError> {
    let events = crate::model::observe::event_defs(&s.config);
    let label = |d: &crate::model::observe::EventDef| {
        if d.actor.is_empty() {
            d.id.to_string()
        } else {
            format!("{}:{}", d.id, d.actor)
        }
    };
    if let Some(index) = events.iter().position(|d| label(d) == name) {
        return Ok(Outcome::Event {
            id: events[index].id.to_string(),
            actor: events[index].actor.clone(),
            index,
        });
    }
    if let Some(actor) = name.strip_prefix("alignment:") {
        return match s.config.actors.iter().position(|a| a.name == actor) {
            Some(index) => Ok(Outcome::Alignment {
                actor: actor.to_string(),
                index,
            }),
            None => Err(KeyError::UnknownActor {
                actor: actor.to_string(),
            }),
        };
    }
    let known: Vec<String> = events
        .iter()
        .map(label)
        .chain(
            s.config
                .actors
                .iter()
                .map(|a| format!("alignment:{}", a.name)),
        )
        .collect();
    Err(KeyError::UnknownOutcome {
        name: name.to_string(),
        known,
    })
}

/// A varied parameter that a schedule or replay overrides in some months of the horizon: varying it there changes
/// nothing, while a sweep or claim would still report the result as its effect.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "overridden by {schedule} ({at}) in {months} of the {horizon} simulated months ({first} .. {last}): varying it \
     changes nothing there, yet the result would read as its effect; vary it on a scenario without {schedule}{hint}"
)]
pub struct Shadowed {
    pub schedule: &'static str,
    /// Where the schedule was written, `file:line:column`.
    pub at: String,
    /// Months it overrides, of `horizon`, the first and last of them.
    pub months: usize,
    pub horizon: usize,
    pub first: Month,
    pub last: Month,
    /// How to go on, where the caller has a way (e.g. an exclusion list).
    pub hint: String,
}

/// The schedule or replay that overrides `key` in some month of `s`'s horizon, if any. Western engagement's level
/// applies only before the first `[[drivers.west.changes]]`; the oil process's parameters only in months the oil
/// replay leaves free, the rouble's only in months the rouble replay leaves free; the oil start price also anchors
/// the rouble, so only months with both replayed ignore it.
pub fn shadowed(key: &str, s: &Scenario) -> Option<Shadowed> {
    let cfg = &s.config;
    let horizon = cfg.horizon_months();
    let oil = |m: usize| cfg.oil_replay_usd_per_bbl[m].is_some();
    let rub = |m: usize| cfg.rub_replay_per_usd[m].is_some();
    let west_from = s
        .west_changes
        .iter()
        .map(|(m, _)| s.start.months_until(*m).max(0) as usize)
        .min();
    let (schedule, overridden): (&'static str, Box<dyn Fn(usize) -> bool>) = match key {
        "drivers.west.engagement" => (
            "drivers.west.changes",
            Box::new(move |m| west_from.is_some_and(|f| m >= f)),
        ),
        // The start values are not here: they also set the vantage state every target is measured from, so they
        // act in every month, replayed or not.
        "drivers.oil.long_run_usd_per_bbl"
        | "drivers.oil.half_life_months"
        | "drivers.oil.volatility_annual"
        | "drivers.oil.volatility_start_annual"
        | "drivers.oil.volatility_decay_half_life_months" => ("drivers.oil.replay", Box::new(oil)),
        "drivers.rouble.oil_elasticity"
        | "drivers.rouble.volatility_annual"
        | "drivers.rouble.stabilisation_per_month" => ("drivers.rouble.replay", Box::new(rub)),
        _ => return None,
    };
    // Month 0 is the starting state, set from the parameters; the schedule acts on the simulated months.
    let months: Vec<usize> = (1..=horizon).filter(|&m| overridden(m)).collect();
    let (first, last) = (*months.first()?, *months.last()?);
    let at = s
        .schedules
        .iter()
        .find(|x| x.key == schedule)
        .map_or_else(String::new, |x| x.at.clone());
    Some(Shadowed {
        schedule,
        at,
        months: months.len(),
        horizon,
        first: s.start.plus(first),
        last: s.start.plus(last),
        hint: String::new(),
    })
}
