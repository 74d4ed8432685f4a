//! ODD 7.4 Loyalty auction (claim A10): a partner with leverage (Western reward it could turn to) raises the
//! price it asks for loyalty; an unmet price counts against bandwagoning in the partner's choice.
//!
//!   R  = W (1 + standing) / 2                     (Western reward on offer)
//!   p* = clamp(p0 + gamma * propensity * R, 0, 1)
//!   p' = clamp(p + kappa (p* - p), 0, 1)          (a share: kept in 0..1 whatever kappa)
//!   shortfall = max(0, p' - B)                    (B: financed share of integration)

use super::{Params, Partner, unit};

/// Western reward on offer to a partner, 0..1.
pub fn western_reward(west_engagement: f64, west_standing: f64) -> f64 {
    west_engagement * (1.0 + west_standing) / 2.0
}

pub fn target_price(p: &Params, west_engagement: f64, partner: &Partner) -> f64 {
    let reward = western_reward(west_engagement, partner.west_standing);
    unit(partner.base_price + p.leverage_gain * partner.auction_propensity * reward)
}

pub fn step(p: &Params, west_engagement: f64, partner: &mut Partner) {
    let target = target_price(p, west_engagement, partner);
    partner.loyalty_price =
        unit(partner.loyalty_price + p.price_adjust_per_month * (target - partner.loyalty_price));
}

pub fn shortfall(loyalty_price: f64, budget_share: f64) -> f64 {
    (loyalty_price - budget_share).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn price_rises_toward_leverage_target() {
        let p = Params {
            leverage_gain: 0.5,
            price_adjust_per_month: 0.5,
            ..Params::default()
        };
        let mut b = partner();
        b.base_price = 0.6;
        b.loyalty_price = 0.6;
        b.auction_propensity = 1.0;
        b.west_standing = 0.2;
        // reward = 0.8 * 1.2 / 2 = 0.48; target = 0.6 + 0.5 * 0.48 = 0.84; halfway from 0.6 = 0.72.
        step(&p, 0.8, &mut b);
        assert!(
            (b.loyalty_price - 0.72).abs() < 1e-12,
            "{}",
            b.loyalty_price
        );
        assert!((shortfall(0.72, 0.5) - 0.22).abs() < 1e-12);
        assert_eq!(shortfall(0.4, 0.5), 0.0);
    }
}
