//! `[priors]` and `realign run --uncertainty`: the assumption range against an analytic one, the split of a
//! parameter without effect, determinism across thread counts, memory flat in the number of outer draws, and bad
//! priors refused before anything runs.

mod common;

use std::path::{Path, PathBuf};

use realign::scenario::Scenario;
use realign::scenario::priors::{PriorSet, effective_priors};
use realign::uncertainty::{self, Nested};

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A variant of the baseline whose `body` starts on line 3.
fn variant(dir: &Path, file: &str, base: &str, body: &str) -> PathBuf {
    common::write(
        dir,
        file,
        &format!(
            "base = \"{}\"\nname = \"variant\"\n{body}",
            common::scenario(base).display()
        ),
    )
}

/// Rows of a CSV as (header -> value) lookups.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("read csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or(f64::NAN)
}

/// Oil without noise and a uniform prior on its start price: every draw's oil price in the start month is the
/// drawn price itself, so the assumption range of its median is the prior's 5th to 95th percentile, 43 to 97 USD.
/// Tolerance 1.2 USD (2% of the prior's width): the empirical percentiles of 2000 draws have a standard error of
/// 0.3 USD, and the histogram's bins are about 0.3 USD wide.
#[test]
fn a_uniform_prior_on_the_start_price_gives_its_own_percentiles() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "oil.toml",
        "baseline.toml",
        "[drivers.oil]\nvolatility_annual = 0.0\nvolatility_start_annual = 0.0\n\n[priors]\n\
         \"drivers.oil.start_usd_per_bbl\" = { dist = \"uniform\", low = 40, high = 100 }\n",
    );
    let out = dir.path().join("out");
    common::realign_ok(&[
        "run",
        arg(&f),
        "--uncertainty",
        "--priors",
        "scenario-only",
        "--outer",
        "2000",
        "--inner",
        "2",
        "--quiet",
        "--out",
        arg(&out),
    ]);
    let rows = csv_rows(&out.join("uncertainty.csv"));
    let oil = rows
        .iter()
        .find(|r| {
            r["month"] == "2014-12"
                && r["event_or_metric"] == "oil_usd_per_bbl"
                && r["statistic"] == "q50"
        })
        .expect("oil median in the start month");
    let (lo, hi) = (num(oil, "assumption_p05"), num(oil, "assumption_p95"));
    assert!((lo - 43.0).abs() < 1.2, "p05 {lo}, expected 43");
    assert!((hi - 97.0).abs() < 1.2, "p95 {hi}, expected 97");
    // All of the oil price's spread in the start month is the prior's.
    assert_eq!(num(oil, "share_assumptions"), 1.0);
}

/// The contested state's Western position is reported but read by no decision (`REPORTING_ONLY`): with common
/// random numbers every outer draw gives the same estimate of every event, so every event's spread is all luck
/// (share exactly 0) and its assumption range a single value, the pooled estimate.
#[test]
fn a_parameter_without_effect_is_all_luck() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "inert.toml",
        "baseline.toml",
        "[priors]\n\"conflict.contested_west_base\" = { dist = \"uniform\", low = 0.2, high = 0.8 }\n",
    );
    let out = dir.path().join("out");
    let o = common::realign_ok(&[
        "run",
        arg(&f),
        "--uncertainty",
        "--priors",
        "scenario-only",
        "--outer",
        "6",
        "--inner",
        "300",
        "--out",
        arg(&out),
    ]);
    let rows = csv_rows(&out.join("uncertainty.csv"));
    let events: Vec<_> = rows
        .iter()
        .filter(|r| r["statistic"] == "probability")
        .collect();
    assert!(!events.is_empty());
    for r in &events {
        assert_eq!(num(r, "share_assumptions"), 0.0, "{r:?}");
        assert_eq!(r["assumption_p05"], r["assumption_p95"], "{r:?}");
        assert_eq!(r["assumption_p05"], r["estimate"], "{r:?}");
    }
    // The drivers do not read it either.
    for r in rows
        .iter()
        .filter(|r| r["event_or_metric"] == "oil_usd_per_bbl")
    {
        assert_eq!(num(r, "share_assumptions"), 0.0, "{r:?}");
    }
    let text = common::stdout(&o);
    assert!(
        text.contains("1 parameters drawn from priors (1 from the scenario"),
        "{text}"
    );
}

/// On the baseline with default priors, some event has a spread range, and none of those prints as 0.0% or 100%.
#[test]
fn no_spread_event_prints_as_certain() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = common::realign_ok(&[
        "run",
        "scenarios/baseline.toml",
        "--uncertainty",
        "--outer",
        "8",
        "--inner",
        "100",
        "--out",
        arg(&out),
    ]);
    let text = common::stdout(&o);
    let table = text
        .split("Luck and assumptions")
        .nth(1)
        .expect("the uncertainty table");
    let mut spread = 0;
    for line in table.lines().skip(2).take_while(|l| !l.trim().is_empty()) {
        // "  description   est.  [mc_lo, mc_hi]  [p05, p95]  share%"
        let ranges: Vec<&str> = line.split('[').skip(1).collect();
        let range = ranges.get(1).expect("an assumption range");
        let (p05, rest) = range.split_once(", ").expect("two bounds");
        let p95 = rest.split(']').next().unwrap();
        if p05 != p95 {
            spread += 1;
            let est = line[..line.find('[').unwrap()]
                .split_whitespace()
                .last()
                .unwrap();
            assert!(est != "0.0%" && est != "100.0%", "{line}");
        }
    }
    assert!(spread > 0, "{table}");
    // The report carries the table, the fans the second band.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("How sure? Luck and assumptions"));
    let svg = std::fs::read_to_string(out.join("fan-belarus.svg")).unwrap();
    assert!(
        svg.contains("assumption range"),
        "the fan's legend names the band"
    );
}

/// 1, 2 and 4 threads write the same bytes.
#[test]
fn uncertainty_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for t in ["1", "2", "4"] {
        let out = dir.path().join(format!("t{t}"));
        common::realign_ok(&[
            "run",
            "scenarios/baseline.toml",
            "--uncertainty",
            "--outer",
            "9",
            "--inner",
            "130",
            "--threads",
            t,
            "--quiet",
            "--out",
            arg(&out),
        ]);
        files.push((
            std::fs::read(out.join("uncertainty.csv")).unwrap(),
            std::fs::read(out.join("summary.json")).unwrap(),
        ));
    }
    assert!(files[0] == files[1] && files[1] == files[2]);
    let summary: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    assert_eq!(summary["uncertainty"]["outer_draws"], 9);
    assert_eq!(summary["runs"], 9 * 130);
}

/// The outer statistics hold the same numbers after 3 draws as after 9, and as before the first: their size
/// depends on the scenario's shape and the number of priors, never on the draws.
#[test]
fn outer_statistics_do_not_grow_with_draws() {
    let s = Scenario::load(&common::scenario("baseline.toml")).unwrap();
    let priors = effective_priors(&s, PriorSet::WithDefaults);
    let size = |outer| {
        let nested = Nested {
            outer,
            inner: 2,
            set: PriorSet::WithDefaults,
            priors: priors.clone(),
        };
        let o = uncertainty::run(&s, nested, 2, &|_| {});
        assert_eq!(o.stats.draws, outer);
        (o.stats.size(), o.ensemble.acc.runs)
    };
    let (three, runs3) = size(3);
    let (nine, runs9) = size(9);
    assert_eq!((runs3, runs9), (6, 18));
    assert_eq!(three, nine);
    let layout = realign::runner::layout(&s.config);
    assert_eq!(
        three,
        uncertainty::OuterStats::new(&layout, priors.len(), 2).size()
    );
}

/// `FILE:LINE:COL: ` as the binary prints it.
fn at(file: &Path, line: usize, col: usize) -> String {
    format!("{}:{line}:{col}: ", file.display())
}

/// `run --uncertainty` refuses `body` (a baseline variant) with exit 2, no panic and no output folder, and its
/// message contains every part.
fn refused(base: &str, body: &str, parts: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(dir.path(), "bad.toml", base, body);
    let out = dir.path().join("out");
    let o = common::realign(&[
        "run",
        arg(&f),
        "--uncertainty",
        "--outer",
        "2",
        "--inner",
        "2",
        "--out",
        arg(&out),
    ]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{body}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !out.exists(),
        "nothing is written before the input is valid"
    );
    for p in parts {
        let p = p.replace("FILE", &f.display().to_string());
        assert!(err.contains(&p), "{body}\nexpected {p:?} in:\n{err}");
    }
    // validate reads priors exactly as run does.
    let v = common::realign(&["validate", arg(&f)]);
    assert_eq!(v.status.code(), Some(2), "validate {body}");
}

#[test]
fn bad_priors_are_refused_with_place_key_and_range() {
    let oil = "[priors]\n\"drivers.oil.long_run_usd_per_bbl\" = ";
    refused(
        "baseline.toml",
        &format!("{oil}{{ dist = \"uniform\", low = 1, high = 100 }}\n"),
        &[
            "FILE:4:",
            "priors.drivers.oil.long_run_usd_per_bbl.low",
            "outside drivers.oil.long_run_usd_per_bbl's allowed range [5, 300]",
        ],
    );
    refused(
        "baseline.toml",
        "[priors]\n\"drivers.oil.long_run_usd_per_bb\" = { dist = \"uniform\", low = 50, high = 100 }\n",
        &[
            &at(Path::new("FILE"), 4, 1),
            "unknown key path",
            "did you mean `drivers.oil.long_run_usd_per_bbl`",
        ],
    );
    refused(
        "baseline.toml",
        &format!("{oil}{{ dist = \"triangular\", low = 50, mode = 120, high = 100 }}\n"),
        &[
            "FILE:4:",
            ".mode",
            "mode 120 is outside [low, high] = [50, 100]",
        ],
    );
    refused(
        "baseline.toml",
        &format!("{oil}{{ dist = \"normal\", mean = 75, sd = 0 }}\n"),
        &[
            "FILE:4:",
            ".sd",
            "sd must be above 0",
            "allowed range [5, 300]",
        ],
    );
    refused(
        "baseline.toml",
        &format!("{oil}{{ dist = \"lognormal\", low = 50, high = 100 }}\n"),
        &[
            "FILE:4:",
            ".dist",
            "unknown distribution \"lognormal\"",
            "uniform, triangular, normal, beta",
        ],
    );
    // The oil replay overrides the long-run level in every simulated month.
    refused(
        "history-replay.toml",
        &format!("{oil}{{ dist = \"uniform\", low = 50, high = 100 }}\n"),
        &[
            "FILE:4:",
            "priors.drivers.oil.long_run_usd_per_bbl",
            "overridden by drivers.oil.replay",
        ],
    );
    refused(
        "baseline.toml",
        "[priors]\n\"horizon_months\" = { dist = \"uniform\", low = 10, high = 20 }\n",
        &["FILE:4:", "cannot have a prior"],
    );
}

/// A variant's prior replaces its base's whole; the base's other priors are inherited.
#[test]
fn priors_are_inherited_and_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::write(
        dir.path(),
        "base.toml",
        &format!(
            "base = \"{}\"\nname = \"b\"\n[priors]\n\
             \"drivers.oil.long_run_usd_per_bbl\" = {{ dist = \"uniform\", low = 50, high = 100 }}\n\
             \"economy.adjust_per_month\" = {{ dist = \"triangular\", low = 0.05, mode = 0.1, high = 0.2 }}\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let v = common::write(
        dir.path(),
        "v.toml",
        &format!(
            "base = \"{}\"\nname = \"v\"\n[priors]\n\
             \"drivers.oil.long_run_usd_per_bbl\" = {{ dist = \"normal\", mean = 70, sd = 10 }}\n",
            base.display()
        ),
    );
    let s = Scenario::load(&v).unwrap();
    let keys: Vec<String> = s
        .priors
        .iter()
        .map(|p| format!("{} {}", p.key, p.dist.describe()))
        .collect();
    assert_eq!(s.priors.len(), 2, "{keys:?}");
    assert!(
        keys.iter().any(|k| k.contains(
            "drivers.oil.long_run_usd_per_bbl normal(mean 70, sd 10) truncated to [5, 300]"
        )),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.starts_with("economy.adjust_per_month triangular")),
        "{keys:?}"
    );
    // explain shows the priors.
    let o = common::realign_ok(&["explain", arg(&v)]);
    let text = common::stdout(&o);
    assert!(text.contains("prior (run --uncertainty): normal(mean 70, sd 10)"));
}

/// Ordinary runs are untouched: no uncertainty.csv, no `uncertainty` section; the nested options need the flag.
#[test]
fn nested_options_need_the_flag() {
    let o = common::realign(&["run", "scenarios/baseline.toml", "--outer", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--outer needs --uncertainty"));
    let o = common::realign(&[
        "run",
        "scenarios/baseline.toml",
        "--uncertainty",
        "--runs",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--runs does not apply with --uncertainty"));
    let o = common::realign(&[
        "run",
        "scenarios/baseline.toml",
        "--uncertainty",
        "--priors",
        "some",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
