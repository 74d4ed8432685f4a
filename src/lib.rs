//! realign: scenario simulation of alignment shifts around Russia from December 2014.
//!
//! Phases flow one way: [`scenario`] parses and validates a TOML file into a [`model::ModelConfig`];
//! [`runner`] runs the Monte Carlo ensemble of [`model::World`]s and accumulates [`stats`]; [`output`] writes the
//! tables. See docs/ARCHITECTURE.md.
//!
//! # As a library
//!
//! The entry points are at the crate root ([`api`]): [`load_scenario`] (or [`load_scenario_str`] for TOML text),
//! [`run_ensemble`] with a [`RunConfig`], and the [`Results`]' accessors: [`Results::summary`],
//! [`Results::events`], [`Results::timeseries`], [`Results::trajectories`], [`Results::charts`] and
//! [`Results::write`], which writes the folder `realign run` writes. Same scenario, runs and seed: same numbers and
//! same files as the command line, for any thread count.
//!
//! ```
//! use realign::{RunConfig, load_scenario, run_ensemble};
//!
//! let scenario = load_scenario("scenarios/baseline.toml")?;
//! let results = run_ensemble(&scenario, &RunConfig { runs: Some(1024), seed: Some(42), ..Default::default() })?;
//!
//! // Every probability comes with its 95% interval.
//! for e in results.events().iter().filter(|e| e.month == "2017-12") {
//!     println!("{:<20} {:<10} {:.3} [{:.3}, {:.3}]", e.event, e.actor, e.probability, e.ci_low, e.ci_high);
//! }
//! let belarus = results.summary().actors.into_iter().find(|a| a.name == "Belarus").unwrap();
//! assert!(belarus.alignment.mean.ci_low <= belarus.alignment.mean.value);
//!
//! // The files `realign run --runs 1024 --seed 42 --out DIR` writes.
//! let dir = tempfile::tempdir()?;
//! results.write(dir.path())?;
//! assert!(dir.path().join("events.csv").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Errors are typed: [`ScenarioError`] for a scenario (each problem with file, line, column and key path),
//! [`options::ArgError`] for a run configuration out of range, [`app::AppError`] for writing.

pub mod api;
pub mod app;
pub mod arith;
pub mod bench;
pub mod charts;
pub mod claims;
pub mod cli;
pub mod compare;
pub mod condition;
pub mod discover;
pub mod ema;
pub mod evidence;
pub mod explain;
pub mod fans;
pub mod model;
pub mod options;
pub mod output;
pub mod paths;
pub mod robust;
pub mod runner;
pub mod scenario;
pub mod score;
pub mod series;
pub mod signposts;
pub mod stats;
pub mod sweep;
pub mod terminal;
pub mod uncertainty;
pub mod verify;

pub use api::{
    EventRow, Results, RunConfig, SeriesRow, TrajectoryRow, load_scenario, load_scenario_str,
    run_ensemble,
};
pub use scenario::{Scenario, ScenarioError};
