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
        DesignKind::LatinHypercube { points } if s.params.iter().any(|p| p.lever) => Points {
            values: crossed(s, points),
            morris: None,
            saltelli: None,
        },
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

/// Policies x futures (as the EMA Workbench crosses policies with scenarios): a Latin hypercube of `futures`
/// points over the uncertainties alone, crossed with every combination of the levers' settings; the lever
/// settings vary slowest (the first lever slowest of all), so each setting's points are one block of the same
/// futures in the same order. Values are in the file's parameter order.
fn crossed(s: &Sweep, futures: usize) -> Vec<Vec<f64>> {
    let uncertain: Vec<Factor> = s
        .params
        .iter()
        .filter(|p| !p.lever)
        .map(|p| Factor {
            lower: p.lower,
            upper: p.upper,
        })
        .collect();
    let samples: Vec<Vec<f64>> = design::latin_hypercube(futures, uncertain.len(), s.design_seed)
        .iter()
        .map(|u| design::scale(u, &uncertain))
        .collect();
    let mut settings: Vec<Vec<f64>> = vec![Vec::new()];
    for p in s.params.iter().filter(|p| p.lever) {
        settings = settings
            .into_iter()
            .flat_map(|prefix| {
                p.values
                    .iter()
                    .map(move |v| [prefix.clone(), vec![*v]].concat())
            })
            .collect();
    }
    let mut out = Vec::with_capacity(settings.len() * samples.len());
    for setting in &settings {
        for sample in &samples {
            let (mut l, mut u) = (setting.iter(), sample.iter());
            out.push(
                s.params
                    .iter()
                    .map(|p| {
                        if p.lever {
                            *l.next().expect("one setting a lever")
                        } else {
                            *u.next().expect("one value an uncertainty")
                        }
                    })
                    .collect(),
            );
        }
    }
    out
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

/// The points log's format: raised whenever a line's layout or its checksum changes.
pub const LOG_FORMAT: u32 = 3;

/// Identifies a sweep's results: its definition, its points, its base scenario, replicates and seed, and the
/// realign version and points-log format that computed them (another version may compute other numbers, so its
/// parts and logs must not be mixed in). Shards and resumed logs must carry the same hash.
pub fn sweep_hash(s: &Sweep, pts: &Points) -> String {
    let mut h = Sha256::new();
    h.update(b"realign/sweep/v2\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    h.update(LOG_FORMAT.to_le_bytes());
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
    // Only a sweep with levers hashes its roles, so every sweep written before roles keeps its hash.
    let levers = s.levers();
    if !levers.is_empty() {
        h.update(b"levers\0");
        for l in &levers {
            h.update(l.as_bytes());
            h.update([0]);
        }
    }
    for o in &s.outcomes {
        h.update(o.label().as_bytes());
        h.update([0]);
    }
    for v in pts.values.iter().flatten() {
        h.update(v.to_le_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `h` has the form of a sweep hash: 64 lowercase hexadecimal digits.
pub fn is_sweep_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One finished point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointResult {
    pub index: usize,
    pub runs: u64,
    /// Per outcome, over every replicate.
    pub sums: Vec<OutcomeSums>,
    /// Per replicate group and outcome (`[group][outcome]`, [`runner::REPLICATE_GROUPS`] groups): what `sums` adds
    /// up, kept so the analysis can see how much the results move with the replicates' luck.
    pub groups: Vec<OutcomeSums>,
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
    s.outcomes.iter().map(OutcomeProbe::from).collect()
}

/// Which points shard `i` of `n` computes: every n-th point from i, so each shard gets a spread of the design.
pub fn shard_points(total: usize, shard: Option<(usize, usize)>) -> Vec<usize> {
    match shard {
        None => (0..total).collect(),
        Some((i, n)) => (i..total).step_by(n).collect(),
    }
}

/// The header line of the points log of the sweep with hash `hash` (without its newline).
fn log_header(hash: &str) -> String {
    format!(
        "# realign sweep {hash} points-log/{LOG_FORMAT} realign {}",
        env!("CARGO_PKG_VERSION")
    )
}

/// Characters of a line's checksum: 64 bits, enough to catch any edit by accident or by hand.
const CHECK_CHARS: usize = 16;

/// The checksum chain of a points log: each line ends with a checksum of the previous line's checksum (the
/// header's line for the first) and its own content, so an edited number, a line moved, copied, removed from
/// the middle or taken from another log or version fails to verify.
struct Chain {
    prev: String,
}

impl Chain {
    fn new(header: &str) -> Chain {
        Chain {
            prev: header.to_string(),
        }
    }

    fn check(&self, content: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"realign/points.log/v2\0");
        h.update(self.prev.as_bytes());
        h.update([0]);
        h.update(content.as_bytes());
        let mut c = hex(&h.finalize());
        c.truncate(CHECK_CHARS);
        c
    }

    /// The log line of a point, with its newline: raw counts and sums at full precision (so results rebuilt from
    /// the log are identical), then the checksum.
    fn line(&mut self, p: &PointResult) -> String {
        let mut content = format!("{},{}", p.index, p.runs);
        for s in &p.groups {
            content.push_str(&format!(",{},{:?},{:?}", s.count, s.sum, s.sum_sq));
        }
        let check = self.check(&content);
        let line = format!("{content},{check}\n");
        self.prev = check;
        line
    }

    /// Verifies a whole line (without its newline) and returns its content.
    fn verify<'l>(&mut self, line: &'l str) -> Result<&'l str, LineFault> {
        let (content, check) = line.rsplit_once(',').ok_or(LineFault::Checksum)?;
        if check.len() != CHECK_CHARS || self.check(content) != check {
            return Err(LineFault::Checksum);
        }
        self.prev = check.to_string();
        Ok(content)
    }
}

/// The fields of a verified line: a point's index, its runs and each outcome's count, sum and sum of squares.
fn parse_log_line(content: &str, outcomes: usize) -> Option<PointResult> {
    let f: Vec<&str> = content.split(',').collect();
    let cells = runner::REPLICATE_GROUPS * outcomes;
    if f.len() != 2 + 3 * cells {
        return None;
    }
    let groups = (0..cells)
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
        sums: runner::total_sums(&groups, outcomes),
        groups,
    })
}

pub const LOG_FILE: &str = "points.log";

/// What is wrong with a whole line of a points log.
#[derive(Debug, thiserror::Error)]
pub enum LineFault {
    #[error(
        "its checksum does not verify: the line was edited, or lines were moved, removed or copied from another log"
    )]
    Checksum,
    #[error(
        "it does not hold a point: {expected} numbers expected (index, runs, then count, sum and sum of squares per outcome)"
    )]
    Fields { expected: usize },
    #[error("point {index} is not a point of this sweep, which has {points}")]
    NoSuchPoint { index: usize, points: usize },
    #[error("point {index} is given twice (first on line {first})")]
    GivenTwice { index: usize, first: usize },
    #[error("point {index} has {runs} replicates; this sweep gives each point {expected}")]
    Runs {
        index: usize,
        runs: u64,
        expected: String,
    },
    #[error("point {index} has impossible sums for its {runs} replicates")]
    Sums { index: usize, runs: u64 },
}

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
    #[error("{} was written by {written_by}, this is realign {} (points log format {LOG_FORMAT}): its numbers may differ from this version's; remove it or choose another --out", path.display(), env!("CARGO_PKG_VERSION"))]
    OtherVersion { path: PathBuf, written_by: String },
    #[error("{}:{line}: {fault}; remove the file to recompute its points", path.display())]
    Damaged {
        path: PathBuf,
        line: usize,
        fault: LineFault,
    },
}

/// What a log must hold to be used: the sweep's hash, its points and outcomes, and the replicates of a point.
pub struct LogSpec<'a> {
    pub hash: &'a str,
    pub points: usize,
    pub outcomes: &'a [Outcome],
    pub budget: Budget,
}

impl<'a> LogSpec<'a> {
    /// What the log of sweep `s` (hash `hash`) must hold.
    pub fn new(s: &'a Sweep, pts: &Points, hash: &'a str) -> LogSpec<'a> {
        LogSpec {
            hash,
            points: pts.values.len(),
            outcomes: &s.outcomes,
            budget: s.budget(),
        }
    }

    /// Checks a parsed point against the sweep: its index, its replicates and its sums.
    fn check(&self, p: &PointResult) -> Result<(), LineFault> {
        if p.index >= self.points {
            return Err(LineFault::NoSuchPoint {
                index: p.index,
                points: self.points,
            });
        }
        let runs_ok = match self.budget {
            Budget::Fixed(n) => p.runs == n,
            Budget::Precision { max_runs, .. } => p.runs >= 1 && p.runs <= max_runs,
        };
        if !runs_ok {
            return Err(LineFault::Runs {
                index: p.index,
                runs: p.runs,
                expected: match self.budget {
                    Budget::Fixed(n) => n.to_string(),
                    Budget::Precision { max_runs, .. } => format!("1 to {max_runs}"),
                },
            });
        }
        // Every group within its own replicates (and so every total within the point's).
        let n = self.outcomes.len().max(1);
        let sane = p.groups.iter().enumerate().all(|(i, x)| {
            let group_runs = runner::group_runs(p.runs, i / n);
            match self.outcomes[i % n] {
                Outcome::Event { .. } => x.count <= group_runs,
                Outcome::Alignment { .. } => {
                    x.sum.is_finite() && x.sum_sq.is_finite() && x.sum_sq >= 0.0
                }
            }
        });
        if !sane {
            return Err(LineFault::Sums {
                index: p.index,
                runs: p.runs,
            });
        }
        Ok(())
    }
}

/// The largest points log read back (a million points of a few outcomes take a few hundred MiB).
pub const MAX_LOG_BYTES: u64 = 2 << 30;

/// Checks, without writing anything, that the points log in `dir` can be resumed by sweep `s`: run before a
/// resumed sweep touches its folder, so a log that will be refused costs the folder nothing.
pub fn check_resumable(s: &Sweep, pts: &Points, dir: &Path) -> Result<(), LogError> {
    let hash = sweep_hash(s, pts);
    read_log(&dir.join(LOG_FILE), &LogSpec::new(s, pts, &hash)).map(|_| ())
}

/// Reads a points log written for `spec.hash`, verifying every whole line's checksum and contents; a point given
/// twice, a line that does not verify and a log of another sweep or realign version are refused with the file and
/// line. A torn last line (no newline: the process was killed while writing it) is dropped, so it is recomputed.
pub fn read_log(path: &Path, spec: &LogSpec) -> Result<Vec<PointResult>, LogError> {
    use crate::scenario::access::{FileError, TextError, read_text};
    let text = match read_text(path, MAX_LOG_BYTES) {
        Ok(t) => t,
        Err(TextError::File(FileError::Io(e))) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new());
        }
        // Only a regular file of bounded size is read: a FIFO in its place must not hang a resume or a merge.
        Err(e) => {
            let source = match e {
                TextError::File(f) => f.into_io(),
                other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
            };
            return Err(LogError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut lines = text.split_inclusive('\n');
    let header = lines.next().unwrap_or("").trim_end_matches('\n');
    let expected = log_header(spec.hash);
    if header != expected {
        return Err(header_error(path, header));
    }
    let damaged = |line: usize, fault: LineFault| LogError::Damaged {
        path: path.to_path_buf(),
        line,
        fault,
    };
    let mut chain = Chain::new(header);
    let mut first_line: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::new();
    // Line numbers count from 1, the header being line 1.
    for (n, line) in lines.enumerate().map(|(i, l)| (i + 2, l)) {
        let Some(line) = line.strip_suffix('\n') else {
            break;
        };
        let content = chain.verify(line).map_err(|f| damaged(n, f))?;
        let p = parse_log_line(content, spec.outcomes.len()).ok_or_else(|| {
            damaged(
                n,
                LineFault::Fields {
                    expected: 2 + 3 * spec.outcomes.len(),
                },
            )
        })?;
        spec.check(&p).map_err(|f| damaged(n, f))?;
        if let Some(&first) = first_line.get(&p.index) {
            return Err(damaged(
                n,
                LineFault::GivenTwice {
                    index: p.index,
                    first,
                },
            ));
        }
        first_line.insert(p.index, n);
        out.push(p);
    }
    Ok(out)
}

/// Why a header is not this sweep's: another realign version (or log format) when it says so, else another sweep.
fn header_error(path: &Path, header: &str) -> LogError {
    let path = path.to_path_buf();
    let Some(rest) = header.strip_prefix("# realign sweep ") else {
        return LogError::OtherSweep { path };
    };
    let mut words = rest.split(' ');
    let their_hash = words.next().unwrap_or("");
    match (words.next(), words.next(), words.next()) {
        // Format 1 had the hash alone; its hash cannot be compared with this version's.
        (None, _, _) if is_sweep_hash(their_hash) => LogError::OtherVersion {
            path,
            written_by: "a realign before points log format 2".into(),
        },
        (Some(format), Some("realign"), Some(version))
            if format != format!("points-log/{LOG_FORMAT}")
                || version != env!("CARGO_PKG_VERSION") =>
        {
            // The version is shown escaped: the header is untrusted text.
            LogError::OtherVersion {
                path,
                written_by: format!("realign {version:?} ({format:?})"),
            }
        }
        _ => LogError::OtherSweep { path },
    }
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
        let spec = LogSpec::new(s, pts, &hash);
        // A set, not a scan of `wanted` per line: a million points must not cost 10^12 comparisons.
        let wanted_set: std::collections::HashSet<usize> = wanted.iter().copied().collect();
        for p in read_log(&log_path, &spec)? {
            if wanted_set.contains(&p.index) {
                done.insert(p.index, p);
            }
        }
        progress(done.len() as u64);
    }
    // Start the log afresh (or rewrite it with only whole lines kept, chained anew), then append as points
    // finish, continuing the chain.
    let header = log_header(&hash);
    let mut chain = Chain::new(&header);
    let mut text = format!("{header}\n");
    for p in done.values() {
        text.push_str(&chain.line(p));
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
        // Per point, [replicate group][outcome].
        let mut sums =
            vec![vec![OutcomeSums::default(); runner::REPLICATE_GROUPS * probes.len()]; wave.len()];
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
                        .zip(&runner::total_sums(&sums[w], probes.len()))
                        .map(|(o, x)| estimate(o, x, runs[w]).estimate.half_width())
                        .fold(0.0, f64::max)
                })
            });
        }
        for (w, &index) in wave.iter().enumerate() {
            let groups = std::mem::take(&mut sums[w]);
            let p = PointResult {
                index,
                runs: runs[w],
                sums: runner::total_sums(&groups, probes.len()),
                groups,
            };
            log.write_all(chain.line(&p).as_bytes())
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
