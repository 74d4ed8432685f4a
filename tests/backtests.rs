//! The shipped backtests (issue 12, point 3; docs/BACKTESTS.md): every scenario in scenarios/backtests/ validates
//! and runs through the real binary, its outcomes file (seeds/outcomes/<name>.toml) parses and asks only about
//! events, actors, metrics and months that the run reports, and its drivers start where the drivers' own
//! backtest (docs/DRIVERS.md, `fans::params_at`) would start them on its vantage month, so nothing after the
//! vantage reaches the forecast.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use realign::fans::{self, MonthIndex};
use realign::scenario::Scenario;
use serde::Deserialize;

/// Runs per backtest in the test (the shipped table in docs/BACKTESTS.md uses 10,000).
const TEST_RUNS: &str = "256";

/// The horizons questions are asked at, in months after the vantage.
const HORIZONS: [usize; 3] = [12, 24, 36];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Outcomes {
    name: String,
    description: String,
    vantage: String,
    #[serde(default)]
    event: Vec<EventQuestion>,
    #[serde(default)]
    quantity: Vec<Quantity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventQuestion {
    event: String,
    #[serde(default)]
    actor: String,
    by: String,
    happened: bool,
    #[serde(default)]
    when: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Quantity {
    metric: String,
    #[serde(default)]
    actor: String,
    month: String,
    value: f64,
    source: String,
}

fn backtest_files() -> Vec<PathBuf> {
    let dir = common::root().join("scenarios").join("backtests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn outcomes_path(name: &str) -> PathBuf {
    common::root()
        .join("seeds")
        .join("outcomes")
        .join(format!("{name}.toml"))
}

fn read_outcomes(name: &str) -> Outcomes {
    let text = std::fs::read_to_string(outcomes_path(name)).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("seeds/outcomes/{name}.toml: {e}"))
}

/// CSV rows as maps from the header.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn month_index(text: &str) -> MonthIndex {
    fans::parse_month(text).unwrap_or_else(|| panic!("not a month: {text}"))
}

#[test]
fn there_are_at_least_three_backtests_each_with_an_outcomes_file_and_no_orphan_outcomes() {
    let names: Vec<String> = backtest_files()
        .iter()
        .map(|p| Scenario::load(p).unwrap().name)
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    for n in &names {
        assert!(outcomes_path(n).is_file(), "no seeds/outcomes/{n}.toml");
    }
    // Every outcomes file belongs to a backtest, except the baseline's own record of 2015-2017 and that of the
    // forecast re-issued from history-replay at 2015-06.
    let dir = common::root().join("seeds").join("outcomes");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            names.contains(&stem)
                || stem == "baseline-2015-2017"
                || stem == "history-replay-from-2015-06",
            "{} has no backtest scenario",
            p.display()
        );
    }
}

#[test]
fn every_backtest_validates_runs_and_its_outcomes_ask_only_what_the_run_reports() {
    for file in backtest_files() {
        let f = file.to_str().unwrap();
        common::realign_ok(&["validate", f]);
        let s = Scenario::load(&file).unwrap();
        assert_eq!(s.horizon_months(), 36, "{f}");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        common::realign_ok(&[
            "run",
            f,
            "--runs",
            TEST_RUNS,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);

        let o = read_outcomes(&s.name);
        assert_eq!(o.name, s.name, "{f}");
        assert!(!o.description.trim().is_empty());
        assert_eq!(o.vantage, s.start.to_string(), "{f}: vantage is month 0");
        let months: HashSet<String> = (1..=s.horizon_months()).map(|m| s.month_label(m)).collect();
        let horizon_months: HashSet<String> = HORIZONS.iter().map(|&h| s.month_label(h)).collect();

        let events: HashSet<(String, String, String)> = csv_rows(&out.join("events.csv"))
            .into_iter()
            .map(|r| (r["event"].clone(), r["actor"].clone(), r["month"].clone()))
            .collect();
        assert!(!o.event.is_empty(), "{f}: no event questions");
        for q in &o.event {
            let what = format!("{}: {} {} by {}", s.name, q.event, q.actor, q.by);
            assert!(months.contains(&q.by), "{what}: by is outside months 1..36");
            assert!(
                horizon_months.contains(&q.by),
                "{what}: not at 12, 24 or 36 months"
            );
            assert!(
                events.contains(&(q.event.clone(), q.actor.clone(), q.by.clone())),
                "{what}: not in events.csv"
            );
            assert!(!q.source.trim().is_empty(), "{what}: no source");
            if let Some(w) = &q.when {
                assert!(q.happened, "{what}: `when` on an event that did not happen");
                assert!(months.contains(w), "{what}: when {w} outside the months");
                assert!(
                    month_index(w) <= month_index(&q.by),
                    "{what}: when after by"
                );
            }
        }
        // Questions about one event agree with each other: "by" is cumulative.
        for a in &o.event {
            for b in &o.event {
                if a.event == b.event
                    && a.actor == b.actor
                    && month_index(&a.by) <= month_index(&b.by)
                    && a.happened
                {
                    assert!(
                        b.happened,
                        "{}: {} {} happened by {} but not by {}",
                        s.name, a.event, a.actor, a.by, b.by
                    );
                }
            }
        }

        let series: HashSet<(String, String, String)> = csv_rows(&out.join("timeseries.csv"))
            .into_iter()
            .map(|r| (r["metric"].clone(), r["actor"].clone(), r["month"].clone()))
            .collect();
        for metric in ["oil_usd_per_bbl", "rub_per_usd"] {
            let asked: HashSet<&str> = o
                .quantity
                .iter()
                .filter(|q| q.metric == metric)
                .map(|q| q.month.as_str())
                .collect();
            for m in &horizon_months {
                assert!(asked.contains(m.as_str()), "{}: no {metric} at {m}", s.name);
            }
        }
        for q in &o.quantity {
            let what = format!("{}: {} {} in {}", s.name, q.metric, q.actor, q.month);
            assert!(months.contains(&q.month), "{what}: outside the months");
            assert!(
                series.contains(&(q.metric.clone(), q.actor.clone(), q.month.clone())),
                "{what}: not in timeseries.csv"
            );
            assert!(q.value.is_finite() && q.value > 0.0, "{what}");
            assert!(
                q.source.contains("seeds/data/"),
                "{what}: cite the data file and row"
            );
        }
    }
}

/// The seeds/data files the drivers' backtest reads, cut at 2014-12 by `fans::Data::new`.
fn drivers_data() -> fans::Data {
    let dir = common::root().join("seeds").join("data");
    let read = |(name, column): (&str, &str)| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        (name.to_string(), column.to_string(), text)
    };
    let (f, c, t) = read(fans::OIL_MONTHLY_FILE);
    let oil = fans::parse_monthly(&t, &f, &c).unwrap();
    let (f, c, t) = read(fans::OIL_DAILY_FILE);
    let daily = fans::parse_daily(&t, &f, &c).unwrap();
    let (f, c, t) = read(fans::RUB_MONTHLY_FILE);
    let rub = fans::parse_monthly(&t, &f, &c).unwrap();
    fans::Data::new(oil, &daily, rub, &fans::Scheme::default()).unwrap()
}

/// The six months whose means set the fiscal references: the six before the last oil crash, as the baseline's
/// 2014-01..06; the six to the vantage where no crash came in the two years before it.
fn reference_window(name: &str, vantage: MonthIndex) -> (MonthIndex, MonthIndex) {
    match name {
        // December 2009: the six months before the 2008 crash.
        "backtest-kyrgyzstan-2009" => (2008 * 12, 2008 * 12 + 5),
        _ => (vantage - 5, vantage),
    }
}

#[test]
fn backtest_drivers_start_where_the_drivers_backtest_starts_them_at_the_vantage() {
    let data = drivers_data();
    for file in backtest_files() {
        let s = Scenario::load(&file).unwrap();
        let t = month_index(&s.start.to_string());
        let p = &s.config.params;
        let want = fans::params_at(p, &data, &fans::Scheme::default(), t).unwrap();
        // The scenarios write the values rounded: to the cent (oil), to 4 decimals (rouble), to 0.01 (volatility).
        let close = |a: f64, b: f64, tol: f64, what: &str| {
            assert!((a - b).abs() <= tol, "{}: {what} {a} vs {b}", s.name);
        };
        close(
            p.oil_start_usd_per_bbl,
            want.oil_start_usd_per_bbl,
            0.005,
            "oil start",
        );
        close(
            p.oil_long_run_usd_per_bbl,
            want.oil_long_run_usd_per_bbl,
            0.005,
            "oil long run",
        );
        close(
            p.oil_volatility_start_annual,
            want.oil_volatility_start_annual,
            0.005,
            "oil start volatility",
        );
        close(
            p.rub_start_per_usd,
            want.rub_start_per_usd,
            0.00005,
            "rouble start",
        );
        let (from, to) = reference_window(&s.name, t);
        let mean = |series: &fans::Monthly| {
            let v: Vec<f64> = (from..=to).map(|m| series.get(m).unwrap()).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        close(
            p.oil_reference_usd_per_bbl,
            mean(&data.oil),
            0.005,
            "oil reference",
        );
        close(
            p.rub_reference_per_usd,
            mean(&data.rub),
            0.00005,
            "rouble reference",
        );
        // Nothing replayed, no scheduled shocks or changes: no path after the vantage is written in.
        assert!(s.replays.is_empty(), "{}", s.name);
        assert!(
            s.oil_shocks.is_empty() && s.west_changes.is_empty(),
            "{}",
            s.name
        );
        // The vantage lies before the article's.
        assert!(t < fans::VANTAGE, "{}", s.name);
    }
}

#[test]
fn a_scenario_without_union_members_says_its_union_events_mean_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, meaningless) in [
        ("scenarios/backtests/backtest-ukraine-2013.toml", true),
        ("scenarios/baseline.toml", false),
    ] {
        let out = dir.path().join(if meaningless { "u" } else { "b" });
        let o = common::realign_ok(&[
            "run",
            scenario,
            "--runs",
            "256",
            "--out",
            out.to_str().unwrap(),
        ]);
        let text = common::stdout(&o);
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let notes = summary["meaningless"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            text.contains("Not meaningful here: union_fracture"),
            meaningless,
            "{text}"
        );
        assert_eq!(notes.len(), usize::from(meaningless), "{notes:?}");
    }
}
