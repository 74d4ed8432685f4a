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

fn dispatch(command: Command) -> Result<(), AppError> {
    match command {
        Command::Run {
            scenario,
            runs,
            seed,
            threads,
            out,
            trajectories,
            quiet,
        } => {
            let opts = RunOptions {
                runs,
                seed,
                threads,
                out,
                trajectories,
            };
            let bar = progress_bar(quiet);
            let outcome = app::run(&scenario, &opts, &|n| bar.inc(n), &|total| {
                bar.set_length(total)
            })?;
            bar.finish_and_clear();
            if !quiet {
                print!("{}", app::brief(&outcome));
            }
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
            if runs == Some(0) {
                return Err(AppError::Usage("--runs must be at least 1".into()));
            }
            let opts = app::CompareOptions {
                runs,
                seed,
                threads,
                out,
            };
            let bar = progress_bar(quiet);
            let outcome = app::compare(&scenarios, &opts, &|n| bar.inc(n), &|total| {
                bar.set_length(total)
            })?;
            bar.finish_and_clear();
            if !quiet {
                print!("{}", app::compare_brief(&outcome));
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
            scenario,
            runs,
            repeats,
        } => {
            let s = Scenario::load(&scenario)?;
            let r = crate::bench::bench(&s.config, &s.name, runs, repeats);
            println!(
                "scenario {} ({} draws per run), {} runs, best of {}",
                s.name, r.draws_per_run, r.runs, repeats
            );
            println!(
                "random draws alone, 1 thread : {:>10.0} runs/s",
                r.draws_only_runs_per_s
            );
            println!(
                "full runs, 1 thread          : {:>10.0} runs/s",
                r.single_thread_runs_per_s
            );
            println!(
                "full runs, {:>2} threads        : {:>10.0} runs/s",
                r.all_threads, r.all_threads_runs_per_s
            );
            println!(
                "cost of a run / its draws    : {:>10.2} (target <= 2)",
                r.cost_ratio()
            );
            if let Some(m) = r.peak_rss_mib {
                println!("peak resident memory         : {m:>10.1} MiB");
            }
            Ok(())
        }
    }
}
