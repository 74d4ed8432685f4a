//! Determinism is a contract: the same scenario and seed give byte-identical tables whatever the thread count.

mod common;

use std::path::Path;

const FILES: [&str; 3] = ["summary.json", "timeseries.csv", "events.csv"];

fn run(dir: &Path, sub: &str, extra: &[&str]) -> Vec<Vec<u8>> {
    let out = dir.join(sub);
    let scenario = common::scenario("baseline.toml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::realign_ok(&args);
    FILES
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect()
}

#[test]
fn one_two_and_four_threads_give_identical_tables() {
    let dir = tempfile::tempdir().unwrap();
    // 1300 runs: two full chunks and a partial one, so chunk merging is exercised.
    let one = run(dir.path(), "t1", &["--runs", "1300", "--threads", "1"]);
    let two = run(dir.path(), "t2", &["--runs", "1300", "--threads", "2"]);
    let four = run(dir.path(), "t4", &["--runs", "1300", "--threads", "4"]);
    for (i, f) in FILES.iter().enumerate() {
        assert!(one[i] == two[i], "{f} differs between 1 and 2 threads");
        assert!(one[i] == four[i], "{f} differs between 1 and 4 threads");
    }
}

#[test]
fn same_seed_is_identical_and_another_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(dir.path(), "a", &["--runs", "700", "--seed", "7"]);
    let b = run(dir.path(), "b", &["--runs", "700", "--seed", "7"]);
    let c = run(dir.path(), "c", &["--runs", "700", "--seed", "8"]);
    assert_eq!(a, b);
    for i in 0..FILES.len() {
        assert_ne!(a[i], c[i], "{} did not change with the seed", FILES[i]);
    }
}

#[test]
fn only_the_manifest_records_threads_and_times() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "m", &["--runs", "600", "--threads", "2"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["threads"], 2);
    assert_eq!(manifest["runs"], 600);
    assert_eq!(manifest["seed"], 20141226);
    assert_eq!(manifest["scenario_hash"].as_str().unwrap().len(), 64);
    assert!(manifest["started"].as_str().unwrap().ends_with('Z'));
    for f in FILES {
        let text = std::fs::read_to_string(dir.path().join("m").join(f)).unwrap();
        assert!(!text.contains("threads"), "{f} mentions threads");
    }
}
