//! Sweep files: a base scenario, parameters by key path, a design and replicates per point. Read with the
//! scenario's reader (`check::Checker`), so errors carry file, line:column, key path, what is allowed and a "did you
//! mean".

use std::path::{Path, PathBuf};

use super::size::{self, Size, SweepLimits};
use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS, fmt_num};
use crate::model::{ModelConfig, Role};
use crate::scenario::check::{self, Checker};
use crate::scenario::tree::{self, Entry, Loc, Value};
use crate::scenario::{
    Key, NOT_SWEEPABLE, Outcome, Scenario, ScenarioError, Target, configure, resolve_key,
    resolve_outcome, shadowed, valid_scenario_name,
};

/// Replicates per point at most.
pub const MAX_REPLICATES: u64 = 10_000_000;
/// Values of one grid parameter given by `from`, `to` and `step`, at most.
pub const MAX_GRID_VALUES: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub enum DesignKind {
    /// Every combination of each parameter's values.
    Grid,
    LatinHypercube {
        points: usize,
    },
    Morris {
        trajectories: usize,
        levels: usize,
    },
    Sobol {
        base_samples: usize,
    },
}

impl DesignKind {
    pub fn name(&self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::LatinHypercube { .. } => "latin-hypercube",
            DesignKind::Morris { .. } => "morris",
            DesignKind::Sobol { .. } => "sobol",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweptParam {
    pub key: String,
    pub target: Target,
    /// Grid values (grid designs only).
    pub values: Vec<f64>,
    /// Bounds (continuous designs).
    pub lower: f64,
    pub upper: f64,
    /// `role = "lever"`: a choice (what a government can set), crossed with every future of the uncertainties;
    /// false for `role = "uncertainty"` (the default). A lever always takes listed values, in any design.
    pub lever: bool,
}

#[derive(Clone, Debug)]
pub struct Sweep {
    pub name: String,
    pub description: String,
    pub path: PathBuf,
    pub scenario: Scenario,
    pub replicates: u64,
    pub seed: u64,
    pub design: DesignKind,
    /// `[design] seed` (default 1): places the points of random designs (Latin hypercube, Morris, the Sobol
    /// scrambling) and seeds the bootstrap of the indices' intervals. The runs' streams come from `seed` alone.
    pub design_seed: u64,
    pub params: Vec<SweptParam>,
    pub outcomes: Vec<Outcome>,
    /// Precision mode (from the command line): the target 95% half-width of every outcome at every point, and the
    /// most replicates a point may take. `replicates` is then ignored.
    pub precision: Option<(f64, u64)>,
    /// Points, parameters, outcomes and estimated memory, checked against the limits it was loaded within.
    pub size: Size,
}

impl Sweep {
    /// The key paths of the parameters marked `role = "lever"`, in the file's order.
    pub fn levers(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|p| p.lever)
            .map(|p| p.key.clone())
            .collect()
    }

    /// Reads and checks a sweep file within the default limits ([`SweepLimits::DEFAULT`]).
    pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
        Sweep::load_within(path, &SweepLimits::DEFAULT)
    }

    /// Reads and checks a sweep file; a design with no points, an overflowing point count, or more points or
    /// memory than `limits` allow is refused with the design's line, before anything runs.
    pub fn load_within(path: &Path, limits: &SweepLimits) -> Result<Sweep, ScenarioError> {
        let (sources, table) = check::read(path)?;
        let mut v = Checker::new(&sources);
        let sweep = v.sweep(path, table, limits);
        v.finish(sweep)
    }

    /// A model configuration with point `values` (one per swept parameter) applied.
    pub fn config_at(&self, values: &[f64]) -> ModelConfig {
        let changes: Vec<(Target, f64)> = self
            .params
            .iter()
            .map(|p| p.target.clone())
            .zip(values.iter().copied())
            .collect();
        configure(&self.scenario, &changes)
    }
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "base",
    "replicates",
    "seed",
    "outcomes",
    "design",
    "parameters",
    "all_parameters",
];

impl Checker<'_> {
    fn sweep(&mut self, path: &Path, table: tree::Table, limits: &SweepLimits) -> Option<Sweep> {
        let whole = Loc {
            file: 0,
            span: 0..0,
        };
        let get = |k: &str| tree::get(&table, k);
        for e in &table {
            if !TOP_KEYS.contains(&e.key.as_str()) {
                self.unknown(e, &e.key.clone(), TOP_KEYS);
            }
        }
        let name = match get("name") {
            Some(e) => {
                let n = self.string(&e.node, "name").unwrap_or_default();
                if !valid_scenario_name(&n) {
                    self.err(&e.node.loc, "name", "a sweep name is 1 to 64 letters, digits, '-' or '_' (it names the output folder)");
                }
                n
            }
            None => {
                self.err(&whole, "name", "missing: every sweep names itself");
                String::new()
            }
        };
        let description = get("description")
            .and_then(|e| self.string(&e.node, "description"))
            .unwrap_or_default();
        let base_entry = get("base");
        let Some(base_entry) = base_entry else {
            self.err(
                &whole,
                "base",
                "missing: the scenario the sweep varies (a path relative to this file)",
            );
            return None;
        };
        let rel = self.string(&base_entry.node, "base")?;
        let base_path = path.parent().unwrap_or(Path::new(".")).join(&rel);
        let scenario = match Scenario::load(&base_path) {
            Ok(s) => s,
            Err(ScenarioError::Read { .. }) => {
                self.err(
                    &base_entry.node.loc,
                    "base",
                    format!("base scenario {} cannot be read", base_path.display()),
                );
                return None;
            }
            Err(ScenarioError::Invalid(v)) => {
                self.errors.extend(v);
                return None;
            }
        };
        let replicates = match get("replicates") {
            Some(e) => self
                .integer(&e.node, "replicates", 1, MAX_REPLICATES)
                .unwrap_or(1),
            None => {
                self.err(&whole, "replicates", "missing: runs per design point");
                1
            }
        };
        let seed = get("seed")
            .and_then(|e| self.integer(&e.node, "seed", 0, i64::MAX as u64))
            .unwrap_or(scenario.seed);
        let (design, design_seed) = self.design(get("design"));
        let mut params = Vec::new();
        if let Some(e) = get("parameters") {
            self.parameters(e, &scenario, &design, &mut params);
        }
        if let Some(e) = get("all_parameters") {
            self.all_parameters(e, &scenario, &design, &mut params);
        }
        if params.is_empty() {
            self.err(&whole, "parameters", "no parameters: add [[parameters]] tables (key and values or bounds) or [all_parameters]");
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.key == p.key) {
                self.err(&whole, "parameters", format!("{} is swept twice", p.key));
            }
        }
        if matches!(design, DesignKind::LatinHypercube { .. })
            && !params.is_empty()
            && params.iter().all(|p| p.lever)
        {
            self.err(&whole, "parameters", "every parameter is a lever: a latin-hypercube samples the uncertainties, so mark at least one parameter role = \"uncertainty\" (or use a grid)");
        }
        let min_points = match design {
            DesignKind::LatinHypercube { points } if points < 2 => {
                Some("latin-hypercube needs at least 2 points")
            }
            DesignKind::Sobol { base_samples } if base_samples < 16 => {
                Some("sobol needs base_samples of at least 16")
            }
            DesignKind::Morris { trajectories, .. } if trajectories < 4 => {
                Some("morris needs at least 4 trajectories")
            }
            _ => None,
        };
        if let (Some(msg), Some(e)) = (min_points, get("design")) {
            self.err(
                &e.node.loc,
                "design",
                format!("too few points for the design: {msg}"),
            );
        }
        if let (DesignKind::Sobol { base_samples }, Some(e)) = (&design, get("design")) {
            if *base_samples >= 16 && !base_samples.is_power_of_two() {
                self.err(&e.node.loc, "design.base_samples", format!("{base_samples} is not a power of two: the scrambled Sobol design is balanced only at powers of two (try {})", base_samples.next_power_of_two()));
            }
            if 2 * params.len() > 256 {
                self.err(&e.node.loc, "design", format!("sobol takes at most 128 parameters (2k Sobol dimensions of 256); this sweep has {}", params.len()));
            }
        }
        let outcomes = self.outcomes(get("outcomes"), &scenario);
        // The size is only meaningful once every parameter has its values or bounds.
        let size = if self.errors.is_empty() {
            match size::check(&design, &params, outcomes.len(), limits) {
                Ok(size) => size,
                Err(e) => {
                    let (loc, key) = match (get("design"), get("parameters"), get("all_parameters"))
                    {
                        (Some(d), _, _) => (d.node.loc.clone(), "design"),
                        (None, Some(p), _) => (p.node.loc.clone(), "parameters"),
                        (None, None, Some(a)) => (a.node.loc.clone(), "all_parameters"),
                        (None, None, None) => (whole.clone(), "design"),
                    };
                    self.err(&loc, key, e.to_string());
                    return None;
                }
            }
        } else {
            return None;
        };
        Some(Sweep {
            name,
            description,
            path: path.to_path_buf(),
            scenario,
            replicates,
            seed,
            design,
            design_seed,
            params,
            outcomes,
            precision: None,
            size,
        })
    }

    fn design(&mut self, e: Option<&Entry>) -> (DesignKind, u64) {
        let Some(e) = e else {
            return (DesignKind::Grid, 1);
        };
        let Value::Table(t) = &e.node.value else {
            self.err(&e.node.loc, "design", "must be a table: [design] kind = \"grid\" | \"latin-hypercube\" | \"morris\" | \"sobol\"");
            return (DesignKind::Grid, 1);
        };
        let kind = tree::get(t, "kind")
            .and_then(|k| self.string(&k.node, "design.kind"))
            .unwrap_or_else(|| "grid".into());
        let int = |c: &mut Self, key: &str, default: u64, min: u64, max: u64| {
            tree::get(t, key)
                .and_then(|k| c.integer(&k.node, &format!("design.{key}"), min, max))
                .unwrap_or(default) as usize
        };
        let allowed: &[&str] = match kind.as_str() {
            "grid" => &["kind", "seed"],
            "latin-hypercube" => &["kind", "seed", "points"],
            "morris" => &["kind", "seed", "trajectories", "levels"],
            "sobol" => &["kind", "seed", "base_samples"],
            _ => {
                let loc = tree::get(t, "kind")
                    .map(|k| k.node.loc.clone())
                    .unwrap_or(e.node.loc.clone());
                self.err(
                    &loc,
                    "design.kind",
                    format!(
                        "unknown design {kind:?}; designs: grid, latin-hypercube, morris, sobol"
                    ),
                );
                return (DesignKind::Grid, 1);
            }
        };
        for entry in t {
            if !allowed.contains(&entry.key.as_str()) {
                self.unknown(entry, &format!("design.{}", entry.key), allowed);
            }
        }
        let seed = int(self, "seed", 1, 0, u64::from(u32::MAX)) as u64;
        let design = match kind.as_str() {
            "latin-hypercube" => DesignKind::LatinHypercube {
                points: int(self, "points", 64, 0, 1_000_000),
            },
            "morris" => {
                let levels = int(self, "levels", 4, 2, 64);
                if levels % 2 != 0
                    && let Some(l) = tree::get(t, "levels")
                {
                    self.err(
                        &l.node.loc,
                        "design.levels",
                        "must be even (Morris's step p / (2 (p - 1)) needs it)",
                    );
                }
                DesignKind::Morris {
                    trajectories: int(self, "trajectories", 20, 0, 10_000),
                    levels,
                }
            }
            "sobol" => DesignKind::Sobol {
                base_samples: int(self, "base_samples", 256, 0, 65_536),
            },
            _ => DesignKind::Grid,
        };
        (design, seed)
    }

    /// A parameter's `role`: "lever" (true) or "uncertainty" (false, the default). Levers are crossed with the
    /// uncertainties' futures, which Morris trajectories and Saltelli matrices cannot be, so they need a grid or a
    /// Latin hypercube.
    fn role(&mut self, t: &tree::Table, key: &str, design: &DesignKind) -> bool {
        let Some(r) = tree::get(t, "role") else {
            return false;
        };
        let Some(role) = self.string(&r.node, &format!("{key}.role")) else {
            return false;
        };
        match role.as_str() {
            "uncertainty" => false,
            "lever" => {
                if matches!(design, DesignKind::Morris { .. } | DesignKind::Sobol { .. }) {
                    self.err(
                        &r.node.loc,
                        &format!("{key}.role"),
                        format!(
                            "a {} design cannot take levers: levers are crossed with the uncertainties' futures, which needs a grid or latin-hypercube design",
                            design.name()
                        ),
                    );
                }
                true
            }
            other => {
                self.err(
                    &r.node.loc,
                    &format!("{key}.role"),
                    format!("unknown role {other:?}; roles: \"lever\" (a choice), \"uncertainty\" (the default)"),
                );
                false
            }
        }
    }

    /// Resolves a key path to a parameter or an actor attribute, with its allowed range.
    fn target(&mut self, key: &str, loc: &Loc, s: &Scenario) -> Option<Key> {
        if NOT_SWEEPABLE.contains(&key) {
            self.err(
                loc,
                key,
                "cannot be swept: it changes the shape of every run",
            );
            return None;
        }
        match resolve_key(key, s) {
            Ok(t) => match shadowed(key, s) {
                Some(sh) => {
                    self.err(loc, key, sh.to_string());
                    None
                }
                None => Some(t),
            },
            Err(e) => {
                self.err(loc, key, e.to_string());
                None
            }
        }
    }

    fn parameters(
        &mut self,
        e: &Entry,
        s: &Scenario,
        design: &DesignKind,
        out: &mut Vec<SweptParam>,
    ) {
        let Value::Array(items) = &e.node.value else {
            self.err(
                &e.node.loc,
                "parameters",
                "must be an array of tables: [[parameters]] key = ..., values = [...]",
            );
            return;
        };
        for (n, item) in items.iter().enumerate() {
            let pkey = format!("parameters[{n}]");
            let Value::Table(t) = &item.value else {
                self.err(&item.loc, &pkey, "must be a table");
                continue;
            };
            let allowed = [
                "key", "role", "values", "from", "to", "step", "lower", "upper",
            ];
            for entry in t {
                if !allowed.contains(&entry.key.as_str()) {
                    self.unknown(entry, &format!("{pkey}.{}", entry.key), &allowed);
                }
            }
            let Some(k) = tree::get(t, "key") else {
                self.err(&item.loc, &pkey, "missing `key`: the key path to sweep, e.g. \"drivers.oil.long_run_usd_per_bbl\"");
                continue;
            };
            let Some(key) = self.string(&k.node, &format!("{pkey}.key")) else {
                continue;
            };
            let Some(Key { target, min, max }) = self.target(&key, &k.node.loc, s) else {
                continue;
            };
            let range = format!("[{}, {}]", fmt_num(min), fmt_num(max));
            let check = |c: &mut Self, v: f64, loc: &Loc, what: &str| {
                if v < min || v > max {
                    c.err(
                        loc,
                        &format!("{key}.{what}"),
                        format!("{} is out of range: must be in {range}", fmt_num(v)),
                    );
                }
            };
            let lever = self.role(t, &key, design);
            let mut p = SweptParam {
                key: key.clone(),
                target,
                values: Vec::new(),
                lower: f64::NAN,
                upper: f64::NAN,
                lever,
            };
            // A lever takes listed settings in every design: robustness compares each setting in the same futures.
            if *design == DesignKind::Grid || lever {
                if let Some(v) = tree::get(t, "values") {
                    match &v.node.value {
                        Value::Array(xs) if !xs.is_empty() => {
                            for x in xs {
                                if let Some(f) =
                                    self.number(x, &format!("{key}.values")).map(|n| n.value)
                                {
                                    check(self, f, &x.loc, "values");
                                    p.values.push(f);
                                }
                            }
                        }
                        _ => self.err(
                            &v.node.loc,
                            &format!("{key}.values"),
                            "must be a non-empty array of numbers",
                        ),
                    }
                } else {
                    let from = tree::get(t, "from");
                    let to = tree::get(t, "to");
                    let step = tree::get(t, "step");
                    match (from, to, step) {
                        (Some(f), Some(tt), Some(st)) => {
                            let (a, b, d) = (
                                self.number(&f.node, &key).map(|n| n.value),
                                self.number(&tt.node, &key).map(|n| n.value),
                                self.number(&st.node, &key).map(|n| n.value),
                            );
                            if let (Some(a), Some(b), Some(d)) = (a, b, d) {
                                check(self, a, &f.node.loc, "from");
                                check(self, b, &tt.node.loc, "to");
                                if b < a {
                                    self.err(
                                        &tt.node.loc,
                                        &format!("{key}.to"),
                                        format!(
                                            "bounds reversed: to ({}) is below from ({})",
                                            fmt_num(b),
                                            fmt_num(a)
                                        ),
                                    );
                                } else if d <= 0.0 {
                                    self.err(
                                        &st.node.loc,
                                        &format!("{key}.step"),
                                        "must be positive",
                                    );
                                } else {
                                    // Counted in floating point and checked before the cast: a step
                                    // of 1e-20 would otherwise saturate, wrap to 0 and leave no values.
                                    let steps = ((b - a) / d + 1e-9).floor();
                                    // NaN and infinity fail the check too.
                                    if !steps.is_finite() || steps >= MAX_GRID_VALUES as f64 {
                                        self.err(
                                            &st.node.loc,
                                            &format!("{key}.step"),
                                            format!(
                                                "step {} gives more than {MAX_GRID_VALUES} values from {} to {}",
                                                fmt_num(d),
                                                fmt_num(a),
                                                fmt_num(b)
                                            ),
                                        );
                                    } else {
                                        let count = steps as usize + 1;
                                        p.values = (0..count).map(|i| a + i as f64 * d).collect();
                                    }
                                }
                            }
                        }
                        _ => self.err(
                            &item.loc,
                            &pkey,
                            if lever {
                                "a lever needs `values = [...]` or `from`, `to` and `step`: the settings to compare"
                            } else {
                                "a grid parameter needs `values = [...]` or `from`, `to` and `step`"
                            },
                        ),
                    }
                }
            } else {
                match (tree::get(t, "lower"), tree::get(t, "upper")) {
                    (Some(l), Some(u)) => {
                        if let (Some(a), Some(b)) = (
                            self.number(&l.node, &key).map(|n| n.value),
                            self.number(&u.node, &key).map(|n| n.value),
                        ) {
                            check(self, a, &l.node.loc, "lower");
                            check(self, b, &u.node.loc, "upper");
                            if b <= a {
                                self.err(&u.node.loc, &format!("{key}.upper"), format!("bounds reversed or empty: upper ({}) must be above lower ({})", fmt_num(b), fmt_num(a)));
                            }
                            p.lower = a;
                            p.upper = b;
                        }
                    }
                    _ => self.err(
                        &item.loc,
                        &pkey,
                        format!(
                            "a {} design needs `lower` and `upper` for each parameter",
                            design.name()
                        ),
                    ),
                }
            }
            out.push(p);
        }
    }

    /// `[all_parameters] relative = 0.25, exclude = [...]`: every table parameter (and every numeric attribute of
    /// every partner and the patron) within +-relative of the base value, clipped to its allowed range.
    fn all_parameters(
        &mut self,
        e: &Entry,
        s: &Scenario,
        design: &DesignKind,
        out: &mut Vec<SweptParam>,
    ) {
        let Value::Table(t) = &e.node.value else {
            self.err(
                &e.node.loc,
                "all_parameters",
                "must be a table: relative = 0.25, exclude = [...]",
            );
            return;
        };
        if *design == DesignKind::Grid {
            self.err(
                &e.node.loc,
                "all_parameters",
                "needs a continuous design (morris, sobol or latin-hypercube), not a grid",
            );
            return;
        }
        for entry in t {
            if !["relative", "exclude", "include_actors"].contains(&entry.key.as_str()) {
                self.unknown(
                    entry,
                    &format!("all_parameters.{}", entry.key),
                    &["relative", "exclude", "include_actors"],
                );
            }
        }
        let relative = tree::get(t, "relative").and_then(|r| {
            let v = self.number(&r.node, "all_parameters.relative")?.value;
            if v > 0.0 && v <= 1.0 {
                Some(v)
            } else {
                self.err(
                    &r.node.loc,
                    "all_parameters.relative",
                    format!("{v} is out of range: must be in (0, 1]"),
                );
                None
            }
        });
        let relative = relative.unwrap_or(0.25);
        let mut exclude: Vec<String> = NOT_SWEEPABLE.iter().map(|k| k.to_string()).collect();
        if let Some(x) = tree::get(t, "exclude") {
            match &x.node.value {
                Value::Array(items) => {
                    for it in items {
                        let Some(k) = self.string(it, "all_parameters.exclude") else {
                            continue;
                        };
                        // A misspelt exclusion would silently keep the parameter in the design.
                        if let Err(e) = resolve_key(&k, s) {
                            self.err(&it.loc, "all_parameters.exclude", format!("{k:?}: {e}"));
                        }
                        exclude.push(k);
                    }
                }
                other => self.err(
                    &x.node.loc,
                    "all_parameters.exclude",
                    format!("must be an array of key paths, found {}", other.type_name()),
                ),
            }
        }
        let include_actors =
            match tree::get(t, "include_actors").map(|x| (&x.node.value, &x.node.loc)) {
                None => true,
                Some((Value::Bool(b), _)) => *b,
                Some((other, loc)) => {
                    self.err(
                        loc,
                        "all_parameters.include_actors",
                        format!("must be true or false, found {}", other.type_name()),
                    );
                    true
                }
            };
        let values = s.config.params.values();
        let mut overridden = Vec::new();
        let mut push = |key: String, target: Target, v: f64, min: f64, max: f64| {
            if exclude.contains(&key) {
                return;
            }
            if let Some(mut sh) = shadowed(&key, s) {
                sh.hint = ", or add it to all_parameters.exclude".to_string();
                overridden.push((key, sh));
                return;
            }
            let span = if v == 0.0 {
                relative * (max - min) / 2.0
            } else {
                relative * v.abs()
            };
            let (lower, upper) = ((v - span).max(min), (v + span).min(max));
            if upper > lower {
                out.push(SweptParam {
                    key,
                    target,
                    values: Vec::new(),
                    lower,
                    upper,
                    lever: false,
                });
            }
        };
        for (i, spec) in PARAM_SPECS.iter().enumerate() {
            push(
                spec.key.to_string(),
                Target::Param(i),
                values[i],
                spec.min,
                spec.max,
            );
        }
        if include_actors {
            for (a, actor) in s
                .config
                .actors
                .iter()
                .enumerate()
                .filter(|(_, a)| a.role != Role::Contested)
            {
                for (i, spec) in ACTOR_ATTRS.iter().enumerate() {
                    if spec.boolean
                        || !spec.applies_to(actor.role)
                        || spec.key == "alignment" && actor.role == Role::Patron
                    {
                        continue;
                    }
                    push(
                        format!("actors.{}.{}", actor.name, spec.key),
                        Target::Attr(a, i),
                        actor.attrs[i],
                        spec.min,
                        spec.max,
                    );
                }
            }
        }
        for (key, sh) in overridden {
            self.err(
                &e.node.loc,
                &format!("all_parameters: {key}"),
                sh.to_string(),
            );
        }
    }

    fn outcomes(&mut self, e: Option<&Entry>, s: &Scenario) -> Vec<Outcome> {
        let events = crate::model::observe::event_defs(&s.config);
        let all_events = || {
            events
                .iter()
                .enumerate()
                .map(|(index, d)| Outcome::Event {
                    id: d.id.to_string(),
                    actor: d.actor.clone(),
                    index,
                })
                .collect::<Vec<_>>()
        };
        let Some(e) = e else {
            return all_events();
        };
        let Value::Array(items) = &e.node.value else {
            self.err(&e.node.loc, "outcomes", "must be an array of outcome names, e.g. [\"leaves_orbit:Belarus\", \"union_fracture\"]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for it in items {
            let Some(name) = self.string(it, "outcomes") else {
                continue;
            };
            match resolve_outcome(&name, s) {
                // Each outcome names three columns of sweep.csv and a block of analysis.json: twice would
                // give duplicate columns.
                Ok(o) if out.iter().any(|x: &Outcome| x.label() == o.label()) => self.err(
                    &it.loc,
                    "outcomes",
                    format!("{name:?} is named twice: each outcome may be named once"),
                ),
                Ok(o) => out.push(o),
                Err(e) => self.err(&it.loc, "outcomes", e.to_string()),
            }
        }
        if out.is_empty() && self.errors.is_empty() {
            self.err(&e.node.loc, "outcomes", "empty: name at least one outcome");
        }
        out
    }
}
