//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with its file, line:column and key path.
//!
//! A variant names its `base` (a path relative to itself) and states only what it changes: tables merge key by key,
//! everything else replaces. All checks run on the merged tree before anything is simulated.

pub mod check;
pub mod error;
pub mod month;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::{Located, ScenarioError};
pub use month::Month;
use tree::{Entry, Loc, Node, Sources, Table, Value};

use crate::evidence;
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS, Params, fmt_num, param_index};
use crate::model::{ActorDef, ModelConfig, Role};

/// Default number of runs when neither the scenario nor the command line says.
pub const DEFAULT_RUNS: u64 = 10_000;
/// Default seed: the article's date.
pub const DEFAULT_SEED: u64 = 20_141_226;
/// Bases may nest this deep (a guard against runaway chains; cycles are caught separately).
const MAX_BASE_DEPTH: usize = 16;
/// Partners a scenario may declare: 4 events each plus 4 global events fit a 64-bit mask.
pub const MAX_PARTNERS: usize = 15;
/// Upper bound on runs one scenario may ask for.
pub const MAX_RUNS: u64 = 100_000_000;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The parameter table's default.
    Default,
    /// Set in this file (index into [`Scenario::files`]: 0 is the scenario itself, then its bases).
    File(usize),
}

/// Per actor attribute: where its value came from and the provenance text the scenario gave.
pub type AttrOrigins = Vec<(Origin, Option<String>)>;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The scenario file first, then its bases in order.
    pub files: Vec<PathBuf>,
    pub start: Month,
    pub runs: u64,
    pub seed: u64,
    pub config: ModelConfig,
    /// Per entry of [`PARAM_SPECS`].
    pub param_origin: Vec<Origin>,
    /// Per actor (in `config.actors` order), per entry of [`ACTOR_ATTRS`]: origin and the provenance text the
    /// scenario gave (`sources` table), if any.
    pub actor_attr_origin: Vec<AttrOrigins>,
    /// What the scenario file itself (not its bases) sets, as `key path = value` lines, for reports.
    pub changes: Vec<(String, String)>,
    pub oil_shocks: Vec<(Month, f64)>,
    pub west_changes: Vec<(Month, f64)>,
    pub replays: Vec<ReplayInfo>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplayInfo {
    pub driver: String,
    pub file: String,
    pub column: String,
    pub first_month: Option<String>,
    pub last_month: Option<String>,
}

impl Scenario {
    /// Reads, merges and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let mut sources = Sources::default();
        let merged = load_chain(path, &mut sources, &mut Vec::new())?;
        Validator::new(&sources).scenario(merged)
    }

    /// Month label of step `m` (0 is the start month).
    pub fn month_label(&self, m: usize) -> String {
        self.start.plus(m).to_string()
    }

    pub fn horizon_months(&self) -> usize {
        self.config.horizon_months()
    }
}

fn load_chain(
    path: &Path,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
) -> Result<Table, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.into(),
        source,
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let file = sources.files.len();
    sources.files.push(tree::SourceFile {
        path: path.to_path_buf(),
        text,
    });
    chain.push(canonical);
    let mut table = tree::parse(sources, file)?;
    let Some(base) = tree::take(&mut table, "base") else {
        if let Some(r) = tree::get(&table, "remove_actors") {
            return Err(invalid(
                sources,
                &r.key_loc,
                "remove_actors",
                "removes actors a base declares: this file has no base",
            ));
        }
        return Ok(table);
    };
    let Value::Str(rel) = &base.node.value else {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            "must be a string: the path of the base scenario",
        ));
    };
    let base_path = path.parent().unwrap_or(Path::new(".")).join(rel);
    let base_canonical = base_path
        .canonicalize()
        .unwrap_or_else(|_| base_path.clone());
    if chain.contains(&base_canonical) {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!(
                "{} is already in this scenario's chain of bases (a cycle)",
                base_path.display()
            ),
        ));
    }
    if chain.len() > MAX_BASE_DEPTH {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!("bases nest deeper than {MAX_BASE_DEPTH}"),
        ));
    }
    if !base_path.is_file() {
        return Err(invalid(
            sources,
            &base.node.loc,
            "base",
            format!("base scenario {} does not exist", base_path.display()),
        ));
    }
    let mut merged = load_chain(&base_path, sources, chain)?;
    // Each file removes from what its bases built, before its own actors are merged in; the list stays in the
    // tree only as a record of what this file removed.
    if let Some(r) = tree::get(&table, "remove_actors") {
        remove_actors(sources, &mut merged, r)?;
    }
    // name and description belong to each file; the base's never carry over.
    tree::take(&mut merged, "name");
    tree::take(&mut merged, "description");
    tree::merge(&mut merged, table);
    Ok(merged)
}

/// Removes the actors `r` names from the merged `actors` table; every name must be there.
fn remove_actors(sources: &Sources, merged: &mut Table, r: &Entry) -> Result<(), ScenarioError> {
    let Value::Array(items) = &r.node.value else {
        return Err(invalid(
            sources,
            &r.node.loc,
            "remove_actors",
            "must be an array of actor names",
        ));
    };
    let actors = merged
        .iter_mut()
        .find(|e| e.key == "actors")
        .map(|e| &mut e.node.value);
    let Some(Value::Table(actors)) = actors else {
        return Err(invalid(
            sources,
            &r.key_loc,
            "remove_actors",
            "the base declares no actors",
        ));
    };
    let mut problems = Vec::new();
    for item in items {
        match &item.value {
            Value::Str(name) if tree::take(actors, name).is_some() => {}
            Value::Str(name) => {
                let names: Vec<&str> = actors.iter().map(|e| e.key.as_str()).collect();
                problems.push(sources.error(
                    &item.loc,
                    "remove_actors",
                    format!("no actor named {name:?}; actors: {}", names.join(", ")),
                ));
            }
            other => problems.push(sources.error(
                &item.loc,
                "remove_actors",
                format!(
                    "must list actor names as strings, found {}",
                    other.type_name()
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScenarioError::Invalid(problems))
    }
}

fn invalid(sources: &Sources, loc: &Loc, key: &str, msg: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(vec![sources.error(loc, key, msg)])
}

/// Keys of the top level and of structural tables, beside the parameter table's.
const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "base",
    "start_month",
    "remove_actors",
    "run",
    "actors",
];
const RUN_KEYS: &[&str] = &["runs", "seed"];

struct Validator<'a> {
    sources: &'a Sources,
    errors: Vec<Located>,
    /// Where each parameter of the table was set, for checks across parameters.
    param_locs: Vec<Option<Loc>>,
}

/// A number read from the tree, with where it was written.
struct Num {
    value: f64,
    loc: Loc,
}

impl<'a> Validator<'a> {
    fn new(sources: &'a Sources) -> Self {
        Validator {
            sources,
            errors: Vec::new(),
            param_locs: vec![None; PARAM_SPECS.len()],
        }
    }

    fn err(&mut self, loc: &Loc, key: &str, msg: impl Into<String>) {
        self.errors.push(self.sources.error(loc, key, msg));
    }

    fn scenario(mut self, mut top: Table) -> Result<Scenario, ScenarioError> {
        let mut params = Params::default();
        let mut param_origin = vec![Origin::Default; PARAM_SPECS.len()];
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
        let start = match tree::take(&mut top, "start_month") {
            Some(e) => self
                .month(&e.node, "start_month")
                .unwrap_or(Month::new(2014, 12).unwrap()),
            None => Month::new(2014, 12).expect("valid month"),
        };
        let (mut runs, mut seed) = (DEFAULT_RUNS, DEFAULT_SEED);
        if let Some(e) = tree::take(&mut top, "run") {
            if let Some(t) = self.table(&e.node, "run") {
                for entry in t {
                    let key = format!("run.{}", entry.key);
                    match entry.key.as_str() {
                        "runs" => {
                            runs = self.integer(&entry.node, &key, 1, MAX_RUNS).unwrap_or(runs)
                        }
                        "seed" => {
                            seed = self
                                .integer(&entry.node, &key, 0, i64::MAX as u64)
                                .unwrap_or(seed)
                        }
                        _ => self.unknown(entry, &key, RUN_KEYS),
                    }
                }
            }
        }
        let remove_actors = tree::take(&mut top, "remove_actors");
        let actors_entry = tree::take(&mut top, "actors");

        // Schedules and replays are read after the horizon is known.
        let mut oil_shocks_raw = None;
        let mut west_changes_raw = None;
        let mut replay_raw: Vec<(&'static str, Entry)> = Vec::new();
        let mut leftovers = Vec::new();
        self.params(
            "",
            top,
            &mut params,
            &mut param_origin,
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
        if params.band_west_max >= params.band_russia_min {
            let loc = [
                param_index("bands.west_max"),
                param_index("bands.russia_min"),
            ]
            .into_iter()
            .flatten()
            .find_map(|i| self.param_locs[i].clone())
            .unwrap_or_else(|| whole.clone());
            self.err(
                &loc,
                "bands",
                "bands.west_max must be below bands.russia_min",
            );
        }
        let horizon = params.horizon_months as usize;

        let mut oil_shock_log = vec![0.0; horizon + 1];
        let mut oil_shocks = Vec::new();
        if let Some(e) = oil_shocks_raw {
            for (month, factor) in self.schedule(
                &e,
                "drivers.oil.shocks",
                "factor",
                (1e-3, 10.0),
                start,
                horizon,
            ) {
                oil_shock_log[start.months_until(month) as usize] += factor.ln();
                oil_shocks.push((month, factor));
            }
        }
        let mut west_changes = Vec::new();
        if let Some(e) = west_changes_raw {
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
            let target = if driver == "oil" {
                &mut oil_replay
            } else {
                &mut rub_replay
            };
            if let Some(info) = self.replay(&entry, driver, start, target) {
                replays.push(info);
            }
        }

        let (actors, actor_attr_origin) = self.actors(actors_entry, remove_actors, &mut changes);

        if !self.errors.is_empty() {
            return Err(ScenarioError::Invalid(self.errors));
        }
        Ok(Scenario {
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
            },
            param_origin,
            actor_attr_origin,
            changes,
            oil_shocks,
            west_changes,
            replays,
        })
    }

    /// Walks parameter tables; `structural` receives keys that are not parameters or parameter tables.
    fn params(
        &mut self,
        prefix: &str,
        table: Table,
        params: &mut Params,
        origin: &mut [Origin],
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
                        *params.slot_mut(i) = n.value;
                        self.param_locs[i] = Some(n.loc.clone());
                        origin[i] = Origin::File(n.loc.file);
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
                    self.params(&key, t, params, origin, changes, structural);
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

    fn unknown(&mut self, entry: &Entry, key: &str, allowed: &[&str]) {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let hint = closest(leaf, allowed)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        self.err(
            &entry.key_loc,
            key,
            format!("unknown key{hint}; allowed here: {}", allowed.join(", ")),
        );
    }

    fn number(&mut self, node: &Node, key: &str) -> Option<Num> {
        match node.value {
            Value::Int(i) => Some(Num {
                value: i as f64,
                loc: node.loc.clone(),
            }),
            Value::Float(f) if f.is_finite() => Some(Num {
                value: f,
                loc: node.loc.clone(),
            }),
            Value::Float(_) => {
                self.err(&node.loc, key, "must be a finite number (not nan or inf)");
                None
            }
            ref other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a number, found {}", other.type_name()),
                );
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, key: &str, min: u64, max: u64) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= 0 && (i as u64) >= min && (i as u64) <= max => Some(i as u64),
            Value::Int(i) => {
                self.err(
                    &node.loc,
                    key,
                    format!("{i} is out of range: must be a whole number in [{min}, {max}]"),
                );
                None
            }
            ref other => {
                self.err(
                    &node.loc,
                    key,
                    format!(
                        "must be a whole number in [{min}, {max}], found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    fn table<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n Table> {
        match &node.value {
            Value::Table(t) => Some(t),
            other => {
                self.err(
                    &node.loc,
                    key,
                    format!("must be a table, found {}", other.type_name()),
                );
                None
            }
        }
    }

    fn month(&mut self, node: &Node, key: &str) -> Option<Month> {
        let s = self.string(node, key)?;
        let m = Month::parse(&s);
        if m.is_none() {
            self.err(
                &node.loc,
                key,
                format!("{s:?} is not a month: write it as \"YYYY-MM\""),
            );
        }
        m
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
                    } else {
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

    /// `[drivers.X.replay] file = "...", column = "..."`: a CSV with a `month` column (YYYY-MM).
    fn replay(
        &mut self,
        entry: &Entry,
        driver: &str,
        start: Month,
        target: &mut [Option<f64>],
    ) -> Option<ReplayInfo> {
        let key = format!("drivers.{driver}.replay");
        let t = self.table(&entry.node, &key)?;
        let (mut file, mut column) = (None, None);
        for e in t {
            let k = format!("{key}.{}", e.key);
            match e.key.as_str() {
                "file" => file = self.string(&e.node, &k).map(|s| (s, e.node.loc.clone())),
                "column" => column = self.string(&e.node, &k),
                _ => self.unknown(e, &k, &["file", "column"]),
            }
        }
        let Some((rel, loc)) = file else {
            self.err(
                &entry.node.loc,
                &key,
                "missing `file`: the CSV to replay (a `month` column YYYY-MM and a value column)",
            );
            return None;
        };
        let path = self
            .sources
            .path(&loc)
            .parent()
            .unwrap_or(Path::new("."))
            .join(&rel);
        // Replayed values obey the same range as the driver's starting value.
        let range = param_index(if driver == "oil" {
            "drivers.oil.start_usd_per_bbl"
        } else {
            "drivers.rouble.start_rub_per_usd"
        })
        .map(|i| (PARAM_SPECS[i].min, PARAM_SPECS[i].max))
        .expect("driver start parameters are in the table");
        match read_series(&path, column.as_deref(), range) {
            Ok((col, series)) => {
                let mut covered = Vec::new();
                for (m, v) in series {
                    let offset = start.months_until(m);
                    if offset >= 1 && (offset as usize) < target.len() {
                        target[offset as usize] = Some(v);
                        covered.push(m);
                    }
                }
                if covered.is_empty() {
                    self.err(
                        &loc,
                        &format!("{key}.file"),
                        format!(
                            "{}: no row falls in the simulated months {} .. {}",
                            path.display(),
                            start.plus(1),
                            start.plus(target.len() - 1)
                        ),
                    );
                    return None;
                }
                Some(ReplayInfo {
                    driver: driver.into(),
                    file: rel,
                    column: col,
                    first_month: covered.first().map(|m| m.to_string()),
                    last_month: covered.last().map(|m| m.to_string()),
                })
            }
            Err(msg) => {
                self.err(
                    &loc,
                    &format!("{key}.file"),
                    format!("{}: {msg}", path.display()),
                );
                None
            }
        }
    }

    fn actors(
        &mut self,
        entry: Option<Entry>,
        remove: Option<Entry>,
        changes: &mut Vec<(String, String)>,
    ) -> (Vec<ActorDef>, Vec<AttrOrigins>) {
        let whole = Loc {
            file: 0,
            span: 0..0,
        };
        let Some(entry) = entry else {
            self.err(&whole, "actors", "missing: declare actors as [actors.NAME] tables with a `role` (patron, partner, contested)");
            return (Vec::new(), Vec::new());
        };
        let Value::Table(mut table) = entry.node.value else {
            self.err(
                &entry.node.loc,
                "actors",
                "must be a table of [actors.NAME] tables",
            );
            return (Vec::new(), Vec::new());
        };
        let remove_loc = remove
            .as_ref()
            .filter(|r| r.key_loc.file == 0)
            .map(|r| r.key_loc.clone());
        // The removals were applied while the bases were merged (load_chain); here they are only reported.
        if let Some(Value::Array(items)) = remove.as_ref().map(|r| &r.node.value) {
            for item in items {
                if let (Value::Str(name), 0) = (&item.value, item.loc.file) {
                    changes.push(("remove_actors".into(), name.clone()));
                }
            }
        }
        // Where a wrong actor set is reported: this file's own actor or `remove_actors` line, not its base's.
        let here = if entry.key_loc.file == 0 {
            entry.key_loc.clone()
        } else {
            table
                .iter()
                .find(|a| a.key_loc.file == 0)
                .map(|a| a.key_loc.clone())
                .or(remove_loc)
                .unwrap_or_else(|| whole.clone())
        };
        // One order whatever the files: by name (the TOML reader sorts a file's keys; merged bases append).
        table.sort_by(|a, b| a.key.cmp(&b.key));
        let mut actors = Vec::new();
        let mut origins = Vec::new();
        for a in table {
            let key = format!("actors.{}", a.key);
            if !valid_actor_name(&a.key) {
                self.err(&a.key_loc, &key, "an actor name is 1 to 40 characters: letters, digits, spaces, '-', '_' or '.', starting with a letter");
                continue;
            }
            let Value::Table(fields) = &a.node.value else {
                self.err(
                    &a.node.loc,
                    &key,
                    format!(
                        "must be a table ([{key}]), found {}",
                        a.node.value.type_name()
                    ),
                );
                continue;
            };
            let role = match tree::get(fields, "role") {
                Some(r) => match &r.node.value {
                    Value::Str(s) => match Role::parse(s) {
                        Some(role) => role,
                        None => {
                            self.err(
                                &r.node.loc,
                                &format!("{key}.role"),
                                format!("unknown role {s:?}; roles: {}", Role::NAMES.join(", ")),
                            );
                            continue;
                        }
                    },
                    other => {
                        self.err(
                            &r.node.loc,
                            &format!("{key}.role"),
                            format!(
                                "must be a string ({}), found {}",
                                Role::NAMES.join(", "),
                                other.type_name()
                            ),
                        );
                        continue;
                    }
                },
                None => {
                    self.err(
                        &a.key_loc,
                        &key,
                        format!("missing `role`; roles: {}", Role::NAMES.join(", ")),
                    );
                    continue;
                }
            };
            let mut attrs: Vec<f64> = ACTOR_ATTRS.iter().map(|s| s.default_for(role)).collect();
            let mut attr_origin: Vec<(Origin, Option<String>)> =
                vec![(Origin::Default, None); ACTOR_ATTRS.len()];
            let allowed: Vec<&str> = ["role", "sources"]
                .into_iter()
                .chain(
                    ACTOR_ATTRS
                        .iter()
                        .filter(|s| s.applies_to(role))
                        .map(|s| s.key),
                )
                .collect();
            let mut sources_entry = None;
            for f in fields {
                let fkey = format!("{key}.{}", f.key);
                if f.key == "role" {
                    continue;
                }
                if f.key == "sources" {
                    sources_entry = Some(f);
                    continue;
                }
                let Some(i) = ACTOR_ATTRS.iter().position(|s| s.key == f.key) else {
                    self.unknown(f, &fkey, &allowed);
                    continue;
                };
                let spec = &ACTOR_ATTRS[i];
                if !spec.applies_to(role) {
                    self.err(
                        &f.key_loc,
                        &fkey,
                        format!(
                            "`{}` is not an attribute of a {}; allowed here: {}",
                            f.key,
                            role.as_str(),
                            allowed.join(", ")
                        ),
                    );
                    continue;
                }
                let value = if spec.boolean {
                    match f.node.value {
                        Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
                        ref other => {
                            self.err(
                                &f.node.loc,
                                &fkey,
                                format!("must be true or false, found {}", other.type_name()),
                            );
                            None
                        }
                    }
                } else {
                    self.number(&f.node, &fkey).and_then(|n| {
                        if n.value >= spec.min && n.value <= spec.max {
                            Some(n.value)
                        } else {
                            self.err(
                                &n.loc,
                                &fkey,
                                format!(
                                    "{} is out of range: must be in {} ({})",
                                    fmt_num(n.value),
                                    spec.range_text(),
                                    spec.unit
                                ),
                            );
                            None
                        }
                    })
                };
                if let Some(v) = value {
                    attrs[i] = v;
                    attr_origin[i].0 = Origin::File(f.node.loc.file);
                    if f.node.loc.file == 0 {
                        changes.push((
                            fkey,
                            if spec.boolean {
                                (v != 0.0).to_string()
                            } else {
                                fmt_num(v)
                            },
                        ));
                    }
                }
            }
            if let Some(s) = sources_entry {
                self.actor_sources(s, &key, role, &mut attr_origin);
            }
            actors.push(ActorDef {
                name: a.key.clone(),
                role,
                attrs,
            });
            origins.push(attr_origin);
        }
        let count = |r: Role| actors.iter().filter(|a| a.role == r).count();
        let summary = format!(
            "{} patron, {} partner(s), {} contested",
            count(Role::Patron),
            count(Role::Partner),
            count(Role::Contested)
        );
        let shape_ok =
            count(Role::Patron) == 1 && count(Role::Contested) == 1 && count(Role::Partner) > 0;
        if count(Role::Partner) > MAX_PARTNERS {
            self.err(&here, "actors", format!("at most {MAX_PARTNERS} partners (each has four events, tracked in one 64-bit mask with the four global ones); found {}", count(Role::Partner)));
        }
        // An actor already refused above would only make this count misleading.
        if !shape_ok && self.errors.is_empty() {
            self.err(&here, "actors", format!("needs exactly one patron, exactly one contested state and at least one partner; found {summary}"));
        }
        (actors, origins)
    }

    fn actor_sources(
        &mut self,
        s: &Entry,
        key: &str,
        role: Role,
        origin: &mut [(Origin, Option<String>)],
    ) {
        let skey = format!("{key}.sources");
        let Value::Table(t) = &s.node.value else {
            self.err(
                &s.node.loc,
                &skey,
                "must be a table: attribute = \"claim ids\", \"data: ...\" or \"assumption: ...\"",
            );
            return;
        };
        for e in t {
            let k = format!("{skey}.{}", e.key);
            let Some(i) = ACTOR_ATTRS
                .iter()
                .position(|a| a.key == e.key && a.applies_to(role))
            else {
                let allowed: Vec<&str> = ACTOR_ATTRS
                    .iter()
                    .filter(|a| a.applies_to(role))
                    .map(|a| a.key)
                    .collect();
                self.unknown(e, &k, &allowed);
                continue;
            };
            let Some(text) = self.string(&e.node, &k) else {
                continue;
            };
            match check_provenance(&text) {
                Ok(()) => origin[i].1 = Some(text),
                Err(msg) => self.err(&e.node.loc, &k, msg),
            }
        }
    }
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

/// A provenance text: claim ids (`A09`, `A09, F01`), `data: FILE ROWS`, or `assumption: REASON`.
fn check_provenance(text: &str) -> Result<(), String> {
    let t = text.trim();
    if let Some(rest) = t
        .strip_prefix("data:")
        .or_else(|| t.strip_prefix("assumption:"))
    {
        return if rest.trim().is_empty() {
            Err("needs a file and rows (data:) or a reason (assumption:)".into())
        } else {
            Ok(())
        };
    }
    for id in t.split(',').map(str::trim) {
        if evidence::claim(id).is_none() {
            return Err(format!(
                "{id:?} is not a claim id in seeds/claims.toml; write claim ids (A01..A22, F01..F06), \"data: FILE ROWS\" or \"assumption: REASON\""
            ));
        }
    }
    Ok(())
}

fn is_structural(key: &str) -> bool {
    matches!(
        key,
        "drivers.oil.shocks"
            | "drivers.oil.replay"
            | "drivers.rouble.replay"
            | "drivers.west.changes"
    )
}

fn parent_of(key: &str) -> &str {
    key.rsplit_once('.').map_or("", |(p, _)| p)
}

/// The keys allowed directly under a table path.
fn allowed_children(prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let structural = [
        "drivers.oil.shocks",
        "drivers.oil.replay",
        "drivers.rouble.replay",
        "drivers.west.changes",
    ];
    let keys = PARAM_SPECS.iter().map(|s| s.key).chain(structural);
    for k in keys {
        let rest = if prefix.is_empty() {
            Some(k)
        } else {
            k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let child = rest.split('.').next().unwrap_or(rest).to_string();
            if !out.contains(&child) {
                out.push(child);
            }
        }
    }
    if prefix.is_empty() {
        for k in TOP_KEYS {
            if !out.iter().any(|o| o == k) {
                out.push((*k).to_string());
            }
        }
    }
    out
}

/// The allowed key nearest to a misspelt one (edit distance at most 3).
fn closest<'k>(word: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|a| (levenshtein(word, a), *a))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Scenario names become folder names: no separators, no dots, nothing a shell or browser would read specially.
pub fn valid_scenario_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_actor_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.chars().count() <= 40
        && chars.next().is_some_and(|c| c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// Reads a `month,value` CSV. `column` picks the value column (default: the first column after `month`).
fn read_series(
    path: &Path,
    column: Option<&str>,
    (lo, hi): (f64, f64),
) -> Result<(String, BTreeMap<Month, f64>), String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let month_col = headers
        .iter()
        .position(|h| h == "month")
        .ok_or("no `month` column")?;
    let value_col = match column {
        Some(c) => headers.iter().position(|h| h == c).ok_or_else(|| {
            format!(
                "no column {c:?}; columns: {}",
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?,
        None => (0..headers.len())
            .find(|&i| i != month_col)
            .ok_or("no value column")?,
    };
    let mut out = BTreeMap::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let row = i + 2;
        let m = Month::parse(rec.get(month_col).unwrap_or("")).ok_or_else(|| {
            format!(
                "row {row}: month {:?} is not YYYY-MM",
                rec.get(month_col).unwrap_or("")
            )
        })?;
        let v: f64 = rec
            .get(value_col)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| {
                format!(
                    "row {row}: {:?} is not a number",
                    rec.get(value_col).unwrap_or("")
                )
            })?;
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("row {row}: {v} is not a positive price"));
        }
        if !(lo..=hi).contains(&v) {
            return Err(format!(
                "row {row}: {v} is outside the driver's range [{}, {}]",
                fmt_num(lo),
                fmt_num(hi)
            ));
        }
        if out.insert(m, v).is_some() {
            return Err(format!("row {row}: month {m} appears twice"));
        }
    }
    Ok((headers[value_col].to_string(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_misspellings() {
        assert_eq!(
            closest("dependance", &["dependence", "threat"]),
            Some("dependence")
        );
        assert_eq!(closest("zzzzzzzz", &["dependence"]), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn names() {
        assert!(valid_scenario_name("oil-collapse_2"));
        for bad in ["", "../x", "a/b", "a.b", "/abs", "a b", "<b>"] {
            assert!(!valid_scenario_name(bad), "{bad}");
        }
        assert!(valid_actor_name("Armenia"));
        assert!(valid_actor_name("Kyrgyz Republic"));
        assert!(!valid_actor_name("<script>"));
        assert!(!valid_actor_name("../etc"));
    }

    #[test]
    fn provenance_texts() {
        assert!(check_provenance("A09, F01").is_ok());
        assert!(check_provenance("assumption: because").is_ok());
        assert!(check_provenance("data: x.csv rows 1-3").is_ok());
        assert!(check_provenance("Z99").is_err());
        assert!(check_provenance("assumption:  ").is_err());
    }
}
