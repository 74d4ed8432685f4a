//! Latin hypercube sweeps: PRCC in prcc.csv and analysis.json, PRCC bars and scatter panels per outcome, the same
//! bytes for any thread count. (The PRCC's known-answer tests are beside the estimator, in sweep/analysis.rs.)

mod common;

use std::path::{Path, PathBuf};

/// A tiny Latin hypercube over the baseline: 10 points, 2 parameters, 2 outcomes (a probability, an alignment).
fn tiny_lhs(dir: &Path) -> PathBuf {
    common::write(
        dir,
        "tiny-lhs.toml",
        &format!(
            r#"name = "tiny-lhs"
base = "{}"
replicates = 40
outcomes = ["union_fracture", "alignment:Belarus"]
[design]
kind = "latin-hypercube"
points = 10
seed = 3
[[parameters]]
key = "drivers.oil.long_run_usd_per_bbl"
lower = 30.0
upper = 110.0
[[parameters]]
key = "actors.Russia.pressure"
lower = 0.5
upper = 1.5
"#,
            common::scenario("baseline.toml").display()
        ),
    )
}

fn sweep(file: &Path, out: &Path, threads: &str) {
    common::realign_ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
    ]);
}

#[test]
fn lhs_sweep_writes_prcc_and_charts_identically_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = tiny_lhs(dir.path());
    let (t1, t4) = (dir.path().join("t1"), dir.path().join("t4"));
    sweep(&file, &t1, "1");
    sweep(&file, &t4, "4");

    let csv = std::fs::read_to_string(t1.join("prcc.csv")).unwrap();
    eprintln!("{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "outcome,parameter,prcc,ci_low,ci_high");
    assert_eq!(
        lines.len(),
        1 + 2 * 2,
        "one row per outcome x parameter:\n{csv}"
    );
    for (line, (o, p)) in lines[1..].iter().zip([
        ("union_fracture", "drivers.oil.long_run_usd_per_bbl"),
        ("union_fracture", "actors.Russia.pressure"),
        ("alignment:Belarus", "drivers.oil.long_run_usd_per_bbl"),
        ("alignment:Belarus", "actors.Russia.pressure"),
    ]) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[0], f[1]), (o, p), "{line}");
        let v: Vec<f64> = f[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(
            -1.0 <= v[1] && v[1] <= v[0] && v[0] <= v[2] && v[2] <= 1.0,
            "PRCC inside its interval inside [-1, 1]: {line}"
        );
    }

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t1.join("analysis.json")).unwrap()).unwrap();
    let prcc = json["prcc"]
        .as_array()
        .expect("analysis.json has a prcc section");
    assert_eq!(prcc.len(), 4);
    for k in ["outcome", "parameter", "value", "ci_low", "ci_high"] {
        assert!(prcc[0].get(k).is_some(), "prcc row lacks {k}: {}", prcc[0]);
    }

    for stem in ["prcc", "scatter"] {
        for outcome in ["union-fracture", "alignment-belarus"] {
            for ext in ["png", "svg"] {
                let f = t1.join(format!("{stem}-{outcome}.{ext}"));
                assert!(
                    std::fs::metadata(&f).is_ok_and(|m| m.len() > 0),
                    "{} missing",
                    f.display()
                );
            }
        }
    }

    for f in [
        "prcc.csv",
        "analysis.json",
        "sweep.csv",
        "prcc-union-fracture.svg",
        "scatter-alignment-belarus.png",
    ] {
        assert!(
            std::fs::read(t1.join(f)).unwrap() == std::fs::read(t4.join(f)).unwrap(),
            "{f} differs between 1 and 4 threads"
        );
    }
}

#[test]
fn grid_sweeps_write_no_prcc() {
    // PRCC assumes a random sample of the parameter box: a grid gets none, and its analysis.json no section.
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "g.toml",
        &format!(
            "name = \"g\"\nbase = \"{}\"\nreplicates = 20\noutcomes = [\"union_fracture\"]\n[design]\nkind = \"grid\"\n[[parameters]]\nkey = \"actors.Russia.pressure\"\nvalues = [0.5, 1.5]\n",
            common::scenario("baseline.toml").display()
        ),
    );
    let out = dir.path().join("out");
    sweep(&file, &out, "2");
    assert!(!out.join("prcc.csv").exists());
    let json = std::fs::read_to_string(out.join("analysis.json")).unwrap();
    assert!(!json.contains("\"prcc\""), "{json}");
}
