//! `realign condition`: nowcasting. News arrives after a forecast ("Belarus hosted a round by 2015-03", "Brent
//! below 50 USD in 2015-06"); the stored ensemble (paths.bin, [`crate::paths`]) is filtered, or reweighted, on it,
//! and every event's probability by each later month is reported again, beside the unconditioned one.
//!
//! Hard observations (an event by a month, a value within bounds) keep the runs that satisfy them all: the
//! conditioned probability is a count ratio with its Wilson interval on the surviving runs. A soft observation
//! (`value` with `sd`) weights each run by the Gaussian likelihood exp(-(x - value)^2 / (2 sd^2)) of its value x
//! (an importance weight: the ensemble is the prior, the observation's error is Gaussian); then
//! p = `sum(w 1[event]) / sum(w)`, and the Wilson interval is taken on Kish's effective sample size
//! n_eff = (sum w)^2 / sum(w^2), rounded down (Kish 1965, Survey Sampling, section 11.7).
//!
//! Thresholds are tested on the stored values (alignment to 0.0039, drivers to 0.0123%; see [`crate::paths`]),
//! so a run within that distance of a bound may fall on either side of it.
//!
//! # Files
//! `conditioned.csv`: one row per event and month after the latest observation: scenario, month, event, actor,
//! probability, ci_low, ci_high (conditioned), unconditioned, unconditioned_ci_low, unconditioned_ci_high,
//! count (conditioned runs, or weight, with the event by the month), survivors, effective_runs, runs.
//! `conditioned.json` (the completion marker): the run, the observations, survivors, effective runs, the warning if
//! fewer than `--min-runs` survived, and the rows at the horizon. `conditioned.png`/`.svg`: each event's
//! probability by the horizon, conditioned against unconditioned.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::output::{csv_bytes, csv_writer, num, rounded, rounded_interval, sorted_json_bytes};
use crate::paths::{Header, PathsError, PathsFile, Record};
use crate::scenario::ScenarioError;
use crate::scenario::check::{self, Checker};
use crate::scenario::tree::{self, Loc, Node, Table, Value};
use crate::stats::Interval;

/// Fewer surviving runs (or effective runs, when weighted) than this draw a warning: below about 200 runs a
/// probability near 50% has a 95% half-width above 7 pp.
pub const DEFAULT_MIN_RUNS: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum ConditionError {
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error(
        "no run of {runs} survives the observations in {}: {}. The observed world is outside the ensemble \
         (check the observations, or run more runs with --paths)",
        file.display(),
        observations.join("; ")
    )]
    Impossible {
        file: PathBuf,
        runs: u64,
        observations: Vec<String>,
    },
    #[error("{flag} {given:?}: {what}")]
    Arg {
        flag: &'static str,
        given: String,
        what: String,
    },
    #[error("--out {}: is the run folder itself; write the results elsewhere (its completion marker would go)", dir.display())]
    OutIsRun { dir: PathBuf },
}

/// Bounds on a value: hard (keep runs within) or soft (Gaussian weight).
#[derive(Clone, Debug, PartialEq)]
pub enum Bounds {
    Hard {
        above: Option<f64>,
        below: Option<f64>,
    },
    Soft {
        value: f64,
        sd: f64,
    },
}

impl Bounds {
    fn weight(&self, x: f64) -> f64 {
        if x.is_nan() {
            return 0.0;
        }
        match *self {
            Bounds::Hard { above, below } => {
                let ok = above.is_none_or(|a| x > a) && below.is_none_or(|b| x < b);
                if ok { 1.0 } else { 0.0 }
            }
            Bounds::Soft { value, sd } => {
                let z = (x - value) / sd;
                crate::arith::exp(-0.5 * z * z)
            }
        }
    }

    fn describe(&self) -> String {
        match *self {
            Bounds::Hard {
                above: Some(a),
                below: Some(b),
            } => format!("between {} and {}", num(a), num(b)),
            Bounds::Hard {
                above: Some(a),
                below: None,
            } => format!("above {}", num(a)),
            Bounds::Hard {
                above: None,
                below: Some(b),
            } => format!("below {}", num(b)),
            Bounds::Hard { .. } => "anything".into(),
            Bounds::Soft { value, sd } => format!("about {} (sd {})", num(value), num(sd)),
        }
    }
}

/// One thing observed.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// Event `event` had (or had not) first held by month index `by`.
    Event {
        event: usize,
        by: usize,
        happened: bool,
    },
    /// Driver `driver`'s value in month index `month`.
    Driver {
        driver: usize,
        month: usize,
        bounds: Bounds,
    },
    /// Actor `actor`'s alignment in month index `month`.
    Alignment {
        actor: usize,
        month: usize,
        bounds: Bounds,
    },
}

impl Observation {
    /// The run's weight under this observation: 0 or 1 when hard.
    pub fn weight(&self, r: &Record) -> f64 {
        match self {
            Observation::Event {
                event,
                by,
                happened,
            } => f64::from(u8::from(r.happened_by(*event, *by) == *happened)),
            Observation::Driver {
                driver,
                month,
                bounds,
            } => bounds.weight(r.driver(*month, *driver)),
            Observation::Alignment {
                actor,
                month,
                bounds,
            } => bounds.weight(r.alignment(*month, *actor)),
        }
    }

    pub fn month(&self) -> usize {
        match *self {
            Observation::Event { by, .. } => by,
            Observation::Driver { month, .. } | Observation::Alignment { month, .. } => month,
        }
    }

    pub fn is_soft(&self) -> bool {
        matches!(
            self,
            Observation::Driver {
                bounds: Bounds::Soft { .. },
                ..
            } | Observation::Alignment {
                bounds: Bounds::Soft { .. },
                ..
            }
        )
    }

    pub fn describe(&self, h: &Header) -> String {
        match self {
            Observation::Event {
                event,
                by,
                happened,
            } => format!(
                "by {}{}: {}",
                h.month_label(*by),
                if *happened { "" } else { ", not yet" },
                h.events[*event].description
            ),
            Observation::Driver {
                driver,
                month,
                bounds,
            } => format!(
                "in {}: {} {} {}",
                h.month_label(*month),
                h.drivers[*driver].metric,
                bounds.describe(),
                h.drivers[*driver].unit
            ),
            Observation::Alignment {
                actor,
                month,
                bounds,
            } => format!(
                "in {}: {}'s alignment {}",
                h.month_label(*month),
                h.actors[*actor],
                bounds.describe()
            ),
        }
    }
}

/// An observed file, checked against the run it conditions.
#[derive(Clone, Debug)]
pub struct Observed {
    pub path: PathBuf,
    pub items: Vec<Observation>,
}

impl Observed {
    /// Reads and checks an observed file against the run's header: every problem with file:line:column, key path,
    /// what is allowed and a "did you mean", as scenario files get.
    pub fn load(path: &Path, h: &Header) -> Result<Observed, ScenarioError> {
        let (sources, table) = check::read(path)?;
        let mut c = Checker::new(&sources);
        let items = read_observed(&mut c, &table, h);
        c.finish(items).map(|items| Observed {
            path: path.to_path_buf(),
            items,
        })
    }
}

const TOP: [&str; 3] = ["event", "driver", "alignment"];

fn read_observed(c: &mut Checker, table: &Table, h: &Header) -> Option<Vec<Observation>> {
    for e in table {
        if !TOP.contains(&e.key.as_str()) {
            c.unknown(e, &e.key, &TOP);
        }
    }
    let mut items = Vec::new();
    for kind in TOP {
        let Some(list) = tree::get(table, kind) else {
            continue;
        };
        let Value::Array(nodes) = &list.node.value else {
            c.err(
                &list.node.loc,
                kind,
                format!("must be an array of tables ([[{kind}]])"),
            );
            continue;
        };
        for (n, node) in nodes.iter().enumerate() {
            let key = format!("{kind}[{n}]");
            let Value::Table(t) = &node.value else {
                c.err(&node.loc, &key, "must be a table");
                continue;
            };
            let item = match kind {
                "event" => read_event(c, node, t, &key, h),
                "driver" => read_value(c, node, t, &key, h, false),
                _ => read_value(c, node, t, &key, h, true),
            };
            items.extend(item);
        }
    }
    if items.is_empty() && c.errors.is_empty() {
        c.err(
            &Loc {
                file: 0,
                span: 0..0,
            },
            "",
            "nothing observed: add [[event]], [[driver]] or [[alignment]] tables",
        );
    }
    Some(items)
}

/// Keys of `t` outside `allowed` are refused.
fn only(c: &mut Checker, t: &Table, key: &str, allowed: &[&str]) {
    for e in t {
        if !allowed.contains(&e.key.as_str()) {
            c.unknown(e, &format!("{key}.{}", e.key), allowed);
        }
    }
}

/// A required string field.
fn field(c: &mut Checker, node: &Node, t: &Table, key: &str, name: &str) -> Option<(String, Loc)> {
    match tree::get(t, name) {
        Some(e) => c
            .string(&e.node, &format!("{key}.{name}"))
            .map(|v| (v, e.node.loc.clone())),
        None => {
            c.err(
                &node.loc,
                &format!("{key}.{name}"),
                format!("missing `{name}`"),
            );
            None
        }
    }
}

/// A month inside the run, as its index (0 = the start month).
fn month_in_run(
    c: &mut Checker,
    node: &Node,
    t: &Table,
    key: &str,
    name: &str,
    h: &Header,
) -> Option<usize> {
    let Some(e) = tree::get(t, name) else {
        c.err(
            &node.loc,
            &format!("{key}.{name}"),
            format!("missing `{name}` (\"YYYY-MM\")"),
        );
        return None;
    };
    let path = format!("{key}.{name}");
    let m = c.month(&e.node, &path)?;
    let idx = h.start().months_until(m);
    if idx < 0 || idx >= h.months as i64 {
        c.err(
            &e.node.loc,
            &path,
            format!(
                "{m} is outside the run: it covers {} .. {}",
                h.month_label(0),
                h.month_label(h.months - 1)
            ),
        );
        return None;
    }
    Some(idx as usize)
}

/// The nearest spelling, or else the one allowed name that starts with what was given ("oil" for
/// `oil_usd_per_bbl`).
fn did_you_mean(given: &str, allowed: &[&str]) -> String {
    let starts: Vec<&&str> = allowed
        .iter()
        .filter(|a| !given.is_empty() && a.starts_with(given))
        .collect();
    crate::scenario::closest(given, allowed)
        .or(if starts.len() == 1 {
            Some(*starts[0])
        } else {
            None
        })
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn read_event(
    c: &mut Checker,
    node: &Node,
    t: &Table,
    key: &str,
    h: &Header,
) -> Option<Observation> {
    only(c, t, key, &["event", "actor", "by", "happened"]);
    let by = month_in_run(c, node, t, key, "by", h);
    let happened = match tree::get(t, "happened") {
        None => Some(true),
        Some(e) => match e.node.value {
            Value::Bool(b) => Some(b),
            ref other => {
                c.err(
                    &e.node.loc,
                    &format!("{key}.happened"),
                    format!("must be true or false, found {}", other.type_name()),
                );
                None
            }
        },
    };
    let (id, id_loc) = field(c, node, t, key, "event")?;
    let actor = match tree::get(t, "actor") {
        Some(e) => Some((
            c.string(&e.node, &format!("{key}.actor"))?,
            e.node.loc.clone(),
        )),
        None => None,
    };
    let event = resolve_event(h, &id, actor.as_ref().map(|a| a.0.as_str()));
    let event = match event {
        Ok(e) => e,
        Err(EventProblem::UnknownEvent(msg)) => {
            c.err(&id_loc, &format!("{key}.event"), msg);
            return None;
        }
        Err(EventProblem::Actor(msg)) => {
            let loc = actor.map_or(node.loc.clone(), |a| a.1);
            c.err(&loc, &format!("{key}.actor"), msg);
            return None;
        }
    };
    Some(Observation::Event {
        event,
        by: by?,
        happened: happened?,
    })
}

/// Why an event and actor name no event of the run.
pub enum EventProblem {
    UnknownEvent(String),
    Actor(String),
}

impl EventProblem {
    pub fn message(self) -> String {
        match self {
            EventProblem::UnknownEvent(m) | EventProblem::Actor(m) => m,
        }
    }
}

/// The index of event `id` of `actor` (none for a global event) in the run's header.
pub fn resolve_event(h: &Header, id: &str, actor: Option<&str>) -> Result<usize, EventProblem> {
    let mut ids: Vec<&str> = h.events.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    if !ids.contains(&id) {
        return Err(EventProblem::UnknownEvent(format!(
            "unknown event{}; the run's events: {}",
            did_you_mean(id, &ids),
            ids.join(", ")
        )));
    }
    let actors: Vec<&str> = h
        .events
        .iter()
        .filter(|e| e.id == id && !e.actor.is_empty())
        .map(|e| e.actor.as_str())
        .collect();
    match actor {
        None if actors.is_empty() => Ok(h.events.iter().position(|e| e.id == id).expect("listed")),
        None => Err(EventProblem::Actor(format!(
            "missing `actor`: `{id}` is a partner event; one of {}",
            actors.join(", ")
        ))),
        Some(_) if actors.is_empty() => Err(EventProblem::Actor(format!(
            "`{id}` is an event of the whole system: remove the actor"
        ))),
        Some(a) => h
            .events
            .iter()
            .position(|e| e.id == id && e.actor == a)
            .ok_or_else(|| {
                EventProblem::Actor(format!(
                    "unknown actor {a:?} for `{id}`{}; allowed: {}",
                    did_you_mean(a, &actors),
                    actors.join(", ")
                ))
            }),
    }
}

/// A `[[driver]]` (`alignment` false) or `[[alignment]]` observation.
fn read_value(
    c: &mut Checker,
    node: &Node,
    t: &Table,
    key: &str,
    h: &Header,
    alignment: bool,
) -> Option<Observation> {
    let who = if alignment { "actor" } else { "metric" };
    only(c, t, key, &[who, "month", "above", "below", "value", "sd"]);
    let month = month_in_run(c, node, t, key, "month", h);
    let number = |c: &mut Checker, name: &str| {
        tree::get(t, name).and_then(|e| {
            c.number(&e.node, &format!("{key}.{name}"))
                .map(|n| (n.value, n.loc))
        })
    };
    let above = number(c, "above");
    let below = number(c, "below");
    let value = number(c, "value");
    let sd = number(c, "sd");
    let bounds = match (above, below, value, sd) {
        (None, None, None, None) => {
            c.err(
                &node.loc,
                key,
                "give `above`, `below` (or both), or `value` with `sd`",
            );
            None
        }
        (a, b, None, None) => match (&a, &b) {
            (Some((lo, _)), Some((hi, loc))) if lo >= hi => {
                c.err(
                    loc,
                    &format!("{key}.below"),
                    format!("below = {} must exceed above = {}", num(*hi), num(*lo)),
                );
                None
            }
            _ => Some(Bounds::Hard {
                above: a.map(|x| x.0),
                below: b.map(|x| x.0),
            }),
        },
        (None, None, Some((value, _)), Some((sd, loc))) => {
            if sd > 0.0 {
                Some(Bounds::Soft { value, sd })
            } else {
                c.err(&loc, &format!("{key}.sd"), "must be positive");
                None
            }
        }
        (None, None, Some((_, loc)), None) => {
            c.err(
                &loc,
                &format!("{key}.value"),
                "`value` needs `sd` (the observation's standard error)",
            );
            None
        }
        (None, None, None, Some((_, loc))) => {
            c.err(&loc, &format!("{key}.sd"), "`sd` needs `value`");
            None
        }
        (_, _, _, _) => {
            c.err(
                &node.loc,
                key,
                "either bounds (`above`, `below`) or a soft observation (`value` with `sd`), not both",
            );
            None
        }
    };
    let (name, loc) = field(c, node, t, key, who)?;
    if alignment {
        let actors: Vec<&str> = h.actors.iter().map(String::as_str).collect();
        let Some(actor) = actors.iter().position(|a| *a == name) else {
            c.err(
                &loc,
                &format!("{key}.actor"),
                format!(
                    "unknown actor{}; the run's actors: {}",
                    did_you_mean(&name, &actors),
                    actors.join(", ")
                ),
            );
            return None;
        };
        Some(Observation::Alignment {
            actor,
            month: month?,
            bounds: bounds?,
        })
    } else {
        let metrics: Vec<&str> = h.drivers.iter().map(|d| d.metric.as_str()).collect();
        let Some(driver) = h.driver(&name) else {
            c.err(
                &loc,
                &format!("{key}.metric"),
                format!(
                    "unknown metric{}; the stored drivers: {}",
                    did_you_mean(&name, &metrics),
                    metrics.join(", ")
                ),
            );
            return None;
        };
        Some(Observation::Driver {
            driver,
            month: month?,
            bounds: bounds?,
        })
    }
}

/// One event by one month, conditioned and not.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub event: String,
    pub actor: String,
    pub description: String,
    pub month: String,
    #[serde(serialize_with = "rounded_interval")]
    pub conditioned: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub unconditioned: Interval,
    /// Conditioned runs with the event by the month (their weight, when weighted).
    #[serde(serialize_with = "rounded")]
    pub count: f64,
    pub unconditioned_count: u64,
}

/// The result of conditioning a run on an observed file.
#[derive(Clone, Debug, Serialize)]
pub struct Conditioned {
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub observed_file: String,
    pub observations: Vec<String>,
    /// Runs with a positive weight (all weights are 0 or 1 without soft observations).
    pub survivors: u64,
    /// Kish's effective sample size; equals `survivors` without soft observations.
    #[serde(serialize_with = "rounded")]
    pub effective_runs: f64,
    pub weighted: bool,
    pub min_runs: u64,
    pub warning: Option<String>,
    /// The latest month observed; rows cover the months after it (the horizon at least).
    pub observed_to: String,
    pub horizon: String,
    /// Every event by the horizon.
    pub at_horizon: Vec<Row>,
    #[serde(skip)]
    pub rows: Vec<Row>,
}

/// Conditions the run in `paths` on `observed`: one streaming pass over the file.
pub fn condition(
    paths: &PathsFile,
    observed: &Observed,
    min_runs: u64,
) -> Result<Conditioned, ConditionError> {
    let h = &paths.header;
    let (ne, nm) = (h.events.len(), h.months);
    let weighted = observed.items.iter().any(Observation::is_soft);
    // Per event and first month: all runs, and the conditioned runs' weight (a count when unweighted).
    let mut all_first = vec![0u64; ne * nm];
    let mut cond_first = vec![0f64; ne * nm];
    let mut cond_count = vec![0u64; ne * nm];
    let (mut w_sum, mut w_sq, mut survivors) = (0f64, 0f64, 0u64);
    paths.scan(|_, r| {
        let mut w = 1.0;
        for o in &observed.items {
            w *= o.weight(r);
            if w == 0.0 {
                break;
            }
        }
        for e in 0..ne {
            let f = r.first(e);
            if f != crate::stats::NEVER {
                let i = e * nm + usize::from(f);
                all_first[i] += 1;
                if w > 0.0 {
                    cond_first[i] += w;
                    cond_count[i] += 1;
                }
            }
        }
        if w > 0.0 {
            survivors += 1;
            w_sum += w;
            w_sq += w * w;
        }
    })?;
    if survivors == 0 || w_sum <= 0.0 {
        return Err(ConditionError::Impossible {
            file: observed.path.clone(),
            runs: paths.runs,
            observations: observed.items.iter().map(|o| o.describe(h)).collect(),
        });
    }
    let effective = if weighted {
        w_sum * w_sum / w_sq
    } else {
        survivors as f64
    };
    let observed_to = observed
        .items
        .iter()
        .map(Observation::month)
        .max()
        .unwrap_or(0);
    let from = (observed_to + 1).min(nm - 1);
    let mut rows = Vec::new();
    for (e, def) in h.events.iter().enumerate() {
        let (mut all, mut cond, mut count) = (0u64, 0f64, 0u64);
        for m in 0..nm {
            all += all_first[e * nm + m];
            cond += cond_first[e * nm + m];
            count += cond_count[e * nm + m];
            if m < from {
                continue;
            }
            let conditioned = if weighted {
                // Wilson on Kish's effective sample size, rounded down (at least 1 with any positive weight).
                Interval::wilson_share(cond / w_sum, effective.floor().max(1.0) as u64)
            } else {
                Interval::wilson(count, survivors)
            };
            rows.push(Row {
                event: def.id.clone(),
                actor: def.actor.clone(),
                description: def.description.clone(),
                month: h.month_label(m),
                conditioned,
                unconditioned: Interval::wilson(all, paths.runs),
                count: if weighted { cond } else { count as f64 },
                unconditioned_count: all,
            });
        }
    }
    let horizon = h.month_label(nm - 1);
    let warning = (effective < min_runs as f64).then(|| {
        format!(
            "only {} {} of {} survive the observations (fewer than --min-runs {min_runs}): the conditioned \
             intervals are wide; rerun with more --runs and --paths",
            num(effective.floor()),
            if weighted { "effective runs" } else { "runs" },
            paths.runs
        )
    });
    Ok(Conditioned {
        scenario: h.scenario.clone(),
        scenario_hash: h.scenario_hash.clone(),
        seed: h.seed,
        runs: paths.runs,
        observed_file: observed.path.display().to_string(),
        observations: observed.items.iter().map(|o| o.describe(h)).collect(),
        survivors,
        effective_runs: effective,
        weighted,
        min_runs,
        warning,
        observed_to: h.month_label(observed_to),
        at_horizon: rows
            .iter()
            .filter(|r| r.month == horizon)
            .cloned()
            .collect(),
        horizon,
        rows,
    })
}

/// conditioned.csv.
pub fn conditioned_csv(c: &Conditioned) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "scenario",
        "month",
        "event",
        "actor",
        "probability",
        "ci_low",
        "ci_high",
        "unconditioned",
        "unconditioned_ci_low",
        "unconditioned_ci_high",
        "count",
        "survivors",
        "effective_runs",
        "runs",
    ])
    .expect("in-memory csv");
    for r in &c.rows {
        w.write_record([
            &c.scenario,
            &r.month,
            &r.event,
            &r.actor,
            &num(r.conditioned.value),
            &num(r.conditioned.ci_low),
            &num(r.conditioned.ci_high),
            &num(r.unconditioned.value),
            &num(r.unconditioned.ci_low),
            &num(r.unconditioned.ci_high),
            &num(r.count),
            &c.survivors.to_string(),
            &num(c.effective_runs),
            &c.runs.to_string(),
        ])
        .expect("in-memory csv");
    }
    csv_bytes(w)
}

/// conditioned.json (the completion marker).
pub fn conditioned_json(c: &Conditioned) -> Vec<u8> {
    sorted_json_bytes(c)
}

/// The default folder of a conditioning: `RUN_DIR/condition-<observed file stem>` (a stem that is not a valid
/// name becomes `observed`), so the run's own folder and marker are left alone.
pub fn default_dir(run_dir: &Path, observed: &Path) -> PathBuf {
    let stem = observed
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| crate::scenario::valid_scenario_name(s))
        .unwrap_or("observed");
    run_dir.join(format!("condition-{stem}"))
}

/// Refuses an output folder that is the run folder (creating it would remove the run's completion marker).
pub fn check_out(run_dir: &Path, out: &Path) -> Result<(), ConditionError> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(run_dir), std::fs::canonicalize(out))
        && a == b
    {
        return Err(ConditionError::OutIsRun {
            dir: out.to_path_buf(),
        });
    }
    Ok(())
}
