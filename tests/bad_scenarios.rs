//! Bad input is refused before anything runs: exit status 2, no panic, and a message with file, line:column, key
//! path and what is allowed. Each case is a short variant of the baseline with one bad line at a known place.

mod common;

use std::path::{Path, PathBuf};

/// Writes `name` with a header that bases it on the baseline (line 1) and names it (line 2); `body` starts on
/// line 3.
fn variant(dir: &Path, name: &str, body: &str) -> PathBuf {
    common::write(
        dir,
        name,
        &format!(
            "base = \"{}\"\nname = \"v\"\n{body}",
            common::scenario("baseline.toml").display()
        ),
    )
}

/// `realign validate` and `realign run` both refuse `file`; returns stderr of validate.
fn refused(dir: &Path, file: &Path) -> String {
    let v = common::realign(&["validate", file.to_str().unwrap()]);
    assert_eq!(
        v.status.code(),
        Some(2),
        "validate accepted {}",
        file.display()
    );
    let err = common::stderr(&v);
    assert!(!err.contains("panicked"), "{err}");
    let out = dir.join("out");
    let r = common::realign(&[
        "run",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(!common::stderr(&r).contains("panicked"));
    assert!(
        !out.join("summary.json").exists() && !out.join("manifest.json").exists(),
        "something ran"
    );
    err
}

fn expect(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in:\n{err}");
    }
}

#[test]
fn malformed_toml_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "syntax.toml",
        "[drivers.oil\nlong_run_usd_per_bbl = 70\n",
    );
    let e = refused(dir.path(), &f);
    expect(&e, &["syntax.toml:3:", "TOML syntax"]);
}

#[test]
fn wrong_types_are_named_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "type.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = \"seventy\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["type.toml:4:24: drivers.oil.long_run_usd_per_bbl: must be a number, found a string"],
    );
    let f = variant(
        dir.path(),
        "bool.toml",
        "[actors.Belarus]\nrecognises_crimea = 1\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["bool.toml:4:21: actors.Belarus.recognises_crimea: must be true or false"],
    );
}

#[test]
fn out_of_range_values_give_the_allowed_range() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "range.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = 900\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "range.toml:4:24: drivers.oil.long_run_usd_per_bbl: 900 is out of range: must be in [5, 300] (USD/bbl)",
        ],
    );
    let f = variant(
        dir.path(),
        "attr.toml",
        "[actors.Belarus]\ndependence = 1.5\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["attr.toml:4:14: actors.Belarus.dependence: 1.5 is out of range: must be in [0, 1]"],
    );
    let f = variant(dir.path(), "horizon.toml", "horizon_months = 12.5\n");
    expect(
        &refused(dir.path(), &f),
        &[
            "horizon.toml:3:18: horizon_months: 12.5 is out of range: must be a whole number in [1, 240]",
        ],
    );
}

#[test]
fn misspelt_and_unknown_keys_are_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "typo.toml",
        "[drivers.oil]\nhalf_lfe_months = 3\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "typo.toml:4:1: drivers.oil.half_lfe_months: unknown key (did you mean `half_life_months`?)",
            "allowed here: start_usd_per_bbl",
        ],
    );
    let f = variant(
        dir.path(),
        "table.toml",
        "[drivrs.oil]\nlong_run_usd_per_bbl = 70\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["table.toml:3:2: drivrs: unknown key (did you mean `drivers`?)"],
    );
}

#[test]
fn a_missing_base_and_a_cycle_of_bases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "orphan.toml",
        "name = \"orphan\"\nbase = \"nope.toml\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "orphan.toml:2:8: base: base scenario",
            "nope.toml does not exist",
        ],
    );
    common::write(dir.path(), "a.toml", "name = \"a\"\nbase = \"b.toml\"\n");
    let b = common::write(dir.path(), "b.toml", "name = \"b\"\nbase = \"a.toml\"\n");
    expect(
        &refused(dir.path(), &b),
        &["a.toml:2:8: base:", "(a cycle)"],
    );
}

#[test]
fn roles_and_actor_sets_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "role.toml",
        "[actors.Armenia]\nrole = \"ally\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "role.toml:4:8: actors.Armenia.role: unknown role \"ally\"; roles: patron, partner, contested",
        ],
    );
    let f = variant(
        dir.path(),
        "attr_role.toml",
        "[actors.Belarus]\nstance = 0.5\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["attr_role.toml:4:1: actors.Belarus.stance: `stance` is not an attribute of a partner"],
    );
    let f = variant(
        dir.path(),
        "two.toml",
        "[actors.Turkey]\nrole = \"patron\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["actors: needs exactly one patron", "found 2 patron"],
    );
    let f = variant(dir.path(), "none.toml", "remove_actors = [\"Ukraine\"]\n");
    expect(&refused(dir.path(), &f), &["0 contested"]);
    let f = variant(
        dir.path(),
        "missing.toml",
        "remove_actors = [\"Georgia\"]\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["missing.toml:3:18: remove_actors: no actor named \"Georgia\""],
    );
}

#[test]
fn names_that_would_leave_the_output_folder_are_refused() {
    for bad in ["../evil", "a/b", "/abs", "..", "a.b", "", "x\\\\y"] {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("cwd");
        std::fs::create_dir_all(&cwd).unwrap();
        let f = common::write(
            dir.path(),
            "name.toml",
            &format!(
                "base = \"{}\"\nname = \"{bad}\"\n",
                common::scenario("baseline.toml").display()
            ),
        );
        let o = common::realign_in(&cwd, &["run", f.to_str().unwrap(), "-q"]);
        assert_eq!(o.status.code(), Some(2), "name {bad:?} accepted");
        expect(
            &common::stderr(&o),
            &["name.toml:2:8: name:", "is not allowed"],
        );
        // Nothing was created anywhere: not the default output folder, not a sibling of the working folder.
        let entries: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert!(
            std::fs::read_dir(&cwd).unwrap().next().is_none(),
            "something was written for {bad:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "actor.toml",
        "[actors.\"<script>\"]\nrole = \"partner\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["actor.toml:3:9: actors.<script>: an actor name is 1 to 40 characters"],
    );
}

#[test]
fn schedule_months_and_dates_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "late.toml",
        "[[drivers.oil.shocks]]\nmonth = \"2019-01\"\nfactor = 0.5\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "late.toml:4:9: drivers.oil.shocks[0].month: 2019-01 is outside the simulated months 2015-01 .. 2017-12",
        ],
    );
    let f = variant(
        dir.path(),
        "month.toml",
        "[[drivers.oil.shocks]]\nmonth = \"2015-13\"\nfactor = 0.5\n",
    );
    expect(
        &refused(dir.path(), &f),
        &[
            "month.toml:4:9: drivers.oil.shocks[0].month: \"2015-13\" is not a month: write it as \"YYYY-MM\"",
        ],
    );
    let f = variant(
        dir.path(),
        "date.toml",
        "[[drivers.west.changes]]\nmonth = 2015-06-01\nengagement = 0.8\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["date.toml:4:9:", "dates are written as quoted strings"],
    );
}

#[test]
fn provenance_and_replay_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "claim.toml",
        "[actors.Belarus.sources]\nthreat = \"Z99\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["claim.toml:4:10: actors.Belarus.sources.threat: \"Z99\" is not a claim id"],
    );
    let f = variant(
        dir.path(),
        "replay.toml",
        "[drivers.oil.replay]\nfile = \"no-such.csv\"\n",
    );
    expect(
        &refused(dir.path(), &f),
        &["replay.toml:4:8: drivers.oil.replay.file:", "no-such.csv"],
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        "many.toml",
        "[drivers.oil]\nlong_run_usd_per_bbl = 900\nhalf_lfe_months = 3\n[actors.Belarus]\ndependence = -1\n",
    );
    let e = refused(dir.path(), &f);
    expect(
        &e,
        &[
            "many.toml:4:24",
            "many.toml:5:1",
            "many.toml:7:14",
            "3 problems found",
        ],
    );
}

#[test]
fn missing_files_and_bad_arguments_exit_2() {
    let o = common::realign(&["run", "/no/such/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    expect(
        &common::stderr(&o),
        &["/no/such/scenario.toml: cannot read scenario"],
    );
    let o = common::realign(&[
        "run",
        common::scenario("baseline.toml").to_str().unwrap(),
        "--runs",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    expect(&common::stderr(&o), &["--runs must be in [1, 100000000]"]);
    let o = common::realign(&[
        "run",
        common::scenario("baseline.toml").to_str().unwrap(),
        "--threads",
        "many",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
