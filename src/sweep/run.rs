//! Running a sweep: design points, each an ensemble of replicates, across all cores; each finished point appended
//! to a log at once, so an interrupted sweep resumes where it stopped; shards for clusters; merging of shards.
//!
//! Every point's replicate r uses stream r of the key (sweep's base scenario name, seed): all points see the same
//! random numbers (common random numbers), and adding a point moves no other point's streams.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::design::{self, Factor};
use super::spec::{DesignKind, Sweep};
use crate::output::{self, OutputError};
use crate::runner::{self, Budget, CHUNK_RUNS, OutcomeProbe, OutcomeSums};
use crate::scenario::Outcome;
use crate::stats::{Interval, Moments};

/// The design's points, in index order, as parameter values.
#[derive(Clone, Debug)]
pub struct Points {
    pub values: Vec<Vec<f64>>,
    pub morris: Option<design::MorrisDesign>,
    pub saltelli: Option<design::SaltelliDesign>,
}

pub fn points(s: &Sweep) -> Points {
    let factors: Vec<Factor> = s
        .params
        .iter()
        .map(|p| Factor {
            lower: p.lower,
            upper: p.upper,
        })
        .collect();
    let scaled = |unit: &[Vec<f64>]| -> Vec<Vec<f64>> {
        unit.iter().map(|u| design::scale(u, &factors)).collect()
    };
    let k = s.params.len();
    match s.design {
        DesignKind::Grid => {
            // Cartesian product, the first parameter varying slowest.
            let mut out: Vec<Vec<f64>> = vec![Vec::new()];
            for p in &s.params {
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        p.values
                            .iter()
                            .map(move |v| [prefix.clone(), vec![*v]].concat())
                    })
                    .collect();
            }
            Points {
                values: out,
                morris: None,
                saltelli: None,
            }
        }
        DesignKind::LatinHypercube { points } => Points {
            values: scaled(&design::latin_hypercube(points, k, s.design_seed)),
            morris: None,
            saltelli: None,
        },
        DesignKind::Morris {
            trajectories,
            levels,
        } => {
            let d = design::morris(trajectories, k, levels, s.design_seed);
            let values = scaled(&d.points);
            Points {
                values,
                morris: Some(d),
                saltelli: None,
            }
        }
        DesignKind::Sobol { base_samples } => {
            let d = design::saltelli(base_samples, k, s.design_seed as u32);
            let values = scaled(&d.points);
            Points {
                values,
                morris: None,
                saltelli: Some(d),
            }
        }
    }
}

impl Sweep {
    /// How many replicates each point gets: the file's `replicates`, or precision mode from the command line.
    pub fn budget(&self) -> Budget {
        match self.precision {
            None => Budget::Fixed(self.replicates),
            Some((half_width, max_runs)) => Budget::Precision {
                half_width,
                max_runs,
            },
        }
    }
}

/// Identifies a sweep's results: its definition, its points, its base scenario, replicates and seed. Shards and
/// resumed logs must carry the same hash.
pub fn sweep_hash(s: &Sweep, pts: &Points) -> String {
    let mut h = Sha256::new();
    h.update(b"realign/sweep/v1\0");
    h.update(s.name.as_bytes());
    h.update(crate::output::manifest::scenario_hash(&s.scenario).as_bytes());
    h.update(s.replicates.to_le_bytes());
    h.update(s.seed.to_le_bytes());
    h.update(s.design.name().as_bytes());
    if let Some((half, max)) = s.precision {
        h.update(b"precision");
        h.update(half.to_le_bytes());
        h.update(max.to_le_bytes());
    }
    for p in &s.params {
        h.update(p.key.as_bytes());
        h.update([0]);
    }
    for o in &s.outcomes {
        h.update(o.label().as_bytes());
        h.update([0]);
    }
    for v in pts.values.iter().flatten() {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One finished point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointResult {
    pub index: usize,
    pub runs: u64,
    pub sums: Vec<OutcomeSums>,
}

/// One outcome at one point: the estimate with its 95% interval, and the variance of the estimate from replicate
/// noise alone.
#[derive(Clone, Copy, Debug)]
pub struct PointEstimate {
    pub estimate: Interval,
    pub noise_var: f64,
}

/// The estimate of outcome `o` from a point's sums over `runs` replicates: what precision mode stops on and what
/// the results report.
pub fn estimate(o: &Outcome, s: &OutcomeSums, runs: u64) -> PointEstimate {
    match o {
        Outcome::Event { .. } => {
            let p = Interval::wilson(s.count, runs);
            PointEstimate {
                estimate: p,
                noise_var: p.value * (1.0 - p.value) / runs as f64,
            }
        }
        Outcome::Alignment { .. } => {
            let m = Moments::from_sums(s.sum, s.sum_sq, runs);
            PointEstimate {
                estimate: m.interval(),
                noise_var: m.var_of_mean(),
            }
        }
    }
}

fn probes(s: &Sweep) -> Vec<OutcomeProbe> {
    s.outcomes
        .iter()
        .map(|o| match o {
            Outcome::Event { index, .. } => OutcomeProbe::Event(*index),
            Outcome::Alignment { index, .. } => OutcomeProbe::Alignment(*index),
        })
        .collect()
}

/// Which points shard `i` of `n` computes: every n-th point from i, so each shard gets a spread of the design.
pub fn shard_points(total: usize, shard: Option<(usize, usize)>) -> Vec<usize> {
    match shard {
        None => (0..total).collect(),
        Some((i, n)) => (i..total).step_by(n).collect(),
    }
}

/// The log line of a point: raw counts and sums at full precision, so results rebuilt from the log are identical.
fn log_line(p: &PointResult) -> String {
    let mut line = format!("{},{}", p.index, p.runs);
    for s in &p.sums {
        line.push_str(&format!(",{},{:?},{:?}", s.count, s.sum, s.sum_sq));
    }
    line.push('\n');
    line
}

fn parse_log_line(line: &str, outcomes: usize) -> Option<PointResult> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 2 + 3 * outcomes {
        return None;
    }
    let sums = (0..outcomes)
        .map(|o| {
            Some(OutcomeSums {
                count: f[2 + 3 * o].parse().ok()?,
                sum: f[3 + 3 * o].parse().ok()?,
                sum_sq: f[4 + 3 * o].parse().ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(PointResult {
        index: f[0].parse().ok()?,
        runs: f[1].parse().ok()?,
        sums,
    })
}

pub const LOG_FILE: &str = "points.log";

/// A points log that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} belongs to another sweep (or another version of this one); remove it or choose another --out", path.display())]
    OtherSweep { path: PathBuf },
}

/// Reads a points log written for `hash`; a torn last line (no newline) is ignored, so it is recomputed.
pub fn read_log(path: &Path, hash: &str, outcomes: usize) -> Result<Vec<PointResult>, LogError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(LogError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut lines = text.split_inclusive('\n');
    let header = lines.next().unwrap_or("");
    let expected = format!("# realign sweep {hash}\n");
    if header != expected {
        return Err(LogError::OtherSweep {
            path: path.to_path_buf(),
        });
    }
    Ok(lines
        .filter(|l| l.ends_with('\n'))
        .filter_map(|l| parse_log_line(l.trim_end(), outcomes))
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Resume(#[from] LogError),
    #[error(transparent)]
    Merge(#[from] super::shard::MergeError),
}

/// Computes the given points (skipping those already in the log when `resume`), appending each finished point to
/// `dir/points.log` at once. Returns every point of `wanted` in index order, and how many were computed now.
pub fn run_points(
    s: &Sweep,
    pts: &Points,
    wanted: &[usize],
    dir: &Path,
    threads: usize,
    resume: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<PointResult>, usize), SweepError> {
    let hash = sweep_hash(s, pts);
    let log_path = dir.join(LOG_FILE);
    let mut done: BTreeMap<usize, PointResult> = BTreeMap::new();
    if resume {
        for p in read_log(&log_path, &hash, s.outcomes.len())? {
            if wanted.contains(&p.index) {
                done.insert(p.index, p);
            }
        }
        progress(done.len() as u64);
    }
    // Start the log afresh (or rewrite it with only whole lines kept), then append as points finish.
    let mut text = format!("# realign sweep {hash}\n");
    for p in done.values() {
        text.push_str(&log_line(p));
    }
    output::write_atomic(dir, LOG_FILE, text.as_bytes())?;
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .map_err(|source| OutputError::Write {
            path: log_path.clone(),
            source,
        })?;
    let todo: Vec<usize> = wanted
        .iter()
        .copied()
        .filter(|i| !done.contains_key(i))
        .collect();
    let key = runner::stream_key(&s.scenario.name, s.seed);
    let probes = probes(s);
    let pool = runner::pool(threads);
    let chunks_per_point = s.replicates.div_ceil(CHUNK_RUNS) as usize;
    // A wave holds enough chunks to keep every thread busy with little idle at its end, and few enough points to
    // bound memory (each point's configuration and sums are small).
    let wave_chunks = pool.current_num_threads() * 32;
    let wave_points = (wave_chunks / chunks_per_point).max(1);
    for wave in todo.chunks(wave_points) {
        let configs: Vec<_> = wave.iter().map(|&i| s.config_at(&pts.values[i])).collect();
        let mut sums = vec![vec![OutcomeSums::default(); probes.len()]; wave.len()];
        let mut runs = vec![0u64; wave.len()];
        let mut active: Vec<usize> = (0..wave.len()).collect();
        // Fixed replicates: one round. Precision mode: rounds of a batch of runs per point still short of
        // its target, each point deciding on its own sums only, so the thread count cannot change a decision.
        let budget = s.budget();
        while !active.is_empty() {
            let step = |w: usize| budget.next_stop(runs[w]) - runs[w];
            let tasks: Vec<(usize, std::ops::Range<u64>)> = active
                .iter()
                .flat_map(|&w| {
                    let (from, to) = (runs[w], runs[w] + step(w));
                    (from..to)
                        .step_by(CHUNK_RUNS as usize)
                        .map(move |a| (w, a..(a + CHUNK_RUNS).min(to)))
                })
                .collect();
            let results: Vec<Vec<OutcomeSums>> = pool.install(|| {
                tasks
                    .par_iter()
                    .map(|(w, r)| runner::run_outcomes(&configs[*w], &key, r.clone(), &probes))
                    .collect()
            });
            // Merge each point's chunks in chunk order: floating sums then never depend on the thread count.
            for ((w, _), r) in tasks.iter().zip(&results) {
                for (t, x) in sums[*w].iter_mut().zip(r) {
                    t.count += x.count;
                    t.sum += x.sum;
                    t.sum_sq += x.sum_sq;
                }
            }
            let steps: Vec<u64> = active.iter().map(|&w| step(w)).collect();
            for (&w, st) in active.iter().zip(steps) {
                runs[w] += st;
            }
            active.retain(|&w| {
                !budget.is_met(runs[w], || {
                    s.outcomes
                        .iter()
                        .zip(&sums[w])
                        .map(|(o, x)| estimate(o, x, runs[w]).estimate.half_width())
                        .fold(0.0, f64::max)
                })
            });
        }
        for (w, &index) in wave.iter().enumerate() {
            let p = PointResult {
                index,
                runs: runs[w],
                sums: std::mem::take(&mut sums[w]),
            };
            log.write_all(log_line(&p).as_bytes())
                .and_then(|_| log.flush())
                .map_err(|source| OutputError::Write {
                    path: log_path.clone(),
                    source,
                })?;
            done.insert(index, p);
            progress(1);
        }
    }
    Ok((wanted.iter().map(|i| done[i].clone()).collect(), todo.len()))
}
