//! The shipped scenarios: all valid, each tells its story, Armenia runs without a code change, replay replays.

mod common;

use serde_json::Value;

fn run_summary(dir: &std::path::Path, scenario: &str, runs: &str) -> Value {
    let out = dir.join(scenario);
    let path = common::scenario(&format!("{scenario}.toml"));
    common::realign_ok(&[
        "run",
        path.to_str().unwrap(),
        "-q",
        "--runs",
        runs,
        "--out",
        out.to_str().unwrap(),
    ]);
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

fn event(s: &Value, id: &str, actor: &str) -> f64 {
    s["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == id && e["actor"] == actor)
        .unwrap_or_else(|| panic!("no event {id} {actor}"))["probability"]
        .as_f64()
        .unwrap()
}

#[test]
fn every_shipped_scenario_validates() {
    let mut files: Vec<String> = std::fs::read_dir(common::root().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 7);
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    common::realign_ok(&args);
}

#[test]
fn armenia_runs_as_a_third_partner_without_code_changes() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_summary(dir.path(), "armenia", "1000");
    let names: Vec<&str> = s["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Armenia", "Belarus", "Kazakhstan", "Russia", "Ukraine"]
    );
    for id in [
        "leaves_orbit",
        "hosts_mediation",
        "sanctioned",
        "leaves_union",
    ] {
        let p = event(&s, id, "Armenia");
        assert!((0.0..=1.0).contains(&p));
    }
    let explain = common::stdout(&common::realign(&[
        "explain",
        common::scenario("armenia.toml").to_str().unwrap(),
    ]));
    assert!(explain.contains("ACTOR Armenia (role partner)"));
    assert!(explain.contains("* actors.Armenia.dependence = 0.6"));
}

#[test]
fn variants_move_outcomes_in_the_direction_their_story_says() {
    let dir = tempfile::tempdir().unwrap();
    let base = run_summary(dir.path(), "baseline", "4000");
    let collapse = run_summary(dir.path(), "oil-collapse", "4000");
    let recovery = run_summary(dir.path(), "oil-recovery", "4000");
    let west = run_summary(dir.path(), "western-engagement", "4000");
    let pressure = run_summary(dir.path(), "russian-pressure", "4000");
    // Intervals at 4000 runs are about +-0.015 for a probability near one half and +-0.003 to +-0.008 for one near
    // 1-7%: the differences asserted are several times larger. Every story holds in Model 2 in its direction; three
    // margins are smaller than Model 1's because Model 2 calibrates the events to pre-2015 base rates (figures at
    // 20000 runs, baseline -> variant):
    // - union fracture 2.8% -> 6.4% under oil-collapse (Model 1: 9.4% at baseline): fracture is now anchored to
    //   base rate R05 and a member's exit counts by its weight, so a rare event that oil moves by +3.6 pp, not +10;
    assert!(event(&collapse, "union_fracture", "") > event(&base, "union_fracture", "") + 0.02);
    assert!(event(&collapse, "policy_revision", "") > event(&base, "policy_revision", "") + 0.1);
    assert!(event(&recovery, "policy_revision", "") < event(&base, "policy_revision", "") - 0.1);
    // - ceasefire 62.4% -> 67.9% under western-engagement: a round's success now depends on the patron's softening,
    //   the battlefield's ripeness and the brokers, and Western engagement moves only the brokers' share and the
    //   partners' payoff for hosting, so +5.5 pp, not +10;
    assert!(event(&west, "ceasefire", "") > event(&base, "ceasefire", "") + 0.03);
    // - Kazakhstan sanctioned 0.97% -> 1.81% under russian-pressure: Kazakhstan rarely reaches the sanction
    //   threshold at all in Model 2 (base rate R03), so doubled pressure adds under 1 pp; Belarus, near the
    //   threshold, carries the story (50.6% -> 71.4%).
    assert!(
        event(&pressure, "sanctioned", "Kazakhstan")
            > event(&base, "sanctioned", "Kazakhstan") + 0.004
    );
    assert!(
        event(&pressure, "sanctioned", "Belarus") > event(&base, "sanctioned", "Belarus") + 0.1
    );
}

#[test]
fn history_replay_reproduces_the_data_exactly() {
    let dir = tempfile::tempdir().unwrap();
    run_summary(dir.path(), "history-replay", "600");
    let ts = std::fs::read_to_string(dir.path().join("history-replay/timeseries.csv")).unwrap();
    let value = |month: &str, metric: &str, stat: &str| -> f64 {
        let prefix = format!("history-replay,{month},,{metric},{stat},");
        let line = ts
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{prefix}"));
        line.split(',').nth(5).unwrap().parse().unwrap()
    };
    // seeds/data/brent_monthly_2014_2017.csv: 2016-01 30.70; rub_per_usd_monthend_2014_2017.csv: 2016-01 75.1723
    assert!((value("2016-01", "oil_usd_per_bbl", "mean") - 30.70).abs() < 1e-6);
    assert!((value("2016-01", "rub_per_usd", "mean") - 75.1723).abs() < 1e-6);
    assert_eq!(value("2016-01", "oil_usd_per_bbl", "sd"), 0.0);
    // After the rouble file ends (2017-02) the rouble runs free again.
    assert!(value("2017-06", "rub_per_usd", "sd") > 0.0);
}

#[test]
fn outputs_are_tidy_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let path = common::scenario("baseline.toml");
    common::realign_ok(&[
        "run",
        path.to_str().unwrap(),
        "-q",
        "--runs",
        "500",
        "--trajectories",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(ts.starts_with("scenario,month,actor,metric,statistic,value,ci_low,ci_high\n"));
    assert!(ts.lines().skip(1).all(|l| l.split(',').count() == 8));
    assert!(ts.contains("baseline,2017-12,Belarus,band_west_leaning,probability,"));
    let ev = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(ev.contains("baseline,2017-12,ceasefire,,"));
    // Cumulative probabilities never fall.
    let mut last: std::collections::HashMap<(String, String), f64> = Default::default();
    for l in ev.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let p: f64 = f[4].parse().unwrap();
        let key = (f[2].to_string(), f[3].to_string());
        assert!(p >= *last.get(&key).unwrap_or(&0.0));
        last.insert(key, p);
    }
    let traj = std::fs::read_to_string(out.join("trajectories.csv")).unwrap();
    let runs: std::collections::BTreeSet<&str> = traj
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(runs.into_iter().collect::<Vec<_>>(), ["0", "1", "2"]);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "temporary files left: {names:?}"
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for e in summary["events"].as_array().unwrap() {
        let (p, lo, hi) = (
            e["probability"].as_f64().unwrap(),
            e["ci_low"].as_f64().unwrap(),
            e["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= p && p <= hi, "{e}");
    }
}

/// `realign bench` runs end to end and reports every figure docs/PERFORMANCE.md quotes (the figures themselves are
/// timings, so only their presence and form are checked here).
#[test]
fn bench_reports_draws_model_and_full_runs() {
    let o = common::realign_ok(&["bench", "--runs", "600", "--repeats", "1"]);
    let out = common::stdout(&o);
    for label in [
        "random draws alone, 1 thread",
        "scalar model, no statistics",
        "scalar full runs, 1 thread",
        "lanes  model, no statistics",
        "lanes  full runs, 1 thread",
        "lanes / scalar, full, 1 thr.",
        "lanes / scalar, model alone",
        "repeat by repeat (paired)",
        "draws' share of a lane run",
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label:?} in\n{out}"));
        let value: f64 = line
            .split(':')
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no number in {line:?}"));
        assert!(value.is_finite() && value > 0.0, "{line}");
    }
    // 36 months x (5 draws a month + 9 per partner-month x 2 partners): realign::model::DRAWS_PER_MONTH_FIXED and
    // DRAWS_PER_PARTNER_MONTH.
    assert_eq!(
        36 * (realign::model::DRAWS_PER_MONTH_FIXED + 2 * realign::model::DRAWS_PER_PARTNER_MONTH),
        828
    );
    assert!(out.contains("828 draws per run"), "{out}");
    // The paired ratios: one line for full runs, one for the model alone.
    assert_eq!(out.matches("repeat by repeat (paired)").count(), 2, "{out}");
}
