//! Sweeps split over a cluster: each part (`--shard I/N`) computes every N-th point and leaves `shard.json` beside
//! its points log when it is complete; `realign merge` checks that the parts belong to one unchanged sweep, that
//! every part is there once and holds all its points, and combines them into the points a one-machine run has.

use std::path::{Path, PathBuf};

use super::run::{self, LogError, PointResult, Points};
use super::size::SweepLimits;
use super::spec::Sweep;
use crate::scenario::ScenarioError;

/// The marker a finished part leaves beside its log.
#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
pub struct ShardInfo {
    pub sweep: String,
    pub sweep_file: PathBuf,
    pub sweep_hash: String,
    pub shard: usize,
    pub shards: usize,
    pub points: usize,
    /// Precision mode of the run (target half-width, most replicates), which the merge must repeat.
    #[serde(default)]
    pub precision: Option<(f64, u64)>,
    /// The machine's arithmetic probe (`arith::probe`): parts computed with different arithmetic are not merged.
    #[serde(default)]
    pub arithmetic_probe: String,
}

pub const SHARD_FILE: &str = "shard.json";

impl ShardInfo {
    /// The marker of part `shard` of `shards` of sweep `s` (read from `path`), holding `points` points.
    pub fn new(s: &Sweep, pts: &Points, path: &Path, (shard, shards): (usize, usize)) -> ShardInfo {
        ShardInfo {
            sweep: s.name.clone(),
            sweep_file: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            sweep_hash: run::sweep_hash(s, pts),
            shard,
            shards,
            points: run::shard_points(pts.values.len(), Some((shard, shards))).len(),
            precision: s.precision,
            arithmetic_probe: crate::arith::probe(),
        }
    }
}

/// The most parts a sweep may be split into (`--shard I/N` refuses more, and `merge` refuses a marker that says
/// more): merge keeps a table per part, which must never be sized by an untrusted count.
pub const MAX_SHARDS: usize = 100_000;

/// What is wrong with a field of a part marker (a damaged file, or one realign did not write).
#[derive(Debug, thiserror::Error)]
pub enum MarkerFault {
    #[error("sweep_hash {0} is not a sweep hash (64 lowercase hexadecimal digits)")]
    Hash(String),
    #[error("shards = {0}: a sweep is split into 1 to {MAX_SHARDS} parts")]
    Shards(usize),
    #[error("sweep = {0} is not a sweep name")]
    Name(String),
    #[error(
        "precision {half_width} with at most {max_runs} replicates is not a precision realign runs (half-width in (0, 1), 1 to {} replicates)",
        super::spec::MAX_REPLICATES
    )]
    Precision { half_width: f64, max_runs: u64 },
    #[error(
        "precision differs from the other parts' (all parts run one sweep with one --precision)"
    )]
    PrecisionDiffers,
    #[error("sweep_file = \"{0}\" is not a sweep file (a .toml file)")]
    SweepFile(String),
    #[error("points = {got}, but part {shard}/{shards} of this sweep's {total} points has {want}")]
    Points {
        got: usize,
        want: usize,
        shard: usize,
        shards: usize,
        total: usize,
    },
}

/// Parts that cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard folders given")]
    NoParts,
    #[error("--out {} is one of the parts: the merge would remove its marker; choose another folder", dir.display())]
    OutIsAPart { dir: PathBuf },
    #[error("{}: not a finished shard ({source})", path.display())]
    NotFinished {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: unreadable shard marker ({source})", path.display())]
    Unreadable {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: damaged shard marker: {fault}", path.display())]
    Damaged { path: PathBuf, fault: MarkerFault },
    #[error("{}: part {shard} of {shards} is not a part (a marker realign did not write?)", path.display())]
    BadPart {
        path: PathBuf,
        shard: usize,
        shards: usize,
    },
    #[error("{} is a part of another sweep ({} {}), not of {} {}", dir.display(), sweep, short(hash), first, short(first_hash))]
    OtherSweep {
        dir: PathBuf,
        sweep: String,
        hash: String,
        first: String,
        first_hash: String,
    },
    #[error("{} was split {} ways, others {}", dir.display(), shards, others)]
    SplitDifferently {
        dir: PathBuf,
        shards: usize,
        others: usize,
    },
    #[error("part {part}/{shards} given twice: {}", dirs.join(", "))]
    GivenTwice {
        part: usize,
        shards: usize,
        dirs: Vec<String>,
    },
    #[error("missing parts: {}{}", parts.join(", "), if *more > 0 { format!(" and {more} more") } else { String::new() })]
    MissingParts { parts: Vec<String>, more: usize },
    #[error(
        "{}: computed with other arithmetic (probe {} there, {} here): the parts would not add up to the result \
         one machine gives; rerun that part on a machine whose probe matches",
        dir.display(), short(theirs).escape_debug(), short(ours)
    )]
    Arithmetic {
        dir: PathBuf,
        theirs: String,
        ours: String,
    },
    #[error(transparent)]
    SweepFile(#[from] ScenarioError),
    #[error("the sweep file {} has changed since the parts were computed (hash {} now, {} in the parts)", file.display(), short(now), short(then))]
    SweepChanged {
        file: PathBuf,
        now: String,
        then: String,
    },
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{}: point {index} belongs to another part than {part}/{shards}", path.display())]
    ForeignPoint {
        path: PathBuf,
        index: usize,
        part: usize,
        shards: usize,
    },
    #[error("{}: part {}/{} is missing points", dir.display(), part, shards)]
    MissingPoints {
        dir: PathBuf,
        part: usize,
        shards: usize,
    },
}

/// The first 12 characters of a hash, as messages show it (all of it when a damaged marker holds fewer, escaped
/// when it holds anything but hexadecimal digits: a marker is untrusted text).
fn short(hash: &str) -> String {
    if hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        hash.get(..12).unwrap_or(hash).to_string()
    } else {
        format!("{hash:?}")
    }
}

/// How many of `total` points part `shard` of `shards` computes (as [`run::shard_points`] lists them).
fn part_points(total: usize, shard: usize, shards: usize) -> usize {
    total.saturating_sub(shard).div_ceil(shards)
}

/// Checks the fields of one marker that need nothing but the marker.
fn check_marker(info: &ShardInfo, path: &Path) -> Result<(), MergeError> {
    let damaged = |fault| MergeError::Damaged {
        path: path.to_path_buf(),
        fault,
    };
    if !crate::scenario::valid_scenario_name(&info.sweep) {
        return Err(damaged(MarkerFault::Name(format!("{:?}", info.sweep))));
    }
    if info.shards == 0 || info.shards > MAX_SHARDS {
        return Err(damaged(MarkerFault::Shards(info.shards)));
    }
    if info.shard >= info.shards {
        return Err(MergeError::BadPart {
            path: path.to_path_buf(),
            shard: info.shard,
            shards: info.shards,
        });
    }
    if let Some((half_width, max_runs)) = info.precision {
        let ok = half_width > 0.0
            && half_width < 1.0
            && (1..=super::spec::MAX_REPLICATES).contains(&max_runs);
        if !ok {
            return Err(damaged(MarkerFault::Precision {
                half_width,
                max_runs,
            }));
        }
    }
    Ok(())
}

/// Reads shard folders and checks they are the parts of one sweep, each there once.
pub fn read_shards(dirs: &[PathBuf]) -> Result<(PathBuf, Vec<(ShardInfo, PathBuf)>), MergeError> {
    let mut infos = Vec::new();
    for d in dirs {
        let path = d.join(SHARD_FILE);
        // A marker is small: only a bounded regular file is read (a FIFO in its place must not hang the merge).
        let text = crate::scenario::access::read_text(&path, 1 << 20).map_err(|e| {
            MergeError::NotFinished {
                path: path.clone(),
                source: match e {
                    crate::scenario::access::TextError::File(f) => f.into_io(),
                    other => {
                        std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string())
                    }
                },
            }
        })?;
        let info: ShardInfo =
            serde_json::from_str(&text).map_err(|source| MergeError::Unreadable {
                path: path.clone(),
                source,
            })?;
        check_marker(&info, &path)?;
        infos.push((info, d.clone()));
    }
    if infos.is_empty() {
        return Err(MergeError::NoParts);
    }
    // The parts are compared with the first well-formed one, so a damaged hash is reported as the odd one out
    // rather than making every good part look foreign; with none well-formed, the first is damaged.
    let first = infos
        .iter()
        .map(|(i, _)| i)
        .find(|i| run::is_sweep_hash(&i.sweep_hash))
        .ok_or_else(|| MergeError::Damaged {
            path: dirs[0].join(SHARD_FILE),
            fault: MarkerFault::Hash(format!("{:?}", infos[0].0.sweep_hash)),
        })?;
    let (hash, n, file, precision) = (
        first.sweep_hash.clone(),
        first.shards,
        first.sweep_file.clone(),
        first.precision,
    );
    for (info, d) in &infos {
        if info.sweep_hash != hash {
            return Err(MergeError::OtherSweep {
                dir: d.clone(),
                sweep: info.sweep.clone(),
                hash: info.sweep_hash.clone(),
                first: first.sweep.clone(),
                first_hash: hash,
            });
        }
        if info.shards != n {
            return Err(MergeError::SplitDifferently {
                dir: d.clone(),
                shards: info.shards,
                others: n,
            });
        }
        if info.precision != precision {
            return Err(MergeError::Damaged {
                path: d.join(SHARD_FILE),
                fault: MarkerFault::PrecisionDiffers,
            });
        }
    }
    // Keyed by part, never a table of `n` entries: n comes from disk.
    let mut seen: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for (info, d) in &infos {
        seen.entry(info.shard)
            .or_default()
            .push(d.display().to_string());
    }
    if let Some((&i, dirs)) = seen.iter().find(|(_, d)| d.len() > 1) {
        return Err(MergeError::GivenTwice {
            part: i,
            shards: n,
            dirs: dirs.clone(),
        });
    }
    if seen.len() < n {
        const SHOWN: usize = 20;
        let missing = (0..n).filter(|i| !seen.contains_key(i));
        let parts: Vec<String> = missing.take(SHOWN).map(|i| format!("{i}/{n}")).collect();
        let more = n - seen.len() - parts.len();
        return Err(MergeError::MissingParts { parts, more });
    }
    Ok((file, infos))
}

/// The parts in `dirs`, checked and combined: the sweep (as the parts ran it, loaded within `limits`), its
/// points, and every point's result in index order.
pub fn merge(
    dirs: &[PathBuf],
    limits: &SweepLimits,
) -> Result<(Sweep, Points, Vec<PointResult>), MergeError> {
    let (file, parts) = read_shards(dirs)?;
    // The marker names the sweep file: only a TOML file is read from it, so a damaged or forged marker cannot
    // make merge read (and quote) something else.
    if !crate::scenario::access::has_extension(&file, "toml") {
        return Err(MergeError::Damaged {
            path: parts[0].1.join(SHARD_FILE),
            fault: MarkerFault::SweepFile(file.display().to_string().escape_debug().to_string()),
        });
    }
    let ours = crate::arith::probe();
    if let Some((info, dir)) = parts.iter().find(|(i, _)| i.arithmetic_probe != ours) {
        return Err(MergeError::Arithmetic {
            dir: dir.clone(),
            theirs: info.arithmetic_probe.clone(),
            ours,
        });
    }
    let mut s = Sweep::load_within(&file, limits)?;
    s.precision = parts[0].0.precision;
    let pts = run::points(&s);
    let hash = run::sweep_hash(&s, &pts);
    if parts[0].0.sweep_hash != hash {
        return Err(MergeError::SweepChanged {
            file,
            now: hash,
            then: parts[0].0.sweep_hash.clone(),
        });
    }
    let total = pts.values.len();
    let spec = run::LogSpec::new(&s, &pts, &hash);
    let mut all = Vec::with_capacity(total);
    for (info, dir) in &parts {
        let want = part_points(total, info.shard, info.shards);
        if info.points != want {
            return Err(MergeError::Damaged {
                path: dir.join(SHARD_FILE),
                fault: MarkerFault::Points {
                    got: info.points,
                    want,
                    shard: info.shard,
                    shards: info.shards,
                    total,
                },
            });
        }
        let log = dir.join(run::LOG_FILE);
        let got = run::read_log(&log, &spec)?;
        // The log holds no point twice (read_log refuses it), so all of the part's points are there exactly
        // when none is foreign and the count matches.
        if let Some(p) = got.iter().find(|p| p.index % info.shards != info.shard) {
            return Err(MergeError::ForeignPoint {
                path: log,
                index: p.index,
                part: info.shard,
                shards: info.shards,
            });
        }
        if got.len() != want {
            return Err(MergeError::MissingPoints {
                dir: dir.clone(),
                part: info.shard,
                shards: info.shards,
            });
        }
        all.extend(got);
    }
    all.sort_by_key(|p| p.index);
    Ok((s, pts, all))
}
