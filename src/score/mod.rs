//! `realign score`: forecasts scored against what happened. An outcomes file ([`outcomes`]) asks dated, resolved
//! questions; each run folder ([`rundir`]) answers them with its forecasts; this module scores the answers.
//!
//! For an `[[event]]` question (did event e happen by the end of month `by`?) with outcome o (1 if it happened, 0 if
//! not) the forecast is the run's cumulative probability p = count / runs that e has happened by `by`
//! (events.csv), with its Wilson 95% interval, and
//!
//! - error = p - o;
//! - Brier term (p - o)^2 (Brier 1950); the Brier score BS is their mean over the questions scored;
//! - log-score term ln p' if o = 1, ln(1 - p') if o = 0, with p' = (count + 0.5) / (runs + 1): the Monte Carlo
//!   estimate shrunk away from 0 and 1 (the Jeffreys-prior posterior mean), so that a probability no run produced
//!   scores ln(0.5 / (runs + 1)) instead of minus infinity. 0 is perfect; higher is better.
//!
//! Brier skill 1 - BS / BS_ref against three references: (a) a 50/50 guess, BS_ref = 0.25; (b) "nothing changes":
//! the status quo persists, probability 0 for every event, so BS_ref = the share of questions whose event happened;
//! (c) the base rates of `seeds/base_rates.toml` ([`REFERENCE_CLASSES`]): a class's rate lambda = count / exposure
//! a year gives 1 - exp(-lambda x years) for at least one event in the `years` from the vantage to `by`
//! (a constant hazard); skill (c) is computed over the questions that have a reference class (BS of the model and of
//! the base rates on those questions), and each question says which class gave its reference.
//!
//! Intervals of BS, the skills and the mean log score: a bootstrap over questions ([`BOOTSTRAP_REPLICATES`]
//! resamples of the scored event questions with replacement, percentile interval), ChaCha8 seeded with
//! [`BOOTSTRAP_SEED`]; every run folder sees the same resamples.
//!
//! For a `[[quantity]]` question (metric x had value y in month m) the forecast is the run's distribution of x in
//! month m, given by its quantile function F^-1 at the levels of quantiles.csv; its CRPS (Matheson and Winkler 1976;
//! Gneiting and Raftery 2007, eq. 20) is CRPS(F, y) = 2 int_0^1 (1{y < F^-1(tau)} - tau)(F^-1(tau) - y) dtau
//! ([`crps_from_quantiles`]). The reference is "nothing changes": the metric's value at the vantage month as a point
//! forecast, whose CRPS is |x0 - y|.

pub mod outcomes;
pub mod rundir;

use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::evidence;
use crate::output::tables::QUANTILE_LEVELS;
use crate::output::{csv_bytes, csv_writer, num, rounded, rounded_interval, sorted_json_bytes};
use crate::scenario::Month;
use crate::stats::Interval;
use outcomes::{EventQuestion, Outcomes, QuantityQuestion};
use rundir::RunDir;

/// Bootstrap resamples of the questions for the intervals of the Brier score, the skills and the log score.
pub const BOOTSTRAP_REPLICATES: usize = 2000;
/// Seed of the bootstrap's ChaCha8 (fixed, so the same inputs give the same intervals): the vantage date.
pub const BOOTSTRAP_SEED: u64 = 20_141_226;
/// Bins of the reliability table: equal width, [0, 0.1), [0.1, 0.2), ..., [0.9, 1].
pub const RELIABILITY_BINS: usize = 10;

/// How a reference class's `count / exposure` reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RateKind {
    /// Events per unit-year: the hazard itself.
    PerYear,
    /// The share of units with an event within 12 months (R08): hazard = -ln(1 - share).
    TwelveMonthShare,
}

/// The model's events and the reference class of `seeds/base_rates.toml` that anchors each (the class's `anchors`
/// names the model's event; the model calls a regime crisis `crisis` and the patron paying `stabilisation_loan`).
/// `any_partner_leaves_orbit` takes R01's rate times the number of partners in the run (each partner a country).
pub const REFERENCE_CLASSES: [(&str, &str, RateKind); 10] = [
    ("leaves_orbit", "R01", RateKind::PerYear),
    ("any_partner_leaves_orbit", "R01", RateKind::PerYear),
    ("crisis", "R02", RateKind::PerYear),
    ("sanctioned", "R03", RateKind::PerYear),
    ("leaves_union", "R04", RateKind::PerYear),
    ("union_fracture", "R05", RateKind::PerYear),
    ("ceasefire", "R06", RateKind::PerYear),
    ("policy_revision", "R07", RateKind::PerYear),
    ("hosts_mediation", "R08", RateKind::TwelveMonthShare),
    ("stabilisation_loan", "R09", RateKind::PerYear),
];

/// The base-rate forecast that `event` happens at least once in the months from `vantage` to `by`, with the id of
/// its reference class; None for an event no class anchors. `partners` scales R01 for `any_partner_leaves_orbit`.
pub fn reference_forecast(
    event: &str,
    vantage: Month,
    by: Month,
    partners: usize,
) -> Option<(&'static str, f64)> {
    let &(_, id, kind) = REFERENCE_CLASSES.iter().find(|(e, ..)| *e == event)?;
    let class = evidence::base_rates().iter().find(|r| r.id == id)?;
    let share = class.count / class.exposure;
    let mut hazard_per_year = match kind {
        RateKind::PerYear => share,
        RateKind::TwelveMonthShare => -(1.0 - share).ln(),
    };
    if event == "any_partner_leaves_orbit" {
        hazard_per_year *= partners.max(1) as f64;
    }
    let years = vantage.months_until(by) as f64 / 12.0;
    Some((id, 1.0 - (-hazard_per_year * years).exp()))
}

/// The Brier term (p - o)^2.
pub fn brier(p: f64, happened: bool) -> f64 {
    (p - f64::from(u8::from(happened))).powi(2)
}

/// The log-score term of `count` runs out of `runs`: ln p' or ln(1 - p'), p' = (count + 0.5) / (runs + 1).
pub fn log_score(count: u64, runs: u64, happened: bool) -> f64 {
    let p = (count as f64 + 0.5) / (runs as f64 + 1.0);
    if happened { p.ln() } else { (1.0 - p).ln() }
}

/// CRPS of the distribution with quantile function values `values` at `levels` (increasing, inside (0, 1)) for
/// the outcome `y`: 2 int_0^1 (1{y < q(tau)} - tau)(q(tau) - y) dtau, the integrand (twice the pinball loss) by the
/// trapezoid rule between the levels and held at its value at the first and last level over [0, first] and
/// [last, 1]. With the 21 levels of quantiles.csv the error on a normal distribution is at most 1% of its exact
/// CRPS for outcomes within 3 sd of the mean (0.9% at the mean, where it is largest; tests/score.rs), and the
/// approximation is always below the exact value there (the tails are cut).
pub fn crps_from_quantiles(levels: &[f64], values: &[f64], y: f64) -> f64 {
    let g = |tau: f64, q: f64| 2.0 * (f64::from(u8::from(y < q)) - tau) * (q - y);
    let n = levels.len().min(values.len());
    if n == 0 {
        return f64::NAN;
    }
    let gs: Vec<f64> = (0..n).map(|i| g(levels[i], values[i])).collect();
    let mut total = levels[0] * gs[0] + (1.0 - levels[n - 1]) * gs[n - 1];
    for i in 1..n {
        total += (levels[i] - levels[i - 1]) * (gs[i] + gs[i - 1]) / 2.0;
    }
    total
}

/// One bin of a reliability table.
#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    #[serde(serialize_with = "rounded")]
    pub low: f64,
    #[serde(serialize_with = "rounded")]
    pub high: f64,
    pub count: usize,
    /// Mean forecast of the questions in the bin (NaN, written null, when empty).
    #[serde(serialize_with = "rounded")]
    pub mean_forecast: f64,
    /// Share of them that happened, with its Wilson 95% interval.
    #[serde(serialize_with = "rounded_interval")]
    pub observed: Interval,
}

/// The reliability table of (forecast, happened) pairs: [`RELIABILITY_BINS`] equal-width bins of the forecast.
pub fn reliability(pairs: &[(f64, bool)]) -> Vec<Bin> {
    let k = RELIABILITY_BINS;
    let mut sums = vec![(0usize, 0.0f64, 0u64); k];
    for &(p, o) in pairs {
        let b = ((p * k as f64).floor().max(0.0) as usize).min(k - 1);
        sums[b].0 += 1;
        sums[b].1 += p;
        sums[b].2 += u64::from(o);
    }
    sums.into_iter()
        .enumerate()
        .map(|(b, (n, sum, hits))| Bin {
            low: b as f64 / k as f64,
            high: (b + 1) as f64 / k as f64,
            count: n,
            mean_forecast: if n == 0 { f64::NAN } else { sum / n as f64 },
            observed: Interval::wilson(hits, n as u64),
        })
        .collect()
}

/// One event question scored against one run folder.
#[derive(Clone, Debug, Serialize)]
pub struct EventScore {
    pub question: String,
    pub event: String,
    pub actor: String,
    pub by: String,
    pub happened: bool,
    /// Months from the vantage to `by`.
    pub horizon_months: i64,
    /// The run's probability that the event happened by `by`, with its Wilson 95% interval.
    #[serde(serialize_with = "rounded_interval")]
    pub forecast: Interval,
    pub count: u64,
    pub runs: u64,
    #[serde(serialize_with = "rounded")]
    pub error: f64,
    #[serde(serialize_with = "rounded")]
    pub brier: f64,
    #[serde(serialize_with = "rounded")]
    pub log_score: f64,
    /// The reference class that gave the base-rate forecast (None: no class anchors this event).
    pub reference_class: Option<&'static str>,
    #[serde(serialize_with = "rounded_opt")]
    pub reference_forecast: Option<f64>,
}

/// One quantity question scored against one run folder.
#[derive(Clone, Debug, Serialize)]
pub struct QuantityScore {
    pub question: String,
    pub metric: String,
    pub actor: String,
    pub month: String,
    #[serde(serialize_with = "rounded")]
    pub value: f64,
    /// The run's median in that month.
    #[serde(serialize_with = "rounded")]
    pub median: f64,
    #[serde(serialize_with = "rounded")]
    pub crps: f64,
    /// "Nothing changes": the value at the vantage month, and its CRPS |x0 - y|.
    #[serde(serialize_with = "rounded")]
    pub vantage_value: f64,
    #[serde(serialize_with = "rounded")]
    pub crps_reference: f64,
}

/// A question a run folder cannot answer, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Unanswerable {
    pub question: String,
    pub reason: String,
}

/// The scores of one run folder.
#[derive(Clone, Debug, Serialize)]
pub struct Totals {
    pub questions: usize,
    pub events_scored: usize,
    pub quantities_scored: usize,
    pub unanswerable: usize,
    /// Mean Brier term over the scored event questions, with its bootstrap 95% interval.
    #[serde(serialize_with = "rounded_interval")]
    pub brier: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub skill_vs_even_odds: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub skill_vs_nothing_changes: Interval,
    /// Over the `with_reference` questions that have a reference class.
    #[serde(serialize_with = "rounded_interval")]
    pub skill_vs_base_rates: Interval,
    pub with_reference: usize,
    #[serde(serialize_with = "rounded")]
    pub brier_base_rates: f64,
    #[serde(serialize_with = "rounded")]
    pub brier_nothing_changes: f64,
    #[serde(serialize_with = "rounded_interval")]
    pub log_score: Interval,
    /// Mean CRPS over the scored quantity questions, and that of "nothing changes".
    #[serde(serialize_with = "rounded")]
    pub crps: f64,
    #[serde(serialize_with = "rounded")]
    pub crps_nothing_changes: f64,
    #[serde(serialize_with = "rounded")]
    pub crps_skill: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunScore {
    pub run_dir: String,
    pub scenario: String,
    pub runs: u64,
    pub start_month: String,
    pub totals: Totals,
    pub events: Vec<EventScore>,
    pub quantities: Vec<QuantityScore>,
    pub unanswerable: Vec<Unanswerable>,
    pub reliability: Vec<Bin>,
}

fn rounded_opt<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_f64(crate::output::round6(*x)),
        None => s.serialize_none(),
    }
}

/// Why `run` cannot answer the event question `q`, or the score.
fn score_event(o: &Outcomes, run: &RunDir, q: &EventQuestion) -> Result<EventScore, String> {
    let Some(row) = run.events.get(&(q.event.clone(), q.actor.clone())) else {
        let known: Vec<&str> = run
            .events
            .keys()
            .filter(|(e, _)| *e == q.event)
            .map(|(_, a)| a.as_str())
            .collect();
        return Err(if known.is_empty() {
            let ids: std::collections::BTreeSet<&str> =
                run.events.keys().map(|(e, _)| e.as_str()).collect();
            let ids: Vec<&str> = ids.into_iter().collect();
            let hint = crate::scenario::suggest::closest(&q.event, &ids)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            format!("the run reports no event `{}`{hint}", q.event)
        } else if q.actor.is_empty() {
            format!(
                "event `{}` is per partner: name an actor ({})",
                q.event,
                known.join(", ")
            )
        } else {
            format!(
                "the run reports `{}` for {}, not for {:?}",
                q.event,
                if known == [""] {
                    "the world (no actor)".to_string()
                } else {
                    known.join(", ")
                },
                q.actor
            )
        });
    };
    let Some(i) = run.index(q.by) else {
        return Err(format!(
            "by = {} is outside the run's months ({} .. {})",
            q.by, run.start, run.horizon
        ));
    };
    let (count, runs) = (row[i], run.runs);
    let p = count as f64 / runs as f64;
    let reference = reference_forecast(&q.event, o.vantage, q.by, run.partners());
    Ok(EventScore {
        question: q.id(),
        event: q.event.clone(),
        actor: q.actor.clone(),
        by: q.by.to_string(),
        happened: q.happened,
        horizon_months: o.vantage.months_until(q.by),
        forecast: Interval::wilson(count, runs),
        count,
        runs,
        error: p - f64::from(u8::from(q.happened)),
        brier: brier(p, q.happened),
        log_score: log_score(count, runs, q.happened),
        reference_class: reference.map(|r| r.0),
        reference_forecast: reference.map(|r| r.1),
    })
}

fn score_quantity(run: &RunDir, q: &QuantityQuestion) -> Result<QuantityScore, String> {
    let key = (q.metric.clone(), q.actor.clone());
    let Some(&x0) = run.vantage_values.get(&key) else {
        return Err(format!(
            "the run reports no metric `{}`{}",
            q.metric,
            if q.actor.is_empty() {
                String::new()
            } else {
                format!(" for {:?}", q.actor)
            }
        ));
    };
    let Some(i) = run.index(q.month) else {
        return Err(format!(
            "month = {} is outside the run's months ({} .. {})",
            q.month, run.start, run.horizon
        ));
    };
    let Some(all) = &run.quantiles else {
        return Err(
            "the run folder has no quantiles.csv (written by realign run since score was added)"
                .into(),
        );
    };
    let Some(values) = all.get(&(q.metric.clone(), q.actor.clone(), i)) else {
        return Err(format!(
            "metric `{}` has no quantiles (it is tracked by its moments only)",
            q.metric
        ));
    };
    let values: Option<Vec<f64>> = values.iter().copied().collect();
    let Some(values) = values else {
        return Err(format!(
            "quantiles of `{}` in {} are missing (a run left the binned range)",
            q.metric, q.month
        ));
    };
    let median = values[QUANTILE_LEVELS
        .iter()
        .position(|&l| l == 0.5)
        .expect("0.5 is a level")];
    Ok(QuantityScore {
        question: q.id(),
        metric: q.metric.clone(),
        actor: q.actor.clone(),
        month: q.month.to_string(),
        value: q.value,
        median,
        crps: crps_from_quantiles(&QUANTILE_LEVELS, &values, q.value),
        vantage_value: x0,
        crps_reference: (x0 - q.value).abs(),
    })
}

/// Percentile 95% interval of the finite replicates around `value`.
fn percentile_interval(value: f64, mut reps: Vec<f64>) -> Interval {
    reps.retain(|x| x.is_finite());
    if reps.is_empty() || !value.is_finite() {
        return Interval {
            value,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        };
    }
    reps.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let h = q * (reps.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        reps[lo] + (h - lo as f64) * (reps[hi] - reps[lo])
    };
    Interval {
        value,
        ci_low: at(0.025),
        ci_high: at(0.975),
    }
}

/// The statistics of a set of event scores, given as indices (with repeats, for a bootstrap resample): BS, skill vs
/// 50/50, vs nothing changes, vs base rates, mean log score.
fn statistics(s: &[EventScore], idx: &[usize]) -> [f64; 5] {
    let n = idx.len() as f64;
    let mean = |f: &dyn Fn(&EventScore) -> f64| idx.iter().map(|&i| f(&s[i])).sum::<f64>() / n;
    let bs = mean(&|e| e.brier);
    let nothing = mean(&|e| f64::from(u8::from(e.happened)));
    let (mut bs_ref_model, mut bs_ref, mut m) = (0.0, 0.0, 0usize);
    for &i in idx {
        if let Some(r) = s[i].reference_forecast {
            bs_ref_model += s[i].brier;
            bs_ref += brier(r, s[i].happened);
            m += 1;
        }
    }
    let skill = |bs: f64, r: f64| if r > 0.0 { 1.0 - bs / r } else { f64::NAN };
    [
        bs,
        skill(bs, 0.25),
        skill(bs, nothing),
        if m > 0 {
            skill(bs_ref_model / m as f64, bs_ref / m as f64)
        } else {
            f64::NAN
        },
        mean(&|e| e.log_score),
    ]
}

/// Scores one run folder on every question of `o`.
pub fn score_run(o: &Outcomes, run: &RunDir) -> RunScore {
    let mut events = Vec::new();
    let mut quantities = Vec::new();
    let mut unanswerable = Vec::new();
    let vantage_ok = run.start == o.vantage;
    let vantage_reason = format!(
        "the outcomes file's vantage {} is not the run's start month {}",
        o.vantage, run.start
    );
    for q in &o.events {
        match if vantage_ok {
            score_event(o, run, q)
        } else {
            Err(vantage_reason.clone())
        } {
            Ok(s) => events.push(s),
            Err(reason) => unanswerable.push(Unanswerable {
                question: q.id(),
                reason,
            }),
        }
    }
    for q in &o.quantities {
        match if vantage_ok {
            score_quantity(run, q)
        } else {
            Err(vantage_reason.clone())
        } {
            Ok(s) => quantities.push(s),
            Err(reason) => unanswerable.push(Unanswerable {
                question: q.id(),
                reason,
            }),
        }
    }
    let all: Vec<usize> = (0..events.len()).collect();
    let point = if events.is_empty() {
        [f64::NAN; 5]
    } else {
        statistics(&events, &all)
    };
    let mut reps: [Vec<f64>; 5] = Default::default();
    if !events.is_empty() {
        let mut rng = ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
        let n = events.len();
        let mut idx = vec![0usize; n];
        for _ in 0..BOOTSTRAP_REPLICATES {
            idx.iter_mut().for_each(|i| *i = rng.random_range(0..n));
            for (r, v) in reps.iter_mut().zip(statistics(&events, &idx)) {
                r.push(v);
            }
        }
    }
    let [bs, half, nothing, base, log] = point;
    let [r_bs, r_half, r_nothing, r_base, r_log] = reps;
    let with_ref: Vec<&EventScore> = events
        .iter()
        .filter(|e| e.reference_forecast.is_some())
        .collect();
    let mean_of = |v: &mut dyn Iterator<Item = f64>, n: usize| {
        if n == 0 {
            f64::NAN
        } else {
            v.sum::<f64>() / n as f64
        }
    };
    let crps = mean_of(&mut quantities.iter().map(|q| q.crps), quantities.len());
    let crps_ref = mean_of(
        &mut quantities.iter().map(|q| q.crps_reference),
        quantities.len(),
    );
    let totals = Totals {
        questions: o.events.len() + o.quantities.len(),
        events_scored: events.len(),
        quantities_scored: quantities.len(),
        unanswerable: unanswerable.len(),
        brier: percentile_interval(bs, r_bs),
        skill_vs_even_odds: percentile_interval(half, r_half),
        skill_vs_nothing_changes: percentile_interval(nothing, r_nothing),
        skill_vs_base_rates: percentile_interval(base, r_base),
        with_reference: with_ref.len(),
        brier_base_rates: mean_of(
            &mut with_ref
                .iter()
                .map(|e| brier(e.reference_forecast.unwrap_or(f64::NAN), e.happened)),
            with_ref.len(),
        ),
        brier_nothing_changes: mean_of(
            &mut events.iter().map(|e| f64::from(u8::from(e.happened))),
            events.len(),
        ),
        log_score: percentile_interval(log, r_log),
        crps,
        crps_nothing_changes: crps_ref,
        crps_skill: if crps_ref > 0.0 {
            1.0 - crps / crps_ref
        } else {
            f64::NAN
        },
    };
    let pairs: Vec<(f64, bool)> = events
        .iter()
        .map(|e| (e.count as f64 / e.runs as f64, e.happened))
        .collect();
    RunScore {
        run_dir: run.path.display().to_string(),
        scenario: run.scenario.clone(),
        runs: run.runs,
        start_month: run.start.to_string(),
        totals,
        reliability: reliability(&pairs),
        events,
        quantities,
        unanswerable,
    }
}

/// score.json: the outcomes file, the methods, and every run folder's scores.
#[derive(Serialize)]
struct ScoreJson<'a> {
    outcomes_file: String,
    name: &'a str,
    description: &'a str,
    vantage: String,
    questions: Vec<QuestionJson>,
    method: Method,
    results: &'a [RunScore],
}

#[derive(Serialize)]
struct QuestionJson {
    question: String,
    kind: &'static str,
    month: String,
    outcome: serde_json::Value,
    when: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct Method {
    brier: &'static str,
    log_score: &'static str,
    skill: &'static str,
    base_rates: String,
    interval: String,
    crps: &'static str,
    reliability: &'static str,
}

pub fn score_json(o: &Outcomes, results: &[RunScore]) -> Vec<u8> {
    let mut questions: Vec<QuestionJson> = o
        .events
        .iter()
        .map(|q| QuestionJson {
            question: q.id(),
            kind: "event",
            month: q.by.to_string(),
            outcome: serde_json::Value::Bool(q.happened),
            when: q.when.map(|w| w.to_string()),
            source: q.source.clone(),
        })
        .collect();
    questions.extend(o.quantities.iter().map(|q| QuestionJson {
        question: q.id(),
        kind: "quantity",
        month: q.month.to_string(),
        outcome: serde_json::json!(crate::output::round6(q.value)),
        when: None,
        source: q.source.clone(),
    }));
    let classes: Vec<String> = REFERENCE_CLASSES
        .iter()
        .map(|(e, id, kind)| {
            format!(
                "{e}: {id}{}",
                match kind {
                    RateKind::PerYear => "",
                    RateKind::TwelveMonthShare => " (a 12-month share s: hazard -ln(1 - s))",
                }
            )
        })
        .collect();
    sorted_json_bytes(&ScoreJson {
        outcomes_file: o.path.display().to_string(),
        name: &o.name,
        description: &o.description,
        vantage: o.vantage.to_string(),
        questions,
        method: Method {
            brier: "mean of (p - o)^2 over the scored event questions; p = count / runs, the run's probability that the event happened by `by`",
            log_score: "mean of ln p' (happened) or ln(1 - p') (not), p' = (count + 0.5) / (runs + 1): the Monte Carlo estimate shrunk away from 0 and 1 so an outcome no run produced is finite; 0 is perfect",
            skill: "1 - BS / BS_ref: even odds BS_ref = 0.25; nothing changes: probability 0 for every event (BS_ref = share that happened); base rates: over the questions with a reference class only",
            base_rates: format!(
                "seeds/base_rates.toml, lambda = count / exposure a year, p = 1 - exp(-lambda x years from the vantage to by); any_partner_leaves_orbit: lambda x partners. {}",
                classes.join("; ")
            ),
            interval: format!(
                "95% percentile bootstrap over questions: {BOOTSTRAP_REPLICATES} resamples, ChaCha8 seeded {BOOTSTRAP_SEED}; forecasts: Wilson; reliability: Wilson"
            ),
            crps: "2 int_0^1 (1{y < q(tau)} - tau)(q(tau) - y) dtau by the trapezoid rule over quantiles.csv's levels 0.01, 0.05, ..., 0.95, 0.99, the integrand held flat beyond the outer levels; reference: the vantage value as a point forecast, |x0 - y|",
            reliability: "10 equal-width bins of p; observed = share that happened, Wilson 95% interval",
        },
        results,
    })
}

/// score.csv: one row per run folder x question, tidy; an unanswerable question has status `unanswerable`, its
/// reason, and empty numbers.
pub fn score_csv(o: &Outcomes, results: &[RunScore]) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "run_dir",
        "scenario",
        "question",
        "kind",
        "what",
        "actor",
        "month",
        "outcome",
        "forecast",
        "ci_low",
        "ci_high",
        "count",
        "runs",
        "error",
        "brier",
        "log_score",
        "crps",
        "reference",
        "reference_forecast",
        "reference_score",
        "status",
        "reason",
    ])
    .expect("in-memory csv");
    let cell = |v: Option<f64>| v.map_or(String::new(), num);
    for r in results {
        let mut row =
            |q: String, kind: &str, what: &str, actor: &str, month: String, outcome: String| {
                let mut f: Vec<String> = vec![
                    r.run_dir.clone(),
                    r.scenario.clone(),
                    q.clone(),
                    kind.into(),
                    what.into(),
                    actor.into(),
                    month,
                    outcome,
                ];
                if let Some(e) = r.events.iter().find(|e| e.question == q) {
                    let p = e.forecast.rounded();
                    f.extend([
                        num(p.value),
                        num(p.ci_low),
                        num(p.ci_high),
                        e.count.to_string(),
                        e.runs.to_string(),
                        num(e.error),
                        num(e.brier),
                        num(e.log_score),
                        String::new(),
                        e.reference_class.unwrap_or("").to_string(),
                        cell(e.reference_forecast),
                        cell(e.reference_forecast.map(|p| brier(p, e.happened))),
                        "scored".into(),
                        String::new(),
                    ]);
                } else if let Some(s) = r.quantities.iter().find(|s| s.question == q) {
                    f.extend([
                        num(s.median),
                        String::new(),
                        String::new(),
                        String::new(),
                        r.runs.to_string(),
                        num(s.median - s.value),
                        String::new(),
                        String::new(),
                        num(s.crps),
                        "nothing_changes".into(),
                        num(s.vantage_value),
                        num(s.crps_reference),
                        "scored".into(),
                        String::new(),
                    ]);
                } else {
                    let reason = r
                        .unanswerable
                        .iter()
                        .find(|u| u.question == q)
                        .map_or(String::new(), |u| u.reason.clone());
                    f.extend(std::iter::repeat_n(String::new(), 12));
                    f.extend(["unanswerable".to_string(), reason]);
                }
                w.write_record(&f).expect("in-memory csv");
            };
        for q in &o.events {
            row(
                q.id(),
                "event",
                &q.event,
                &q.actor,
                q.by.to_string(),
                u8::from(q.happened).to_string(),
            );
        }
        for q in &o.quantities {
            row(
                q.id(),
                "quantity",
                &q.metric,
                &q.actor,
                q.month.to_string(),
                num(q.value),
            );
        }
    }
    csv_bytes(w)
}

/// reliability.csv: one row per run folder x bin.
pub fn reliability_csv(results: &[RunScore]) -> Vec<u8> {
    let mut w = csv_writer();
    w.write_record([
        "run_dir",
        "scenario",
        "bin_low",
        "bin_high",
        "count",
        "mean_forecast",
        "observed",
        "ci_low",
        "ci_high",
    ])
    .expect("in-memory csv");
    for r in results {
        for b in &r.reliability {
            let obs = b.observed.rounded();
            w.write_record([
                r.run_dir.clone(),
                r.scenario.clone(),
                num(b.low),
                num(b.high),
                b.count.to_string(),
                num(b.mean_forecast),
                num(obs.value),
                if b.count == 0 {
                    String::new()
                } else {
                    num(obs.ci_low)
                },
                if b.count == 0 {
                    String::new()
                } else {
                    num(obs.ci_high)
                },
            ])
            .expect("in-memory csv");
        }
    }
    csv_bytes(w)
}

/// Reads the outcomes file and every run folder (all checked before anything is scored), then scores.
pub fn load_and_score(
    events: &Path,
    dirs: &[std::path::PathBuf],
) -> Result<(Outcomes, Vec<RunScore>), ScoreError> {
    let o = Outcomes::load(events)?;
    let runs = dirs
        .iter()
        .map(|d| rundir::read(d))
        .collect::<Result<Vec<_>, _>>()?;
    let results = runs.iter().map(|r| score_run(&o, r)).collect();
    Ok((o, results))
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Outcomes(#[from] crate::scenario::ScenarioError),
    #[error(transparent)]
    RunDir(#[from] rundir::RunDirError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_class_exists_and_anchors_its_event() {
        for (event, id, _) in REFERENCE_CLASSES {
            let c = evidence::base_rates()
                .iter()
                .find(|r| r.id == id)
                .unwrap_or_else(|| panic!("{id} missing"));
            let anchor = c.anchors.split_whitespace().next().unwrap();
            let expected = match event {
                "crisis" => "regime_crisis",
                "stabilisation_loan" => "patron_pays",
                "any_partner_leaves_orbit" => "leaves_orbit",
                e => e,
            };
            assert_eq!(anchor, expected, "{event} -> {id}");
        }
    }

    #[test]
    fn base_rate_forecast_by_hand() {
        let v = Month::parse("2014-12").unwrap();
        let by = Month::parse("2017-12").unwrap();
        // R01: 4 events in 253 country-years; 3 years: 1 - exp(-3 x 4 / 253) = 0.046323.
        let (id, p) = reference_forecast("leaves_orbit", v, by, 2).unwrap();
        assert_eq!(id, "R01");
        assert!((p - (1.0 - (-12.0f64 / 253.0).exp())).abs() < 1e-12);
        assert!((p - 0.046_323).abs() < 1e-6, "{p}");
        // Two partners: twice the hazard.
        let (_, p2) = reference_forecast("any_partner_leaves_orbit", v, by, 2).unwrap();
        assert!((p2 - (1.0 - (-24.0f64 / 253.0).exp())).abs() < 1e-12);
        // R08: 13 of 32 venues hosted again within 12 months; in 12 months the share itself.
        let (_, p8) = reference_forecast("hosts_mediation", v, v.plus(12), 2).unwrap();
        assert!((p8 - 13.0 / 32.0).abs() < 1e-12);
        assert!(reference_forecast("no_such_event", v, by, 2).is_none());
    }
}
