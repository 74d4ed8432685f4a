//! `realign bench`: runs per second of a scenario on one thread and on all threads, beside the cost of drawing
//! the same random numbers alone (same generator set-up per run, same distributions, same count).

use std::hint::black_box;
use std::time::Instant;

use crate::arith::StandardNormal;
use rand::RngExt;

use crate::model::{DRAWS_PER_MONTH_FIXED, DRAWS_PER_PARTNER_MONTH, ModelConfig};
use crate::runner::{self, Plan};

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub runs: u64,
    pub draws_per_run: usize,
    pub draws_only_runs_per_s: f64,
    /// The model's runs without any statistics (the path a sweep takes, with nothing recorded).
    pub model_only_runs_per_s: f64,
    pub single_thread_runs_per_s: f64,
    pub all_threads: usize,
    pub all_threads_runs_per_s: f64,
    pub peak_rss_mib: Option<f64>,
}

impl BenchReport {
    /// Cost of one run relative to its random draws alone (target: at most 2).
    pub fn cost_ratio(&self) -> f64 {
        self.draws_only_runs_per_s / self.single_thread_runs_per_s
    }
    /// The same for the model alone, without statistics: the floor under the cost ratio that faster statistics
    /// could reach.
    pub fn model_only_cost_ratio(&self) -> f64 {
        self.draws_only_runs_per_s / self.model_only_runs_per_s
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

/// Times `runs` runs each way; each timing is the best of `repeats`.
pub fn bench(cfg: &ModelConfig, name: &str, runs: u64, repeats: usize) -> BenchReport {
    debug_assert_eq!(
        cfg.draws_per_run(),
        cfg.horizon_months()
            * (DRAWS_PER_MONTH_FIXED + DRAWS_PER_PARTNER_MONTH * cfg.partner_count())
    );
    let key = runner::stream_key(name, 1);
    let best = |f: &dyn Fn()| {
        (0..repeats.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let draws = best(&|| {
        draws_only(cfg, &key, runs);
    });
    let model_only = best(&|| {
        black_box(runner::run_outcomes(cfg, &key, 0..runs, &[]));
    });
    let ensemble = |threads: usize| {
        let plan = Plan {
            runs,
            seed: 1,
            threads,
            trajectories: 0,
        };
        runner::run_ensemble(cfg, name, &plan, &|_| {});
    };
    let single = best(&|| ensemble(1));
    let all_threads = runner::pool(0).current_num_threads();
    let all = best(&|| ensemble(0));
    BenchReport {
        runs,
        draws_per_run: cfg.draws_per_run(),
        draws_only_runs_per_s: runs as f64 / draws,
        model_only_runs_per_s: runs as f64 / model_only,
        single_thread_runs_per_s: runs as f64 / single,
        all_threads,
        all_threads_runs_per_s: runs as f64 / all,
        peak_rss_mib: peak_rss_mib(),
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
