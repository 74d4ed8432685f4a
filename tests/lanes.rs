//! Issue 15: the lane form of the model gives the scalar model's states bit for bit, on every instruction set, and
//! the runner's outputs are byte-identical whichever engine steps the runs.

mod common;

use realign::model::lanes::{Isa, LANES, Lanes};
use realign::model::observe;
use realign::model::{Choice, Constants, ModelConfig, StateOverride, World};
use realign::runner::{self, Engine, run_rng, state_at_origin, stream_key};
use realign::scenario::Scenario;

/// Every shipped scenario: scenarios/*.toml and scenarios/backtests/*.toml.
fn shipped() -> Vec<Scenario> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/backtests"] {
        for e in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    files
        .iter()
        .map(|f| Scenario::load(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .collect()
}

/// Every state variable of a world, as bits (f64::to_bits; booleans and the line as 0/1/2), in a fixed order.
fn bits(w: &World, out: &mut Vec<u64>) {
    out.clear();
    let mut f = |v: f64| out.push(v.to_bits());
    for v in [
        w.month as f64,
        w.oil_usd_per_bbl,
        w.log_oil,
        w.rub_deviation_log,
        w.rub_per_usd,
        w.west_engagement,
        w.capacity_index,
        w.usd_capacity,
        w.budget_share,
        w.pain,
        w.patron_alignment,
        w.stance,
        w.stance_rest,
        f64::from(u8::from(w.revised)),
        w.siege,
        w.conflict_intensity,
        w.contested_alignment,
        w.cohesion,
        f64::from(u8::from(w.union_fractured)),
        w.exited_weight,
    ] {
        f(v);
    }
    let v = &w.vantage;
    for x in [
        v.pain,
        v.budget_share,
        v.usd_capacity,
        v.conflict_intensity,
        v.distance,
        v.member_closeness,
        v.member_barrier,
        v.stance,
        v.total_weight,
    ] {
        f(x);
    }
    let b = |x: bool| f64::from(u8::from(x));
    for x in &w.partners {
        let v = &x.vantage;
        for y in [
            x.alignment,
            x.alignment_before,
            x.noise_move,
            x.dependence,
            x.threat,
            x.west_standing,
            x.loyalty_price,
            x.base_price,
            x.auction_propensity,
            x.trade_barrier,
            x.irritation,
            x.openness,
            b(x.recognises_crimea),
            b(x.union_member),
            x.weight,
            x.autocracy,
            x.west_offer,
            x.third_pole,
            x.stress,
            x.defiance,
            x.venue,
            x.support,
            Choice::ALL.iter().position(|c| *c == x.strategy).unwrap() as f64,
            x.hedge_position,
            x.hedge_intercept,
            v.distance,
            v.irritation,
            v.threat,
            v.trade_barrier,
            v.defiance,
            v.stress,
            v.west_standing,
            v.openness,
            v.offer,
            v.shortfall,
            b(x.offered),
            b(x.hosted),
            b(x.ceasefire),
            b(x.sanctioned),
            b(x.loan),
            b(x.crisis),
            b(x.left_union),
        ] {
            f(y);
        }
    }
}

/// A world's field count in [`bits`]: a field added to `World` or `Partner` must join it (checked by
/// `bits_cover_every_field`).
const WORLD_FIELDS: usize = 22;
const PARTNER_FIELDS: usize = 33;

#[test]
fn bits_cover_every_field() {
    // Debug prints one `name: value` per field (vantage values nested): counting them catches a field `bits` misses.
    let s = shipped().into_iter().next().unwrap();
    let w = World::initial(&s.config);
    let debug = format!("{:?}", w.partners[0]);
    let fields = debug.matches(": ").count();
    // Partner fields, less the nested `vantage` itself, plus its 10 fields.
    assert_eq!(fields, PARTNER_FIELDS + 10, "{debug}");
    let debug = format!(
        "{:?}",
        World {
            partners: vec![],
            ..w.clone()
        }
    );
    assert_eq!(debug.matches(": ").count(), WORLD_FIELDS + 9, "{debug}");
    let mut out = Vec::new();
    bits(&w, &mut out);
    assert_eq!(out.len(), 20 + 9 + w.partners.len() * 42);
}

/// Steps runs `first .. first + runs` of `cfg` both ways on `isa` and compares every state variable every month,
/// then the observed values and events the runner records. Returns the number of run-months compared.
fn compare(cfg: &ModelConfig, name: &str, first: u64, runs: u64, isa: Isa) -> u64 {
    let key = stream_key(name, 7);
    let constants = Constants::from_config(cfg);
    let initial = match &cfg.origin.state {
        Some(s) => (**s).clone(),
        None => World::initial(cfg),
    };
    let mut lanes: Lanes<LANES> = Lanes::new(&initial);
    let mut scalar: Vec<World> = Vec::new();
    let mut from_lane = initial.clone();
    let nm = observe::metric_defs(cfg).len();
    let (mut a, mut b) = (vec![0.0; nm], vec![0.0; nm]);
    let mut observed = vec![[0.0; LANES]; nm];
    let mut events = [0u64; LANES];
    let mut compared = 0;
    let (mut bits_lane, mut bits_scalar) = (Vec::new(), Vec::new());
    assert_eq!(runs % LANES as u64, 0);
    for block in (first..first + runs).step_by(LANES) {
        lanes.reset();
        let mut rngs: [_; LANES] = std::array::from_fn(|l| run_rng(&key, block + l as u64));
        let mut srngs: Vec<_> = (0..LANES)
            .map(|l| run_rng(&key, block + l as u64))
            .collect();
        scalar.clear();
        scalar.extend((0..LANES).map(|_| initial.clone()));
        let unseen = if cfg.origin.state.is_none() {
            cfg.origin.month
        } else {
            0
        };
        for m in 1..=unseen + cfg.forecast_months() {
            lanes.step(cfg, &constants, &mut rngs, isa);
            for (w, rng) in scalar.iter_mut().zip(srngs.iter_mut()) {
                w.step(cfg, &constants, rng);
            }
            if m == unseen && unseen > 0 {
                lanes.apply_overrides(&cfg.origin.overrides);
                for w in &mut scalar {
                    w.apply_overrides(&cfg.origin.overrides);
                }
            }
            lanes.observe_all(cfg, &mut observed);
            lanes.events_all(cfg, &mut events);
            for (l, w) in scalar.iter().enumerate() {
                lanes.world(l, &mut from_lane);
                bits(&from_lane, &mut bits_lane);
                bits(w, &mut bits_scalar);
                assert!(
                    bits_lane == bits_scalar,
                    "{name}: run {} month {m} ({isa:?}):\n{from_lane:?}\n{w:?}",
                    block + l as u64
                );
                observe::observe(cfg, w, &mut a);
                for (v, metric) in b.iter_mut().zip(&observed) {
                    *v = metric[l];
                }
                assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
                assert_eq!(observe::events(cfg, w), events[l]);
                compared += 1;
            }
        }
    }
    compared
}

fn isas() -> Vec<Isa> {
    let mut out = vec![Isa::Portable];
    if Isa::Avx2.available() {
        out.push(Isa::Avx2);
    } else {
        println!("note: this processor lacks AVX2: only the portable path is compared");
    }
    out
}

#[test]
fn lanes_reproduce_the_scalar_model_bit_for_bit_in_every_shipped_scenario() {
    let runs = 2048;
    for s in shipped() {
        for isa in isas() {
            let n = compare(&s.config, &s.name, 0, runs, isa);
            assert_eq!(n, runs * s.config.forecast_months() as u64, "{}", s.name);
        }
    }
}

#[test]
fn lanes_reproduce_the_scalar_model_from_rolling_origins_and_observed_states() {
    // history-replay replays the drivers from its start, so any early month can be an origin.
    let s = shipped()
        .into_iter()
        .find(|s| s.name == "history-replay")
        .expect("history-replay ships");
    let o = (1..s.config.horizon_months())
        .take_while(|&m| s.config.oil_replay_usd_per_bbl[m].is_some())
        .last()
        .expect("replayed months")
        .min(12);
    let mut own_paths = s.config.clone();
    own_paths.origin.month = o;
    own_paths.origin.overrides = vec![
        StateOverride::Alignment(0, 0.3),
        StateOverride::Irritation(0, 0.7),
        StateOverride::Stance(0.8),
        StateOverride::Cohesion(0.5),
        StateOverride::ConflictIntensity(0.6),
    ];
    for isa in isas() {
        compare(&own_paths, &s.name, 0, 1024, isa);
    }
    let mut named = own_paths.clone();
    let mut w = state_at_origin(&named, &stream_key(&s.name, 7), 5);
    w.apply_overrides(&named.origin.overrides);
    named.origin.state = Some(Box::new(w));
    for isa in isas() {
        compare(&named, &s.name, 0, 1024, isa);
    }
}

/// Every file of `dir`, by name, with its bytes; as tests/golden.rs does, the times the manifest (and its copy in
/// report.html) records are left out, with the manifest's record of report.html (whose bytes hold them) and the
/// ledger (a history of times).
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            if name == "ledger.jsonl" {
                return None;
            }
            if name != "manifest.json" && name != "report.html" {
                return Some((name, bytes));
            }
            let mut in_report_record = false;
            let kept: String = String::from_utf8(bytes)
                .unwrap()
                .split_inclusive('\n')
                .filter(|l| {
                    if in_report_record {
                        in_report_record = !l.trim_start().starts_with('}');
                        return false;
                    }
                    if l.trim_start().starts_with("\"report.html\": {") {
                        in_report_record = true;
                        return false;
                    }
                    !l.contains("started") && !l.contains("finished")
                })
                .collect();
            Some((name, kept.into_bytes()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_engine_writes_the_same_bytes() {
    // The real binary under each REALIGN_ISA; 1000 runs leave a tail of 8 runs the lanes hand to the scalar path.
    let dir = tempfile::tempdir().unwrap();
    let mut engines = vec!["scalar", "portable"];
    if Isa::Avx2.available() {
        engines.push("avx2");
    } else {
        println!("note: this processor lacks AVX2: the avx2 path is not compared");
    }
    let mut outputs = Vec::new();
    for e in &engines {
        let out = dir.path().join(e);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_realign"))
            .current_dir(common::root())
            .env("REALIGN_ISA", e)
            .args(["run", "scenarios/baseline.toml", "--runs", "1000", "-q"])
            .args(["--trajectories", "20", "--paths", "--threads", "2", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{e}: {}", common::stderr(&o));
        outputs.push(files(&out));
    }
    for (e, o) in engines.iter().zip(&outputs).skip(1) {
        assert_eq!(o.len(), outputs[0].len());
        for ((name, bytes), (name0, bytes0)) in o.iter().zip(&outputs[0]) {
            assert_eq!(name, name0);
            // The manifest names no engine, so it too is the same.
            assert!(
                bytes == bytes0,
                "{e}: {name} differs from the scalar engine's"
            );
        }
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_realign"))
        .current_dir(common::root())
        .env("REALIGN_ISA", "sse9")
        .args(["run", "scenarios/baseline.toml", "--runs", "10", "-q"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(common::stderr(&bad).contains("REALIGN_ISA=\"sse9\""));
}

#[test]
fn sweep_outcomes_are_the_same_for_every_engine() {
    let s = shipped()
        .into_iter()
        .find(|s| s.name == "baseline")
        .unwrap();
    let key = stream_key(&s.name, 3);
    let probes: Vec<runner::OutcomeProbe> = (0..observe::event_defs(&s.config).len())
        .map(runner::OutcomeProbe::Event)
        .chain((0..s.config.actors.len()).map(runner::OutcomeProbe::Alignment))
        .collect();
    let mut results = Vec::new();
    for e in [
        Engine::Scalar,
        Engine::Lanes(Isa::Portable),
        Engine::Lanes(Isa::detect()),
    ] {
        runner::set_engine(e);
        // 1000 runs from 5: lane blocks off the chunk grid, and a scalar tail.
        results.push(format!(
            "{:?}",
            runner::run_outcomes(&s.config, &key, 5..1005, &probes)
        ));
    }
    runner::set_engine(Engine::detect());
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}
