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

/// The oil and rouble processes' coefficients, derived once per ensemble.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Consts {
    /// ln L
    pub log_long_run: f64,
    /// 1 - e^-k: share of the log gap closed per month.
    pub pull: f64,
    pub sigma_oil_month: f64,
    pub log_oil_start: f64,
    pub log_rub_start: f64,
    pub elasticity: f64,
    /// 1 - s
    pub keep_deviation: f64,
    pub sigma_rub_month: f64,
}

impl Consts {
    pub fn new(p: &Params) -> Consts {
        let k = std::f64::consts::LN_2 / p.oil_half_life_months;
        Consts {
            log_long_run: p.oil_long_run_usd_per_bbl.ln(),
            pull: 1.0 - (-k).exp(),
            sigma_oil_month: p.oil_volatility_annual / MONTHS_PER_YEAR.sqrt(),
            log_oil_start: p.oil_start_usd_per_bbl.ln(),
            log_rub_start: p.rub_start_per_usd.ln(),
            elasticity: p.rub_oil_elasticity,
            keep_deviation: 1.0 - p.rub_stabilisation_per_month,
            sigma_rub_month: p.rub_volatility_annual / MONTHS_PER_YEAR.sqrt(),
        }
    }

    /// One month of log oil from `log_oil` with standard normal shock `eps` and ln(shock factor) `log_shock`.
    #[inline]
    pub fn next_log_oil(&self, log_oil: f64, eps: f64, log_shock: f64) -> f64 {
        log_oil + self.pull * (self.log_long_run - log_oil) + self.sigma_oil_month * eps + log_shock
    }

    /// ln of the rouble rate oil alone implies: ln R0 - eta (x - x0).
    #[inline]
    pub fn log_oil_implied_rub(&self, log_oil: f64) -> f64 {
        self.log_rub_start - self.elasticity * (log_oil - self.log_oil_start)
    }

    /// One month of the rouble's own log deviation, pulled back by the central bank.
    #[inline]
    pub fn next_rub_deviation(&self, deviation_log: f64, eps: f64) -> f64 {
        self.keep_deviation * deviation_log + self.sigma_rub_month * eps
    }
}

pub fn step<R: Rng + ?Sized>(c: &Consts, cfg: &ModelConfig, w: &mut World, rng: &mut R) {
    let eps_oil: f64 = rng.sample(StandardNormal);
    let eps_rub: f64 = rng.sample(StandardNormal);
    let m = w.month;
    match cfg.oil_replay_usd_per_bbl[m] {
        Some(replayed) => {
            w.oil_usd_per_bbl = replayed;
            w.log_oil = replayed.ln();
        }
        None => {
            w.log_oil = c.next_log_oil(w.log_oil, eps_oil, cfg.oil_shock_log[m]);
            w.oil_usd_per_bbl = w.log_oil.exp();
        }
    }
    let implied = c.log_oil_implied_rub(w.log_oil);
    match cfg.rub_replay_per_usd[m] {
        Some(replayed) => {
            w.rub_per_usd = replayed;
            w.rub_deviation_log = replayed.ln() - implied;
        }
        None => {
            w.rub_deviation_log = c.next_rub_deviation(w.rub_deviation_log, eps_rub);
            w.rub_per_usd = (implied + w.rub_deviation_log).exp();
        }
    }
    w.west_engagement = cfg.west_engagement[m];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next_oil(p: &Params, oil: f64, eps: f64, factor: f64) -> f64 {
        Consts::new(p)
            .next_log_oil(oil.ln(), eps, factor.ln())
            .exp()
    }

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
        let c = Consts::new(&p);
        // Oil halves: the rouble weakens by 2^0.85 = 1.8025.
        let r = c
            .log_oil_implied_rub((p.oil_start_usd_per_bbl / 2.0).ln())
            .exp();
        assert!((r / p.rub_start_per_usd - 2f64.powf(0.85)).abs() < 1e-12);
        let p = Params {
            rub_stabilisation_per_month: 0.25,
            rub_volatility_annual: 0.0,
            ..Params::default()
        };
        assert!((Consts::new(&p).next_rub_deviation(0.2, 3.0) - 0.15).abs() < 1e-12);
    }
}
