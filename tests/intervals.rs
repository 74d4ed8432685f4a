//! Honest intervals: a scenario whose event probability is known exactly. With the patron's irritation pinned at
//! 1 (no adjustment, no drift), a sanction threshold of 0, no preference to pay rather than punish and a one-month
//! horizon, the chance that Belarus is sanctioned by the horizon is exactly rate x pressure. Over many seeds the 95% Wilson interval must
//! cover that value close to 95% of the time.

use realign::runner::{Plan, run_ensemble};
use realign::scenario::Scenario;

mod common;

const TRUE_P: f64 = 0.3;

fn coin_scenario(dir: &std::path::Path) -> Scenario {
    let base = common::scenario("baseline.toml");
    let text = format!(
        r#"base = "{}"
name = "coin"
horizon_months = 1
[pressure]
irritation_adjust_per_month = 0.0
irritation_drift_gain = 0.0
sanction_threshold = 0.0
sanction_rate_per_month = {TRUE_P}
[loyalty_auction]
punish_preference = 0.0
[actors.Belarus]
irritation = 1.0
"#,
        base.display()
    );
    Scenario::load(&common::write(dir, "coin.toml", &text)).expect("coin scenario is valid")
}

#[test]
fn wilson_intervals_cover_a_known_probability_at_nominal_rate() {
    let dir = tempfile::tempdir().unwrap();
    let s = coin_scenario(dir.path());
    let event = realign::runner::layout(&s.config)
        .events
        .iter()
        .position(|e| e.id == "sanctioned" && e.actor == "Belarus")
        .unwrap();
    let seeds = 400;
    let runs = 300;
    let mut covered = 0;
    let mut mean_estimate = 0.0;
    for seed in 0..seeds {
        let plan = Plan {
            runs,
            seed,
            threads: 1,
            trajectories: 0,
        };
        let ens = run_ensemble(&s.config, &s.name, &plan, &|_| {});
        let p = ens.acc.event_by(&ens.layout, event, 1).interval();
        if p.ci_low <= TRUE_P && TRUE_P <= p.ci_high {
            covered += 1;
        }
        mean_estimate += p.value / seeds as f64;
    }
    let coverage = covered as f64 / seeds as f64;
    eprintln!("Wilson coverage {coverage} over {seeds} seeds, pooled estimate {mean_estimate}");
    // Binomial s.d. of the coverage over 400 seeds is sqrt(0.95 * 0.05 / 400) = 0.011; allow about 3 s.d.
    assert!((0.915..=0.985).contains(&coverage), "coverage {coverage}");
    // The pooled estimate over 120,000 runs: s.d. 0.0013; allow 4 s.d.
    assert!(
        (mean_estimate - TRUE_P).abs() < 0.0053,
        "pooled estimate {mean_estimate}"
    );
}

#[test]
fn mean_intervals_cover_the_known_mean_of_a_pinned_coin() {
    // The sanctioned indicator's mean is the event probability: check the normal interval on a related exact
    // quantity, the barrier after one month: b0 + b_s * 1{sanctioned} (it starts at its vantage level, so the pull
    // toward that level is 0), mean b0 + b_s p.
    let dir = tempfile::tempdir().unwrap();
    let s = coin_scenario(dir.path());
    let p = &s.config.params;
    let b0 = s
        .config
        .actors
        .iter()
        .find(|a| a.name == "Belarus")
        .unwrap()
        .attr("trade_barrier");
    let truth = b0 + p.barrier_from_sanction * TRUE_P;
    let layout = realign::runner::layout(&s.config);
    let k = layout
        .metrics
        .iter()
        .position(|m| m.metric == "trade_barrier" && m.actor == "Belarus")
        .unwrap();
    let seeds = 300;
    let mut covered = 0;
    for seed in 0..seeds {
        let plan = Plan {
            runs: 300,
            seed: 10_000 + seed,
            threads: 1,
            trajectories: 0,
        };
        let ens = run_ensemble(&s.config, &s.name, &plan, &|_| {});
        let e = ens.acc.mean(&ens.layout, 1, k);
        if e.ci_low <= truth && truth <= e.ci_high {
            covered += 1;
        }
    }
    let coverage = covered as f64 / seeds as f64;
    eprintln!("mean-interval coverage {coverage} over {seeds} seeds (truth {truth})");
    assert!((0.91..=0.99).contains(&coverage), "coverage {coverage}");
}
