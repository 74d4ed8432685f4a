//! Regressions found in review: each test names the defect it guards.

mod common;

use std::path::{Path, PathBuf};

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

fn refused(args: &[&str], needle: &str) {
    let o = common::realign(args);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let e = common::stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    assert!(e.contains(needle), "expected {needle:?} in:\n{e}");
}

#[test]
fn more_partners_than_the_event_mask_holds_are_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..16)
        .map(|i| format!("[actors.P{i}]\nrole = \"partner\"\n"))
        .collect();
    let f = variant(dir.path(), "many.toml", &body);
    refused(&["validate", f.to_str().unwrap()], "at most 10 partners");
}

#[test]
fn compare_refuses_scenarios_without_shared_months_or_with_the_same_name_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let early = variant(dir.path(), "early.toml", "horizon_months = 3\n")
        .display()
        .to_string();
    let late = common::write(
        dir.path(),
        "late.toml",
        &format!(
            "base = \"{}\"\nname = \"late\"\nstart_month = \"2020-01\"\n",
            common::scenario("baseline.toml").display()
        ),
    );
    refused(
        &["compare", &early, late.to_str().unwrap(), "--runs", "100"],
        "share no month",
    );
    let twin = variant(dir.path(), "twin.toml", "horizon_months = 5\n");
    refused(
        &["compare", &early, twin.to_str().unwrap(), "--runs", "100"],
        "two scenarios are named \"v\"",
    );
}

#[test]
fn a_variants_removals_keep_what_its_base_removed() {
    let dir = tempfile::tempdir().unwrap();
    let rm2 = common::write(
        dir.path(),
        "rm2.toml",
        &format!(
            "base = \"{}\"\nname = \"rm2\"\nremove_actors = [\"Belarus\"]\n",
            common::scenario("armenia.toml").display()
        ),
    );
    let rm3 = common::write(
        dir.path(),
        "rm3.toml",
        "base = \"rm2.toml\"\nname = \"rm3\"\nremove_actors = [\"Kazakhstan\"]\n",
    );
    let s = realign::scenario::Scenario::load(&rm3).unwrap();
    let names: Vec<&str> = s.config.actors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Armenia", "Russia", "Ukraine"]);
    let _ = rm2;
    let none = common::write(
        dir.path(),
        "nobase.toml",
        "name = \"x\"\nremove_actors = [\"Belarus\"]\n",
    );
    refused(
        &["validate", none.to_str().unwrap()],
        "nobase.toml:2:1: remove_actors: removes actors a base declares",
    );
}

#[test]
fn replay_files_with_repeated_months_wild_values_or_no_simulated_month_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, csv, needle) in [
        (
            "dup",
            "month,usd\n2015-01,50\n2015-01,90\n",
            "month 2015-01 appears twice",
        ),
        (
            "wild",
            "month,usd\n2015-01,1000000\n",
            "outside the driver's range [5, 300]",
        ),
        (
            "old",
            "month,usd\n1990-01,20\n",
            "no row falls in the simulated months 2015-01 .. 2017-12",
        ),
    ] {
        common::write(dir.path(), &format!("{name}.csv"), csv);
        let f = variant(
            dir.path(),
            &format!("{name}.toml"),
            &format!("[drivers.oil.replay]\nfile = \"{name}.csv\"\n"),
        );
        refused(&["validate", f.to_str().unwrap()], needle);
    }
}

#[test]
fn sweeps_refuse_band_thresholds_unbalanced_sobol_designs_and_runs_past_the_maximum() {
    let dir = tempfile::tempdir().unwrap();
    let head = format!(
        "name = \"s\"\nbase = \"{}\"\nreplicates = 10\n",
        common::scenario("baseline.toml").display()
    );
    let bands = common::write(
        dir.path(),
        "bands.toml",
        &format!("{head}[[parameters]]\nkey = \"bands.west_max\"\nvalues = [-0.5, 0.0]\n"),
    );
    refused(
        &["sweep", bands.to_str().unwrap()],
        "bands.west_max: cannot be swept",
    );
    let sobol = common::write(
        dir.path(),
        "sobol.toml",
        &format!(
            "{head}[design]\nkind = \"sobol\"\nbase_samples = 17\n[[parameters]]\nkey = \"drivers.west.engagement\"\nlower = 0.1\nupper = 0.9\n"
        ),
    );
    refused(
        &["sweep", sobol.to_str().unwrap()],
        "17 is not a power of two",
    );
    let grid = common::write(
        dir.path(),
        "grid.toml",
        &format!(
            "{head}outcomes = [\"union_fracture\"]\n[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = [40.0]\n"
        ),
    );
    let out = dir.path().join("o");
    common::realign_ok(&[
        "sweep",
        grid.to_str().unwrap(),
        "-q",
        "--precision",
        "0.0001",
        "--max-runs",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(
        csv.lines().nth(1).unwrap().split(',').nth(2),
        Some("1000"),
        "{csv}"
    );
}

#[test]
fn a_parameter_without_effect_is_reported_as_such_not_as_noise() {
    // Under common random numbers a parameter that touches no outcome gives the same estimate at every point.
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "cost.toml",
        &format!(
            "name = \"cost\"\nbase = \"{}\"\nreplicates = 300\noutcomes = [\"union_fracture\"]\n[[parameters]]\nkey = \"patron_capacity.full_cost_bn_usd_per_year\"\nvalues = [4.0, 8.0, 16.0]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out = dir.path().join("o");
    common::realign_ok(&[
        "sweep",
        f.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let a: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
    let oa = &a["outcomes"][0];
    assert_eq!(oa["needs_more_replicates"], false, "{oa}");
    assert!(
        oa["verdict"].as_str().unwrap().starts_with("no effect"),
        "{oa}"
    );
}

#[test]
fn quantile_intervals_hold_a_point_mass() {
    // The patron's alignment is exactly 1 in every run: its quantile intervals must contain 1.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    common::realign_ok(&[
        "run",
        common::scenario("baseline.toml").to_str().unwrap(),
        "-q",
        "--runs",
        "600",
        "--out",
        out.to_str().unwrap(),
    ]);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let russia = s["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Russia")
        .unwrap();
    for (q, e) in russia["alignment"]["quantiles"].as_object().unwrap() {
        assert!(
            e["ci_low"].as_f64().unwrap() <= 1.0 && e["ci_high"].as_f64().unwrap() >= 1.0,
            "{q}: {e}"
        );
    }
}

#[test]
fn run_refuses_runs_together_with_precision() {
    refused(
        &[
            "run",
            common::scenario("baseline.toml").to_str().unwrap(),
            "--runs",
            "100",
            "--precision",
            "0.05",
        ],
        "give --max-runs instead of --runs",
    );
    refused(
        &["claims", "--runs", "18446744073709551615"],
        "--runs and --max-runs must be in [1, 100000000]",
    );
}

#[test]
fn claims_refuse_runs_together_with_precision() {
    // Precision mode decides the runs; a --runs beside it would be silently ignored.
    refused(
        &["claims", "--runs", "100", "--precision", "0.05"],
        "give --max-runs instead of --runs",
    );
}

/// A parameter a schedule or replay overrides cannot be varied: the result would read as its effect while the
/// schedule decides the months it covers (claim A12 on western-engagement.toml fell from +0.555 to +0.058 and still
/// printed HOLDS).
#[test]
fn varying_a_parameter_a_schedule_or_replay_overrides_is_refused() {
    let claims = |scenario: &str| {
        common::realign(&[
            "claims",
            "--scenario",
            common::scenario(scenario).to_str().unwrap(),
            "--runs",
            "64",
            "-q",
        ])
    };
    let o = claims("western-engagement.toml");
    let e = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains(
            "experiments.toml:97:7: drivers.west.engagement: overridden by drivers.west.changes ("
        ) && e.contains("western-engagement.toml:9:")
            && e.contains("in 34 of the 36 simulated months (2015-03 .. 2017-12)"),
        "{e}"
    );
    let o = claims("history-replay.toml");
    let e = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("drivers.oil.long_run_usd_per_bbl: overridden by drivers.oil.replay")
            && e.contains("in 36 of the 36 simulated months (2015-01 .. 2017-12)")
            && e.contains("drivers.rouble.oil_elasticity: overridden by drivers.rouble.replay"),
        "{e}"
    );
    // Sweeps: a listed parameter, and every parameter of [all_parameters] unless excluded.
    let dir = tempfile::tempdir().unwrap();
    let sweep = |name: &str, body: &str| {
        let f = common::write(
            dir.path(),
            name,
            &format!(
                "name = \"s\"\nbase = \"{}\"\nreplicates = 10\n{body}",
                common::scenario("history-replay.toml").display()
            ),
        );
        let o = common::realign(&[
            "sweep",
            f.to_str().unwrap(),
            "-q",
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
        assert!(!dir.path().join("o/sweep.csv").exists());
        common::stderr(&o)
    };
    let e = sweep(
        "grid.toml",
        "[[parameters]]\nkey = \"drivers.oil.volatility_annual\"\nvalues = [0.2, 0.4]\n",
    );
    assert!(
        e.contains(
            "grid.toml:5:7: drivers.oil.volatility_annual: overridden by drivers.oil.replay"
        ),
        "{e}"
    );
    let e = sweep(
        "all.toml",
        "[design]\nkind = \"morris\"\ntrajectories = 4\n[all_parameters]\nrelative = 0.1\n",
    );
    assert!(
        e.contains("all_parameters: drivers.oil.long_run_usd_per_bbl: overridden")
            && e.contains("or add it to all_parameters.exclude"),
        "{e}"
    );
    // Parameters the schedules leave alone may still be varied on the same scenario.
    let ok = common::write(
        dir.path(),
        "ok.toml",
        &format!(
            "name = \"ok\"\nbase = \"{}\"\nreplicates = 10\n[[parameters]]\nkey = \"drivers.west.engagement\"\nvalues = [0.2, 0.6]\n",
            common::scenario("history-replay.toml").display()
        ),
    );
    common::realign_ok(&[
        "sweep",
        ok.to_str().unwrap(),
        "-q",
        "--out",
        dir.path().join("ok").to_str().unwrap(),
    ]);
}

/// Quantiles of oil, the rouble and the capacity index come from histograms whose range follows the scenario: at
/// the edges of every driver parameter's allowed range, each reported quantile's interval holds the exact sample
/// quantile computed from the runs' trajectories (with the rouble starting at 800 the 2017 median used to read 399,
/// the top of a fixed 0..400 range, against a true 698).
#[test]
fn driver_quantiles_hold_the_exact_sample_quantiles_at_every_parameter_edge() {
    let dir = tempfile::tempdir().unwrap();
    let runs = 200usize;
    let edges = [
        (
            "rouble_start_1",
            "[drivers.rouble]\nstart_rub_per_usd = 1.0\n",
        ),
        (
            "rouble_start_1000",
            "[drivers.rouble]\nstart_rub_per_usd = 1000.0\n",
        ),
        ("oil_start_5", "[drivers.oil]\nstart_usd_per_bbl = 5.0\n"),
        (
            "oil_start_300",
            "[drivers.oil]\nstart_usd_per_bbl = 300.0\n",
        ),
        (
            "oil_long_run_5",
            "[drivers.oil]\nlong_run_usd_per_bbl = 5.0\n",
        ),
        (
            "oil_long_run_300",
            "[drivers.oil]\nlong_run_usd_per_bbl = 300.0\nhalf_life_months = 0.5\n",
        ),
        (
            "oil_wild",
            "[drivers.oil]\nvolatility_annual = 2.0\nhalf_life_months = 600.0\n",
        ),
        ("oil_still", "[drivers.oil]\nvolatility_annual = 0.0\n"),
        (
            "rouble_wild",
            "[drivers.rouble]\nvolatility_annual = 2.0\nstabilisation_per_month = 0.0\noil_elasticity = 3.0\n",
        ),
        (
            "rouble_pegged",
            "[drivers.rouble]\noil_elasticity = 0.0\nvolatility_annual = 0.0\n",
        ),
    ];
    for (name, body) in edges {
        let f = common::write(
            dir.path(),
            &format!("{name}.toml"),
            &format!(
                "name = \"{name}\"\nbase = \"{}\"\n{body}",
                common::scenario("baseline.toml").display()
            ),
        );
        let out = dir.path().join(name);
        common::realign_ok(&[
            "run",
            f.to_str().unwrap(),
            "-q",
            "--runs",
            &runs.to_string(),
            "--trajectories",
            &runs.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let trajectories = std::fs::read_to_string(out.join("trajectories.csv")).unwrap();
        let timeseries = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        for metric in ["oil_usd_per_bbl", "rub_per_usd", "capacity_index"] {
            for month in ["2015-01", "2015-12", "2017-12"] {
                let mut values: Vec<f64> = trajectories
                    .lines()
                    .map(|l| l.split(',').collect::<Vec<_>>())
                    .filter(|c| c[2] == month && c[4] == metric)
                    .map(|c| c[5].parse().unwrap())
                    .collect();
                assert_eq!(values.len(), runs, "{name} {metric} {month}");
                values.sort_by(f64::total_cmp);
                for (q, stat) in [(0.05, "q05"), (0.5, "q50"), (0.95, "q95")] {
                    let row: Vec<f64> = timeseries
                        .lines()
                        .map(|l| l.split(',').collect::<Vec<_>>())
                        .find(|c| c[1] == month && c[3] == metric && c[4] == stat)
                        .unwrap_or_else(|| panic!("{name}: no {stat} of {metric} in {month}"))
                        [5..8]
                        .iter()
                        .map(|v| v.parse().unwrap())
                        .collect();
                    let (value, lo, hi) = (row[0], row[1], row[2]);
                    // The order statistic at rank ceil(n q); the files round to 6 decimals.
                    let exact = values[((runs as f64 * q).ceil() as usize).max(1) - 1];
                    let slack = 1e-6 + 1e-9 * exact.abs();
                    assert!(
                        lo - slack <= exact && exact <= hi + slack && lo <= value && value <= hi,
                        "{name}: {metric} {stat} in {month}: reported {value} [{lo}, {hi}], exact {exact}"
                    );
                }
            }
        }
    }
}

/// Claims on an event report Newcombe's paired score interval, which never has zero width: the normal interval
/// of the mean per-run difference gave a zero-width interval whenever no run differed (16% of intervals at 30
/// runs), and a verdict on it.
#[test]
fn event_claims_at_small_counts_never_report_a_zero_width_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = common::realign(&[
        "claims",
        "--runs",
        "8",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        common::stderr(&o)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("claims.json")).unwrap()).unwrap();
    let mut events = 0;
    for r in json["results"].as_array().unwrap() {
        if r["outcome"].as_str().unwrap().starts_with("alignment:") {
            continue;
        }
        events += 1;
        let e = &r["effect"];
        let (lo, hi) = (
            e["ci_low"].as_f64().unwrap(),
            e["ci_high"].as_f64().unwrap(),
        );
        assert!(hi - lo > 0.05, "{}: [{lo}, {hi}] at 8 runs", r["id"]);
        for arm in ["from_arm", "to_arm"] {
            let a = &r[arm];
            assert!(
                a["ci_low"].as_f64().unwrap() >= 0.0 && a["ci_high"].as_f64().unwrap() <= 1.0,
                "{}: {arm} is a proportion",
                r["id"]
            );
        }
    }
    assert!(events >= 3, "the shipped claims have event outcomes");
}

/// An oil shock scheduled in a month the oil replay covers would be dropped without a word (the replayed price
/// decides the month): refused, naming the replay's line.
#[test]
fn an_oil_shock_in_a_replayed_month_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::write(
        dir.path(),
        "shock.toml",
        &format!(
            "name = \"shock\"\nbase = \"{}\"\n[[drivers.oil.shocks]]\nmonth = \"2015-06\"\nfactor = 0.5\n",
            common::scenario("history-replay.toml").display()
        ),
    );
    let o = common::realign(&["validate", f.to_str().unwrap()]);
    let e = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("drivers.oil.shocks: a shock in 2015-06, a month the oil replay (")
            && e.contains("history-replay.toml:8:"),
        "{e}"
    );
}

/// Sensitivity indices carry the replicates' luck: across sweeps that differ only in their seed (so in every
/// replicate's streams), each seed's interval holds the indices' mean over the seeds. Leaving the luck out, the
/// README's "engagement explains 42% of the ceasefire's variance" was the highest of 10 seeds (mean 36%).
#[test]
fn sobol_intervals_hold_the_indices_of_other_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let template = std::fs::read_to_string(common::root().join("tests/golden/sobol-small.toml"))
        .unwrap()
        .replace(
            "../../scenarios/baseline.toml",
            &common::scenario("baseline.toml").display().to_string(),
        );
    let seeds = 8;
    // [seed][outcome][parameter] -> (first, first interval, total, total interval)
    let mut all = Vec::new();
    for seed in 0..seeds {
        let f = common::write(
            dir.path(),
            &format!("s{seed}.toml"),
            // Many rows and few replicates: the replicates' luck, not the rows, decides the intervals' width. Model 2
            // moves alignment in spells (a line is re-chosen only when its spell ends), so with 16 replicates one seed
            // in eight (104) had no replicate whose Kazakhstan alignment depended on oil or engagement: the outcome was
            // the same at every point and every interval [0, 0], luck a bootstrap over replicates cannot show (as 0 of
            // 16 cannot); 54 of 64 held. With 32, every seed sees such replicates (62 of 64 held).
            &template
                .replace(
                    "replicates = 32",
                    &format!("replicates = 32\nseed = {}", 100 + seed),
                )
                .replace("base_samples = 16", "base_samples = 128"),
        );
        let out = dir.path().join(format!("o{seed}"));
        common::realign_ok(&[
            "sweep",
            f.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]);
        let a: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
        let mut per_outcome = Vec::new();
        for o in a["outcomes"].as_array().unwrap() {
            let mut rows: Vec<_> = o["sobol"].as_array().unwrap().clone();
            rows.sort_by_key(|r| r["parameter"].as_str().unwrap().to_string());
            let get = |r: &serde_json::Value, k: &str| {
                let i = &r[k];
                [
                    i["value"].as_f64().unwrap(),
                    i["ci_low"].as_f64().unwrap(),
                    i["ci_high"].as_f64().unwrap(),
                ]
            };
            per_outcome.push(
                rows.iter()
                    .map(|r| [get(r, "first_order"), get(r, "total")])
                    .collect::<Vec<_>>(),
            );
        }
        all.push(per_outcome);
    }
    let (mut held, mut cases) = (0, 0);
    for o in 0..all[0].len() {
        for p in 0..all[0][o].len() {
            for which in 0..2 {
                let mean = all.iter().map(|s| s[o][p][which][0]).sum::<f64>() / seeds as f64;
                for s in &all {
                    let [_, lo, hi] = s[o][p][which];
                    cases += 1;
                    held += usize::from(lo <= mean && mean <= hi);
                }
            }
        }
    }
    let share = held as f64 / cases as f64;
    eprintln!("intervals holding the mean over seeds: {held} of {cases}");
    assert!(share >= 0.9, "{held} of {cases}");
}

/// With fewer replicates a point than replicate groups, the indices' intervals cannot carry the replicates' luck:
/// the analysis says so rather than print them as if they did.
#[test]
fn index_intervals_without_the_replicates_luck_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::root().join("tests/golden/morris-small.toml"))
        .unwrap()
        .replace(
            "../../scenarios/baseline.toml",
            &common::scenario("baseline.toml").display().to_string(),
        )
        .replace("replicates = 64", "replicates = 4");
    let f = common::write(dir.path(), "few.toml", &text);
    let out = dir.path().join("o");
    common::realign_ok(&[
        "sweep",
        f.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let a = std::fs::read_to_string(out.join("analysis.json")).unwrap();
    assert!(
        a.contains("leave out the replicates' luck: a point needs at least 8 replicates"),
        "{a}"
    );
}
