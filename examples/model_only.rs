//! The model path alone, for the check that it computes with no math function of the system's library: `.ci/run`
//! builds this example and lists its dynamic imports (`nm -D`); exp, log, pow and their kin must not be among them.
//! Run: `cargo run --release --example model_only [SCENARIO.toml]`; prints the arithmetic probe and a digest of an
//! ensemble's statistics.

use realign::runner::{self, Plan};
use realign::scenario::Scenario;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/baseline.toml".into());
    let s = match Scenario::load(std::path::Path::new(&path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let plan = Plan {
        runs: 2048,
        seed: s.seed,
        threads: 1,
        trajectories: 0,
    };
    let ens = runner::run_ensemble(&s.config, &s.name, &plan, &|_| {});
    let l = &ens.layout;
    let h = l.months - 1;
    let mut digest = 0u64;
    for k in 0..l.metrics.len() {
        let m = ens.acc.mean(l, h, k);
        digest = digest.rotate_left(7) ^ m.value.to_bits();
        if let Some(q) = ens.acc.quantile(l, h, k, 0.5) {
            digest = digest.rotate_left(7) ^ q.value.to_bits();
        }
    }
    println!("arithmetic probe {}", realign::arith::probe());
    println!(
        "{}: {} runs, statistics digest {digest:016x}",
        s.name, ens.acc.runs
    );
}
