//! Sweeps: identical results across thread counts and shard counts, resume equals an uninterrupted run, and
//! malformed sweep files are refused with the line and the key.

mod common;

use std::path::{Path, PathBuf};

const RESULTS: [&str; 4] = [
    "sweep.csv",
    "analysis.json",
    "heatmap-union-fracture.png",
    "heatmap-union-fracture.svg",
];

/// A small 2 x 3 grid over the baseline (fast enough for tests, big enough to shard).
fn small_sweep(dir: &Path) -> PathBuf {
    common::write(
        dir,
        "small.toml",
        &format!(
            r#"name = "small"
base = "{}"
replicates = 700
outcomes = ["union_fracture", "policy_revision", "alignment:Belarus"]
[design]
kind = "grid"
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
values = [40.0, 80.0]
[[parameters]]
key = "actors.Russia.pressure"
from = 0.5
to = 1.5
step = 0.5
"#,
            common::scenario("baseline.toml").display()
        ),
    )
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::realign_ok(&args)
}

fn read_results(dir: &Path) -> Vec<Vec<u8>> {
    RESULTS
        .iter()
        .map(|f| {
            std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
        })
        .collect()
}

#[test]
fn thread_counts_give_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    sweep(&file, &dir.path().join("t1"), &["--threads", "1"]);
    sweep(&file, &dir.path().join("t3"), &["--threads", "3"]);
    assert!(read_results(&dir.path().join("t1")) == read_results(&dir.path().join("t3")));
    let csv = std::fs::read_to_string(dir.path().join("t1/sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.starts_with("point,drivers.oil.long_run_usd_per_bbl,actors.Russia.pressure,replicates,union_fracture,union_fracture_ci_low"));
}

#[test]
fn shards_merge_into_the_one_machine_result() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    sweep(&file, &dir.path().join("one"), &[]);
    for n in [2usize, 4] {
        let mut parts = Vec::new();
        for i in 0..n {
            let part = dir.path().join(format!("p{n}-{i}"));
            sweep(&file, &part, &["--shard", &format!("{i}/{n}")]);
            assert!(part.join("shard.json").exists());
            assert!(
                !part.join("sweep.csv").exists(),
                "a part writes no results of its own"
            );
            parts.push(part);
        }
        let merged = dir.path().join(format!("merged{n}"));
        let mut args: Vec<String> = vec!["merge".into()];
        // Parts in reverse order: the order given must not matter.
        args.extend(parts.iter().rev().map(|p| p.display().to_string()));
        args.extend(["--out".into(), merged.display().to_string(), "-q".into()]);
        common::realign_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            read_results(&dir.path().join("one")) == read_results(&merged),
            "{n} shards differ from one machine"
        );
    }
}

#[test]
fn merge_refuses_missing_and_foreign_parts() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let p0 = dir.path().join("a0");
    let p1 = dir.path().join("a1");
    sweep(&file, &p0, &["--shard", "0/3"]);
    sweep(&file, &p1, &["--shard", "1/3"]);
    let out = dir.path().join("m");
    let refused = |parts: &[&std::path::Path], message: &str| {
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(|p| p.to_str().unwrap()));
        args.extend(["--out", out.to_str().unwrap()]);
        let o = common::realign(&args);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            common::stderr(&o).contains(message),
            "{}",
            common::stderr(&o)
        );
    };
    refused(&[&p0, &p1], "missing parts: 2/3");
    // A part of another sweep (other replicates, so another hash).
    let other = common::write(
        dir.path(),
        "other.toml",
        &std::fs::read_to_string(&file)
            .unwrap()
            .replace("replicates = 700", "replicates = 600")
            .replace("name = \"small\"", "name = \"other\""),
    );
    let q2 = dir.path().join("b2");
    sweep(&other, &q2, &["--shard", "2/3"]);
    refused(&[&p0, &p1, &q2], "is a part of another sweep");
    refused(&[&p0, &p0, &p1], "given twice");
}

#[test]
fn resume_computes_only_missing_points_and_equals_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let full = dir.path().join("full");
    sweep(&file, &full, &[]);
    // Interrupted: the log kept its header, two whole points and half of a third line.
    let log = std::fs::read_to_string(full.join("points.log")).unwrap();
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    let torn = format!(
        "{}{}{}{}",
        lines[0],
        lines[1],
        lines[2],
        &lines[3][..lines[3].len() / 2]
    );
    let partial = dir.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("points.log"), torn).unwrap();
    sweep(&file, &partial, &["--resume"]);
    let o = common::realign(&[
        "sweep",
        file.to_str().unwrap(),
        "--resume",
        "--out",
        partial.to_str().unwrap(),
    ]);
    assert!(
        common::stdout(&o).contains("(0 computed now)"),
        "{}",
        common::stdout(&o)
    );
    assert!(read_results(&full) == read_results(&partial));
    // And the first resume computed exactly the four missing points.
    let partial2 = dir.path().join("partial2");
    std::fs::create_dir_all(&partial2).unwrap();
    std::fs::write(
        partial2.join("points.log"),
        format!("{}{}{}", lines[0], lines[1], lines[2]),
    )
    .unwrap();
    let o = common::realign(&[
        "sweep",
        file.to_str().unwrap(),
        "--resume",
        "--out",
        partial2.to_str().unwrap(),
    ]);
    assert!(
        common::stdout(&o).contains("(4 computed now)"),
        "{}",
        common::stdout(&o)
    );
    assert!(read_results(&full) == read_results(&partial2));
}

#[test]
fn a_killed_sweep_resumes_to_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "long.toml",
        &std::fs::read_to_string(small_sweep(dir.path()))
            .unwrap()
            .replace("replicates = 700", "replicates = 20000"),
    );
    let full = dir.path().join("full");
    sweep(&file, &full, &[]);
    let cut = dir.path().join("cut");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_realign"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "-q",
            "--threads",
            "1",
            "--out",
            cut.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    sweep(&file, &cut, &["--resume"]);
    assert!(read_results(&full) == read_results(&cut));
}

#[test]
fn resume_refuses_a_log_of_another_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let out = dir.path().join("o");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("points.log"),
        "# realign sweep 0000\n0,700,1,0,0\n",
    )
    .unwrap();
    let o = common::realign(&[
        "sweep",
        file.to_str().unwrap(),
        "--resume",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("belongs to another sweep"));
}

/// Writes a sweep file with `body` after a valid header and returns stderr of `realign sweep` on it.
fn refused(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "bad.toml",
        &format!(
            "name = \"bad\"\nbase = \"{}\"\nreplicates = 10\n{body}",
            common::scenario("baseline.toml").display()
        ),
    );
    let o = common::realign(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(!err.contains("panicked"));
    assert!(!dir.path().join("o/sweep.csv").exists());
    err
}

#[test]
fn malformed_sweep_files_are_refused_with_line_and_key() {
    let e = refused("[[parameters]]\nkey = \"drivers.oil.long_run_usd\"\nvalues = [1.0]\n");
    assert!(
        e.contains("bad.toml:5:7: drivers.oil.long_run_usd: unknown key path"),
        "{e}"
    );
    let e = refused("[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = []\n");
    assert!(
        e.contains(
            "bad.toml:6:10: drivers.oil.long_run_usd_per_bbl.values: must be a non-empty array"
        ),
        "{e}"
    );
    let e = refused(
        "[design]\nkind = \"latin-hypercube\"\npoints = 10\n[[parameters]]\nkey = \"drivers.west.engagement\"\nlower = 0.9\nupper = 0.1\n",
    );
    assert!(
        e.contains("bad.toml:10:9: drivers.west.engagement.upper: bounds reversed"),
        "{e}"
    );
    let e = refused(
        "[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nfrom = 90.0\nto = 30.0\nstep = 10.0\n",
    );
    assert!(
        e.contains("bad.toml:7:6: drivers.oil.long_run_usd_per_bbl.to: bounds reversed"),
        "{e}"
    );
    let e = refused(
        "[design]\nkind = \"morris\"\ntrajectories = 2\n[[parameters]]\nkey = \"drivers.west.engagement\"\nlower = 0.1\nupper = 0.9\n",
    );
    assert!(e.contains("bad.toml:4:1: design: too few points for the design: morris needs at least 4 trajectories"), "{e}");
    let e = refused(
        "[design]\nkind = \"sobol\"\nbase_samples = 4\n[[parameters]]\nkey = \"drivers.west.engagement\"\nlower = 0.1\nupper = 0.9\n",
    );
    assert!(
        e.contains("too few points for the design: sobol needs base_samples of at least 16"),
        "{e}"
    );
    let e = refused("[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.5, 1.5]\n");
    assert!(
        e.contains(
            "bad.toml:6:16: drivers.west.engagement.values: 1.5 is out of range: must be in [0, 1]"
        ),
        "{e}"
    );
    let e = refused("[[parameters]]\nkey = \"horizon_months\"\nvalues = [12.0]\n");
    assert!(e.contains("horizon_months: cannot be swept"), "{e}");
    let e = refused("[design]\nkind = \"factorial\"\n");
    assert!(
        e.contains("bad.toml:5:8: design.kind: unknown design \"factorial\""),
        "{e}"
    );
    let e = refused(
        "outcomes = [\"nothing\"]\n[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.5]\n",
    );
    assert!(
        e.contains("bad.toml:4:13: outcomes: unknown outcome \"nothing\""),
        "{e}"
    );
    let e = refused("replicate = 5\n");
    assert!(e.contains("bad.toml:4:1: replicate: unknown key"), "{e}");
}

#[test]
fn shipped_sweeps_are_valid() {
    for f in [
        "oil-x-elasticity",
        "west-x-pressure",
        "morris-screen",
        "sobol-drivers",
    ] {
        let path = common::root().join(format!("scenarios/sweeps/{f}.toml"));
        let s = realign::sweep::spec::Sweep::load(&path).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!s.params.is_empty() && !s.outcomes.is_empty(), "{f}");
    }
}

#[test]
fn sweep_precision_mode_reaches_its_target_per_point_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    sweep(
        &file,
        &dir.path().join("p1"),
        &["--precision", "0.03", "--threads", "1"],
    );
    sweep(
        &file,
        &dir.path().join("p2"),
        &["--precision", "0.03", "--threads", "2"],
    );
    let a = std::fs::read_to_string(dir.path().join("p1/sweep.csv")).unwrap();
    assert_eq!(
        a,
        std::fs::read_to_string(dir.path().join("p2/sweep.csv")).unwrap()
    );
    for line in a.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(
            f[3] as u64 % 2048,
            0,
            "replicates come in whole batches: {line}"
        );
        // Outcomes start at column 4, three columns each.
        for o in 0..3 {
            let half = (f[4 + 3 * o + 2] - f[4 + 3 * o + 1]) / 2.0;
            assert!(half <= 0.03 + 1e-9, "{line}");
        }
    }
}

#[test]
fn a_misspelt_key_path_gets_the_nearest_key() {
    let e =
        refused("[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbll\"\nvalues = [50.0]\n");
    assert!(
        e.contains("bad.toml:5:7: drivers.oil.long_run_usd_per_bbll: unknown key path")
            && e.contains("(did you mean `drivers.oil.long_run_usd_per_bbl`?)"),
        "{e}"
    );
    let e = refused("[[parameters]]\nkey = \"actors.Belarus.dependance\"\nvalues = [0.5]\n");
    assert!(
        e.contains("(did you mean `actors.Belarus.dependence`?)"),
        "{e}"
    );
}

#[test]
fn a_damaged_part_marker_is_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let (p0, p1) = (dir.path().join("a0"), dir.path().join("a1"));
    sweep(&file, &p0, &["--shard", "0/2"]);
    sweep(&file, &p1, &["--shard", "1/2"]);
    let marker = p1.join("shard.json");
    let good = std::fs::read_to_string(&marker).unwrap();
    let merge = || {
        common::realign(&[
            "merge",
            p0.to_str().unwrap(),
            p1.to_str().unwrap(),
            "--out",
            dir.path().join("m").to_str().unwrap(),
        ])
    };
    // A part number beyond the parts, and a hash too short to abbreviate.
    let beyond = good.replace("\"shard\": 1", "\"shard\": 5");
    let short = good.replace(
        &format!(
            "\"sweep_hash\": {}",
            serde_json::to_string(
                &serde_json::from_str::<serde_json::Value>(&good).unwrap()["sweep_hash"]
            )
            .unwrap()
        ),
        "\"sweep_hash\": \"ab\"",
    );
    for (damaged, message) in [
        (beyond, "part 5 of 2 is not a part"),
        (short, "is a part of another sweep (small ab)"),
    ] {
        assert_ne!(damaged, good);
        std::fs::write(&marker, damaged).unwrap();
        let o = merge();
        let e = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(message) && !e.contains("panicked"), "{e}");
    }
}

/// Parts computed with other arithmetic (another probe in their marker) are not merged: their sums would not add up
/// to what one machine computes.
#[test]
fn parts_with_another_arithmetic_probe_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let (p0, p1) = (dir.path().join("a0"), dir.path().join("a1"));
    sweep(&file, &p0, &["--shard", "0/2"]);
    sweep(&file, &p1, &["--shard", "1/2"]);
    let marker = p1.join("shard.json");
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&marker).unwrap()).unwrap();
    assert_eq!(info["arithmetic_probe"].as_str().unwrap().len(), 64);
    info["arithmetic_probe"] = serde_json::json!("0".repeat(64));
    std::fs::write(&marker, serde_json::to_string_pretty(&info).unwrap()).unwrap();
    let o = common::realign(&[
        "merge",
        p0.to_str().unwrap(),
        p1.to_str().unwrap(),
        "--out",
        dir.path().join("m").to_str().unwrap(),
    ]);
    let e = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("computed with other arithmetic (probe 000000000000 there"),
        "{e}"
    );
    assert!(!dir.path().join("m/sweep.csv").exists());
}
