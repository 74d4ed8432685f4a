//! Regression tests for issue 10, "correct answers or a clear refusal", on outputs and options: each test is named
//! after the point it guards and fails on the old behaviour.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LOCK: &str = ".realign.lock";

/// A small 2 x 2 grid over the baseline: fast, and a sweep all the same.
fn tiny_sweep(dir: &Path) -> PathBuf {
    common::write(
        dir,
        "tiny.toml",
        &format!(
            r#"name = "tiny"
base = "{}"
replicates = 200
outcomes = ["union_fracture", "alignment:Belarus"]
[design]
kind = "grid"
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
values = [40.0, 80.0]
[[parameters]]
key = "actors.Russia.pressure"
values = [0.5, 1.5]
"#,
            common::scenario("baseline.toml").display()
        ),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Puts an old completion marker (and a lock-free folder) in `dir` and makes `blocker` a folder, so that the
/// command fails when it comes to write that file, after the files before it were written.
fn stale_folder(dir: &Path, marker: &str, blocker: &str) {
    std::fs::create_dir_all(dir.join(blocker)).unwrap();
    std::fs::write(dir.join(marker), "{\"old\": true}\n").unwrap();
}

fn assert_failed_without_marker(o: &std::process::Output, dir: &Path, marker: &str, what: &str) {
    assert_eq!(o.status.code(), Some(1), "{what}: {}", common::stderr(o));
    assert!(
        !dir.join(marker).exists(),
        "{what}: the old {marker} still marks a folder the failed command half rewrote complete"
    );
    assert!(
        !dir.join(LOCK).exists(),
        "{what}: the lock outlived the command"
    );
}

/// Point 3: a rerun into a folder that fails part-way (here: a file it cannot write; equally a kill or a full
/// disk) leaves no completion marker from the earlier run, for every command that writes one.
#[test]
fn issue10_point3_a_failed_rerun_leaves_no_old_completion_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // run: the tables are written, report.html cannot be.
    let run = t.join("run");
    stale_folder(&run, "manifest.json", "report.html");
    let o = common::realign(&[
        "run",
        "scenarios/baseline.toml",
        "-q",
        "--runs",
        "300",
        "--out",
        s(&run),
    ]);
    assert_failed_without_marker(&o, &run, "manifest.json", "run");
    assert!(
        run.join("summary.json").exists(),
        "run: failed before the tables"
    );

    // compare: comparison.csv cannot be written.
    let cmp = t.join("compare");
    stale_folder(&cmp, "comparison.json", "comparison.csv");
    let o = common::realign(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/oil-collapse.toml",
        "-q",
        "--runs",
        "300",
        "--out",
        s(&cmp),
    ]);
    assert_failed_without_marker(&o, &cmp, "comparison.json", "compare");

    // claims: the table is written, the forest chart cannot be; claims.json comes last.
    let claims = t.join("claims");
    stale_folder(&claims, "claims.json", "forest.png");
    let o = common::realign(&[
        "claims",
        "seeds/experiments.toml",
        "-q",
        "--runs",
        "200",
        "--out",
        s(&claims),
    ]);
    assert_failed_without_marker(&o, &claims, "claims.json", "claims");
    assert!(claims.join("claims.csv").exists());

    // sweep: sweep.csv is written, analysis.json cannot be.
    let file = tiny_sweep(t);
    let sweep = t.join("sweep");
    stale_folder(&sweep, "manifest.json", "analysis.json");
    let o = common::realign(&["sweep", s(&file), "-q", "--out", s(&sweep)]);
    assert_failed_without_marker(&o, &sweep, "manifest.json", "sweep");
    assert!(sweep.join("sweep.csv").exists());

    // One part of a sharded sweep: its points log cannot be written.
    let part = t.join("part");
    stale_folder(&part, "shard.json", "points.log");
    let o = common::realign(&["sweep", s(&file), "-q", "--shard", "0/2", "--out", s(&part)]);
    assert_failed_without_marker(&o, &part, "shard.json", "sweep --shard");

    // merge: two good parts, an output folder whose analysis.json cannot be written.
    for i in ["0", "1"] {
        common::realign_ok(&[
            "sweep",
            s(&file),
            "-q",
            "--shard",
            &format!("{i}/2"),
            "--out",
            s(&t.join(format!("p{i}"))),
        ]);
    }
    let merged = t.join("merged");
    stale_folder(&merged, "manifest.json", "analysis.json");
    let o = common::realign(&[
        "merge",
        s(&t.join("p0")),
        s(&t.join("p1")),
        "-q",
        "--out",
        s(&merged),
    ]);
    assert_failed_without_marker(&o, &merged, "manifest.json", "merge");

    // A marker of another command is no proof of completion either: a run into a comparison's folder removes it.
    let mixed = t.join("mixed");
    stale_folder(&mixed, "comparison.json", "report.html");
    let o = common::realign(&[
        "run",
        "scenarios/baseline.toml",
        "-q",
        "--runs",
        "300",
        "--out",
        s(&mixed),
    ]);
    assert_failed_without_marker(&o, &mixed, "comparison.json", "run into a comparison");
}

/// Point 3: a folder a live realign holds is refused, naming the folder and the process.
#[test]
fn issue10_point3_a_folder_held_by_a_live_process_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("held");
    std::fs::create_dir_all(&out).unwrap();
    // This test's own process holds the folder's lock, as another realign at work would.
    let me = std::process::id();
    std::fs::write(out.join(LOCK), format!("{me}\n")).unwrap();
    let held = std::fs::File::open(out.join(LOCK)).unwrap();
    held.lock().unwrap();
    std::fs::write(out.join("manifest.json"), "{}\n").unwrap();
    for args in [
        vec!["run", "scenarios/baseline.toml", "--runs", "200"],
        vec![
            "compare",
            "scenarios/baseline.toml",
            "scenarios/armenia.toml",
            "--runs",
            "200",
        ],
        vec!["claims", "--runs", "200"],
    ] {
        let mut args = args.clone();
        args.extend(["-q", "--out", s(&out)]);
        let o = common::realign(&args);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(&out.display().to_string()), "{err}");
        assert!(err.contains(&format!("process {me}")), "{err}");
        // The holder's files are left alone.
        assert!(out.join("manifest.json").exists());
        assert_eq!(
            std::fs::read_to_string(out.join(LOCK)).unwrap(),
            format!("{me}\n")
        );
    }
}

/// Point 3: two commands into one folder at once: the second is refused while the first runs; a lock left by a
/// killed command is taken over, and sweep --resume still resumes after a kill.
#[test]
fn issue10_point3_two_runs_into_one_folder_the_second_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shared");
    let mut first = Command::new(env!("CARGO_BIN_EXE_realign"))
        .args([
            "run",
            "scenarios/baseline.toml",
            "-q",
            "--threads",
            "1",
            "--runs",
            "50000000",
            "--out",
            s(&out),
        ])
        .current_dir(common::root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !out.join(LOCK).exists() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = first.kill();
            panic!("the first run never locked its folder");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = common::realign(&[
        "run",
        "scenarios/baseline.toml",
        "-q",
        "--runs",
        "200",
        "--out",
        s(&out),
    ]);
    let still_running = first.try_wait().unwrap().is_none();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(still_running, "the first run ended before the check");
    let err = common::stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert!(err.contains(&format!("process {}", first.id())), "{err}");
    assert!(!out.join("manifest.json").exists());

    // Killed outright, the first left its lock: its process is gone, so the next run takes the folder over.
    assert!(out.join(LOCK).exists());
    common::realign_ok(&[
        "run",
        "scenarios/baseline.toml",
        "-q",
        "--runs",
        "200",
        "--out",
        s(&out),
    ]);
    assert!(out.join("manifest.json").exists());
    assert!(!out.join(LOCK).exists());

    // A sweep killed part-way leaves its points log and a stale lock; --resume takes over and finishes.
    let file = tiny_sweep(tmp.path());
    let full = tmp.path().join("full");
    common::realign_ok(&["sweep", s(&file), "-q", "--out", s(&full)]);
    let log = std::fs::read_to_string(full.join("points.log")).unwrap();
    let kept: String = log.split_inclusive('\n').take(3).collect();
    let partial = tmp.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("points.log"), kept).unwrap();
    std::fs::write(partial.join(LOCK), format!("{}\n", first.id())).unwrap();
    let o = common::realign_ok(&["sweep", s(&file), "--resume", "--out", s(&partial)]);
    assert!(
        common::stdout(&o).contains("(2 computed now)"),
        "{}",
        common::stdout(&o)
    );
    assert_eq!(
        std::fs::read(full.join("sweep.csv")).unwrap(),
        std::fs::read(partial.join("sweep.csv")).unwrap()
    );
    assert!(!partial.join(LOCK).exists());
}

/// Point 8: far too many threads are refused at once, naming the limit, instead of hanging and panicking.
#[test]
fn issue10_point8_thread_counts_are_capped() {
    let cases: [&[&str]; 4] = [
        &["run", "scenarios/baseline.toml", "--threads", "100000"],
        &[
            "compare",
            "scenarios/baseline.toml",
            "scenarios/armenia.toml",
            "--threads",
            "5000",
        ],
        &["claims", "--threads", "100000"],
        &[
            "bench",
            "--sweep",
            "scenarios/sweeps/oil-x-elasticity.toml",
            "--threads",
            "1,100000",
        ],
    ];
    for args in cases {
        let start = Instant::now();
        let o = common::realign(args);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--threads must be in [0, "), "{args:?}: {err}");
        assert!(err.contains("per core"), "{args:?}: {err}");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{args:?} took long"
        );
    }
    // bench without --sweep refuses an out-of-range list too.
    let o = common::realign(&["bench", "--runs", "10", "--threads", "100000"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
}

/// Point 14: a negative number given to an option is refused with the option's name and its range, exit 2,
/// never clap's "unexpected argument '-1'".
#[test]
fn issue10_point14_negative_numbers_name_the_option_and_its_range() {
    let b = "scenarios/baseline.toml";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", b, "--runs", "-1"],
            "--runs must be in [1, 100000000]",
        ),
        (
            vec![
                "sweep",
                "scenarios/sweeps/oil-x-elasticity.toml",
                "--max-points",
                "-1",
            ],
            "--max-points must be in [1, 1000000000]",
        ),
        (
            vec!["run", b, "--seed", "-5"],
            "--seed must be in [0, 18446744073709551615]",
        ),
        (
            vec!["run", b, "--threads", "-2"],
            "--threads must be in [0, ",
        ),
        (
            vec!["run", b, "--precision", "-0.1"],
            "--precision must be in (0, 1)",
        ),
        (
            vec!["run", b, "--precision", "0.1", "--max-runs", "-7"],
            "--max-runs must be in [1, 100000000]",
        ),
        (
            vec!["run", b, "--trajectories", "-1"],
            "--trajectories must be in [0, 100000000]",
        ),
        (
            vec!["compare", b, b, "--runs", "-1"],
            "--runs must be in [1, 100000000]",
        ),
        (
            vec!["compare", b, b, "--seed", "-1"],
            "--seed must be in [0, ",
        ),
        (
            vec!["claims", "--runs", "-1"],
            "--runs and --max-runs must be in [1, 100000000]",
        ),
        (
            vec!["claims", "--precision", "-0.5"],
            "--precision must be in (0, 1)",
        ),
        (
            vec![
                "sweep",
                "scenarios/sweeps/oil-x-elasticity.toml",
                "--threads",
                "-1",
            ],
            "--threads must be in [0, ",
        ),
        (
            vec![
                "sweep",
                "scenarios/sweeps/oil-x-elasticity.toml",
                "--precision",
                "0.1",
                "--max-runs",
                "-1",
            ],
            "--max-runs must be in [1, 10000000]",
        ),
        (
            vec![
                "sweep",
                "scenarios/sweeps/oil-x-elasticity.toml",
                "--shard",
                "-1/2",
                "--out",
                "x",
            ],
            "--shard \"-1/2\": write it as I/N",
        ),
        (
            vec!["bench", "--runs", "-1"],
            "--runs must be in [1, 100000000]",
        ),
        (
            vec!["bench", "--repeats", "-1"],
            "--repeats must be in [1, 1000]",
        ),
        (
            vec!["bench", "--threads", "-1"],
            "--threads must be in [0, ",
        ),
    ];
    for (args, want) in cases {
        let o = common::realign(&args);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
}

/// The numbers of a line of terminal text that read as a negative zero ("-0.0", "-0.00%", "-0.0 pp").
fn negative_zeros(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "[],()".contains(c))
        .map(|t| t.trim_end_matches('%'))
        .filter(|t| t.starts_with('-') && t.parse::<f64>().is_ok_and(|v| v == 0.0))
        .map(str::to_string)
        .collect()
}

/// Point 18: one convention on screen for every command (percent for probabilities, pp for their differences,
/// plain numbers for alignment, intervals labelled "95% CI", never a negative zero); files keep fractions.
#[test]
fn issue10_point18_one_unit_convention_on_screen_and_in_files() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough runs that an event neither scenario ever sees has a difference interval under 0.05 pp on each side:
    // the old "{:+.1}" printed its lower bound as "-0.0".
    let cmp = tmp.path().join("compare");
    let o = common::realign_ok(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/oil-collapse.toml",
        "--runs",
        "10000",
        "--out",
        s(&cmp),
    ]);
    let text = common::stdout(&o);
    assert!(negative_zeros(&text).is_empty(), "{text}");
    let pp_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("oil-collapse"))
        .unwrap();
    assert!(
        pp_line.contains("% ") && pp_line.contains(" pp"),
        "{pp_line}"
    );
    assert!(pp_line.matches("95% CI [").count() == 2, "{pp_line}");
    // Files: fractions, as before.
    let csv = std::fs::read_to_string(cmp.join("comparison.csv")).unwrap();
    assert!(!csv.contains('%') && !csv.contains("pp"));

    let run = tmp.path().join("run");
    let o = common::realign_ok(&[
        "run",
        "scenarios/baseline.toml",
        "--runs",
        "600",
        "--out",
        s(&run),
    ]);
    let text = common::stdout(&o);
    assert!(negative_zeros(&text).is_empty(), "{text}");
    let mediation = text
        .lines()
        .find(|l| l.contains("Belarus hosts a mediation round"))
        .unwrap();
    assert!(mediation.contains("%  95% CI ["), "{mediation}");
    assert!(text.contains("Widest 95% CI of any reported probability: +-"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("Widest") && l.contains(" pp ")),
        "{text}"
    );

    let claims = tmp.path().join("claims");
    // The claims' verdicts are not this test's subject: exit status 3 (a claim contradicted) prints and writes
    // the same tables as 0.
    let o = common::realign(&["claims", "--runs", "600", "--out", s(&claims)]);
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        common::stderr(&o)
    );
    let text = common::stdout(&o);
    assert!(negative_zeros(&text).is_empty(), "{text}");
    for l in text.lines().filter(|l| l.contains(" runs 600 ")) {
        assert!(l.contains("95% CI ["), "{l}");
        // Effects on an alignment are plain numbers; effects on a probability are in percentage points.
        let alignment = l.contains(" alignment:");
        assert_eq!(!l.contains(" pp"), alignment, "{l}");
    }
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(claims.join("claims.json")).unwrap()).unwrap();
    let effect = j["results"][3]["effect"]["value"].as_f64().unwrap();
    assert!(effect.abs() < 1.0, "claims.json keeps fractions: {effect}");

    // The forest chart never puts the two units on one axis: one panel each, each axis saying its unit.
    let svg = std::fs::read_to_string(claims.join("forest.svg")).unwrap();
    assert!(
        svg.contains("Effects on a probability"),
        "no probability panel"
    );
    assert!(
        svg.contains("Effects on a mean alignment"),
        "no alignment panel"
    );
    assert!(svg.contains("percentage points"));
    assert!(!svg.contains("(probability, or mean alignment)"));
}

/// Point 20: a check that needs a tool (Chromium) is `#[ignore]`d, so `cargo test` shows it as ignored rather than
/// passed when the tool is missing; CI runs the ignored tests, and no test returns early as a silent pass.
#[test]
fn issue10_point20_checks_that_need_a_tool_show_as_ignored_never_as_passed() {
    let report = std::fs::read_to_string(common::root().join("tests/report.rs")).unwrap();
    let tests: Vec<&str> = report.split("#[test]").skip(1).collect();
    let chromium: Vec<&&str> = tests
        .iter()
        .filter(|t| t.contains("= chromium()"))
        .collect();
    assert!(chromium.len() >= 2, "the Chromium checks are gone");
    for t in chromium {
        assert!(
            t.trim_start().starts_with("#[ignore = \""),
            "a Chromium check is not ignored: {}",
            t.lines().take(3).collect::<String>()
        );
    }
    // No test anywhere skips itself by returning early and so reads as passed.
    for e in std::fs::read_dir(common::root().join("tests")).unwrap() {
        let p = e.unwrap().path();
        // This file names the needles, so it is left out.
        if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("regression_outputs.rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            for needle in ["skipped", "let Some(chrome) = chromium() else"] {
                assert!(
                    !text.contains(needle),
                    "{} skips a check: {needle}",
                    p.display()
                );
            }
        }
    }
    let ci = std::fs::read_to_string(common::root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --release -- --ignored"),
        ".ci/run does not run the ignored checks"
    );
}

/// Point 16: the README says how `realign` gets on the PATH before it first uses the bare command.
#[test]
fn issue10_point16_readme_says_how_realign_gets_on_the_path_before_using_it() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let install = readme
        .find("cargo install --path .")
        .expect("README never says `cargo install --path .`");
    let first_use = ["`realign ", "$ realign "]
        .iter()
        .filter_map(|n| readme.find(n))
        .min()
        .expect("README uses no bare realign");
    assert!(
        install < first_use,
        "README uses bare `realign` before saying how it gets on the PATH"
    );
    assert!(readme[..first_use].contains("target/release/realign"));
}

/// Point 21: CI's Slurm check leaves the host as it found it: no write to /etc/slurm, no process stopped by name,
/// its configuration in a temporary folder through SLURM_CONF, every file it creates outside it removed on exit.
#[test]
fn issue10_point21_the_slurm_check_leaves_the_host_as_it_found_it() {
    for f in [".ci/slurm-check.sh", ".ci/run"] {
        let text = std::fs::read_to_string(common::root().join(f)).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for banned in [
            "pkill",
            "killall",
            ">/etc/slurm",
            "> /etc/slurm",
            "/etc/slurm/slurm.conf",
        ] {
            assert!(!code.contains(banned), "{f} still does {banned}");
        }
    }
    let check = std::fs::read_to_string(common::root().join(".ci/slurm-check.sh")).unwrap();
    assert!(check.contains("export SLURM_CONF=\"$work/slurm.conf\""));
    assert!(check.contains("trap cleanup EXIT"));
    assert!(
        !check.contains("/var/log/slurm"),
        "logs outside the temporary folder"
    );
}
