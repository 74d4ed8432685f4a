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

use std::sync::atomic::{AtomicU8, Ordering};

use crate::model::lanes::{Isa, LANES, Lanes};
use crate::model::observe::{self, EventDef, Follows, MetricDef, Scale};
use crate::model::{Constants, ModelConfig, World};
use crate::stats::{Accumulator, BLOCK_RUNS, ChunkAccumulator, Counts, Layout, NEVER};

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
    /// `[month][metric]`
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

impl Ensemble {
    /// The widest 95% half-width among the probabilities a run reports: every band of every actor and every
    /// event, in every month.
    pub fn widest_half_width(&self) -> f64 {
        let l = &self.layout;
        let mut worst: f64 = 0.0;
        for m in 0..l.months {
            for j in 0..l.band_metrics.len() {
                for b in 0..3 {
                    worst = worst.max(self.acc.band(l, m, j, b).interval().half_width());
                }
            }
            for e in 0..l.events.len() {
                worst = worst.max(self.acc.event_by(l, e, m).interval().half_width());
            }
        }
        worst
    }
}

/// Precision mode adds runs this many at a time: a whole number of chunks, so that a result grown batch by batch
/// is the same as one computed at once, and the same for every command (ensembles, sweep points, claim arms).
pub const PRECISION_BATCH: u64 = 4 * CHUNK_RUNS;

/// How many runs a result gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// Exactly this many.
    Fixed(u64),
    /// Add [`PRECISION_BATCH`] runs at a time until the widest 95% half-width the result reports is at most
    /// `half_width`, or `max_runs` are done.
    Precision { half_width: f64, max_runs: u64 },
}

impl Budget {
    /// How far the next step goes from `done` runs.
    pub fn next_stop(&self, done: u64) -> u64 {
        match *self {
            Budget::Fixed(n) => n,
            // Never past the maximum: the last batch may be short.
            Budget::Precision { max_runs, .. } => (done + PRECISION_BATCH).min(max_runs),
        }
    }

    /// Whether a result of `done` runs whose widest half-width is `widest` is finished. `widest` is only
    /// evaluated in precision mode.
    pub fn is_met(&self, done: u64, widest: impl FnOnce() -> f64) -> bool {
        match *self {
            Budget::Fixed(n) => done >= n,
            Budget::Precision {
                half_width,
                max_runs,
            } => done >= max_runs || widest() <= half_width,
        }
    }

    /// The most runs this budget can take (for progress bars).
    pub fn most_runs(&self) -> u64 {
        match *self {
            Budget::Fixed(n) => n,
            Budget::Precision { max_runs, .. } => max_runs,
        }
    }

    /// The precision target, if any.
    pub fn precision(&self) -> Option<(f64, u64)> {
        match *self {
            Budget::Fixed(_) => None,
            Budget::Precision {
                half_width,
                max_runs,
            } => Some((half_width, max_runs)),
        }
    }

    /// Grows `result` until the budget is met: `extend(result, until)` adds runs up to `until`, `widest(result)`
    /// is the widest half-width it then reports. Returns the runs done.
    pub fn grow<T>(
        &self,
        result: &mut T,
        mut extend: impl FnMut(&mut T, u64),
        mut widest: impl FnMut(&T) -> f64,
    ) -> u64 {
        let mut done = 0;
        loop {
            let until = self.next_stop(done);
            extend(result, until);
            done = until;
            if self.is_met(done, || widest(result)) {
                return done;
            }
        }
    }
}

/// The generator key of a scenario and seed.
pub fn stream_key(scenario_name: &str, seed: u64) -> [u8; 32] {
    keyed(b"realign/stream/v1\0", scenario_name, seed)
}

/// SHA-256 of a label, the scenario name and the seed: one key per use, so no two uses share numbers.
fn keyed(label: &[u8], scenario_name: &str, seed: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
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

/// Standard deviations of accumulated noise the histogram ranges of oil, the rouble and the capacity index span
/// around each driver's noiseless path: a value beyond them has a probability of about 1e-15 per run and month,
/// and is detected (its quantiles are then reported as missing) rather than binned at the edge.
pub const ENVELOPE_SDS: f64 = 8.0;

/// The ensemble's layout: its metrics and events, and how each metric is binned month by month.
pub fn layout(cfg: &ModelConfig) -> Layout {
    let metrics: Vec<MetricDef> = observe::metric_defs(cfg);
    let events: Vec<EventDef> = observe::event_defs(cfg);
    let origin = cfg.origin.month;
    let mut l = Layout::new(
        cfg.forecast_months() + 1,
        metrics,
        events,
        cfg.params.band_west_max,
        cfg.params.band_russia_min,
    );
    // The forecast's months are the scenario's from the origin on.
    let bounds = &crate::model::drivers::envelope(cfg, ENVELOPE_SDS)[origin..];
    for k in 0..l.metrics.len() {
        if let Scale::PerMonth(follows) = l.metrics[k].scale {
            l.bin_per_month(k, &observe::ranges(cfg, follows, bounds));
        }
    }
    l
}

/// A thread pool of the requested size (0 = all cores).
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Runs the ensemble's runs 0..plan.runs and returns their statistics.
pub fn run_ensemble(
    cfg: &ModelConfig,
    scenario_name: &str,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Ensemble {
    let mut ens = empty_ensemble(cfg, plan.threads);
    extend_ensemble(&mut ens, cfg, scenario_name, plan, plan.runs, progress);
    ens
}

/// An ensemble of no runs yet.
pub fn empty_ensemble(cfg: &ModelConfig, threads: usize) -> Ensemble {
    let layout = layout(cfg);
    let acc = Accumulator::new(&layout);
    Ensemble {
        layout,
        acc,
        trajectories: Vec::new(),
        threads: pool(threads).current_num_threads(),
    }
}

/// Adds runs `ens.acc.runs .. until` to the ensemble. Runs already in it must end on a chunk boundary, so that
/// an ensemble grown in batches is identical to one run at once.
pub fn extend_ensemble(
    ens: &mut Ensemble,
    cfg: &ModelConfig,
    scenario_name: &str,
    plan: &Plan,
    until: u64,
    progress: &(dyn Fn(u64) + Sync),
) {
    extend_ensemble_recording(ens, cfg, scenario_name, plan, until, progress, None);
}

/// [`extend_ensemble`], and with `paths` each run's record (`realign run --paths`), handed to the writer chunk by
/// chunk in chunk order, so the file is the same for any thread count and memory holds one wave of records.
pub fn extend_ensemble_recording(
    ens: &mut Ensemble,
    cfg: &ModelConfig,
    scenario_name: &str,
    plan: &Plan,
    until: u64,
    progress: &(dyn Fn(u64) + Sync),
    mut paths: Option<&mut crate::paths::PathsWriter>,
) {
    let codec = paths.as_ref().and_then(|w| w.codec.clone());
    let start = ens.acc.runs;
    assert!(
        start.is_multiple_of(CHUNK_RUNS) || start >= until,
        "ensembles grow from chunk boundaries"
    );
    let key = stream_key(scenario_name, plan.seed);
    let pool = pool(plan.threads);
    let layout = &ens.layout;
    let first_chunk = start / CHUNK_RUNS;
    let chunks = until.div_ceil(CHUNK_RUNS);
    let wave = (pool.current_num_threads() * CHUNKS_PER_THREAD_PER_WAVE) as u64;
    let mut next = first_chunk;
    while next < chunks {
        let end = (next + wave).min(chunks);
        let done: Vec<(Counts<u16>, Vec<Trajectory>, Vec<u8>)> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|c| {
                    let from = c * CHUNK_RUNS;
                    let to = (from + CHUNK_RUNS).min(until);
                    let out = run_chunk_recording(
                        cfg,
                        layout,
                        &key,
                        from..to,
                        plan.trajectories as u64,
                        codec.as_ref(),
                    );
                    progress(to - from);
                    out
                })
                .collect()
        });
        for (acc, traj, records) in done {
            ens.acc.merge(&acc);
            ens.trajectories.extend(traj);
            if let Some(w) = paths.as_deref_mut() {
                w.push(&records);
            }
        }
        next = end;
    }
}

/// Every run's month 0: a named run's state at a rolling origin, or the scenario's own start.
fn initial_world(cfg: &ModelConfig) -> World {
    match &cfg.origin.state {
        Some(state) => (**state).clone(),
        None => World::initial(cfg),
    }
}

/// The one loop every run goes through, whatever records it: a world reset to the scenario's initial state, the
/// run's own generator, and the monthly schedule to the horizon. Ensembles, sweep points and claim arms all call
/// [`Sim::run`], so run `r` of a configuration is the same sequence of states wherever it is run; that is what
/// common random numbers rest on.
pub struct Sim<'c> {
    cfg: &'c ModelConfig,
    constants: Constants,
    initial: World,
    world: World,
}

impl<'c> Sim<'c> {
    pub fn new(cfg: &'c ModelConfig) -> Sim<'c> {
        let initial = initial_world(cfg);
        Sim {
            cfg,
            constants: Constants::from_config(cfg),
            world: initial.clone(),
            initial,
        }
    }

    /// Runs run `run` on stream `run` of `key`. `visit(m, world)` sees the forecast's month 0 (the initial state,
    /// or the state at a rolling origin) and the state after each month's step, up to the horizon; afterwards
    /// [`Sim::world`] is the state at the horizon. Before a rolling origin, a run steps unseen to the origin (unless
    /// it starts from a named run's state there), and its observed values are set in its state at the origin.
    #[inline]
    pub fn run(&mut self, key: &[u8; 32], run: u64, mut visit: impl FnMut(usize, &World)) {
        self.world.clone_from(&self.initial);
        let mut rng = run_rng(key, run);
        let origin = &self.cfg.origin;
        if origin.state.is_none() && origin.month > 0 {
            for _ in 0..origin.month {
                self.world.step(self.cfg, &self.constants, &mut rng);
            }
            self.world.apply_overrides(&origin.overrides);
        }
        visit(0, &self.world);
        for m in 1..=self.cfg.forecast_months() {
            self.world.step(self.cfg, &self.constants, &mut rng);
            visit(m, &self.world);
        }
    }

    /// Runs run `run` and returns the mask of events that held in any month up to the horizon.
    pub fn run_events(&mut self, key: &[u8; 32], run: u64) -> u64 {
        let cfg = self.cfg;
        let mut seen = 0u64;
        self.run(key, run, |_, w| seen |= observe::events(cfg, w));
        seen
    }

    /// The state the last run ended in.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The value of `probe` in the run that just ended, given its event mask.
    fn probe(&self, probe: OutcomeProbe, seen: u64, values: &mut [f64]) -> f64 {
        match probe {
            OutcomeProbe::Event(bit) => ((seen >> bit) & 1) as f64,
            OutcomeProbe::Alignment(a) => {
                observe::observe(self.cfg, &self.world, values);
                values[a]
            }
        }
    }
}

/// The state run `run` (stream `run` of `key`) reaches at the configuration's rolling origin: the named run whose
/// state every run starts from with `realign run --origin --state-run`.
pub fn state_at_origin(cfg: &ModelConfig, key: &[u8; 32], run: u64) -> World {
    let constants = Constants::from_config(cfg);
    let mut w = World::initial(cfg);
    let mut rng = run_rng(key, run);
    for _ in 0..cfg.origin.month {
        w.step(cfg, &constants, &mut rng);
    }
    w
}

// ---- the lane form (issue 15) -------------------------------------------------------------------------------

/// Which form of the model the runner steps. Every engine gives the same bits (`tests/lanes.rs`); the scalar one
/// is the reference, the lanes the fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// One run at a time ([`Sim`], [`World::step`]).
    Scalar,
    /// [`LANES`] runs at a time ([`LaneSim`]), on this instruction set.
    Lanes(Isa),
}

impl Engine {
    /// The names `REALIGN_ISA` takes.
    pub const NAMES: [&'static str; 3] = ["scalar", "portable", "avx2"];

    pub fn parse(s: &str) -> Option<Engine> {
        match s {
            "scalar" => Some(Engine::Scalar),
            other => Isa::parse(other).map(Engine::Lanes),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Scalar => "scalar",
            Engine::Lanes(isa) => isa.as_str(),
        }
    }

    /// The lanes on the best instruction set this processor has.
    pub fn detect() -> Engine {
        Engine::Lanes(Isa::detect())
    }

    fn code(self) -> u8 {
        match self {
            Engine::Scalar => 1,
            Engine::Lanes(Isa::Portable) => 2,
            Engine::Lanes(Isa::Avx2) => 3,
        }
    }
}

/// The engine every run of this process takes: 0 until set, then [`Engine::code`].
static ENGINE: AtomicU8 = AtomicU8::new(0);

/// Chooses the engine for the rest of the process (the application does, from `REALIGN_ISA`). Results do not
/// depend on it, only speed.
pub fn set_engine(e: Engine) {
    ENGINE.store(e.code(), Ordering::Relaxed);
}

/// The engine runs take: the one set, or the lanes on the best instruction set available.
pub fn engine() -> Engine {
    match ENGINE.load(Ordering::Relaxed) {
        1 => Engine::Scalar,
        2 => Engine::Lanes(Isa::Portable),
        3 if Isa::Avx2.available() => Engine::Lanes(Isa::Avx2),
        _ => Engine::detect(),
    }
}

/// [`Sim`] for [`LANES`] runs at once: runs `first .. first + LANES`, each on its own stream, stepped in lanes.
pub struct LaneSim<'c> {
    cfg: &'c ModelConfig,
    constants: Constants,
    lanes: Lanes<LANES>,
    isa: Isa,
}

impl<'c> LaneSim<'c> {
    pub fn new(cfg: &'c ModelConfig, isa: Isa) -> LaneSim<'c> {
        let initial = initial_world(cfg);
        LaneSim {
            cfg,
            constants: Constants::from_config(cfg),
            lanes: Lanes::new(&initial),
            isa,
        }
    }

    /// [`Sim::run`] for runs `first .. first + LANES`: `visit(m, lanes)` sees every lane's month `m`.
    #[inline]
    pub fn run(&mut self, key: &[u8; 32], first: u64, mut visit: impl FnMut(usize, &Lanes<LANES>)) {
        self.lanes.reset();
        let mut rngs: [ChaCha8Rng; LANES] = std::array::from_fn(|l| run_rng(key, first + l as u64));
        let origin = &self.cfg.origin;
        if origin.state.is_none() && origin.month > 0 {
            for _ in 0..origin.month {
                self.lanes
                    .step(self.cfg, &self.constants, &mut rngs, self.isa);
            }
            self.lanes.apply_overrides(&origin.overrides);
        }
        visit(0, &self.lanes);
        for m in 1..=self.cfg.forecast_months() {
            self.lanes
                .step(self.cfg, &self.constants, &mut rngs, self.isa);
            visit(m, &self.lanes);
        }
    }

    /// The lanes' states after the last run.
    pub fn lanes(&self) -> &Lanes<LANES> {
        &self.lanes
    }
}

/// Runs a contiguous range of runs sequentially, recording every month.
pub fn run_chunk(
    cfg: &ModelConfig,
    layout: &Layout,
    key: &[u8; 32],
    runs: std::ops::Range<u64>,
    keep_paths: u64,
) -> (Counts<u16>, Vec<Trajectory>) {
    let (counts, paths, _) = run_chunk_recording(cfg, layout, key, runs, keep_paths, None);
    (counts, paths)
}

/// Records month `m` as the first month of each event in `events` not `seen` before.
#[inline]
fn mark_first(first: &mut [u16], seen: &mut u64, events: u64, m: usize) {
    let mut new = events & !*seen;
    *seen |= new;
    while new != 0 {
        first[new.trailing_zeros() as usize] = m as u16;
        new &= new - 1;
    }
}

/// [`run_chunk`], and with `codec` each run's compact record (paths.bin), the chunk's records in run order.
pub fn run_chunk_recording(
    cfg: &ModelConfig,
    layout: &Layout,
    key: &[u8; 32],
    runs: std::ops::Range<u64>,
    keep_paths: u64,
    codec: Option<&crate::paths::Codec>,
) -> (Counts<u16>, Vec<Trajectory>, Vec<u8>) {
    assert!(
        runs.end - runs.start <= u64::from(u16::MAX),
        "chunk counts are u16"
    );
    debug_assert_eq!(layout.months, cfg.forecast_months() + 1);
    let mut acc = ChunkAccumulator::new(layout);
    let mut paths = Vec::new();
    let nm = layout.metrics.len();
    let ne = layout.events.len();
    let mut values = vec![0.0; nm];
    let mut first = vec![NEVER; ne];
    let record_bytes = codec.map_or(0, |c| c.record_bytes);
    let mut records = vec![0u8; record_bytes * (runs.end - runs.start) as usize];
    // Whole blocks of LANES runs in lanes, the rest one at a time: the same states, so the same statistics.
    let mut scalar_from = runs.start;
    if let Engine::Lanes(isa) = engine() {
        const {
            assert!(BLOCK_RUNS.is_multiple_of(LANES) && (CHUNK_RUNS as usize).is_multiple_of(LANES))
        };
        let mut sim = LaneSim::new(cfg, isa);
        let mut firsts = vec![NEVER; LANES * ne];
        // The block's metrics of one month, one array of lanes per metric: the statistics read them at once.
        let mut block_metrics = vec![[0.0; LANES]; nm];
        let mut events = [0u64; LANES];
        let blocks = (runs.end - runs.start) / LANES as u64;
        for b in 0..blocks {
            let block = runs.start + b * LANES as u64;
            firsts.iter_mut().for_each(|f| *f = NEVER);
            let mut seen = [0u64; LANES];
            let mut lane_paths: [Option<Vec<f64>>; LANES] = std::array::from_fn(|l| {
                (block + (l as u64) < keep_paths).then(|| Vec::with_capacity(layout.months * nm))
            });
            // Whether any run of the block is recorded whole (paths.bin or a kept trajectory).
            let rows = codec.is_some() || lane_paths.iter().any(Option::is_some);
            sim.run(key, block, |m, lanes| {
                lanes.observe_all(cfg, &mut block_metrics);
                acc.observe_lanes(layout, m, &block_metrics, isa);
                lanes.events_all(cfg, &mut events);
                for l in 0..LANES {
                    mark_first(&mut firsts[l * ne..][..ne], &mut seen[l], events[l], m);
                }
                if rows {
                    for l in 0..LANES {
                        for (v, metric) in values.iter_mut().zip(&block_metrics) {
                            *v = metric[l];
                        }
                        if let Some(c) = codec {
                            let at =
                                (block - runs.start) as usize * record_bytes + l * record_bytes;
                            c.record_month(&mut records[at..at + record_bytes], m, &values);
                        }
                        if let Some(p) = lane_paths[l].as_mut() {
                            p.extend_from_slice(&values);
                        }
                    }
                }
            });
            for (l, path) in lane_paths.into_iter().enumerate() {
                let lane_first = &firsts[l * ne..][..ne];
                acc.finish_run(layout, lane_first);
                if let Some(c) = codec {
                    let at = (block - runs.start) as usize * record_bytes + l * record_bytes;
                    c.record_first(&mut records[at..at + record_bytes], lane_first);
                }
                if let Some(values) = path {
                    paths.push(Trajectory {
                        run: block + l as u64,
                        values,
                    });
                }
            }
        }
        scalar_from = runs.start + blocks * LANES as u64;
    }
    let mut sim = Sim::new(cfg);
    for run in scalar_from..runs.end {
        first.iter_mut().for_each(|f| *f = NEVER);
        let mut seen = 0u64;
        let mut path = (run < keep_paths).then(|| Vec::with_capacity(layout.months * nm));
        let at = (run - runs.start) as usize * record_bytes;
        let record = &mut records[at..at + record_bytes];
        sim.run(key, run, |m, world| {
            observe::observe(cfg, world, &mut values);
            acc.observe(layout, m, &values);
            if let Some(c) = codec {
                c.record_month(record, m, &values);
            }
            mark_first(&mut first, &mut seen, observe::events(cfg, world), m);
            if let Some(p) = path.as_mut() {
                p.extend_from_slice(&values);
            }
        });
        acc.finish_run(layout, &first);
        if let Some(c) = codec {
            c.record_first(record, &first);
        }
        if let Some(values) = path {
            paths.push(Trajectory { run, values });
        }
    }
    (acc.finish(), paths, records)
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

impl From<&crate::scenario::Outcome> for OutcomeProbe {
    /// What a run records for a sweep's or a claim's outcome.
    fn from(o: &crate::scenario::Outcome) -> OutcomeProbe {
        match o {
            crate::scenario::Outcome::Event { index, .. } => OutcomeProbe::Event(*index),
            crate::scenario::Outcome::Alignment { index, .. } => OutcomeProbe::Alignment(*index),
        }
    }
}

/// Per outcome over a set of runs: the count (events) or the sum and sum of squares (alignments).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OutcomeSums {
    pub count: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

/// Replicate groups a sweep point's sums are kept in: run r belongs to group r % REPLICATE_GROUPS. The groups see
/// disjoint sets of streams, so how much an index moves from group to group measures how much it moves with the
/// luck of the replicates, which the index's interval must carry.
pub const REPLICATE_GROUPS: usize = 8;

/// The replicates of the first `runs` runs that fall in group `g` (runs 0..runs, run r in group r % groups).
pub fn group_runs(runs: u64, g: usize) -> u64 {
    let k = REPLICATE_GROUPS as u64;
    runs / k + u64::from((g as u64) < runs % k)
}

/// Per probe, the sum of its replicate groups' sums (`grouped` is `[group][probe]`), added in group order.
pub fn total_sums(grouped: &[OutcomeSums], probes: usize) -> Vec<OutcomeSums> {
    let mut out = vec![OutcomeSums::default(); probes];
    for group in grouped.chunks_exact(probes.max(1)).take(REPLICATE_GROUPS) {
        for (t, x) in out.iter_mut().zip(group) {
            t.count += x.count;
            t.sum += x.sum;
            t.sum_sq += x.sum_sq;
        }
    }
    out
}

/// Runs `runs` of `cfg` (streams are the run indices, as in `run_chunk`) and sums the outcomes per replicate
/// group: `[group][probe]` ([`REPLICATE_GROUPS`] x probes). No allocation and no shared state per run.
pub fn run_outcomes(
    cfg: &ModelConfig,
    key: &[u8; 32],
    runs: std::ops::Range<u64>,
    probes: &[OutcomeProbe],
) -> Vec<OutcomeSums> {
    let mut grouped = vec![OutcomeSums::default(); REPLICATE_GROUPS * probes.len()];
    let mut values = vec![0.0; observe::metric_defs(cfg).len()];
    let add = |grouped: &mut [OutcomeSums], run: u64, seen: u64, values: &[f64]| {
        let g = (run % REPLICATE_GROUPS as u64) as usize;
        let sums = &mut grouped[g * probes.len()..][..probes.len()];
        for (s, p) in sums.iter_mut().zip(probes) {
            match *p {
                OutcomeProbe::Event(bit) => s.count += (seen >> bit) & 1,
                OutcomeProbe::Alignment(a) => {
                    s.sum += values[a];
                    s.sum_sq += values[a] * values[a];
                }
            }
        }
    };
    // Whole blocks in lanes, then the rest one at a time; every run's sums are added in run order.
    let mut scalar_from = runs.start;
    if let Engine::Lanes(isa) = engine() {
        let mut sim = LaneSim::new(cfg, isa);
        let mut horizon = vec![[0.0; LANES]; values.len()];
        let blocks = (runs.end - runs.start) / LANES as u64;
        for b in 0..blocks {
            let block = runs.start + b * LANES as u64;
            let mut seen = [0u64; LANES];
            let mut events = [0u64; LANES];
            sim.run(key, block, |_, lanes| {
                lanes.events_all(cfg, &mut events);
                for (s, e) in seen.iter_mut().zip(&events) {
                    *s |= e;
                }
            });
            // Alignment of every actor at the horizon, in configuration order (the first metrics).
            sim.lanes().observe_all(cfg, &mut horizon);
            for (l, &s) in seen.iter().enumerate() {
                for (v, metric) in values.iter_mut().zip(&horizon) {
                    *v = metric[l];
                }
                add(&mut grouped, block + l as u64, s, &values);
            }
        }
        scalar_from = runs.start + blocks * LANES as u64;
    }
    let mut sim = Sim::new(cfg);
    for run in scalar_from..runs.end {
        let seen = sim.run_events(key, run);
        observe::observe(cfg, sim.world(), &mut values);
        add(&mut grouped, run, seen, &values);
    }
    grouped
}

/// Sums of a paired experiment over a set of runs: arm A and arm B see the same stream for the same run
/// (common random numbers) when `key_b == key_a`, independent streams otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairedSums {
    pub runs: u64,
    pub sum_a: f64,
    pub sum_a_sq: f64,
    pub sum_b: f64,
    pub sum_b_sq: f64,
    /// Sum and sum of squares of the per-run difference B - A.
    pub sum_d: f64,
    pub sum_d_sq: f64,
}

impl PairedSums {
    pub fn merge(&mut self, o: &PairedSums) {
        self.runs += o.runs;
        self.sum_a += o.sum_a;
        self.sum_a_sq += o.sum_a_sq;
        self.sum_b += o.sum_b;
        self.sum_b_sq += o.sum_b_sq;
        self.sum_d += o.sum_d;
        self.sum_d_sq += o.sum_d_sq;
    }
}

/// Runs both arms of a paired experiment for `runs` and sums the outcome and the per-run differences.
pub fn run_paired(
    arms: (&ModelConfig, &ModelConfig),
    keys: (&[u8; 32], &[u8; 32]),
    runs: std::ops::Range<u64>,
    probe: OutcomeProbe,
) -> PairedSums {
    let (mut a_arm, mut b_arm) = (Sim::new(arms.0), Sim::new(arms.1));
    let mut values = vec![
        0.0;
        observe::metric_defs(arms.0)
            .len()
            .max(observe::metric_defs(arms.1).len())
    ];
    let mut s = PairedSums::default();
    for run in runs {
        let seen = a_arm.run_events(keys.0, run);
        let a = a_arm.probe(probe, seen, &mut values);
        let seen = b_arm.run_events(keys.1, run);
        let b = b_arm.probe(probe, seen, &mut values);
        let d = b - a;
        s.runs += 1;
        s.sum_a += a;
        s.sum_a_sq += a * a;
        s.sum_b += b;
        s.sum_b_sq += b * b;
        s.sum_d += d;
        s.sum_d_sq += d * d;
    }
    s
}

/// Runs `runs` of a paired experiment on `pool` and adds them into `total` chunk by chunk, in chunk order: any
/// thread count, and any split of the runs into batches on chunk boundaries, gives the same sums.
pub fn run_paired_parallel(
    pool: &rayon::ThreadPool,
    arms: (&ModelConfig, &ModelConfig),
    keys: (&[u8; 32], &[u8; 32]),
    runs: std::ops::Range<u64>,
    probe: OutcomeProbe,
    total: &mut PairedSums,
) {
    let chunks: Vec<std::ops::Range<u64>> = (runs.start..runs.end)
        .step_by(CHUNK_RUNS as usize)
        .map(|a| a..(a + CHUNK_RUNS).min(runs.end))
        .collect();
    let parts: Vec<PairedSums> = pool.install(|| {
        chunks
            .into_par_iter()
            .map(|r| run_paired(arms, keys, r, probe))
            .collect()
    });
    for p in &parts {
        total.merge(p);
    }
}

// ---- nested ensembles (`realign run --uncertainty`) -------------------------------------------------------------

/// The generator key of a nested ensemble's outer draws (the parameters drawn from their priors): keyed on the
/// scenario name and seed like the runs' streams, under its own label, so the draws never reuse a run's numbers.
/// Outer draw k is stream k of this key, whatever the thread count.
pub fn prior_key(scenario_name: &str, seed: u64) -> [u8; 32] {
    keyed(b"realign/priors/v1\0", scenario_name, seed)
}

/// The uniform numbers of outer draw `draw`: `n` of them in [0, 1), one per prior in order, from stream `draw` of
/// `key` (each prior is drawn by its inverse CDF from its number).
pub fn prior_uniforms(key: &[u8; 32], draw: u64, n: usize) -> Vec<f64> {
    use rand::RngExt;
    let mut rng = run_rng(key, draw);
    (0..n).map(|_| rng.random::<f64>()).collect()
}

/// The layout of an ensemble pooled over several configurations of one scenario (same actors, same horizon): each
/// per-month histogram range covers every configuration's envelope, so runs of any of them bin on one scale.
/// `None` when `cfgs` is empty.
pub fn layout_covering(mut cfgs: impl Iterator<Item = ModelConfig>) -> Option<Layout> {
    let first = cfgs.next()?;
    let mut l = layout(&first);
    let per_month: Vec<(usize, Follows)> = (0..l.metrics.len())
        .filter_map(|k| match l.metrics[k].scale {
            Scale::PerMonth(f) => Some((k, f)),
            _ => None,
        })
        .collect();
    let ranges_of = |cfg: &ModelConfig| -> Vec<Vec<(f64, f64)>> {
        // From a rolling origin on, as `layout` does.
        let bounds = &crate::model::drivers::envelope(cfg, ENVELOPE_SDS)[cfg.origin.month..];
        per_month
            .iter()
            .map(|&(_, f)| observe::ranges(cfg, f, bounds))
            .collect()
    };
    let mut union = ranges_of(&first);
    for cfg in cfgs {
        for (u, r) in union.iter_mut().zip(ranges_of(&cfg)) {
            for (a, b) in u.iter_mut().zip(r) {
                *a = (a.0.min(b.0), a.1.max(b.1));
            }
        }
    }
    for (&(k, _), r) in per_month.iter().zip(&union) {
        l.bin_per_month(k, r);
    }
    Some(l)
}

/// Runs 0..runs of `cfg` (stream r of `key` for run r, as every ensemble) binned on `layout`, in chunks of
/// [`CHUNK_RUNS`] merged in order on the calling thread: one inner ensemble of a nested ensemble.
pub fn run_inner(cfg: &ModelConfig, layout: &Layout, key: &[u8; 32], runs: u64) -> Accumulator {
    let mut acc = Accumulator::new(layout);
    let mut from = 0;
    while from < runs {
        let to = (from + CHUNK_RUNS).min(runs);
        let (counts, _) = run_chunk(cfg, layout, key, from..to, 0);
        acc.merge(&counts);
        from = to;
    }
    acc
}
