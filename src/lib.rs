//! realign: scenario simulation of alignment shifts around Russia from December 2014.
//!
//! Phases flow one way: [`scenario`] parses and validates a TOML file into a [`model::ModelConfig`];
//! [`runner`] runs the Monte Carlo ensemble of [`model::World`]s and accumulates [`stats`]; [`output`] writes the
//! tables. See docs/ARCHITECTURE.md.

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
