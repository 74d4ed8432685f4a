//! Outcomes ("events") files: dated, resolved questions about what happened after a forecast's vantage month,
//! read with the scenarios' checker so every problem has file:line:column, key path and what is allowed.
//!
//! Format (TOML):
//!
//! ```toml
//! name = "baseline-2015-2017"   # [A-Za-z0-9_-]: names the default folder output/score/<name>
//! description = "..."           # optional
//! vantage = "2014-12"           # month 0 of the forecast it scores (must equal the run's start month)
//!
//! [[event]]
//! event = "leaves_orbit"        # an event id of the model (events.csv of a run)
//! actor = "Belarus"             # for per-partner events; absent (or "") for global ones
//! by = "2015-12"                # did it happen by the end of this month? (after the vantage)
//! happened = false              # the resolution
//! when = "2015-02"              # optional: the month it first happened (<= by when happened = true)
//! source = "..."                # required: where the resolution comes from
//!
//! [[quantity]]
//! metric = "oil_usd_per_bbl"    # a metric of the run's timeseries.csv / quantiles.csv
//! actor = ""                    # optional; the actor of a per-actor metric
//! month = "2015-12"
//! value = 37.7                  # the realised value
//! source = "..."
//! ```

use std::path::{Path, PathBuf};

use crate::scenario::check::{self, Checker};
use crate::scenario::tree::{self, Loc, Node, Table, Value};
use crate::scenario::{Month, ScenarioError, valid_actor_name, valid_scenario_name};

/// A resolved question about an event: did `event` (of `actor`) happen by the end of month `by`?
#[derive(Clone, Debug, PartialEq)]
pub struct EventQuestion {
    pub event: String,
    /// Empty for a global event.
    pub actor: String,
    pub by: Month,
    pub happened: bool,
    pub when: Option<Month>,
    pub source: String,
}

/// A realised value of a metric in a month.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantityQuestion {
    pub metric: String,
    /// Empty for a world-level metric.
    pub actor: String,
    pub month: Month,
    pub value: f64,
    pub source: String,
}

impl EventQuestion {
    /// `event:actor@by`, or `event@by` for a global event.
    pub fn id(&self) -> String {
        question_id(&self.event, &self.actor, self.by)
    }
}

impl QuantityQuestion {
    /// `metric:actor@month`, or `metric@month` for a world-level metric.
    pub fn id(&self) -> String {
        question_id(&self.metric, &self.actor, self.month)
    }
}

fn question_id(what: &str, actor: &str, month: Month) -> String {
    if actor.is_empty() {
        format!("{what}@{month}")
    } else {
        format!("{what}:{actor}@{month}")
    }
}

/// An outcomes file, checked.
#[derive(Clone, Debug)]
pub struct Outcomes {
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    pub vantage: Month,
    pub events: Vec<EventQuestion>,
    pub quantities: Vec<QuantityQuestion>,
}

impl Outcomes {
    /// Reads and checks an outcomes file; every problem is reported at once.
    pub fn load(path: &Path) -> Result<Outcomes, ScenarioError> {
        let (sources, table) = check::read(path)?;
        let mut c = Checker::new(&sources);
        let out = c.outcomes_file(path, &table);
        c.finish(out)
    }
}

const TOP_KEYS: [&str; 5] = ["name", "description", "vantage", "event", "quantity"];
const EVENT_KEYS: [&str; 6] = ["event", "actor", "by", "happened", "when", "source"];
const QUANTITY_KEYS: [&str; 5] = ["metric", "actor", "month", "value", "source"];

/// Event and metric ids are the model's: lower-case letters, digits and '_', starting with a letter (so no CSV cell
/// holding one reads as a formula).
fn valid_id(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Checker<'_> {
    fn outcomes_file(&mut self, path: &Path, table: &Table) -> Option<Outcomes> {
        let whole = Loc {
            file: 0,
            span: 0..0,
        };
        if table.is_empty() {
            self.err(
                &whole,
                "",
                "empty outcomes file: it needs name, vantage and [[event]] or [[quantity]] tables",
            );
            return None;
        }
        for e in table {
            if !TOP_KEYS.contains(&e.key.as_str()) {
                self.unknown(e, &e.key, &TOP_KEYS);
            }
        }
        let name = match tree::get(table, "name") {
            Some(e) => self.string(&e.node, "name").and_then(|n| {
                if valid_scenario_name(&n) {
                    Some(n)
                } else {
                    self.err(
                        &e.node.loc,
                        "name",
                        "a name is 1 to 64 letters, digits, '-' or '_', not starting with '-'",
                    );
                    None
                }
            }),
            None => {
                self.err(&whole, "name", "missing: name = \"...\" ([A-Za-z0-9_-])");
                None
            }
        };
        let description = match tree::get(table, "description") {
            Some(e) => self.string(&e.node, "description"),
            None => Some(String::new()),
        };
        let vantage = match tree::get(table, "vantage") {
            Some(e) => self.month(&e.node, "vantage"),
            None => {
                self.err(
                    &whole,
                    "vantage",
                    "missing: vantage = \"YYYY-MM\", month 0 of the forecast this file scores",
                );
                None
            }
        };
        let mut events = Vec::new();
        if let Some(list) = self.array_of_tables(table, "event") {
            for (n, item) in list.iter().enumerate() {
                if let Some(q) = self.event_question(item, &format!("event[{n}]"), vantage) {
                    if events.iter().any(|e: &EventQuestion| e.id() == q.id()) {
                        self.err(
                            &item.loc,
                            &format!("event[{n}]"),
                            format!("question {} is asked twice", q.id()),
                        );
                    }
                    events.push(q);
                }
            }
        }
        let mut quantities = Vec::new();
        if let Some(list) = self.array_of_tables(table, "quantity") {
            for (n, item) in list.iter().enumerate() {
                if let Some(q) = self.quantity_question(item, &format!("quantity[{n}]"), vantage) {
                    if quantities
                        .iter()
                        .any(|e: &QuantityQuestion| e.id() == q.id())
                    {
                        self.err(
                            &item.loc,
                            &format!("quantity[{n}]"),
                            format!("question {} is asked twice", q.id()),
                        );
                    }
                    quantities.push(q);
                }
            }
        }
        if tree::get(table, "event").is_none() && tree::get(table, "quantity").is_none() {
            self.err(
                &whole,
                "event",
                "no questions: add [[event]] or [[quantity]] tables",
            );
        }
        Some(Outcomes {
            path: path.to_path_buf(),
            name: name?,
            description: description?,
            vantage: vantage?,
            events,
            quantities,
        })
    }

    fn array_of_tables<'t>(&mut self, table: &'t Table, key: &str) -> Option<&'t [Node]> {
        let e = tree::get(table, key)?;
        match &e.node.value {
            Value::Array(items) => Some(items),
            other => {
                self.err(
                    &e.node.loc,
                    key,
                    format!(
                        "must be an array of tables ([[{key}]]), found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    /// A required field of `t`, reported as missing at `item` when absent.
    fn required<'t>(
        &mut self,
        t: &'t Table,
        item: &Node,
        key: &str,
        name: &str,
    ) -> Option<&'t Node> {
        match tree::get(t, name) {
            Some(e) => Some(&e.node),
            None => {
                self.err(
                    &item.loc,
                    &format!("{key}.{name}"),
                    format!("missing `{name}`"),
                );
                None
            }
        }
    }

    fn id_field(&mut self, node: &Node, key: &str, what: &str) -> Option<String> {
        let s = self.string(node, key)?;
        if valid_id(&s) {
            Some(s)
        } else {
            self.err(
                &node.loc,
                key,
                format!("{s:?} is not {what}: lower-case letters, digits and '_', starting with a letter"),
            );
            None
        }
    }

    fn actor_field(&mut self, t: &Table, key: &str) -> Option<String> {
        let Some(e) = tree::get(t, "actor") else {
            return Some(String::new());
        };
        let s = self.string(&e.node, &format!("{key}.actor"))?;
        if s.is_empty() || valid_actor_name(&s) {
            Some(s)
        } else {
            self.err(
                &e.node.loc,
                &format!("{key}.actor"),
                "an actor name is up to 40 ASCII letters, digits, spaces, '-', '_' or '.', starting with a letter",
            );
            None
        }
    }

    /// A month after the vantage month.
    fn later_month(&mut self, node: &Node, key: &str, vantage: Option<Month>) -> Option<Month> {
        let m = self.month(node, key)?;
        if let Some(v) = vantage
            && m <= v
        {
            self.err(
                &node.loc,
                key,
                format!("{m} is not after the vantage month {v}: a question asks about what happened later"),
            );
            return None;
        }
        Some(m)
    }

    fn event_question(
        &mut self,
        item: &Node,
        key: &str,
        vantage: Option<Month>,
    ) -> Option<EventQuestion> {
        let t = self.table(item, key)?;
        for e in t {
            if !EVENT_KEYS.contains(&e.key.as_str()) {
                self.unknown(e, &format!("{key}.{}", e.key), &EVENT_KEYS);
            }
        }
        let event = self
            .required(t, item, key, "event")
            .and_then(|n| self.id_field(n, &format!("{key}.event"), "an event id"));
        let actor = self.actor_field(t, key);
        let by_node = self.required(t, item, key, "by");
        let by = by_node.and_then(|n| self.later_month(n, &format!("{key}.by"), vantage));
        let happened = self
            .required(t, item, key, "happened")
            .and_then(|n| self.boolean(n, &format!("{key}.happened")));
        let source = self
            .required(t, item, key, "source")
            .and_then(|n| self.string(n, &format!("{key}.source")));
        let when = match tree::get(t, "when") {
            Some(e) => {
                let w = self.later_month(&e.node, &format!("{key}.when"), vantage);
                match (w, by, happened) {
                    (Some(w), Some(by), Some(true)) if w > by => {
                        self.err(
                            &e.node.loc,
                            &format!("{key}.when"),
                            format!("{w} is after by = {by}, yet happened = true: `when` must be <= `by`"),
                        );
                        return None;
                    }
                    (Some(w), Some(by), Some(false)) if w <= by => {
                        self.err(
                            &e.node.loc,
                            &format!("{key}.when"),
                            format!("{w} is not after by = {by}, yet happened = false: either it happened by {by} or `when` is later"),
                        );
                        return None;
                    }
                    (w, ..) => Some(w?),
                }
            }
            None => None,
        };
        Some(EventQuestion {
            event: event?,
            actor: actor?,
            by: by?,
            happened: happened?,
            when,
            source: source?,
        })
    }

    fn quantity_question(
        &mut self,
        item: &Node,
        key: &str,
        vantage: Option<Month>,
    ) -> Option<QuantityQuestion> {
        let t = self.table(item, key)?;
        for e in t {
            if !QUANTITY_KEYS.contains(&e.key.as_str()) {
                self.unknown(e, &format!("{key}.{}", e.key), &QUANTITY_KEYS);
            }
        }
        let metric = self
            .required(t, item, key, "metric")
            .and_then(|n| self.id_field(n, &format!("{key}.metric"), "a metric id"));
        let actor = self.actor_field(t, key);
        let month = self
            .required(t, item, key, "month")
            .and_then(|n| self.later_month(n, &format!("{key}.month"), vantage));
        let value = self
            .required(t, item, key, "value")
            .and_then(|n| self.number(n, &format!("{key}.value")))
            .map(|n| n.value);
        let source = self
            .required(t, item, key, "source")
            .and_then(|n| self.string(n, &format!("{key}.source")));
        Some(QuantityQuestion {
            metric: metric?,
            actor: actor?,
            month: month?,
            value: value?,
            source: source?,
        })
    }
}
