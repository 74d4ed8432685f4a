//! `realign verify` and the forecast ledger (issue 12, point 7), through the real binary: a run verifies against
//! its own rerun; a changed, deleted or stale file is named, and only it; a changed scenario, a missing or
//! malformed manifest and a folder of another command are refused (exit 2); the ledger gains one line per run and
//! survives reruns. (That an append goes whole through the atomic writer, and that a failed one leaves the old
//! ledger byte for byte, is tested beside the writer, in `output::ledger`.)

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{realign_ok, stderr, stdout};

/// A self-contained copy of the baseline scenario in `dir` (so a test may change it).
fn baseline_copy(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(common::scenario("baseline.toml")).unwrap();
    common::write(dir, "baseline.toml", &text)
}

/// `realign run SCENARIO --runs 600 --out DIR` plus `extra`.
fn run(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let (s, o) = (scenario.display().to_string(), out.display().to_string());
    let mut args = vec![
        "run",
        &s,
        "--runs",
        "600",
        "--threads",
        "2",
        "--quiet",
        "--out",
        &o,
    ];
    args.extend(extra);
    realign_ok(&args)
}

/// `realign verify DIR` on one thread (the run used two: results must not depend on it).
fn verify(dir: &Path) -> Output {
    common::realign(&["verify", &dir.display().to_string(), "--threads", "1"])
}

/// The names listed under a section of verify's report ("Differ", "Missing", "Extra", "Match", "Excluded").
fn section(report: &str, title: &str) -> Vec<String> {
    let mut lines = report.lines().skip_while(|l| !l.starts_with(title));
    if lines.next().is_none() {
        return Vec::new();
    }
    lines
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_run_verifies_against_its_rerun_on_another_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(
        &common::scenario("baseline.toml"),
        &out,
        &["--trajectories", "2"],
    );
    let o = verify(&out);
    let report = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{report}{}", stderr(&o));
    assert!(report.contains("Every file matches the rerun."), "{report}");
    let matched = section(&report, "Match");
    for f in [
        "summary.json",
        "events.csv",
        "timeseries.csv",
        "trajectories.csv",
        "report.html",
        "manifest.json",
        "bands.png",
    ] {
        assert!(
            matched.contains(&f.to_string()),
            "{f} not matched: {report}"
        );
    }
    assert_eq!(
        section(&report, "Excluded"),
        vec!["ledger.jsonl"],
        "{report}"
    );
    // Every file the run wrote before its manifest is recorded with its SHA-256 and size.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = m["files"].as_object().unwrap();
    assert_eq!(files.len(), matched.len() - 1, "{files:?}");
    let events = std::fs::read(out.join("events.csv")).unwrap();
    assert_eq!(files["events.csv"]["bytes"], events.len() as u64);
    assert_eq!(m["options"]["trajectories"], 2);
    assert_eq!(m["options"]["runs"], 600);
}

#[test]
fn a_changed_byte_is_named_and_only_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&common::scenario("baseline.toml"), &out, &[]);
    let path = out.join("events.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
    std::fs::write(&path, bytes).unwrap();
    let o = verify(&out);
    let report = stdout(&o);
    assert_eq!(o.status.code(), Some(4), "{report}{}", stderr(&o));
    assert_eq!(section(&report, "Differ"), vec!["events.csv"], "{report}");
    assert!(section(&report, "Missing").is_empty(), "{report}");
    assert!(section(&report, "Extra").is_empty(), "{report}");
    assert!(
        report.contains("events.csv: its SHA-256 is no longer the one manifest.json recorded"),
        "{report}"
    );
    assert!(stderr(&o).contains("1 file(s) differ"), "{}", stderr(&o));
}

#[test]
fn a_deleted_file_is_missing_and_a_stale_one_extra() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = common::scenario("baseline.toml");
    // trajectories.csv from the first run stays beside the second run's files: the second run did not write it.
    run(&s, &out, &["--trajectories", "1"]);
    run(&s, &out, &[]);
    std::fs::remove_file(out.join("summary.json")).unwrap();
    let o = verify(&out);
    let report = stdout(&o);
    assert_eq!(o.status.code(), Some(4), "{report}{}", stderr(&o));
    assert_eq!(
        section(&report, "Missing"),
        vec!["summary.json"],
        "{report}"
    );
    assert_eq!(
        section(&report, "Extra"),
        vec!["trajectories.csv"],
        "{report}"
    );
    assert!(section(&report, "Differ").is_empty(), "{report}");
}

#[test]
fn a_changed_scenario_is_refused_with_both_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = baseline_copy(tmp.path());
    run(&s, &out, &[]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let recorded = m["scenario_hash"].as_str().unwrap().to_string();
    let text = std::fs::read_to_string(&s).unwrap();
    let changed = text.replace("long_run_usd_per_bbl = 75.0", "long_run_usd_per_bbl = 76.0");
    assert_ne!(text, changed);
    std::fs::write(&s, changed).unwrap();
    let o = verify(&out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the scenario has changed since the run"),
        "{err}"
    );
    assert!(
        err.contains(&format!("manifest.json records {recorded}")),
        "{err}"
    );
    let now = err
        .split("now resolves to scenario hash ")
        .nth(1)
        .map(|t| &t[..64])
        .unwrap_or_default();
    assert!(now.len() == 64 && now != recorded, "{err}");
    assert!(stdout(&o).is_empty(), "ran anyway: {}", stdout(&o));
}

#[test]
fn folders_that_are_not_verifiable_run_folders_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&common::scenario("baseline.toml"), &out, &[]);
    let manifest = out.join("manifest.json");
    let good = std::fs::read_to_string(&manifest).unwrap();
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "has no manifest.json"),
        (
            "malformed",
            Some(good.replacen("\"seed\": ", "\"seed\": x", 1)),
            "manifest.json:",
        ),
        (
            "without files",
            Some(good.replacen("\"files\": {", "\"old_files\": {", 1)),
            "has no `files`",
        ),
        (
            "a path for a name",
            Some(good.replacen("\"events.csv\": {", "\"../events.csv\": {", 1)),
            "not a file realign writes",
        ),
        (
            "an option this build does not know",
            Some(good.replacen("\"trajectories\": 0", "\"trajectories\": 0, \"fast\": 1", 1)),
            "unknown field `fast`",
        ),
    ];
    for (what, text, want) in cases {
        match &text {
            Some(t) => std::fs::write(&manifest, t).unwrap(),
            None => std::fs::remove_file(&manifest).unwrap(),
        }
        let o = verify(&out);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(want), "{what}: {err}");
    }
    // A sweep's folder is named as such.
    let sweep = tmp.path().join("sweep");
    realign_ok(&[
        "sweep",
        "tests/golden/morris-small.toml",
        "--threads",
        "2",
        "--quiet",
        "--out",
        &sweep.display().to_string(),
    ]);
    let o = verify(&sweep);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("only the folders of `realign run` can be verified"),
        "{}",
        stderr(&o)
    );
    let o = verify(&tmp.path().join("nowhere"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a folder"), "{}", stderr(&o));
}

#[test]
fn the_ledger_gains_one_whole_line_per_run_and_survives_reruns() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = common::scenario("baseline.toml");
    run(&s, &out, &[]);
    run(&s, &out, &["--seed", "7"]);
    let text = std::fs::read_to_string(out.join("ledger.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line parses"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(lines[0]["seed"], 20141226);
    assert_eq!(lines[1]["seed"], 7);
    for l in &lines {
        assert_eq!(l["runs"], 600);
        assert_eq!(l["horizon_month"], "2017-12");
        let events = l["events"].as_array().unwrap();
        assert_eq!(events.len(), 16);
        for e in events {
            let (p, lo, hi) = (
                e["probability"].as_f64().unwrap(),
                e["ci_low"].as_f64().unwrap(),
                e["ci_high"].as_f64().unwrap(),
            );
            assert!(0.0 <= lo && lo <= p && p <= hi && hi <= 1.0, "{e}");
        }
    }
    // The ledger's lines carry the summary's numbers.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let ceasefire = |v: &serde_json::Value| {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "ceasefire")
            .unwrap()["probability"]
            .clone()
    };
    assert_eq!(ceasefire(&lines[1]), ceasefire(&summary));
    let o = realign_ok(&["ledger", &out.display().to_string()]);
    let table = stdout(&o);
    assert!(table.contains("2 run(s) recorded"), "{table}");
    assert!(table.contains("--seed 7"), "{table}");
    let row = table
        .lines()
        .find(|l| l.trim_start().starts_with("ceasefire"))
        .unwrap();
    assert_eq!(
        row.matches('%').count(),
        6,
        "two runs, each a value and its interval: {row}"
    );
}

#[test]
fn a_ledger_that_does_not_parse_refuses_the_run_before_anything_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = common::scenario("baseline.toml");
    run(&s, &out, &[]);
    let ledger = out.join("ledger.jsonl");
    let mut text = std::fs::read_to_string(&ledger).unwrap();
    text.push_str("{\"torn\": ");
    std::fs::write(&ledger, &text).unwrap();
    let o = common::realign(&[
        "run",
        &s.display().to_string(),
        "--runs",
        "600",
        "--quiet",
        "--out",
        &out.display().to_string(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ledger.jsonl:2:") && err.contains("nothing ran"),
        "{err}"
    );
    // Refused before the folder's marker went: the folder is still the complete first run, ledger untouched.
    assert!(out.join("manifest.json").exists());
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);
    let o = common::realign(&["ledger", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = common::realign(&["ledger", &tmp.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds no ledger"), "{}", stderr(&o));
}

#[test]
fn a_precision_run_verifies_with_its_recorded_options() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (s, o) = (
        common::scenario("oil-collapse.toml").display().to_string(),
        out.display().to_string(),
    );
    realign_ok(&[
        "run",
        &s,
        "--precision",
        "0.05",
        "--max-runs",
        "4096",
        "--seed",
        "11",
        "--quiet",
        "--out",
        &o,
    ]);
    let v = verify(&out);
    assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["options"]["precision"], 0.05);
    assert_eq!(m["options"]["max_runs"], 4096);
    assert_eq!(m["options"]["seed"], 11);
}
