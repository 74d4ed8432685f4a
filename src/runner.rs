//! The Monte Carlo runner: the only place that creates random generators.
//!
//! Run `i` of a scenario draws from ChaCha8 keyed on (scenario name, seed) with stream `i`: the same run sees the
//! same numbers whatever the thread count, the order runs finish in, or the parameters (common random numbers).
//! Runs are grouped in fixed chunks of [`CHUNK_RUNS`]; chunks run in parallel in waves and are merged in chunk
//! order, so floating sums are identical for any thread count, and memory is bounded by one wave of accumulators.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::model::observe::{self, EventDef, MetricDef};
use crate::model::{Constants, ModelConfig, World};
use crate::stats::{Accumulator, ChunkAccumulator, Layout, NEVER};

/// Runs per chunk. Fixed (never derived from the thread count) because it fixes the order of floating additions.
pub const CHUNK_RUNS: u64 = 512;
/// Chunks per thread in one wave: enough to balance load, few enough to bound memory.
const CHUNKS_PER_THREAD_PER_WAVE: usize = 4;

/// How many runs, with which seed, on how many threads.
#[derive(Clone, Debug)]
pub struct Plan {
    pub runs: u64,
    pub seed: u64,
    /// 0 means all cores.
    pub threads: usize,
    /// Keep full paths of the first this-many runs.
    pub trajectories: usize,
}

/// One run's full path: values per month per metric, and the month each event first held.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub run: u64,
    /// [month][metric]
    pub values: Vec<f64>,
}

/// Result of an ensemble.
#[derive(Clone, Debug)]
pub struct Ensemble {
    pub layout: Layout,
    pub acc: Accumulator,
    pub trajectories: Vec<Trajectory>,
    pub threads: usize,
}

/// The generator key of a scenario and seed.
pub fn stream_key(scenario_name: &str, seed: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"realign/stream/v1\0");
    h.update(scenario_name.as_bytes());
    h.update([0]);
    h.update(seed.to_le_bytes());
    h.finalize().into()
}

/// The generator of run `run`.
pub fn run_rng(key: &[u8; 32], run: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(*key);
    rng.set_stream(run);
    rng
}

pub fn layout(cfg: &ModelConfig) -> Layout {
    let metrics: Vec<MetricDef> = observe::metric_defs(cfg);
    let events: Vec<EventDef> = observe::event_defs(cfg);
    Layout::new(
        cfg.horizon_months() + 1,
        metrics,
        events,
        cfg.params.band_west_max,
        cfg.params.band_russia_min,
    )
}

/// A thread pool of the requested size (0 = all cores).
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Runs runs `first..first + count` of the ensemble and returns their statistics.
pub fn run_ensemble(
    cfg: &ModelConfig,
    scenario_name: &str,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Ensemble {
    let layout = layout(cfg);
    let key = stream_key(scenario_name, plan.seed);
    let pool = pool(plan.threads);
    let threads = pool.current_num_threads();
    let mut total = Accumulator::new(&layout);
    let mut trajectories = Vec::new();
    let chunks = plan.runs.div_ceil(CHUNK_RUNS);
    let wave = (threads * CHUNKS_PER_THREAD_PER_WAVE) as u64;
    let mut next = 0;
    while next < chunks {
        let end = (next + wave).min(chunks);
        let done: Vec<(ChunkAccumulator, Vec<Trajectory>)> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|c| {
                    let from = c * CHUNK_RUNS;
                    let to = (from + CHUNK_RUNS).min(plan.runs);
                    let out = run_chunk(cfg, &layout, &key, from..to, plan.trajectories as u64);
                    progress(to - from);
                    out
                })
                .collect()
        });
        for (acc, traj) in done {
            total.merge(&acc);
            trajectories.extend(traj);
        }
        next = end;
    }
    Ensemble {
        layout,
        acc: total,
        trajectories,
        threads,
    }
}

/// Runs a contiguous range of runs sequentially.
pub fn run_chunk(
    cfg: &ModelConfig,
    layout: &Layout,
    key: &[u8; 32],
    runs: std::ops::Range<u64>,
    keep_paths: u64,
) -> (ChunkAccumulator, Vec<Trajectory>) {
    assert!(
        runs.end - runs.start <= u64::from(u16::MAX),
        "chunk counts are u16"
    );
    let mut acc = ChunkAccumulator::new(layout);
    let mut paths = Vec::new();
    let initial = World::initial(cfg);
    let patron = Constants::from_config(cfg);
    let mut world = initial.clone();
    let nm = layout.metrics.len();
    let mut values = vec![0.0; nm];
    let mut first = vec![NEVER; layout.events.len()];
    for run in runs {
        world.clone_from(&initial);
        first.iter_mut().for_each(|f| *f = NEVER);
        let mut seen = 0u64;
        let mut rng = run_rng(key, run);
        let mut path = (run < keep_paths).then(|| Vec::with_capacity(layout.months * nm));
        for m in 0..layout.months {
            if m > 0 {
                world.step(cfg, &patron, &mut rng);
            }
            observe::observe(cfg, &world, &mut values);
            acc.observe(layout, m, &values);
            let mut new = observe::events(cfg, &world) & !seen;
            seen |= new;
            while new != 0 {
                first[new.trailing_zeros() as usize] = m as u16;
                new &= new - 1;
            }
            if let Some(p) = path.as_mut() {
                p.extend_from_slice(&values);
            }
        }
        acc.finish_run(layout, &first);
        if let Some(values) = path {
            paths.push(Trajectory { run, values });
        }
    }
    (acc, paths)
}

/// What a sweep point records of each run: whether each event happened by the horizon, and actors' alignment at
/// the horizon. Far lighter than the full per-month statistics of `realign run`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutcomeProbe {
    /// Bit of the event in the monthly event mask.
    Event(usize),
    /// Position of the actor in the configuration.
    Alignment(usize),
}

/// Per outcome over a set of runs: the count (events) or the sum and sum of squares (alignments).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OutcomeSums {
    pub count: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

/// Runs `runs` of `cfg` (streams are the run indices, as in `run_chunk`) and sums the outcomes. No allocation and
/// no shared state per run.
pub fn run_outcomes(
    cfg: &ModelConfig,
    key: &[u8; 32],
    runs: std::ops::Range<u64>,
    probes: &[OutcomeProbe],
) -> Vec<OutcomeSums> {
    let initial = World::initial(cfg);
    let constants = Constants::from_config(cfg);
    let mut world = initial.clone();
    let mut sums = vec![OutcomeSums::default(); probes.len()];
    let mut values = vec![0.0; observe::metric_defs(cfg).len()];
    let months = cfg.horizon_months();
    for run in runs {
        world.clone_from(&initial);
        let mut rng = run_rng(key, run);
        let mut seen = observe::events(cfg, &world);
        for _ in 0..months {
            world.step(cfg, &constants, &mut rng);
            seen |= observe::events(cfg, &world);
        }
        // Alignment of every actor at the horizon, in configuration order (the first metrics).
        observe::observe(cfg, &world, &mut values);
        for (s, p) in sums.iter_mut().zip(probes) {
            match *p {
                OutcomeProbe::Event(bit) => s.count += (seen >> bit) & 1,
                OutcomeProbe::Alignment(a) => {
                    s.sum += values[a];
                    s.sum_sq += values[a] * values[a];
                }
            }
        }
    }
    sums
}
