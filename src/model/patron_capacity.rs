//! ODD 7.2 Patron fiscal capacity (claims A07, A08, A09, F03; record V11-V13, V18): oil-and-gas revenue is about half
//! of the federal budget and is earned in dollars but spent in roubles, so a weaker rouble cushions an oil fall.
//! Oil enters the model here, once: the fiscal index sets both the patron's pain and what it can pay its partners.
//!
//!   r = R / R_ref,  deflator = r^pt                           (prices follow the rouble by the pass-through pt)
//!   F = s (P / P_ref) r / deflator + (1 - s)                  (real fiscal index in roubles, 1 = mid-2014)
//!   F_usd = F deflator / r                                    (the real budget valued in dollars)
//!   pain = clamp((1 - F) / gap_full, 0, 1)
//!   A = clamp(F_usd / C_full, 0, 1),  B' = B + lambda_B (A - B)
//! Calibration (V12): in 2009 (P/P_ref about 0.41, r about 1.48) F is about 0.79, read as pain 0.6.

use crate::arith::{exp, ln};

use super::{Params, World, unit};

/// The patron's budget in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fiscal {
    pub index: f64,
    pub usd_capacity: f64,
    pub pain: f64,
}

impl Fiscal {
    pub fn new(p: &Params, oil_usd_per_bbl: f64, rub_per_usd: f64) -> Fiscal {
        let r = rub_per_usd / p.rub_reference_per_usd;
        let deflator = exp(p.price_pass_through * ln(r));
        let index = p.oil_revenue_share * (oil_usd_per_bbl / p.oil_reference_usd_per_bbl) * r
            / deflator
            + (1.0 - p.oil_revenue_share);
        Fiscal {
            index,
            usd_capacity: index * deflator / r,
            pain: unit((1.0 - index) / p.pain_full_gap),
        }
    }
}

/// The fiscal index alone, for the bounds of its histogram (it rises with oil and with the rouble rate).
pub fn capacity_index(p: &Params, oil_usd_per_bbl: f64, rub_per_usd: f64) -> f64 {
    Fiscal::new(p, oil_usd_per_bbl, rub_per_usd).index
}

pub fn affordable_share(p: &Params, usd_capacity: f64) -> f64 {
    unit(usd_capacity / p.full_financing_capacity)
}

pub fn step(p: &Params, w: &mut World) {
    let f = Fiscal::new(p, w.oil_usd_per_bbl, w.rub_per_usd);
    w.capacity_index = f.index;
    w.usd_capacity = f.usd_capacity;
    w.pain = f.pain;
    let target = affordable_share(p, f.usd_capacity);
    w.budget_share = unit(w.budget_share + p.budget_adjust_per_month * (target - w.budget_share));
}

/// Integration budget in bn USD a year, for reporting.
pub fn budget_bn_usd_per_year(p: &Params, budget_share: f64) -> f64 {
    budget_share * p.full_cost_bn_usd_per_year
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn december_2014_and_2009_match_hand_computation() {
        let p = Params::default();
        // r = 56.26 / 35.17 = 1.59966; deflator = r^0.15 = 1.07300; P/P_ref = 62.34 / 108.93 = 0.57229
        // F = 0.5 * 0.57229 * 1.59966 / 1.07300 + 0.5 = 0.92659; F_usd = F * 1.07300 / 1.59966 = 0.62153
        let f = Fiscal::new(&p, 62.34, 56.26);
        assert!((f.index - 0.926_59).abs() < 1e-4, "{}", f.index);
        assert!(
            (f.usd_capacity - 0.621_53).abs() < 1e-4,
            "{}",
            f.usd_capacity
        );
        assert!((f.pain - (1.0 - f.index) / 0.35).abs() < 1e-12);
        // 2009: oil 0.41 of the reference, the rouble 1.48 times weaker: F about 0.79, pain about 0.6.
        let f = Fiscal::new(&p, 0.41 * 108.93, 1.48 * 35.17);
        assert!((f.index - 0.79).abs() < 0.01, "{}", f.index);
        assert!((f.pain - 0.6).abs() < 0.03, "{}", f.pain);
        assert_eq!(Fiscal::new(&p, 200.0, 35.17).pain, 0.0);
        assert_eq!(affordable_share(&p, 2.0), 1.0);
    }
}
