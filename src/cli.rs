//! The command line. The only module that knows clap; it turns arguments into calls of [`crate::app`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::app::{self, AppError, Progress};
use crate::options::{Limits, Options, Raw};
use crate::scenario::Scenario;
use crate::terminal;

#[derive(Parser, Debug)]
#[command(name = "realign", version = env!("REALIGN_VERSION"), about = "Scenario simulation of alignment shifts around Russia from December 2014", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Also read bases, replayed data and a sweep's or claims file's scenario from inside DIR (repeatable). By
    /// default only the working directory, the named file's folder and the shipped scenarios/ and seeds/.
    #[arg(long = "allow-dir", value_name = "DIR", global = true, value_parser = existing_dir)]
    allow_dir: Vec<PathBuf>,
}

/// A month written YYYY-MM.
fn month(s: &str) -> Result<crate::scenario::Month, String> {
    crate::scenario::Month::parse(s)
        .ok_or_else(|| format!("{s:?} is not a month: write it as YYYY-MM"))
}

/// `--allow-dir` names a folder that exists.
fn existing_dir(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!("{s} is not a directory"))
    }
}

/// Options of every command that runs ensembles.
#[derive(Args, Debug)]
struct Common {
    /// Worker threads; 0 = all cores, at most 4 per core (and 1024). Results do not depend on it.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    threads: i128,
    /// Output folder (default: a folder under output/ named after the scenario, sweep or comparison).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
}

/// How many runs, from which seed.
#[derive(Args, Debug)]
struct Sampling {
    /// Number of runs (per scenario, per claim arm; default: the scenario's [run] runs, 4096 per arm for claims).
    #[arg(long, allow_negative_numbers = true)]
    runs: Option<i128>,
    /// Seed (default: the scenario's [run] seed).
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<i128>,
}

/// Precision mode.
#[derive(Args, Debug)]
struct Precision {
    /// Add runs, 2048 at a time, until every reported probability (each effect, for claims; every outcome at every
    /// point, for sweeps) has a 95% half-width of at most this.
    #[arg(long, allow_negative_numbers = true)]
    precision: Option<f64>,
    /// The most runs in precision mode (default 1,000,000; 100,000 replicates per point for sweeps).
    #[arg(long, allow_negative_numbers = true)]
    max_runs: Option<i128>,
}

/// The size a sweep may take, checked before anything runs.
#[derive(Args, Debug)]
struct SweepBudget {
    /// The most points a sweep's design may have (default 1,000,000).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_points: Option<i128>,
    /// The most memory (MiB) a sweep's points and results may take, as estimated before it runs (default 4096).
    #[arg(long, value_name = "MIB", allow_negative_numbers = true)]
    max_memory_mib: Option<i128>,
}

/// `run --uncertainty`: a nested ensemble that reports assumption uncertainty beside Monte Carlo luck.
#[derive(Args, Debug)]
struct NestedArgs {
    /// Draw the parameters from their priors ([priors], and a default prior for every assumption) --outer times,
    /// run --inner runs of each with common random numbers, and report Monte Carlo luck and the assumptions'
    /// spread apart (uncertainty.csv, the summary's `uncertainty` section).
    #[arg(long)]
    uncertainty: bool,
    /// Outer draws of the parameters (default 200).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    outer: Option<i128>,
    /// Runs per outer draw (default 1000).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    inner: Option<i128>,
    /// Which priors: with-defaults (the scenario's and every assumption's default prior) or scenario-only.
    #[arg(long, value_name = "SET")]
    priors: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario's Monte Carlo ensemble and write tables to output/<scenario>/.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        sampling: Sampling,
        #[command(flatten)]
        precision: Precision,
        #[command(flatten)]
        common: Common,
        /// Also write the full paths of the first K runs (trajectories.csv).
        #[arg(
            long,
            default_value_t = 0,
            value_name = "K",
            allow_negative_numbers = true
        )]
        trajectories: i128,
        /// Re-issue the forecast at a later month of the scenario (rolling origin): months up to YYYY-MM replay
        /// the drivers' data and are not reported; the forecast runs from there to the scenario's last month.
        #[arg(long, value_name = "YYYY-MM", value_parser = month)]
        origin: Option<crate::scenario::Month>,
        /// With --origin: state values observed at the origin, each with its source (an initial-state file).
        #[arg(long, value_name = "FILE", requires = "origin")]
        state: Option<PathBuf>,
        /// With --origin: every run starts from run N's state at the origin, rather than each from its own path.
        #[arg(long, value_name = "N", requires = "origin")]
        state_run: Option<u64>,
        #[command(flatten)]
        nested: NestedArgs,
        /// Also store every run's path compactly (paths.bin), for `realign condition` and `realign signposts`.
        #[arg(long)]
        paths: bool,
        /// Also write the tidy tables and trajectories as Parquet (a build with `--features parquet`).
        #[arg(long)]
        parquet: bool,
    },
    /// Condition a stored run (run --paths) on what was observed since: every event's probability again, beside
    /// the unconditioned one.
    Condition {
        /// The run folder, holding paths.bin.
        run_dir: PathBuf,
        /// What was observed (TOML: [[event]], [[driver]], [[alignment]]).
        #[arg(long, value_name = "OBSERVED.toml")]
        observed: PathBuf,
        /// Warn when fewer runs (effective runs, when weighted) than this survive.
        #[arg(long, value_name = "N", default_value_t = crate::condition::DEFAULT_MIN_RUNS as i128, allow_negative_numbers = true)]
        min_runs: i128,
        /// Output folder (default: RUN_DIR/condition-<observed file's stem>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No summary on the terminal (warnings still go to stderr).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Rank the early events and thresholds of a stored run (run --paths) by how much they move an outcome.
    Signposts {
        /// The run folder, holding paths.bin.
        run_dir: PathBuf,
        /// The outcome event, e.g. hosts_mediation or policy_revision.
        #[arg(long, value_name = "EVENT")]
        outcome: String,
        /// The partner of a partner event.
        #[arg(long, value_name = "A")]
        actor: Option<String>,
        /// The outcome counts if it happens by this month (default: the horizon).
        #[arg(long, value_name = "YYYY-MM")]
        by: Option<String>,
        /// Rows shown on the terminal (every candidate goes to signposts.csv).
        #[arg(long, value_name = "K", default_value_t = crate::signposts::DEFAULT_TOP as i128, allow_negative_numbers = true)]
        top: i128,
        /// Output folder (default: RUN_DIR/signposts-<outcome>[-<actor>]).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run several scenarios and draw their events and alignments side by side, with a table of differences.
    Compare {
        /// Scenario files (TOML), two or more; differences are taken from the first.
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        sampling: Sampling,
        #[command(flatten)]
        common: Common,
    },
    /// Run a parameter sweep (grid, Latin hypercube, Morris or Sobol design) across all cores.
    Sweep {
        /// Sweep file (TOML: a base scenario, factors and a [design]).
        sweep: PathBuf,
        #[command(flatten)]
        precision: Precision,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        budget: SweepBudget,
        /// Keep the points an interrupted run already finished; compute only the missing ones.
        #[arg(long)]
        resume: bool,
        /// Compute only part I of N (0-based), for a cluster: `--shard 2/8 --out parts/2`.
        #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
        shard: Option<String>,
    },
    /// Scenario discovery (PRIM and CART) on a finished sweep: the region of the swept parameters where an outcome is
    /// above (or below) a threshold, each point counted with the probability its estimate and interval give.
    Discover {
        /// A folder written by `realign sweep` or `realign merge`.
        sweep_dir: PathBuf,
        /// The outcome, as the sweep names it, e.g. union_fracture, or alignment with --actor.
        #[arg(long, value_name = "EVENT")]
        outcome: String,
        /// The actor of a partner event or alignment outcome.
        #[arg(long, value_name = "A")]
        actor: Option<String>,
        /// Cases of interest: points whose outcome is above P.
        #[arg(long, value_name = "P", allow_negative_numbers = true)]
        above: Option<f64>,
        /// Cases of interest: points whose outcome is below P.
        #[arg(long, value_name = "P", allow_negative_numbers = true)]
        below: Option<f64>,
        /// Take the box from peeling step K (0 = every point) instead of the largest with density >= 0.8.
        #[arg(long = "box", value_name = "K")]
        box_step: Option<usize>,
        /// prim (peeling boxes), cart (a classification tree's leaves) or both.
        #[arg(long, value_name = "prim|cart|both", default_value = "both")]
        method: String,
        /// CART: the tree's largest depth (1 to 10); each level at most doubles the leaves.
        #[arg(long, value_name = "D", default_value_t = 3)]
        depth: usize,
        /// CART: the fewest sweep points a leaf may hold (at least 1); larger leaves give steadier boxes.
        #[arg(long, value_name = "N", default_value_t = 5)]
        min_leaf: usize,
        /// Output folder (default: SWEEP_DIR/discover-<outcome>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Which lever setting holds up across the futures of a finished sweep: per setting, the outcome's spread,
    /// regret against the best setting in each future, and the share of futures meeting a threshold.
    Robust {
        /// A folder written by `realign sweep` or `realign merge` from a sweep file that marks levers.
        sweep_dir: PathBuf,
        /// The outcome, as the sweep names it, e.g. ceasefire, or alignment with --actor.
        #[arg(long, value_name = "EVENT")]
        outcome: String,
        /// The actor of a partner event or alignment outcome.
        #[arg(long, value_name = "A")]
        actor: Option<String>,
        /// More of the outcome is better.
        #[arg(long)]
        maximize: bool,
        /// Less of the outcome is better.
        #[arg(long)]
        minimize: bool,
        /// Satisficing: the share of futures where the outcome is at least P (--maximize) or at most P (--minimize).
        #[arg(long, value_name = "P", allow_negative_numbers = true)]
        threshold: Option<f64>,
        /// Output folder (default: SWEEP_DIR/robust-<outcome>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No table on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Export a finished sweep in the EMA Workbench's results layout (a tar.gz that
    /// `ema_workbench.load_results` reads).
    ExportEma {
        /// A folder written by `realign sweep` or `realign merge`.
        sweep_dir: PathBuf,
        /// The archive to write (default: SWEEP_DIR/ema-results.tar.gz).
        #[arg(long, value_name = "FILE.tar.gz")]
        out: Option<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Combine the parts of a sharded sweep into the results a one-machine run writes.
    Merge {
        /// The parts' folders, each written by `realign sweep --shard I/N --out PART`.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Output folder for the merged sweep.
        #[arg(long)]
        out: PathBuf,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        budget: SweepBudget,
    },
    /// Test causal claims as paired experiments (default: the article's claims in seeds/experiments.toml).
    /// Exits with status 3 when a claim is contradicted.
    Claims {
        /// Claims file (TOML; default: seeds/experiments.toml, the article's claims).
        claims: Option<PathBuf>,
        /// Test on this scenario instead of the file's own.
        #[arg(long)]
        scenario: Option<PathBuf>,
        #[command(flatten)]
        sampling: Sampling,
        #[command(flatten)]
        precision: Precision,
        #[command(flatten)]
        common: Common,
    },
    /// Score run folders' forecasts against an outcomes file (what happened): Brier, log score, CRPS, skill against
    /// even odds, "nothing changes" and base rates, and a reliability table; writes output/score/<outcomes name>/.
    Score {
        /// Outcomes file (TOML: [[event]] and [[quantity]] questions with their resolutions).
        events: PathBuf,
        /// Folders written by `realign run`.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Output folder (default: output/score/<outcomes name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Parse and check scenario, sweep and claims files (told apart by their keys); run nothing. For sweeps and
    /// claims, print what running them would take.
    Validate {
        /// Scenario, sweep or claims files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        budget: SweepBudget,
    },
    /// Rerun the run recorded in a run folder's manifest.json into a temporary folder and check every file of the
    /// folder against it (SHA-256). Exits 4 when a file differs, is missing or is extra; 2 when the folder cannot
    /// be verified (no manifest, not a run folder, the scenario changed since).
    Verify {
        /// A folder written by `realign run`, holding its manifest.json.
        dir: PathBuf,
        /// Worker threads for the rerun (0 = all cores); the results do not depend on it.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        threads: i128,
        /// No progress bar and no report; the exit status says the outcome.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print a run folder's forecast ledger: every run into it, with its headline probabilities.
    Ledger {
        /// A folder written by `realign run`, holding its ledger.jsonl.
        dir: PathBuf,
        /// Show the probabilities of the last N runs side by side.
        #[arg(
            long,
            default_value_t = 5,
            value_name = "N",
            allow_negative_numbers = true
        )]
        last: i128,
    },
    /// Print every parameter with its value, unit, allowed range and provenance.
    Explain {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Print the parameter table (defaults) as Markdown instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Backtest the oil and rouble fans on pre-vantage data (1990-2014) and print their coverage by horizon.
    Fans {
        /// Take the drivers' parameters from this scenario instead of the defaults.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Folder of the calibration data.
        #[arg(long, default_value = "seeds/data")]
        data: PathBuf,
    },
    /// Measure runs per second against the cost of the random draws alone.
    Bench {
        /// Scenario file (TOML) to time.
        #[arg(default_value = "scenarios/baseline.toml")]
        scenario: PathBuf,
        /// Runs per timing.
        #[arg(long, default_value_t = 20_000, allow_negative_numbers = true)]
        runs: i128,
        /// Timings are the best of this many repeats.
        #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
        repeats: i128,
        /// Measure how this sweep scales from 1 thread to all cores, beside a pure compute loop.
        #[arg(long, value_name = "SWEEP.toml")]
        sweep: Option<PathBuf>,
        /// Thread counts for --sweep (default: 1, 2, 4, ... up to the machine's cores).
        #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
        threads: Vec<i128>,
    },
    /// Print a shell completion script, generated from these same definitions: e.g.
    /// `realign completions bash > ~/.local/share/bash-completion/completions/realign`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these same definitions: `realign man | man -l -`, or
    /// `realign man run` for one command's page.
    Man {
        /// The command whose page to print (default: realign's own page, which lists every command).
        command: Option<String>,
    },
}

/// The second stage of parsing: the shared options checked in one place ([`crate::options`]).
fn options(
    common: &Common,
    sampling: Option<&Sampling>,
    precision: Option<&Precision>,
    shard: Option<String>,
    budget: Option<&SweepBudget>,
    limits: Limits,
) -> Result<Options, AppError> {
    Ok(Raw {
        runs: sampling.and_then(|s| s.runs),
        seed: sampling.and_then(|s| s.seed),
        threads: common.threads,
        out: common.out.clone(),
        precision: precision.and_then(|p| p.precision),
        max_runs: precision.and_then(|p| p.max_runs),
        shard,
        max_points: budget.and_then(|b| b.max_points),
        max_memory_mib: budget.and_then(|b| b.max_memory_mib),
    }
    .check(limits)?)
}

/// `--max-points` and `--max-memory-mib` alone (merge and validate), checked in the same place as every option.
fn sweep_limits(budget: &SweepBudget) -> Result<Options, AppError> {
    Ok(Raw {
        max_points: budget.max_points,
        max_memory_mib: budget.max_memory_mib,
        ..Raw::default()
    }
    .check(Limits::SWEEP)?)
}

/// The roff manual page of realign, or of one of its commands (`realign-run(1)`).
fn man_page(name: Option<&str>) -> Result<String, AppError> {
    let mut root = Cli::command();
    root.build();
    let cmd = match name {
        None => root,
        Some(n) => {
            let names: Vec<String> = root
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let Some(sub) = root.find_subcommand(n) else {
                return Err(crate::options::ArgError::ManPage {
                    given: crate::scenario::error::printable(n, false),
                    allowed: names.join(", "),
                }
                .into());
            };
            // Built under its parent, the page of `run` is titled realign-run with "realign run" in its synopsis.
            sub.clone().version(env!("REALIGN_VERSION"))
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .expect("writing to memory cannot fail");
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `print!` that survives a reader going away (`realign ... | head`): a closed pipe is not worth a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// The command-line definition, with colour off when `NO_COLOR` asks (<https://no-color.org>: set and not empty).
/// clap would honour it through anstream today; saying it here keeps the promise if that changes.
fn command() -> clap::Command {
    let cmd = Cli::command();
    if no_color() {
        cmd.color(clap::ColorChoice::Never)
    } else {
        cmd
    }
}

/// Whether `NO_COLOR` is set to something other than the empty string.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Every argument and command that has no help text, as `realign COMMAND --flag` (empty when all have one): the
/// test that keeps `--help`, the man page and the completions' descriptions complete.
pub fn undocumented() -> Vec<String> {
    undocumented_in(Cli::command())
}

/// [`undocumented`] of any command tree.
fn undocumented_in(mut cmd: clap::Command) -> Vec<String> {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if a.get_help().is_none() && a.get_long_help().is_none() {
                let name = match a.get_long() {
                    Some(l) => format!("--{l}"),
                    None => format!("<{}>", a.get_id()),
                };
                missing.push(format!("{path} {name}"));
            }
        }
        for sub in cmd.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(sub_path.clone());
            }
            walk(sub, &sub_path, missing);
        }
    }
    // Build the tree as parsing would: the generated --help and --version arguments are added here.
    cmd.build();
    let mut missing = Vec::new();
    walk(&cmd, "realign", &mut missing);
    missing
}

/// Parses arguments, runs the command, prints errors; returns the exit status.
pub fn main() -> i32 {
    let mut cmd = command();
    let cli = match cmd
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let e = e.format(&mut cmd);
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    crate::scenario::access::allow_dirs(&cli.allow_dir);
    match crate::app::engine_from(std::env::var("REALIGN_ISA").ok().as_deref()) {
        Ok(engine) => crate::runner::set_engine(engine),
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    }
    match dispatch(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// `n` with a comma between thousands: 42541 -> "42,541".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate for the progress bar: "42,541 runs/s"; one decimal below 10 ("2.5 claims/s"), where a whole number
/// would read 2 or 3.
pub fn rate_text(per_sec: f64, unit: &str) -> String {
    if !per_sec.is_finite() || per_sec < 0.0 {
        format!("- {unit}/s")
    } else if per_sec < 9.95 {
        format!("{per_sec:.1} {unit}/s")
    } else {
        format!("{} {unit}/s", thousands(per_sec.round() as u64))
    }
}

/// The bar's style: counts with thousands separators and the rate as [`rate_text`] writes it.
fn progress_style(unit: &str) -> ProgressStyle {
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{rate}}, {{eta}} left)"
    );
    let unit = unit.to_string();
    ProgressStyle::with_template(&template)
        .expect("valid template")
        .with_key(
            "rate",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate_text(state.per_sec(), &unit));
            },
        )
}

fn progress_bar(quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(progress_style(unit));
    bar
}

/// Runs `work` under a progress bar (hidden when quiet or not a terminal), then prints `brief` of its outcome
/// unless quiet.
fn with_progress<T>(
    quiet: bool,
    unit: &str,
    work: impl FnOnce(&Progress) -> Result<T, AppError>,
    brief: impl Fn(&T) -> String,
) -> Result<T, AppError> {
    let bar = progress_bar(quiet, unit);
    let outcome = work(&Progress {
        progress: &|n| bar.inc(n),
        total: &|total| bar.set_length(total),
    })?;
    bar.finish_and_clear();
    if !quiet {
        out!("{}", brief(&outcome));
    }
    Ok(outcome)
}

fn dispatch(command: Command) -> Result<(), AppError> {
    match command {
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "realign", &mut buf);
            out!("{}", String::from_utf8_lossy(&buf));
        }
        Command::Man { command } => out!("{}", man_page(command.as_deref())?),
        Command::Run {
            scenario,
            sampling,
            precision,
            common,
            trajectories,
            origin,
            state,
            state_run,
            nested,
            paths,
            parquet,
        } => {
            let opts = options(
                &common,
                Some(&sampling),
                Some(&precision),
                None,
                None,
                Limits::RUNS,
            )?;
            let trajectories = crate::options::trajectories(trajectories)?;
            let parquet = crate::options::parquet(parquet)?;
            let origin = crate::scenario::origin::OriginRequest {
                month: origin,
                state_run,
                state_file: state,
            };
            let given: Vec<&'static str> = [
                (sampling.runs.is_some(), "--runs"),
                (precision.precision.is_some(), "--precision"),
                (precision.max_runs.is_some(), "--max-runs"),
                (trajectories > 0, "--trajectories"),
                (paths, "--paths"),
                (parquet, "--parquet"),
            ]
            .into_iter()
            .filter_map(|(g, f)| g.then_some(f))
            .collect();
            let raw = crate::options::RawNested {
                uncertainty: nested.uncertainty,
                outer: nested.outer,
                inner: nested.inner,
                priors: nested.priors,
            };
            match crate::options::nested(&raw, &given)? {
                Some((outer, inner, set)) => with_progress(
                    common.quiet,
                    "runs",
                    |p| app::run_uncertainty(&scenario, &opts, outer, inner, set, &origin, p),
                    terminal::run_brief,
                )?,
                None => with_progress(
                    common.quiet,
                    "runs",
                    |p| {
                        app::run_formats(&scenario, &opts, trajectories, &origin, paths, parquet, p)
                    },
                    terminal::run_brief,
                )?,
            };
        }
        Command::Compare {
            scenarios,
            sampling,
            common,
        } => {
            let opts = options(&common, Some(&sampling), None, None, None, Limits::RUNS)?;
            with_progress(
                common.quiet,
                "runs",
                |p| app::compare(&scenarios, &opts, p),
                terminal::compare_brief,
            )?;
        }
        Command::Sweep {
            sweep,
            precision,
            common,
            budget,
            resume,
            shard,
        } => {
            let opts = options(
                &common,
                None,
                Some(&precision),
                shard,
                Some(&budget),
                Limits::SWEEP,
            )?;
            with_progress(
                common.quiet,
                "points",
                |p| app::sweep(&sweep, &opts, resume, p),
                terminal::sweep_brief,
            )?;
        }
        Command::Discover {
            sweep_dir,
            outcome,
            actor,
            above,
            below,
            box_step,
            method,
            depth,
            min_leaf,
            out,
            quiet,
        } => {
            let opts = crate::discover::Options {
                method: crate::discover::Method::parse(&method)?,
                chosen: box_step,
                max_depth: depth,
                min_leaf,
            };
            let outcome = app::discover(
                &sweep_dir,
                &outcome,
                actor.as_deref(),
                above,
                below,
                &opts,
                out.as_deref(),
            )?;
            if !quiet {
                out!("{}", terminal::discover_brief(&outcome));
            }
        }
        Command::Robust {
            sweep_dir,
            outcome,
            actor,
            maximize,
            minimize,
            threshold,
            out,
            quiet,
        } => {
            let goal =
                crate::robust::Goal::from_flags(maximize, minimize).map_err(app::AppError::from)?;
            let outcome = app::robust(
                &sweep_dir,
                &outcome,
                actor.as_deref(),
                goal,
                threshold,
                out.as_deref(),
            )?;
            if !quiet {
                out!("{}", terminal::robust_brief(&outcome));
            }
        }
        Command::ExportEma {
            sweep_dir,
            out,
            quiet,
        } => {
            let file = app::export_ema(&sweep_dir, out.as_deref())?;
            if !quiet {
                out!("{}", terminal::export_ema_brief(&file));
            }
        }
        Command::Merge {
            parts,
            out,
            quiet,
            budget,
        } => {
            let opts = sweep_limits(&budget)?;
            let outcome = app::merge(&parts, &out, &opts.sweep_limits())?;
            if !quiet {
                out!("{}", terminal::sweep_brief(&outcome));
            }
        }
        Command::Claims {
            claims,
            scenario,
            sampling,
            precision,
            common,
        } => {
            let opts = options(
                &common,
                Some(&sampling),
                Some(&precision),
                None,
                None,
                Limits::CLAIMS,
            )?;
            let path = claims.unwrap_or_else(|| PathBuf::from(app::DEFAULT_CLAIMS));
            let outcome = with_progress(
                common.quiet,
                "claims",
                |p| app::claims(&path, scenario.as_deref(), &opts, p),
                terminal::claims_brief,
            )?;
            if outcome.contradicted() > 0 {
                return Err(AppError::Contradicted(outcome.contradicted()));
            }
        }
        Command::Score {
            events,
            runs,
            out,
            quiet,
        } => {
            let outcome = app::score(&events, &runs, out.as_deref())?;
            if !quiet {
                out!("{}", terminal::score_brief(&outcome));
            }
        }
        Command::Condition {
            run_dir,
            observed,
            min_runs,
            out,
            quiet,
        } => {
            let min_runs =
                crate::options::in_range(min_runs, "--min-runs", 0, crate::scenario::MAX_RUNS)?;
            let outcome = app::condition(&run_dir, &observed, min_runs, out.as_deref())?;
            if let Some(w) = &outcome.result.warning {
                eprintln!("warning: {w}");
            }
            if !quiet {
                out!("{}", terminal::condition_brief(&outcome));
            }
        }
        Command::Signposts {
            run_dir,
            outcome,
            actor,
            by,
            top,
            out,
            quiet,
        } => {
            let top = crate::options::in_range(top, "--top", 1, 1000)? as usize;
            let outcome = app::signposts(
                &run_dir,
                &outcome,
                actor.as_deref(),
                by.as_deref(),
                top,
                out.as_deref(),
            )?;
            if !quiet {
                out!("{}", terminal::signposts_brief(&outcome));
            }
        }
        Command::Validate { scenarios, budget } => {
            let limits = sweep_limits(&budget)?.sweep_limits();
            let mut failed = 0;
            for path in &scenarios {
                match app::validate(path, &limits) {
                    Ok(v) => out!("{}", terminal::validated(path, &v)),
                    Err(e) => {
                        eprintln!("{e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                // The problems were printed above; the error line only counts them.
                return Err(AppError::InvalidFiles {
                    failed,
                    total: scenarios.len(),
                });
            }
        }
        Command::Verify {
            dir,
            threads,
            quiet,
        } => {
            let threads = crate::options::threads(threads)?;
            let v = with_progress(
                quiet,
                "runs",
                |p| app::verify(&dir, threads, p),
                terminal::verify_report,
            )?;
            if v.problems() > 0 {
                return Err(AppError::Unverified {
                    problems: v.problems(),
                });
            }
        }
        Command::Ledger { dir, last } => {
            let last = crate::options::in_range(last, "--last", 1, u32::MAX.into())? as usize;
            let ledger = app::read_ledger(&dir)?;
            out!("{}", terminal::ledger_table(&dir, &ledger, last));
        }
        Command::Explain { scenario, markdown } => {
            if markdown {
                out!("{}", crate::explain::markdown_table());
            } else {
                out!("{}", crate::explain::explain(&Scenario::load(&scenario)?));
            }
        }
        Command::Fans { scenario, data } => {
            out!(
                "{}",
                crate::fans::render(&app::fans(&data, scenario.as_deref())?)
            );
        }
        Command::Bench {
            sweep: Some(sweep),
            threads,
            repeats,
            ..
        } => {
            let repeats = crate::options::repeats(repeats)?;
            let threads = threads
                .into_iter()
                .map(crate::options::threads)
                .collect::<Result<Vec<_>, _>>()?;
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
            let points = crate::sweep::run::points(&s).values.len();
            out!(
                "{}",
                terminal::scaling_table(&s, points, &rows?, repeats, cores),
            );
        }
        Command::Bench {
            scenario,
            runs,
            repeats,
            threads,
            ..
        } => {
            let runs = Limits::RUNS.count(runs, "--runs")?;
            let repeats = crate::options::repeats(repeats)?;
            // Only --sweep uses them, but a value out of range is refused all the same.
            for t in threads {
                crate::options::threads(t)?;
            }
            let s = Scenario::load(&scenario)?;
            let r = crate::bench::bench(&s.config, &s.name, runs, repeats);
            out!("{}", terminal::bench_table(&s.name, &r, repeats));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{Arg, Command};

    #[test]
    fn the_help_walk_finds_what_has_none() {
        let cmd = Command::new("realign")
            .about("top")
            .arg(Arg::new("good").long("good").help("has help"))
            .subcommand(
                Command::new("sub")
                    .arg(Arg::new("bare").long("bare"))
                    .arg(Arg::new("file")),
            );
        assert_eq!(
            super::undocumented_in(cmd),
            // `help sub` is clap's generated help for `sub`, which takes `sub`'s missing about.
            [
                "realign sub",
                "realign sub --bare",
                "realign sub <file>",
                "realign help sub"
            ]
        );
    }
}
