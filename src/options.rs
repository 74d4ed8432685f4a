//! Options the commands share (runs, seed, threads, output folder, precision), checked once, here, for every
//! command: the command line hands them over as it parsed them, and the commands receive them in range.
//!
//! Whole numbers arrive signed (`i128`, wide enough for every `u64` seed): the command line accepts `--runs -1`
//! as a number rather than as an unknown flag, so the refusal can name the option and its range.

use std::path::PathBuf;

use crate::runner::Budget;
use crate::sweep::shard::MAX_SHARDS;
use crate::sweep::size::{self, SweepLimits};

/// Arguments that are out of range or that contradict each other.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error("--precision must be in (0, 1)")]
    Precision,
    #[error("--precision decides the runs: give --max-runs instead of --runs")]
    RunsWithPrecision,
    #[error("--shard {0:?}: write it as I/N with 0 <= I < N <= {MAX_SHARDS}, e.g. 0/4")]
    Shard(String),
    #[error("--shard needs --out DIR: each part writes its own folder")]
    ShardNeedsOut,
    #[error("--seed must be in [0, {}]", u64::MAX)]
    Seed,
    #[error(
        "--threads must be in [0, {max}] (0 = all cores; at most {THREADS_PER_CORE} per core on this machine's \
         {cores} cores, and never more than {MAX_THREADS})"
    )]
    Threads { max: usize, cores: usize },
    #[error("{0} needs --uncertainty")]
    NeedsUncertainty(&'static str),
    #[error("{0} does not apply with --uncertainty: its runs are --outer draws x --inner runs")]
    NotWithUncertainty(&'static str),
    #[error("--priors {0:?}: use with-defaults (the default) or scenario-only")]
    PriorSet(String),
    #[error("--outer x --inner must be at most {max} runs")]
    NestedRuns { max: u64 },
    #[error("realign man {given:?}: no such command; the commands are {allowed}")]
    ManPage { given: String, allowed: String },
    #[error(
        "--parquet: this realign was built without Parquet support; build it with `cargo build --release \
         --features parquet`"
    )]
    NoParquet,
    #[error(
        "--out {0:?}: give a file to write, such as sweep-ema.tar.gz (not a folder, not a name starting with '.')"
    )]
    OutFile(String),
    #[error("{flag} must be in [{min}, {max}]")]
    Range {
        flag: &'static str,
        min: u64,
        max: u64,
    },
}

/// At most this many worker threads per core: more only adds switching, and a pool of 100,000 threads exhausts the
/// machine before it computes anything.
pub const THREADS_PER_CORE: usize = 4;
/// At most this many worker threads on any machine.
pub const MAX_THREADS: usize = 1024;

/// The most worker threads `--threads` may ask for here: 4 per core, at most 1024.
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (THREADS_PER_CORE * cores).min(MAX_THREADS)
}

/// `--threads` (and each of `bench --threads`): 0 (all cores) up to [`max_threads`].
pub fn threads(v: i128) -> Result<usize, ArgError> {
    let max = max_threads();
    match usize::try_from(v) {
        Ok(t) if t <= max => Ok(t),
        _ => Err(ArgError::Threads {
            max,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }),
    }
}

/// `run --parquet`: refused, before anything runs, by a build without the `parquet` feature.
pub fn parquet(asked: bool) -> Result<bool, ArgError> {
    match asked && !cfg!(feature = "parquet") {
        true => Err(ArgError::NoParquet),
        false => Ok(asked),
    }
}

/// `run --trajectories K`: 0 up to the most runs a scenario may have.
pub fn trajectories(v: i128) -> Result<usize, ArgError> {
    in_range(v, "--trajectories", 0, crate::scenario::MAX_RUNS).map(|k| k as usize)
}

/// Most outer draws of `run --uncertainty`.
pub const MAX_OUTER: u64 = 1_000_000;

/// The command line's nested-ensemble options as given (`run --uncertainty`).
#[derive(Clone, Debug, Default)]
pub struct RawNested {
    pub uncertainty: bool,
    pub outer: Option<i128>,
    pub inner: Option<i128>,
    pub priors: Option<String>,
}

/// The nested ensemble's draws, runs per draw and prior set, checked: `None` without `--uncertainty` (and then
/// none of its options may be given); with it, `--runs`, `--precision` and `--trajectories` are refused (`others`
/// names those given). At least 2 of each, so that variances exist.
pub fn nested(
    raw: &RawNested,
    others: &[&'static str],
) -> Result<Option<(u64, u64, crate::scenario::priors::PriorSet)>, ArgError> {
    use crate::scenario::priors::PriorSet;
    if !raw.uncertainty {
        for (given, flag) in [
            (raw.outer.is_some(), "--outer"),
            (raw.inner.is_some(), "--inner"),
            (raw.priors.is_some(), "--priors"),
        ] {
            if given {
                return Err(ArgError::NeedsUncertainty(flag));
            }
        }
        return Ok(None);
    }
    if let Some(flag) = others.first() {
        return Err(ArgError::NotWithUncertainty(flag));
    }
    let max = crate::scenario::MAX_RUNS;
    let outer = match raw.outer {
        Some(v) => in_range(v, "--outer", 2, MAX_OUTER)?,
        None => crate::uncertainty::DEFAULT_OUTER,
    };
    let inner = match raw.inner {
        Some(v) => in_range(v, "--inner", 2, max)?,
        None => crate::uncertainty::DEFAULT_INNER,
    };
    if outer.checked_mul(inner).is_none_or(|n| n > max) {
        return Err(ArgError::NestedRuns { max });
    }
    let set = match raw.priors.as_deref() {
        None | Some("with-defaults") => PriorSet::WithDefaults,
        Some("scenario-only") => PriorSet::ScenarioOnly,
        Some(other) => return Err(ArgError::PriorSet(other.to_string())),
    };
    Ok(Some((outer, inner, set)))
}

/// The most repeats `bench --repeats` may ask for: each repeat times every measurement again.
pub const MAX_REPEATS: u64 = 1000;

/// `bench --repeats`: at least one timing, at most [`MAX_REPEATS`].
pub fn repeats(v: i128) -> Result<usize, ArgError> {
    in_range(v, "--repeats", 1, MAX_REPEATS).map(|k| k as usize)
}

/// A whole number in [min, max] for `flag`.
pub fn in_range(v: i128, flag: &'static str, min: u64, max: u64) -> Result<u64, ArgError> {
    match u64::try_from(v) {
        Ok(x) if (min..=max).contains(&x) => Ok(x),
        _ => Err(ArgError::Range { flag, min, max }),
    }
}

/// The options as the command line parsed them.
#[derive(Clone, Debug, Default)]
pub struct Raw {
    pub runs: Option<i128>,
    pub seed: Option<i128>,
    pub threads: i128,
    pub out: Option<PathBuf>,
    pub precision: Option<f64>,
    pub max_runs: Option<i128>,
    /// `--shard I/N` as written.
    pub shard: Option<String>,
    /// `--max-points` and `--max-memory-mib` (sweeps and merges).
    pub max_points: Option<i128>,
    pub max_memory_mib: Option<i128>,
}

/// What a command allows.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most runs (replicates per point, for sweeps) any budget may ask for.
    pub max: u64,
    /// The most runs in precision mode when `--max-runs` is not given.
    pub default_max_runs: u64,
    /// The flags an out-of-range count is reported under (claims reports `--runs` and `--max-runs` together).
    pub runs_flags: &'static str,
    pub max_runs_flags: &'static str,
}

impl Limits {
    /// `run` and `compare`: up to [`crate::scenario::MAX_RUNS`] runs, a million in precision mode by default.
    pub const RUNS: Limits = Limits {
        max: crate::scenario::MAX_RUNS,
        default_max_runs: 1_000_000,
        runs_flags: "--runs",
        max_runs_flags: "--max-runs",
    };
    /// `claims`: as `run`, per arm.
    pub const CLAIMS: Limits = Limits {
        runs_flags: "--runs and --max-runs",
        max_runs_flags: "--runs and --max-runs",
        ..Limits::RUNS
    };
    /// `sweep`: replicates per point, 100,000 in precision mode by default.
    pub const SWEEP: Limits = Limits {
        max: crate::sweep::spec::MAX_REPLICATES,
        default_max_runs: 100_000,
        runs_flags: "--runs",
        max_runs_flags: "--max-runs",
    };
}

/// Part `part` of `parts` of a sweep (0 <= part < parts): made only by [`parse_shard`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    part: usize,
    parts: usize,
}

impl Shard {
    pub fn part(&self) -> usize {
        self.part
    }

    pub fn parts(&self) -> usize {
        self.parts
    }
}

/// The options, checked: made only by [`Raw::check`], so a command never sees one out of range.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Fixed runs from `--runs`, precision mode from `--precision`, or neither (the input's own runs).
    budget: Option<Budget>,
    seed: Option<u64>,
    threads: usize,
    out: Option<PathBuf>,
    shard: Option<Shard>,
    sweep_limits: SweepLimits,
}

impl Raw {
    /// Checks every option against `limits`.
    pub fn check(self, limits: Limits) -> Result<Options, ArgError> {
        let count = |v: i128, flags| limits.count(v, flags);
        let runs = self.runs.map(|r| count(r, limits.runs_flags)).transpose()?;
        let max_runs = count(
            self.max_runs.unwrap_or(limits.default_max_runs.into()),
            limits.max_runs_flags,
        )?;
        let seed = self
            .seed
            .map(|v| u64::try_from(v).map_err(|_| ArgError::Seed))
            .transpose()?;
        let threads = threads(self.threads)?;
        let budget = match (self.precision, runs) {
            (None, runs) => runs.map(Budget::Fixed),
            (Some(p), None) if p > 0.0 && p < 1.0 => Some(Budget::Precision {
                half_width: p,
                max_runs,
            }),
            (Some(p), Some(_)) if p > 0.0 && p < 1.0 => return Err(ArgError::RunsWithPrecision),
            (Some(_), _) => return Err(ArgError::Precision),
        };
        let shard = self.shard.as_deref().map(parse_shard).transpose()?;
        if shard.is_some() && self.out.is_none() {
            return Err(ArgError::ShardNeedsOut);
        }
        let at_least_one = |v: Option<i128>, default: u64, max: u64, flag| {
            v.map_or(Ok(default), |v| in_range(v, flag, 1, max))
        };
        let sweep_limits = SweepLimits {
            max_points: at_least_one(
                self.max_points,
                size::DEFAULT_MAX_POINTS,
                size::MAX_POINTS_CEILING,
                "--max-points",
            )?,
            max_memory_mib: at_least_one(
                self.max_memory_mib,
                size::DEFAULT_MAX_MEMORY_MIB,
                size::MAX_MEMORY_MIB_CEILING,
                "--max-memory-mib",
            )?,
        };
        Ok(Options {
            budget,
            seed,
            threads,
            out: self.out,
            shard,
            sweep_limits,
        })
    }
}

impl Limits {
    /// A count of runs in [1, max]; negative counts are refused with the same message.
    pub fn count(&self, v: impl Into<i128>, flags: &'static str) -> Result<u64, ArgError> {
        in_range(v.into(), flags, 1, self.max)
    }
}

impl Options {
    /// The budget of a result: precision mode if asked for, else the runs asked for or `default_runs`.
    pub fn budget(&self, default_runs: u64) -> Budget {
        self.budget.unwrap_or(Budget::Fixed(default_runs))
    }

    /// The runs `--runs` asked for (none in precision mode).
    pub fn runs(&self) -> Option<u64> {
        match self.budget {
            Some(Budget::Fixed(n)) => Some(n),
            _ => None,
        }
    }

    /// Precision mode's target half-width and most runs.
    pub fn precision(&self) -> Option<(f64, u64)> {
        self.budget.and_then(|b| b.precision())
    }

    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Worker threads; 0 means all cores.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The command's own folder (a default under `output/` otherwise).
    pub fn out(&self) -> Option<&std::path::Path> {
        self.out.as_deref()
    }

    /// The part of a sweep to compute (all of it otherwise); always with an output folder of its own.
    pub fn shard(&self) -> Option<Shard> {
        self.shard
    }

    /// The points and memory a sweep may take (`--max-points`, `--max-memory-mib`).
    pub fn sweep_limits(&self) -> SweepLimits {
        self.sweep_limits
    }
}

/// `I/N` with 0 <= I < N.
pub fn parse_shard(text: &str) -> Result<Shard, ArgError> {
    let bad = || ArgError::Shard(text.to_string());
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n || n > MAX_SHARDS {
        return Err(bad());
    }
    Ok(Shard { part: i, parts: n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_is_checked_in_one_place() {
        let ok = Raw {
            runs: Some(10),
            ..Raw::default()
        };
        assert_eq!(ok.check(Limits::RUNS).unwrap().runs(), Some(10));
        let zero = Raw {
            runs: Some(0),
            ..Raw::default()
        };
        assert_eq!(
            zero.check(Limits::RUNS).unwrap_err().to_string(),
            "--runs must be in [1, 100000000]"
        );
        let both = Raw {
            runs: Some(10),
            precision: Some(0.1),
            ..Raw::default()
        };
        assert!(matches!(
            both.check(Limits::RUNS),
            Err(ArgError::RunsWithPrecision)
        ));
        for p in [0.0, 1.0, f64::NAN, -0.5] {
            let bad = Raw {
                precision: Some(p),
                ..Raw::default()
            };
            assert!(matches!(bad.check(Limits::RUNS), Err(ArgError::Precision)));
        }
        let sweep = Raw {
            precision: Some(0.05),
            max_runs: Some(20_000_000),
            ..Raw::default()
        };
        assert_eq!(
            sweep.check(Limits::SWEEP).unwrap_err().to_string(),
            "--max-runs must be in [1, 10000000]"
        );
        let default = Raw {
            precision: Some(0.05),
            ..Raw::default()
        };
        assert_eq!(
            default.check(Limits::SWEEP).unwrap().budget(1),
            Budget::Precision {
                half_width: 0.05,
                max_runs: 100_000
            }
        );
    }

    #[test]
    fn sweep_limits_are_checked_here() {
        let opts = Raw::default().check(Limits::SWEEP).unwrap();
        assert_eq!(opts.sweep_limits(), SweepLimits::DEFAULT);
        let raised = Raw {
            max_points: Some(5_000_000),
            max_memory_mib: Some(65_536),
            ..Raw::default()
        };
        assert_eq!(
            raised.check(Limits::SWEEP).unwrap().sweep_limits(),
            SweepLimits {
                max_points: 5_000_000,
                max_memory_mib: 65_536
            }
        );
        for (points, mib, flag) in [
            (Some(0), None, "--max-points"),
            (Some(i128::from(u64::MAX)), None, "--max-points"),
            (Some(-1), None, "--max-points"),
            (None, Some(0), "--max-memory-mib"),
        ] {
            let bad = Raw {
                max_points: points,
                max_memory_mib: mib,
                ..Raw::default()
            };
            let e = bad.check(Limits::SWEEP).unwrap_err().to_string();
            assert!(e.starts_with(flag), "{e}");
        }
    }

    #[test]
    fn threads_are_capped_at_a_few_per_core() {
        let max = max_threads();
        assert!((1..=MAX_THREADS).contains(&max));
        assert_eq!(threads(0).unwrap(), 0);
        assert_eq!(threads(max as i128).unwrap(), max);
        for bad in [max as i128 + 1, 100_000, -2, i128::MAX] {
            let msg = threads(bad).unwrap_err().to_string();
            assert!(
                msg.starts_with(&format!("--threads must be in [0, {max}]")),
                "{msg}"
            );
            let raw = Raw {
                threads: bad,
                ..Raw::default()
            };
            assert!(matches!(
                raw.check(Limits::RUNS),
                Err(ArgError::Threads { .. })
            ));
        }
    }

    #[test]
    fn negative_numbers_are_refused_with_the_option_and_its_range() {
        let runs = Raw {
            runs: Some(-1),
            ..Raw::default()
        };
        assert_eq!(
            runs.check(Limits::RUNS).unwrap_err().to_string(),
            "--runs must be in [1, 100000000]"
        );
        let max_runs = Raw {
            precision: Some(0.1),
            max_runs: Some(-3),
            ..Raw::default()
        };
        assert_eq!(
            max_runs.check(Limits::SWEEP).unwrap_err().to_string(),
            "--max-runs must be in [1, 10000000]"
        );
        let seed = Raw {
            seed: Some(-5),
            ..Raw::default()
        };
        assert_eq!(
            seed.check(Limits::RUNS).unwrap_err().to_string(),
            "--seed must be in [0, 18446744073709551615]"
        );
        let top = Raw {
            seed: Some(u64::MAX.into()),
            ..Raw::default()
        };
        assert_eq!(top.check(Limits::RUNS).unwrap().seed(), Some(u64::MAX));
        assert_eq!(
            trajectories(-1).unwrap_err().to_string(),
            "--trajectories must be in [0, 100000000]"
        );
        assert_eq!(trajectories(0).unwrap(), 0);
        assert_eq!(
            repeats(-1).unwrap_err().to_string(),
            "--repeats must be in [1, 1000]"
        );
    }

    #[test]
    fn shards_are_i_of_n() {
        let s = parse_shard("2/8").unwrap();
        assert_eq!((s.part(), s.parts()), (2, 8));
        let no_out = Raw {
            shard: Some("0/2".into()),
            ..Raw::default()
        };
        assert!(matches!(
            no_out.check(Limits::SWEEP),
            Err(ArgError::ShardNeedsOut)
        ));
        for bad in ["8/8", "1", "a/2", "0/0", "-1/2", "0/100001"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
