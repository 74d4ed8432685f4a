//! Sweeps split over a cluster: each part (`--shard I/N`) computes every N-th point and leaves `shard.json` beside
//! its points log when it is complete; `realign merge` checks that the parts belong to one unchanged sweep, that
//! every part is there once and holds all its points, and combines them into the points a one-machine run has.

use std::path::{Path, PathBuf};

use super::run::{self, LogError, PointResult, Points};
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
        }
    }
}

/// Parts that cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard folders given")]
    NoParts,
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
    #[error("missing parts: {}", parts.join(", "))]
    MissingParts { parts: Vec<String> },
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
    #[error("{}: part {}/{} is missing points", dir.display(), part, shards)]
    MissingPoints {
        dir: PathBuf,
        part: usize,
        shards: usize,
    },
}

/// The first 12 characters of a hash, as messages show it (all of it when a damaged marker holds fewer).
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Reads shard folders and checks they are the parts of one sweep, each there once.
pub fn read_shards(dirs: &[PathBuf]) -> Result<(PathBuf, Vec<(ShardInfo, PathBuf)>), MergeError> {
    let mut infos = Vec::new();
    for d in dirs {
        let path = d.join(SHARD_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| MergeError::NotFinished {
            path: path.clone(),
            source,
        })?;
        let info: ShardInfo =
            serde_json::from_str(&text).map_err(|source| MergeError::Unreadable {
                path: path.clone(),
                source,
            })?;
        if info.shard >= info.shards {
            return Err(MergeError::BadPart {
                path,
                shard: info.shard,
                shards: info.shards,
            });
        }
        infos.push((info, d.clone()));
    }
    let first = &infos.first().ok_or(MergeError::NoParts)?.0;
    let (hash, n, file) = (
        first.sweep_hash.clone(),
        first.shards,
        first.sweep_file.clone(),
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
    }
    let mut seen = vec![Vec::new(); n];
    for (info, d) in &infos {
        seen[info.shard].push(d.display().to_string());
    }
    if let Some(i) = (0..n).find(|i| seen[*i].len() > 1) {
        return Err(MergeError::GivenTwice {
            part: i,
            shards: n,
            dirs: seen[i].clone(),
        });
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| seen[*i].is_empty())
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::MissingParts { parts: missing });
    }
    Ok((file, infos))
}

/// The parts in `dirs`, checked and combined: the sweep (as the parts ran it), its points, and every point's
/// result in index order.
pub fn merge(dirs: &[PathBuf]) -> Result<(Sweep, Points, Vec<PointResult>), MergeError> {
    let (file, parts) = read_shards(dirs)?;
    let mut s = Sweep::load(&file)?;
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
    let mut all = Vec::new();
    for (info, dir) in &parts {
        let got = run::read_log(&dir.join(run::LOG_FILE), &hash, s.outcomes.len())?;
        let want = run::shard_points(pts.values.len(), Some((info.shard, info.shards)));
        let have: Vec<usize> = got.iter().map(|p| p.index).collect();
        if want.iter().any(|i| !have.contains(i)) {
            return Err(MergeError::MissingPoints {
                dir: dir.clone(),
                part: info.shard,
                shards: info.shards,
            });
        }
        all.extend(got.into_iter().filter(|p| want.contains(&p.index)));
    }
    all.sort_by_key(|p| p.index);
    all.dedup_by_key(|p| p.index);
    Ok((s, pts, all))
}
