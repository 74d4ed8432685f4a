//! `realign verify DIR`: makes the run recorded in DIR's manifest.json again, into a temporary folder, and checks
//! every file of DIR against the rerun's by SHA-256. What may legitimately differ is left out and said so:
//! manifest.json's times, thread count and git revision (and its record of report.html, whose manifest copy holds
//! them), the same fields in report.html's copy of the manifest, the ledger (a history of every run into the
//! folder) and the folder lock. Only `run` folders can be verified today; sweep, merge, compare and claims folders
//! are refused by name.
//!
//! This module reads the manifest and compares folders; the rerun itself is `app::verify`, through `app::run`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::output::ledger::LEDGER_FILE;
use crate::output::manifest::{FileRecord, RunOptions, VOLATILE_FIELDS};
use crate::output::{LOCK_FILE, sha256_hex};
use crate::scenario::ScenarioError;

/// The manifest's name in a run folder.
pub const MANIFEST: &str = "manifest.json";
/// The largest manifest realign reads back (a resolved scenario with its replays is well under 1 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// The most files a manifest may list (a run writes a few dozen).
pub const MAX_FILES: usize = 10_000;
/// The largest file read whole for a comparison that leaves parts out (report.html, manifest.json).
const MAX_NORMALISED_BYTES: u64 = 512 << 20;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{} is not a folder: give `verify` the folder a `realign run` wrote", dir.display())]
    NotAFolder { dir: PathBuf },
    #[error(
        "{} holds {what}; only the folders of `realign run` can be verified today (not those of sweep, merge, \
         compare or claims)",
        dir.display()
    )]
    NotARun { dir: PathBuf, what: &'static str },
    #[error(
        "{} has no manifest.json: it is not a completed run folder (a run that was interrupted or failed leaves \
         none)",
        dir.display()
    )]
    NoManifest { dir: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a regular file of at most {MAX_MANIFEST_BYTES} bytes, as a manifest realign writes is", path.display())]
    NotAManifest { path: PathBuf },
    #[error("{}:{line}:{column}: manifest.json does not read as a run's manifest: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{} has no `{missing}`: it was written by realign {version}, before `verify` existed; run the scenario \
         again with this realign to make the folder verifiable",
        path.display()
    )]
    Unverifiable {
        path: PathBuf,
        missing: &'static str,
        version: String,
    },
    #[error(
        "{}: `files` names {name:?}, which is not a file realign writes (plain names of letters, digits, '.', '_' \
         and '-', not starting with '.'), or lists more than {MAX_FILES} files",
        path.display()
    )]
    BadFileName { path: PathBuf, name: String },
    #[error(
        "cannot load {} (the scenario manifest.json records; a relative path is read from the folder verify runs \
         in, so run it from where the run was made): {source}",
        path.display()
    )]
    ScenarioUnreadable {
        path: PathBuf,
        source: Box<ScenarioError>,
    },
    #[error(
        "the scenario has changed since the run: {} now resolves to scenario hash {now}, manifest.json records \
         {recorded} (the scenario file, one of its bases, a replayed data file or realign's defaults differ); \
         nothing was rerun",
        path.display()
    )]
    ScenarioChanged {
        path: PathBuf,
        recorded: String,
        now: String,
    },
    #[error("manifest.json records the origin {value:?}, which is not a month written YYYY-MM")]
    BadOrigin { value: String },
    #[error("cannot make the temporary folder {} for the rerun: {source}", path.display())]
    Scratch {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl VerifyError {
    /// 2 for a folder or scenario that cannot be verified; 1 when the rerun's temporary folder cannot be made.
    pub fn exit_code(&self) -> i32 {
        match self {
            VerifyError::Scratch { .. } => 1,
            _ => 2,
        }
    }
}

/// What a run's manifest records, read back (other fields are read by the comparison, not here).
#[derive(Deserialize, Debug)]
pub struct Recorded {
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub realign_version: String,
    pub git_revision: String,
    pub arithmetic_probe: String,
    pub options: Option<RunOptions>,
    pub files: Option<BTreeMap<String, FileRecord>>,
}

impl Recorded {
    /// The options the run was given (present once [`read_manifest`] accepted the manifest).
    pub fn options(&self) -> &RunOptions {
        self.options.as_ref().expect("checked by read_manifest")
    }
}

/// Reads and checks `dir/manifest.json` as a run's manifest that `verify` can replay.
pub fn read_manifest(dir: &Path) -> Result<Recorded, VerifyError> {
    if !dir.is_dir() {
        return Err(VerifyError::NotAFolder {
            dir: dir.to_path_buf(),
        });
    }
    let path = dir.join(MANIFEST);
    let text = match read_bounded(&path, MAX_MANIFEST_BYTES) {
        Ok(Some(t)) => t,
        Ok(None) => {
            // Not a run's folder: say whose, if another command's marker is there.
            let other = [
                ("shard.json", "one part of a sharded sweep (shard.json)"),
                ("comparison.json", "a comparison (comparison.json)"),
                ("claims.json", "a claims test (claims.json)"),
            ];
            return Err(match other.iter().find(|(f, _)| dir.join(f).exists()) {
                Some(&(_, what)) => VerifyError::NotARun {
                    dir: dir.to_path_buf(),
                    what,
                },
                None => VerifyError::NoManifest {
                    dir: dir.to_path_buf(),
                },
            });
        }
        Err(Fault::Io(source)) => return Err(VerifyError::Read { path, source }),
        Err(Fault::NotAFile) => return Err(VerifyError::NotAManifest { path }),
    };
    let malformed = |e: serde_json::Error| VerifyError::Malformed {
        path: path.clone(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let text = String::from_utf8(text).map_err(|_| VerifyError::Malformed {
        path: path.clone(),
        line: 1,
        column: 1,
        message: "not UTF-8".into(),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(malformed)?;
    if value.get("sweep_hash").is_some() {
        return Err(VerifyError::NotARun {
            dir: dir.to_path_buf(),
            what: "a sweep's results (its manifest.json has a sweep_hash)",
        });
    }
    let recorded: Recorded = serde_json::from_str(&text).map_err(malformed)?;
    for (missing, absent) in [
        ("options", recorded.options.is_none()),
        ("files", recorded.files.is_none()),
    ] {
        if absent {
            return Err(VerifyError::Unverifiable {
                path,
                missing,
                version: recorded.realign_version,
            });
        }
    }
    let files = recorded.files.as_ref().expect("checked above");
    if let Some(name) = files
        .keys()
        .find(|n| !plain_name(n))
        .or_else(|| files.keys().nth(MAX_FILES))
    {
        return Err(VerifyError::BadFileName {
            path,
            name: name.clone(),
        });
    }
    Ok(recorded)
}

/// A name realign could have written: letters, digits, '.', '_', '-', not starting with '.' (so never a path).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

enum Fault {
    Io(std::io::Error),
    NotAFile,
}

/// The bytes of a regular file of at most `max` bytes; None if there is no such file.
fn read_bounded(path: &Path, max: u64) -> Result<Option<Vec<u8>>, Fault> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Fault::Io(e)),
    };
    if !meta.is_file() || meta.len() > max {
        return Err(Fault::NotAFile);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(Fault::Io)?;
    if bytes.len() as u64 > max {
        return Err(Fault::NotAFile);
    }
    Ok(Some(bytes))
}

/// A temporary folder for the rerun, removed (with what the rerun wrote there) when dropped.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// A new, empty folder under the system's temporary folder; never one that existed before.
    pub fn new() -> Result<Scratch, VerifyError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "realign-verify-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir(&path).map_err(|source| VerifyError::Scratch {
            path: path.clone(),
            source,
        })?;
        Ok(Scratch { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// How one file of the folder compares with the rerun.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Same bytes as the rerun's (manifest.json and report.html: once the fields that may differ are left out).
    Match,
    Differs,
    /// The rerun wrote it; the folder lacks it.
    Missing,
    /// In the folder; the rerun did not write it.
    Extra,
    /// Not compared, for the reason given.
    Excluded,
}

#[derive(Clone, Debug)]
pub struct FileCheck {
    pub name: String,
    pub status: Status,
    /// What was left out of the comparison, or what else is wrong.
    pub note: Option<String>,
}

/// The outcome of `realign verify`.
#[derive(Debug)]
pub struct Verification {
    pub dir: PathBuf,
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    /// The realign version and git revision that made the folder, and this build's.
    pub recorded_build: String,
    pub this_build: String,
    /// Whether this machine's arithmetic probe equals the one recorded (if not, bytes may differ for that reason).
    pub same_arithmetic: bool,
    pub checks: Vec<FileCheck>,
}

impl Verification {
    /// Files that differ, are missing or are extra.
    pub fn problems(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| matches!(c.status, Status::Differs | Status::Missing | Status::Extra))
            .count()
    }
}

const LEDGER_REASON: &str =
    "the forecast ledger: a history of every run into the folder, with times";
const LOCK_REASON: &str = "the folder lock, there while a command writes the folder";

/// Compares every file of `dir` with the rerun's in `rerun` (both top-level files only: a run writes no folders).
pub fn compare(dir: &Path, recorded: &Recorded, rerun: &Path) -> Verification {
    let ours = listing(dir);
    let theirs = listing(rerun);
    let files = recorded.files.as_ref().expect("checked by read_manifest");
    let names: BTreeSet<&String> = ours.iter().chain(&theirs).collect();
    let mut checks = Vec::new();
    for name in names {
        let check = |status, note: Option<String>| FileCheck {
            name: name.clone(),
            status,
            note,
        };
        let (here, there) = (dir.join(name), rerun.join(name));
        checks.push(match name.as_str() {
            LEDGER_FILE => check(Status::Excluded, Some(LEDGER_REASON.into())),
            LOCK_FILE => check(Status::Excluded, Some(LOCK_REASON.into())),
            _ if !theirs.contains(name) => check(
                Status::Extra,
                Some(if files.contains_key(name) {
                    "manifest.json lists it, but the rerun did not write it".into()
                } else {
                    "manifest.json does not list it either: left by an earlier command, or added since".into()
                }),
            ),
            _ if !ours.contains(name) => check(Status::Missing, None),
            _ => {
                let (status, mut note) = same(name, &here, &there);
                // A file changed after the run wrote it no longer has the hash the manifest recorded.
                if let (Some(rec), Ok(now)) = (files.get(name), file_hash(&here))
                    && rec.sha256 != now
                {
                    note = Some(format!(
                        "{}its SHA-256 is no longer the one manifest.json recorded",
                        note.map_or(String::new(), |n| format!("{n}; "))
                    ));
                }
                check(status, note)
            }
        });
    }
    Verification {
        dir: dir.to_path_buf(),
        scenario: recorded.scenario.clone(),
        scenario_hash: recorded.scenario_hash.clone(),
        seed: recorded.seed,
        runs: recorded.runs,
        recorded_build: format!(
            "realign {} ({})",
            recorded.realign_version, recorded.git_revision
        ),
        this_build: format!(
            "realign {} ({})",
            env!("CARGO_PKG_VERSION"),
            env!("REALIGN_GIT_REV")
        ),
        same_arithmetic: recorded.arithmetic_probe == crate::arith::probe(),
        checks,
    }
}

/// The names of a folder's entries (empty if it cannot be read).
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// SHA-256 of a regular file, streamed.
fn file_hash(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// What of a file's bytes a comparison keeps.
type Kept = fn(&[u8]) -> Vec<u8>;

/// Whether the folder's file `here` is the rerun's `there`, and what was left out to say so.
fn same(name: &str, here: &Path, there: &Path) -> (Status, Option<String>) {
    let unreadable =
        |e: &dyn std::fmt::Display| (Status::Differs, Some(format!("cannot read it: {e}")));
    let normalise: Option<(Kept, String)> = match name {
        MANIFEST => Some((
            manifest_kept,
            format!(
                "compared without {} and its record of report.html",
                VOLATILE_FIELDS.join(", ")
            ),
        )),
        "report.html" => Some((
            report_kept,
            format!(
                "compared without the {} in its copy of the manifest",
                VOLATILE_FIELDS.join(", ")
            ),
        )),
        _ => None,
    };
    match normalise {
        None => match (file_hash(here), file_hash(there)) {
            (Ok(a), Ok(b)) => (
                if a == b {
                    Status::Match
                } else {
                    Status::Differs
                },
                None,
            ),
            (Err(e), _) | (_, Err(e)) => unreadable(&e),
        },
        Some((kept, what)) => {
            let read = |p: &Path| match read_bounded(p, MAX_NORMALISED_BYTES) {
                Ok(Some(b)) => Ok(b),
                Ok(None) => Err("gone".to_string()),
                Err(Fault::Io(e)) => Err(e.to_string()),
                Err(Fault::NotAFile) => Err("not a regular file of a size realign writes".into()),
            };
            match (read(here), read(there)) {
                (Ok(a), Ok(b)) => (
                    if sha256_hex(&kept(&a)) == sha256_hex(&kept(&b)) {
                        Status::Match
                    } else {
                        Status::Differs
                    },
                    Some(what),
                ),
                (Err(e), _) | (_, Err(e)) => unreadable(&e),
            }
        }
    }
}

/// manifest.json without the fields that may differ between two runs of the same options (and without the record
/// of report.html, whose bytes hold them); the bytes themselves if they are not JSON.
fn manifest_kept(bytes: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut m)) => {
            for f in VOLATILE_FIELDS {
                m.remove(f);
            }
            if let Some(serde_json::Value::Object(files)) = m.get_mut("files") {
                files.remove("report.html");
            }
            serde_json::to_vec(&m).expect("JSON serialises")
        }
        _ => bytes.to_vec(),
    }
}

/// report.html without the lines of its manifest copy that hold fields which may differ; everything else kept.
fn report_kept(bytes: &[u8]) -> Vec<u8> {
    const OPEN: &[u8] = b"<h2>Manifest</h2>\n<pre>";
    let Some(start) = find(bytes, OPEN) else {
        return bytes.to_vec();
    };
    let body = start + OPEN.len();
    let Some(len) = find(&bytes[body..], b"</pre>") else {
        return bytes.to_vec();
    };
    let copy = String::from_utf8_lossy(&bytes[body..body + len]);
    let volatile: Vec<String> = VOLATILE_FIELDS
        .iter()
        .map(|f| format!("&quot;{f}&quot;:"))
        .collect();
    let mut out = bytes[..body].to_vec();
    for line in copy.split_inclusive('\n') {
        if !volatile.iter().any(|v| line.trim_start().starts_with(v)) {
            out.extend_from_slice(line.as_bytes());
        }
    }
    out.extend_from_slice(&bytes[body + len..]);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_file_names() {
        for ok in ["events.csv", "fan-belarus.png", "report.html"] {
            assert!(plain_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".hidden",
            "../x",
            "a/b",
            "/etc/passwd",
            "a b",
            "..",
            "é.csv",
        ] {
            assert!(!plain_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_report_leaves_out_only_the_volatile_lines_of_its_manifest_copy() {
        let a = b"<p>threads 2</p>\n<h2>Manifest</h2>\n<pre>{\n  &quot;threads&quot;: 2,\n  &quot;seed&quot;: 1,\n  &quot;started&quot;: &quot;x&quot;\n}</pre>\n<p>end</p>";
        let b = b"<p>threads 2</p>\n<h2>Manifest</h2>\n<pre>{\n  &quot;threads&quot;: 8,\n  &quot;seed&quot;: 1,\n  &quot;started&quot;: &quot;y&quot;\n}</pre>\n<p>end</p>";
        assert_eq!(report_kept(a), report_kept(b));
        // Outside the copy, and the copy's other fields, every byte counts.
        let c = b"<p>threads 3</p>\n<h2>Manifest</h2>\n<pre>{\n  &quot;threads&quot;: 2,\n  &quot;seed&quot;: 1,\n  &quot;started&quot;: &quot;x&quot;\n}</pre>\n<p>end</p>";
        let d = b"<p>threads 2</p>\n<h2>Manifest</h2>\n<pre>{\n  &quot;threads&quot;: 2,\n  &quot;seed&quot;: 2,\n  &quot;started&quot;: &quot;x&quot;\n}</pre>\n<p>end</p>";
        assert_ne!(report_kept(a), report_kept(c));
        assert_ne!(report_kept(a), report_kept(d));
    }

    #[test]
    fn the_manifest_leaves_out_times_threads_revision_and_the_report_record() {
        let a = br#"{"seed": 1, "threads": 2, "started": "a", "git_revision": "r1", "files": {"report.html": {"sha256": "aa", "bytes": 1}, "events.csv": {"sha256": "bb", "bytes": 2}}}"#;
        let b = br#"{"seed": 1, "threads": 8, "started": "b", "git_revision": "r2", "files": {"report.html": {"sha256": "cc", "bytes": 3}, "events.csv": {"sha256": "bb", "bytes": 2}}}"#;
        let c = br#"{"seed": 1, "threads": 8, "started": "b", "git_revision": "r2", "files": {"report.html": {"sha256": "cc", "bytes": 3}, "events.csv": {"sha256": "bd", "bytes": 2}}}"#;
        assert_eq!(manifest_kept(a), manifest_kept(b));
        assert_ne!(manifest_kept(a), manifest_kept(c));
    }
}
