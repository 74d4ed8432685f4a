//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with its file, line:column and key path.
//!
//! A variant names its `base` (a path relative to itself) and states only what it changes: tables merge key by key,
//! everything else replaces. All checks run on the merged tree before anything is simulated.

pub mod access;
mod actors;
mod apply;
pub mod check;
pub mod error;
mod load;
pub mod month;
pub mod origin;
pub mod priors;
mod replay;
pub(crate) mod suggest;
pub use suggest::closest;
pub mod tree;
mod validate;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use apply::{
    Key, KeyError, NOT_SWEEPABLE, Outcome, Shadowed, Target, configure, resolve_key,
    resolve_outcome, shadowed,
};
pub use error::{Located, ScenarioError};
pub use month::Month;
pub use validate::west_schedule;

use crate::model::ModelConfig;

/// Default number of runs when neither the scenario nor the command line says.
pub const DEFAULT_RUNS: u64 = 10_000;
/// Default seed: the article's date.
pub const DEFAULT_SEED: u64 = 20_141_226;
/// Bases may nest this deep (a guard against runaway chains; cycles are caught separately).
const MAX_BASE_DEPTH: usize = 16;
/// Partners a scenario may declare: 4 events each plus 4 global events fit a 64-bit mask.
pub const MAX_PARTNERS: usize = 10;
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
    /// Per entry of [`PARAM_SPECS`](crate::model::params::PARAM_SPECS).
    pub param_origin: Vec<Origin>,
    /// Per entry of [`PARAM_SPECS`](crate::model::params::PARAM_SPECS): the provenance text the scenario gave for
    /// a value it sets (`[sources]` table), if any.
    pub param_source: Vec<Option<String>>,
    /// Per actor (in `config.actors` order), per entry of [`ACTOR_ATTRS`](crate::model::params::ACTOR_ATTRS): origin and the provenance text the
    /// scenario gave (`sources` table), if any.
    pub actor_attr_origin: Vec<AttrOrigins>,
    /// What the scenario file itself (not its bases) sets, as `key path = value` lines, for reports.
    pub changes: Vec<(String, String)>,
    pub oil_shocks: Vec<(Month, f64)>,
    pub west_changes: Vec<(Month, f64)>,
    /// Scheduled political events (`[[calendar]]`), in month order.
    pub calendar_events: Vec<validate::CalendarEvent>,
    pub replays: Vec<ReplayInfo>,
    /// Where the schedules and replays that override parameters were written.
    pub schedules: Vec<ScheduleSite>,
    /// A rolling origin the forecast was moved to (`realign run --origin`), and the state it starts from.
    pub origin: Option<origin::OriginInfo>,
    /// `[priors]`: the scenario's priors on its parameters, for `realign run --uncertainty` (`priors.rs`).
    pub priors: Vec<priors::Prior>,
}

/// A schedule or replay (`drivers.west.changes`, `drivers.oil.replay`, `drivers.rouble.replay`) and where it was
/// written (`file:line:column`), so that a sweep or claim varying a parameter it overrides can be refused by name.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleSite {
    pub key: &'static str,
    pub at: String,
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
        let mut sources = tree::Sources::default();
        let merged = load::load_chain(path, &mut sources, &mut Vec::new())?;
        let mut checker = check::Checker::new(&sources);
        let scenario = checker.scenario(merged);
        checker.finish(scenario)
    }

    /// Parses, merges and validates a scenario given as TOML text, exactly as [`Scenario::load`] does a file.
    /// `path` stands for the text in error messages (`path:line:column`) and places it: a `base` or a replayed
    /// file is resolved relative to its folder and read only from the folders a file there could read.
    ///
    /// ```
    /// use std::path::Path;
    /// use realign::Scenario;
    ///
    /// let s = Scenario::from_toml("name = \"tiny\"\nbase = \"baseline.toml\"\n", Path::new("scenarios/tiny.toml"))?;
    /// assert_eq!(s.name, "tiny");
    ///
    /// // The same errors as a file: where, which key, what is allowed.
    /// let e = Scenario::from_toml("name = \"bad name!\"\n", Path::new("mine.toml")).unwrap_err();
    /// assert!(e.to_string().starts_with("mine.toml:1:"));
    /// # Ok::<(), realign::ScenarioError>(())
    /// ```
    pub fn from_toml(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let mut sources = tree::Sources::default();
        let merged = load::load_text(path, text.to_string(), &mut sources, &mut Vec::new())?;
        let mut checker = check::Checker::new(&sources);
        let scenario = checker.scenario(merged);
        checker.finish(scenario)
    }

    /// Month label of the forecast's month `m` (0 is the start month, or a rolling origin).
    pub fn month_label(&self, m: usize) -> String {
        self.first_month().plus(m).to_string()
    }

    /// The forecast's month 0: the start month, or a rolling origin (`realign run --origin`).
    pub fn first_month(&self) -> Month {
        self.start.plus(self.config.origin.month)
    }

    /// Months the forecast reports after its month 0.
    pub fn horizon_months(&self) -> usize {
        self.config.forecast_months()
    }
}

/// Scenario names become folder names: no separators, no dots, nothing a shell or browser would read specially.
/// Not starting with '-', so a folder `output/--help` cannot read as an option, nor a CSV cell as a formula.
pub fn valid_scenario_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Actor names are ASCII (no look-alike letters from other scripts), start with a letter (so no CSV cell holding
/// one reads as a formula) and end without a space: two names that print alike must be equal.
pub fn valid_actor_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 40
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        && !name.ends_with(' ')
        && !name.contains("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for bad in [
            "Belarus ",
            "B\u{435}larus",
            "Kyrgyz  Republic",
            "-x",
            "\u{e9}tat",
        ] {
            assert!(!valid_actor_name(bad), "{bad}");
        }
        assert!(!valid_scenario_name("--help"));
        assert!(!valid_scenario_name("-1"));
    }
}
