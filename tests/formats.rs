//! Formats analysts load directly: `realign export-ema` (the EMA Workbench's results archive) and `run --parquet`.
//! Loading both in Python (ema_workbench.load_results, pandas/pyarrow) is python/tests, run by .ci/python-check.sh;
//! here, the archive's layout and determinism, and the refusals.

mod common;

use std::io::Read;

/// The members of a tar archive: (name, bytes), read with the format's own rules.
fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= bytes.len() && bytes[at] != 0 {
        let h = &bytes[at..at + 512];
        let name =
            String::from_utf8(h[..100].iter().take_while(|&&b| b != 0).copied().collect()).unwrap();
        let size_text: String = h[124..136]
            .iter()
            .take_while(|&&b| b != 0)
            .map(|&b| b as char)
            .collect();
        let size = usize::from_str_radix(size_text.trim(), 8).unwrap();
        out.push((name, bytes[at + 512..at + 512 + size].to_vec()));
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

#[test]
fn export_ema_writes_the_workbench_layout_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let file = common::write(
        tmp.path(),
        "ema.toml",
        &format!(
            r#"name = "ema"
base = "{}"
replicates = 100
outcomes = ["ceasefire", "sanctioned:Belarus"]
[design]
kind = "grid"
[[parameters]]
key = "drivers.west.engagement"
values = [0.2, 0.8]
[[parameters]]
key = "actors.Russia.pressure"
values = [0.5, 1.5, 2.5]
"#,
            common::scenario("baseline.toml").display()
        ),
    );
    let sweep = tmp.path().join("sweep");
    let s = sweep.to_str().unwrap();
    common::realign_ok(&["sweep", file.to_str().unwrap(), "-q", "--out", s]);
    let o = common::realign_ok(&["export-ema", s]);
    assert!(common::stdout(&o).contains("ema-results.tar.gz"));
    let default = std::fs::read(sweep.join("ema-results.tar.gz")).unwrap();
    // The sweep folder is still a finished sweep: the export removed no marker.
    assert!(sweep.join("manifest.json").is_file());
    let other = tmp.path().join("again.tar.gz");
    common::realign_ok(&["export-ema", s, "--out", other.to_str().unwrap(), "-q"]);
    assert_eq!(
        default,
        std::fs::read(&other).unwrap(),
        "same sweep, same bytes"
    );

    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(default.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let members = untar(&tar);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "experiments.csv");
    assert_eq!(*names.last().unwrap(), "metadata.json");
    for n in [
        "ceasefire.cls",
        "ceasefire_ci_low.cls",
        "ceasefire_ci_high.cls",
        "sanctioned_Belarus.cls",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let text = |name: &str| {
        String::from_utf8(members.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    let experiments = text("experiments.csv");
    let mut lines = experiments.lines();
    assert_eq!(
        lines.next().unwrap(),
        "drivers.west.engagement,actors.Russia.pressure,scenario,policy,model"
    );
    assert_eq!(lines.next().unwrap(), "0.2,0.5,0,none,realign");
    assert_eq!(experiments.lines().count(), 7);
    // The estimates are sweep.csv's, in its order.
    let sweep_csv = std::fs::read_to_string(sweep.join("sweep.csv")).unwrap();
    let header: Vec<&str> = sweep_csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "ceasefire").unwrap();
    let from_sweep: Vec<&str> = sweep_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap())
        .collect();
    let cls = text("ceasefire.cls");
    assert_eq!(cls.lines().collect::<Vec<_>>(), from_sweep);
    let meta: serde_json::Value = serde_json::from_str(&text("metadata.json")).unwrap();
    assert_eq!(meta["version"], 0.1);
    assert_eq!(meta["experiments"]["scenario"], "int64");
    assert_eq!(meta["experiments"]["actors.Russia.pressure"], "float64");
    assert_eq!(
        meta["outcomes"][0],
        serde_json::json!(["ScalarOutcome", "ceasefire", "ceasefire.cls"])
    );
    assert_eq!(meta["outcomes"].as_array().unwrap().len(), 6);
}

#[test]
fn export_ema_refuses_a_folder_that_is_not_a_finished_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let o = common::realign(&["export-ema", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("not a finished sweep folder"),
        "{}",
        common::stderr(&o)
    );
    assert!(!tmp.path().join("ema-results.tar.gz").exists());
}

#[test]
fn parquet_is_written_by_a_build_with_the_feature_and_refused_by_one_without() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = common::realign(&[
        "run",
        common::scenario("baseline.toml").to_str().unwrap(),
        "--runs",
        "200",
        "--parquet",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    if cfg!(feature = "parquet") {
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        for stem in ["timeseries", "events", "quantiles"] {
            let bytes = std::fs::read(out.join(format!("{stem}.parquet"))).unwrap();
            assert!(
                bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{stem}"
            );
        }
    } else {
        assert_eq!(o.status.code(), Some(2));
        assert!(
            common::stderr(&o).contains("built without Parquet support"),
            "{}",
            common::stderr(&o)
        );
        assert!(!out.exists(), "refused before anything was written");
    }
}
