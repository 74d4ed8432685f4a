//! What realign may read: regular files of bounded size, inside the allowed folders.
//!
//! A scenario names other files (`base`, replay `file`, a sweep's `base`, a claims file's `scenario`). Those are
//! read only inside the allowed folders, after canonicalisation so that `..` and symbolic links cannot leave them:
//! the working directory, the folder of the file that names them (the scenario, sweep or claims file given on the
//! command line), the shipped `scenarios/` and `seeds/` folders of the source tree realign was built from, and each
//! `--allow-dir`. Every file is read with its size checked before and bounded while reading, so a FIFO, a device or
//! a file that grows while read cannot block or exhaust memory.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{Located, ScenarioError};

/// The most bytes a scenario, sweep or claims file may have.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// The most bytes a replayed data file may have.
pub const MAX_DATA_BYTES: u64 = 64 << 20;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("is {0}, not a regular file; realign reads only regular files")]
    NotRegular(&'static str),
    #[error("is larger than the {} MiB allowed ({size} bytes or more)", limit >> 20)]
    TooLarge { size: u64, limit: u64 },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl FileError {
    /// As an I/O error (so [`super::ScenarioError::Read`] can carry it), the typed error kept inside.
    pub fn into_io(self) -> std::io::Error {
        match self {
            FileError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}

/// Reads at most `limit` bytes of a regular file: refused before opening if it is not one (a FIFO would block the
/// open itself) or is already too large, and refused if more than `limit` bytes arrive while reading.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    check_regular(&std::fs::metadata(path)?, limit)?;
    let file = std::fs::File::open(path)?;
    // The handle's own metadata: the path may have been replaced between the check and the open.
    check_regular(&file.metadata()?, limit)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

fn check_regular(meta: &std::fs::Metadata, limit: u64) -> Result<(), FileError> {
    let t = meta.file_type();
    if !t.is_file() {
        return Err(FileError::NotRegular(kind(&t)));
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Folders given with `--allow-dir`, canonical; set once by the command line.
static EXTRA: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// Adds folders realign may read named files from (the command line's `--allow-dir`). Only the first call counts.
pub fn allow_dirs(dirs: &[PathBuf]) {
    let _ = EXTRA.set(dirs.iter().filter_map(|d| d.canonicalize().ok()).collect());
}

/// The folders a file named by `top` (and by the files it names) may be read from.
#[derive(Debug, Clone)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    pub fn for_file(top: &Path) -> Roots {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let shipped = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"),
        ];
        let top_dir = top
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let candidates = std::env::current_dir()
            .ok()
            .into_iter()
            .chain([top_dir.to_path_buf()])
            .chain(shipped.iter().map(PathBuf::from))
            .chain(EXTRA.get().into_iter().flatten().cloned());
        for d in candidates {
            if let Ok(c) = d.canonicalize()
                && !dirs.contains(&c)
            {
                dirs.push(c);
            }
        }
        Roots(dirs)
    }

    /// `path` (which exists) if it lies inside an allowed folder, else why not, naming the folders.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, String> {
        let canonical = path
            .canonicalize()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if self.0.iter().any(|d| canonical.starts_with(d)) {
            Ok(canonical)
        } else {
            Err(format!(
                "{} is outside the folders realign reads from: {} (name another with --allow-dir DIR)",
                path.display(),
                self.0
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// `path` if its name ends in `.ext` (so a scenario cannot name an arbitrary file such as /proc/self/environ).
pub fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Why a file is not a text file realign can read.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error(transparent)]
    File(#[from] FileError),
    /// The first byte that is not UTF-8 text (or a NUL, which no TOML or CSV file holds: UTF-16 is full of them).
    #[error("{line}:{column}: byte 0x{byte:02X} is not UTF-8 text{hint}")]
    NotText {
        line: usize,
        column: usize,
        byte: u8,
        hint: &'static str,
        /// The text of the line before the byte, for a file the user named.
        prefix: String,
    },
}

/// A bounded regular file as UTF-8 text; the first byte that is not, with its line and column.
pub fn read_text(path: &Path, limit: u64) -> Result<String, TextError> {
    let bytes = read_bounded(path, limit)?;
    let bad = match std::str::from_utf8(&bytes) {
        Ok(s) => s.find('\0'),
        Err(e) => Some(e.valid_up_to()),
    };
    let Some(at) = bad else {
        return Ok(String::from_utf8(bytes).expect("checked"));
    };
    let valid = std::str::from_utf8(&bytes[..at]).expect("valid up to here");
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    let hint =
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes[at] == 0 {
            " (UTF-16? save the file as UTF-8)"
        } else {
            ""
        };
    Err(TextError::NotText {
        line: valid.matches('\n').count() + 1,
        column: valid[line_start..].chars().count() + 1,
        byte: bytes[at],
        hint,
        prefix: valid[line_start..].to_string(),
    })
}

impl TextError {
    /// The error for a file named on the command line: unreadable, or located at its first byte that is not text.
    pub fn named(self, path: &Path) -> ScenarioError {
        match self {
            TextError::File(e) => ScenarioError::Read {
                path: path.into(),
                source: e.into_io(),
            },
            TextError::NotText {
                line,
                column,
                byte,
                hint,
                prefix,
            } => {
                let (source_line, caret) = Located::window(&prefix, prefix.len());
                ScenarioError::Invalid(vec![Located {
                    file: path.into(),
                    line,
                    column,
                    key_path: String::new(),
                    message: format!("byte 0x{byte:02X} is not UTF-8 text{hint}"),
                    source_line,
                    caret,
                }])
            }
        }
    }

    /// Why a file another file names was not read, without any of its content: `path: reason`.
    pub fn reason(&self, path: &Path) -> String {
        match self {
            TextError::File(e) => format!("{}: {e}", path.display()),
            TextError::NotText { .. } => format!("{}:{self}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_bounded_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.toml");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_bounded(&f, 5).unwrap(), b"12345");
        assert!(matches!(
            read_bounded(&f, 4),
            Err(FileError::TooLarge { limit: 4, .. })
        ));
        assert!(matches!(
            read_bounded(dir.path(), 4),
            Err(FileError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_bounded(Path::new("/dev/zero"), 4),
            Err(FileError::NotRegular("a device"))
        ));
    }

    #[test]
    fn roots_refuse_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("top.toml"), "").unwrap();
        std::fs::write(dir.path().join("outside.toml"), "").unwrap();
        let roots = Roots::for_file(&sub.join("top.toml"));
        assert!(roots.admit(&sub.join("top.toml")).is_ok());
        let escape = sub.join("..").join("outside.toml");
        let msg = roots.admit(&escape).unwrap_err();
        assert!(msg.contains("outside the folders"), "{msg}");
    }
}
