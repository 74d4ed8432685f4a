//! Scenario discovery (`realign discover`): PRIM recovers a known box from a synthetic sweep, noise-free and with
//! replicate noise (where the box's bootstrap intervals must cover the true coverage and density), and the command
//! runs end to end on a real small sweep, refusing bad input with exit status 2.

mod common;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realign::discover::{self, Direction, Method, Options, Point, Table};
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

fn opts(method: Method, chosen: Option<usize>) -> Options {
    Options {
        method,
        chosen,
        ..Options::default()
    }
}

fn prim(t: &Table, threshold: f64, chosen: Option<usize>) -> discover::Prim {
    discover::discover(t, Direction::Above, threshold, &opts(Method::Prim, chosen))
        .unwrap()
        .prim
        .unwrap()
}

/// Each bound of the found box within 0.1 of the true box's.
fn assert_recovers(limits: &[discover::Limit]) {
    let truth = [(0.6, 1.0), (0.0, 0.3)];
    for (l, t) in limits.iter().zip(truth) {
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
    assert!(limits.iter().all(|l| l.restricted));
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
    let d = prim(&table(points), 0.5, None);
    assert_recovers(&d.limits);
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
    let d = prim(&table(points), 0.35, None);
    assert_recovers(&d.limits);
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
    let d = prim(&t, 0.5, Some(0));
    assert_eq!(d.chosen_step, 0);
    assert!((d.trajectory[0].support - 1.0).abs() < 1e-12);
    assert!((d.trajectory[0].coverage - 1.0).abs() < 1e-12);
    // Every step keeps at least 5% of the points.
    assert!(d.trajectory.iter().all(|s| s.support >= 0.05));
    let last = d.trajectory.len();
    assert!(matches!(
        discover::discover(&t, Direction::Above, 0.5, &opts(Method::Prim, Some(last))),
        Err(discover::DiscoverError::BoxOutOfRange { .. })
    ));
    assert!(matches!(
        discover::discover(&t, Direction::Above, 1.5, &Options::default()),
        Err(discover::DiscoverError::Threshold { .. })
    ));
}

/// True probability `inside` in the box and `outside` elsewhere, estimated from `runs` replicates per point
/// (binomial draws from a ChaCha8 with `seed`), with Wilson intervals.
fn noisy(inside: f64, outside: f64, runs: u64, seed: u64) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let points = grid()
        .into_iter()
        .map(|x| {
            let p = if in_true_box(&x) { inside } else { outside };
            let count = (0..runs).filter(|_| rng.random::<f64>() < p).count() as u64;
            Point {
                values: x,
                estimate: Interval::wilson(count, runs),
                replicates: runs,
            }
        })
        .collect();
    table(points)
}

#[test]
fn cart_recovers_the_known_box_as_its_one_leaf_of_interest() {
    // Noise-free: the tree's leaf of interest is exactly the true box (bounds within 1e-9), holding every case.
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
    let d = discover::discover(
        &table(points),
        Direction::Above,
        0.5,
        &opts(Method::Cart, None),
    )
    .unwrap();
    assert!(d.prim.is_none() && d.replicates_needed.is_none());
    let c = d.cart.unwrap();
    let hits: Vec<_> = c.of_interest().collect();
    assert_eq!(hits.len(), 1, "{:?}", c.leaves);
    let truth = [(0.6, 1.0), (0.0, 0.3)];
    for (l, t) in hits[0].limits.iter().zip(truth) {
        assert!(
            (l.lower - t.0).abs() < 1e-9 && (l.upper - t.1).abs() < 1e-9,
            "{l:?}"
        );
    }
    assert_eq!(hits[0].points, 63);
    assert!(
        (hits[0].coverage.value - 1.0).abs() < 1e-9 && (hits[0].density.value - 1.0).abs() < 1e-9
    );
    // Without noise every re-simulated tree flags the same points: stable at every level, and clearly so.
    let s = c.replicates_needed.as_ref().unwrap();
    assert!(s.levels.iter().all(|l| l.stable.value == 1.0), "{s:?}");
    assert_eq!(s.needed, Some(1));
    assert!(s.borderline.is_empty(), "{s:?}");
    // --depth 1 allows one split only: no leaf can be the box, so none is mostly cases... or one is, but wider.
    let shallow = discover::discover(
        &table(
            grid()
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
                .collect(),
        ),
        Direction::Above,
        0.5,
        &Options {
            method: Method::Cart,
            max_depth: 1,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(shallow.cart.unwrap().leaves.len(), 2);
}

#[test]
fn cart_with_replicate_noise_recovers_the_box_and_its_intervals_cover_the_truth() {
    // The PRIM noise test's data: 0.6 inside, 0.15 outside, 100 replicates, cases above 0.35.
    let t = noisy(0.6, 0.15, 100, 2014);
    let d = discover::discover(&t, Direction::Above, 0.35, &opts(Method::Both, None)).unwrap();
    let c = d.cart.unwrap();
    eprintln!("{:?}", c.leaves);
    // The tree may cut the box into several leaves: together the leaves of interest are the box. Every true case
    // lies in one, and at most 5% of their points lie outside the true box.
    let in_leaf = |l: &discover::Leaf, x: &[f64]| {
        l.limits
            .iter()
            .zip(x)
            .all(|(b, v)| *v >= b.lower && *v <= b.upper)
    };
    let xs = grid();
    let flagged: Vec<&Vec<f64>> = xs
        .iter()
        .filter(|x| c.of_interest().any(|l| in_leaf(l, x)))
        .collect();
    assert!(
        xs.iter()
            .filter(|x| in_true_box(x))
            .all(|x| flagged.contains(&x))
    );
    let outside = flagged.iter().filter(|x| !in_true_box(x)).count();
    assert!(
        outside as f64 <= 0.05 * flagged.len() as f64,
        "{outside} of {}",
        flagged.len()
    );
    // Each leaf of interest's intervals cover its true coverage and density.
    let cases = xs.iter().filter(|x| in_true_box(x)).count() as f64;
    for l in c.of_interest() {
        let pts = xs.iter().filter(|x| in_leaf(l, x)).count() as f64;
        let cases_in = xs
            .iter()
            .filter(|x| in_leaf(l, x) && in_true_box(x))
            .count() as f64;
        let (cov, den) = (cases_in / cases, cases_in / pts);
        assert!(
            l.coverage.ci_low <= cov && cov <= l.coverage.ci_high,
            "leaf {}: coverage {cov}",
            l.leaf
        );
        assert!(
            l.density.ci_low <= den && den <= l.density.ci_high,
            "leaf {}: density {den}",
            l.leaf
        );
    }
}

/// The replicates needed, with "more than the sweep has" as infinity.
fn needed(t: &Table, threshold: f64) -> (u64, Vec<f64>) {
    let d = discover::discover(t, Direction::Above, threshold, &opts(Method::Prim, None)).unwrap();
    let s = d.replicates_needed.unwrap();
    let shares: Vec<f64> = s.levels.iter().map(|l| l.stable.value).collect();
    eprintln!("needed {:?}, stable shares {shares:?}", s.needed);
    (s.needed.unwrap_or(u64::MAX), shares)
}

/// The same for CART's leaves of interest.
fn cart_needed(t: &Table, threshold: f64) -> (u64, Vec<f64>) {
    let d = discover::discover(t, Direction::Above, threshold, &opts(Method::Cart, None)).unwrap();
    assert!(
        d.replicates_needed.is_none(),
        "PRIM's stability only with PRIM"
    );
    let s = d.cart.unwrap().replicates_needed.unwrap();
    let shares: Vec<f64> = s.levels.iter().map(|l| l.stable.value).collect();
    eprintln!("cart needed {:?}, stable shares {shares:?}", s.needed);
    (s.needed.unwrap_or(u64::MAX), shares)
}

#[test]
fn cart_leaves_of_a_noisier_outcome_need_more_replicates() {
    // The clear outcome of the PRIM test below (0.7 in the box, 0.1 outside), and one much noisier than its noisy
    // one: a tree averages the weights of a leaf's points, so its leaves of interest stay put where PRIM's box
    // (0.45 against 0.3) already moves; 0.4 against 0.35 moves them.
    let (clear, clear_shares) = cart_needed(&noisy(0.7, 0.1, 200, 11), 0.4);
    let (noisy_needed, noisy_shares) = cart_needed(&noisy(0.4, 0.35, 200, 11), 0.375);
    assert!(noisy_needed > clear, "noisy {noisy_needed}, clear {clear}");
    assert!(clear_shares[3] >= noisy_shares[3]);
    assert!(noisy_shares[0] < discover::STABLE_SHARE);
    // A tree with no leaf of interest has no region to hold steady, and says so by leaving the measure out.
    let none = noisy(0.3, 0.3, 200, 11);
    let d = discover::discover(&none, Direction::Above, 0.33, &opts(Method::Cart, None)).unwrap();
    let c = d.cart.unwrap();
    assert_eq!(c.of_interest().count(), 0, "{:?}", c.leaves);
    assert!(c.replicates_needed.is_none());
}

#[test]
fn a_noisier_outcome_needs_more_replicates_for_a_stable_box() {
    // Same design and replicates (200 per point, levels 25, 50, 100, 200); the clear outcome is 0.7 inside the
    // box and 0.1 outside, the noisy one 0.45 and 0.3, cases above the midpoint of each.
    let (clear, clear_shares) = needed(&noisy(0.7, 0.1, 200, 11), 0.4);
    let (noisy_needed, noisy_shares) = needed(&noisy(0.45, 0.3, 200, 11), 0.375);
    assert!(noisy_needed > clear, "noisy {noisy_needed}, clear {clear}");
    // Monotone-ish: fewer replicates never make the box clearly more stable (tolerance 0.1, about two Monte Carlo
    // standard errors of a share from 200 re-simulated sweeps).
    for s in [&clear_shares, &noisy_shares] {
        for w in s.windows(2) {
            assert!(w[1] >= w[0] - 0.1, "{s:?}");
        }
    }
    // At the sweep's own replicates the clear box is at least as stable as the noisy one.
    assert!(clear_shares[3] >= noisy_shares[3]);
    // The noisy box at an eighth of the replicates is unstable: the test can fail.
    assert!(noisy_shares[0] < discover::STABLE_SHARE);
}

/// A sweep file over the baseline with the given design table and parameters (oil 30 to 110 USD, the rouble's
/// elasticity 0 to 1.2), few replicates.
fn sweep_file(dir: &std::path::Path, name: &str, design: &str, params: &str) -> std::path::PathBuf {
    common::write(
        dir,
        &format!("{name}.toml"),
        &format!(
            "name = \"{name}\"\nbase = \"{}\"\nreplicates = 24\noutcomes = [\"policy_revision\"]\n[design]\n{design}\n{params}",
            common::scenario("baseline.toml").display()
        ),
    )
}

const RANGES: &str = "[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nlower = 30.0\nupper = 110.0\n[[parameters]]\nkey = \"drivers.rouble.oil_elasticity\"\nlower = 0.0\nupper = 1.2\n";
const VALUES: &str = "[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = [30.0, 50.0, 70.0, 110.0]\n[[parameters]]\nkey = \"drivers.rouble.oil_elasticity\"\nvalues = [0.0, 0.4, 1.2]\n";

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn discover_works_on_grid_latin_hypercube_sobol_morris_and_merged_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let kinds = [
        ("grid", "kind = \"grid\"", VALUES),
        (
            "lhs",
            "kind = \"latin-hypercube\"\npoints = 12\nseed = 1",
            RANGES,
        ),
        (
            "sobol",
            "kind = \"sobol\"\nbase_samples = 16\nseed = 2",
            RANGES,
        ),
        (
            "morris",
            "kind = \"morris\"\ntrajectories = 4\nlevels = 4\nseed = 3",
            RANGES,
        ),
    ];
    for (name, design, params) in kinds {
        let file = sweep_file(dir, name, design, params);
        let sweep = dir.join(name);
        common::realign_ok(&[
            "sweep",
            file.to_str().unwrap(),
            "-q",
            "--out",
            sweep.to_str().unwrap(),
        ]);
        let out = dir.join(format!("d-{name}"));
        common::realign_ok(&[
            "discover",
            sweep.to_str().unwrap(),
            "--outcome",
            "policy_revision",
            "--above",
            "0.3",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--min-leaf",
            "2",
        ]);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("discover.json")).unwrap()).unwrap();
        assert!(json["box_points"].as_u64().unwrap() >= 1, "{name}");
        assert!(
            !json["cart"]["leaves"].as_array().unwrap().is_empty(),
            "{name}"
        );
        assert_eq!(
            json["replicates_needed"]["levels"]
                .as_array()
                .unwrap()
                .len(),
            4,
            "{name}"
        );
        if json["cart"]["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["of_interest"] == true)
        {
            assert_eq!(
                json["cart"]["replicates_needed"]["levels"]
                    .as_array()
                    .unwrap()
                    .len(),
                4,
                "{name}"
            );
        }
        for f in [
            "cart.csv",
            "box.csv",
            "trajectory.csv",
            "report.html",
            "trajectory.svg",
        ] {
            assert!(out.join(f).is_file(), "{name}: {f} missing");
        }
    }
    // The grid in two shards, merged: discover's files equal the one-machine sweep's, byte for byte.
    let file = dir.join("grid.toml");
    let mut parts = Vec::new();
    for i in 0..2 {
        let part = dir.join(format!("part{i}"));
        common::realign_ok(&[
            "sweep",
            file.to_str().unwrap(),
            "-q",
            "--out",
            part.to_str().unwrap(),
            "--shard",
            &format!("{i}/2"),
        ]);
        parts.push(part);
    }
    let merged = dir.join("merged");
    common::realign_ok(&[
        "merge",
        parts[0].to_str().unwrap(),
        parts[1].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "-q",
    ]);
    let out = dir.join("d-merged");
    common::realign_ok(&[
        "discover",
        merged.to_str().unwrap(),
        "--outcome",
        "policy_revision",
        "--above",
        "0.3",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--min-leaf",
        "2",
    ]);
    let (one, two) = (files(&dir.join("d-grid")), files(&out));
    assert_eq!(
        one.iter().map(|f| &f.0).collect::<Vec<_>>(),
        two.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (a, b) in one.iter().zip(&two) {
        assert!(
            a.1 == b.1,
            "{} differs between the one-machine and the merged sweep",
            a.0
        );
    }
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
    assert!(
        text.contains("CART (depth <= 3, leaves >= 5 points)"),
        "{text}"
    );
    assert!(text.contains("needed: "), "{text}");
    let out = sweep.join("discover-policy_revision");
    for f in [
        "discover.json",
        "trajectory.csv",
        "box.csv",
        "trajectory.svg",
        "trajectory.png",
        "cart.csv",
        "report.html",
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
    // A folder whose analysis.json was altered to name a parameter with a terminal control sequence (or markup)
    // is refused before anything is printed or written.
    let tampered = tmp.path().join("tampered");
    std::fs::create_dir(&tampered).unwrap();
    for f in ["manifest.json", "analysis.json", "sweep.csv"] {
        std::fs::copy(sweep.join(f), tampered.join(f)).unwrap();
    }
    let mut analysis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tampered.join("analysis.json")).unwrap()).unwrap();
    analysis["parameters"][0] = "\u{1b}[2Jdrivers.oil.long_run_usd_per_bbl".into();
    std::fs::write(
        tampered.join("analysis.json"),
        serde_json::to_vec(&analysis).unwrap(),
    )
    .unwrap();
    let o = common::realign(&[
        "discover",
        tampered.to_str().unwrap(),
        "--outcome",
        "policy_revision",
        "--above",
        "0.4",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("is not a key path realign writes"),
        "{}",
        common::stderr(&o)
    );
    assert!(
        !common::stderr(&o).contains('\u{1b}'),
        "the name is quoted, not echoed raw"
    );
    assert!(common::stdout(&o).is_empty());
    assert!(!tampered.join("discover-policy_revision").exists());
    // The same for an outcome name, which the refusal of an unknown outcome would otherwise list.
    std::fs::copy(sweep.join("analysis.json"), tampered.join("analysis.json")).unwrap();
    let mut analysis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tampered.join("analysis.json")).unwrap()).unwrap();
    analysis["outcomes"][1]["outcome"] = "x\u{1b}]0;title\u{7}".into();
    std::fs::write(
        tampered.join("analysis.json"),
        serde_json::to_vec(&analysis).unwrap(),
    )
    .unwrap();
    let o = common::realign(&[
        "discover",
        tampered.to_str().unwrap(),
        "--outcome",
        "nosuch",
        "--above",
        "0.4",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("is not a name realign writes"),
        "{}",
        common::stderr(&o)
    );
    assert!(!common::stderr(&o).contains('\u{1b}'));
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
    let prim_only = tmp.path().join("prim-only");
    let cart_only = tmp.path().join("cart-only");
    let base = ["discover", s, "--outcome", "policy_revision"];
    fn join<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }
    let with = |extra: &[&'static str]| join(&base, extra);
    refused(
        &with(&["--above", "1.5"]),
        "threshold 1.5 is not a number in [0, 1]",
    );
    refused(&with(&["--below", "-0.1"]), "not a number in [0, 1]");
    refused(&with(&["--above", "nan"]), "not a number in [0, 1]");
    refused(
        &with(&["--above", "0.4", "--method", "tree"]),
        "unknown --method \"tree\": give prim, cart or both",
    );
    refused(
        &with(&["--above", "0.4", "--depth", "0"]),
        "--depth 0: give a tree depth from 1 to 10",
    );
    refused(
        &with(&["--above", "0.4", "--min-leaf", "0"]),
        "--min-leaf 0",
    );
    refused(&with(&["--above", "0.4", "--box", "999"]), "--box 999");
    refused(
        &[
            "discover",
            s,
            "--outcome",
            "policy_revision",
            "--actor",
            "Belarus",
            "--above",
            "0.4",
        ],
        "unknown outcome \"policy_revision:Belarus\"; this sweep's outcomes: policy_revision, union_fracture",
    );
    let missing = tmp.path().join("no-such-sweep");
    refused(
        &[
            "discover",
            missing.to_str().unwrap(),
            "--outcome",
            "policy_revision",
            "--above",
            "0.4",
        ],
        "no such folder",
    );
    // --method prim writes no cart.csv and no cart in discover.json; cart writes no PRIM files.
    common::realign_ok(&join(
        &base,
        &[
            "--above",
            "0.4",
            "-q",
            "--method",
            "prim",
            "--out",
            prim_only.to_str().unwrap(),
        ],
    ));
    assert!(!prim_only.join("cart.csv").exists() && prim_only.join("box.csv").is_file());
    common::realign_ok(&join(
        &base,
        &[
            "--above",
            "0.4",
            "-q",
            "--method",
            "cart",
            "--out",
            cart_only.to_str().unwrap(),
        ],
    ));
    assert!(cart_only.join("cart.csv").is_file() && !cart_only.join("box.csv").exists());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cart_only.join("discover.json")).unwrap()).unwrap();
    assert!(json.get("trajectory").is_none() && json.get("cart").is_some());
}
