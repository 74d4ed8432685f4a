//! `realign score`: the scores computed by hand, the references, the reliability table of a calibrated forecaster,
//! the CRPS approximation against the exact CRPS of a normal, end to end on a real run, bad outcomes files, and
//! determinism.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realign::output::tables::QUANTILE_LEVELS;
use realign::scenario::Month;
use realign::score::outcomes::{EventQuestion, Outcomes};
use realign::score::rundir::RunDir;
use realign::score::{self, brier, crps_from_quantiles, log_score, reliability};

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

#[test]
fn brier_log_score_and_crps_by_hand() {
    // Brier: p = 0.7, happened: (0.7 - 1)^2 = 0.09; not happened: 0.7^2 = 0.49.
    assert!((brier(0.7, true) - 0.09).abs() < 1e-15);
    assert!((brier(0.7, false) - 0.49).abs() < 1e-15);
    // Log score: 3 of 9 runs, p' = (3 + 0.5) / (9 + 1) = 0.35; happened ln 0.35 = -1.049822, not ln 0.65 = -0.430783.
    assert!((log_score(3, 9, true) - (-1.049_822)).abs() < 1e-6);
    assert!((log_score(3, 9, false) - (-0.430_783)).abs() < 1e-6);
    // No run produced it: p' = 0.5 / 11, ln = -3.091042 (finite, not minus infinity).
    assert!((log_score(0, 10, true) - (0.5f64 / 11.0).ln()).abs() < 1e-15);
    // CRPS on three levels 0.25, 0.5, 0.75 with quantiles 1, 2, 3 and y = 2:
    // g(tau) = 2 (1{y < q} - tau)(q - y): g(0.25) = 2 (0 - 0.25)(1 - 2) = 0.5, g(0.5) = 0, g(0.75) = 2 (1 - 0.75) 1 = 0.5.
    // Trapezoids: 0.25 (0.5 + 0) / 2 + 0.25 (0 + 0.5) / 2 = 0.125; tails held flat: 0.25 x 0.5 + 0.25 x 0.5 = 0.25.
    // Total 0.375.
    let c = crps_from_quantiles(&[0.25, 0.5, 0.75], &[1.0, 2.0, 3.0], 2.0);
    assert!((c - 0.375).abs() < 1e-15, "{c}");
    // A point forecast (every quantile x) has CRPS |x - y| exactly: 2 int (1{y < x} - tau)(x - y) = |x - y|.
    let point = vec![5.0; QUANTILE_LEVELS.len()];
    assert!((crps_from_quantiles(&QUANTILE_LEVELS, &point, 3.0) - 2.0).abs() < 1e-12);
    assert!((crps_from_quantiles(&QUANTILE_LEVELS, &point, 8.0) - 3.0).abs() < 1e-12);
}

/// A run folder in memory whose events have the given counts by every month.
fn synthetic_run(runs: u64, events: &[(&str, &str, u64)]) -> RunDir {
    let mut map = BTreeMap::new();
    for &(e, a, count) in events {
        let mut row = vec![count; 37];
        row[0] = 0;
        map.insert((e.to_string(), a.to_string()), row);
    }
    RunDir {
        path: PathBuf::from("synthetic"),
        scenario: "synthetic".into(),
        runs,
        start: month("2014-12"),
        horizon: month("2017-12"),
        events: map,
        vantage_values: BTreeMap::new(),
        quantiles: None,
    }
}

fn question(event: &str, actor: &str, by: &str, happened: bool) -> EventQuestion {
    EventQuestion {
        event: event.into(),
        actor: actor.into(),
        by: month(by),
        happened,
        when: None,
        source: "test".into(),
    }
}

fn outcomes(events: Vec<EventQuestion>) -> Outcomes {
    Outcomes {
        path: PathBuf::from("test.toml"),
        name: "test".into(),
        description: String::new(),
        vantage: month("2014-12"),
        events,
        quantities: Vec::new(),
    }
}

#[test]
fn a_forecaster_that_always_says_one_half_scores_exactly_a_quarter() {
    let run = synthetic_run(
        1000,
        &[
            ("ceasefire", "", 500),
            ("crisis", "Belarus", 500),
            ("sanctioned", "Belarus", 500),
        ],
    );
    let o = outcomes(vec![
        question("ceasefire", "", "2015-12", true),
        question("crisis", "Belarus", "2016-12", false),
        question("sanctioned", "Belarus", "2017-12", true),
    ]);
    let s = score::score_run(&o, &run);
    let t = &s.totals;
    assert_eq!(t.brier.value, 0.25);
    // Every resample scores 0.25 too.
    assert_eq!((t.brier.ci_low, t.brier.ci_high), (0.25, 0.25));
    assert_eq!(t.skill_vs_even_odds.value, 0.0);
    // Nothing changes scores the share that happened, 2/3: skill 1 - 0.25 / (2/3) = 0.625.
    assert!((t.skill_vs_nothing_changes.value - 0.625).abs() < 1e-12);
    // Log score: p' = 500.5 / 1001 = 0.5 exactly: ln 0.5.
    assert!((t.log_score.value - 0.5f64.ln()).abs() < 1e-12);
    assert_eq!(t.events_scored, 3);
    assert_eq!(t.with_reference, 3);
}

#[test]
fn brier_and_skills_by_hand_on_a_small_case() {
    // Two questions: p = 0.2 (happened), p = 0.9 (did not): Brier terms 0.64 and 0.81, BS = 0.725.
    let run = synthetic_run(10, &[("ceasefire", "", 2), ("policy_revision", "", 9)]);
    let o = outcomes(vec![
        question("ceasefire", "", "2015-12", true),
        question("policy_revision", "", "2015-12", false),
    ]);
    let t = score::score_run(&o, &run).totals;
    assert!((t.brier.value - 0.725).abs() < 1e-12);
    // Even odds: 1 - 0.725 / 0.25 = -1.9. Nothing changes: BS_ref = 1/2, skill 1 - 0.725 / 0.5 = -0.45.
    assert!((t.skill_vs_even_odds.value + 1.9).abs() < 1e-12);
    assert!((t.skill_vs_nothing_changes.value + 0.45).abs() < 1e-12);
    // Base rates over 12 months: ceasefire R06 8 / 19.98 a year: p = 1 - exp(-8 / 19.98) = 0.329948;
    // policy_revision R07 1 / 89: p = 1 - exp(-1 / 89) = 0.011173. BS_ref = ((1 - 0.329948)^2 + 0.011173^2) / 2.
    let r6 = 1.0 - (-8.0f64 / 19.98).exp();
    let r7 = 1.0 - (-1.0f64 / 89.0).exp();
    let bs_ref = ((1.0 - r6).powi(2) + r7.powi(2)) / 2.0;
    assert!((t.brier_base_rates - bs_ref).abs() < 1e-12);
    assert!((t.skill_vs_base_rates.value - (1.0 - 0.725 / bs_ref)).abs() < 1e-12);
    // Log score: p' = 2.5 / 11 (happened) and 1 - 9.5 / 11 (did not).
    let log = ((2.5f64 / 11.0).ln() + (1.5f64 / 11.0).ln()) / 2.0;
    assert!((t.log_score.value - log).abs() < 1e-12);
}

#[test]
fn a_calibrated_forecaster_has_a_flat_reliability_table_and_a_miscalibrated_one_does_not() {
    // 5000 questions, p uniform on [0, 1], outcome ~ Bernoulli(p), fixed seed. Each bin's Wilson 95% interval should
    // cover the bin's mean forecast; 10 bins at 95% expect 0.5 misses, and P(3 or more misses) = 1.2%: at most 2
    // are allowed. (The observed share in a bin estimates the bin's mean p exactly when calibrated.)
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let pairs: Vec<(f64, bool)> = (0..5000)
        .map(|_| {
            let p: f64 = rng.random();
            let u: f64 = rng.random();
            (p, u < p)
        })
        .collect();
    let bins = reliability(&pairs);
    assert_eq!(bins.len(), 10);
    assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 5000);
    let misses = bins
        .iter()
        .filter(|b| {
            !(b.observed.ci_low <= b.mean_forecast && b.mean_forecast <= b.observed.ci_high)
        })
        .count();
    assert!(misses <= 2, "{misses} bins miss: {bins:?}");
    // Overconfident: outcome ~ Bernoulli(p^2). The middle bins then miss by far more than their intervals.
    let skewed: Vec<(f64, bool)> = pairs
        .iter()
        .map(|&(p, _)| {
            let u: f64 = rng.random();
            (p, u < p * p)
        })
        .collect();
    let bins = reliability(&skewed);
    let misses = bins
        .iter()
        .filter(|b| {
            !(b.observed.ci_low <= b.mean_forecast && b.mean_forecast <= b.observed.ci_high)
        })
        .count();
    assert!(
        misses >= 6,
        "only {misses} bins miss for a miscalibrated forecaster"
    );
}

/// Standard normal CDF and its inverse (bisection to 1e-13).
fn phi_cdf(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

fn phi_inv(p: f64) -> f64 {
    let (mut lo, mut hi) = (-10.0, 10.0);
    while hi - lo > 1e-13 {
        let mid = (lo + hi) / 2.0;
        if phi_cdf(mid) < p { lo = mid } else { hi = mid }
    }
    (lo + hi) / 2.0
}

#[test]
fn crps_from_the_quantiles_is_within_one_percent_of_the_exact_crps_of_a_normal() {
    // Exact (Gneiting and Raftery 2007, eq. 5): CRPS(N(mu, s), y) = s [z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)],
    // z = (y - mu) / s. The 21 levels of quantiles.csv with flat tails lose at most 0.9% of it (at z = 0, where the
    // CRPS is smallest); the tolerance is 1% for |z| <= 3, and the approximation is never above the exact value.
    let (mu, s) = (60.0, 12.0);
    let q: Vec<f64> = QUANTILE_LEVELS
        .iter()
        .map(|&t| mu + s * phi_inv(t))
        .collect();
    for z in [-3.0, -2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 3.0] {
        let y = mu + s * z;
        let pdf = (-z * z / 2.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let exact =
            s * (z * (2.0 * phi_cdf(z) - 1.0) + 2.0 * pdf - 1.0 / std::f64::consts::PI.sqrt());
        let approx = crps_from_quantiles(&QUANTILE_LEVELS, &q, y);
        let rel = (approx - exact) / exact;
        assert!(
            rel.abs() <= 0.01,
            "z = {z}: approx {approx}, exact {exact} ({:.3}%)",
            100.0 * rel
        );
        assert!(approx <= exact + 1e-9, "z = {z}: above the exact value");
    }
}

fn run_into(dir: &Path, scenario: &str, runs: &str) -> PathBuf {
    let out = dir.join(scenario.trim_end_matches(".toml"));
    common::realign_ok(&[
        "run",
        common::scenario(scenario).to_str().unwrap(),
        "--runs",
        runs,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    out
}

/// (count, runs) of (event, actor) by `month` in a run's events.csv, read by hand.
fn count_by(run: &Path, event: &str, actor: &str, month: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(run.join("events.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] == month && f[2] == event && f[3] == actor {
            return (f[7].parse().unwrap(), f[8].parse().unwrap());
        }
    }
    panic!("{event} {actor} {month} not in events.csv");
}

const OUTCOMES: &str = r#"
name = "test-2015"
vantage = "2014-12"

[[event]]
event = "ceasefire"
by = "2015-12"
happened = true
when = "2015-02"
source = "Minsk II"

[[event]]
event = "leaves_orbit"
actor = "Belarus"
by = "2016-12"
happened = false
source = "no"

[[event]]
event = "crisis"
actor = "Kazakhstan"
by = "2017-12"
happened = true
source = "hypothetical, for the test"

[[event]]
event = "leaves_orbit"
actor = "Ukraine"
by = "2015-12"
happened = true
source = "Ukraine is the contested state: the model reports no partner events for it"

[[event]]
event = "ceasefire"
by = "2019-12"
happened = true
source = "beyond the run's horizon"

[[quantity]]
metric = "oil_usd_per_bbl"
month = "2015-12"
value = 38.01
source = "seeds/data/brent_monthly_2014_2017.csv"
"#;

#[test]
fn end_to_end_scores_equal_the_ones_computed_by_hand_from_events_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_into(tmp.path(), "baseline.toml", "512");
    let collapse = run_into(tmp.path(), "oil-collapse.toml", "512");
    assert!(base.join("quantiles.csv").is_file());
    let events = common::write(tmp.path(), "outcomes.toml", OUTCOMES);
    let out = tmp.path().join("score");
    let o = common::realign_ok(&[
        "score",
        events.to_str().unwrap(),
        base.to_str().unwrap(),
        collapse.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = common::stdout(&o);
    assert!(text.contains("Brier score"), "{text}");
    assert!(
        text.contains("unanswerable: leaves_orbit:Ukraine@2015-12"),
        "{text}"
    );
    assert!(
        text.contains("unanswerable: ceasefire@2019-12: by = 2019-12 is outside"),
        "{text}"
    );
    for f in [
        "score.json",
        "score.csv",
        "reliability.csv",
        "reliability.png",
        "reliability.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("score.json")).unwrap()).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "one row per run folder");
    for (r, dir) in results.iter().zip([&base, &collapse]) {
        // By hand: p = count / runs from events.csv.
        let p = |e, a, m| {
            let (c, n) = count_by(dir, e, a, m);
            c / n
        };
        let (p1, p2, p3) = (
            p("ceasefire", "", "2015-12"),
            p("leaves_orbit", "Belarus", "2016-12"),
            p("crisis", "Kazakhstan", "2017-12"),
        );
        let bs = ((p1 - 1.0).powi(2) + p2.powi(2) + (p3 - 1.0).powi(2)) / 3.0;
        let t = &r["totals"];
        let got = t["brier"]["value"].as_f64().unwrap();
        assert!((got - bs).abs() <= 1e-6, "{got} vs {bs}");
        // Nothing changes: 2 of 3 happened.
        let nc = t["skill_vs_nothing_changes"]["value"].as_f64().unwrap();
        assert!((nc - (1.0 - bs / (2.0 / 3.0))).abs() <= 1e-6);
        let shrunk = |e, a, m| {
            let (c, n) = count_by(dir, e, a, m);
            (c + 0.5) / (n + 1.0)
        };
        let log = (shrunk("ceasefire", "", "2015-12").ln()
            + (1.0 - shrunk("leaves_orbit", "Belarus", "2016-12")).ln()
            + shrunk("crisis", "Kazakhstan", "2017-12").ln())
            / 3.0;
        assert!((t["log_score"]["value"].as_f64().unwrap() - log).abs() <= 1e-6);
        assert_eq!(t["questions"], 6);
        assert_eq!(t["events_scored"], 3);
        assert_eq!(t["quantities_scored"], 1);
        assert_eq!(t["unanswerable"], 2);
        let unanswered: Vec<&str> = r["unanswerable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["question"].as_str().unwrap())
            .collect();
        assert_eq!(
            unanswered,
            ["leaves_orbit:Ukraine@2015-12", "ceasefire@2019-12"]
        );
        // The quantity: nothing changes forecasts December 2014's 62.34, CRPS |62.34 - 38.01| = 24.33.
        let q = &r["quantities"][0];
        assert!((q["crps_reference"].as_f64().unwrap() - 24.33).abs() < 1e-9);
        assert!(q["crps"].as_f64().unwrap() > 0.0);
    }
    // score.csv: one row per run folder x question, unanswerable ones marked with their reason.
    let csv = std::fs::read_to_string(out.join("score.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 6);
    assert_eq!(
        csv.lines().filter(|l| l.contains(",unanswerable,")).count(),
        4
    );
}

#[test]
fn scoring_is_deterministic_and_a_vantage_that_is_not_the_runs_start_answers_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_into(tmp.path(), "baseline.toml", "256");
    let events = common::write(tmp.path(), "outcomes.toml", OUTCOMES);
    let score = |name: &str| {
        let out = tmp.path().join(name);
        common::realign_ok(&[
            "score",
            events.to_str().unwrap(),
            base.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        out
    };
    let (a, b) = (score("a"), score("b"));
    for f in [
        "score.json",
        "score.csv",
        "reliability.csv",
        "reliability.svg",
        "reliability.png",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let shifted = common::write(
        tmp.path(),
        "shifted.toml",
        &OUTCOMES.replace("vantage = \"2014-12\"", "vantage = \"2014-11\""),
    );
    let out = tmp.path().join("c");
    let o = common::realign_ok(&[
        "score",
        shifted.to_str().unwrap(),
        base.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = common::stdout(&o);
    assert!(text.contains("0 of 6 questions scored"), "{text}");
    assert!(
        text.contains("vantage 2014-11 is not the run's start month 2014-12"),
        "{text}"
    );
}

#[test]
fn a_folder_that_is_not_a_completed_run_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let events = common::write(tmp.path(), "outcomes.toml", OUTCOMES);
    let o = common::realign(&[
        "score",
        events.to_str().unwrap(),
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("not a completed `realign run` folder"));
}

#[test]
fn bad_outcomes_files_are_refused_with_file_line_column_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path(); // never reached: the outcomes file is checked first
    let head = "name = \"x\"\nvantage = \"2014-12\"\n";
    let cases: [(&str, String, &str, &str); 7] = [
        (
            "missing",
            format!("{head}[[event]]\nevent = \"ceasefire\"\nhappened = true\nsource = \"s\"\n"),
            "event[0].by",
            "missing `by`",
        ),
        (
            "type",
            format!("{head}[[event]]\nevent = \"ceasefire\"\nby = \"2015-12\"\nhappened = \"yes\"\nsource = \"s\"\n"),
            "event[0].happened",
            "must be a boolean",
        ),
        (
            "unknown",
            format!("{head}[[event]]\nevent = \"ceasefire\"\nby = \"2015-12\"\nhappend = true\nsource = \"s\"\n"),
            "event[0].happend",
            "did you mean `happened`",
        ),
        (
            "when",
            format!(
                "{head}[[event]]\nevent = \"ceasefire\"\nby = \"2015-12\"\nhappened = true\nwhen = \"2016-02\"\nsource = \"s\"\n"
            ),
            "event[0].when",
            "`when` must be <= `by`",
        ),
        (
            "month",
            format!("{head}[[event]]\nevent = \"ceasefire\"\nby = \"2015/12\"\nhappened = true\nsource = \"s\"\n"),
            "event[0].by",
            "write it as \"YYYY-MM\"",
        ),
        ("empty", String::new(), "", "empty outcomes file"),
        (
            "name",
            "name = \"../x\"\nvantage = \"2014-12\"\n[[event]]\nevent = \"ceasefire\"\nby = \"2015-12\"\nhappened = true\nsource = \"s\"\n".into(),
            "name",
            "a name is 1 to 64",
        ),
    ];
    for (file, text, key, what) in cases {
        let path = common::write(tmp.path(), &format!("{file}.toml"), &text);
        let o = common::realign(&["score", path.to_str().unwrap(), run.to_str().unwrap()]);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        let located = format!("{}:", path.display());
        assert!(err.contains(&located), "{file}: no file:line:col in {err}");
        let line_col = err[err.find(&located).unwrap() + located.len()..]
            .split(':')
            .take(2)
            .all(|n| n.trim().parse::<usize>().is_ok());
        assert!(line_col, "{file}: no line:column in {err}");
        assert!(err.contains(key), "{file}: no key {key} in {err}");
        assert!(err.contains(what), "{file}: no {what:?} in {err}");
    }
}

#[test]
fn the_shipped_baseline_outcomes_file_is_valid_and_every_question_has_a_source() {
    let o = Outcomes::load(&common::root().join("seeds/outcomes/baseline-2015-2017.toml")).unwrap();
    assert_eq!(o.vantage, month("2014-12"));
    assert!(o.events.len() >= 20);
    assert!(o.events.iter().all(|q| !q.source.is_empty()));
    assert!(o.quantities.iter().all(|q| !q.source.is_empty()));
}
