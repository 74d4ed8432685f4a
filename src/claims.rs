//! The article's causal claims (or a user's) as paired experiments: both arms on the same random streams, the
//! effect as the mean per-run difference with its 95% interval, a verdict, and the interval the same number of runs
//! would give with independent streams.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::evidence;
use crate::model::ModelConfig;
use crate::runner::{self, OutcomeProbe, PairedSums};
use crate::scenario::check::{self, Checker};
use crate::scenario::tree::{self, Loc, Node, Value};
use crate::scenario::{
    NOT_SWEEPABLE, Outcome, Scenario, ScenarioError, Target, configure, resolve_key,
    resolve_outcome, valid_scenario_name,
};
use crate::stats::Z95;

/// Runs per arm when neither the file nor the command line says.
pub const DEFAULT_RUNS: u64 = 4096;
/// Precision mode adds runs in batches of this size (a multiple of the runner's chunk, so results do not depend on
/// the thread count).
pub const BATCH_RUNS: u64 = 4 * runner::CHUNK_RUNS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increase,
    Decrease,
}

#[derive(Clone, Debug)]
pub struct Change {
    pub key: String,
    pub target: Target,
    pub from: f64,
    pub to: f64,
}

#[derive(Clone, Debug)]
pub struct Experiment {
    pub id: String,
    pub claim: String,
    pub statement: String,
    pub outcome: Outcome,
    pub expect: Direction,
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug)]
pub struct ClaimsFile {
    pub path: PathBuf,
    pub scenario: Scenario,
    pub experiments: Vec<Experiment>,
}

impl ClaimsFile {
    /// Reads and checks a claims file; `scenario` overrides the file's own `scenario` key.
    pub fn load(path: &Path, scenario: Option<&Path>) -> Result<ClaimsFile, ScenarioError> {
        let (sources, table) = check::read(path)?;
        let mut c = Checker::new(&sources);
        let out = c.file(path, &table, scenario);
        c.finish(out)
    }
}

impl Checker<'_> {
    fn file(
        &mut self,
        path: &Path,
        table: &tree::Table,
        override_scenario: Option<&Path>,
    ) -> Option<ClaimsFile> {
        let whole = Loc {
            file: 0,
            span: 0..0,
        };
        for e in table {
            if !["scenario", "experiment"].contains(&e.key.as_str()) {
                self.unknown(e, &e.key, &["scenario", "experiment"]);
            }
        }
        let scenario_path = match (override_scenario, tree::get(table, "scenario")) {
            (Some(p), _) => p.to_path_buf(),
            (None, Some(e)) => path
                .parent()
                .unwrap_or(Path::new("."))
                .join(self.string(&e.node, "scenario")?),
            (None, None) => {
                self.err(
                    &whole,
                    "scenario",
                    "missing: name the scenario to test on (scenario = \"...\" or --scenario)",
                );
                return None;
            }
        };
        let scenario = match Scenario::load(&scenario_path) {
            Ok(s) => s,
            Err(ScenarioError::Invalid(v)) => {
                self.errors.extend(v);
                return None;
            }
            Err(e) => {
                let loc =
                    tree::get(table, "scenario").map_or(whole.clone(), |e| e.node.loc.clone());
                self.err(&loc, "scenario", e.to_string());
                return None;
            }
        };
        let Some(list) = tree::get(table, "experiment") else {
            self.err(
                &whole,
                "experiment",
                "no experiments: add [[experiment]] tables",
            );
            return None;
        };
        let Value::Array(items) = &list.node.value else {
            self.err(
                &list.node.loc,
                "experiment",
                "must be an array of tables ([[experiment]])",
            );
            return None;
        };
        let mut experiments: Vec<Experiment> = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let key = format!("experiment[{n}]");
            if let Some(x) = self.experiment(item, &key, &scenario) {
                if experiments.iter().any(|e| e.id == x.id) {
                    self.err(
                        &item.loc,
                        &format!("{key}.id"),
                        format!("id {:?} is used twice", x.id),
                    );
                }
                experiments.push(x);
            }
        }
        Some(ClaimsFile {
            path: path.to_path_buf(),
            scenario,
            experiments,
        })
    }

    fn experiment(&mut self, item: &Node, key: &str, s: &Scenario) -> Option<Experiment> {
        let Value::Table(t) = &item.value else {
            self.err(&item.loc, key, "must be a table");
            return None;
        };
        let allowed = ["id", "claim", "statement", "outcome", "expect", "change"];
        for e in t {
            if !allowed.contains(&e.key.as_str()) {
                self.unknown(e, &format!("{key}.{}", e.key), &allowed);
            }
        }
        let field = |c: &mut Self, name: &str| -> Option<(String, Loc)> {
            match tree::get(t, name) {
                Some(e) => c
                    .string(&e.node, &format!("{key}.{name}"))
                    .map(|v| (v, e.node.loc.clone())),
                None => {
                    c.err(
                        &item.loc,
                        &format!("{key}.{name}"),
                        format!("missing `{name}`"),
                    );
                    None
                }
            }
        };
        let id = field(self, "id");
        let claim = field(self, "claim");
        let statement = field(self, "statement");
        let outcome = field(self, "outcome");
        let expect = field(self, "expect");
        if let Some((id, loc)) = &id {
            if !valid_scenario_name(id) {
                self.err(
                    loc,
                    &format!("{key}.id"),
                    "an id is 1 to 64 letters, digits, '-' or '_'",
                );
            }
        }
        if let Some((c, loc)) = &claim {
            if evidence::claim(c).is_none() {
                self.err(
                    loc,
                    &format!("{key}.claim"),
                    format!("{c:?} is not a claim id in seeds/claims.toml"),
                );
            }
        }
        let outcome = outcome.and_then(|(o, loc)| match resolve_outcome(&o, s) {
            Ok(x) => Some(x),
            Err(e) => {
                self.err(&loc, &format!("{key}.outcome"), e.to_string());
                None
            }
        });
        let expect = expect.and_then(|(e, loc)| match e.as_str() {
            "increase" => Some(Direction::Increase),
            "decrease" => Some(Direction::Decrease),
            _ => {
                self.err(
                    &loc,
                    &format!("{key}.expect"),
                    format!("{e:?}: expect \"increase\" or \"decrease\""),
                );
                None
            }
        });
        let mut changes = Vec::new();
        match tree::get(t, "change").map(|e| &e.node) {
            Some(Node {
                value: Value::Array(items),
                ..
            }) if !items.is_empty() => {
                for (i, c) in items.iter().enumerate() {
                    if let Some(ch) = self.change(c, &format!("{key}.change[{i}]"), s) {
                        changes.push(ch);
                    }
                }
            }
            _ => self.err(
                &item.loc,
                &format!("{key}.change"),
                "needs at least one [[experiment.change]] with key, from and to",
            ),
        }
        Some(Experiment {
            id: id?.0,
            claim: claim?.0,
            statement: statement?.0,
            outcome: outcome?,
            expect: expect?,
            changes,
        })
    }

    fn change(&mut self, item: &Node, key: &str, s: &Scenario) -> Option<Change> {
        let Value::Table(t) = &item.value else {
            self.err(&item.loc, key, "must be a table with key, from and to");
            return None;
        };
        for e in t {
            if !["key", "from", "to"].contains(&e.key.as_str()) {
                self.unknown(e, &format!("{key}.{}", e.key), &["key", "from", "to"]);
            }
        }
        let (Some(k), Some(f), Some(to)) = (
            tree::get(t, "key"),
            tree::get(t, "from"),
            tree::get(t, "to"),
        ) else {
            self.err(&item.loc, key, "needs key, from and to");
            return None;
        };
        let name = self.string(&k.node, &format!("{key}.key"))?;
        let (target, min, max, _) = match resolve_key(&name, s) {
            Ok(x) => x,
            Err(e) => {
                self.err(&k.node.loc, &name, e.to_string());
                return None;
            }
        };
        if NOT_SWEEPABLE.contains(&name.as_str()) {
            self.err(
                &k.node.loc,
                &name,
                "cannot be changed in an experiment: both arms must run the same months and bands",
            );
            return None;
        }
        let (from, to_v) = (
            self.number(&f.node, &format!("{name}.from"))?.value,
            self.number(&to.node, &format!("{name}.to"))?.value,
        );
        for (v, node, what) in [(from, &f.node, "from"), (to_v, &to.node, "to")] {
            if v < min || v > max {
                self.err(
                    &node.loc,
                    &format!("{name}.{what}"),
                    format!("{v} is out of range: must be in [{min}, {max}]"),
                );
            }
        }
        Some(Change {
            key: name,
            target,
            from,
            to: to_v,
        })
    }
}

/// A mean with its 95% interval.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Interval {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Interval {
    /// Rounded to 6 decimals for the files (the verdict is decided before rounding).
    fn rounded(self) -> Interval {
        use crate::output::round6;
        Interval {
            value: round6(self.value),
            ci_low: round6(self.ci_low),
            ci_high: round6(self.ci_high),
        }
    }

    fn from_mean_var(mean: f64, var_of_mean: f64) -> Interval {
        let half = Z95 * var_of_mean.max(0.0).sqrt();
        Interval {
            value: mean,
            ci_low: mean - half,
            ci_high: mean + half,
        }
    }
    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Holds,
    Contradicted,
    Inconclusive,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClaimResult {
    pub id: String,
    pub claim: String,
    pub quote: String,
    pub statement: String,
    pub outcome: String,
    pub expect: Direction,
    pub runs: u64,
    /// Outcome in the `from` arm and the `to` arm.
    pub from_arm: Interval,
    pub to_arm: Interval,
    /// Mean per-run difference (to - from) with common random numbers.
    pub effect: Interval,
    pub verdict: Verdict,
    /// The interval the same runs give with independent streams for the two arms.
    pub effect_independent: Interval,
    /// Half-width with independent streams over half-width paired.
    pub width_ratio: f64,
}

fn verdict(expect: Direction, effect: &Interval) -> Verdict {
    let (up, down) = (effect.ci_low > 0.0, effect.ci_high < 0.0);
    match (expect, up, down) {
        (Direction::Increase, true, _) | (Direction::Decrease, _, true) => Verdict::Holds,
        (Direction::Increase, _, true) | (Direction::Decrease, true, _) => Verdict::Contradicted,
        _ => Verdict::Inconclusive,
    }
}

fn arms(s: &Scenario, x: &Experiment) -> (ModelConfig, ModelConfig) {
    let from: Vec<(Target, f64)> = x
        .changes
        .iter()
        .map(|c| (c.target.clone(), c.from))
        .collect();
    let to: Vec<(Target, f64)> = x.changes.iter().map(|c| (c.target.clone(), c.to)).collect();
    (configure(s, &from), configure(s, &to))
}

fn probe(o: &Outcome) -> OutcomeProbe {
    match o {
        Outcome::Event { index, .. } => OutcomeProbe::Event(*index),
        Outcome::Alignment { index, .. } => OutcomeProbe::Alignment(*index),
    }
}

fn var_of_mean(sum: f64, sum_sq: f64, n: f64) -> f64 {
    let mean = sum / n;
    if n > 1.0 {
        ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0) / n
    } else {
        0.0
    }
}

/// How many runs and when to stop.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    Fixed(u64),
    /// Add [`BATCH_RUNS`] at a time until the effect's 95% half-width is at most `half_width`, or `max_runs`.
    Precision {
        half_width: f64,
        max_runs: u64,
    },
}

/// Runs one experiment. Arms share the stream key (scenario name, seed); the independent comparison gives the
/// `to` arm the key of seed + 1 instead.
pub fn run_experiment(
    s: &Scenario,
    x: &Experiment,
    seed: u64,
    budget: Budget,
    threads: usize,
) -> ClaimResult {
    let (a, b) = arms(s, x);
    let key = runner::stream_key(&s.name, seed);
    let other = runner::stream_key(&s.name, seed.wrapping_add(1));
    let pool = runner::pool(threads);
    let p = probe(&x.outcome);
    let mut paired = PairedSums::default();
    let mut independent = PairedSums::default();
    let mut done = 0u64;
    loop {
        let step = match budget {
            Budget::Fixed(n) => n - done,
            Budget::Precision { max_runs, .. } => BATCH_RUNS.min(max_runs - done),
        };
        runner::run_paired_parallel(
            &pool,
            (&a, &b),
            (&key, &key),
            done..done + step,
            p,
            &mut paired,
        );
        runner::run_paired_parallel(
            &pool,
            (&a, &b),
            (&key, &other),
            done..done + step,
            p,
            &mut independent,
        );
        done += step;
        let n = done as f64;
        let effect = Interval::from_mean_var(
            paired.sum_d / n,
            var_of_mean(paired.sum_d, paired.sum_d_sq, n),
        );
        let stop = match budget {
            Budget::Fixed(_) => true,
            Budget::Precision {
                half_width,
                max_runs,
            } => effect.half_width() <= half_width || done >= max_runs,
        };
        if stop {
            let ind_effect = Interval::from_mean_var(
                (independent.sum_b - independent.sum_a) / n,
                var_of_mean(independent.sum_a, independent.sum_a_sq, n)
                    + var_of_mean(independent.sum_b, independent.sum_b_sq, n),
            );
            let quote = evidence::claim(&x.claim)
                .map(|c| c.quote.clone())
                .unwrap_or_default();
            return ClaimResult {
                id: x.id.clone(),
                claim: x.claim.clone(),
                quote,
                statement: x.statement.clone(),
                outcome: x.outcome.label(),
                expect: x.expect,
                runs: done,
                from_arm: Interval::from_mean_var(
                    paired.sum_a / n,
                    var_of_mean(paired.sum_a, paired.sum_a_sq, n),
                )
                .rounded(),
                to_arm: Interval::from_mean_var(
                    paired.sum_b / n,
                    var_of_mean(paired.sum_b, paired.sum_b_sq, n),
                )
                .rounded(),
                verdict: verdict(x.expect, &effect),
                width_ratio: if effect.half_width() > 0.0 {
                    crate::output::round6(ind_effect.half_width() / effect.half_width())
                } else {
                    f64::INFINITY
                },
                effect: effect.rounded(),
                effect_independent: ind_effect.rounded(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_interval() {
        let i = |lo: f64, hi: f64| Interval {
            value: (lo + hi) / 2.0,
            ci_low: lo,
            ci_high: hi,
        };
        assert_eq!(verdict(Direction::Increase, &i(0.01, 0.2)), Verdict::Holds);
        assert_eq!(
            verdict(Direction::Increase, &i(-0.2, -0.01)),
            Verdict::Contradicted
        );
        assert_eq!(
            verdict(Direction::Increase, &i(-0.1, 0.1)),
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(Direction::Decrease, &i(-0.2, -0.01)),
            Verdict::Holds
        );
        assert_eq!(
            verdict(Direction::Decrease, &i(0.01, 0.2)),
            Verdict::Contradicted
        );
    }
}
