//! The conventions of the command line: help on every argument, completions and man pages generated from the
//! same definitions, readable progress rates, the git revision in `--version`, and `NO_COLOR`.

mod common;

use std::process::Command;

use common::*;

#[test]
fn every_argument_and_command_has_help() {
    let missing = realign::cli::undocumented();
    assert!(
        missing.is_empty(),
        "arguments without help text (add a /// line): {missing:#?}"
    );
}

#[test]
fn rates_read_as_whole_numbers_with_thousands_separators() {
    use realign::cli::{rate_text, thousands};
    assert_eq!(rate_text(42_541.245_8, "runs"), "42,541 runs/s");
    assert_eq!(rate_text(1_234_567.5, "runs"), "1,234,568 runs/s");
    assert_eq!(rate_text(999.4, "points"), "999 points/s");
    assert_eq!(rate_text(10.0, "runs"), "10 runs/s");
    // Below 10 a whole number would say too little: one decimal.
    assert_eq!(rate_text(2.46, "claims"), "2.5 claims/s");
    assert_eq!(rate_text(0.0, "runs"), "0.0 runs/s");
    assert_eq!(rate_text(f64::NAN, "runs"), "- runs/s");
    assert_eq!(rate_text(f64::INFINITY, "runs"), "- runs/s");
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(100_000), "100,000");
    assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
}

#[test]
fn version_names_the_git_revision() {
    let out = stdout(&realign_ok(&["--version"]));
    let line = out.trim();
    let rev = line
        .strip_prefix(&format!("realign {} (git ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("--version printed {line:?}"));
    let hash = rev.strip_suffix("-dirty").unwrap_or(rev);
    assert!(
        hash == "unknown" || (hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{line:?}"
    );
    // In a checkout, it is this checkout's HEAD (build.rs reruns when HEAD or its branch moves).
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(h) = head {
        assert_eq!(hash, String::from_utf8_lossy(&h.stdout).trim(), "{line:?}");
    }
}

#[test]
fn completions_come_from_the_same_definitions() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = stdout(&realign_ok(&["completions", shell]));
        for word in ["signposts", "trajectories", "max-memory-mib", "completions"] {
            assert!(out.contains(word), "{shell} completions lack {word}");
        }
    }
    let o = realign(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "an unknown shell is bad input");
}

#[test]
fn man_pages_come_from_the_same_definitions() {
    let page = stdout(&realign_ok(&["man"]));
    assert!(page.contains(".TH realign 1"), "{page}");
    for sub in ["run", "sweep", "validate", "completions", "man"] {
        assert!(page.contains(&format!("realign\\-{sub}(1)")), "{sub}");
    }
    let run = stdout(&realign_ok(&["man", "run"]));
    assert!(run.contains(".TH realign-run 1"), "{run}");
    assert!(
        run.contains("\\fBrealign run\\fR"),
        "synopsis names the command"
    );
    // Every flag with its help text, e.g. --paths.
    assert!(
        run.contains("\\-\\-paths") && run.contains("paths.bin"),
        "{run}"
    );
    let o = realign(&["man", "nonesuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such command"), "{}", stderr(&o));
}

/// Runs `realign ARGS` with `CLICOLOR_FORCE=1` (colour even into a pipe, as on a terminal) and, if `no_color`,
/// `NO_COLOR=1`; returns stdout and stderr together.
fn output_with_colour_env(args: &[&str], no_color: bool, dir: &std::path::Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_realign"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let o = cmd.output().expect("run realign");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn no_color_removes_every_escape_sequence() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let baseline = scenario("baseline.toml");
    let baseline = baseline.to_str().unwrap();
    let bad = write(tmp.path(), "bad.toml", "name = \"bad\"\n[run]\nruns = -3\n");
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "run",
            baseline,
            "--runs",
            "512",
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["validate", baseline],
        vec!["validate", bad.to_str().unwrap()],
        vec!["--help"],
        vec!["run", "--help"],
        vec!["run", "--no-such-flag"],
        vec!["run"],
    ];
    for args in &cases {
        let text = output_with_colour_env(args, true, &root());
        assert!(!text.is_empty(), "{args:?} printed nothing");
        assert!(
            !text.contains('\u{1b}'),
            "NO_COLOR=1 realign {args:?} printed an escape sequence:\n{text:?}"
        );
    }
    // The same commands without NO_COLOR may colour (clap's help and errors do, when forced): the check above can
    // see an escape sequence when there is one.
    for args in [vec!["--help"], vec!["run", "--no-such-flag"]] {
        let text = output_with_colour_env(&args, false, &root());
        assert!(
            text.contains('\u{1b}'),
            "CLICOLOR_FORCE=1 realign {args:?} did not colour: {text:?}"
        );
    }
}
