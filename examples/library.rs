//! realign as a library: load a scenario, run its ensemble, read the results, write the run's folder.
//! `cargo run --release --example library [SCENARIO.toml]`

use realign::{RunConfig, load_scenario, run_ensemble};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/baseline.toml".into());
    let scenario = load_scenario(&path)?;
    let config = RunConfig {
        runs: Some(10_000),
        seed: Some(1),
        ..Default::default()
    };
    let results = run_ensemble(&scenario, &config)?;
    let horizon = scenario.month_label(results.ensemble().layout.months - 1);
    println!(
        "{}: {} runs, seed {}",
        scenario.name,
        results.runs(),
        results.seed()
    );
    for e in results.events().iter().filter(|e| e.month == horizon) {
        println!(
            "  {:<22} {:<11} {:>5.1}%  95% CI [{:.1}%, {:.1}%]",
            e.event,
            e.actor,
            100.0 * e.probability,
            100.0 * e.ci_low,
            100.0 * e.ci_high
        );
    }
    let dir = std::env::temp_dir().join(format!("realign-library-{}", std::process::id()));
    let files = results.write(&dir)?;
    println!("wrote {} files to {}", files.len(), dir.display());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
