//! ODD 7.1 Drivers: oil (mean-reverting log price, scheduled shocks, or replayed data), the rouble tied to oil,
//! and Western engagement on its schedule.
//!
//! Oil: x = ln P, k = ln 2 / half-life,
//!   x' = x + (1 - e^-k) (ln L - x) + (sigma_oil(m) / sqrt 12) eps_oil + ln(shock factor),
//! or x' = ln(replayed price) in months the data cover. The volatility has a term structure: in simulated month
//! m = 1, 2, ... it is sigma_oil(m) = sigma + (sigma_0 - sigma) 2^(-(m - 1) / h_v), starting at the vantage date's
//! implied volatility (sigma_0, the OVX scaled to monthly averages) and decaying with half-life h_v to the
//! long-run volatility of monthly averages (sigma). docs/DRIVERS.md gives the backtest that calibrates it.
//! Rouble: ln R = ln R0 - eta (x - x0) + d, where the deviation d follows
//!   d' = (1 - s) d + (sigma_rub / sqrt 12) eps_rub,
//! or R = replayed rate (and d is set to what the replay implies) in months the data cover.

use crate::arith::{StandardNormal, exp, ln};
use rand::{Rng, RngExt};

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
    /// Long-run monthly s.d. of log oil (sigma / sqrt 12).
    pub sigma_oil_month: f64,
    /// Excess of the first month's s.d. over the long-run one ((sigma_0 - sigma) / sqrt 12).
    pub sigma_oil_excess_month: f64,
    /// ln 2 / h_v: decay rate of the excess per month.
    pub vol_decay_rate: f64,
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
            log_long_run: ln(p.oil_long_run_usd_per_bbl),
            pull: 1.0 - exp(-k),
            sigma_oil_month: p.oil_volatility_annual / MONTHS_PER_YEAR.sqrt(),
            sigma_oil_excess_month: (p.oil_volatility_start_annual - p.oil_volatility_annual)
                / MONTHS_PER_YEAR.sqrt(),
            vol_decay_rate: std::f64::consts::LN_2 / p.oil_volatility_decay_half_life_months,
            log_oil_start: ln(p.oil_start_usd_per_bbl),
            log_rub_start: ln(p.rub_start_per_usd),
            elasticity: p.rub_oil_elasticity,
            keep_deviation: 1.0 - p.rub_stabilisation_per_month,
            sigma_rub_month: p.rub_volatility_annual / MONTHS_PER_YEAR.sqrt(),
        }
    }

    /// The monthly s.d. of log oil in simulated month `month` (1 = the first month after the start).
    #[inline]
    pub fn sigma_oil_at(&self, month: usize) -> f64 {
        let since_start = month.saturating_sub(1) as f64;
        self.sigma_oil_month + self.sigma_oil_excess_month * exp(-self.vol_decay_rate * since_start)
    }

    /// One month of log oil from `log_oil` with standard normal shock `eps`, monthly s.d. `sigma` (from
    /// [`Consts::sigma_oil_at`]) and ln(shock factor) `log_shock`.
    #[inline]
    pub fn next_log_oil(&self, log_oil: f64, eps: f64, sigma: f64, log_shock: f64) -> f64 {
        log_oil + self.pull * (self.log_long_run - log_oil) + sigma * eps + log_shock
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
            w.log_oil = ln(replayed);
        }
        None => {
            w.log_oil = c.next_log_oil(w.log_oil, eps_oil, c.sigma_oil_at(m), cfg.oil_shock_log[m]);
            w.oil_usd_per_bbl = exp(w.log_oil);
        }
    }
    let implied = c.log_oil_implied_rub(w.log_oil);
    match cfg.rub_replay_per_usd[m] {
        Some(replayed) => {
            w.rub_per_usd = replayed;
            w.rub_deviation_log = ln(replayed) - implied;
        }
        None => {
            w.rub_deviation_log = c.next_rub_deviation(w.rub_deviation_log, eps_rub);
            w.rub_per_usd = exp(implied + w.rub_deviation_log);
        }
    }
    w.west_engagement = cfg.west_engagement[m];
}

/// Bounds on the drivers in one month: oil (USD/bbl) and the rouble (RUB/USD), each (lowest, highest).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DriverBounds {
    pub oil_usd_per_bbl: (f64, f64),
    pub rub_per_usd: (f64, f64),
}

/// Per month 0..=horizon, bounds that hold the oil price and the rouble rate except with negligible probability:
/// each driver's deterministic path (start, long-run level, scheduled shocks, replayed data) widened by `sds`
/// standard deviations of the noise it has accumulated by that month, mean reversion included. Statistics bin
/// values on these ranges, so the bins follow the scenario whatever its parameters; a value outside is detected by
/// the statistics, never binned as if it were inside.
///
/// Oil: x = D + N with D the noiseless path and Var N' = (1 - pull)^2 Var N + sigma(m)^2, both reset by a replayed
/// month. Rouble: ln R = ln R0 - eta (x - x0) + d, d's mean and variance followed the same way (a replayed month
/// sets d to what the data imply, which carries the oil noise of that month); the two noises are bounded together
/// by the sum of their standard deviations.
pub fn envelope(cfg: &ModelConfig, sds: f64) -> Vec<DriverBounds> {
    let c = Consts::new(&cfg.params);
    let keep_oil = 1.0 - c.pull;
    let (mut oil_mean, mut oil_var) = (c.log_oil_start, 0.0);
    let (mut dev_mean, mut dev_var) = (0.0f64, 0.0f64);
    let mut out = Vec::with_capacity(cfg.horizon_months() + 1);
    for m in 0..=cfg.horizon_months() {
        if m > 0 {
            match cfg.oil_replay_usd_per_bbl[m] {
                Some(v) => (oil_mean, oil_var) = (ln(v), 0.0),
                None => {
                    oil_mean = c.next_log_oil(oil_mean, 0.0, 0.0, cfg.oil_shock_log[m]);
                    let sigma = c.sigma_oil_at(m);
                    oil_var = keep_oil * keep_oil * oil_var + sigma * sigma;
                }
            }
            match cfg.rub_replay_per_usd[m] {
                Some(v) => {
                    // d = ln R_data - implied(x): its spread is the elasticity times the oil spread.
                    dev_mean = ln(v) - c.log_oil_implied_rub(oil_mean);
                    dev_var = c.elasticity * c.elasticity * oil_var;
                }
                None => {
                    dev_mean *= c.keep_deviation;
                    dev_var = c.keep_deviation * c.keep_deviation * dev_var
                        + c.sigma_rub_month * c.sigma_rub_month;
                }
            }
        }
        let oil_half = sds * oil_var.sqrt();
        let rub_centre = match cfg.rub_replay_per_usd[m].filter(|_| m > 0) {
            Some(v) => (ln(v), 0.0),
            None => (
                c.log_oil_implied_rub(oil_mean) + dev_mean,
                sds * (c.elasticity.abs() * oil_var.sqrt() + dev_var.sqrt()),
            ),
        };
        out.push(DriverBounds {
            oil_usd_per_bbl: (exp(oil_mean - oil_half), exp(oil_mean + oil_half)),
            rub_per_usd: (
                exp(rub_centre.0 - rub_centre.1),
                exp(rub_centre.0 + rub_centre.1),
            ),
        });
    }
    out
}

/// Mean and variance of log oil and of the log rouble rate in one month of the free process (no replay, no
/// scheduled shock), from the start values in [`Consts`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    pub log_oil_mean: f64,
    pub log_oil_var: f64,
    pub log_rub_mean: f64,
    pub log_rub_var: f64,
}

/// The exact moments of the free process for months 1..=months (index 0 is month 1). Both noises are normal and
/// independent, so ln P and ln R are normal with these moments: the fans the backtest of `crate::fans` checks.
/// ln R = ln R0 - eta (x - x0) + d, so Var ln R = eta^2 Var x + Var d.
pub fn moments(c: &Consts, months: usize) -> Vec<Moments> {
    let keep_oil = 1.0 - c.pull;
    let (mut oil_mean, mut oil_var, mut dev_var) = (c.log_oil_start, 0.0f64, 0.0f64);
    (1..=months)
        .map(|m| {
            oil_mean = c.next_log_oil(oil_mean, 0.0, 0.0, 0.0);
            let sigma = c.sigma_oil_at(m);
            oil_var = keep_oil * keep_oil * oil_var + sigma * sigma;
            dev_var = c.keep_deviation * c.keep_deviation * dev_var
                + c.sigma_rub_month * c.sigma_rub_month;
            Moments {
                log_oil_mean: oil_mean,
                log_oil_var: oil_var,
                log_rub_mean: c.log_oil_implied_rub(oil_mean),
                log_rub_var: c.elasticity * c.elasticity * oil_var + dev_var,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next_oil(p: &Params, oil: f64, eps: f64, factor: f64) -> f64 {
        let c = Consts::new(p);
        c.next_log_oil(oil.ln(), eps, c.sigma_oil_at(1), factor.ln())
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
            oil_volatility_start_annual: 12f64.sqrt() * 0.1,
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

    #[test]
    fn oil_volatility_starts_at_the_implied_level_and_halves_its_excess_each_half_life() {
        let p = Params {
            oil_volatility_annual: 0.3,
            oil_volatility_start_annual: 0.5,
            oil_volatility_decay_half_life_months: 6.0,
            ..Params::default()
        };
        let c = Consts::new(&p);
        let annual = |m: usize| c.sigma_oil_at(m) * 12f64.sqrt();
        assert!((annual(1) - 0.5).abs() < 1e-12);
        assert!((annual(7) - 0.4).abs() < 1e-12);
        assert!((annual(13) - 0.35).abs() < 1e-12);
        assert!((annual(601) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn moments_match_the_step_without_noise_and_the_variance_recursion() {
        let p = Params::default();
        let c = Consts::new(&p);
        let mo = moments(&c, 36);
        let mut x = c.log_oil_start;
        for (i, m) in mo.iter().enumerate() {
            x = c.next_log_oil(x, 0.0, c.sigma_oil_at(i + 1), 0.0);
            assert!((m.log_oil_mean - x).abs() < 1e-12);
            assert!((m.log_rub_mean - c.log_oil_implied_rub(x)).abs() < 1e-12);
        }
        let s1 = c.sigma_oil_at(1);
        assert!((mo[0].log_oil_var - s1 * s1).abs() < 1e-15);
        let r1 = c.elasticity * c.elasticity * s1 * s1 + c.sigma_rub_month * c.sigma_rub_month;
        assert!((mo[0].log_rub_var - r1).abs() < 1e-15);
    }
}
