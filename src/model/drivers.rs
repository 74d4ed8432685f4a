//! ODD 7.1 Drivers: oil (mean-reverting log price, scheduled shocks, or replayed data), the rouble tied to oil,
//! and Western engagement on its schedule.
//!
//! Oil: x = ln P, k = ln 2 / half-life,
//!   x' = x + (1 - e^-k) (ln L - x) + (sigma_oil / sqrt 12) eps_oil + ln(shock factor),
//! or x' = ln(replayed price) in months the data cover.
//! Rouble: ln R = ln R0 - eta (x - x0) + d, where the deviation d follows
//!   d' = (1 - s) d + (sigma_rub / sqrt 12) eps_rub,
//! or R = replayed rate (and d is set to what the replay implies) in months the data cover.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::{ModelConfig, Params, World};

/// Months per year, for turning annual volatilities into monthly ones.
const MONTHS_PER_YEAR: f64 = 12.0;

pub fn step<R: Rng + ?Sized>(p: &Params, cfg: &ModelConfig, w: &mut World, rng: &mut R) {
    let eps_oil: f64 = rng.sample(StandardNormal);
    let eps_rub: f64 = rng.sample(StandardNormal);
    let m = w.month;
    w.oil_usd_per_bbl = match cfg.oil_replay_usd_per_bbl[m] {
        Some(replayed) => replayed,
        None => next_oil(p, w.oil_usd_per_bbl, eps_oil, cfg.oil_shock_factor[m]),
    };
    let implied = oil_implied_rub(p, w.oil_usd_per_bbl);
    match cfg.rub_replay_per_usd[m] {
        Some(replayed) => {
            w.rub_per_usd = replayed;
            w.rub_deviation_log = (replayed / implied).ln();
        }
        None => {
            w.rub_deviation_log = next_rub_deviation(p, w.rub_deviation_log, eps_rub);
            w.rub_per_usd = implied * w.rub_deviation_log.exp();
        }
    }
    w.west_engagement = cfg.west_engagement[m];
}

/// One month of the oil process from `oil` with standard normal shock `eps` and scheduled factor `shock`.
pub fn next_oil(p: &Params, oil_usd_per_bbl: f64, eps: f64, shock_factor: f64) -> f64 {
    let x = oil_usd_per_bbl.ln();
    let k = std::f64::consts::LN_2 / p.oil_half_life_months;
    let pull = (1.0 - (-k).exp()) * (p.oil_long_run_usd_per_bbl.ln() - x);
    let sigma_month = p.oil_volatility_annual / MONTHS_PER_YEAR.sqrt();
    (x + pull + sigma_month * eps + shock_factor.ln()).exp()
}

/// The rouble rate oil alone implies: R0 (P / P0)^-eta.
pub fn oil_implied_rub(p: &Params, oil_usd_per_bbl: f64) -> f64 {
    p.rub_start_per_usd * (oil_usd_per_bbl / p.oil_start_usd_per_bbl).powf(-p.rub_oil_elasticity)
}

/// One month of the rouble's own log deviation, pulled back by the central bank.
pub fn next_rub_deviation(p: &Params, deviation_log: f64, eps: f64) -> f64 {
    (1.0 - p.rub_stabilisation_per_month) * deviation_log
        + p.rub_volatility_annual / MONTHS_PER_YEAR.sqrt() * eps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oil_half_closes_its_gap_in_one_half_life_without_noise() {
        let p = Params {
            oil_half_life_months: 1.0,
            oil_long_run_usd_per_bbl: 100.0,
            ..Params::default()
        };
        // ln 25 -> halfway to ln 100 in log space is ln 50.
        let next = next_oil(&p, 25.0, 0.0, 1.0);
        assert!((next - 50.0).abs() < 1e-9, "{next}");
    }

    #[test]
    fn oil_shock_and_noise_act_in_log_space() {
        let p = Params {
            oil_long_run_usd_per_bbl: 62.34,
            oil_volatility_annual: 12f64.sqrt() * 0.1,
            ..Params::default()
        };
        let at_level = next_oil(&p, 62.34, 0.0, 0.5);
        assert!((at_level - 31.17).abs() < 1e-9);
        let one_sd = next_oil(&p, 62.34, 1.0, 1.0);
        assert!((one_sd - 62.34 * 0.1f64.exp()).abs() < 1e-9);
    }

    #[test]
    fn rouble_moves_against_oil_with_the_elasticity() {
        let p = Params {
            rub_oil_elasticity: 0.85,
            ..Params::default()
        };
        // Oil halves: the rouble weakens by 2^0.85 = 1.8025.
        let r = oil_implied_rub(&p, p.oil_start_usd_per_bbl / 2.0);
        assert!((r / p.rub_start_per_usd - 2f64.powf(0.85)).abs() < 1e-12);
        let p = Params {
            rub_stabilisation_per_month: 0.25,
            rub_volatility_annual: 0.0,
            ..Params::default()
        };
        assert!((next_rub_deviation(&p, 0.2, 3.0) - 0.15).abs() < 1e-12);
    }
}
