//! Scenario discovery (`realign discover`): PRIM recovers a known box from a synthetic sweep, noise-free and with
//! replicate noise (where the box's bootstrap intervals must cover the true coverage and density), and the command
//! runs end to end on a real small sweep, refusing bad input with exit status 2.

mod common;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realign::discover::{self, Direction, Point, Table};
use realign::stats::Interval;

/// The true box on the unit square: p1 in [0.6, 1], p2 in [0, 0.3].
fn in_true_box(x: &[f64]) -> bool {
    x[0] >= 0.6 - 1e-9 && x[1] <= 0.3 + 1e-9
}

/// A 21 x 21 grid on the unit square (step 0.05): 63 of its 441 points lie in the true box.
fn grid() -> Vec<Vec<f64>> {
    (0..21)
        .flat_map(|i| (0..21).map(move |j| vec![i as f64 * 0.05, j as f64 * 0.05]))
        .collect()
}

fn table(points: Vec<Point>) -> Table {
    Table {
        sweep: "synthetic".into(),
        seed: 7,
        parameters: vec!["p1".into(), "p2".into()],
        outcome: "event".into(),
        probability: true,
        points,
    }
}

/// Each bound of the found box within 0.1 of the true box's.
fn assert_recovers(d: &discover::Discovery) {
    let truth = [(0.6, 1.0), (0.0, 0.3)];
    for (l, t) in d.limits.iter().zip(truth) {
        assert!(
            (l.lower - t.0).abs() <= 0.1 && (l.upper - t.1).abs() <= 0.1,
            "{}: found [{}, {}], true [{}, {}]",
            l.parameter,
            l.lower,
            l.upper,
            t.0,
            t.1
        );
    }
    assert!(d.limits.iter().all(|l| l.restricted));
}

#[test]
fn prim_recovers_a_known_box_without_noise() {
    // Outcome exactly 0.9 inside the box and 0.05 outside, with zero-width intervals: weights are 1 and 0.
    let points = grid()
        .into_iter()
        .map(|x| {
            let v = if in_true_box(&x) { 0.9 } else { 0.05 };
            Point {
                values: x,
                estimate: Interval {
                    value: v,
                    ci_low: v,
                    ci_high: v,
                },
                replicates: 1,
            }
        })
        .collect();
    let d = discover::discover(&table(points), Direction::Above, 0.5, None).unwrap();
    assert_recovers(&d);
    assert!(d.density.value >= 0.8, "density {}", d.density.value);
    assert!(d.coverage.value >= 0.8, "coverage {}", d.coverage.value);
}

#[test]
fn with_replicate_noise_the_box_is_recovered_and_its_intervals_cover_the_truth() {
    // True event probability 0.6 inside the box and 0.15 outside, estimated from 100 replicates per point
    // (binomial draws, fixed seed) with Wilson intervals; cases of interest: true probability above 0.35.
    let mut rng = ChaCha8Rng::seed_from_u64(2014);
    let runs = 100u64;
    let xs = grid();
    let points: Vec<Point> = xs
        .iter()
        .map(|x| {
            let p = if in_true_box(x) { 0.6 } else { 0.15 };
            let count = (0..runs).filter(|_| rng.random::<f64>() < p).count() as u64;
            Point {
                values: x.clone(),
                estimate: Interval::wilson(count, runs),
                replicates: runs,
            }
        })
        .collect();
    let d = discover::discover(&table(points), Direction::Above, 0.35, None).unwrap();
    assert_recovers(&d);
    // The truth for the box found: the share of the true cases inside it, and the share of its points that are
    // true cases.
    let inside = |x: &[f64]| {
        d.limits
            .iter()
            .zip(x)
            .all(|(l, v)| *v >= l.lower && *v <= l.upper)
    };
    let cases = xs.iter().filter(|x| in_true_box(x)).count() as f64;
    let box_points = xs.iter().filter(|x| inside(x)).count() as f64;
    let cases_in = xs.iter().filter(|x| inside(x) && in_true_box(x)).count() as f64;
    let (true_cov, true_den) = (cases_in / cases, cases_in / box_points);
    eprintln!(
        "coverage {:?} (true {true_cov}), density {:?} (true {true_den}), box {:?}",
        d.coverage, d.density, d.limits
    );
    assert!(d.coverage.ci_low <= true_cov && true_cov <= d.coverage.ci_high);
    assert!(d.density.ci_low <= true_den && true_den <= d.density.ci_high);
    // Intervals are informative, not [0, 1].
    assert!(d.coverage.ci_high - d.coverage.ci_low < 0.3);
    assert!(d.density.ci_high - d.density.ci_low < 0.3);
}

#[test]
fn the_trajectory_peels_toward_higher_density_and_box_k_picks_a_step() {
    let points = grid()
        .into_iter()
        .map(|x| {
            let v = if in_true_box(&x) { 0.9 } else { 0.05 };
            Point {
                values: x,
                estimate: Interval::wilson((v * 50.0) as u64, 50),
                replicates: 50,
            }
        })
        .collect();
    let t = table(points);
    let d = discover::discover(&t, Direction::Above, 0.5, Some(0)).unwrap();
    assert_eq!(d.chosen_step, 0);
    assert!((d.trajectory[0].support - 1.0).abs() < 1e-12);
    assert!((d.trajectory[0].coverage - 1.0).abs() < 1e-12);
    // Every step keeps at least 5% of the points.
    assert!(d.trajectory.iter().all(|s| s.support >= 0.05));
    let last = d.trajectory.len();
    assert!(matches!(
        discover::discover(&t, Direction::Above, 0.5, Some(last)),
        Err(discover::DiscoverError::BoxOutOfRange { .. })
    ));
    assert!(matches!(
        discover::discover(&t, Direction::Above, 1.5, None),
        Err(discover::DiscoverError::Threshold { .. })
    ));
}

#[test]
fn discover_runs_on_a_real_sweep_and_refuses_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let file = common::write(
        tmp.path(),
        "small.toml",
        &format!(
            r#"name = "small"
base = "{}"
replicates = 200
outcomes = ["policy_revision", "union_fracture"]
[design]
kind = "grid"
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
values = [30.0, 50.0, 70.0, 90.0, 110.0]
[[parameters]]
key = "drivers.rouble.oil_elasticity"
values = [0.0, 0.4, 0.85, 1.2]
"#,
            common::scenario("baseline.toml").display()
        ),
    );
    let sweep = tmp.path().join("sweep");
    let s = sweep.to_str().unwrap();
    common::realign_ok(&["sweep", file.to_str().unwrap(), "-q", "--out", s]);
    let o = common::realign_ok(&[
        "discover",
        s,
        "--outcome",
        "policy_revision",
        "--above",
        "0.4",
    ]);
    let text = common::stdout(&o);
    assert!(
        text.contains("coverage") && text.contains("95% CI"),
        "{text}"
    );
    let out = sweep.join("discover-policy_revision");
    for f in [
        "discover.json",
        "trajectory.csv",
        "box.csv",
        "trajectory.svg",
        "trajectory.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let first = std::fs::read(out.join("discover.json")).unwrap();
    // Same input, same bytes.
    common::realign_ok(&[
        "discover",
        s,
        "--outcome",
        "policy_revision",
        "--above",
        "0.4",
        "-q",
    ]);
    assert_eq!(first, std::fs::read(out.join("discover.json")).unwrap());
    let json: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(json["points"], 20);
    let refused = |args: &[&str], needle: &str| {
        let o = common::realign(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", common::stderr(&o));
        assert!(
            common::stderr(&o).contains(needle),
            "{args:?}: {}",
            common::stderr(&o)
        );
    };
    refused(
        &["discover", s, "--outcome", "ceasefire", "--above", "0.4"],
        "policy_revision, union_fracture",
    );
    refused(
        &["discover", s, "--outcome", "policy_revision"],
        "exactly one of --above",
    );
    refused(
        &[
            "discover",
            s,
            "--outcome",
            "policy_revision",
            "--above",
            "0.4",
            "--below",
            "0.2",
        ],
        "exactly one of --above",
    );
    refused(
        &[
            "discover",
            tmp.path().to_str().unwrap(),
            "--outcome",
            "policy_revision",
            "--above",
            "0.4",
        ],
        "not a finished sweep folder",
    );
    refused(
        &[
            "discover",
            s,
            "--outcome",
            "policy_revision",
            "--above",
            "0.4",
            "--out",
            s,
        ],
        "cannot be the sweep folder",
    );
}
