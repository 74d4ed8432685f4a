use realign::model::params::param_index;
use realign::runner::{Sim, stream_key};
use realign::scenario::Scenario;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut s = Scenario::load(std::path::Path::new(&args[1])).unwrap();
    for kv in &args[2..] {
        let (k, v) = kv.split_once('=').unwrap();
        *s.config.params.slot_mut(param_index(k).unwrap()) = v.parse().unwrap();
    }
    let cfg = &s.config;
    let key = stream_key("dbg", 1);
    let mut sim = Sim::new(cfg);
    let n = 4000;
    let months = [0usize, 3, 6, 12, 24, 36];
    let mut acc = vec![vec![0.0f64; 12]; months.len()];
    for r in 0..n {
        sim.run(&key, r, |m, w| {
            if let Some(i) = months.iter().position(|&x| x == m) {
                let b = &w.partners[0];
                let k = &w.partners[1];
                let row = [w.oil_usd_per_bbl, w.budget_share, w.pain, w.stance, b.irritation, b.defiance, b.loyalty_price, b.stress, k.irritation, k.threat, w.cohesion, b.support];
                for j in 0..12 { acc[i][j] += row[j]; }
            }
        });
    }
    println!("m    oil    B     pain  stance  B.irr B.def B.price B.str K.irr K.thr coh  B.sup");
    for (i, m) in months.iter().enumerate() {
        print!("{m:3}");
        for j in 0..12 { print!(" {:6.3}", acc[i][j] / n as f64); }
        println!();
    }
}
