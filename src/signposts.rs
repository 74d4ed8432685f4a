//! `realign signposts`: which early events and thresholds an analyst should watch, ranked by how much they move
//! an outcome's probability, read from the stored ensemble (paths.bin, [`crate::paths`]).
//!
//! Candidates, for each early month m in [`SIGNPOST_MONTHS`] (months after the start) before the outcome's month
//! T (`--by`, default the horizon): every other event "by m"; and for every stored alignment and driver "at or
//! below its 25th percentile at m" and "at or above its 75th percentile at m" (the ensemble's percentiles of the
//! stored values, printed in the metric's units). For each candidate S, only runs where the outcome had not
//! happened by m count (the others are excluded: a signpost must come before the outcome). Among them:
//! prevalence P(S); P(outcome by T | S) and P(outcome by T | not S), each with its Wilson interval; their
//! difference with Newcombe's interval for independent proportions (S and not S are disjoint sets of runs); lift
//! P(outcome | S) / P(outcome); and the lead time, the median months from the signpost's month (the month the
//! event first held, or m for a threshold) to the outcome, among runs with both.
//!
//! Ranking: by the end of the difference's interval nearest zero, when the interval excludes zero (else 0), then
//! by |difference|, then by candidate order; so a signpost whose interval includes 0 never ranks above one whose
//! interval does not. A candidate that every eligible run has (or none has) cannot discriminate and is left out.
//!
//! Two streaming passes over paths.bin: the percentiles, then the counts. Memory: histograms of the stored codes
//! (65,536 bins per driver and month), whatever the number of runs.
//!
//! # Files
//! `signposts.csv`: one row per candidate, ranked: rank, month, kind (event, below, above), signal, actor,
//! threshold, unit, eligible, excluded, prevalence (and interval), p_given (and interval), p_given_not (and
//! interval), difference (and interval), lift, lead_time_months, separation. `signposts.json` (the completion
//! marker): the outcome, its month, the candidate months, the counts of runs excluded, and every signpost.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::condition::{ConditionError, resolve_event};
use crate::output::{csv_bytes, csv_writer, num, rounded, rounded_interval, sorted_json_bytes};
use crate::paths::{Header, PathsFile, Record, decode_alignment, decode_driver};
use crate::scenario::month::Month;
use crate::stats::{Interval, NEVER};

/// Candidate months, in months after the start month: a quarter, half a year and a year into the forecast.
pub const SIGNPOST_MONTHS: [usize; 3] = [3, 6, 12];
/// Rows the terminal shows when `--top` is not given.
pub const DEFAULT_TOP: usize = 10;
/// The percentiles a threshold signpost is cut at.
pub const LOWER_PERCENTILE: f64 = 0.25;
pub const UPPER_PERCENTILE: f64 = 0.75;

/// What a signpost watches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// Event `e` had happened by the month.
    Event(usize),
    /// A stored value (actor alignment or driver) at or below `code` in the month.
    Below(Metric, i32),
    /// At or above `code`.
    Above(Metric, i32),
}

/// A stored value: an actor's alignment or a driver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Alignment(usize),
    Driver(usize),
}

impl Metric {
    /// The stored code (i8 or u16 as i32), None when missing.
    fn code(self, r: &Record, m: usize) -> Option<i32> {
        match self {
            Metric::Alignment(a) => {
                let c = r.alignment_code(m, a);
                (c != crate::paths::ALIGNMENT_MISSING).then_some(i32::from(c))
            }
            Metric::Driver(d) => {
                let c = r.driver_code(m, d);
                (c != crate::paths::DRIVER_MISSING).then_some(i32::from(c))
            }
        }
    }

    fn value(self, code: i32) -> f64 {
        match self {
            Metric::Alignment(_) => decode_alignment(code as i8),
            Metric::Driver(_) => decode_driver(code as u16),
        }
    }

    /// Bins of its histogram, and the offset of code 0.
    fn bins(self) -> (usize, i32) {
        match self {
            Metric::Alignment(_) => (256, 128),
            Metric::Driver(_) => (65536, 0),
        }
    }

    fn name(self, h: &Header) -> (String, String, String) {
        match self {
            Metric::Alignment(a) => (
                "alignment".into(),
                h.actors[a].clone(),
                "alignment (-1 West .. +1 patron)".into(),
            ),
            Metric::Driver(d) => (
                h.drivers[d].metric.clone(),
                String::new(),
                h.drivers[d].unit.clone(),
            ),
        }
    }
}

/// One candidate signpost with its statistics.
#[derive(Clone, Debug, Serialize)]
pub struct Signpost {
    pub rank: usize,
    /// The month it is read in, `YYYY-MM`.
    pub month: String,
    pub months_after_start: usize,
    /// event, below or above.
    pub kind: &'static str,
    /// The event id or the metric.
    pub signal: String,
    pub actor: String,
    /// What it says, in words.
    pub label: String,
    /// The threshold in the metric's units (none for events).
    #[serde(serialize_with = "rounded_opt")]
    pub threshold: Option<f64>,
    pub unit: String,
    /// Runs where the outcome had not happened by the month.
    pub eligible: u64,
    /// Runs excluded because the outcome had happened by the month.
    pub excluded: u64,
    pub with_signal: u64,
    pub outcome_with_signal: u64,
    pub outcome_without_signal: u64,
    #[serde(serialize_with = "rounded_interval")]
    pub prevalence: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub p_given: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub p_given_not: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub difference: Interval,
    #[serde(serialize_with = "rounded")]
    pub lift: f64,
    /// Median months from the signpost to the outcome among runs with both (none if no run has both).
    pub lead_time_months: Option<usize>,
    /// The end of the difference's interval nearest zero when it excludes zero, else 0: the ranking key.
    #[serde(serialize_with = "rounded")]
    pub separation: f64,
}

fn rounded_opt<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_f64(crate::output::round6(*x)),
        None => s.serialize_none(),
    }
}

/// The outcome and the signposts, ranked.
#[derive(Clone, Debug, Serialize)]
pub struct Signposts {
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub outcome: String,
    pub outcome_actor: String,
    pub outcome_description: String,
    /// The outcome counts if it happens by this month.
    pub by: String,
    pub candidate_months: Vec<String>,
    /// Candidates left out because every eligible run had the signal or none had.
    pub not_discriminating: usize,
    pub signposts: Vec<Signpost>,
}

/// A candidate before counting.
struct Candidate {
    m: usize,
    signal: Signal,
}

/// Counts of one candidate.
#[derive(Clone, Default)]
struct Tallies {
    eligible: u64,
    with_signal: u64,
    outcome_with: u64,
    outcome_without: u64,
    /// Lead time in months -> runs with both.
    lead: Vec<u64>,
}

/// The outcome named by `--outcome` and `--actor`, and its month index from `--by` (default the horizon).
pub fn resolve(
    h: &Header,
    outcome: &str,
    actor: Option<&str>,
    by: Option<&str>,
) -> Result<(usize, usize), ConditionError> {
    let e = resolve_event(h, outcome, actor).map_err(|p| ConditionError::Arg {
        flag: "--outcome",
        given: match actor {
            Some(a) => format!("{outcome} --actor {a}"),
            None => outcome.to_string(),
        },
        what: p.message(),
    })?;
    let by = match by {
        None => h.months - 1,
        Some(s) => {
            let arg = |what: String| ConditionError::Arg {
                flag: "--by",
                given: s.to_string(),
                what,
            };
            let m = Month::parse(s).ok_or_else(|| arg("write the month as YYYY-MM".into()))?;
            let idx = h.start().months_until(m);
            if idx <= 0 || idx >= h.months as i64 {
                return Err(arg(format!(
                    "outside the run: it covers {} .. {}",
                    h.month_label(1),
                    h.month_label(h.months - 1)
                )));
            }
            idx as usize
        }
    };
    if !SIGNPOST_MONTHS.iter().any(|&m| m < by) {
        return Err(ConditionError::Arg {
            flag: "--by",
            given: h.month_label(by),
            what: format!(
                "no signpost month ({} months after the start) comes before it",
                SIGNPOST_MONTHS.map(|m| m.to_string()).join(", ")
            ),
        });
    }
    Ok((e, by))
}

/// The cut of a histogram of `total` values whose share of values at or below it (`below`), or at or above it,
/// is nearest `share`: the percentile to the stored resolution. Ties of many runs at one stored value (an
/// alignment held at a bound) would otherwise make a "25th percentile" signpost hold in most runs.
fn cut_code(hist: &[u64], offset: i32, total: u64, share: f64, below: bool) -> Option<i32> {
    if total == 0 {
        return None;
    }
    let mut best: Option<(f64, usize)> = None;
    let mut acc = 0u64;
    let order: Box<dyn Iterator<Item = usize>> = if below {
        Box::new(0..hist.len())
    } else {
        Box::new((0..hist.len()).rev())
    };
    for i in order {
        if hist[i] == 0 {
            continue;
        }
        acc += hist[i];
        let miss = (acc as f64 / total as f64 - share).abs();
        if best.is_none_or(|(m, _)| miss < m) {
            best = Some((miss, i));
        }
    }
    best.map(|(_, i)| i as i32 - offset)
}

/// Ranks the signposts of `outcome` (event index) by month index `by`. Two streaming passes over the file.
pub fn signposts(
    paths: &PathsFile,
    outcome: usize,
    by: usize,
) -> Result<Signposts, ConditionError> {
    let h = &paths.header;
    let months: Vec<usize> = SIGNPOST_MONTHS
        .iter()
        .copied()
        .filter(|&m| m < by)
        .collect();
    let metrics: Vec<Metric> = (0..h.actors.len())
        .map(Metric::Alignment)
        .chain((0..h.drivers.len()).map(Metric::Driver))
        .collect();
    // Pass 1: each metric's histogram at each candidate month, for its percentiles.
    let mut hists: Vec<Vec<u64>> = months
        .iter()
        .flat_map(|_| metrics.iter().map(|x| vec![0u64; x.bins().0]))
        .collect();
    paths.scan(|_, r| {
        for (i, &m) in months.iter().enumerate() {
            for (j, x) in metrics.iter().enumerate() {
                if let Some(c) = x.code(r, m) {
                    hists[i * metrics.len() + j][(c + x.bins().1) as usize] += 1;
                }
            }
        }
    })?;
    let mut candidates = Vec::new();
    for (i, &m) in months.iter().enumerate() {
        for e in (0..h.events.len()).filter(|&e| e != outcome) {
            candidates.push(Candidate {
                m,
                signal: Signal::Event(e),
            });
        }
        for (j, &x) in metrics.iter().enumerate() {
            let hist = &hists[i * metrics.len() + j];
            let total = hist.iter().sum();
            let offset = x.bins().1;
            if let Some(lo) = cut_code(hist, offset, total, LOWER_PERCENTILE, true) {
                candidates.push(Candidate {
                    m,
                    signal: Signal::Below(x, lo),
                });
            }
            if let Some(hi) = cut_code(hist, offset, total, 1.0 - UPPER_PERCENTILE, false) {
                candidates.push(Candidate {
                    m,
                    signal: Signal::Above(x, hi),
                });
            }
        }
    }
    drop(hists);
    // Pass 2: the counts.
    let mut tallies = vec![
        Tallies {
            lead: vec![0; h.months],
            ..Tallies::default()
        };
        candidates.len()
    ];
    paths.scan(|_, r| {
        let f = r.first(outcome);
        let outcome_month = (f != NEVER && usize::from(f) <= by).then_some(usize::from(f));
        for (c, t) in candidates.iter().zip(tallies.iter_mut()) {
            if f != NEVER && usize::from(f) <= c.m {
                continue;
            }
            t.eligible += 1;
            let signal_month = match c.signal {
                Signal::Event(e) => {
                    let g = r.first(e);
                    (g != NEVER && usize::from(g) <= c.m).then_some(usize::from(g))
                }
                Signal::Below(x, code) => x.code(r, c.m).filter(|&v| v <= code).map(|_| c.m),
                Signal::Above(x, code) => x.code(r, c.m).filter(|&v| v >= code).map(|_| c.m),
            };
            match (signal_month, outcome_month) {
                (Some(s), Some(o)) => {
                    t.with_signal += 1;
                    t.outcome_with += 1;
                    t.lead[o - s] += 1;
                }
                (Some(_), None) => t.with_signal += 1,
                (None, Some(_)) => t.outcome_without += 1,
                (None, None) => {}
            }
        }
    })?;
    let mut out = Vec::new();
    let mut not_discriminating = 0;
    for (c, t) in candidates.iter().zip(&tallies) {
        let without = t.eligible - t.with_signal;
        if t.with_signal == 0 || without == 0 {
            not_discriminating += 1;
            continue;
        }
        out.push(describe(h, paths.runs, c, t));
    }
    // Stable sort: ties keep candidate order.
    out.sort_by(|a, b| {
        b.separation.total_cmp(&a.separation).then(
            b.difference
                .value
                .abs()
                .total_cmp(&a.difference.value.abs()),
        )
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    let def = &h.events[outcome];
    Ok(Signposts {
        scenario: h.scenario.clone(),
        scenario_hash: h.scenario_hash.clone(),
        seed: h.seed,
        runs: paths.runs,
        outcome: def.id.clone(),
        outcome_actor: def.actor.clone(),
        outcome_description: def.description.clone(),
        by: h.month_label(by),
        candidate_months: months.iter().map(|&m| h.month_label(m)).collect(),
        not_discriminating,
        signposts: out,
    })
}

fn describe(h: &Header, runs: u64, c: &Candidate, t: &Tallies) -> Signpost {
    let without = t.eligible - t.with_signal;
    let p_given = Interval::wilson(t.outcome_with, t.with_signal);
    let p_given_not = Interval::wilson(t.outcome_without, without);
    let difference = p_given.newcombe_difference(&p_given_not);
    let p_outcome = (t.outcome_with + t.outcome_without) as f64 / t.eligible as f64;
    let separation = if difference.ci_low > 0.0 {
        difference.ci_low
    } else if difference.ci_high < 0.0 {
        -difference.ci_high
    } else {
        0.0
    };
    let both: u64 = t.lead.iter().sum();
    let mut acc = 0;
    let lead_time_months = (both > 0)
        .then(|| {
            t.lead.iter().position(|&n| {
                acc += n;
                2 * acc >= both
            })
        })
        .flatten();
    let month = h.month_label(c.m);
    let (kind, signal, actor, label, threshold, unit) = match c.signal {
        Signal::Event(e) => {
            let d = &h.events[e];
            (
                "event",
                d.id.clone(),
                d.actor.clone(),
                format!("{} by {month}", d.description),
                None,
                String::new(),
            )
        }
        Signal::Below(x, code) | Signal::Above(x, code) => {
            let below = matches!(c.signal, Signal::Below(..));
            let (metric, actor, unit) = x.name(h);
            let v = x.value(code);
            let who = if actor.is_empty() {
                metric.clone()
            } else {
                format!("{actor}'s {metric}")
            };
            (
                if below { "below" } else { "above" },
                metric,
                actor,
                format!(
                    "{who} in {month} at or {} {} ({} percentile)",
                    if below { "below" } else { "above" },
                    num((v * 1000.0).round() / 1000.0),
                    if below { "25th" } else { "75th" }
                ),
                Some(v),
                unit,
            )
        }
    };
    Signpost {
        rank: 0,
        month,
        months_after_start: c.m,
        kind,
        signal,
        actor,
        label,
        threshold,
        unit,
        eligible: t.eligible,
        excluded: runs - t.eligible,
        with_signal: t.with_signal,
        outcome_with_signal: t.outcome_with,
        outcome_without_signal: t.outcome_without,
        prevalence: Interval::wilson(t.with_signal, t.eligible),
        p_given,
        p_given_not,
        difference,
        lift: if p_outcome > 0.0 {
            p_given.value / p_outcome
        } else {
            f64::NAN
        },
        lead_time_months,
        separation,
    }
}

/// signposts.csv, ranked.
pub fn signposts_csv(s: &Signposts) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "rank",
        "month",
        "kind",
        "signal",
        "actor",
        "threshold",
        "unit",
        "eligible",
        "excluded",
        "prevalence",
        "prevalence_ci_low",
        "prevalence_ci_high",
        "p_given",
        "p_given_ci_low",
        "p_given_ci_high",
        "p_given_not",
        "p_given_not_ci_low",
        "p_given_not_ci_high",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
        "lift",
        "lead_time_months",
        "separation",
    ])
    .expect("in-memory csv");
    for p in &s.signposts {
        let i = |x: &Interval| [num(x.value), num(x.ci_low), num(x.ci_high)];
        let mut row = vec![
            p.rank.to_string(),
            p.month.clone(),
            p.kind.to_string(),
            p.signal.clone(),
            p.actor.clone(),
            p.threshold.map_or(String::new(), num),
            p.unit.clone(),
            p.eligible.to_string(),
            p.excluded.to_string(),
        ];
        for x in [&p.prevalence, &p.p_given, &p.p_given_not, &p.difference] {
            row.extend(i(x));
        }
        row.push(num(p.lift));
        row.push(p.lead_time_months.map_or(String::new(), |m| m.to_string()));
        row.push(num(p.separation));
        w.write_record(&row).expect("in-memory csv");
    }
    csv_bytes(w)
}

/// signposts.json (the completion marker).
pub fn signposts_json(s: &Signposts) -> Vec<u8> {
    sorted_json_bytes(s)
}

/// The default folder: `RUN_DIR/signposts-<outcome>[-<actor>]` (the actor's name with anything but letters and
/// digits as '-').
pub fn default_dir(run_dir: &Path, outcome: &str, actor: Option<&str>) -> PathBuf {
    let mut name = format!("signposts-{outcome}");
    if let Some(a) = actor {
        name.push('-');
        name.extend(
            a.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
        );
    }
    run_dir.join(name)
}
