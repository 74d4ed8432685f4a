//! Comparing scenarios (`realign compare`): the checks made before anything runs, what the scenarios share (months,
//! events, actors), the rows of the differences table with Newcombe's interval, and comparison.csv/json. The
//! figures are drawn by [`crate::charts::compare`].

use serde::Serialize;

use crate::model::Role;
use crate::output::{csv_bytes, csv_writer, num};
use crate::scenario::{Month, Scenario};
use crate::series::ChartData;
use crate::stats::Interval;

/// A comparison that cannot be made; checked before anything runs.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("compare needs at least two scenarios")]
    TooFew,
    #[error("two scenarios are named {0:?}: compare needs distinct names")]
    SameName(String),
    #[error("the scenarios share no month ({first} is after {last}): nothing to compare")]
    NoSharedMonth { first: Month, last: Month },
}

/// Refuses comparisons whose rows could not be labelled or that share no month.
pub fn check(scenarios: &[Scenario]) -> Result<(), CompareError> {
    if scenarios.len() < 2 {
        return Err(CompareError::TooFew);
    }
    for (i, a) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|b| b.name == a.name) {
            return Err(CompareError::SameName(a.name.clone()));
        }
    }
    let (first, last) = common_months(
        scenarios
            .iter()
            .map(|s| (s.first_month(), s.first_month().plus(s.horizon_months()))),
    );
    if first > last {
        return Err(CompareError::NoSharedMonth { first, last });
    }
    Ok(())
}

/// The latest first month and the earliest last month of several (first, last) spans: the months all share when
/// first <= last.
fn common_months(spans: impl Iterator<Item = (Month, Month)>) -> (Month, Month) {
    spans
        .reduce(|(a, b), (c, d)| (a.max(c), b.min(d)))
        .expect("at least one scenario")
}

/// The default folder name of a comparison: `compare-A--B...`, shortened when long. Names are [A-Za-z0-9_-]
/// only, so the name cannot leave the output root.
pub fn folder_name(names: &[String]) -> String {
    let joined = format!("compare-{}", names.join("--"));
    if joined.len() <= 120 {
        joined
    } else {
        format!("compare-{}-scenarios", names.len())
    }
}

/// What several runs share.
#[derive(Debug, Clone)]
pub struct Shared {
    /// First and last calendar month all scenarios cover.
    pub first: Month,
    pub last: Month,
    /// (event id, actor) present in every scenario, in the first scenario's order.
    pub events: Vec<(String, String)>,
    /// Actors (not the patron) present in every scenario.
    pub actors: Vec<String>,
    /// Human-readable notes on what was left out.
    pub left_out: Vec<String>,
}

/// What every one of `runs` covers: the months, events and actors they share, and notes on the rest.
pub fn shared(runs: &[ChartData]) -> Shared {
    let (first, last) = common_months(runs.iter().map(|d| (d.start, d.start.plus(d.months - 1))));
    let mut left_out = Vec::new();
    for d in runs {
        let (a, b) = (d.start, d.start.plus(d.months - 1));
        if a != first || b != last {
            left_out.push(format!(
                "{}: months {a} .. {b}; compared over the shared {first} .. {last} only",
                d.scenario
            ));
        }
    }
    let in_all = |id: &str, actor: &str| {
        runs.iter()
            .all(|d| d.events.iter().any(|e| e.id == id && e.actor == actor))
    };
    let mut events = Vec::new();
    for d in runs {
        for e in &d.events {
            let key = (e.id.clone(), e.actor.clone());
            if in_all(&e.id, &e.actor) {
                if !events.contains(&key) {
                    events.push(key);
                }
            } else {
                let note = format!(
                    "event {} {} (only in some scenarios, e.g. {})",
                    e.id, e.actor, d.scenario
                );
                if !left_out.contains(&note)
                    && !left_out
                        .iter()
                        .any(|n| n.starts_with(&format!("event {} {} ", e.id, e.actor)))
                {
                    left_out.push(note);
                }
            }
        }
    }
    let mut actors = Vec::new();
    for d in runs {
        for a in d.actors.iter().filter(|a| a.role != Role::Patron) {
            let everywhere = runs
                .iter()
                .all(|o| o.actors.iter().any(|b| b.name == a.name));
            if everywhere {
                if !actors.contains(&a.name) {
                    actors.push(a.name.clone());
                }
            } else {
                let note = format!(
                    "actor {} (only in some scenarios, e.g. {})",
                    a.name, d.scenario
                );
                if !left_out
                    .iter()
                    .any(|n| n.starts_with(&format!("actor {} ", a.name)))
                {
                    left_out.push(note);
                }
            }
        }
    }
    Shared {
        first,
        last,
        events,
        actors,
        left_out,
    }
}

/// Month index of calendar month `m` in run `d`.
pub fn index_of(d: &ChartData, m: Month) -> usize {
    d.start.months_until(m) as usize
}

/// One row of the differences table: an event in one scenario at the last shared month.
#[derive(Clone, Debug)]
pub struct CompareRow {
    pub event: String,
    pub actor: String,
    pub description: String,
    pub scenario: String,
    pub probability: Interval,
    /// Difference from the first scenario, with Newcombe's interval (none for the first).
    pub difference: Option<Interval>,
}

impl Serialize for CompareRow {
    /// Flat, rounded to 6 decimals; the difference's three numbers are null for the first scenario.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let p = self.probability.rounded();
        let d = self.difference.map(Interval::rounded);
        let mut r = s.serialize_struct("CompareRow", 10)?;
        r.serialize_field("event", &self.event)?;
        r.serialize_field("actor", &self.actor)?;
        r.serialize_field("description", &self.description)?;
        r.serialize_field("scenario", &self.scenario)?;
        r.serialize_field("probability", &p.value)?;
        r.serialize_field("ci_low", &p.ci_low)?;
        r.serialize_field("ci_high", &p.ci_high)?;
        r.serialize_field("difference", &d.map(|d| d.value))?;
        r.serialize_field("difference_ci_low", &d.map(|d| d.ci_low))?;
        r.serialize_field("difference_ci_high", &d.map(|d| d.ci_high))?;
        r.end()
    }
}

/// Every shared event in every scenario at the last shared month, the first scenario's rows first in each event,
/// each with its difference from the first scenario.
pub fn rows(data: &[ChartData], shared: &Shared) -> Vec<CompareRow> {
    let mut rows = Vec::new();
    for (id, actor) in &shared.events {
        let at = |d: &ChartData| {
            let e = d
                .events
                .iter()
                .find(|e| &e.id == id && &e.actor == actor)
                .expect("shared event");
            let m = index_of(d, shared.last);
            let p = Interval {
                value: e.p[m],
                ci_low: e.lo[m],
                ci_high: e.hi[m],
            };
            (p, e.description.clone())
        };
        let (first, _) = at(&data[0]);
        for d in data {
            let (p, description) = at(d);
            rows.push(CompareRow {
                event: id.clone(),
                actor: actor.clone(),
                description,
                scenario: d.scenario.clone(),
                probability: p,
                difference: (d.scenario != data[0].scenario).then(|| p.newcombe_difference(&first)),
            });
        }
    }
    rows
}

/// comparison.csv: numbers as in every other table (`0`, not `0.0`; empty where there is no difference).
pub fn comparison_csv(rows: &[CompareRow]) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "event",
        "actor",
        "description",
        "scenario",
        "probability",
        "ci_low",
        "ci_high",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
    ])
    .expect("in-memory csv");
    // Rounded first, as the JSON holds them, so both files print the same numbers.
    for r in rows {
        let p = r.probability.rounded();
        let d = r.difference.map(Interval::rounded);
        let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
        w.write_record([
            r.event.clone(),
            r.actor.clone(),
            r.description.clone(),
            r.scenario.clone(),
            num(p.value),
            num(p.ci_low),
            num(p.ci_high),
            opt(d.map(|d| d.value)),
            opt(d.map(|d| d.ci_low)),
            opt(d.map(|d| d.ci_high)),
        ])
        .expect("in-memory csv");
    }
    csv_bytes(w)
}

/// comparison.json.
#[derive(Serialize)]
pub struct ComparisonFile<'a> {
    pub compared_at: String,
    pub difference_method: &'static str,
    pub left_out: &'a [String],
    pub rows: &'a [CompareRow],
    pub scenarios: &'a [String],
    pub shared_actors: &'a [String],
    pub shared_months: [String; 2],
}

pub fn comparison_json(names: &[String], shared: &Shared, rows: &[CompareRow]) -> Vec<u8> {
    crate::output::sorted_json_bytes(&ComparisonFile {
        compared_at: shared.last.to_string(),
        difference_method: "difference from the first scenario, 95% Newcombe (1998) hybrid score interval",
        left_out: &shared.left_out,
        rows,
        scenarios: names,
        shared_actors: &shared.actors,
        shared_months: [shared.first.to_string(), shared.last.to_string()],
    })
}
