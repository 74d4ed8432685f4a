//! `realign robust`: regret and satisficing on a hand-made sweep folder with a known answer (computed by hand),
//! noise-awareness (a setting ahead by less than its noise is not called the winner in every resample), the
//! `role` key of sweep files and its refusals, the designs that cross levers with futures, refusals of `robust`
//! itself (exit status 2), bytes that do not depend on threads or sharding, and a report that escapes names.

mod common;

use std::path::{Path, PathBuf};

use realign::robust::{self, Goal};
use realign::sweep::spec::Sweep;

/// A finished-sweep folder by hand: parameters `lever.a` (a lever unless `levers` says otherwise) and `u.x`;
/// rows (a, x, estimate, half-width of its 95% interval).
fn synth(dir: &Path, levers: &str, rows: &[(f64, f64, f64, f64)]) -> PathBuf {
    let d = dir.join("sweep");
    std::fs::create_dir_all(&d).unwrap();
    common::write(
        &d,
        "manifest.json",
        "{\"sweep\": \"synthetic\", \"seed\": 7}\n",
    );
    common::write(
        &d,
        "analysis.json",
        &format!(
            "{{\"parameters\": [\"lever.a\", \"u.x\"], {levers} \"outcomes\": [{{\"outcome\": \"event\"}}]}}\n"
        ),
    );
    let mut csv = String::from("point,lever.a,u.x,replicates,event,event_ci_low,event_ci_high\n");
    for (i, (a, x, y, h)) in rows.iter().enumerate() {
        csv.push_str(&format!("{i},{a},{x},100,{y},{},{}\n", y - h, y + h));
    }
    common::write(&d, "sweep.csv", &csv);
    d
}

/// Two settings (a = 0, 1) in three futures (x = 1, 2, 3), no noise: setting 0 scores 0.5, 0.2, 0.9 and setting 1
/// scores 0.4, 0.6, 0.8.
fn known(dir: &Path) -> PathBuf {
    let ys = [[0.5, 0.2, 0.9], [0.4, 0.6, 0.8]];
    let rows: Vec<_> = (0..2)
        .flat_map(|a| (0..3).map(move |x| (a as f64, (x + 1) as f64, ys[a][x], 0.0)))
        .collect();
    synth(dir, "\"levers\": [\"lever.a\"],", &rows)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn regret_and_satisficing_match_the_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let d = known(dir.path());
    let r = robust::load_and_assess(&d, "event", Goal::Maximize, Some(0.45)).unwrap();
    assert_eq!((r.settings.len(), r.futures), (2, 3));
    let (s0, s1) = (&r.settings[0], &r.settings[1]);
    // Best per future: 0.5, 0.6, 0.9. Setting 0's regrets 0, 0.4, 0; setting 1's 0.1, 0, 0.1.
    assert!(close(s0.max_regret.value, 0.4) && close(s0.mean_regret.value, 0.4 / 3.0));
    assert!(close(s1.max_regret.value, 0.1) && close(s1.mean_regret.value, 0.2 / 3.0));
    // Without noise the maximum regret over the sweep's own futures has no spread.
    assert!(close(s0.max_regret.ci_low, 0.4) && close(s0.max_regret.ci_high, 0.4));
    // Satisficing (>= 0.45): setting 0 in futures 1 and 3, setting 1 in futures 2 and 3.
    let (a, b) = (s0.satisficing.unwrap(), s1.satisficing.unwrap());
    assert!(close(a.value, 2.0 / 3.0) && close(b.value, 2.0 / 3.0));
    // The futures' resampling gives the share an interval that covers it and stays in [0, 1].
    assert!(a.ci_low < a.value && a.value <= a.ci_high && a.ci_low >= 0.0 && a.ci_high <= 1.0);
    // Setting 1 is the most robust by minimax regret, and by satisficing through the tie-break on regret.
    assert_eq!(r.most_robust_regret, 1);
    assert_eq!(r.most_robust_satisficing, Some(1));
    assert_eq!((s1.rank_regret, s0.rank_regret), (1, 2));
    assert!(close(s1.minimax_share, 1.0));
    // Distribution across futures: mean, linear-interpolation percentiles, extremes.
    let dist = &s0.distribution;
    assert!(close(dist.mean, 1.6 / 3.0) && close(dist.p50, 0.5) && close(dist.p5, 0.23));
    assert!(close(dist.min, 0.2) && close(dist.max, 0.9));

    // Minimising turns it round: best per future 0.4, 0.2, 0.8; setting 0's regrets 0.1, 0, 0.1.
    let m = robust::load_and_assess(&d, "event", Goal::Minimize, None).unwrap();
    assert!(close(m.settings[0].max_regret.value, 0.1));
    assert!(close(m.settings[1].max_regret.value, 0.4));
    assert_eq!(m.most_robust_regret, 0);
    assert!(m.settings[0].satisficing.is_none() && m.most_robust_satisficing.is_none());
}

#[test]
fn a_lead_smaller_than_the_noise_is_not_a_sure_winner() {
    // Setting 1 is ahead by 0.005 in every future, but each estimate's 95% interval is +-0.1: resamples of the
    // points' noise must often pick setting 0 as the minimax-regret choice, and the regret intervals must be
    // wide. With +-0.001 the same lead wins nearly every resample.
    let rows = |h: f64| -> Vec<(f64, f64, f64, f64)> {
        (0..2)
            .flat_map(|a| {
                (0..8).map(move |x| {
                    (
                        a as f64,
                        x as f64,
                        0.4 + 0.005 * a as f64 + 0.02 * x as f64,
                        h,
                    )
                })
            })
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let noisy = synth(
        &dir.path().join("noisy"),
        "\"levers\": [\"lever.a\"],",
        &rows(0.1),
    );
    let r = robust::load_and_assess(&noisy, "event", Goal::Maximize, Some(0.5)).unwrap();
    assert_eq!(r.most_robust_regret, 1);
    let share = r.settings[1].minimax_share;
    assert!(share > 0.2 && share < 0.8, "share {share}");
    assert!(r.settings[1].max_regret.ci_high > 0.05);
    let quiet = synth(
        &dir.path().join("quiet"),
        "\"levers\": [\"lever.a\"],",
        &rows(0.001),
    );
    let q = robust::load_and_assess(&quiet, "event", Goal::Maximize, Some(0.5)).unwrap();
    assert!(
        q.settings[1].minimax_share > 0.95,
        "share {}",
        q.settings[1].minimax_share
    );
}

#[test]
fn robust_refuses_bad_input_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |d: &Path| d.to_str().unwrap().to_string();
    let full = known(&dir.path().join("full"));
    let no_levers = synth(
        &dir.path().join("none"),
        "",
        &[(0.0, 1.0, 0.5, 0.0), (1.0, 1.0, 0.4, 0.0)],
    );
    let all_levers = synth(
        &dir.path().join("all"),
        "\"levers\": [\"lever.a\", \"u.x\"],",
        &[(0.0, 1.0, 0.5, 0.0), (1.0, 1.0, 0.4, 0.0)],
    );
    // Setting 1 lacks future 2.
    let gap = synth(
        &dir.path().join("gap"),
        "\"levers\": [\"lever.a\"],",
        &[
            (0.0, 1.0, 0.5, 0.0),
            (0.0, 2.0, 0.5, 0.0),
            (1.0, 1.0, 0.4, 0.0),
        ],
    );
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                p(&no_levers),
                "--outcome".into(),
                "event".into(),
                "--maximize".into(),
            ],
            "marks no lever",
        ),
        (
            vec![
                p(&all_levers),
                "--outcome".into(),
                "event".into(),
                "--maximize".into(),
            ],
            "at least one uncertainty",
        ),
        (
            vec![
                p(&full),
                "--outcome".into(),
                "evnt".into(),
                "--maximize".into(),
            ],
            "unknown outcome",
        ),
        (
            vec![
                p(&full),
                "--outcome".into(),
                "event".into(),
                "--maximize".into(),
                "--threshold".into(),
                "1.5".into(),
            ],
            "not a number in [0, 1]",
        ),
        (
            vec![p(&full), "--outcome".into(), "event".into()],
            "--maximize and --minimize",
        ),
        (
            vec![
                p(&gap),
                "--outcome".into(),
                "event".into(),
                "--minimize".into(),
            ],
            "has no point in future",
        ),
        (
            vec![
                p(&full),
                "--outcome".into(),
                "event".into(),
                "--maximize".into(),
                "--out".into(),
                p(&full),
            ],
            "cannot be the sweep folder",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["robust".to_string()];
        all.extend(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = common::realign(&refs);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {err}");
        assert!(
            err.contains(needle),
            "{all:?}: expected {needle:?} in {err}"
        );
    }
    // The refused folder left the sweep untouched, and nothing was written.
    assert!(full.join("sweep.csv").is_file() && !full.join("robust-event").exists());
}

fn sweep_file(dir: &Path, name: &str, design: &str, params: &str) -> PathBuf {
    common::write(
        dir,
        &format!("{name}.toml"),
        &format!(
            "name = \"{name}\"\nbase = \"{}\"\nreplicates = 60\noutcomes = [\"ceasefire\", \"union_fracture\"]\n[design]\n{design}\n{params}",
            common::scenario("baseline.toml").display()
        ),
    )
}

const LEVER: &str =
    "[[parameters]]\nkey = \"drivers.west.engagement\"\nrole = \"lever\"\nvalues = [0.2, 0.8]\n";

#[test]
fn sweep_files_take_roles_and_refuse_unknown_ones_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    // Line 9, column 8 is `"levr"`.
    let bad = sweep_file(
        dir.path(),
        "bad-role",
        "kind = \"grid\"",
        "[[parameters]]\nkey = \"drivers.west.engagement\"\nrole = \"levr\"\nvalues = [0.2]\n",
    );
    let err = Sweep::load(&bad).unwrap_err().to_string();
    assert!(err.contains("bad-role.toml:9:8:"), "{err}");
    assert!(err.contains("drivers.west.engagement.role"), "{err}");
    assert!(
        err.contains("\"lever\"") && err.contains("\"uncertainty\""),
        "{err}"
    );
    // Levers cannot be crossed with Morris trajectories.
    let morris = sweep_file(
        dir.path(),
        "morris-lever",
        "kind = \"morris\"\ntrajectories = 4",
        &format!(
            "{LEVER}[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nlower = 40.0\nupper = 100.0\n"
        ),
    );
    let err = Sweep::load(&morris).unwrap_err().to_string();
    assert!(err.contains("cannot take levers"), "{err}");
    // A Latin hypercube crosses every lever setting with the same futures.
    let lhs = sweep_file(
        dir.path(),
        "lhs-lever",
        "kind = \"latin-hypercube\"\npoints = 5",
        &format!(
            "{LEVER}[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nrole = \"uncertainty\"\nlower = 40.0\nupper = 100.0\n[[parameters]]\nkey = \"mediation.w_west\"\nrole = \"lever\"\nvalues = [1.5, 3.0]\n"
        ),
    );
    let s = Sweep::load(&lhs).unwrap();
    assert_eq!(
        s.levers(),
        vec!["drivers.west.engagement", "mediation.w_west"]
    );
    assert_eq!(s.size.points, 20);
    let pts = realign::sweep::run::points(&s);
    assert_eq!(pts.values.len(), 20);
    let futures = |block: usize| -> Vec<f64> {
        pts.values[block * 5..block * 5 + 5]
            .iter()
            .map(|v| v[1])
            .collect()
    };
    for block in 0..4 {
        assert_eq!(
            futures(block),
            futures(0),
            "every setting sees the same futures"
        );
        let setting = &pts.values[block * 5];
        assert!(
            pts.values[block * 5..block * 5 + 5]
                .iter()
                .all(|v| v[0] == setting[0] && v[2] == setting[2])
        );
    }
    assert_eq!(
        (
            pts.values[0][0],
            pts.values[0][2],
            pts.values[15][0],
            pts.values[15][2]
        ),
        (0.2, 1.5, 0.8, 3.0)
    );
    // A Latin hypercube of levers alone has no futures to sample.
    let only = sweep_file(
        dir.path(),
        "lhs-only-levers",
        "kind = \"latin-hypercube\"\npoints = 5",
        LEVER,
    );
    let err = Sweep::load(&only).unwrap_err().to_string();
    assert!(err.contains("every parameter is a lever"), "{err}");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
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
fn robust_bytes_do_not_depend_on_threads_or_shards() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(
        dir.path(),
        "tiny-robust",
        "kind = \"grid\"",
        &format!(
            "{LEVER}[[parameters]]\nkey = \"drivers.oil.long_run_usd_per_bbl\"\nvalues = [40.0, 100.0]\n"
        ),
    );
    let s = |p: PathBuf| p.to_str().unwrap().to_string();
    let f = s(file);
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = s(dir.path().join(format!("t{threads}")));
        common::realign_ok(&["sweep", &f, "-q", "--threads", threads, "--out", &out]);
        let o = common::realign_ok(&[
            "robust",
            &out,
            "--outcome",
            "ceasefire",
            "--maximize",
            "--threshold",
            "0.5",
        ]);
        assert!(common::stdout(&o).contains("<- minimax regret"));
        outs.push(PathBuf::from(out).join("robust-ceasefire"));
    }
    let (p0, p1, merged) = (
        s(dir.path().join("p0")),
        s(dir.path().join("p1")),
        s(dir.path().join("merged")),
    );
    common::realign_ok(&["sweep", &f, "-q", "--shard", "0/2", "--out", &p0]);
    common::realign_ok(&["sweep", &f, "-q", "--shard", "1/2", "--out", &p1]);
    common::realign_ok(&["merge", &p0, &p1, "-q", "--out", &merged]);
    common::realign_ok(&[
        "robust",
        &merged,
        "--outcome",
        "ceasefire",
        "--maximize",
        "--threshold",
        "0.5",
        "-q",
    ]);
    outs.push(PathBuf::from(&merged).join("robust-ceasefire"));
    let first = files(&outs[0]);
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "report.html",
            "robust.csv",
            "robust.json",
            "robust.png",
            "robust.svg"
        ]
    );
    for o in &outs[1..] {
        assert_eq!(
            files(o),
            first,
            "{} differs from {}",
            o.display(),
            outs[0].display()
        );
    }
    // The roles were read back from the finished (and the merged) sweep.
    let json = std::fs::read_to_string(outs[2].join("robust.json")).unwrap();
    assert!(
        json.contains("\"levers\": [\n    \"drivers.west.engagement\"\n  ]"),
        "{json}"
    );
    // The sweep's own page says which parameter is a lever and which an uncertainty.
    let page = std::fs::read_to_string(dir.path().join("t1").join("report.html")).unwrap();
    assert!(
        page.contains("<tr><td><code>drivers.west.engagement</code></td><td>lever (a choice)</td>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<tr><td><code>drivers.oil.long_run_usd_per_bbl</code></td><td>uncertainty</td>"
        ),
        "{page}"
    );
    assert!(page.contains("<code>realign robust</code> ranks the levers"));
}

#[test]
fn the_report_escapes_names_and_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let mut r =
        robust::load_and_assess(&known(dir.path()), "event", Goal::Maximize, Some(0.45)).unwrap();
    // Names are checked when read back; the page must escape them anyway.
    r.settings[0].label = "<script>alert(1)</script>".into();
    r.levers[0] = "<img src=x onerror=alert(2)>".into();
    let html = realign::output::reports::robust_html(&r, &[]);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(!html.contains("<script") && !html.contains("<img"));
    assert!(html.contains("minimax regret") && html.contains("pp ("));
    // A name read back from a tampered folder with markup in it is refused before anything is written.
    let bad = synth(
        &dir.path().join("bad"),
        "\"levers\": [\"<b>\"],",
        &[(0.0, 1.0, 0.5, 0.0), (1.0, 1.0, 0.4, 0.0)],
    );
    let err = robust::load_and_assess(&bad, "event", Goal::Maximize, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a key path realign writes"), "{err}");
}
