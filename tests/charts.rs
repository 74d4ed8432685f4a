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
