//! The library facade (`realign::load_scenario`, `run_ensemble`, `Results`) gives what the command line gives:
//! the same files byte for byte, rows equal to the files' rows, and the same errors for text as for files.

mod common;

use std::path::Path;

use common::*;
use realign::api::file_number;
use realign::{RunConfig, load_scenario, load_scenario_str, run_ensemble};

/// Files whose bytes record times, the build or the options as given (the manifest, its copy in the report, the
/// ledger): the same ones `realign verify` leaves out.
const RECORDS_TIMES: [&str; 3] = ["manifest.json", "report.html", "ledger.jsonl"];

#[test]
fn write_gives_the_files_realign_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib_dir, cli_dir) = (tmp.path().join("lib"), tmp.path().join("cli"));
    let s = load_scenario(scenario("oil-collapse.toml")).unwrap();
    let cfg = RunConfig {
        runs: Some(1024),
        seed: Some(7),
        threads: 2,
        trajectories: 3,
    };
    let results = run_ensemble(&s, &cfg).unwrap();
    let written = results.write(&lib_dir).unwrap();
    realign_ok(&[
        "run",
        scenario("oil-collapse.toml").to_str().unwrap(),
        "--runs",
        "1024",
        "--seed",
        "7",
        "--trajectories",
        "3",
        "--threads",
        "1",
        "--quiet",
        "--out",
        cli_dir.to_str().unwrap(),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&cli_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for n in &names {
        assert!(lib_dir.join(n).exists(), "the library did not write {n}");
        assert!(
            written.iter().any(|w| w.ends_with(n)) || n.starts_with('.'),
            "{n} not in the list write returned"
        );
        if RECORDS_TIMES.contains(&n.as_str()) || n.starts_with('.') {
            continue;
        }
        assert!(
            std::fs::read(lib_dir.join(n)).unwrap() == std::fs::read(cli_dir.join(n)).unwrap(),
            "{n} differs between the library and the command line"
        );
    }
    // The manifest records the same run: scenario hash, seed, runs.
    let manifest = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap()
    };
    let (a, b) = (manifest(&lib_dir), manifest(&cli_dir));
    for key in ["scenario_hash", "seed", "runs"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

#[test]
fn rows_are_the_files_rows() {
    let s = load_scenario(scenario("baseline.toml")).unwrap();
    let cfg = RunConfig {
        runs: Some(512),
        seed: Some(3),
        trajectories: 2,
        ..Default::default()
    };
    let r = run_ensemble(&s, &cfg).unwrap();
    assert_eq!((r.runs(), r.seed()), (512, 3));
    let csv_rows = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        csv::Reader::from_reader(bytes.as_slice())
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let events: Vec<Vec<String>> = r
        .events()
        .iter()
        .map(|e| {
            vec![
                s.name.clone(),
                e.month.clone(),
                e.event.to_string(),
                e.actor.clone(),
                file_number(e.probability),
                file_number(e.ci_low),
                file_number(e.ci_high),
                e.count.to_string(),
                e.runs.to_string(),
            ]
        })
        .collect();
    assert_eq!(events, csv_rows(r.events_csv()));
    let series: Vec<Vec<String>> = r
        .timeseries()
        .iter()
        .map(|t| {
            vec![
                s.name.clone(),
                t.month.clone(),
                t.actor.clone(),
                t.metric.clone(),
                t.statistic.clone(),
                file_number(t.value),
                file_number(t.ci_low),
                file_number(t.ci_high),
            ]
        })
        .collect();
    assert_eq!(series, csv_rows(r.timeseries_csv()));
    let traj = r.trajectories();
    let runs: std::collections::BTreeSet<u64> = traj.iter().map(|t| t.run).collect();
    assert_eq!(runs.into_iter().collect::<Vec<_>>(), vec![0, 1]);
    // Every probability comes with an interval around it.
    for e in r.events() {
        assert!(
            e.ci_low <= e.probability && e.probability <= e.ci_high,
            "{e:?}"
        );
    }
    assert_eq!(r.summary().runs, 512);
    let charts = r.charts().unwrap();
    assert!(charts.iter().any(|c| c.stem == "events"), "charts drawn");
}

#[test]
fn text_is_loaded_and_checked_as_a_file() {
    let path = scenario("oil-collapse.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let from_file = load_scenario(&path).unwrap();
    let from_text = load_scenario_str(&text, &path).unwrap();
    let cfg = RunConfig {
        runs: Some(512),
        ..Default::default()
    };
    assert_eq!(
        run_ensemble(&from_file, &cfg).unwrap().summary_json(),
        run_ensemble(&from_text, &cfg).unwrap().summary_json()
    );
    // The same problem gives the same message, naming file:line:column and the key.
    let tmp = tempfile::tempdir().unwrap();
    let bad_text = "name = \"bad\"\ndescription = \"x\"\n[run]\nruns = -3\n";
    let bad = write(tmp.path(), "bad.toml", bad_text);
    let from_file = load_scenario(&bad).unwrap_err().to_string();
    let from_text = load_scenario_str(bad_text, &bad).unwrap_err().to_string();
    assert_eq!(from_file, from_text);
    assert!(
        from_text.contains("bad.toml:4:") && from_text.contains("run.runs"),
        "{from_text}"
    );
    // Text longer than a scenario file may be is refused as the file would be.
    let huge = "#".repeat(17 << 20);
    assert!(load_scenario_str(&huge, "huge.toml").is_err());
}

#[test]
fn out_of_range_configurations_are_refused_with_the_flags_message() {
    let s = load_scenario(scenario("baseline.toml")).unwrap();
    let e = run_ensemble(
        &s,
        &RunConfig {
            runs: Some(0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("--runs"), "{e}");
    let e = run_ensemble(
        &s,
        &RunConfig {
            threads: 1_000_000,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("--threads"), "{e}");
}
