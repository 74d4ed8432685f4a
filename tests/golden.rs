//! Golden outputs: `run`, `compare`, `sweep` (grid, Morris, Sobol), `merge` and `claims` on shipped files write
//! exactly the bytes recorded in `tests/golden/outputs.sha256`. A refactoring must not move a byte; a change to
//! the model or to a file format moves them on purpose, and is recorded by running
//! `REALIGN_BLESS=1 cargo test --release --test golden` and committing the new hashes with the change.
//!
//! Only what legitimately differs between two runs is left out before hashing: the lines of the manifests (and of
//! the manifest's copy in report.html) that hold times, the thread count, the git revision and the absolute path of
//! a merged sweep's file (the checkout's folder); a run manifest's record of report.html (whose bytes hold that
//! copy); and a run folder's ledger.jsonl (a history with times and revisions), not hashed at all.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const GOLDEN: &str = "tests/golden/outputs.sha256";
/// Manifest lines that record when, where, on how many threads and by which commit: not part of the result.
const VOLATILE: [&str; 5] = [
    "started",
    "finished",
    "threads",
    "git_revision",
    "sweep_file",
];

/// Every file under `dir`, by its path relative to `dir`, hashed after the volatile lines are dropped.
fn hashes(dir: &Path, label: &str, into: &mut BTreeMap<String, String>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    for f in files {
        let rel = f.strip_prefix(dir).unwrap().display().to_string();
        let bytes = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy();
        if name == "ledger.jsonl" {
            continue;
        }
        let kept: Vec<u8> = if name == "manifest.json" || name == "report.html" {
            // The `"report.html": { ... }` entry of a run manifest's `files`, dropped through its closing brace.
            let mut in_report_record = false;
            String::from_utf8(bytes)
                .unwrap()
                .split_inclusive('\n')
                .filter(|l| {
                    if in_report_record {
                        in_report_record = !l.trim_start().starts_with('}');
                        return false;
                    }
                    if l.trim_start().starts_with("\"report.html\": {") {
                        in_report_record = true;
                        return false;
                    }
                    true
                })
                .filter(|l| !VOLATILE.iter().any(|v| l.contains(v)))
                .collect::<String>()
                .into_bytes()
        } else {
            bytes
        };
        let digest: String = Sha256::digest(&kept)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        into.insert(format!("{label}/{rel}"), digest);
    }
}

/// Runs realign from the repository root (relative input paths, so the files that record them are stable).
fn realign(args: &[&str]) {
    let o = common::realign(args);
    // `claims` exits 3 when a claim is contradicted; its files are written all the same.
    let code = o.status.code();
    assert!(
        code == Some(0) || (args[0] == "claims" && code == Some(3)),
        "realign {args:?}: {}",
        common::stderr(&o)
    );
}

#[test]
fn outputs_of_every_command_match_the_recorded_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |sub: &str| tmp.path().join(sub).display().to_string();
    let t = ["--threads", "2", "--quiet"];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter().chain(t.iter()).map(|s| s.to_string()).collect()
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "run-baseline",
            with(&[
                "run",
                "scenarios/baseline.toml",
                "--runs",
                "1300",
                "--trajectories",
                "3",
                "--out",
                &out("run-baseline"),
            ]),
        ),
        (
            "run-history-replay",
            with(&[
                "run",
                "scenarios/history-replay.toml",
                "--runs",
                "600",
                "--out",
                &out("run-history-replay"),
            ]),
        ),
        (
            "run-precision",
            with(&[
                "run",
                "scenarios/oil-collapse.toml",
                "--precision",
                "0.03",
                "--out",
                &out("run-precision"),
            ]),
        ),
        (
            "compare",
            with(&[
                "compare",
                "scenarios/baseline.toml",
                "scenarios/oil-collapse.toml",
                "scenarios/armenia.toml",
                "--runs",
                "600",
                "--out",
                &out("compare"),
            ]),
        ),
        (
            "sweep-grid",
            with(&[
                "sweep",
                "scenarios/sweeps/west-x-pressure.toml",
                "--out",
                &out("sweep-grid"),
            ]),
        ),
        (
            "sweep-morris",
            with(&[
                "sweep",
                "tests/golden/morris-small.toml",
                "--out",
                &out("sweep-morris"),
            ]),
        ),
        (
            "sweep-sobol",
            with(&[
                "sweep",
                "tests/golden/sobol-small.toml",
                "--out",
                &out("sweep-sobol"),
            ]),
        ),
        (
            "sweep-precision",
            with(&[
                "sweep",
                "tests/golden/sobol-small.toml",
                "--precision",
                "0.05",
                "--max-runs",
                "5000",
                "--out",
                &out("sweep-precision"),
            ]),
        ),
        (
            "claims",
            with(&[
                "claims",
                "seeds/experiments.toml",
                "--runs",
                "600",
                "--out",
                &out("claims"),
            ]),
        ),
        (
            "claims-precision",
            with(&[
                "claims",
                "seeds/experiments.toml",
                "--precision",
                "0.05",
                "--max-runs",
                "3000",
                "--out",
                &out("claims-precision"),
            ]),
        ),
    ];
    let mut got = BTreeMap::new();
    for (label, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        realign(&args);
        hashes(&tmp.path().join(label), label, &mut got);
    }
    // A sweep split in two parts and merged: the merged folder must hold the one-machine bytes.
    for part in ["0/2", "1/2"] {
        let dir = out(&format!("parts/{}", &part[..1]));
        realign(
            &with(&[
                "sweep",
                "tests/golden/morris-small.toml",
                "--shard",
                part,
                "--out",
                &dir,
            ])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        );
    }
    realign(&[
        "merge",
        &out("parts/0"),
        &out("parts/1"),
        "--out",
        &out("merged"),
        "--quiet",
    ]);
    hashes(&tmp.path().join("merged"), "merged", &mut got);
    for f in ["sweep.csv", "analysis.json"] {
        assert_eq!(
            got[&format!("merged/{f}")],
            got[&format!("sweep-morris/{f}")],
            "{f}: merged parts differ from one machine"
        );
    }

    let text: String = got.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    let golden = common::root().join(GOLDEN);
    if std::env::var_os("REALIGN_BLESS").is_some() {
        std::fs::write(&golden, &text).unwrap();
        return;
    }
    let want: BTreeMap<String, String> = std::fs::read_to_string(&golden)
        .expect("tests/golden/outputs.sha256 (record it with REALIGN_BLESS=1)")
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, k)| (k.to_string(), h.to_string()))
        .collect();
    let mut diffs = Vec::new();
    for k in want.keys().chain(got.keys()) {
        if want.get(k) != got.get(k) && !diffs.contains(k) {
            diffs.push(k.clone());
        }
    }
    assert!(
        diffs.is_empty(),
        "outputs differ from {GOLDEN} in {} file(s):\n  {}\n(if the change is intended, record it with REALIGN_BLESS=1)",
        diffs.len(),
        diffs.join("\n  ")
    );
}
