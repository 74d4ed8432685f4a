//! Writing results: each file is rendered to bytes first, then written whole or not at all (temporary file in the
//! same folder, flushed, then renamed over the target), so an interrupted run never leaves a file that looks whole.

pub mod ledger;
pub mod manifest;
pub mod parquet;
pub mod report;
pub mod reports;
pub mod tables;

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write Parquet: {0}")]
    Parquet(String),
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
    #[error(
        "output folder {} is in use by realign process {pid}{} (lock {}); wait for it to finish or choose another \
         --out",
        dir.display(),
        if host.is_empty() { String::new() } else { format!(" on {host}") },
        lock.display()
    )]
    Locked {
        dir: PathBuf,
        lock: PathBuf,
        pid: u32,
        host: String,
    },
    #[error("cannot lock output folder {}: {source}", dir.display())]
    Lock {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove the completion marker {} an earlier command left: {source}", path.display())]
    StaleMarker {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The lock file of a folder a command is writing: it holds the writer's process id and host name ("PID HOST").
pub const LOCK_FILE: &str = ".realign.lock";

/// The files whose presence says a command completed in a folder: `run`, `sweep` and `merge` write manifest.json,
/// one part of a sharded sweep shard.json, `compare` comparison.json, `claims` claims.json, `score` score.json,
/// `condition` conditioned.json, `signposts` signposts.json, `discover` discover.json and `robust` robust.json, each last. Every command removes all of them before
/// it writes anything, so a folder an interrupted command left holds no marker, whichever command wrote there before.
pub const COMPLETION_MARKERS: [&str; 9] = [
    "manifest.json",
    "shard.json",
    "comparison.json",
    "claims.json",
    "score.json",
    "conditioned.json",
    "signposts.json",
    "discover.json",
    "robust.json",
];

/// A folder held by this process: made by [`FolderLock::acquire`], released (the lock file removed) on drop, so on
/// every return, error or panic. A process killed outright leaves the lock file behind but not the lock: the kernel
/// drops it with the process, and the next command takes the file over.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    /// Held open: the kernel's lock on it is the folder's lock, and goes with this process however it ends.
    _file: std::fs::File,
}

impl FolderLock {
    /// Takes the lock of `dir` (which must exist): an advisory lock (`flock`) on `dir/.realign.lock`, whose text
    /// names this process and host for the message a second command gets. The kernel releases the lock when its
    /// process ends, however it ends, so a lock file left by a killed command (on this machine or another, on a
    /// shared folder) never blocks the next one.
    pub fn acquire(dir: &Path) -> Result<FolderLock, OutputError> {
        let path = dir.join(LOCK_FILE);
        let lock_err = |source| OutputError::Lock {
            dir: dir.to_path_buf(),
            source,
        };
        // A few tries: a holder that releases the lock removes the file, and a lock on a removed file guards
        // nothing, so we go round again on the file the path names now.
        for _ in 0..5 {
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(lock_err)?;
            match f.try_lock() {
                Ok(()) => {
                    if !same_file(&f, &path) {
                        continue;
                    }
                    f.set_len(0)
                        .and_then(|()| {
                            f.write_all(
                                format!("{} {}\n", std::process::id(), host_name()).as_bytes(),
                            )
                        })
                        .and_then(|()| f.sync_all())
                        .map_err(lock_err)?;
                    return Ok(FolderLock { path, _file: f });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let text = read_holder(&path).map_err(lock_err)?.unwrap_or_default();
                    let mut fields = text.split_whitespace();
                    return Err(OutputError::Locked {
                        dir: dir.to_path_buf(),
                        lock: path.clone(),
                        pid: fields
                            .next()
                            .and_then(|p| p.parse::<u32>().ok())
                            .unwrap_or(0),
                        host: fields.next().unwrap_or_default().to_string(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(lock_err(e)),
            }
        }
        Err(lock_err(std::io::Error::other(
            "the lock kept changing hands",
        )))
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked, so no other command can lock this file after it is gone from the folder.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the open file `f` is the file `path` names now.
fn same_file(f: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (f.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, path);
        true
    }
}

/// The holder's text, once it holds a process id or has had time to (a holder writes it just after locking).
/// None if the file is gone.
fn read_holder(path: &Path) -> std::io::Result<Option<String>> {
    for _ in 0..20 {
        match std::fs::read_to_string(path) {
            Ok(t) if t.ends_with('\n') => return Ok(Some(t)),
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(std::fs::read_to_string(path).unwrap_or_default()))
}

/// This machine's name as the kernel has it (empty where unknown), so a lock says where its process runs.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
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
/// It holds the folder's lock for as long as it lives.
pub struct OutDir {
    dir: PathBuf,
    written: Vec<PathBuf>,
    /// Each file's name, SHA-256 and size as written (a file written twice keeps its last bytes), for the run's
    /// manifest and `realign verify`.
    records: std::collections::BTreeMap<String, manifest::FileRecord>,
    _lock: FolderLock,
}

impl OutDir {
    /// Creates the folder (and its parents) before anything runs, so an unwritable folder fails early; locks it, so
    /// a second command writing into it at the same time is refused; and removes every completion marker an earlier
    /// command left ([`COMPLETION_MARKERS`]) before any file is written, so a command that is killed or fails
    /// part-way leaves no marker beside its new files. The command writes its own marker last.
    pub fn create(dir: &Path) -> Result<OutDir, OutputError> {
        ensure_dir(dir)?;
        let lock = FolderLock::acquire(dir)?;
        for name in COMPLETION_MARKERS {
            let path = dir.join(name);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(OutputError::StaleMarker { path, source }),
            }
        }
        // So that the removals reach the disk before any new file does (best effort: not every system can sync
        // a folder).
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        Ok(OutDir {
            dir: dir.to_path_buf(),
            written: Vec::new(),
            records: std::collections::BTreeMap::new(),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The files written so far, in order.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    /// The SHA-256 and size of every file written so far, by name.
    pub fn records(&self) -> &std::collections::BTreeMap<String, manifest::FileRecord> {
        &self.records
    }

    pub fn bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = write_atomic(&self.dir, name, bytes)?;
        self.written.push(path);
        self.records
            .insert(name.to_string(), manifest::FileRecord::of(bytes));
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

    /// A file too large to hold in memory (paths.bin), written piece by piece: into a temporary file in this
    /// folder, then fsynced and renamed over `name` by [`OutDir::finish_stream`]. Until then no file named `name`
    /// exists that could look whole; a stream dropped unfinished (an error, a panic) removes its temporary file.
    pub fn stream(&self, name: &str) -> Result<StreamFile, OutputError> {
        debug_assert!(!name.contains('/') && !name.starts_with('.'));
        let target = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|source| OutputError::Write {
            path: target.clone(),
            source,
        })?;
        Ok(StreamFile {
            target,
            tmp,
            file: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
            error: None,
            len: 0,
        })
    }

    /// Finishes a stream: flushes, fsyncs and renames it over its target, or reports the first error any write
    /// met (and removes the temporary file).
    pub fn finish_stream(&mut self, mut s: StreamFile) -> Result<(), OutputError> {
        let result = match (s.error.take(), s.file.take()) {
            (Some(e), _) => Err(e),
            (None, Some(w)) => w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&s.tmp, &s.target)),
            (None, None) => Err(std::io::Error::other("stream already finished")),
        };
        // The manifest records every file's hash: a streamed one is read back once, whole (it may be large, and its
        // header was patched after its records were written, so it cannot be hashed on the way out).
        let result = result.and_then(|()| hash_file(&s.target));
        match result {
            Ok(record) => {
                if let Some(name) = s.target.file_name() {
                    self.records
                        .insert(name.to_string_lossy().into_owned(), record);
                }
                self.written.push(s.target.clone());
                Ok(())
            }
            Err(source) => {
                let _ = std::fs::remove_file(&s.tmp);
                Err(OutputError::Write {
                    path: s.target.clone(),
                    source,
                })
            }
        }
    }
}

/// A file being written piece by piece ([`OutDir::stream`]). Writes never fail on the spot: the first error is
/// kept and every later write skipped, and [`OutDir::finish_stream`] reports it, so a producer in a hot loop needs
/// no error path.
pub struct StreamFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    error: Option<std::io::Error>,
    /// Bytes written so far.
    len: u64,
}

impl StreamFile {
    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if let Some(w) = self.file.as_mut() {
            match w.write_all(bytes) {
                Ok(()) => self.len += bytes.len() as u64,
                Err(e) => self.error = Some(e),
            }
        }
    }

    /// Overwrites `bytes` at `offset` (inside what was written), then carries on appending at the end: for a
    /// header field known only once the body is written (a run count in precision mode).
    pub fn write_at(&mut self, offset: u64, bytes: &[u8]) {
        use std::io::{Seek, SeekFrom};
        if self.error.is_some() {
            return;
        }
        if offset + bytes.len() as u64 > self.len {
            self.error = Some(std::io::Error::other("patch past the end of the stream"));
            return;
        }
        if let Some(w) = self.file.as_mut() {
            let end = self.len;
            let r = w
                .seek(SeekFrom::Start(offset))
                .and_then(|_| w.write_all(bytes))
                .and_then(|()| w.seek(SeekFrom::Start(end)).map(|_| ()));
            if let Err(e) = r {
                self.error = Some(e);
            }
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for StreamFile {
    fn drop(&mut self) {
        // Unfinished: the temporary file goes (finish_stream took the writer if it finished).
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// SHA-256 of `bytes` in lower-case hex.
/// SHA-256 and size of a file, read in blocks.
fn hash_file(path: &Path) -> std::io::Result<manifest::FileRecord> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(manifest::FileRecord {
        sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        bytes,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    fn a_folder_has_one_writer_and_a_lock_file_left_behind_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDir::create(dir.path()).unwrap();
        let lock = dir.path().join(LOCK_FILE);
        let mine = format!("{} {}\n", std::process::id(), host_name());
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), mine);
        let err = OutDir::create(dir.path()).err().unwrap();
        assert!(
            matches!(&err, OutputError::Locked { pid, .. } if *pid == std::process::id()),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        drop(first);
        assert!(!lock.exists(), "the lock outlived its folder's writer");

        // A lock file whose process ended without removing it (killed, here or on another machine sharing the
        // folder, or before it wrote its id) holds no lock: taken over.
        for left in ["4194304 elsewhere-host\n", "12\n", ""] {
            std::fs::write(&lock, left).unwrap();
            let out = OutDir::create(dir.path()).unwrap();
            assert_eq!(std::fs::read_to_string(&lock).unwrap(), mine);
            drop(out);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "left behind: {names:?}");
    }

    #[test]
    fn creating_a_folder_removes_every_old_completion_marker_first() {
        let dir = tempfile::tempdir().unwrap();
        for m in COMPLETION_MARKERS {
            std::fs::write(dir.path().join(m), "{}").unwrap();
        }
        std::fs::write(dir.path().join("points.log"), "# kept for --resume\n").unwrap();
        let out = OutDir::create(dir.path()).unwrap();
        for m in COMPLETION_MARKERS {
            assert!(!dir.path().join(m).exists(), "{m} survived");
        }
        assert!(dir.path().join("points.log").exists());
        drop(out);
    }

    #[test]
    fn a_stream_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutDir::create(dir.path()).unwrap();
        let mut s = out.stream("p.bin").unwrap();
        s.write(b"head0000");
        s.write(b"body");
        assert!(
            !dir.path().join("p.bin").exists(),
            "visible before it is finished"
        );
        s.write_at(4, b"1234");
        s.write(b"tail");
        out.finish_stream(s).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("p.bin")).unwrap(),
            b"head1234bodytail"
        );
        // Dropped unfinished: nothing left, not even the temporary.
        let mut s = out.stream("q.bin").unwrap();
        s.write(b"half");
        drop(s);
        drop(out);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["p.bin".to_string()]);
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
