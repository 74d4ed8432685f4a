//! ODD 7.5 Loyalty auction (claim A10; base rate R09): a partner with Western leverage, or an economy in trouble,
//! raises the price it asks for loyalty; what the patron pays (the financed share of integration plus any
//! stabilisation support) against that price decides the shortfall that counts against bandwagoning. The
//! patron's answer, paying or punishing, is in `pressure` (ODD 7.8).
//!
//!   O  = W o_i (1 + standing) / 2                 (the Western offer to this partner)
//!   p* = clamp(p_0 + gamma propensity (O - O_0) + k_E (E - E_0), 0, 1)
//!   p' = clamp(p + kappa (p* - p), 0, 1)
//!   shortfall = max(0, p' - min(1, B + L))

use super::{Params, Partner, unit};

/// The Western offer to a partner, 0..1: engagement x what is on offer to this partner x its standing.
pub fn western_offer(west_engagement: f64, west_offer: f64, west_standing: f64) -> f64 {
    west_engagement * west_offer * (1.0 + west_standing) / 2.0
}

pub fn target_price(p: &Params, west_engagement: f64, x: &Partner) -> f64 {
    let offer = western_offer(west_engagement, x.west_offer, x.west_standing);
    unit(
        x.base_price
            + p.leverage_gain * x.auction_propensity * (offer - x.vantage.offer)
            + p.price_stress_gain * (x.stress - x.vantage.stress),
    )
}

pub fn step(p: &Params, west_engagement: f64, x: &mut Partner) {
    let target = target_price(p, west_engagement, x);
    x.loyalty_price = unit(x.loyalty_price + p.price_adjust_per_month * (target - x.loyalty_price));
}

/// What the partner receives: the financed share of integration plus stabilisation support.
pub fn received(budget_share: f64, support: f64) -> f64 {
    unit(budget_share + support)
}

pub fn shortfall(loyalty_price: f64, received: f64) -> f64 {
    (loyalty_price - received).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn price_rises_with_leverage_and_stress() {
        let p = Params {
            leverage_gain: 0.5,
            price_adjust_per_month: 0.5,
            ..Params::default()
        };
        let mut b = partner();
        b.base_price = 0.6;
        b.loyalty_price = 0.6;
        b.west_standing = 0.2;
        b.vantage.offer = western_offer(0.5, b.west_offer, 0.2);
        // offer at engagement 0.9: 0.9 * 0.3 * 1.2 / 2 = 0.162; vantage 0.09: +0.072 * 0.5 = 0.036; stress 0.6
        // against 0.5: +0.03. Target 0.666, halfway from 0.6 = 0.633.
        b.stress = 0.6;
        step(&p, 0.9, &mut b);
        assert!(
            (b.loyalty_price - 0.633).abs() < 1e-12,
            "{}",
            b.loyalty_price
        );
        assert!((shortfall(0.72, received(0.5, 0.1)) - 0.12).abs() < 1e-12);
        assert_eq!(shortfall(0.4, received(0.5, 0.0)), 0.0);
    }
}
