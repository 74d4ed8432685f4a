//! Stored paths (`run --paths`), conditioning on observations (`condition`) and signposts (`signposts`).
//!
//! Tolerances: exact equality for counts; 1e-6 for probabilities read back from files (6 decimals); the synthetic
//! tests check that the exact conditional probability lies inside the reported 95% interval, with a fixed seed.

mod common;

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realign::output::OutDir;
use realign::paths::{EventInfo, Header, PathsFile, PathsWriter, encode_record};
use realign::scenario::month::Month;
use realign::stats::NEVER;

fn run_with_paths(out: &Path, runs: &str, extra: &[&str]) {
    let scenario = common::scenario("baseline.toml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--quiet",
        "--paths",
        "--runs",
        runs,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::realign_ok(&args);
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn paths_bin_is_byte_identical_for_1_2_4_threads_and_its_counts_equal_events_csv() {
    let dir = tempfile::tempdir().unwrap();
    // 1100 runs: two full chunks and a partial one.
    let mut bytes = Vec::new();
    for t in ["1", "2", "4"] {
        let out = dir.path().join(format!("t{t}"));
        run_with_paths(&out, "1100", &["--threads", t]);
        bytes.push(std::fs::read(out.join("paths.bin")).unwrap());
    }
    assert!(
        bytes[0] == bytes[1],
        "paths.bin differs between 1 and 2 threads"
    );
    assert!(
        bytes[0] == bytes[2],
        "paths.bin differs between 1 and 4 threads"
    );
    // Record size as documented: 16 events x 2 + 37 months x 4 actors + 37 months x 2 drivers x 2 = 328 bytes.
    let p = PathsFile::open(&dir.path().join("t1")).unwrap();
    assert_eq!(p.header.record_bytes, 328);
    assert_eq!(p.runs, 1100);

    // Without --paths: no paths.bin, and the run's tables are the same bytes.
    let plain = dir.path().join("plain");
    let scenario = common::scenario("baseline.toml");
    common::realign_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--quiet",
        "--runs",
        "1100",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(!plain.join("paths.bin").exists());
    for f in ["events.csv", "timeseries.csv", "summary.json"] {
        assert!(
            std::fs::read(plain.join(f)).unwrap()
                == std::fs::read(dir.path().join("t1").join(f)).unwrap(),
            "{f} changed with --paths"
        );
    }

    // Counts recomputed from paths.bin equal events.csv's exactly.
    let (ne, nm) = (p.header.events.len(), p.header.months);
    let mut first = vec![0u64; ne * nm];
    p.scan(|_, r| {
        for e in 0..ne {
            let f = r.first(e);
            if f != NEVER {
                first[e * nm + usize::from(f)] += 1;
            }
        }
    })
    .unwrap();
    let events = std::fs::read_to_string(dir.path().join("t1/events.csv")).unwrap();
    let mut rows = 0;
    for line in events.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (month, id, actor, count) = (f[1], f[2], f[3], f[7].parse::<u64>().unwrap());
        let e = p
            .header
            .events
            .iter()
            .position(|x| x.id == id && x.actor == actor)
            .unwrap();
        let m = p.header.start().months_until(Month::parse(month).unwrap()) as usize;
        let by: u64 = first[e * nm..e * nm + m + 1].iter().sum();
        assert_eq!(by, count, "{id} {actor} by {month}");
        rows += 1;
    }
    assert_eq!(rows, ne * nm);
}

/// Runs of a known joint law, written by hand: event A first holds in month 1 or 2 with probability 0.3; event B
/// holds (in months 5..12) with probability 0.8 after A, 0.2 without; X's alignment from month 2 on is uniform on
/// [-1, 1] and independent of both; oil is 60 throughout.
fn synthetic(dir: &Path, runs: u64) -> Vec<(bool, Option<u16>, f64)> {
    let h = Header::new(
        "synthetic",
        "none",
        7,
        Month::parse("2014-12").unwrap(),
        13,
        vec![
            EventInfo {
                id: "a".into(),
                actor: String::new(),
                description: "event A".into(),
            },
            EventInfo {
                id: "b".into(),
                actor: String::new(),
                description: "event B".into(),
            },
        ],
        vec!["X".into()],
    );
    let mut rng = ChaCha8Rng::seed_from_u64(20150301);
    let mut out = OutDir::create(dir).unwrap();
    let mut w = PathsWriter::create(&out, &h, None).unwrap();
    let mut truth = Vec::new();
    for _ in 0..runs {
        let a = rng.random::<f64>() < 0.3;
        let a_month = if a {
            1 + (rng.random::<f64>() * 2.0) as u16
        } else {
            NEVER
        };
        let b = rng.random::<f64>() < if a { 0.8 } else { 0.2 };
        let b_month = b.then(|| 5 + (rng.random::<f64>() * 8.0) as u16);
        let x = 2.0 * rng.random::<f64>() - 1.0;
        let alignment: Vec<f64> = (0..13).map(|m| if m >= 2 { x } else { 0.0 }).collect();
        let drivers: Vec<f64> = (0..13).flat_map(|_| [60.0, 56.0]).collect();
        w.push(&encode_record(
            &h,
            &[a_month, b_month.unwrap_or(NEVER)],
            &alignment,
            &drivers,
        ));
        truth.push((
            a,
            b_month,
            realign::paths::decode_alignment(realign::paths::encode_alignment(x)),
        ));
    }
    w.finish(&mut out).unwrap();
    truth
}

fn observed(dir: &Path, name: &str, text: &str) -> PathBuf {
    common::write(dir, name, text)
}

/// The conditioned row of event `id` at `month` in conditioned.csv: (probability, low, high, count, survivors).
fn row(csv: &Path, id: &str, month: &str) -> (f64, f64, f64, f64, u64) {
    let text = std::fs::read_to_string(csv).unwrap();
    let f: Vec<String> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .find(|f| f[1] == month && f[2] == id)
        .unwrap_or_else(|| panic!("no row {id} {month}"));
    let n = |i: usize| f[i].parse::<f64>().unwrap();
    (n(4), n(5), n(6), n(10), f[11].parse().unwrap())
}

#[test]
fn conditionals_of_a_known_joint_law_are_recovered_within_their_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let truth = synthetic(&run, 20_000);
    let run_s = run.to_str().unwrap();

    for (happened, exact) in [(true, 0.8), (false, 0.2)] {
        let obs = observed(
            dir.path(),
            &format!("a{happened}.toml"),
            &format!("[[event]]\nevent = \"a\"\nby = \"2015-02\"\nhappened = {happened}\n"),
        );
        let out = dir.path().join(format!("c{happened}"));
        common::realign_ok(&[
            "condition",
            run_s,
            "--observed",
            obs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        let (p, lo, hi, count, survivors) = row(&out.join("conditioned.csv"), "b", "2015-12");
        assert!(
            lo <= exact && exact <= hi,
            "P(B | A={happened}) = {exact} outside [{lo}, {hi}]"
        );
        // The count ratio, counted here from the generator's own record.
        let kept: Vec<_> = truth.iter().filter(|t| t.0 == happened).collect();
        let with_b = kept.iter().filter(|t| t.1.is_some()).count();
        assert_eq!(survivors, kept.len() as u64);
        assert_eq!(count as usize, with_b);
        assert!((p - with_b as f64 / kept.len() as f64).abs() < 1e-6);
        let j = json(&out.join("conditioned.json"));
        assert_eq!(j["survivors"], kept.len());
        assert!(j["warning"].is_null());
    }

    // A hard bound on the alignment (independent of B) leaves P(B) = 0.3 x 0.8 + 0.7 x 0.2 = 0.38; so does a
    // soft observation, whose effective sample size is Kish's.
    let exact = 0.38;
    let obs = observed(
        dir.path(),
        "soft.toml",
        "[[alignment]]\nactor = \"X\"\nmonth = \"2015-02\"\nvalue = 0.5\nsd = 0.2\n",
    );
    let out = dir.path().join("soft");
    common::realign_ok(&[
        "condition",
        run_s,
        "--observed",
        obs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let (p, lo, hi, _, _) = row(&out.join("conditioned.csv"), "b", "2015-12");
    assert!(
        lo <= exact && exact <= hi,
        "soft: {exact} outside [{lo}, {hi}] (p {p})"
    );
    let w: Vec<f64> = truth
        .iter()
        .map(|t| (-0.5 * ((t.2 - 0.5) / 0.2_f64).powi(2)).exp())
        .collect();
    let kish = w.iter().sum::<f64>().powi(2) / w.iter().map(|x| x * x).sum::<f64>();
    let j = json(&out.join("conditioned.json"));
    assert_eq!(j["weighted"], true);
    let reported = j["effective_runs"].as_f64().unwrap();
    assert!(
        (reported - kish).abs() / kish < 1e-6,
        "{reported} vs {kish}"
    );
    let weighted_p = truth
        .iter()
        .zip(&w)
        .filter(|(t, _)| t.1.is_some())
        .map(|(_, w)| w)
        .sum::<f64>()
        / w.iter().sum::<f64>();
    assert!((p - weighted_p).abs() < 1e-6, "{p} vs {weighted_p}");

    // Few survivors: a warning on the terminal and in the JSON.
    let obs = observed(
        dir.path(),
        "narrow.toml",
        "[[alignment]]\nactor = \"X\"\nmonth = \"2015-02\"\nabove = 0.99\n",
    );
    let out = dir.path().join("narrow");
    let o = common::realign_ok(&[
        "condition",
        run_s,
        "--observed",
        obs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        common::stderr(&o).contains("fewer than --min-runs 200"),
        "{}",
        common::stderr(&o)
    );
    assert!(json(&out.join("conditioned.json"))["warning"].is_string());
}

#[test]
fn signposts_rank_first_the_event_the_outcome_is_tied_to() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let truth = synthetic(&run, 20_000);
    let out = dir.path().join("sp");
    let o = common::realign_ok(&[
        "signposts",
        run.to_str().unwrap(),
        "--outcome",
        "b",
        "--top",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let j = json(&out.join("signposts.json"));
    let first = &j["signposts"][0];
    assert_eq!(first["signal"], "a", "{}", common::stdout(&o));
    assert_eq!(first["kind"], "event");
    // P(B | A) = 0.8 and P(B | not A) = 0.2 lie in their intervals; the difference 0.6 in Newcombe's.
    let inside = |v: &serde_json::Value, x: f64| {
        v["ci_low"].as_f64().unwrap() <= x && x <= v["ci_high"].as_f64().unwrap()
    };
    assert!(inside(&first["p_given"], 0.8) && inside(&first["p_given_not"], 0.2));
    assert!(inside(&first["difference"], 0.6));
    // Runs where B had happened by the signpost's month are excluded from it.
    for s in j["signposts"].as_array().unwrap() {
        let m = s["months_after_start"].as_u64().unwrap() as u16;
        let excluded = truth.iter().filter(|t| t.1.is_some_and(|b| b <= m)).count() as u64;
        assert_eq!(s["excluded"].as_u64().unwrap(), excluded);
    }
    // The independent alignment signposts do not separate (their difference's interval holds 0 or is tiny).
    let x = j["signposts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["signal"] == "alignment")
        .unwrap();
    assert!(x["difference"]["value"].as_f64().unwrap().abs() < 0.05);
    assert!(
        common::stdout(&o).contains("  1. event A by 2015-03"),
        "{}",
        common::stdout(&o)
    );
}

#[test]
fn the_baseline_conditioned_on_an_alignment_matches_its_trajectories() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_with_paths(&run, "1000", &["--trajectories", "1000"]);
    // Belarus's alignment in 2015-12 from trajectories.csv (full precision to 6 decimals).
    let text = std::fs::read_to_string(run.join("trajectories.csv")).unwrap();
    let mut values = vec![f64::NAN; 1000];
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == "2015-12" && f[3] == "Belarus" && f[4] == "alignment" {
            values[f[1].parse::<usize>().unwrap()] = f[5].parse().unwrap();
        }
    }
    // The runs above the bound, from the full values and the documented quantisation (round(127 a) / 127),
    // recomputed here; no value sits on a rounding edge, so the 6 decimals of the CSV decide nothing.
    let bound = 0.5;
    assert!(
        values
            .iter()
            .all(|v| ((127.0 * v).fract().abs() - 0.5).abs() > 1e-4)
    );
    let kept: Vec<usize> = (0..1000)
        .filter(|&r| (127.0 * values[r]).round() / 127.0 > bound)
        .collect();
    assert!(
        kept.len() > 50 && kept.len() < 950,
        "{bound}: {}",
        kept.len()
    );
    let obs = observed(
        dir.path(),
        "by.toml",
        &format!("[[alignment]]\nactor = \"Belarus\"\nmonth = \"2015-12\"\nabove = {bound}\n"),
    );
    let out = dir.path().join("c");
    common::realign_ok(&[
        "condition",
        run.to_str().unwrap(),
        "--observed",
        obs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(json(&out.join("conditioned.json"))["survivors"], kept.len());
    // Each event's conditioned probability by the horizon is the count ratio over the kept runs.
    let p = PathsFile::open(&run).unwrap();
    let mut by_horizon = vec![0usize; p.header.events.len()];
    let horizon = p.header.months - 1;
    p.scan(|r, rec| {
        if kept.binary_search(&(r as usize)).is_ok() {
            for (e, n) in by_horizon.iter_mut().enumerate() {
                *n += usize::from(rec.happened_by(e, horizon));
            }
        }
    })
    .unwrap();
    let text = std::fs::read_to_string(out.join("conditioned.csv")).unwrap();
    let mut checked = 0;
    for line in text.lines().skip(1).filter(|l| l.contains(",2017-12,")) {
        let f: Vec<&str> = line.split(',').collect();
        let e = p
            .header
            .events
            .iter()
            .position(|x| x.id == f[2] && x.actor == f[3])
            .unwrap();
        assert_eq!(f[10].parse::<usize>().unwrap(), by_horizon[e], "{line}");
        let ratio = by_horizon[e] as f64 / kept.len() as f64;
        assert!(
            (f[4].parse::<f64>().unwrap() - ratio).abs() < 1e-6,
            "{line}"
        );
        checked += 1;
    }
    assert_eq!(checked, p.header.events.len());
    assert!(out.join("conditioned.png").exists() && out.join("conditioned.svg").exists());

    // The shipped example conditions a baseline run (hard and soft observations together); the results go to a
    // folder of their own beside the run's marker.
    let shipped = common::root().join("scenarios/observed/news-2015-06.toml");
    let o = common::realign_ok(&[
        "condition",
        run.to_str().unwrap(),
        "--observed",
        shipped.to_str().unwrap(),
    ]);
    assert!(
        common::stdout(&o).contains("effective runs (Kish)"),
        "{}",
        common::stdout(&o)
    );
    assert!(run.join("condition-news-2015-06/conditioned.json").exists());
    assert!(run.join("manifest.json").exists());
}

#[test]
fn precision_mode_stores_every_run_it_grew_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let scenario = common::scenario("baseline.toml");
    common::realign_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "--quiet",
        "--paths",
        "--precision",
        "0.04",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = json(&out.join("manifest.json"))["runs"].as_u64().unwrap();
    let p = PathsFile::open(&out).unwrap();
    assert_eq!(p.runs, runs);
    let mut seen = 0;
    p.scan(|_, _| seen += 1).unwrap();
    assert_eq!(seen, runs);
}

#[test]
fn impossible_observations_missing_or_damaged_paths_and_bad_observed_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    synthetic(&run, 500);
    let run_s = run.to_str().unwrap();
    let condition = |obs: &Path, run: &str| {
        common::realign(&[
            "condition",
            run,
            "--observed",
            obs.to_str().unwrap(),
            "--quiet",
        ])
    };

    // No run survives: exit 2, saying so.
    let obs = observed(
        dir.path(),
        "never.toml",
        "[[driver]]\nmetric = \"oil_usd_per_bbl\"\nmonth = \"2015-06\"\nbelow = 10.0\n",
    );
    let o = condition(&obs, run_s);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("no run of 500 survives"),
        "{}",
        common::stderr(&o)
    );

    // Observed-file mistakes, each located with key path and a suggestion where one exists.
    let bad = observed(
        dir.path(),
        "bad.toml",
        "[[event]]\nevent = \"aa\"\nby = \"2019-03\"\n\n[[driver]]\nmetric = \"oil\"\nmonth = \"2015-06\"\nbelow = 50.0\n\n[[alignment]]\nactor = \"Y\"\nmonth = \"2015-06\"\nabove = 0.5\nbelow = 0.2\n",
    );
    let o = condition(&bad, run_s);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for want in [
        "bad.toml:2:9",
        "event[0].event",
        "did you mean `a`?",
        "bad.toml:3:6",
        "2019-03 is outside the run",
        "driver[0].metric",
        "did you mean `oil_usd_per_bbl`?",
        "alignment[0].below",
        "alignment[0].actor",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    let typo = observed(dir.path(), "typo.toml", "[[events]]\nevent = \"a\"\n");
    let o = condition(&typo, run_s);
    assert!(
        common::stderr(&o).contains("did you mean `event`?"),
        "{}",
        common::stderr(&o)
    );

    // A folder without paths.bin.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let ok = observed(
        dir.path(),
        "ok.toml",
        "[[event]]\nevent = \"a\"\nby = \"2015-02\"\n",
    );
    let o = condition(&ok, empty.to_str().unwrap());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("rerun with `realign run SCENARIO --paths"),
        "{}",
        common::stderr(&o)
    );
    let o = common::realign(&["signposts", empty.to_str().unwrap(), "--outcome", "b"]);
    assert_eq!(o.status.code(), Some(2));

    // Truncated, or a flipped byte: refused, and no results written.
    let file = run.join("paths.bin");
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&file, &whole[..whole.len() - 100]).unwrap();
    let o = condition(&ok, run_s);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("truncated"),
        "{}",
        common::stderr(&o)
    );
    let mut flipped = whole.clone();
    let at = whole.len() / 2;
    flipped[at] ^= 0x40;
    std::fs::write(&file, &flipped).unwrap();
    let out = dir.path().join("flipped");
    let o = common::realign(&[
        "condition",
        run_s,
        "--observed",
        ok.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("checksum mismatch")
            || common::stderr(&o).contains("corrupted"),
        "{}",
        common::stderr(&o)
    );
    assert!(!out.join("conditioned.json").exists());

    // The run folder itself is not an output folder.
    std::fs::write(&file, &whole).unwrap();
    let o = common::realign(&[
        "condition",
        run_s,
        "--observed",
        ok.to_str().unwrap(),
        "--out",
        run_s,
    ]);
    assert_eq!(o.status.code(), Some(2));

    // signposts: an unknown outcome, a month outside the run.
    let o = common::realign(&["signposts", run_s, "--outcome", "bb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("did you mean `b`?"),
        "{}",
        common::stderr(&o)
    );
    let o = common::realign(&["signposts", run_s, "--outcome", "b", "--by", "2020-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("outside the run"),
        "{}",
        common::stderr(&o)
    );
}
