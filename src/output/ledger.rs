//! ledger.jsonl: the forecast ledger of a run folder. Every `realign run` appends one line to it, so the folder
//! keeps the history of the forecast as scenarios, seeds and realign itself change between issues; `realign
//! ledger DIR` prints it as a table.
//!
//! Format: JSON Lines, one [`Entry`] object per line, each line ending in `\n`:
//! `ledger_format` (1), `time` (when the run finished, RFC 3339 UTC, seconds), `scenario`, `scenario_hash` (as in
//! manifest.json), `seed`, `runs`, `realign_version`, `git_revision`, `options` (the arguments that decide the
//! results, as manifest.json's `options`), `horizon_month`, and `events`: every event's probability by the horizon
//! with its 95% Wilson interval and count, rounded to 6 decimals as in summary.json.
//!
//! Appending keeps the file whole: the old ledger is read (a regular file of at most [`MAX_LEDGER_BYTES`]) and
//! every line checked before the run starts, and old + new line are written through the one atomic writer
//! ([`OutDir::bytes`]: temporary file, then rename), so a killed or failed write leaves the old ledger as it was,
//! never a torn line. A ledger that does not parse is refused, naming its line and column, rather than kept aside
//! and restarted: it is a record, and a record silently begun again hides the break. Move it aside
//! (`mv ledger.jsonl ledger-old.jsonl`) and the next run starts a new one. The ledger is not a completion marker:
//! `OutDir::create` leaves it, so it survives every rerun into the folder. It is appended just before
//! manifest.json, so a run killed between the two leaves a line whose folder has no marker.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{OutDir, OutputError};

/// The ledger's file name in a run folder.
pub const LEDGER_FILE: &str = "ledger.jsonl";
/// The largest ledger realign reads: about 8,000 entries of 16 events. Beyond it, move the ledger aside.
pub const MAX_LEDGER_BYTES: u64 = 16 << 20;
/// The format of the lines this build writes.
pub const LEDGER_FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read the ledger {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a regular file: a ledger realign writes is one", path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "the ledger {} holds {bytes} bytes, more than the {max} realign reads: move it aside (it stays a valid \
         record) and the next run starts a new one",
        path.display()
    )]
    TooLarge { path: PathBuf, bytes: u64, max: u64 },
    #[error(
        "{}:{line}:{column}: the ledger does not parse ({message}); nothing ran. A ledger is a record, so realign \
         refuses to append to one it cannot read: mend the line, or move the file aside and the next run starts a \
         new one",
        path.display()
    )]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{} holds no ledger ({LEDGER_FILE}): no `realign run` with a ledger has written there", dir.display())]
    Missing { dir: PathBuf },
}

/// One run, as one line of the ledger.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Entry {
    pub ledger_format: u32,
    /// When the run finished, RFC 3339 UTC to the second.
    pub time: String,
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub realign_version: String,
    pub git_revision: String,
    /// manifest.json's `options` (kept as JSON, so a line with an option a later realign adds still reads).
    pub options: serde_json::Value,
    pub horizon_month: String,
    pub events: Vec<EventEntry>,
}

/// An event's probability by the horizon, with its 95% Wilson interval.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EventEntry {
    pub event: String,
    /// Empty for world events.
    pub actor: String,
    pub description: String,
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub count: u64,
}

/// A ledger as read: its bytes (kept verbatim, so appending never rewrites an old line) and its entries.
#[derive(Debug, Default)]
pub struct Ledger {
    pub bytes: Vec<u8>,
    pub entries: Vec<Entry>,
}

/// Reads and checks `dir`'s ledger; an empty ledger when there is none yet.
pub fn read(dir: &Path) -> Result<Ledger, LedgerError> {
    let path = dir.join(LEDGER_FILE);
    let read_err = |source| LedgerError::Read {
        path: path.clone(),
        source,
    };
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ledger::default()),
        Err(e) => return Err(read_err(e)),
    };
    if !meta.is_file() {
        return Err(LedgerError::NotAFile { path });
    }
    let too_large = |bytes| LedgerError::TooLarge {
        path: path.clone(),
        bytes,
        max: MAX_LEDGER_BYTES,
    };
    if meta.len() > MAX_LEDGER_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_LEDGER_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_err)?;
    // The file may have grown since its size was read.
    if bytes.len() as u64 > MAX_LEDGER_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let entries = parse(&path, &bytes)?;
    Ok(Ledger { bytes, entries })
}

/// Every line of a ledger's bytes as an [`Entry`]; the first line that is not one is refused with its position.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>, LedgerError> {
    let malformed = |line, column, message: String| LedgerError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        malformed(line, column, "not UTF-8".into())
    })?;
    let mut entries = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let Some(body) = line.strip_suffix('\n') else {
            return Err(malformed(
                i + 1,
                line.chars().count() + 1,
                "the last line has no line end: it is incomplete".into(),
            ));
        };
        let entry: Entry =
            serde_json::from_str(body).map_err(|e| malformed(i + 1, e.column(), e.to_string()))?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The ledger's bytes with `entry` appended as one line.
pub fn appended(old: &Ledger, entry: &Entry) -> Vec<u8> {
    let mut bytes = old.bytes.clone();
    bytes.extend(serde_json::to_vec(entry).expect("ledger entries serialise"));
    bytes.push(b'\n');
    bytes
}

/// Appends `entry` to the ledger `old` was read from, through `out`'s atomic writer: the file is replaced whole by
/// old + new line, or not at all.
pub fn append(out: &mut OutDir, old: &Ledger, entry: &Entry) -> Result<(), OutputError> {
    out.bytes(LEDGER_FILE, &appended(old, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: u64) -> Entry {
        Entry {
            ledger_format: LEDGER_FORMAT,
            time: "2015-01-01T00:00:00Z".into(),
            scenario: "baseline".into(),
            scenario_hash: "ab".repeat(32),
            seed: i,
            runs: 100,
            realign_version: "0.1.0".into(),
            git_revision: "unknown".into(),
            options: serde_json::json!({"scenario": "s.toml", "trajectories": 0}),
            horizon_month: "2017-12".into(),
            events: vec![EventEntry {
                event: "ceasefire".into(),
                actor: String::new(),
                description: "a mediation round succeeds".into(),
                probability: 0.5,
                ci_low: 0.4,
                ci_high: 0.6,
                count: 50,
            }],
        }
    }

    #[test]
    fn appending_writes_old_and_new_lines_whole_through_the_atomic_writer() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutDir::create(dir.path()).unwrap();
        let none = read(dir.path()).unwrap();
        assert!(none.entries.is_empty());
        append(&mut out, &none, &entry(1)).unwrap();
        // Through the writer every file goes through: recorded as written, no temporary left behind.
        assert_eq!(out.written(), &[dir.path().join(LEDGER_FILE)]);
        let one = read(dir.path()).unwrap();
        assert_eq!(one.entries, vec![entry(1)]);
        append(&mut out, &one, &entry(2)).unwrap();
        let two = read(dir.path()).unwrap();
        assert_eq!(two.entries, vec![entry(1), entry(2)]);
        assert!(
            two.bytes.starts_with(&one.bytes),
            "an old line was rewritten"
        );
        drop(out);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![LEDGER_FILE.to_string()]);
    }

    #[test]
    fn a_failed_append_leaves_the_old_ledger_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutDir::create(dir.path()).unwrap();
        append(&mut out, &Ledger::default(), &entry(1)).unwrap();
        let before = std::fs::read(dir.path().join(LEDGER_FILE)).unwrap();
        // A folder where the writer's temporary file would go makes the write fail before the rename.
        let tmp = dir
            .path()
            .join(format!(".{LEDGER_FILE}.tmp-{}", std::process::id()));
        std::fs::create_dir(&tmp).unwrap();
        let old = read(dir.path()).unwrap();
        assert!(append(&mut out, &old, &entry(2)).is_err());
        assert_eq!(std::fs::read(dir.path().join(LEDGER_FILE)).unwrap(), before);
        assert_eq!(read(dir.path()).unwrap().entries, vec![entry(1)]);
    }

    #[test]
    fn a_ledger_that_does_not_parse_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = appended(&Ledger::default(), &entry(1));
        let path = dir.path().join(LEDGER_FILE);
        // A torn last line (no line end), a line that is not an entry, bytes that are not UTF-8.
        let mut torn = good.clone();
        torn.extend_from_slice(&good[..good.len() / 2]);
        let mut wrong = good.clone();
        wrong.extend_from_slice(b"{\"seed\": 1}\n");
        let mut binary = good.clone();
        binary.extend_from_slice(b"\xff\n");
        for (bytes, want) in [
            (torn, "incomplete"),
            (wrong, "missing field"),
            (binary, "not UTF-8"),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            let err = read(dir.path()).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, LedgerError::Malformed { line: 2, .. }),
                "{msg}"
            );
            assert!(msg.contains(want) && msg.contains(":2:"), "{msg}");
        }
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(matches!(
            read(dir.path()),
            Err(LedgerError::NotAFile { .. })
        ));
    }
}
