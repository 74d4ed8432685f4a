//! Writing results: each file is rendered to bytes first, then written whole or not at all (temporary file in the
//! same folder, flushed, then renamed over the target), so an interrupted run never leaves a file that looks whole.

pub mod manifest;
pub mod report;
pub mod tables;

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot create output folder {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Creates the output folder (and its parents).
pub fn ensure_dir(dir: &Path) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `dir/name` atomically. `name` is a plain file name chosen by realign, never by a scenario.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
    debug_assert!(!name.contains('/') && !name.starts_with('.'));
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(OutputError::Write {
            path: target,
            source,
        });
    }
    Ok(target)
}

/// The folder one command writes: every file goes through it, whole or not at all, and it remembers what it wrote.
pub struct OutDir {
    dir: PathBuf,
    written: Vec<PathBuf>,
}

impl OutDir {
    /// Creates the folder (and its parents) before anything runs, so an unwritable folder fails early.
    pub fn create(dir: &Path) -> Result<OutDir, OutputError> {
        ensure_dir(dir)?;
        Ok(OutDir {
            dir: dir.to_path_buf(),
            written: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The files written so far, in order.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    pub fn bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = write_atomic(&self.dir, name, bytes)?;
        self.written.push(path);
        Ok(())
    }

    /// Pretty JSON with a final newline.
    pub fn json(&mut self, name: &str, value: &impl serde::Serialize) -> Result<(), OutputError> {
        self.bytes(name, &json_bytes(value))
    }

    /// A figure as its PNG and SVG pair, `STEM.png` and `STEM.svg`.
    pub fn figure(&mut self, fig: &crate::charts::Rendered) -> Result<(), OutputError> {
        self.bytes(&format!("{}.png", fig.stem), &fig.png)?;
        self.bytes(&format!("{}.svg", fig.stem), fig.svg.as_bytes())
    }

    pub fn figures(&mut self, figs: &[crate::charts::Rendered]) -> Result<(), OutputError> {
        figs.iter().try_for_each(|f| self.figure(f))
    }
}

/// Pretty JSON with a final newline: the form of every JSON file realign writes.
pub fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("results serialise");
    v.push(b'\n');
    v
}

/// Pretty JSON with every object's keys in alphabetical order (the order comparison.json, claims.json and a sweep's
/// manifest.json have always had), whatever the order of the fields that produced it.
pub fn sorted_json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    json_bytes(&serde_json::to_value(value).expect("results serialise"))
}

/// A CSV writer into memory with `\n` line ends, as every table uses.
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

/// The bytes of an in-memory CSV writer.
pub fn csv_bytes(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("in-memory csv")
}

/// Serialises an interval rounded to 6 decimals (`#[serde(serialize_with = ...)]`): full precision in memory,
/// short and byte-stable numbers in files.
pub fn rounded_interval<S: serde::Serializer>(
    i: &crate::stats::Interval,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&i.rounded(), s)
}

/// Serialises a number rounded to 6 decimals (see [`rounded_interval`]).
pub fn rounded<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*v))
}

/// A number for a table: up to 6 decimals, no trailing zeros; empty for NaN (read as missing by pandas and R).
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Rounds to 6 decimals for JSON (so files stay readable and byte-stable).
pub fn round6(v: f64) -> f64 {
    if v.is_finite() {
        (v * 1e6).round() / 1e6
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0000001), "0");
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(62.339_999_9), "62.34");
    }

    #[test]
    fn atomic_write_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "a.csv", b"x,y\n").unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.csv")]);
        let missing = dir.path().join("no/such");
        assert!(write_atomic(&missing, "a.csv", b"").is_err());
    }
}
