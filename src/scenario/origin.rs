//! Rolling origins (`realign run --origin YYYY-MM`): a scenario's forecast re-issued at a later month. The months
//! before the origin replay the drivers' data and are not reported; the drivers are simulated from the origin on,
//! whatever the scenario replays after it, so the forecast knows nothing the origin did not. Each run reaches the
//! origin along its own path, or every run starts from a named run's state there (`--state-run N`); an
//! initial-state file (`--state FILE`) sets the values observed at the origin, each with its source.

use std::path::Path;

use super::check::{self, Checker};
use super::month::Month;
use super::tree::{self, Entry, Table};
use super::{Scenario, ScenarioError};
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS};
use crate::model::{Role, StateOverride, World};

/// Why a scenario cannot be started at the requested origin.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error(
        "--origin {origin}: must fall after the scenario's start ({start}) and before its last month ({last}); a \
         forecast from {origin} would have no month to forecast"
    )]
    OutOfRange {
        origin: Month,
        start: Month,
        last: Month,
    },
    #[error(
        "--origin {origin}: scenario `{scenario}` does not replay oil in {missing}, so the months up to the origin \
         would be simulated rather than replayed; use a scenario that replays history up to the origin (e.g. \
         scenarios/history-replay.toml), whose data were published after its vantage date"
    )]
    NotReplayed {
        origin: Month,
        scenario: String,
        missing: Month,
    },
    #[error("--state and --state-run need --origin: they describe the state at a rolling origin")]
    NeedsOrigin,
    #[error(
        "--state-run with --uncertainty: a named run's state is computed with the scenario's own parameter values, \
         so it would not follow the parameters each outer draw takes; drop --state-run (each run then reaches the \
         origin on its own path, under its draw's parameters)"
    )]
    StateRunWithUncertainty,
}

/// The keys an initial-state file may set, per role (the state variables a rolling origin may observe).
const PARTNER_KEYS: [&str; 6] = [
    "alignment",
    "irritation",
    "trade_barrier",
    "defiance",
    "west_standing",
    "economic_stress",
];
const PATRON_KEYS: [&str; 1] = ["stance"];
const CONTESTED_KEYS: [&str; 2] = ["alignment", "conflict_intensity"];

/// What a forecast from a rolling origin starts with, as the command line asks.
#[derive(Clone, Debug, Default)]
pub struct OriginRequest {
    pub month: Option<Month>,
    /// Every run starts from this run's state at the origin.
    pub state_run: Option<u64>,
    /// Values observed at the origin.
    pub state_file: Option<std::path::PathBuf>,
}

/// What was set up, for the terminal and the manifest.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OriginInfo {
    pub origin_month: String,
    pub scenario_start_month: String,
    /// Months simulated before the origin, with the drivers' data replayed and nothing reported.
    pub months_before_origin: usize,
    /// "each run's own path" or "run N's state".
    pub state: String,
    /// The run whose state at the origin every run starts from.
    pub state_run: Option<u64>,
    /// The initial-state file, and each value it sets with its source.
    pub state_file: Option<String>,
    pub observed: Vec<ObservedValue>,
    /// Drivers' data after the origin that the forecast does not see, and replays that end before it.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ObservedValue {
    pub actor: String,
    pub key: String,
    pub value: f64,
    pub source: String,
}

impl OriginRequest {
    /// The options a manifest records for this request (the rest of [`RunOptions`] left at its default).
    ///
    /// [`RunOptions`]: crate::output::manifest::RunOptions
    pub fn options(&self) -> crate::output::manifest::RunOptions {
        crate::output::manifest::RunOptions {
            origin: self.month.map(|m| m.to_string()),
            state: self.state_file.as_ref().map(|p| p.display().to_string()),
            state_run: self.state_run,
            ..Default::default()
        }
    }

    /// Moves `s`'s forecast to the requested origin and records it in `s.origin` (nothing to do without
    /// `--origin`). `state_at(cfg, run)` is the
    /// runner's: the state run `run` of the scenario reaches at the origin.
    pub fn apply(
        &self,
        s: &mut Scenario,
        state_at: impl FnOnce(&crate::model::ModelConfig, u64) -> World,
    ) -> Result<(), crate::app::AppError> {
        let Some(origin) = self.month else {
            if self.state_run.is_some() || self.state_file.is_some() {
                return Err(OriginError::NeedsOrigin.into());
            }
            return Ok(());
        };
        let horizon = s.config.horizon_months();
        let last = s.start.plus(horizon);
        let o = s.start.months_until(origin);
        if o <= 0 || o >= horizon as i64 {
            return Err(OriginError::OutOfRange {
                origin,
                start: s.start,
                last,
            }
            .into());
        }
        let o = o as usize;
        if let Some(m) = (1..=o).find(|&m| s.config.oil_replay_usd_per_bbl[m].is_none()) {
            return Err(OriginError::NotReplayed {
                origin,
                scenario: s.name.clone(),
                missing: s.start.plus(m),
            }
            .into());
        }
        let mut notes = Vec::new();
        for (driver, replay) in [
            ("oil", &mut s.config.oil_replay_usd_per_bbl),
            ("the rouble", &mut s.config.rub_replay_per_usd),
        ] {
            let after = (o + 1..=horizon).filter(|&m| replay[m].is_some()).count();
            if after > 0 {
                notes.push(format!(
                    "{driver}: the scenario replays {after} month(s) after the origin; the forecast simulates them"
                ));
            }
            let before = (1..=o).filter(|&m| replay[m].is_some()).count();
            if before < o {
                notes.push(format!(
                    "{driver}: replayed in {before} of the {o} month(s) before the origin; simulated in the others"
                ));
            }
            replay[o + 1..].iter_mut().for_each(|v| *v = None);
        }
        let (overrides, observed) = match &self.state_file {
            Some(path) => read_state_file(path, s, origin)?,
            None => (Vec::new(), Vec::new()),
        };
        s.config.origin.month = o;
        s.config.origin.overrides = overrides;
        let state = match self.state_run {
            Some(run) => {
                let mut w = state_at(&s.config, run);
                w.apply_overrides(&s.config.origin.overrides);
                s.config.origin.state = Some(Box::new(w));
                format!("run {run}'s state at the origin")
            }
            None => "its own path's state".to_string(),
        };
        s.origin = Some(OriginInfo {
            origin_month: origin.to_string(),
            scenario_start_month: s.start.to_string(),
            months_before_origin: o,
            state,
            state_run: self.state_run,
            state_file: self.state_file.as_ref().map(|p| p.display().to_string()),
            observed,
            notes,
        });
        Ok(())
    }
}

/// Reads an initial-state file: `month` (must be the origin), `description`, and per actor a table of the state
/// values observed then, each with its source in the actor's `sources` table; `[union] cohesion`.
fn read_state_file(
    path: &Path,
    s: &Scenario,
    origin: Month,
) -> Result<(Vec<StateOverride>, Vec<ObservedValue>), ScenarioError> {
    let (sources, table) = check::read(path)?;
    let mut c = Checker::new(&sources);
    let mut overrides = Vec::new();
    let mut observed = Vec::new();
    let whole = table
        .first()
        .map(|e| e.key_loc.clone())
        .unwrap_or_else(|| tree::Loc {
            file: 0,
            span: 0..0,
        });
    let mut saw_month = false;
    for e in &table {
        match e.key.as_str() {
            "description" => {
                c.string(&e.node, "description");
            }
            "month" => {
                saw_month = true;
                if let Some(m) = c.month(&e.node, "month")
                    && m != origin
                {
                    c.err(
                        &e.node.loc,
                        "month",
                        format!("the file describes {m}, but --origin is {origin}; give the state at the origin"),
                    );
                }
            }
            "actors" => {
                if let Some(actors) = c.table(&e.node, "actors") {
                    for a in actors {
                        actor(&mut c, s, a, &mut overrides, &mut observed);
                    }
                }
            }
            "union" => {
                if let Some(t) = c.table(&e.node, "union") {
                    let spec = PARAM_SPECS
                        .iter()
                        .find(|p| p.key == "union.initial_cohesion")
                        .expect("cohesion is a parameter");
                    values(
                        &mut c,
                        t,
                        "union",
                        &["cohesion"],
                        |_| (spec.min, spec.max),
                        &mut |key, v, source| {
                            debug_assert_eq!(key, "cohesion");
                            overrides.push(StateOverride::Cohesion(v));
                            observed.push(ObservedValue {
                                actor: String::new(),
                                key: "union.cohesion".into(),
                                value: v,
                                source,
                            });
                        },
                    );
                }
            }
            _ => c.unknown(e, &e.key, &["description", "month", "actors", "union"]),
        }
    }
    if !saw_month {
        c.err(
            &whole,
            "month",
            "missing: say which month the state describes (month = \"YYYY-MM\", the origin)",
        );
    }
    if overrides.is_empty() && c.errors.is_empty() {
        c.err(
            &whole,
            "actors",
            "sets no value: give at least one observed value under [actors.NAME] or [union]",
        );
    }
    c.finish(Some((overrides, observed)))
}

/// One `[actors.NAME]` table of an initial-state file.
fn actor(
    c: &mut Checker,
    s: &Scenario,
    a: &Entry,
    overrides: &mut Vec<StateOverride>,
    observed: &mut Vec<ObservedValue>,
) {
    let key = format!("actors.{}", a.key);
    let Some(t) = c.table(&a.node, &key) else {
        return;
    };
    let Some(index) = s.config.actors.iter().position(|x| x.name == a.key) else {
        let names: Vec<&str> = s.config.actors.iter().map(|x| x.name.as_str()).collect();
        c.unknown(a, &key, &names);
        return;
    };
    let role = s.config.actors[index].role;
    let partner = s.config.partner_indices().position(|i| i == index);
    let allowed: &[&str] = match role {
        Role::Partner => &PARTNER_KEYS,
        Role::Patron => &PATRON_KEYS,
        Role::Contested => &CONTESTED_KEYS,
    };
    let range = |k: &str| {
        let spec = ACTOR_ATTRS
            .iter()
            .find(|x| x.key == k)
            .expect("state keys are actor attributes");
        (spec.min, spec.max)
    };
    values(c, t, &key, allowed, range, &mut |k, v, source| {
        let o = match (role, k, partner) {
            (Role::Partner, "alignment", Some(i)) => StateOverride::Alignment(i, v),
            (Role::Partner, "irritation", Some(i)) => StateOverride::Irritation(i, v),
            (Role::Partner, "trade_barrier", Some(i)) => StateOverride::TradeBarrier(i, v),
            (Role::Partner, "defiance", Some(i)) => StateOverride::Defiance(i, v),
            (Role::Partner, "west_standing", Some(i)) => StateOverride::WestStanding(i, v),
            (Role::Partner, "economic_stress", Some(i)) => StateOverride::EconomicStress(i, v),
            (Role::Patron, "stance", _) => StateOverride::Stance(v),
            (Role::Contested, "alignment", _) => StateOverride::ContestedAlignment(v),
            (Role::Contested, "conflict_intensity", _) => StateOverride::ConflictIntensity(v),
            _ => unreachable!("keys are checked against the role's list"),
        };
        overrides.push(o);
        observed.push(ObservedValue {
            actor: a.key.clone(),
            key: k.to_string(),
            value: v,
            source,
        });
    });
}

/// The numbers of a table with its `sources` sub-table: each key in `allowed`, within `range(key)`, and a source
/// for each. `set(key, value, source)` receives every valid one.
fn values(
    c: &mut Checker,
    t: &Table,
    at: &str,
    allowed: &[&str],
    range: impl Fn(&str) -> (f64, f64),
    set: &mut dyn FnMut(&str, f64, String),
) {
    let sources: Vec<(String, String, tree::Loc)> = match tree::get(t, "sources") {
        Some(e) => match c.table(&e.node, &format!("{at}.sources")) {
            Some(st) => st
                .iter()
                .filter_map(|x| {
                    let k = format!("{at}.sources.{}", x.key);
                    if !allowed.contains(&x.key.as_str()) {
                        c.unknown(x, &k, allowed);
                        return None;
                    }
                    let text = c.string(&x.node, &k)?;
                    if text.trim().is_empty() {
                        c.err(
                            &x.node.loc,
                            &k,
                            "an empty source: say where the value comes from",
                        );
                        return None;
                    }
                    Some((x.key.clone(), text, x.node.loc.clone()))
                })
                .collect(),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut keys = allowed.to_vec();
    keys.push("sources");
    for e in t {
        if e.key == "sources" {
            continue;
        }
        let k = format!("{at}.{}", e.key);
        if !allowed.contains(&e.key.as_str()) {
            c.unknown(e, &k, &keys);
            continue;
        }
        let Some(n) = c.number(&e.node, &k) else {
            continue;
        };
        let (lo, hi) = range(&e.key);
        if !(lo..=hi).contains(&n.value) {
            c.err(
                &n.loc,
                &k,
                format!("{} is out of range: must be in [{lo}, {hi}]", n.value),
            );
            continue;
        }
        match sources.iter().find(|(key, _, _)| *key == e.key) {
            Some((_, text, _)) => set(&e.key, n.value, text.clone()),
            None => c.err(
                &e.key_loc,
                &k,
                format!(
                    "no source: an observed value needs one, in {at}.sources (e.g. sources = {{ {} = \"...\" }})",
                    e.key
                ),
            ),
        }
    }
}
