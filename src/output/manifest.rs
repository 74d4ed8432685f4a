//! manifest.json: what was run, with what, by which build, when. The only output that may differ between two
//! runs of the same scenario and seed (times, thread count).
//!
//! Besides the resolved scenario it records what `realign verify` needs to make the run again and check it:
//! `options`, the arguments of `realign run` that decide the results ([`RunOptions`]), and `files`, each file the
//! run wrote before the manifest (name -> SHA-256 in hex and size in bytes, [`FileRecord`]). The copy of the
//! manifest at the foot of report.html is rendered before report.html exists, so it has no `files`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::params::{ACTOR_ATTRS, PARAM_SPECS};
use crate::scenario::{Origin, ReplayInfo, Scenario};

/// The scenario as resolved: every parameter and attribute value, schedules and replays. Its hash identifies
/// the scenario whatever file layout produced it.
#[derive(Serialize)]
pub struct Resolved {
    pub name: String,
    pub start_month: String,
    pub parameters: Vec<(String, f64)>,
    pub actors: Vec<ResolvedActor>,
    pub oil_shocks: Vec<(String, f64)>,
    pub west_changes: Vec<(String, f64)>,
    pub replays: Vec<ReplayInfo>,
    /// Replayed values actually used, per month index (null where the process runs free).
    pub oil_replay_usd_per_bbl: Vec<Option<f64>>,
    pub rub_replay_per_usd: Vec<Option<f64>>,
    /// A rolling origin (`realign run --origin`): its month, the state it starts from and the values observed
    /// there. Absent for an ordinary forecast, whose hash is then what it always was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::scenario::origin::OriginInfo>,
}

#[derive(Serialize)]
pub struct ResolvedActor {
    pub name: String,
    pub role: &'static str,
    pub attributes: Vec<(String, f64)>,
}

pub fn resolved(s: &Scenario) -> Resolved {
    let c = &s.config;
    Resolved {
        name: s.name.clone(),
        start_month: s.start.to_string(),
        parameters: PARAM_SPECS
            .iter()
            .zip(c.params.values())
            .map(|(p, v)| (p.key.to_string(), v))
            .collect(),
        actors: c
            .actors
            .iter()
            .map(|a| ResolvedActor {
                name: a.name.clone(),
                role: a.role.as_str(),
                attributes: ACTOR_ATTRS
                    .iter()
                    .zip(&a.attrs)
                    .filter(|(spec, _)| spec.applies_to(a.role))
                    .map(|(spec, v)| (spec.key.to_string(), *v))
                    .collect(),
            })
            .collect(),
        oil_shocks: s
            .oil_shocks
            .iter()
            .map(|(m, f)| (m.to_string(), *f))
            .collect(),
        west_changes: s
            .west_changes
            .iter()
            .map(|(m, f)| (m.to_string(), *f))
            .collect(),
        replays: s.replays.clone(),
        oil_replay_usd_per_bbl: c.oil_replay_usd_per_bbl.clone(),
        rub_replay_per_usd: c.rub_replay_per_usd.clone(),
        origin: s.origin.clone(),
    }
}

/// SHA-256 of the resolved scenario's canonical JSON.
pub fn scenario_hash(s: &Scenario) -> String {
    let bytes = serde_json::to_vec(&resolved(s)).expect("resolved scenario serialises");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fields that record when, where and by which build, not what: they may differ between two runs of the same
/// scenario, seed and options, and `realign verify` leaves them out of its comparison.
pub const VOLATILE_FIELDS: [&str; 4] = ["started", "finished", "threads", "git_revision"];

/// One file a run wrote: its SHA-256 (lower-case hex) and its size.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub sha256: String,
    pub bytes: u64,
}

impl FileRecord {
    pub fn of(bytes: &[u8]) -> FileRecord {
        FileRecord {
            sha256: super::sha256_hex(bytes),
            bytes: bytes.len() as u64,
        }
    }
}

/// The arguments of `realign run` that decide its results, as given (None: not given, so the scenario's own
/// value held). `--threads` and `--out` are not among them: they never change a byte of the results. A flag that
/// changes results joins this struct with `#[serde(default)]`, so manifests written before it still read, and
/// `realign verify` passes it on; a manifest with a field this build does not know is refused, not half-replayed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// The scenario file as given on the command line (relative to the folder realign ran in, if relative).
    pub scenario: String,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    /// `--precision`: the target 95% half-width.
    pub precision: Option<f64>,
    /// The most runs in precision mode (its default filled in); None without `--precision`.
    pub max_runs: Option<u64>,
    /// `--trajectories K`.
    pub trajectories: u64,
    /// `--paths`: paths.bin written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paths: bool,
    /// `--parquet`: the tidy tables and trajectories also as Parquet files.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parquet: bool,
    /// `--origin YYYY-MM`, with `--state FILE` (as given) or `--state-run N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_run: Option<u64>,
    /// `--uncertainty`: outer draws, inner runs and the prior set (`with-defaults` or `scenario-only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<NestedOptions>,
}

/// The nested ensemble's options as `run --uncertainty` took them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct NestedOptions {
    pub outer: u64,
    pub inner: u64,
    pub priors: String,
}

#[derive(Serialize)]
pub struct Manifest {
    pub scenario: String,
    pub scenario_files: Vec<String>,
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    pub threads: usize,
    /// Precision mode: the target 95% half-width the runs were added for.
    pub precision_target: Option<f64>,
    pub options: RunOptions,
    pub realign_version: &'static str,
    pub git_revision: &'static str,
    pub started: String,
    pub finished: String,
    pub rng: &'static str,
    /// SHA-256 of a fixed computation through the model's arithmetic (`arith::probe`): equal probes, equal bits.
    pub arithmetic_probe: String,
    pub changed_from_base: Vec<(String, String)>,
    pub defaults_used: Vec<String>,
    /// Every file the run wrote before the manifest, by name (absent in report.html's copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, FileRecord>>,
    pub resolved: Resolved,
}

pub struct RunInfo {
    pub runs: u64,
    pub precision_target: Option<f64>,
    pub options: RunOptions,
    pub threads: usize,
    pub started: std::time::SystemTime,
    pub finished: std::time::SystemTime,
}

/// The manifest's bytes; `files` is None for report.html's copy.
pub fn manifest_json(
    s: &Scenario,
    info: &RunInfo,
    files: Option<&BTreeMap<String, FileRecord>>,
) -> Vec<u8> {
    let m = Manifest {
        scenario: s.name.clone(),
        scenario_files: s.files.iter().map(|p| p.display().to_string()).collect(),
        scenario_hash: scenario_hash(s),
        seed: s.seed,
        runs: info.runs,
        threads: info.threads,
        precision_target: info.precision_target,
        options: info.options.clone(),
        realign_version: env!("CARGO_PKG_VERSION"),
        git_revision: env!("REALIGN_GIT_REV"),
        started: humantime::format_rfc3339_seconds(info.started).to_string(),
        finished: humantime::format_rfc3339_seconds(info.finished).to_string(),
        rng: "ChaCha8, key = SHA-256(\"realign/stream/v1\\0\" + name + \"\\0\" + seed LE), stream = run index",
        arithmetic_probe: crate::arith::probe(),
        changed_from_base: s.changes.clone(),
        defaults_used: PARAM_SPECS
            .iter()
            .zip(&s.param_origin)
            .filter(|(_, o)| **o == Origin::Default)
            .map(|(p, _)| p.key.to_string())
            .collect(),
        files: files.cloned(),
        resolved: resolved(s),
    };
    super::json_bytes(&m)
}
