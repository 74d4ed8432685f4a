//! The command line. The only module that knows clap; it turns arguments into calls of [`crate::app`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::app::{self, AppError, RunOptions};
use crate::scenario::Scenario;

#[derive(Parser, Debug)]
#[command(name = "realign", version, about = "Scenario simulation of alignment shifts around Russia from December 2014", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario's Monte Carlo ensemble and write tables to output/<scenario>/.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Number of runs (default: the scenario's [run] runs, else 10000).
        #[arg(long)]
        runs: Option<u64>,
        /// Seed (default: the scenario's [run] seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads; 0 = all cores. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Output folder for this run (default: output/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the full paths of the first K runs (trajectories.csv).
        #[arg(long, default_value_t = 0, value_name = "K")]
        trajectories: usize,
        /// Add runs in batches of 4096 until every reported probability's 95% half-width is at most this.
        #[arg(long)]
        precision: Option<f64>,
        /// The most runs in precision mode.
        #[arg(long, default_value_t = 1_000_000)]
        max_runs: u64,
        /// No progress bar and no summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run several scenarios and draw their events and alignments side by side, with a table of differences.
    Compare {
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        /// Runs per scenario (default: each scenario's own).
        #[arg(long)]
        runs: Option<u64>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Output folder (default: output/compare-A--B...).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run a parameter sweep (grid, Latin hypercube, Morris or Sobol design) across all cores.
    Sweep {
        sweep: PathBuf,
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Output folder (default: output/sweeps/<sweep name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep the points an interrupted run already finished; compute only the missing ones.
        #[arg(long)]
        resume: bool,
        /// Compute only part I of N (0-based), for a cluster: `--shard 2/8 --out parts/2`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Add replicates to each point, 2048 at a time, until every outcome's 95% half-width is at most this.
        #[arg(long)]
        precision: Option<f64>,
        /// The most replicates per point in precision mode.
        #[arg(long, default_value_t = 100_000)]
        max_runs: u64,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Combine the parts of a sharded sweep into the results a one-machine run writes.
    Merge {
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Test causal claims as paired experiments (default: the article's claims in seeds/experiments.toml).
    /// Exits with status 3 when a claim is contradicted.
    Claims {
        claims: Option<PathBuf>,
        /// Test on this scenario instead of the file's own.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Runs per arm (default 4096).
        #[arg(long)]
        runs: Option<u64>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Add runs until each effect's 95% half-width is at most this.
        #[arg(long)]
        precision: Option<f64>,
        /// The most runs per arm in precision mode.
        #[arg(long, default_value_t = 1_000_000)]
        max_runs: u64,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Parse and check scenario files; run nothing.
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Print every parameter with its value, unit, allowed range and provenance.
    Explain {
        scenario: PathBuf,
        /// Print the parameter table (defaults) as Markdown instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Measure runs per second against the cost of the random draws alone.
    Bench {
        #[arg(default_value = "scenarios/baseline.toml")]
        scenario: PathBuf,
        #[arg(long, default_value_t = 20_000)]
        runs: u64,
        /// Timings are the best of this many repeats.
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        /// Measure how this sweep scales from 1 thread to all cores, beside a pure compute loop.
        #[arg(long, value_name = "SWEEP.toml")]
        sweep: Option<PathBuf>,
        /// Thread counts for --sweep (default: 1, 2, 4, ... up to the machine's cores).
        #[arg(long, value_delimiter = ',')]
        threads: Vec<usize>,
    },
}

/// Parses arguments, runs the command, prints errors; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match dispatch(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs ({per_sec}, {eta} left)",
        )
        .expect("valid template"),
    );
    bar
}

/// Runs `work` under a progress bar (hidden when quiet or not a terminal), then prints `brief` of its outcome
/// unless quiet.
fn with_progress<T>(
    quiet: bool,
    unit: &str,
    work: impl FnOnce(&(dyn Fn(u64) + Sync), &dyn Fn(u64)) -> Result<T, AppError>,
    brief: impl Fn(&T) -> String,
) -> Result<T, AppError> {
    let bar = progress_bar(quiet);
    if unit != "runs" {
        let template = format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} ({{eta}} left)"
        );
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
    }
    let outcome = work(&|n| bar.inc(n), &|total| bar.set_length(total))?;
    bar.finish_and_clear();
    if !quiet {
        print!("{}", brief(&outcome));
    }
    Ok(outcome)
}

fn dispatch(command: Command) -> Result<(), AppError> {
    match command {
        Command::Run {
            scenario,
            runs,
            seed,
            threads,
            out,
            trajectories,
            precision,
            max_runs,
            quiet,
        } => {
            if precision.is_some_and(|p| !(p > 0.0 && p < 1.0)) {
                return Err(AppError::Usage("--precision must be in (0, 1)".into()));
            }
            if max_runs == 0 || max_runs > crate::scenario::MAX_RUNS {
                return Err(AppError::Usage(format!(
                    "--max-runs must be in [1, {}]",
                    crate::scenario::MAX_RUNS
                )));
            }
            if precision.is_some() && runs.is_some() {
                return Err(AppError::Usage(
                    "--precision decides the runs: give --max-runs instead of --runs".into(),
                ));
            }
            let opts = RunOptions {
                runs,
                seed,
                threads,
                out,
                trajectories,
                precision,
                max_runs,
            };
            with_progress(
                quiet,
                "runs",
                |p, t| app::run(&scenario, &opts, p, t),
                app::brief,
            )?;
            Ok(())
        }
        Command::Compare {
            scenarios,
            runs,
            seed,
            threads,
            out,
            quiet,
        } => {
            if runs.is_some_and(|r| r == 0 || r > crate::scenario::MAX_RUNS) {
                return Err(AppError::Usage(format!(
                    "--runs must be in [1, {}]",
                    crate::scenario::MAX_RUNS
                )));
            }
            let opts = app::CompareOptions {
                runs,
                seed,
                threads,
                out,
            };
            with_progress(
                quiet,
                "runs",
                |p, t| app::compare(&scenarios, &opts, p, t),
                app::compare_brief,
            )?;
            Ok(())
        }
        Command::Sweep {
            sweep,
            threads,
            out,
            resume,
            shard,
            precision,
            max_runs,
            quiet,
        } => {
            let shard = shard.map(|t| parse_shard(&t)).transpose()?;
            let max = crate::sweep::spec::MAX_REPLICATES;
            if precision.is_some_and(|p| !(p > 0.0 && p < 1.0)) || max_runs == 0 || max_runs > max {
                return Err(AppError::Usage(format!(
                    "--precision must be in (0, 1) and --max-runs in [1, {max}]"
                )));
            }
            let precision = precision.map(|p| (p, max_runs));
            let opts = app::SweepOptions {
                threads,
                out,
                resume,
                shard,
                precision,
            };
            with_progress(
                quiet,
                "points",
                |p, t| app::sweep(&sweep, &opts, p, t),
                app::sweep_brief,
            )?;
            Ok(())
        }
        Command::Merge { parts, out, quiet } => {
            let outcome = app::merge(&parts, &out)?;
            if !quiet {
                print!("{}", app::sweep_brief(&outcome));
            }
            Ok(())
        }
        Command::Claims {
            claims,
            scenario,
            runs,
            seed,
            threads,
            out,
            precision,
            max_runs,
            quiet,
        } => {
            if let Some(p) = precision {
                if !(p > 0.0 && p < 1.0) {
                    return Err(AppError::Usage("--precision must be in (0, 1)".into()));
                }
            }
            let max = crate::scenario::MAX_RUNS;
            if runs.is_some_and(|r| r == 0 || r > max) || max_runs == 0 || max_runs > max {
                return Err(AppError::Usage(format!(
                    "--runs and --max-runs must be in [1, {max}]"
                )));
            }
            let path = claims.unwrap_or_else(|| PathBuf::from(app::DEFAULT_CLAIMS));
            let opts = app::ClaimsOptions {
                scenario,
                runs,
                seed,
                threads,
                out,
                precision: precision.map(|p| (p, max_runs)),
            };
            let outcome = with_progress(
                quiet,
                "claims",
                |p, t| app::claims(&path, &opts, p, t),
                app::claims_brief,
            )?;
            if outcome.contradicted() > 0 {
                return Err(AppError::Contradicted(outcome.contradicted()));
            }
            Ok(())
        }
        Command::Validate { scenarios } => {
            let mut failed = Vec::new();
            for path in &scenarios {
                match Scenario::load(path) {
                    Ok(s) => println!(
                        "{}: ok ({}, {} actors, {} months)",
                        path.display(),
                        s.name,
                        s.config.actors.len(),
                        s.horizon_months()
                    ),
                    Err(e) => {
                        eprintln!("{e}");
                        failed.push(e);
                    }
                }
            }
            if failed.is_empty() {
                Ok(())
            } else {
                // The problems were printed above; the error line only counts them.
                Err(AppError::Usage(format!(
                    "{} of {} scenario file(s) invalid",
                    failed.len(),
                    scenarios.len()
                )))
            }
        }
        Command::Explain { scenario, markdown } => {
            if markdown {
                print!("{}", crate::explain::markdown_table());
            } else {
                print!("{}", crate::explain::explain(&Scenario::load(&scenario)?));
            }
            Ok(())
        }
        Command::Bench {
            sweep: Some(sweep),
            threads,
            repeats,
            ..
        } => {
            let s = crate::sweep::spec::Sweep::load(&sweep)?;
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let counts = if threads.is_empty() {
                let mut c: Vec<usize> = std::iter::successors(Some(1usize), |t| Some(t * 2))
                    .take_while(|t| *t < cores)
                    .collect();
                c.push(cores);
                c
            } else {
                threads
            };
            let scratch =
                std::env::temp_dir().join(format!("realign-bench-{}", std::process::id()));
            crate::output::ensure_dir(&scratch)?;
            let rows = crate::bench::scaling(&s, &counts, repeats, &scratch);
            let _ = std::fs::remove_dir_all(&scratch);
            let rows = rows?;
            println!(
                "sweep {} ({} points x {} replicates), best of {repeats}, {cores} cores",
                s.name,
                crate::sweep::run::points(&s).values.len(),
                s.replicates
            );
            println!(
                "{:>7} {:>10} {:>12} {:>11} {:>11} {:>11}",
                "threads", "sweep s", "runs/s", "efficiency", "ceiling", "of ceiling"
            );
            for r in rows {
                println!(
                    "{:>7} {:>10.3} {:>12.0} {:>10.1}% {:>10.1}% {:>10.1}%",
                    r.threads,
                    r.sweep_seconds,
                    r.sweep_runs_per_s,
                    100.0 * r.sweep_efficiency,
                    100.0 * r.ceiling_efficiency,
                    100.0 * r.sweep_efficiency / r.ceiling_efficiency
                );
            }
            Ok(())
        }
        Command::Bench {
            scenario,
            runs,
            repeats,
            ..
        } => {
            if runs == 0 || runs > crate::scenario::MAX_RUNS {
                return Err(AppError::Usage(format!(
                    "--runs must be in [1, {}]",
                    crate::scenario::MAX_RUNS
                )));
            }
            let s = Scenario::load(&scenario)?;
            let r = crate::bench::bench(&s.config, &s.name, runs, repeats);
            println!(
                "scenario {} ({} draws per run), {} runs, best of {}",
                s.name, r.draws_per_run, r.runs, repeats
            );
            let us = |rate: f64| 1e6 / rate;
            println!(
                "random draws alone, 1 thread : {:>10.0} runs/s {:>7.2} us a run",
                r.draws_only_runs_per_s,
                us(r.draws_only_runs_per_s)
            );
            println!(
                "model, no statistics, 1 thr. : {:>10.0} runs/s {:>7.2} us a run",
                r.model_only_runs_per_s,
                us(r.model_only_runs_per_s)
            );
            println!(
                "full runs, 1 thread          : {:>10.0} runs/s {:>7.2} us a run",
                r.single_thread_runs_per_s,
                us(r.single_thread_runs_per_s)
            );
            println!(
                "full runs, {:>2} threads        : {:>10.0} runs/s",
                r.all_threads, r.all_threads_runs_per_s
            );
            println!(
                "cost of a run / its draws    : {:>10.2} (target <= 2)",
                r.cost_ratio()
            );
            println!(
                "  the model alone / its draws: {:>10.2}",
                r.model_only_cost_ratio()
            );
            if let Some(m) = r.peak_rss_mib {
                println!("peak resident memory         : {m:>10.1} MiB");
            }
            Ok(())
        }
    }
}

/// `I/N` with 0 <= I < N.
fn parse_shard(text: &str) -> Result<(usize, usize), AppError> {
    let bad = || {
        AppError::Usage(format!(
            "--shard {text:?}: write it as I/N with 0 <= I < N, e.g. 0/4"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}
