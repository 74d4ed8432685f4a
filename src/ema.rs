//! `realign export-ema SWEEP_DIR [--out FILE.tar.gz]`: a finished sweep in the results layout of the EMA Workbench
//! (`ema_workbench.save_results`, version 2.x), so that `ema_workbench.load_results(FILE)` returns its
//! `(experiments, outcomes)` and the workbench's analyses (PRIM, feature scoring, dimensional stacking) run on it.
//!
//! The archive, a gzip'd ustar tar (what Python's `tarfile.open(name, "w:gz")` writes), holds:
//! - `experiments.csv`: one row per sweep point, in sweep.csv's order: each swept parameter (its sweep key as the
//!   column name, float64), then `scenario` (the point's index, int64), `policy` (`none`) and `model` (`realign`),
//!   the three columns every workbench experiment table has.
//! - one `NAME.cls` per outcome (a ScalarOutcome: one value per line, no header, in the experiments' order). For
//!   every sweep outcome `LABEL` there are three: `NAME` (the estimate), `NAME_ci_low` and `NAME_ci_high` (its 95%
//!   interval), where NAME is LABEL with `:` written `_` (`hosts_mediation:Belarus` -> `hosts_mediation_Belarus`), so
//!   that every name is a Python identifier.
//! - `metadata.json`: `{"version": 0.1, "outcomes": [["ScalarOutcome", NAME, FILE], ...], "experiments": {column:
//!   dtype}}`, as `save_results` writes it (dtypes `float64`, `int64`, `object`).
//!
//! Every member has mode 0644, owner 0, time 0, and the gzip header no time or name: the same sweep gives the same
//! bytes. Numbers are written as in sweep.csv (shortest text that reads back to the same f64).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::discover::{self, DiscoverError};
use crate::output::num;

/// The file name of the export inside the sweep folder when `--out` is not given.
pub const DEFAULT_FILE: &str = "ema-results.tar.gz";

/// One number of a sweep point's estimate.
type PointValue = fn(&discover::Point) -> f64;

/// The workbench's outcome name for a sweep label: a Python identifier.
pub fn outcome_name(label: &str) -> String {
    label.replace(':', "_")
}

/// The export's bytes from the finished sweep in `dir` (refused, as `discover` refuses it, if it is not one).
pub fn export(dir: &Path) -> Result<Vec<u8>, DiscoverError> {
    let labels = outcome_labels(dir)?;
    let mut tables = Vec::new();
    for l in &labels {
        tables.push(discover::load(dir, l)?);
    }
    let Some(first) = tables.first() else {
        return Err(DiscoverError::Malformed {
            path: dir.join("analysis.json"),
            line: 1,
            message: "the sweep has no outcome".into(),
        });
    };
    let mut experiments = String::new();
    let mut header: Vec<String> = first.parameters.clone();
    header.extend(["scenario", "policy", "model"].map(String::from));
    experiments.push_str(&csv_line(&header));
    for (i, p) in first.points.iter().enumerate() {
        let mut row: Vec<String> = p.values.iter().map(|v| num(*v)).collect();
        row.extend([i.to_string(), "none".into(), "realign".into()]);
        experiments.push_str(&csv_line(&row));
    }
    let mut files: Vec<(String, Vec<u8>)> =
        vec![("experiments.csv".into(), experiments.into_bytes())];
    let mut outcomes = Vec::new();
    for t in &tables {
        let base = outcome_name(&t.outcome);
        let columns: [(String, PointValue); 3] = [
            (base.clone(), |p| p.estimate.value),
            (format!("{base}_ci_low"), |p| p.estimate.ci_low),
            (format!("{base}_ci_high"), |p| p.estimate.ci_high),
        ];
        for (name, value) in columns {
            let text: String = t
                .points
                .iter()
                .map(|p| format!("{}\n", num(value(p))))
                .collect();
            let file = format!("{name}.cls");
            outcomes.push(serde_json::json!(["ScalarOutcome", name, file]));
            files.push((file, text.into_bytes()));
        }
    }
    let mut dtypes = serde_json::Map::new();
    for p in &first.parameters {
        dtypes.insert(p.clone(), "float64".into());
    }
    dtypes.insert("scenario".into(), "int64".into());
    dtypes.insert("policy".into(), "object".into());
    dtypes.insert("model".into(), "object".into());
    let metadata = serde_json::json!({
        "version": 0.1,
        "outcomes": outcomes,
        "experiments": dtypes,
    });
    files.push(("metadata.json".into(), metadata.to_string().into_bytes()));
    Ok(gzip(&tar(&files)))
}

/// The sweep's outcome labels, in analysis.json's order.
fn outcome_labels(dir: &Path) -> Result<Vec<String>, DiscoverError> {
    // discover::load checks the folder is a finished sweep; ask it about no outcome first, to get its refusal.
    match discover::load(dir, "") {
        Err(DiscoverError::UnknownOutcome { known, .. }) => Ok(known),
        Err(e) => Err(e),
        Ok(_) => Err(DiscoverError::Malformed {
            path: dir.join("analysis.json"),
            line: 1,
            message: "an outcome with an empty name".into(),
        }),
    }
}

/// One CSV line; names and numbers realign writes need no quoting, but a comma or quote is quoted all the same.
fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| match c.contains([',', '"', '\n', '\r']) {
            true => format!("\"{}\"", c.replace('"', "\"\"")),
            false => c.clone(),
        })
        .collect();
    format!("{}\n", quoted.join(","))
}

/// A ustar archive of regular files (names of at most 100 bytes), ending in the two zero blocks.
pub fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        let mut h = [0u8; 512];
        let name = name.as_bytes();
        let n = name.len().min(100);
        h[..n].copy_from_slice(&name[..n]);
        let octal = |h: &mut [u8; 512], at: usize, width: usize, v: u64| {
            let s = format!("{v:0w$o}\0", w = width - 1);
            h[at..at + width].copy_from_slice(s.as_bytes());
        };
        octal(&mut h, 100, 8, 0o644);
        octal(&mut h, 108, 8, 0);
        octal(&mut h, 116, 8, 0);
        octal(&mut h, 124, 12, data.len() as u64);
        octal(&mut h, 136, 12, 0);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        // The checksum is taken with its own field as spaces.
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// gzip with no time and no file name in its header.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    // Writing to memory cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// Where the export goes: `--out`, or `SWEEP_DIR/ema-results.tar.gz`.
pub fn default_file(dir: &Path, out: Option<&Path>) -> PathBuf {
    out.map_or_else(|| dir.join(DEFAULT_FILE), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_headers_have_valid_checksums_and_blocks() {
        let t = tar(&[("a.csv".into(), b"x,y\n1,2\n".to_vec())]);
        // Header, one data block, two zero blocks.
        assert_eq!(t.len(), 512 * 4);
        let mut h = t[..512].to_vec();
        let recorded = u64::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        h[148..156].copy_from_slice(b"        ");
        assert_eq!(recorded, h.iter().map(|&b| u64::from(b)).sum::<u64>());
        assert_eq!(&t[512..520], b"x,y\n1,2\n");
    }

    #[test]
    fn outcome_names_are_identifiers() {
        assert_eq!(
            outcome_name("hosts_mediation:Belarus"),
            "hosts_mediation_Belarus"
        );
        assert_eq!(outcome_name("union_fracture"), "union_fracture");
    }
}
