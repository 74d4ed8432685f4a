//! `realign bench`: runs per second of a scenario on one thread and on all threads, beside the cost of drawing
//! the same random numbers alone (same generator set-up per run, same distributions, same count).

use std::hint::black_box;
use std::time::Instant;

use crate::arith::StandardNormal;
use rand::RngExt;

use crate::model::{DRAWS_PER_MONTH_FIXED, DRAWS_PER_PARTNER_MONTH, ModelConfig};
use crate::runner::{self, Engine, Plan};

/// One engine's speeds (runs per second).
#[derive(Debug, Clone, Copy)]
pub struct EngineSpeed {
    /// The model's runs without any statistics (the path a sweep takes, with nothing recorded), one thread.
    pub model_only_runs_per_s: f64,
    /// Full runs (`realign run`: the model and every per-month statistic), one thread.
    pub single_thread_runs_per_s: f64,
    /// Full runs on all threads.
    pub all_threads_runs_per_s: f64,
}

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub runs: u64,
    pub draws_per_run: usize,
    /// Months x actors of one run: what "per actor-month" divides by.
    pub actor_months_per_run: usize,
    pub draws_only_runs_per_s: f64,
    /// The scalar reference ([`Engine::Scalar`]).
    pub scalar: EngineSpeed,
    /// The lanes, on [`BenchReport::lanes_engine`].
    pub lanes: EngineSpeed,
    pub lanes_engine: Engine,
    pub all_threads: usize,
    pub peak_rss_mib: Option<f64>,
    /// Lanes against the scalar reference within each repeat (the two timed back to back), full runs on one
    /// thread: on a shared machine a burst of load that hits one engine's best time and not the other's moves
    /// the ratio of best times; the spread of these paired ratios shows how much.
    pub paired_full_ratios: Vec<f64>,
    /// The same for the model alone.
    pub paired_model_ratios: Vec<f64>,
}

impl BenchReport {
    /// Full runs on one thread, lanes against the scalar reference (target: at least 2).
    pub fn lanes_speedup(&self) -> f64 {
        self.lanes.single_thread_runs_per_s / self.scalar.single_thread_runs_per_s
    }
    /// The same for the model alone.
    pub fn lanes_model_speedup(&self) -> f64 {
        self.lanes.model_only_runs_per_s / self.scalar.model_only_runs_per_s
    }
    /// Nanoseconds per actor-month of a full run on one thread at `runs_per_s`.
    pub fn ns_per_actor_month(&self, runs_per_s: f64) -> f64 {
        1e9 / runs_per_s / self.actor_months_per_run as f64
    }
    /// Median, lowest and highest of paired ratios.
    pub fn spread(ratios: &[f64]) -> Option<(f64, f64, f64)> {
        let mut r: Vec<f64> = ratios.iter().copied().filter(|x| x.is_finite()).collect();
        if r.is_empty() {
            return None;
        }
        r.sort_by(f64::total_cmp);
        let n = r.len();
        let median = if n % 2 == 1 {
            r[n / 2]
        } else {
            (r[n / 2 - 1] + r[n / 2]) / 2.0
        };
        Some((median, r[0], r[n - 1]))
    }
    /// The share of a full lane run (one thread) spent drawing its random numbers.
    pub fn draws_share_of_lane_run(&self) -> f64 {
        self.lanes.single_thread_runs_per_s / self.draws_only_runs_per_s
    }
}

/// Draws exactly what one run of `cfg` draws, in the same order and distributions, and nothing else.
fn draws_only(cfg: &ModelConfig, key: &[u8; 32], runs: u64) -> f64 {
    let partners = cfg.partner_count();
    let mut sink = 0.0;
    for run in 0..runs {
        let mut rng = runner::run_rng(key, run);
        for _ in 0..cfg.horizon_months() {
            // oil, rouble: normals
            sink += rng.sample::<f64, _>(StandardNormal) + rng.sample::<f64, _>(StandardNormal);
            for _ in 0..partners {
                // choice (uniform), position (normal), mediation (3 uniforms), sanction (uniform)
                sink += rng.random::<f64>() + rng.sample::<f64, _>(StandardNormal);
                sink += rng.random::<f64>()
                    + rng.random::<f64>()
                    + rng.random::<f64>()
                    + rng.random::<f64>();
            }
            // stance: normal
            sink += rng.sample::<f64, _>(StandardNormal);
        }
    }
    black_box(sink)
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Times `runs` runs each way; each timing is the best of `repeats`. The scalar reference and the lanes are
/// timed alternately within each repeat, so that a busy machine slows both alike and their ratio stays fair.
pub fn bench(cfg: &ModelConfig, name: &str, runs: u64, repeats: usize) -> BenchReport {
    debug_assert_eq!(
        cfg.draws_per_run(),
        cfg.horizon_months()
            * (DRAWS_PER_MONTH_FIXED + DRAWS_PER_PARTNER_MONTH * cfg.partner_count())
    );
    let key = runner::stream_key(name, 1);
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    let ensemble = |threads: usize| {
        let plan = Plan {
            runs,
            seed: 1,
            threads,
            trajectories: 0,
        };
        runner::run_ensemble(cfg, name, &plan, &|_| {});
    };
    let chosen = runner::engine();
    let lanes_engine = match chosen {
        Engine::Scalar => Engine::detect(),
        e => e,
    };
    let engines = [Engine::Scalar, lanes_engine];
    // [engine][model only, one thread, all threads]: best times.
    let mut best = [[f64::INFINITY; 3]; 2];
    let mut draws = f64::INFINITY;
    let (mut paired_full_ratios, mut paired_model_ratios) = (Vec::new(), Vec::new());
    for _ in 0..repeats.max(1) {
        draws = draws.min(time(&|| {
            draws_only(cfg, &key, runs);
        }));
        // This repeat's times: [engine][model only, one thread].
        let mut this = [[0.0; 2]; 2];
        for ((e, b), t) in engines.iter().zip(best.iter_mut()).zip(this.iter_mut()) {
            runner::set_engine(*e);
            t[0] = time(&|| {
                black_box(runner::run_outcomes(cfg, &key, 0..runs, &[]));
            });
            t[1] = time(&|| ensemble(1));
            b[0] = b[0].min(t[0]);
            b[1] = b[1].min(t[1]);
            b[2] = b[2].min(time(&|| ensemble(0)));
        }
        paired_model_ratios.push(this[0][0] / this[1][0]);
        paired_full_ratios.push(this[0][1] / this[1][1]);
    }
    runner::set_engine(chosen);
    let rate = |t: f64| runs as f64 / t;
    let speed = |b: [f64; 3]| EngineSpeed {
        model_only_runs_per_s: rate(b[0]),
        single_thread_runs_per_s: rate(b[1]),
        all_threads_runs_per_s: rate(b[2]),
    };
    BenchReport {
        runs,
        draws_per_run: cfg.draws_per_run(),
        actor_months_per_run: cfg.forecast_months() * cfg.actors.len(),
        draws_only_runs_per_s: rate(draws),
        scalar: speed(best[0]),
        lanes: speed(best[1]),
        lanes_engine,
        all_threads: runner::pool(0).current_num_threads(),
        peak_rss_mib: peak_rss_mib(),
        paired_full_ratios,
        paired_model_ratios,
    }
}

/// One row of the scaling benchmark.
#[derive(Debug, Clone)]
pub struct ScalingRow {
    pub threads: usize,
    pub sweep_seconds: f64,
    pub sweep_runs_per_s: f64,
    /// T(1) / (p T(p)) for the sweep.
    pub sweep_efficiency: f64,
    pub ceiling_seconds: f64,
    /// The same for a pure compute loop: the most this machine allows.
    pub ceiling_efficiency: f64,
}

/// Random draws and arithmetic only: no shared state, no allocation, no I/O. Splits `tasks` tasks of `draws`
/// draws each over the pool; its parallel efficiency is the ceiling the hardware allows.
fn compute_loop(pool: &rayon::ThreadPool, tasks: u64, draws: u64) -> f64 {
    use rayon::prelude::*;
    let key = runner::stream_key("realign/compute-loop", 0);
    pool.install(|| {
        (0..tasks)
            .into_par_iter()
            .map(|t| {
                let mut rng = runner::run_rng(&key, t);
                let mut acc = 0.0f64;
                for _ in 0..draws {
                    let x: f64 = rng.sample(StandardNormal);
                    acc = acc.mul_add(0.999_999, x * x);
                }
                acc
            })
            .sum::<f64>()
    })
}

/// Sweep throughput at each thread count beside the compute loop's, timed the same way (best of `repeats`).
pub fn scaling(
    sweep: &crate::sweep::spec::Sweep,
    thread_counts: &[usize],
    repeats: usize,
    scratch: &std::path::Path,
) -> Result<Vec<ScalingRow>, crate::sweep::run::SweepError> {
    let pts = crate::sweep::run::points(sweep);
    let wanted: Vec<usize> = (0..pts.values.len()).collect();
    let runs = pts.values.len() as u64 * sweep.replicates;
    // The compute loop does about as many draws as the sweep, in tasks about the size of the sweep's chunks.
    let draws_per_task = runner::CHUNK_RUNS * sweep.scenario.config.draws_per_run() as u64;
    let tasks = (runs * sweep.scenario.config.draws_per_run() as u64 / draws_per_task).max(1);
    let mut rows: Vec<ScalingRow> = Vec::new();
    for &p in thread_counts {
        let pool = runner::pool(p);
        let mut sweep_t = f64::INFINITY;
        let mut loop_t = f64::INFINITY;
        for _ in 0..repeats.max(1) {
            let t = Instant::now();
            crate::sweep::run::run_points(sweep, &pts, &wanted, scratch, p, false, &|_| {})?;
            sweep_t = sweep_t.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            black_box(compute_loop(&pool, tasks, draws_per_task));
            loop_t = loop_t.min(t.elapsed().as_secs_f64());
        }
        let (s1, c1) = rows
            .first()
            .map_or((sweep_t * p as f64, loop_t * p as f64), |r| {
                (
                    r.sweep_seconds * r.threads as f64,
                    r.ceiling_seconds * r.threads as f64,
                )
            });
        rows.push(ScalingRow {
            threads: p,
            sweep_seconds: sweep_t,
            sweep_runs_per_s: runs as f64 / sweep_t,
            sweep_efficiency: s1 / (p as f64 * sweep_t),
            ceiling_seconds: loop_t,
            ceiling_efficiency: c1 / (p as f64 * loop_t),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::BenchReport;

    #[test]
    fn spread_is_median_lowest_and_highest() {
        assert_eq!(BenchReport::spread(&[]), None);
        assert_eq!(BenchReport::spread(&[2.5, 1.5, 3.0]), Some((2.5, 1.5, 3.0)));
        assert_eq!(
            BenchReport::spread(&[2.0, f64::NAN, 1.0, 4.0, 3.0]),
            Some((2.5, 1.0, 4.0))
        );
    }
}
