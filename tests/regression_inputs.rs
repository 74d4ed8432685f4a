//! Issue 10, inputs: each class of input that used to give a wrong answer (or none) is refused with exit status 2,
//! file:line:column, key path and what is allowed, and nothing written; or, where the input is fine, answered right.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A variant of the shipped baseline (by absolute path) whose `body` starts on line 3.
fn variant(dir: &Path, file: &str, body: &str) -> PathBuf {
    common::write(
        dir,
        file,
        &format!(
            "base = \"{}\"\nname = \"v\"\n{body}",
            common::scenario("baseline.toml").display()
        ),
    )
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn at(file: &Path, line: usize, col: usize) -> String {
    format!("{}:{line}:{col}: ", file.display())
}

/// Asserts exit status 2, no panic, and every one of `parts` in stderr; returns stderr.
fn refused_with(out: &Output, parts: &[&str]) -> String {
    let err = common::stderr(out);
    assert!(!err.contains("panicked"), "panicked:\n{err}");
    assert_eq!(out.status.code(), Some(2), "expected exit 2:\n{err}");
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in:\n{err}");
    }
    err
}

/// `validate` and `run` (from `cwd`) both refuse `file` with `parts`, and `run` writes nothing.
fn refused_in(cwd: &Path, file: &Path, parts: &[&str]) -> String {
    let err = refused_with(&common::realign_in(cwd, &["validate", arg(file)]), parts);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("out");
    let o = common::realign_in(
        cwd,
        &["run", arg(file), "-q", "--runs", "1", "--out", arg(&out)],
    );
    refused_with(&o, parts);
    assert!(!out.join("summary.json").exists(), "a refused run wrote");
    err
}

fn refused(file: &Path, parts: &[&str]) -> String {
    refused_in(&common::root(), file, parts)
}

/// Runs realign, killing it (and failing) if it takes longer than `secs`: a FIFO must not block it.
fn realign_within(cwd: &Path, args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_realign"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run realign");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("realign {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

// ---- point 6: months, schedules, replay gaps ---------------------------------------------------------------------

#[test]
fn a_horizon_ending_after_9999_12_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (start, horizon) in [("9999-01", 36), ("9990-06", 240), ("9999-12", 1)] {
        let f = variant(
            dir.path(),
            "late.toml",
            &format!("start_month = \"{start}\"\nhorizon_months = {horizon}\n"),
        );
        refused(
            &f,
            &[&format!(
                "{}horizon_months: {horizon} months from {start} end after 9999-12",
                at(&f, 4, 18)
            )],
        );
    }
    // The last month that can be written is still allowed.
    let ok = variant(
        dir.path(),
        "edge.toml",
        "start_month = \"9999-11\"\nhorizon_months = 1\n",
    );
    let o = common::realign(&["validate", arg(&ok)]);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

#[test]
fn a_month_scheduled_twice_is_refused_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (table, field) in [
        ("drivers.west.changes", "engagement"),
        ("drivers.oil.shocks", "factor"),
    ] {
        let f = variant(
            dir.path(),
            "twice.toml",
            &format!(
                "[[{table}]]\nmonth = \"2016-01\"\n{field} = 0.5\n[[{table}]]\nmonth = \"2016-02\"\n{field} = 0.5\n[[{table}]]\nmonth = \"2016-01\"\n{field} = 0.7\n"
            ),
        );
        refused(
            &f,
            &[&format!(
                "{}{table}[2].month: 2016-01 is already scheduled by {table}[0].month (line 4, column 9 of {})",
                at(&f, 10, 9),
                f.display()
            )],
        );
    }
}

#[test]
fn a_replay_file_with_a_missing_month_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=12)
        .filter(|m| *m != 7)
        .map(|m| format!("2015-{m:02},60\n"))
        .collect();
    common::write(dir.path(), "gap.csv", &format!("month,usd\n{rows}"));
    let f = variant(
        dir.path(),
        "gap.toml",
        "[drivers.oil.replay]\nfile = \"gap.csv\"\n",
    );
    refused(
        &f,
        &[&format!(
            "{}drivers.oil.replay.file: {}: no row for 2015-07 inside the replayed months 2015-01 .. 2015-12",
            at(&f, 4, 8),
            dir.path().join("gap.csv").display()
        )],
    );
}

// ---- point 8: only bounded regular files -------------------------------------------------------------------------

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_as_scenario_base_or_replay_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    mkfifo(&cwd.join("fifo.toml"));
    mkfifo(&cwd.join("fifo.csv"));
    std::os::unix::fs::symlink("/dev/zero", cwd.join("zero.toml")).unwrap();

    let o = realign_within(cwd, &["validate", "fifo.toml"], 20);
    refused_with(
        &o,
        &["fifo.toml: cannot read scenario: is a FIFO, not a regular file"],
    );
    let o = realign_within(cwd, &["validate", "/dev/zero"], 20);
    refused_with(
        &o,
        &["/dev/zero: cannot read scenario: is a device, not a regular file"],
    );

    let base = common::write(
        cwd,
        "fifo-base.toml",
        "name = \"v\"\nbase = \"fifo.toml\"\n",
    );
    let o = realign_within(cwd, &["validate", arg(&base)], 20);
    refused_with(
        &o,
        &[&format!(
            "{}base: cannot read the base scenario: {}: is a FIFO",
            at(&base, 2, 8),
            cwd.join("fifo.toml").display()
        )],
    );
    let dev = common::write(cwd, "dev-base.toml", "name = \"v\"\nbase = \"zero.toml\"\n");
    let o = realign_within(cwd, &["validate", arg(&dev), "--allow-dir", "/dev"], 20);
    refused_with(
        &o,
        &[
            &format!("{}base: cannot read the base scenario", at(&dev, 2, 8)),
            "is a device",
        ],
    );
    std::fs::create_dir(cwd.join("dir.toml")).unwrap();
    let d = common::write(cwd, "dir-base.toml", "name = \"v\"\nbase = \"dir.toml\"\n");
    let o = realign_within(cwd, &["validate", arg(&d)], 20);
    refused_with(&o, &["is a directory, not a regular file"]);

    let replay = variant(
        cwd,
        "fifo-replay.toml",
        "[drivers.oil.replay]\nfile = \"fifo.csv\"\n",
    );
    let o = realign_within(cwd, &["validate", arg(&replay)], 20);
    refused_with(
        &o,
        &[
            &format!("{}drivers.oil.replay.file: ", at(&replay, 4, 8)),
            "is a FIFO, not a regular file",
        ],
    );
}

#[test]
fn files_over_the_size_limits_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: the size is refused from metadata, nothing is read.
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    refused(
        &big,
        &["cannot read scenario: is larger than the 16 MiB allowed"],
    );
    let base = common::write(
        dir.path(),
        "big-base.toml",
        "name = \"v\"\nbase = \"big.toml\"\n",
    );
    refused(
        &base,
        &[
            &format!("{}base: cannot read the base scenario", at(&base, 2, 8)),
            "larger than the 16 MiB allowed",
        ],
    );
    let csv = dir.path().join("big.csv");
    std::fs::File::create(&csv)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let f = variant(
        dir.path(),
        "big-replay.toml",
        "[drivers.oil.replay]\nfile = \"big.csv\"\n",
    );
    refused(
        &f,
        &[
            &format!("{}drivers.oil.replay.file: ", at(&f, 4, 8)),
            "larger than the 64 MiB allowed",
        ],
    );
}

// ---- point 9: what an error echoes --------------------------------------------------------------------------------

#[test]
fn a_syntax_error_on_a_huge_line_echoes_a_short_window() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("description = \"{}\" oops", "x".repeat(5_000_000));
    let f = common::write(dir.path(), "wide.toml", &format!("name = \"v\"\n{line}\n"));
    let o = common::realign(&["validate", arg(&f)]);
    let err = refused_with(&o, &[&at(&f, 2, 5_000_018)]);
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
    assert!(err.contains("...xxxxxxxx"), "{err}");
    // The caret still sits under the column: the window puts it after 100 characters and the "..." mark.
    let caret_line = err.lines().find(|l| l.trim_end().ends_with('^')).unwrap();
    assert_eq!(
        caret_line.find('^').unwrap(),
        "2 | ".len() + 3 + 100,
        "{err}"
    );
}

#[test]
fn bytes_that_are_not_utf8_are_located_and_a_base_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("latin1.toml");
    std::fs::write(&top, b"name = \"v\"\ndescription = \"caf\xe9\"\n").unwrap();
    refused(
        &top,
        &[&format!("{}byte 0xE9 is not UTF-8 text", at(&top, 2, 19))],
    );

    let utf16 = dir.path().join("utf16.toml");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("name = \"v\"\n".encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    refused(
        &utf16,
        &[&format!(
            "{}byte 0xFF is not UTF-8 text (UTF-16?",
            at(&utf16, 1, 1)
        )],
    );

    let base = dir.path().join("bad-base.toml");
    std::fs::write(&base, b"name = \"b\"\n\n  x = \"\xff\"\n").unwrap();
    let f = common::write(
        dir.path(),
        "uses-bad.toml",
        "name = \"v\"\n\nbase = \"bad-base.toml\"\n",
    );
    refused(
        &f,
        &[&format!(
            "{}base: cannot read the base scenario: {}:3:8: byte 0xFF is not UTF-8 text",
            at(&f, 3, 8),
            base.display()
        )],
    );
}

#[test]
fn nesting_past_the_parsers_limit_is_located_where_it_is_hit() {
    let dir = tempfile::tempdir().unwrap();
    let dotted = format!("v.{} = 1\n", vec!["a"; 10_000].join("."));
    let header = format!("[{}]\nx = 1\n", vec!["a"; 10_000].join("."));
    for (i, body) in [dotted, header].iter().enumerate() {
        let f = common::write(
            dir.path(),
            &format!("deep{i}.toml"),
            &format!("name = \"v\"\n\n{body}"),
        );
        refused(
            &f,
            &[&format!(
                "{}TOML syntax: a key has 80 or more dotted parts",
                at(&f, 3, 1)
            )],
        );
    }
    let arrays = format!(
        "name = \"v\"\nv = {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let f = common::write(dir.path(), "deep-array.toml", &arrays);
    let err = refused(&f, &["TOML syntax: cannot recurse further"]);
    assert!(!err.contains(&at(&f, 1, 1)), "{err}");
}

// ---- point 12: bases and replays inside the scenario's tree -------------------------------------------------------

#[cfg(target_os = "linux")]
#[test]
fn a_base_outside_the_allowed_folders_is_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "environ.toml",
        "name = \"v\"\nbase = \"/proc/self/environ\"\n",
    );
    let o = Command::new(env!("CARGO_BIN_EXE_realign"))
        .args(["validate", arg(&f)])
        .current_dir(dir.path())
        .env("REALIGN_TEST_SECRET", "hunter2-secret")
        .output()
        .unwrap();
    let err = refused_with(
        &o,
        &[
            &format!(
                "{}base: /proc/self/environ is outside the folders realign reads from: ",
                at(&f, 2, 8)
            ),
            "--allow-dir",
        ],
    );
    assert!(!err.contains("hunter2"), "the environment leaked:\n{err}");
}

#[test]
fn dot_dot_and_symlinks_cannot_leave_the_allowed_folders_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&tree).unwrap();
    let base_text = std::fs::read_to_string(common::scenario("baseline.toml")).unwrap();
    common::write(&outside, "base.toml", &base_text);
    let up = common::write(
        &tree,
        "up.toml",
        "name = \"v\"\nbase = \"../outside/base.toml\"\n",
    );
    let e = refused_in(
        &tree,
        &up,
        &[
            &format!("{}base: ", at(&up, 2, 8)),
            "is outside the folders realign reads from",
        ],
    );
    assert!(!e.contains("patron"), "{e}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("base.toml"), tree.join("link.toml")).unwrap();
        let link = common::write(
            &tree,
            "link-user.toml",
            "name = \"v\"\nbase = \"link.toml\"\n",
        );
        refused_in(&tree, &link, &["is outside the folders realign reads from"]);
    }
    // --allow-dir names another folder, on every command that loads scenarios.
    let o = common::realign_in(&tree, &["validate", arg(&up), "--allow-dir", arg(&outside)]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = common::realign_in(&tree, &["explain", "--allow-dir", arg(&outside), arg(&up)]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = common::realign_in(
        &tree,
        &["validate", arg(&up), "--allow-dir", "/no/such/dir"],
    );
    refused_with(&o, &["/no/such/dir is not a directory"]);

    // Replayed data too.
    common::write(&outside, "oil.csv", "month,usd\n2015-01,60\n");
    let r = common::write(
        &tree,
        "replay.toml",
        &format!(
            "base = \"{}\"\nname = \"v\"\n[drivers.oil.replay]\nfile = \"../outside/oil.csv\"\n",
            common::scenario("baseline.toml").display()
        ),
    );
    refused_in(
        &tree,
        &r,
        &[
            &format!("{}drivers.oil.replay.file: ", at(&r, 4, 8)),
            "is outside the folders realign reads from",
        ],
    );
}

#[test]
fn a_base_or_replay_that_is_not_a_scenario_or_csv_is_not_read_or_echoed() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "notes.txt", "SECRET-LINE\n");
    let f = common::write(
        dir.path(),
        "txt.toml",
        "name = \"v\"\nbase = \"notes.txt\"\n",
    );
    let e = refused(&f, &["notes.txt: a base scenario is a .toml file"]);
    assert!(!e.contains("SECRET-LINE"), "{e}");
    // A .toml base that is not TOML: located, its lines not shown.
    common::write(dir.path(), "junk.toml", "SECRET-LINE here\n");
    let j = common::write(
        dir.path(),
        "junk-user.toml",
        "name = \"v\"\nbase = \"junk.toml\"\n",
    );
    let e = refused(
        &j,
        &[
            &format!(
                "{}base: {}:1:13: TOML syntax",
                at(&j, 2, 8),
                dir.path().join("junk.toml").display()
            ),
            "its lines are not shown",
        ],
    );
    assert!(!e.contains("SECRET-LINE"), "{e}");
    let r = variant(
        dir.path(),
        "txt-replay.toml",
        "[drivers.oil.replay]\nfile = \"notes.txt\"\n",
    );
    let e = refused(&r, &["notes.txt: a replayed file is a .csv file"]);
    assert!(!e.contains("SECRET-LINE"), "{e}");
}

#[test]
fn a_sweeps_base_and_a_claims_scenario_are_held_to_the_same_folders() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    let s = common::write(
        &cwd,
        "s.toml",
        "name = \"s\"\nbase = \"/etc/passwd\"\nreplicates = 1\n[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.5]\n",
    );
    let o = common::realign_in(&cwd, &["sweep", arg(&s), "-q", "--out", "o"]);
    let e = refused_with(
        &o,
        &[&format!(
            "{}base: /etc/passwd is outside the folders",
            at(&s, 2, 8)
        )],
    );
    assert!(!e.contains("root:"), "{e}");
    let c = common::write(&cwd, "c.toml", "scenario = \"/etc/passwd\"\n");
    let o = common::realign_in(&cwd, &["claims", arg(&c), "-q", "--out", "o"]);
    refused_with(
        &o,
        &[&format!(
            "{}scenario: /etc/passwd is outside the folders",
            at(&c, 1, 12)
        )],
    );
    assert!(!cwd.join("o").exists());
}

#[test]
fn shipped_scenarios_load_from_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = std::fs::read_dir(common::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let o = common::realign_in(dir.path(), &args);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

// ---- point 13: names that print alike, formulas, terminal escapes -------------------------------------------------

#[test]
fn actor_names_that_print_alike_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["Belarus ", "B\u{435}larus", "\u{c9}tat", "Kyrgyz  Republic"] {
        let f = variant(
            dir.path(),
            "alike.toml",
            &format!("[actors.\"{bad}\"]\nrole = \"partner\"\n"),
        );
        refused(
            &f,
            &[&format!(
                "{}actors.{bad}: an actor name is 1 to 40 characters: ASCII letters",
                at(&f, 3, 9)
            )],
        );
    }
    let f = variant(
        dir.path(),
        "case.toml",
        "[actors.belarus]\nrole = \"partner\"\n",
    );
    refused(
        &f,
        &[&format!(
            "{}actors.belarus: the same name as actor \"Belarus\" (line 34, column 9 of {}) but for case",
            at(&f, 3, 9),
            common::scenario("baseline.toml").display()
        )],
    );
}

#[test]
fn names_starting_with_a_dash_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["--help", "-1", "-cmd"] {
        let f = common::write(
            dir.path(),
            "dash.toml",
            &format!(
                "base = \"{}\"\nname = \"{bad}\"\n",
                common::scenario("baseline.toml").display()
            ),
        );
        refused(
            &f,
            &[&format!("{}name: {bad:?} is not allowed", at(&f, 2, 8))],
        );
        let s = common::write(
            dir.path(),
            "dash-sweep.toml",
            &format!(
                "name = \"{bad}\"\nbase = \"{}\"\nreplicates = 1\n[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.5]\n",
                common::scenario("baseline.toml").display()
            ),
        );
        let o = common::realign(&["sweep", arg(&s), "-q", "--out", arg(&dir.path().join("o"))]);
        refused_with(&o, &[&format!("{}name: a sweep name", at(&s, 1, 8))]);
    }
}

/// No text cell of any CSV a run, compare or claims writes can read as a spreadsheet formula: the text comes from
/// names refused at input if they could (numbers such as -0.5 stay numbers).
#[test]
fn no_csv_cell_reads_as_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    common::realign_ok(&[
        "run",
        "scenarios/oil-collapse.toml",
        "-q",
        "--runs",
        "64",
        "--trajectories",
        "2",
        "--out",
        arg(&out),
    ]);
    let cmp = dir.path().join("cmp");
    common::realign_ok(&[
        "compare",
        "scenarios/baseline.toml",
        "scenarios/armenia.toml",
        "-q",
        "--runs",
        "64",
        "--out",
        arg(&cmp),
    ]);
    let mut checked = 0;
    for folder in [&out, &cmp] {
        for e in std::fs::read_dir(folder).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "csv") {
                continue;
            }
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&p)
                .unwrap();
            for rec in r.records() {
                for cell in rec.unwrap().iter() {
                    checked += 1;
                    let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                        || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                    assert!(
                        !formula,
                        "{}: cell {cell:?} reads as a formula",
                        p.display()
                    );
                }
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn explain_and_errors_show_control_characters_instead_of_sending_them() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "esc.toml",
        "description = \"\\u001b[2J\\u001b]0;pwned\\u0007 \\u202e txt\"\n",
    );
    let o = common::realign_ok(&["explain", arg(&f)]);
    let out = common::stdout(&o);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("\\u{1b}[2J"), "{out}");
    // A raw escape in the file is a TOML error: the echoed line shows a replacement, not the escape.
    let raw = common::write(
        dir.path(),
        "raw.toml",
        "name = \"v\"\n# \u{1b}]0;pwned\u{7}\n",
    );
    let e = refused(&raw, &[&at(&raw, 2, 3)]);
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    // Key paths echoing a name are escaped too.
    let k = variant(
        dir.path(),
        "key.toml",
        "[actors.\"\\u001b[2J\"]\nrole = \"partner\"\n",
    );
    let e = refused(&k, &["actors.\\u{1b}[2J: an actor name"]);
    assert!(!e.contains('\u{1b}'), "{e:?}");
}

// ---- point 17: sources for parameters ----------------------------------------------------------------------------

#[test]
fn a_scenario_can_say_why_it_changes_a_parameter() {
    let dir = tempfile::tempdir().unwrap();
    for sources in [
        "[sources]\n\"drivers.oil.long_run_usd_per_bbl\" = \"assumption: a <b>futures</b> curve\"\n",
        "[sources.drivers.oil]\nlong_run_usd_per_bbl = \"assumption: a <b>futures</b> curve\"\n",
    ] {
        let f = variant(
            dir.path(),
            "why.toml",
            &format!("[drivers.oil]\nlong_run_usd_per_bbl = 50.0\n{sources}"),
        );
        let o = common::realign_ok(&["explain", arg(&f)]);
        let out = common::stdout(&o);
        let at_key = out
            .find("* drivers.oil.long_run_usd_per_bbl = 50")
            .expect(&out);
        let next = out[at_key..].find("\n* ").map_or(out.len(), |i| at_key + i);
        assert!(
            out[at_key..next].contains("this scenario: assumption: a <b>futures</b> curve"),
            "{out}"
        );
    }
    let f = dir.path().join("why.toml");
    let out = dir.path().join("run");
    common::realign_ok(&["run", arg(&f), "-q", "--runs", "16", "--out", arg(&out)]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("this scenario: assumption: a &lt;b&gt;futures&lt;/b&gt; curve"));

    // Claim ids are quoted like an actor's.
    let c = variant(
        dir.path(),
        "claim.toml",
        "[drivers.west]\nengagement = 0.7\n[sources]\n\"drivers.west.engagement\" = \"A13\"\n",
    );
    let out = common::stdout(&common::realign_ok(&["explain", arg(&c)]));
    assert!(out.contains("this scenario: claim A13: \u{201c}"), "{out}");
}

#[test]
fn a_parameter_source_is_refused_where_the_file_does_not_set_the_value_or_it_is_not_provenance() {
    let dir = tempfile::tempdir().unwrap();
    // Not set at all (the default), set only by the base, unknown key, bad provenance.
    let cases = [
        (
            "[sources]\n\"drivers.oil.volatility_annual\" = \"A09\"\n",
            "sources.drivers.oil.volatility_annual",
            4,
            1,
            "does not set `drivers.oil.volatility_annual`",
        ),
        (
            "[sources]\n\"drivers.west.engagement\" = \"A13\"\n",
            "sources.drivers.west.engagement",
            4,
            1,
            "does not set `drivers.west.engagement`",
        ),
        (
            "[sources]\n\"drivers.oil.long_run\" = \"A09\"\n",
            "sources.drivers.oil.long_run",
            4,
            1,
            "unknown key",
        ),
        (
            "horizon_months = 12\n[sources]\nhorizon_months = \"Z99\"\n",
            "sources.horizon_months",
            5,
            18,
            "\"Z99\" is not an evidence id",
        ),
    ];
    for (body, key, line, col, msg) in cases {
        let f = variant(dir.path(), "src.toml", body);
        refused(&f, &[&format!("{}{key}: ", at(&f, line, col)), msg]);
    }
}
