//! The article's causal claims (or a user's) as paired experiments: both arms on the same random streams, the
//! effect as the mean per-run difference with its 95% interval, a verdict, and the interval the same number of runs
//! would give with independent streams.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::evidence;
use crate::model::ModelConfig;
use crate::output::{
    csv_bytes, csv_writer, num, round6, rounded, rounded_interval, sorted_json_bytes,
};
use crate::runner::{self, Budget, OutcomeProbe, PairedSums};
use crate::scenario::check::{self, Checker};
use crate::scenario::tree::{self, Loc, Node, Value};
use crate::scenario::{
    Key, NOT_SWEEPABLE, Outcome, Scenario, ScenarioError, Target, configure, resolve_key,
    resolve_outcome, shadowed, valid_scenario_name,
};
use crate::stats::{Interval, Moments};

/// Runs per arm when neither the file nor the command line says.
pub const DEFAULT_RUNS: u64 = 4096;

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
        // The file's own `scenario` is read only inside the allowed folders (--scenario is the user's own choice).
        if let (None, Some(e)) = (override_scenario, tree::get(table, "scenario"))
            && let Err(msg) = check::admit_named(path, &scenario_path, "scenario")
        {
            self.err(&e.node.loc, "scenario", msg);
            return None;
        }
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
        if let Some((id, loc)) = &id
            && !valid_scenario_name(id)
        {
            self.err(
                loc,
                &format!("{key}.id"),
                "an id is 1 to 64 letters, digits, '-' or '_'",
            );
        }
        if let Some((c, loc)) = &claim
            && evidence::claim(c).is_none()
        {
            self.err(
                loc,
                &format!("{key}.claim"),
                format!("{c:?} is not a claim id in seeds/claims.toml"),
            );
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
        let Key { target, min, max } = match resolve_key(&name, s) {
            Ok(x) => x,
            Err(e) => {
                self.err(&k.node.loc, &name, e.to_string());
                return None;
            }
        };
        if let Some(sh) = shadowed(&name, s) {
            self.err(&k.node.loc, &name, sh.to_string());
            return None;
        }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Holds,
    Contradicted,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Contradicted => "contradicted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
        }
    }
}

/// What an effect is a difference of: probabilities (shown in percentage points on screen and in the forest
/// chart) or mean alignments (plain numbers on the -1..+1 scale). Files hold both as plain fractions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EffectUnit {
    Probability,
    Alignment,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClaimResult {
    pub id: String,
    pub claim: String,
    pub quote: String,
    pub statement: String,
    pub outcome: String,
    /// Not in the files: the outcome's name says it (`alignment:ACTOR` or an event).
    #[serde(skip)]
    pub unit: EffectUnit,
    pub expect: Direction,
    pub runs: u64,
    /// Outcome in the `from` arm and the `to` arm.
    #[serde(serialize_with = "rounded_interval")]
    pub from_arm: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub to_arm: Interval,
    /// Mean per-run difference (to - from) with common random numbers.
    #[serde(serialize_with = "rounded_interval")]
    pub effect: Interval,
    pub verdict: Verdict,
    /// The interval the same runs give with independent streams for the two arms.
    #[serde(serialize_with = "rounded_interval")]
    pub effect_independent: Interval,
    /// Half-width with independent streams over half-width paired.
    #[serde(serialize_with = "rounded")]
    pub width_ratio: f64,
}

/// claims.csv: one row per experiment, numbers as the JSON holds them (rounded to 6 decimals).
pub fn claims_csv(results: &[ClaimResult]) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "id",
        "claim",
        "outcome",
        "expect",
        "runs",
        "from_arm",
        "to_arm",
        "effect",
        "effect_ci_low",
        "effect_ci_high",
        "verdict",
        "independent_ci_low",
        "independent_ci_high",
        "width_ratio",
    ])
    .expect("in-memory csv");
    for r in results {
        let (effect, independent) = (r.effect.rounded(), r.effect_independent.rounded());
        w.write_record([
            r.id.clone(),
            r.claim.clone(),
            r.outcome.clone(),
            r.expect.as_str().to_string(),
            r.runs.to_string(),
            num(r.from_arm.rounded().value),
            num(r.to_arm.rounded().value),
            num(effect.value),
            num(effect.ci_low),
            num(effect.ci_high),
            r.verdict.as_str().to_string(),
            num(independent.ci_low),
            num(independent.ci_high),
            num(round6(r.width_ratio)),
        ])
        .expect("in-memory csv");
    }
    csv_bytes(w)
}

/// claims.json.
#[derive(Serialize)]
struct ClaimsJson<'a> {
    claims_file: String,
    design: &'static str,
    interval: &'static str,
    results: &'a [ClaimResult],
    scenario: &'a str,
    seed: u64,
}

pub fn claims_json(path: &Path, scenario: &str, seed: u64, results: &[ClaimResult]) -> Vec<u8> {
    sorted_json_bytes(&ClaimsJson {
        claims_file: path.display().to_string(),
        design: "paired: both arms use stream r of the key (scenario, seed) for run r; independent: the to-arm uses seed + 1",
        interval: "95%: events, Newcombe (1998) score interval for paired proportions (independent streams: for independent ones), arms Wilson; alignments, Student's t interval of the mean per-run difference",
        results,
        scenario,
        seed,
    })
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

/// A count kept in a floating sum of 0s and 1s (exact below 2^53).
fn count(sum: f64) -> u64 {
    sum.round() as u64
}

/// The effect (to-arm minus from-arm) with its 95% interval. For an event, Newcombe's score interval for paired
/// proportions: the normal interval of the mean per-run difference falls short of 95% at small counts and has zero
/// width when no run differs. For an alignment, Student's t interval of the mean per-run difference.
fn paired_effect(event: bool, d: &PairedSums) -> Interval {
    if event {
        // Per run the difference is -1, 0 or 1: its sum and sum of squares give the discordant runs.
        let only_to = count((d.sum_d_sq + d.sum_d) / 2.0);
        let only_from = count((d.sum_d_sq - d.sum_d) / 2.0);
        let both = count(d.sum_b) - only_to;
        let neither = d.runs - both - only_to - only_from;
        Interval::newcombe_paired(both, only_to, only_from, neither)
    } else {
        Moments::from_sums(d.sum_d, d.sum_d_sq, d.runs).interval()
    }
}

/// Runs one experiment. Arms share the stream key (scenario name, seed); the independent comparison gives the
/// `to` arm the key of seed + 1 instead. Precision mode stops on the paired effect's half-width.
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
    let p = OutcomeProbe::from(&x.outcome);
    // Both arms on the same streams, and the independent comparison beside them.
    let mut sums = (PairedSums::default(), PairedSums::default());
    let event = matches!(x.outcome, Outcome::Event { .. });
    let effect = |d: &PairedSums| paired_effect(event, d);
    let runs = budget.grow(
        &mut sums,
        |(paired, independent), until| {
            let from = paired.runs;
            runner::run_paired_parallel(&pool, (&a, &b), (&key, &key), from..until, p, paired);
            runner::run_paired_parallel(
                &pool,
                (&a, &b),
                (&key, &other),
                from..until,
                p,
                independent,
            );
        },
        |(paired, _)| effect(paired).half_width(),
    );
    let (paired, independent) = sums;
    let effect = effect(&paired);
    // An event's arms are proportions (Wilson intervals); an alignment's are means.
    let arm = |sum: f64, sum_sq: f64| {
        if event {
            Interval::wilson(count(sum), runs)
        } else {
            Moments::from_sums(sum, sum_sq, runs).interval()
        }
    };
    let effect_independent = if event {
        Interval::wilson(count(independent.sum_b), runs)
            .newcombe_difference(&Interval::wilson(count(independent.sum_a), runs))
    } else {
        let moments = |sum, sum_sq| Moments::from_sums(sum, sum_sq, runs);
        // Two independent samples of `runs` each: 2 (runs - 1) degrees of freedom.
        Interval::student(
            (independent.sum_b - independent.sum_a) / runs as f64,
            moments(independent.sum_a, independent.sum_a_sq).var_of_mean()
                + moments(independent.sum_b, independent.sum_b_sq).var_of_mean(),
            2.0 * (runs as f64 - 1.0),
        )
    };
    ClaimResult {
        id: x.id.clone(),
        claim: x.claim.clone(),
        quote: evidence::claim(&x.claim)
            .map(|c| c.quote.clone())
            .unwrap_or_default(),
        statement: x.statement.clone(),
        outcome: x.outcome.label(),
        unit: match x.outcome {
            Outcome::Event { .. } => EffectUnit::Probability,
            Outcome::Alignment { .. } => EffectUnit::Alignment,
        },
        expect: x.expect,
        runs,
        from_arm: arm(paired.sum_a, paired.sum_a_sq),
        to_arm: arm(paired.sum_b, paired.sum_b_sq),
        verdict: verdict(x.expect, &effect),
        width_ratio: if effect.half_width() > 0.0 {
            effect_independent.half_width() / effect.half_width()
        } else {
            f64::INFINITY
        },
        effect,
        effect_independent,
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
