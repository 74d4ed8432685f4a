//! Every chart of a run exists, has the stated size, is not blank, and is the same bytes for the same inputs.

mod common;

use std::collections::HashSet;
use std::path::Path;

/// Decodes a PNG and returns (width, height, RGB pixels).
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let px = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

fn run(dir: &Path, scenario: &str, sub: &str, threads: &str) -> std::path::PathBuf {
    let out = dir.join(sub);
    let path = common::scenario(scenario);
    common::realign_ok(&[
        "run",
        path.to_str().unwrap(),
        "-q",
        "--runs",
        "1500",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

const CHARTS: [(&str, u32, u32); 6] = [
    ("fan-belarus", 1000, 560),
    ("fan-kazakhstan", 1000, 560),
    ("fan-ukraine", 1000, 560),
    ("bands", 1200, 820),
    ("events", 1200, 820),
    ("drivers", 1200, 1100),
];

#[test]
fn every_chart_is_a_valid_non_blank_png_and_svg_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "baseline.toml", "a", "2");
    for (stem, w, h) in CHARTS {
        let (width, height, px) = decode(&out.join(format!("{stem}.png")));
        assert_eq!((width, height), (w, h), "{stem}");
        let colours: HashSet<[u8; 3]> = px.iter().copied().collect();
        assert!(
            colours.len() >= 12,
            "{stem}: only {} colours",
            colours.len()
        );
        let drawn = px.iter().filter(|p| **p != [255, 255, 255]).count() as f64 / px.len() as f64;
        // Axes, text and at least one band: several percent of the canvas; a blank or text-only chart is below.
        assert!(
            drawn > 0.04,
            "{stem}: only {:.1}% of pixels drawn",
            100.0 * drawn
        );
        let svg = std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")),
            "{stem}"
        );
        assert!(
            svg.contains("<text") && svg.contains("<polygon") || svg.contains("<path"),
            "{stem}: empty SVG"
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{stem}: truncated SVG");
    }
    // The patron's alignment is fixed: no fan for Russia.
    assert!(!out.join("fan-russia.png").exists());
}

#[test]
fn the_same_inputs_give_the_same_chart_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(dir.path(), "baseline.toml", "a", "1");
    let b = run(dir.path(), "baseline.toml", "b", "2");
    for (stem, _, _) in CHARTS {
        for ext in ["png", "svg"] {
            let f = format!("{stem}.{ext}");
            assert!(
                std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
                "{f} differs"
            );
        }
    }
}

#[test]
fn history_is_drawn_over_the_drivers() {
    // The drivers chart of the replay scenario has the black history line: many pure black pixels.
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "history-replay.toml", "h", "2");
    let (_, _, px) = decode(&out.join("drivers.png"));
    let black = px.iter().filter(|p| **p == [0, 0, 0]).count();
    assert!(black > 3000, "only {black} black pixels");
}

#[test]
fn compare_draws_what_scenarios_share_and_lists_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let short = common::write(
        dir.path(),
        "short.toml",
        &format!(
            "base = \"{}\"\nname = \"short\"\nhorizon_months = 24\nremove_actors = [\"Kazakhstan\"]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let o = common::realign_ok(&[
        "compare",
        common::scenario("baseline.toml").to_str().unwrap(),
        common::scenario("armenia.toml").to_str().unwrap(),
        short.to_str().unwrap(),
        "--runs",
        "800",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = common::stdout(&o);
    assert!(text.contains("Events by 2016-12"), "{text}");
    assert!(text.contains("actor Kazakhstan"), "{text}");
    assert!(text.contains("actor Armenia"), "{text}");
    assert!(
        text.contains("short: months 2014-12 .. 2016-12")
            || text.contains("baseline: months 2014-12 .. 2017-12"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["compared_at"], "2016-12");
    assert_eq!(
        json["shared_actors"],
        serde_json::json!(["Belarus", "Ukraine"])
    );
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("event,actor,description,scenario,probability,ci_low,ci_high,difference")
    );
    assert!(!csv.contains("Kazakhstan"));
    for f in [
        "compare-events.png",
        "compare-alignment.png",
        "compare-events.svg",
        "compare-alignment.svg",
    ] {
        let (w, _, px) = if f.ends_with("png") {
            decode(&out.join(f))
        } else {
            (1, 1, vec![[0, 0, 0]])
        };
        assert!(w > 0 && px.iter().any(|p| *p != [255, 255, 255]), "{f}");
    }
}

#[test]
fn an_unwritable_output_folder_is_named_and_nothing_is_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let out = blocker.join("run");
    let path = common::scenario("baseline.toml");
    let o = common::realign(&[
        "run",
        path.to_str().unwrap(),
        "-q",
        "--runs",
        "100",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    assert!(
        err.contains("cannot create output folder") && err.contains(out.to_str().unwrap()),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

/// Every PNG in `dir`: decodes, is not blank, and has its SVG beside it, of the same size. Returns the stems.
fn check_every_png(dir: &Path) -> Vec<String> {
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("png") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (w, h, px) = decode(&path);
        let colours: HashSet<[u8; 3]> = px.iter().copied().collect();
        assert!(colours.len() >= 8, "{stem}: only {} colours", colours.len());
        let drawn = px.iter().filter(|p| **p != [255, 255, 255]).count() as f64 / px.len() as f64;
        // Axes, text and marks: at least 1% of the canvas; a blank chart is below.
        assert!(drawn > 0.01, "{stem}: only {:.2}% drawn", 100.0 * drawn);
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")),
            "{stem}"
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{stem}: truncated SVG");
        stems.push(stem);
    }
    stems.sort();
    stems
}

#[test]
fn every_sweep_and_discover_chart_kind_is_a_valid_non_blank_png_and_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let base = common::scenario("baseline.toml");
    let grid = common::write(
        tmp.path(),
        "grid.toml",
        &format!(
            r#"name = "grid"
base = "{}"
replicates = 100
outcomes = ["policy_revision", "alignment:Belarus"]
[design]
kind = "grid"
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
values = [30.0, 50.0, 70.0, 90.0, 110.0]
[[parameters]]
key = "drivers.rouble.oil_elasticity"
values = [0.0, 0.4, 0.85, 1.2]
"#,
            base.display()
        ),
    );
    let lhs = common::write(
        tmp.path(),
        "lhs.toml",
        &format!(
            r#"name = "lhs"
base = "{}"
replicates = 60
outcomes = ["policy_revision", "alignment:Belarus"]
[design]
kind = "latin-hypercube"
points = 16
seed = 5
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
lower = 30.0
upper = 110.0
[[parameters]]
key = "drivers.west.engagement"
lower = 0.25
upper = 0.75
"#,
            base.display()
        ),
    );
    let grid_out = tmp.path().join("grid-out");
    let lhs_out = tmp.path().join("lhs-out");
    for (file, out) in [(&grid, &grid_out), (&lhs, &lhs_out)] {
        common::realign_ok(&[
            "sweep",
            file.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    let g = grid_out.to_str().unwrap();
    common::realign_ok(&[
        "discover",
        g,
        "--outcome",
        "policy_revision",
        "--above",
        "0.4",
        "-q",
    ]);
    let grid_stems = check_every_png(&grid_out);
    assert!(
        grid_stems.iter().any(|s| s.starts_with("heatmap-")),
        "{grid_stems:?}"
    );
    let lhs_stems = check_every_png(&lhs_out);
    for kind in ["scatter-", "prcc-"] {
        assert!(
            lhs_stems.iter().any(|s| s.starts_with(kind)),
            "{kind}: {lhs_stems:?}"
        );
    }
    let discover_stems = check_every_png(&grid_out.join("discover-policy_revision"));
    assert!(!discover_stems.is_empty(), "no discover chart");
}
