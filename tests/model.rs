//! Model 2 (issue 11): every outcome reachable and anchored, the vantage state a rest point, revision robust to
//! each assumption, mediation a strategy, no dead ends, pressure that follows behaviour, aggregation by weight and
//! stochasticity in spells and jumps. Fixed seeds; each tolerance is stated beside its assertion.

mod common;

use realign::model::observe::{event_defs, events};
use realign::model::params::{ACTOR_ATTRS, PARAM_SPECS, Provenance, REPORTING_ONLY, param_index};
use realign::model::{Choice, ModelConfig, World};
use realign::runner::{Sim, stream_key};
use realign::scenario::Scenario;

fn load(name: &str) -> Scenario {
    Scenario::load(&common::scenario(name)).unwrap()
}

/// Share of `runs` runs in which each event happened by month `by` (index into `event_defs`).
fn event_shares(cfg: &ModelConfig, runs: u64, by: usize) -> Vec<f64> {
    let key = stream_key("model-test", 11);
    let mut sim = Sim::new(cfg);
    let mut counts = vec![0u64; event_defs(cfg).len()];
    for r in 0..runs {
        let mut seen = 0u64;
        sim.run(&key, r, |m, w| {
            if m <= by {
                seen |= events(cfg, w);
            }
        });
        for (i, c) in counts.iter_mut().enumerate() {
            *c += (seen >> i) & 1;
        }
    }
    counts.iter().map(|&c| c as f64 / runs as f64).collect()
}

fn share(cfg: &ModelConfig, shares: &[f64], id: &str, actor: &str) -> f64 {
    let defs = event_defs(cfg);
    let i = defs
        .iter()
        .position(|d| d.id == id && d.actor == actor)
        .unwrap_or_else(|| panic!("no event {id} {actor}"));
    shares[i]
}

fn set(cfg: &mut ModelConfig, key: &str, v: f64) {
    let i = param_index(key).unwrap();
    *cfg.params.slot_mut(i) = v;
}

const RUNS: u64 = 20_000;

#[test]
fn point_1_leaving_the_orbit_is_reachable_anchored_and_moved_by_the_west_and_by_oil() {
    let base = load("baseline.toml").config;
    let h = base.horizon_months();
    let b = event_shares(&base, RUNS, h);
    let we = load("western-engagement.toml").config;
    let w = event_shares(&we, RUNS, h);
    let oc = load("oil-collapse.toml").config;
    let o = event_shares(&oc, RUNS, h);
    for actor in ["Belarus", "Kazakhstan"] {
        let p = share(&base, &b, "leaves_orbit", actor);
        // R01: 4 westward breaks in 253 post-Soviet country-years: 4.7% in 36 months; the band [0.5%, 8%].
        assert!((0.005..=0.08).contains(&p), "{actor} baseline {p}");
        let pw = share(&we, &w, "leaves_orbit", actor);
        let po = share(&oc, &o, "leaves_orbit", actor);
        eprintln!(
            "point 1: {actor} enters the West-leaning band by {h} months: baseline {p:.4}, western-engagement {pw:.4}, oil-collapse {po:.4}"
        );
        assert!(
            pw >= 2.0 * p,
            "{actor}: western-engagement {pw} against baseline {p}"
        );
        assert!(
            po >= 2.0 * p,
            "{actor}: oil-collapse {po} against baseline {p}"
        );
        // Leaving the union has a path of its own (crises), not only alignment below the exit line.
        assert!(share(&base, &b, "leaves_union", actor) > 0.0);
    }
}

#[test]
fn point_1_no_headline_event_is_identically_0_or_1_in_every_shipped_scenario() {
    let names = [
        "baseline.toml",
        "western-engagement.toml",
        "oil-collapse.toml",
        "oil-recovery.toml",
        "russian-pressure.toml",
        "history-replay.toml",
    ];
    let base = load("baseline.toml").config;
    let defs = event_defs(&base);
    let mut lo = vec![1.0f64; defs.len()];
    let mut hi = vec![0.0f64; defs.len()];
    for n in names {
        let cfg = load(n).config;
        assert_eq!(event_defs(&cfg), defs, "{n} has the baseline's events");
        for (i, s) in event_shares(&cfg, 4096, cfg.horizon_months())
            .into_iter()
            .enumerate()
        {
            lo[i] = lo[i].min(s);
            hi[i] = hi[i].max(s);
        }
    }
    for (i, d) in defs.iter().enumerate() {
        assert!(hi[i] > 0.0, "{} {} is 0 in every scenario", d.id, d.actor);
        assert!(lo[i] < 1.0, "{} {} is 1 in every scenario", d.id, d.actor);
    }
}

/// Drivers frozen at their December 2014 values, no volatility.
fn frozen(mut cfg: ModelConfig) -> ModelConfig {
    let start = cfg.params.oil_start_usd_per_bbl;
    set(&mut cfg, "drivers.oil.long_run_usd_per_bbl", start);
    for key in PARAM_SPECS.iter().map(|s| s.key) {
        if key.starts_with("drivers.") && key.ends_with("volatility_annual") {
            set(&mut cfg, key, 0.0);
        }
    }
    cfg
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn point_2_the_vantage_state_is_a_rest_point() {
    let cfg = frozen(load("baseline.toml").config);
    let key = stream_key("rest", 1);
    let mut sim = Sim::new(&cfg);
    let start = World::initial(&cfg);
    let mut at12: Vec<World> = Vec::new();
    for r in 0..4000 {
        sim.run(&key, r, |m, w| {
            if m == 12 {
                at12.push(w.clone());
            }
        });
    }
    let check = |what: &str, v0: f64, f: &dyn Fn(&World) -> f64| {
        let m = median(at12.iter().map(f).collect());
        eprintln!("point 2: {what}: {v0:.3} -> median {m:.3} after 12 months");
        // The tolerance: the median moves by less than 0.05 over the first 12 months.
        assert!((m - v0).abs() < 0.05, "{what}: {v0} -> median {m}");
    };
    check("stance", start.stance, &|w| w.stance);
    check("cohesion", start.cohesion, &|w| w.cohesion);
    for (i, x) in start.partners.iter().enumerate() {
        check("alignment", x.alignment, &|w| w.partners[i].alignment);
        check("irritation", x.irritation, &|w| w.partners[i].irritation);
    }
}

fn revision(cfg: &ModelConfig, runs: u64) -> f64 {
    share(
        cfg,
        &event_shares(cfg, runs, cfg.horizon_months()),
        "policy_revision",
        "",
    )
}

#[test]
fn point_3_no_single_assumption_moved_25_percent_moves_revision_by_more_than_a_quarter() {
    for name in ["baseline.toml", "history-replay.toml"] {
        let s = load(name);
        let r0 = revision(&s.config, 4000);
        let mut widest = (0.0f64, "", 0.0);
        for (i, spec) in PARAM_SPECS.iter().enumerate() {
            if !matches!(spec.provenance, Provenance::Assumption(_)) {
                continue;
            }
            let v = s.config.params.values()[i];
            for f in [0.75, 1.25] {
                let mut x = v * f;
                x = x.clamp(spec.min, spec.max);
                if spec.integer {
                    x = x.round();
                }
                let mut cfg = s.config.clone();
                *cfg.params.slot_mut(i) = x;
                cfg.west_engagement = realign::scenario::west_schedule(
                    cfg.params.west_engagement,
                    &s.west_changes,
                    s.start,
                    cfg.horizon_months(),
                );
                if cfg.horizon_months() != s.config.horizon_months() {
                    continue;
                }
                let r = revision(&cfg, 4000);
                if (r - r0).abs() > widest.0 {
                    widest = ((r - r0).abs(), spec.key, f);
                }
                // Tolerance: 0.25 absolute (the bound); 4000 runs give a standard error under 0.008.
                assert!(
                    (r - r0).abs() <= 0.25,
                    "{name}: {} x{f} moves revision {r0} -> {r}",
                    spec.key
                );
            }
        }
        eprintln!(
            "point 3: {name}: revision {r0:.4}; the largest move by one assumption +-25%: {:.4} ({} x{})",
            widest.0, widest.1, widest.2
        );
        // Every numeric actor attribute too (whatever its source): a knife-edge would show here as well.
        let mut widest_attr = (0.0f64, String::new(), 0.0);
        for (a, actor) in s.config.actors.iter().enumerate() {
            for (k, spec) in ACTOR_ATTRS.iter().enumerate() {
                if spec.boolean || !spec.applies_to(actor.role) {
                    continue;
                }
                for f in [0.75, 1.25] {
                    let mut cfg = s.config.clone();
                    let v = cfg.actors[a].attrs[k];
                    cfg.actors[a].attrs[k] = (v * f).clamp(spec.min, spec.max);
                    let r = revision(&cfg, 4000);
                    if (r - r0).abs() > widest_attr.0 {
                        widest_attr = (
                            (r - r0).abs(),
                            format!("actors.{}.{}", actor.name, spec.key),
                            f,
                        );
                    }
                    assert!(
                        (r - r0).abs() <= 0.25,
                        "{name}: actors.{}.{} x{f} moves revision {r0} -> {r}",
                        actor.name,
                        spec.key
                    );
                }
            }
        }
        eprintln!(
            "point 3: {name}: the largest move by one actor attribute +-25%: {:.4} ({} x{})",
            widest_attr.0, widest_attr.1, widest_attr.2
        );
    }
}

#[test]
fn point_4_a_near_rational_partner_still_hosts_where_hosting_pays() {
    let mut cfg = load("baseline.toml").config;
    set(&mut cfg, "partner_choice.rationality", 50.0);
    let s = event_shares(&cfg, RUNS, cfg.horizon_months());
    // Minsk's record as a venue (V36) keeps hosting worth its cost: well above the 0.01% of the old model.
    let (b, k) = (
        share(&cfg, &s, "hosts_mediation", "Belarus"),
        share(&cfg, &s, "hosts_mediation", "Kazakhstan"),
    );
    eprintln!(
        "point 4: with rationality 50, hosting by 36 months: Belarus {b:.4}, Kazakhstan {k:.4}"
    );
    assert!(b > 0.2, "{s:?}");
}

#[test]
fn point_5_every_parameter_not_declared_reporting_only_moves_some_output() {
    let s = load("baseline.toml");
    let outputs = |cfg: &ModelConfig, runs: u64| -> Vec<f64> {
        let key = stream_key("dead-ends", 5);
        let mut sim = Sim::new(cfg);
        let mut v = vec![0.0; 0];
        for r in 0..runs {
            let mut seen = 0u64;
            sim.run(&key, r, |_, w| seen |= events(cfg, w));
            let w = sim.world();
            let mut row = vec![seen as f64, w.stance, w.cohesion, w.conflict_intensity];
            for x in &w.partners {
                row.extend([
                    x.alignment,
                    x.irritation,
                    x.threat,
                    x.stress,
                    x.west_standing,
                    x.venue,
                ]);
            }
            if v.is_empty() {
                v = row;
            } else {
                v.iter_mut().zip(row).for_each(|(a, b)| *a += b);
            }
        }
        v
    };
    let base = outputs(&s.config, 4000);
    let mut base_long = None;
    for (i, spec) in PARAM_SPECS.iter().enumerate() {
        if REPORTING_ONLY.iter().any(|(k, _)| *k == spec.key) {
            continue;
        }
        let v = s.config.params.values()[i];
        let up = (v * 1.25).clamp(spec.min, spec.max);
        let x = if up != v {
            up
        } else {
            (v * 0.75).clamp(spec.min, spec.max)
        };
        let mut cfg = s.config.clone();
        *cfg.params.slot_mut(i) = x;
        if spec.key == "drivers.west.engagement" {
            cfg.west_engagement = vec![x; cfg.west_engagement.len()];
        }
        if spec.key == "horizon_months" {
            continue; // the horizon changes the outputs' shape, not a mechanism
        }
        // A mechanism that acts only through deviations from the vantage state moves few runs: when 4,000 runs
        // show no change, 40,000 must.
        if outputs(&cfg, 4000) == base {
            let long = base_long.get_or_insert_with(|| outputs(&s.config, 40_000));
            assert_ne!(
                &outputs(&cfg, 40_000),
                long,
                "{} moves no output (+-25%)",
                spec.key
            );
        }
    }
}

#[test]
fn point_7_belarus_is_sanctioned_less_at_pre_crisis_oil() {
    let base = load("baseline.toml").config;
    let h = base.horizon_months();
    let p0 = share(
        &base,
        &event_shares(&base, RUNS, h),
        "sanctioned",
        "Belarus",
    );
    // The world had oil not crashed: Brent at 100 USD from the start and in the long run, the rouble at its
    // pre-crisis level (the reference of the fiscal index), every actor's vantage state as it was.
    let mut rich = base.clone();
    set(&mut rich, "drivers.oil.start_usd_per_bbl", 100.0);
    set(&mut rich, "drivers.oil.long_run_usd_per_bbl", 100.0);
    let pre_crisis_rouble = rich.params.rub_reference_per_usd;
    set(
        &mut rich,
        "drivers.rouble.start_rub_per_usd",
        pre_crisis_rouble,
    );
    let p1 = share(
        &rich,
        &event_shares(&rich, RUNS, h),
        "sanctioned",
        "Belarus",
    );
    eprintln!("point 7: Belarus sanctioned by 36 months: baseline {p0:.4}, pre-crisis oil {p1:.4}");
    // The bound: at least a third lower.
    assert!(p1 <= p0 * 2.0 / 3.0, "baseline {p0}, at 100 USD {p1}");
}

#[test]
fn point_9_a_small_partner_moves_revision_and_fracture_by_less_than_a_third() {
    let base = load("baseline.toml").config;
    let arm = load("armenia.toml").config;
    let b = event_shares(&base, RUNS, base.horizon_months());
    let a = event_shares(&arm, RUNS, arm.horizon_months());
    for id in ["policy_revision", "union_fracture"] {
        let (pb, pa) = (share(&base, &b, id, ""), share(&arm, &a, id, ""));
        eprintln!("point 9: {id}: baseline {pb:.4}, with Armenia {pa:.4}");
        assert!(
            (pa - pb).abs() < pb / 3.0,
            "{id}: baseline {pb}, with Armenia {pa}"
        );
    }
}

#[test]
fn point_10_lines_last_in_spells_of_the_documented_length() {
    let cfg = load("baseline.toml").config;
    let key = stream_key("spells", 10);
    let mut sim = Sim::new(&cfg);
    let (mut reviews, mut months) = (0u64, 0u64);
    // Count months in which a partner's line could change without a crisis: a change of line is a review that
    // picked another line, so the share of changes is at most 1 / spell_months.
    let mut last: Vec<Choice> = Vec::new();
    for r in 0..2000 {
        sim.run(&key, r, |m, w| {
            if m == 0 {
                last = w.partners.iter().map(|x| x.strategy).collect();
                return;
            }
            for (i, x) in w.partners.iter().enumerate() {
                months += 1;
                if x.strategy != last[i] && !x.crisis {
                    reviews += 1;
                }
                last[i] = x.strategy;
            }
        });
    }
    let rate = reviews as f64 / months as f64;
    eprintln!(
        "point 10: line changes outside crises per partner-month {rate:.4} (reviews at 1/{})",
        cfg.params.spell_months
    );
    assert!(
        rate <= 1.0 / cfg.params.spell_months,
        "line changes per month {rate}"
    );
}
