//! ODD 7.2 Patron capacity (claims A07, A08, A09, F03): oil and gas are about half of revenue, so the patron's
//! capacity, and with it the integration budget, falls with oil and the rouble.
//!
//!   C = h P / P_ref + (1 - h) R_ref / R          (capacity index, 1 before the crisis)
//!   A = min(1, C / C_full)                        (affordable share of full integration financing)
//!   B' = B + lambda_B (A - B)                     (financed share follows with a lag)
//!   pain = clamp(1 - C, 0, 1)

use super::{Params, World, unit};

pub fn capacity_index(p: &Params, oil_usd_per_bbl: f64, rub_per_usd: f64) -> f64 {
    p.oil_revenue_share * oil_usd_per_bbl / p.oil_reference_usd_per_bbl
        + (1.0 - p.oil_revenue_share) * p.rub_reference_per_usd / rub_per_usd
}

pub fn affordable_share(p: &Params, capacity_index: f64) -> f64 {
    unit(capacity_index / p.full_financing_capacity)
}

pub fn pain(capacity_index: f64) -> f64 {
    unit(1.0 - capacity_index)
}

pub fn step(p: &Params, w: &mut World) {
    w.capacity_index = capacity_index(p, w.oil_usd_per_bbl, w.rub_per_usd);
    let target = affordable_share(p, w.capacity_index);
    w.budget_share = unit(w.budget_share + p.budget_adjust_per_month * (target - w.budget_share));
    w.pain = pain(w.capacity_index);
}

/// Integration budget in bn USD a year, for reporting.
pub fn budget_bn_usd_per_year(p: &Params, budget_share: f64) -> f64 {
    budget_share * p.full_cost_bn_usd_per_year
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_in_december_2014_is_about_sixty_percent() {
        let p = Params::default();
        // 0.5 * 62.34 / 108.93 + 0.5 * 35.17 / 56.26 = 0.28615 + 0.31256 = 0.59871
        let c = capacity_index(&p, 62.34, 56.26);
        assert!((c - 0.598_71).abs() < 1e-4, "{c}");
        assert!((affordable_share(&p, c) - c / 0.85).abs() < 1e-12);
        assert!((pain(c) - (1.0 - c)).abs() < 1e-12);
        assert_eq!(pain(1.3), 0.0);
        assert_eq!(affordable_share(&p, 2.0), 1.0);
    }
}
