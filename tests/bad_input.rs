//! Bad input is refused before anything runs: the real binary exits with status 2, does not panic, writes nothing,
//! and says which file, line:column and key path is wrong and what is allowed there.
//!
//! Most cases are a variant of the baseline with one bad line at a known place: line 1 bases it on
//! `scenarios/baseline.toml` (by absolute path), line 2 names it, and the body starts on line 3.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

/// Writes `file` into `dir`: a variant of the baseline whose `body` starts on line 3.
fn variant(dir: &Path, file: &str, body: &str) -> PathBuf {
    common::write(
        dir,
        file,
        &format!(
            "base = \"{}\"\nname = \"variant\"\n{body}",
            common::scenario("baseline.toml").display()
        ),
    )
}

/// `FILE:LINE:COL: ` as the binary prints it for `file`.
fn at(file: &Path, line: usize, col: usize) -> String {
    format!("{}:{line}:{col}: ", file.display())
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Asserts that `out` is a refusal: exit status 2 and no panic. Returns stderr.
fn refusal(out: &Output, what: &str) -> String {
    let err = common::stderr(out);
    assert!(!err.contains("panicked"), "{what} panicked:\n{err}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit status 2\nstderr:\n{err}\nstdout:\n{}",
        common::stdout(out)
    );
    err
}

/// `realign validate FILE` refuses `file`; returns stderr.
fn validate_refuses(file: &Path) -> String {
    let out = common::realign(&["validate", arg(file)]);
    let err = refusal(&out, &format!("validate {}", file.display()));
    assert!(
        err.contains("1 of 1 scenario file(s) invalid"),
        "validate does not count the invalid file:\n{err}"
    );
    err
}

/// `realign run FILE --out DIR` refuses `file` and writes nothing into DIR; returns stderr.
fn run_refuses(dir: &Path, file: &Path) -> String {
    let out_dir = dir.join("run-out");
    // `--runs 1` keeps a regression (a bad file accepted) from running a full ensemble.
    let out = common::realign(&[
        "run",
        arg(file),
        "-q",
        "--runs",
        "1",
        "--out",
        arg(&out_dir),
    ]);
    let err = refusal(&out, &format!("run {}", file.display()));
    nothing_ran(&out_dir);
    err
}

fn nothing_ran(out_dir: &Path) {
    assert!(
        !out_dir.join("summary.json").exists() && !out_dir.join("manifest.json").exists(),
        "something ran into {}",
        out_dir.display()
    );
}

/// Both `validate` and `run` refuse `file`, and both messages contain every one of `parts`.
fn refused(dir: &Path, file: &Path, parts: &[&str]) -> String {
    let v = validate_refuses(file);
    expect(&v, parts);
    let r = run_refuses(dir, file);
    expect(&r, parts);
    v
}

fn expect(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in:\n{err}");
    }
}

/// The message shows the source line and a caret under column `col`.
fn expect_caret(err: &str, line: usize, source: &str, col: usize) {
    let gutter = line.to_string();
    let shown = format!(
        "{gutter} | {source}\n{} | {}^",
        " ".repeat(gutter.len()),
        " ".repeat(col - 1)
    );
    assert!(err.contains(&shown), "expected\n{shown}\nin:\n{err}");
}

#[test]
fn malformed_toml_is_refused_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "syntax.toml",
        "[drivers.oil\nlong_run_usd_per_bbl = 70\n",
    );
    let e = refused(
        dir.path(),
        &f,
        &[&format!("{}TOML syntax: unclosed table", at(&f, 3, 13))],
    );
    expect_caret(&e, 3, "[drivers.oil", 13);
}

#[test]
fn a_string_where_a_number_is_expected_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "string.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = \"seventy\"\n",
    );
    let e = refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.oil.long_run_usd_per_bbl: must be a number, found a string",
            at(&f, 4, 24)
        )],
    );
    expect_caret(&e, 4, "long_run_usd_per_bbl = \"seventy\"", 24);
}

#[test]
fn a_number_where_a_boolean_is_expected_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "bool.toml",
        "[actors.Belarus]\nrecognises_crimea = 1\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors.Belarus.recognises_crimea: must be true or false, found an integer",
            at(&f, 4, 21)
        )],
    );
}

#[test]
fn an_out_of_range_parameter_names_the_allowed_range() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "oil.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = 900\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.oil.long_run_usd_per_bbl: 900 is out of range: must be in [5, 300]",
            at(&f, 4, 24)
        )],
    );
}

#[test]
fn an_out_of_range_actor_attribute_names_the_allowed_range() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "dependence.toml",
        "[actors.Belarus]\ndependence = 1.5\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors.Belarus.dependence: 1.5 is out of range: must be in [0, 1]",
            at(&f, 4, 14)
        )],
    );
}

#[test]
fn a_misspelt_key_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "typo.toml",
        "[drivers.oil]\nhalf_lfe_months = 3\n",
    );
    let e = refused(
        dir.path(),
        &f,
        &[
            &format!(
                "{}drivers.oil.half_lfe_months: unknown key (did you mean `half_life_months`?)",
                at(&f, 4, 1)
            ),
            "allowed here: start_usd_per_bbl, long_run_usd_per_bbl, half_life_months",
        ],
    );
    expect_caret(&e, 4, "half_lfe_months = 3", 1);
}

#[test]
fn an_unknown_top_level_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "table.toml",
        "[drivrs.oil]\nlong_run_usd_per_bbl = 70\n",
    );
    refused(
        dir.path(),
        &f,
        &[
            &format!(
                "{}drivrs: unknown key (did you mean `drivers`?)",
                at(&f, 3, 2)
            ),
            "allowed here: ",
            "actors",
        ],
    );
}

#[test]
fn a_missing_base_file_names_the_key_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "orphan.toml",
        "name = \"orphan\"\nbase = \"nope.toml\"\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}base: base scenario {} does not exist",
            at(&f, 2, 8),
            dir.path().join("nope.toml").display()
        )],
    );
}

#[test]
fn a_cycle_of_bases_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = common::write(dir.path(), "a.toml", "name = \"a\"\nbase = \"b.toml\"\n");
    let b = common::write(dir.path(), "b.toml", "name = \"b\"\nbase = \"a.toml\"\n");
    // Loading a reads b, whose base (a) is already in the chain: the error is at b's `base`.
    refused(
        dir.path(),
        &a,
        &[&format!(
            "{}base: {} is already in this scenario's chain of bases (a cycle)",
            at(&b, 2, 8),
            a.display()
        )],
    );
    // A file that is its own base.
    let s = common::write(
        dir.path(),
        "self.toml",
        "name = \"s\"\nbase = \"self.toml\"\n",
    );
    refused(
        dir.path(),
        &s,
        &[&format!("{}base: ", at(&s, 2, 8)), "(a cycle)"],
    );
}

#[test]
fn an_unknown_actor_role_lists_the_roles() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "role.toml",
        "[actors.Armenia]\nrole = \"ally\"\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors.Armenia.role: unknown role \"ally\"; roles: patron, partner, contested",
            at(&f, 4, 8)
        )],
    );
}

#[test]
fn an_attribute_of_another_role_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "stance.toml",
        "[actors.Belarus]\nstance = 0.5\n",
    );
    refused(
        dir.path(),
        &f,
        &[
            &format!(
                "{}actors.Belarus.stance: `stance` is not an attribute of a partner",
                at(&f, 4, 1)
            ),
            "allowed here: role, sources, alignment, dependence",
        ],
    );
}

/// A whole scenario (no base) with these actors; `[actors.FIRST]` is on line 2.
fn actor_set(dir: &Path, file: &str, actors: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("name = \"set\"\n");
    for (name, role) in actors {
        text.push_str(&format!("[actors.{name}]\nrole = \"{role}\"\n"));
    }
    common::write(dir, file, &text)
}

#[test]
fn two_patrons_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = actor_set(
        dir.path(),
        "two.toml",
        &[
            ("Russia", "patron"),
            ("Turkey", "patron"),
            ("Belarus", "partner"),
            ("Ukraine", "contested"),
        ],
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors: needs exactly one patron, exactly one contested state and at least one partner; found 2 patron, 1 partner(s), 1 contested",
            at(&f, 2, 2)
        )],
    );
    // The same through a variant of the baseline.
    let v = variant(
        dir.path(),
        "two-variant.toml",
        "[actors.Turkey]\nrole = \"patron\"\n",
    );
    refused(
        dir.path(),
        &v,
        &[
            ": actors: needs exactly one patron",
            "found 2 patron, 2 partner(s), 1 contested",
        ],
    );
}

#[test]
fn a_scenario_without_a_contested_state_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = actor_set(
        dir.path(),
        "none.toml",
        &[("Russia", "patron"), ("Belarus", "partner")],
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors: needs exactly one patron, exactly one contested state and at least one partner; found 1 patron, 1 partner(s), 0 contested",
            at(&f, 2, 2)
        )],
    );
    let v = variant(
        dir.path(),
        "removed.toml",
        "remove_actors = [\"Ukraine\"]\n",
    );
    refused(
        dir.path(),
        &v,
        &[": actors: needs exactly one patron", "0 contested"],
    );
}

#[test]
fn scenario_names_that_would_write_outside_the_output_folder_are_refused() {
    for bad in ["../evil", "a/b", "/abs", "..", "a.b"] {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("cwd");
        std::fs::create_dir(&cwd).unwrap();
        let f = common::write(
            dir.path(),
            "name.toml",
            &format!(
                "base = \"{}\"\nname = \"{bad}\"\n",
                common::scenario("baseline.toml").display()
            ),
        );
        let message = format!(
            "{}name: {bad:?} is not allowed: a scenario name is 1 to 64 letters, digits, '-' or '_'",
            at(&f, 2, 8)
        );
        expect(&validate_refuses(&f), &[&message]);

        let abs_existed = Path::new("/abs").exists();
        // No --out: the default output/<name> under the working folder would be used.
        let out = common::realign_in(&cwd, &["run", arg(&f), "-q", "--runs", "1"]);
        expect(
            &refusal(&out, &format!("run with name {bad:?}")),
            &[&message],
        );

        // Nothing was created: not in the working folder, not beside it, not at the root.
        let mut entries: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        entries.sort();
        assert_eq!(entries, ["cwd", "name.toml"], "name {bad:?}");
        assert!(
            std::fs::read_dir(&cwd).unwrap().next().is_none(),
            "something was written into the working folder for name {bad:?}"
        );
        if !abs_existed {
            assert!(!Path::new("/abs").exists(), "name {bad:?} created /abs");
        }
    }
}

#[test]
fn a_schedule_month_outside_the_simulated_months_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "late.toml",
        "[[drivers.oil.shocks]]\nmonth = \"2019-01\"\nfactor = 0.5\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.oil.shocks[0].month: 2019-01 is outside the simulated months 2015-01 .. 2017-12",
            at(&f, 4, 9)
        )],
    );
}

#[test]
fn a_malformed_month_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "month.toml",
        "[[drivers.oil.shocks]]\nmonth = \"2015-13\"\nfactor = 0.5\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.oil.shocks[0].month: \"2015-13\" is not a month: write it as \"YYYY-MM\"",
            at(&f, 4, 9)
        )],
    );
}

#[test]
fn an_unknown_claim_id_in_sources_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "claim.toml",
        "[actors.Belarus.sources]\nthreat = \"Z99\"\n",
    );
    refused(
        dir.path(),
        &f,
        &[
            &format!(
                "{}actors.Belarus.sources.threat: \"Z99\" is not an evidence id",
                at(&f, 4, 10)
            ),
            "\"data: FILE ROWS\" or \"assumption: REASON\"",
        ],
    );
}

#[test]
fn a_missing_replay_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "replay.toml",
        "[drivers.oil.replay]\nfile = \"no-such.csv\"\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.oil.replay.file: {}",
            at(&f, 4, 8),
            dir.path().join("no-such.csv").display()
        )],
    );
}

#[test]
fn a_toml_date_literal_is_explained_as_a_quoted_month() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "date.toml",
        "[[drivers.west.changes]]\nmonth = 2015-06-01\nengagement = 0.8\n",
    );
    let e = refused(
        dir.path(),
        &f,
        &[
            &at(&f, 4, 9),
            "month: dates are written as quoted strings such as \"2015-06\", found the TOML date 2015-06-01",
        ],
    );
    expect_caret(&e, 4, "month = 2015-06-01", 9);
    // At the top level the key path is the key itself.
    let f = variant(dir.path(), "start.toml", "start_month = 2015-01-01\n");
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}start_month: dates are written as quoted strings",
            at(&f, 3, 15)
        )],
    );
}

/// Every other message names the full key path; a date literal inside a table names only its leaf key.
#[test]
fn a_toml_date_literal_names_its_full_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "date.toml",
        "[[drivers.west.changes]]\nmonth = 2015-06-01\nengagement = 0.8\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}drivers.west.changes[0].month: dates are written as quoted strings",
            at(&f, 4, 9)
        )],
    );
}

#[test]
fn several_problems_in_one_file_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "many.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = 900\nhalf_lfe_months = 3\n[actors.Belarus]\ndependence = -1\n",
    );
    refused(
        dir.path(),
        &f,
        &[
            &format!(
                "{}drivers.oil.long_run_usd_per_bbl: 900 is out of range",
                at(&f, 4, 24)
            ),
            &format!("{}drivers.oil.half_lfe_months: unknown key", at(&f, 5, 1)),
            &format!(
                "{}actors.Belarus.dependence: -1 is out of range",
                at(&f, 7, 14)
            ),
            "\n3 problems found",
        ],
    );
}

#[test]
fn run_on_a_file_that_does_not_exist_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.toml");
    let message = format!("{}: cannot read scenario", missing.display());
    expect(&run_refuses(dir.path(), &missing), &[&message]);
    expect(&validate_refuses(&missing), &[&message]);
}

#[test]
fn zero_runs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = common::realign(&[
        "run",
        arg(&common::scenario("baseline.toml")),
        "-q",
        "--runs",
        "0",
        "--out",
        arg(&out_dir),
    ]);
    expect(
        &refusal(&out, "run --runs 0"),
        &["--runs must be in [1, 100000000]"],
    );
    nothing_ran(&out_dir);
    assert!(!out_dir.exists(), "--runs 0 created {}", out_dir.display());
}

#[test]
fn actor_names_that_could_carry_markup_or_paths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "actor.toml",
        "[actors.\"<script>\"]\nrole = \"partner\"\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}actors.<script>: an actor name is 1 to 40 characters",
            at(&f, 3, 9)
        )],
    );
}

#[test]
fn cross_parameter_checks_point_at_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "bands.toml",
        "[bands]\nwest_max = 0.0\nrussia_min = 0.0\n",
    );
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}bands: bands.west_max must be below bands.russia_min",
            at(&f, 4, 12)
        )],
    );
    let f = variant(dir.path(), "horizon.toml", "horizon_months = 12.5\n");
    refused(
        dir.path(),
        &f,
        &[&format!(
            "{}horizon_months: 12.5 is out of range: must be a whole number in [1, 240]",
            at(&f, 3, 18)
        )],
    );
}

#[test]
fn unparsable_arguments_exit_2() {
    let o = common::realign(&[
        "run",
        common::scenario("baseline.toml").to_str().unwrap(),
        "--threads",
        "many",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = common::realign(&[
        "sweep",
        "scenarios/sweeps/oil-x-elasticity.toml",
        "--shard",
        "4/4",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("--shard \"4/4\""),
        "{}",
        common::stderr(&o)
    );
}

/// Sweep and claims files are read by the scenario's reader: a misspelt key gets the same "did you mean".
#[test]
fn a_misspelt_key_in_a_sweep_file_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "typo-sweep.toml",
        &format!(
            "name = \"typo\"\nbase = \"{}\"\nreplicatse = 10\n[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.5]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out_dir = dir.path().join("sweep-out");
    let out = common::realign(&["sweep", arg(&f), "-q", "--out", arg(&out_dir)]);
    let e = refusal(&out, "sweep with a misspelt key");
    expect(
        &e,
        &[&format!(
            "{}replicatse: unknown key (did you mean `replicates`?); allowed here: name, description, base, replicates, seed, outcomes, design, parameters, all_parameters",
            at(&f, 3, 1)
        )],
    );
    expect_caret(&e, 3, "replicatse = 10", 1);
    assert!(
        !out_dir.join("sweep.csv").exists(),
        "a refused sweep wrote results"
    );
}

#[test]
fn a_misspelt_key_in_a_claims_file_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "typo-claims.toml",
        &format!(
            "scenario = \"{}\"\n[[experiment]]\nid = \"x\"\nclaim = \"A09\"\nstatment = \"s\"\noutcome = \"union_fracture\"\nexpect = \"increase\"\n[[experiment.change]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nfrom = 40.0\nto = 80.0\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out_dir = dir.path().join("claims-out");
    let out = common::realign(&["claims", arg(&f), "-q", "--out", arg(&out_dir)]);
    let e = refusal(&out, "claims with a misspelt key");
    expect(
        &e,
        &[&format!(
            "{}experiment[0].statment: unknown key (did you mean `statement`?); allowed here: id, claim, statement, outcome, expect, change",
            at(&f, 5, 1)
        )],
    );
    expect_caret(&e, 5, "statment = \"s\"", 1);
    assert!(!out_dir.exists(), "a refused claims file wrote results");
}

#[test]
fn a_calendar_event_outside_the_simulated_months_is_refused_where_the_file_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "late.toml",
        "[[calendar]]\nmonth = \"2030-01\"\nkind = \"enlargement\"\n",
    );
    refused(
        dir.path(),
        &f,
        &["calendar[0].month: 2030-01 is outside the simulated months 2015-01 .. 2017-12"],
    );
    // An entry inherited from the base outside a shorter horizon simply does not happen.
    let short = variant(dir.path(), "short.toml", "horizon_months = 3\n");
    let o = common::realign(&["validate", short.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
}
