//! Validating a merged scenario tree: the top level, the run keys, the parameter table with its cross-parameter
//! checks, and the month schedules (oil shocks, western engagement changes).

use super::actors::check_provenance;
use super::check::Checker;
use super::suggest::{allowed_children, is_structural, parent_of};
use super::tree::{self, Entry, Loc, Table, Value};
use super::{
    DEFAULT_RUNS, DEFAULT_SEED, MAX_RUNS, Month, Origin, Scenario, ScheduleSite,
    valid_scenario_name,
};
use crate::model::params::{PARAM_SPECS, Params, fmt_num, param_index};
use crate::model::{ActorDef, CalendarMonth, ModelConfig, Role};

const RUN_KEYS: &[&str] = &["runs", "seed"];

/// The parameter table as the files set it: each value, where it came from, and where it was written (for checks
/// across parameters).
struct ParamTable {
    params: Params,
    origin: Vec<Origin>,
    locs: Vec<Option<Loc>>,
}

impl Checker<'_> {
    /// The whole scenario, or `None` when any problem was recorded (the problems are in `self.errors`).
    pub(super) fn scenario(&mut self, mut top: Table) -> Option<Scenario> {
        let mut table = ParamTable {
            params: Params::default(),
            origin: vec![Origin::Default; PARAM_SPECS.len()],
            locs: vec![None; PARAM_SPECS.len()],
        };
        let mut changes = Vec::new();
        let whole = Loc {
            file: 0,
            span: 0..0,
        };

        let name = match tree::take(&mut top, "name") {
            Some(e) => {
                let name = self.string(&e.node, "name").unwrap_or_default();
                if matches!(e.node.value, Value::Str(_)) && !valid_scenario_name(&name) {
                    self.err(&e.node.loc, "name", format!("{name:?} is not allowed: a scenario name is 1 to 64 letters, digits, '-' or '_' (it names the output folder)"));
                }
                name
            }
            None => {
                self.err(
                    &whole,
                    "name",
                    "missing: every scenario names itself (letters, digits, '-' and '_')",
                );
                String::new()
            }
        };
        let description = tree::take(&mut top, "description")
            .and_then(|e| self.string(&e.node, "description"))
            .unwrap_or_default();
        let start_loc = tree::get(&top, "start_month").map(|e| e.node.loc.clone());
        let start = match tree::take(&mut top, "start_month") {
            Some(e) => self
                .month(&e.node, "start_month")
                .unwrap_or(Month::new(2014, 12).unwrap()),
            None => Month::new(2014, 12).expect("valid month"),
        };
        let (mut runs, mut seed) = (DEFAULT_RUNS, DEFAULT_SEED);
        if let Some(e) = tree::take(&mut top, "run")
            && let Some(t) = self.table(&e.node, "run")
        {
            for entry in t {
                let key = format!("run.{}", entry.key);
                match entry.key.as_str() {
                    "runs" => runs = self.integer(&entry.node, &key, 1, MAX_RUNS).unwrap_or(runs),
                    "seed" => {
                        seed = self
                            .integer(&entry.node, &key, 0, i64::MAX as u64)
                            .unwrap_or(seed)
                    }
                    _ => self.unknown(entry, &key, RUN_KEYS),
                }
            }
        }
        let remove_actors = tree::take(&mut top, "remove_actors");
        let param_sources = tree::take(&mut top, "sources");
        let actors_entry = tree::take(&mut top, "actors");
        let calendar_raw = tree::take(&mut top, "calendar");
        let priors_raw = tree::take(&mut top, "priors");

        // Schedules and replays are read after the horizon is known.
        let mut oil_shocks_raw = None;
        let mut west_changes_raw = None;
        let mut replay_raw: Vec<(&'static str, Entry)> = Vec::new();
        let mut leftovers = Vec::new();
        self.params(
            "",
            top,
            &mut table,
            &mut changes,
            &mut |key, entry| match key {
                "drivers.oil.shocks" => oil_shocks_raw = Some(entry),
                "drivers.west.changes" => west_changes_raw = Some(entry),
                "drivers.oil.replay" => replay_raw.push(("oil", entry)),
                "drivers.rouble.replay" => replay_raw.push(("rouble", entry)),
                _ => leftovers.push((key.to_string(), entry)),
            },
        );
        for (key, entry) in leftovers {
            let allowed = allowed_children(parent_of(&key));
            self.unknown(
                &entry,
                &key,
                &allowed.iter().map(String::as_str).collect::<Vec<_>>(),
            );
        }
        let ParamTable {
            params,
            origin: param_origin,
            locs: param_locs,
        } = table;
        if params.band_west_max >= params.band_russia_min {
            let loc = [
                param_index("bands.west_max"),
                param_index("bands.russia_min"),
            ]
            .into_iter()
            .flatten()
            .find_map(|i| param_locs[i].clone())
            .unwrap_or_else(|| whole.clone());
            self.err(
                &loc,
                "bands",
                "bands.west_max must be below bands.russia_min",
            );
        }
        let horizon = params.horizon_months as usize;
        // Every month is written YYYY-MM; one past 9999-12 could not be read back.
        if start.plus(horizon) > Month::LAST {
            let loc = param_index("horizon_months")
                .and_then(|i| param_locs[i].clone())
                .or(start_loc)
                .unwrap_or_else(|| whole.clone());
            self.err(
                &loc,
                "horizon_months",
                format!(
                    "{horizon} months from {start} end after {}, the last month that can be written as YYYY-MM; start earlier or simulate fewer months",
                    Month::LAST
                ),
            );
        }
        let param_source = match param_sources {
            Some(e) => self.param_sources(&e, &param_origin, &param_locs),
            None => vec![None; PARAM_SPECS.len()],
        };

        let mut oil_shock_log = vec![0.0; horizon + 1];
        let mut oil_shocks = Vec::new();
        let shocks_loc = oil_shocks_raw.as_ref().map(|e| e.node.loc.clone());
        if let Some(e) = oil_shocks_raw {
            for (month, factor) in self.schedule(
                &e,
                "drivers.oil.shocks",
                "factor",
                (1e-3, 10.0),
                start,
                horizon,
            ) {
                oil_shock_log[start.months_until(month) as usize] += crate::arith::ln(factor);
                oil_shocks.push((month, factor));
            }
        }
        // Where each schedule that overrides a parameter was written, for refusals that vary that parameter.
        let mut schedules = Vec::new();
        let mut site = |c: &Self, key: &'static str, loc: &Loc| {
            let (line, col) = c.sources.line_col(loc);
            schedules.push(ScheduleSite {
                key,
                at: format!("{}:{line}:{col}", c.sources.path(loc).display()),
            });
        };
        let mut west_changes = Vec::new();
        if let Some(e) = west_changes_raw {
            site(self, "drivers.west.changes", &e.key_loc);
            west_changes = self.schedule(
                &e,
                "drivers.west.changes",
                "engagement",
                (0.0, 1.0),
                start,
                horizon,
            );
            west_changes.sort_by_key(|(m, _)| *m);
        }
        let west_engagement = west_schedule(params.west_engagement, &west_changes, start, horizon);
        let mut oil_replay = vec![None; horizon + 1];
        let mut rub_replay = vec![None; horizon + 1];
        let mut replays = Vec::new();
        for (driver, entry) in replay_raw {
            let key = if driver == "oil" {
                "drivers.oil.replay"
            } else {
                "drivers.rouble.replay"
            };
            site(self, key, &entry.key_loc);
            let target = if driver == "oil" {
                &mut oil_replay
            } else {
                &mut rub_replay
            };
            if let Some(info) = self.replay(&entry, driver, start, target) {
                replays.push(info);
            }
        }
        // A replayed month's oil price is the data's: a shock scheduled for it would be dropped without a word.
        if let (Some(loc), Some(replay)) = (
            &shocks_loc,
            schedules.iter().find(|x| x.key == "drivers.oil.replay"),
        ) {
            for (month, _) in &oil_shocks {
                let m = start.months_until(*month);
                if m > 0 && oil_replay.get(m as usize).is_some_and(Option::is_some) {
                    let at = replay.at.clone();
                    self.err(
                        loc,
                        "drivers.oil.shocks",
                        format!(
                            "a shock in {month}, a month the oil replay ({at}) covers: the replayed price decides that \
                             month, so the shock would be ignored; move the shock past the replay or shorten the replay"
                        ),
                    );
                }
            }
        }

        // Every name this file or one of its bases removed (the loader keeps the bases' removals in the record).
        let removed_names: Vec<String> = match remove_actors.as_ref().map(|r| &r.node.value) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| match &i.value {
                    Value::Str(name) => Some(name.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let (actors, actor_attr_origin) = self.actors(actors_entry, remove_actors, &mut changes);
        let (calendar, calendar_events) = match calendar_raw {
            Some(e) => {
                let removed: Vec<&str> = removed_names.iter().map(String::as_str).collect();
                self.calendar(&e, &actors, &removed, start, horizon)
            }
            None => (vec![CalendarMonth::default(); horizon + 1], Vec::new()),
        };

        if !self.errors.is_empty() {
            return None;
        }
        let mut scenario = Scenario {
            name,
            description,
            files: self.sources.files.iter().map(|f| f.path.clone()).collect(),
            start,
            runs,
            seed,
            config: ModelConfig {
                params,
                actors,
                oil_shock_log,
                oil_replay_usd_per_bbl: oil_replay,
                rub_replay_per_usd: rub_replay,
                west_engagement,
                calendar,
                origin: Default::default(),
            },
            calendar_events,
            param_origin,
            param_source,
            actor_attr_origin,
            changes,
            oil_shocks,
            west_changes,
            replays,
            schedules,
            priors: Vec::new(),
            origin: None,
        };
        // Priors resolve their key paths against the finished scenario (its actors, schedules and replays).
        if let Some(e) = priors_raw {
            scenario.priors = self.priors(&e, &scenario);
            if !self.errors.is_empty() {
                return None;
            }
        }
        Some(scenario)
    }

    /// Walks parameter tables; `structural` receives keys that are not parameters or parameter tables.
    fn params(
        &mut self,
        prefix: &str,
        table: Table,
        read: &mut ParamTable,
        changes: &mut Vec<(String, String)>,
        structural: &mut dyn FnMut(&str, Entry),
    ) {
        for entry in table {
            let key = if prefix.is_empty() {
                entry.key.clone()
            } else {
                format!("{prefix}.{}", entry.key)
            };
            if let Some(i) = param_index(&key) {
                let spec = &PARAM_SPECS[i];
                if let Some(n) = self.number(&entry.node, &key) {
                    if spec.admits(n.value) {
                        *read.params.slot_mut(i) = n.value;
                        read.locs[i] = Some(n.loc.clone());
                        read.origin[i] = Origin::File(n.loc.file);
                        if n.loc.file == 0 {
                            changes.push((key, fmt_num(n.value)));
                        }
                    } else {
                        let what = if spec.integer {
                            "a whole number in"
                        } else {
                            "in"
                        };
                        self.err(
                            &n.loc,
                            &key,
                            format!(
                                "{} is out of range: must be {what} {} ({})",
                                fmt_num(n.value),
                                spec.range_text(),
                                spec.unit
                            ),
                        );
                    }
                }
            } else if PARAM_SPECS
                .iter()
                .any(|s| s.key.starts_with(&format!("{key}.")))
                && !is_structural(&key)
            {
                if let Value::Table(t) = entry.node.value {
                    self.params(&key, t, read, changes, structural);
                } else {
                    self.err(
                        &entry.node.loc,
                        &key,
                        format!(
                            "must be a table ([{key}]), found {}",
                            entry.node.value.type_name()
                        ),
                    );
                }
            } else {
                structural(&key, entry);
            }
        }
    }

    /// `[sources]`: why the scenario sets a parameter, keyed by its path (`"drivers.oil.long_run_usd_per_bbl" =
    /// "..."` or nested tables), checked as actor sources are. A source belongs to the file that sets the value: a
    /// source for a value this file does not set is refused; a base's source for a value a variant overrides no
    /// longer applies.
    fn param_sources(
        &mut self,
        e: &Entry,
        origin: &[Origin],
        locs: &[Option<Loc>],
    ) -> Vec<Option<String>> {
        let mut out = vec![None; PARAM_SPECS.len()];
        let mut leaves = Vec::new();
        self.source_leaves(e, "sources", &mut leaves);
        for (key, entry) in leaves {
            let k = format!("sources.{key}");
            let Some(i) = param_index(&key) else {
                let allowed: Vec<&str> = PARAM_SPECS.iter().map(|s| s.key).collect();
                self.unknown(entry, &k, &allowed);
                continue;
            };
            let Some(text) = self.string(&entry.node, &k) else {
                continue;
            };
            let here = entry.node.loc.file;
            match (&origin[i], locs[i].as_ref().map(|l| l.file)) {
                (Origin::File(_), Some(f)) if f == here => match check_provenance(&text) {
                    Ok(()) => out[i] = Some(text),
                    Err(msg) => self.err(&entry.node.loc, &k, msg),
                },
                // Set again by a file nearer the top: this source explained the overridden value.
                (Origin::File(_), Some(f)) if f < here => {}
                _ => self.err(
                    &entry.key_loc,
                    &k,
                    format!(
                        "{} does not set `{key}`: give a source only for a parameter the same file sets",
                        self.sources.path(&entry.key_loc).display()
                    ),
                ),
            }
        }
        out
    }

    /// The string leaves under `[sources]` with their dotted paths (quoted dotted keys and nested tables alike).
    fn source_leaves<'e>(&mut self, e: &'e Entry, key: &str, out: &mut Vec<(String, &'e Entry)>) {
        let Value::Table(t) = &e.node.value else {
            self.err(
                &e.node.loc,
                key,
                "must be a table: parameter key = \"claim ids\", \"data: FILE ROWS\" or \"assumption: REASON\"",
            );
            return;
        };
        for child in t {
            let path = if key == "sources" {
                child.key.clone()
            } else {
                format!("{}.{}", key.trim_start_matches("sources."), child.key)
            };
            if matches!(child.node.value, Value::Table(_)) && param_index(&path).is_none() {
                self.source_leaves(child, &format!("sources.{path}"), out);
            } else {
                out.push((path, child));
            }
        }
    }

    /// An array of `{ month = "YYYY-MM", <field> = number }` tables within the horizon.
    fn schedule(
        &mut self,
        entry: &Entry,
        key: &str,
        field: &str,
        (lo, hi): (f64, f64),
        start: Month,
        horizon: usize,
    ) -> Vec<(Month, f64)> {
        let Value::Array(items) = &entry.node.value else {
            self.err(
                &entry.node.loc,
                key,
                format!("must be an array of tables ([[{key}]]) with `month` and `{field}`"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        // Each month once: two entries for one month would be applied silently (last level wins, shocks multiply).
        let mut seen: Vec<(Month, Loc, String)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ikey = format!("{key}[{i}]");
            let Some(t) = self.table(item, &ikey) else {
                continue;
            };
            let (mut month, mut value) = (None, None);
            for e in t {
                let k = format!("{ikey}.{}", e.key);
                if e.key == "month" {
                    month = self.month(&e.node, &k).map(|m| (m, e.node.loc.clone()));
                } else if e.key == field {
                    if let Some(n) = self.number(&e.node, &k) {
                        if n.value >= lo && n.value <= hi {
                            value = Some(n.value);
                        } else {
                            self.err(
                                &n.loc,
                                &k,
                                format!(
                                    "{} is out of range: must be in [{}, {}]",
                                    fmt_num(n.value),
                                    fmt_num(lo),
                                    fmt_num(hi)
                                ),
                            );
                        }
                    }
                } else {
                    self.unknown(e, &k, &["month", field]);
                }
            }
            let first = start.plus(1);
            let last = start.plus(horizon);
            match (month, value) {
                (Some((m, loc)), Some(v)) => {
                    if m < first || m > last {
                        self.err(
                            &loc,
                            &format!("{ikey}.month"),
                            format!("{m} is outside the simulated months {first} .. {last}"),
                        );
                    } else if let Some((_, at, other)) = seen.iter().find(|(s, ..)| *s == m) {
                        let (l, c) = self.sources.line_col(at);
                        let msg = format!(
                            "{m} is already scheduled by {other} (line {l}, column {c} of {}); give each month once",
                            self.sources.path(at).display()
                        );
                        self.err(&loc, &format!("{ikey}.month"), msg);
                    } else {
                        seen.push((m, loc, format!("{ikey}.month")));
                        out.push((m, v));
                    }
                }
                (None, _) if !t.iter().any(|e| e.key == "month") => self.err(
                    &item.loc,
                    &ikey,
                    format!("missing `month`; each entry needs `month` and `{field}`"),
                ),
                (_, None) if !t.iter().any(|e| e.key == field) => self.err(
                    &item.loc,
                    &ikey,
                    format!("missing `{field}`; each entry needs `month` and `{field}`"),
                ),
                _ => {}
            }
        }
        out
    }
}

impl Checker<'_> {
    /// `[[calendar]]`: scheduled political events known on the vantage date, `{ month, kind, actor }`; an election
    /// names a partner, the other kinds name no actor.
    fn calendar(
        &mut self,
        entry: &Entry,
        actors: &[ActorDef],
        removed: &[&str],
        start: Month,
        horizon: usize,
    ) -> (Vec<CalendarMonth>, Vec<CalendarEvent>) {
        let mut months = vec![CalendarMonth::default(); horizon + 1];
        let mut events = Vec::new();
        let Value::Array(items) = &entry.node.value else {
            self.err(
                &entry.node.loc,
                "calendar",
                "must be an array of tables ([[calendar]]) with `month`, `kind` and, for an election, `actor`",
            );
            return (months, events);
        };
        let partners: Vec<&str> = actors
            .iter()
            .filter(|a| a.role == Role::Partner)
            .map(|a| a.name.as_str())
            .collect();
        let (first, last) = (start.plus(1), start.plus(horizon));
        for (i, item) in items.iter().enumerate() {
            let ikey = format!("calendar[{i}]");
            let Some(t) = self.table(item, &ikey) else {
                continue;
            };
            let (mut month, mut kind, mut actor) = (None, None, None);
            for e in t {
                let k = format!("{ikey}.{}", e.key);
                match e.key.as_str() {
                    "month" => month = self.month(&e.node, &k).map(|m| (m, e.node.loc.clone())),
                    "kind" => kind = self.string(&e.node, &k).map(|v| (v, e.node.loc.clone())),
                    "actor" => actor = self.string(&e.node, &k).map(|v| (v, e.node.loc.clone())),
                    "note" => {
                        let _ = self.string(&e.node, &k);
                    }
                    _ => self.unknown(e, &k, &["month", "kind", "actor", "note"]),
                }
            }
            let Some((m, mloc)) = month else {
                if !t.iter().any(|e| e.key == "month") {
                    self.err(&item.loc, &ikey, "missing `month`");
                }
                continue;
            };
            // A dated event outside the simulated months does not happen within them. A variant with a shorter
            // horizon or a later start inherits its base's calendar, so an inherited entry is skipped; one the
            // scenario's own file writes would be ignored without a word, so it is refused.
            if m < first || m > last {
                if mloc.file == 0 {
                    self.err(
                        &mloc,
                        &format!("{ikey}.month"),
                        format!("{m} is outside the simulated months {first} .. {last}: the event would never happen"),
                    );
                }
                continue;
            }
            let slot = start.months_until(m) as usize;
            let Some((kind, kloc)) = kind else {
                if !t.iter().any(|e| e.key == "kind") {
                    self.err(
                        &item.loc,
                        &ikey,
                        format!("missing `kind`; one of {}", CALENDAR_KINDS.join(", ")),
                    );
                }
                continue;
            };
            let kkey = format!("{ikey}.kind");
            match (kind.as_str(), actor) {
                ("election", Some((name, aloc))) => match partners.iter().position(|p| *p == name) {
                    Some(pos) => {
                        months[slot].elections |= 1 << pos;
                        events.push(CalendarEvent { month: m, kind: "election", actor: name });
                    }
                    // An actor this scenario removed takes its elections with it.
                    None if removed.contains(&name.as_str()) => {}
                    None => self.err(
                        &aloc,
                        &format!("{ikey}.actor"),
                        format!("{name:?} is not a partner of this scenario; elections are held by partners: {}", partners.join(", ")),
                    ),
                },
                ("election", None) => {
                    self.err(&item.loc, &ikey, "an election needs `actor`, the partner that holds it")
                }
                ("sanctions_renewal" | "enlargement", Some((_, aloc))) => self.err(
                    &aloc,
                    &format!("{ikey}.actor"),
                    format!("a {kind} names no actor"),
                ),
                ("sanctions_renewal", None) => {
                    months[slot].sanctions_renewal = true;
                    events.push(CalendarEvent { month: m, kind: "sanctions_renewal", actor: String::new() });
                }
                ("enlargement", None) => {
                    months[slot].enlargement = true;
                    events.push(CalendarEvent { month: m, kind: "enlargement", actor: String::new() });
                }
                (other, _) => self.err(
                    &kloc,
                    &kkey,
                    format!("{other:?} is not a calendar event; one of {}", CALENDAR_KINDS.join(", ")),
                ),
            }
        }
        events.sort_by(|a, b| (a.month, a.kind, &a.actor).cmp(&(b.month, b.kind, &b.actor)));
        (months, events)
    }
}

/// The kinds of scheduled event a `[[calendar]]` entry may name.
pub const CALENDAR_KINDS: [&str; 3] = ["election", "sanctions_renewal", "enlargement"];

/// One scheduled political event, for reports and the manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarEvent {
    pub month: Month,
    pub kind: &'static str,
    pub actor: String,
}

/// Western engagement per month index: `level` until the first scheduled change, then each change from its month.
pub fn west_schedule(
    level: f64,
    changes: &[(Month, f64)],
    start: Month,
    horizon: usize,
) -> Vec<f64> {
    let mut out = vec![level; horizon + 1];
    for &(month, l) in changes {
        let from = start.months_until(month).clamp(0, horizon as i64 + 1) as usize;
        out[from..].iter_mut().for_each(|w| *w = l);
    }
    out
}
