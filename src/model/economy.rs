//! ODD 7.3 Partner economies (claims A05, A07, F01; base rate R09): a partner's economic stress follows the
//! rouble (its exports to the patron lose value with the patron's currency, by its dependence) and the patron's
//! trade barriers, and is eased by the patron's stabilisation support. Stress raises the partner's asking price,
//! weakens its ability to hold out against the patron, and raises its risk of a regime crisis.
//!
//!   E* = clamp(E_0 + g_rub D ln(R / R_0) + g_ban (b - b_0) - L, 0, 1)
//!   E' = E + lambda_E (E* - E)

use super::{Params, Partner, unit};

pub fn target_stress(p: &Params, rub_log_change: f64, x: &Partner) -> f64 {
    unit(
        x.vantage.stress
            + p.economy_rouble_gain * x.dependence * rub_log_change
            + p.economy_ban_gain * (x.trade_barrier - x.vantage.trade_barrier)
            - x.support,
    )
}

pub fn step(p: &Params, rub_log_change: f64, x: &mut Partner) {
    let target = target_stress(p, rub_log_change, x);
    x.stress = unit(x.stress + p.economy_adjust_per_month * (target - x.stress));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn stress_follows_the_rouble_barriers_and_support() {
        let p = Params::default();
        let mut x = partner();
        // At the vantage values the target is the vantage stress.
        assert!((target_stress(&p, 0.0, &x) - 0.5).abs() < 1e-12);
        // The rouble 20% weaker in logs, barriers up 0.1, support 0.05:
        // 0.5 + 0.5 * 0.5 * 0.2 + 0.5 * 0.1 - 0.05 = 0.55
        x.trade_barrier = 0.4;
        x.support = 0.05;
        assert!((target_stress(&p, 0.2, &x) - 0.55).abs() < 1e-12);
        step(&p, 0.2, &mut x);
        assert!((x.stress - 0.505).abs() < 1e-12);
    }
}
