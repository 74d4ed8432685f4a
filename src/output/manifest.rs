//! manifest.json: what was run, with what, by which build, when. The only output that may differ between two
//! runs of the same scenario and seed (times, thread count).

use serde::Serialize;
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
    pub realign_version: &'static str,
    pub git_revision: &'static str,
    pub started: String,
    pub finished: String,
    pub rng: &'static str,
    /// SHA-256 of a fixed computation through the model's arithmetic (`arith::probe`): equal probes, equal bits.
    pub arithmetic_probe: String,
    pub changed_from_base: Vec<(String, String)>,
    pub defaults_used: Vec<String>,
    pub resolved: Resolved,
}

pub struct RunInfo {
    pub runs: u64,
    pub precision_target: Option<f64>,
    pub threads: usize,
    pub started: std::time::SystemTime,
    pub finished: std::time::SystemTime,
}

pub fn manifest_json(s: &Scenario, info: &RunInfo) -> Vec<u8> {
    let m = Manifest {
        scenario: s.name.clone(),
        scenario_files: s.files.iter().map(|p| p.display().to_string()).collect(),
        scenario_hash: scenario_hash(s),
        seed: s.seed,
        runs: info.runs,
        threads: info.threads,
        precision_target: info.precision_target,
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
        resolved: resolved(s),
    };
    super::json_bytes(&m)
}
