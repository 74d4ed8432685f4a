//! Rolling origins (`realign run --origin`): the forecast re-issued at a later month of a scenario that replays
//! history. What the origin sees is the data up to it and nothing after; the state there is each run's own, a named
//! run's, or set from an initial-state file; bad requests are refused before anything runs.

mod common;

use std::path::Path;

const REPLAY: &str = "scenarios/history-replay.toml";
const STATE: &str = "scenarios/states/history-2015-06.toml";

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// `value` of timeseries.csv's row (month, actor, metric, statistic).
fn ts(dir: &Path, month: &str, actor: &str, metric: &str, statistic: &str) -> f64 {
    let text = std::fs::read_to_string(dir.join("timeseries.csv")).expect("timeseries.csv");
    text.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[1] == month && f[2] == actor && f[3] == metric && f[4] == statistic)
        .unwrap_or_else(|| panic!("no row {month} {actor} {metric} {statistic}"))[5]
        .parse()
        .expect("a number")
}

fn run(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        REPLAY,
        "--runs",
        "1024",
        "--quiet",
        "--out",
        arg(out),
    ];
    args.extend_from_slice(extra);
    common::stdout(&common::realign_ok(&args))
}

#[test]
fn the_forecast_starts_at_the_origin_from_the_data_and_knows_nothing_after() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    run(&out, &["--origin", "2015-06"]);
    // Month 0 is the origin; its oil price is the replayed one in every run (seeds/data row 2015-06: 61.48).
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    let first = events.lines().nth(1).unwrap();
    assert!(first.starts_with("history-replay,2015-06,"), "{first}");
    assert!(
        !events.contains(",2015-05,"),
        "months before the origin are not reported"
    );
    for q in ["q05", "q50", "q95"] {
        assert_eq!(ts(&out, "2015-06", "", "oil_usd_per_bbl", q), 61.48);
    }
    // The month after is simulated, not replayed (the data say 56.56 for 2015-07): the runs spread.
    let (q05, q95) = (
        ts(&out, "2015-07", "", "oil_usd_per_bbl", "q05"),
        ts(&out, "2015-07", "", "oil_usd_per_bbl", "q95"),
    );
    assert!(q95 - q05 > 10.0, "2015-07 oil spread {q05}..{q95}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["start_month"], "2015-06");
    assert_eq!(summary["origin"]["scenario_start_month"], "2014-12");
    assert_eq!(summary["origin"]["months_before_origin"], 6);
}

#[test]
fn an_initial_state_file_sets_the_observed_values_in_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let text = run(&out, &["--origin", "2015-06", "--state", STATE]);
    assert!(text.is_empty(), "--quiet prints nothing: {text}");
    for (actor, metric, v) in [
        ("Ukraine", "conflict_intensity", 0.5),
        ("Belarus", "economic_stress", 0.8),
    ] {
        assert_eq!(ts(&out, "2015-06", actor, metric, "mean"), v);
        assert_eq!(ts(&out, "2015-06", actor, metric, "sd"), 0.0);
    }
    // Values the file does not set are each run's own: they still differ between runs.
    assert!(ts(&out, "2015-06", "Belarus", "alignment", "sd") > 0.0);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let observed = &manifest["resolved"]["origin"]["observed"];
    assert_eq!(observed.as_array().unwrap().len(), 2);
    assert!(
        observed[0]["source"].as_str().unwrap().len() > 20,
        "each value keeps its source"
    );
}

#[test]
fn a_named_runs_state_is_every_runs_state_at_the_origin() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own");
    let named = dir.path().join("named");
    run(&own, &["--origin", "2015-06", "--trajectories", "8"]);
    run(&named, &["--origin", "2015-06", "--state-run", "7"]);
    // Every run starts from one state: no spread at month 0.
    assert_eq!(ts(&named, "2015-06", "Belarus", "alignment", "sd"), 0.0);
    assert_eq!(ts(&named, "2015-06", "Kazakhstan", "irritation", "sd"), 0.0);
    // And that state is run 7's own at the origin (trajectories.csv of the ordinary forecast from the origin:
    // scenario, run, month, actor, metric, value).
    let traj = std::fs::read_to_string(own.join("trajectories.csv")).unwrap();
    let run7: f64 = traj
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[1] == "7" && f[2] == "2015-06" && f[3] == "Belarus" && f[4] == "alignment")
        .expect("run 7's Belarus alignment at the origin")[5]
        .parse()
        .unwrap();
    let named_mean = ts(&named, "2015-06", "Belarus", "alignment", "mean");
    assert!(
        (run7 - named_mean).abs() < 1e-6,
        "run 7: {run7}, named: {named_mean}"
    );
}

#[test]
fn forecasts_from_an_origin_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&a, &["--origin", "2016-01", "--threads", "1"]);
    run(&b, &["--origin", "2016-01", "--threads", "4"]);
    for f in ["events.csv", "timeseries.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Runs `realign ARGS` expecting a refusal (exit 2, no panic, nothing written); returns stderr.
fn refused(args: &[&str], out: &Path) -> String {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--out", arg(out)]);
    let o = common::realign(&all);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.join("manifest.json").exists(), "nothing written");
    err
}

#[test]
fn bad_origins_and_state_files_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let err = refused(
        &["run", "scenarios/baseline.toml", "--origin", "2015-06"],
        &out,
    );
    assert!(err.contains("does not replay oil in 2015-01"), "{err}");
    let err = refused(&["run", REPLAY, "--origin", "2014-12"], &out);
    assert!(
        err.contains("must fall after the scenario's start (2014-12)"),
        "{err}"
    );
    let err = refused(&["run", REPLAY, "--origin", "2017-12"], &out);
    assert!(err.contains("before its last month (2017-12)"), "{err}");
    let err = refused(&["run", REPLAY, "--origin", "2015-13"], &out);
    assert!(err.contains("not a month"), "{err}");
    let err = refused(&["run", REPLAY, "--state", STATE], &out);
    assert!(err.contains("--origin"), "{err}");

    let bad = common::write(
        dir.path(),
        "state.toml",
        "month = \"2015-06\"\n\
         [actors.Belarus]\n\
         alignment = 1.5\n\
         irritation = 0.4\n\
         moon = 1\n\
         sources = { alignment = \"x\" }\n\
         [actors.Narnia]\n\
         alignment = 0.1\n",
    );
    let err = refused(
        &["run", REPLAY, "--origin", "2015-06", "--state", arg(&bad)],
        &out,
    );
    let at = |l: usize, c: usize| format!("{}:{l}:{c}: ", bad.display());
    for part in [
        format!("{}actors.Belarus.alignment", at(3, 13)),
        "must be in [-1, 1]".to_string(),
        format!("{}actors.Belarus.irritation", at(4, 1)),
        "no source".to_string(),
        format!("{}actors.Belarus.moon", at(5, 1)),
        format!("{}actors.Narnia", at(7, 9)),
    ] {
        assert!(err.contains(&part), "missing {part:?} in:\n{err}");
    }
    let wrong_month = common::write(
        dir.path(),
        "month.toml",
        "month = \"2015-07\"\n[union]\ncohesion = 0.5\nsources = { cohesion = \"x\" }\n",
    );
    let err = refused(
        &[
            "run",
            REPLAY,
            "--origin",
            "2015-06",
            "--state",
            arg(&wrong_month),
        ],
        &out,
    );
    assert!(
        err.contains("describes 2015-07, but --origin is 2015-06"),
        "{err}"
    );
}
