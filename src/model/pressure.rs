//! ODD 7.8 Irritation, pay or punish, threat (claims A05, A08, A10, A17-A19; base rates R03, R09): the patron's
//! irritation follows a partner's distance and counter-measures beyond their vantage levels and jumps with a
//! month's drift; the patron then answers the loyalty auction by a rule. Above a threshold of irritation it may
//! punish (a sanction), the more readily the less it can pay; otherwise, when the partner is in economic trouble,
//! not balancing and the budget allows, it may pay (a stabilisation loan or energy discount, conditional on the
//! partner winding down its counter-measures). A sanction raises barriers, threat and the partner's own
//! counter-measures; threat follows irritation and the war next door.
//!
//!   I* = clamp(I_0 + g_ind (d - d_0) + g_def (def - def_0), 0, 1)
//!   I' = clamp(I + lambda_I (I* - I) + g_drift max(0, a_prev - a + noise), 0, 1)
//!   P(sanction) = clamp(rate pressure (I' - theta) / (1 - theta) (1 - pi B), 0, 1)     when I' > theta
//!   P(loan)     = min(loan_rate E B [price unmet, line is not balancing], 1 - P(sanction))
//!   T' = clamp(T + lambda_T (T_0 + t_I pressure (I' - I_0) + t_K (K - K_0) - T) + t_s sanctioned, 0, 1)
//!   b' = clamp(b + lambda_b (b_0 - b) + b_s sanctioned, 0, 1)
//!   def* = clamp(def_0 + g_sf propensity (shortfall - shortfall_0), 0, 1)
//!   def' = clamp(def + lambda_def (def* - def) + def_s propensity sanctioned, 0, 1) (1 - c loan)
//!   L' = min(1, (1 - delta_L) L + l_s loan),   E' = E - relief loan
//! One uniform draw decides sanction, loan or neither.

use rand::{Rng, RngExt};

use super::{Choice, Constants, Params, Partner, World, distance, unit};

pub fn target_irritation(p: &Params, x: &Partner) -> f64 {
    unit(
        x.vantage.irritation
            + p.irritation_independence_gain * (distance(x.alignment) - x.vantage.distance)
            + p.irritation_defiance_gain * (x.defiance - x.vantage.defiance),
    )
}

/// Counter-measures follow the unmet price: the partner's chips in the auction.
pub fn target_defiance(p: &Params, shortfall: f64, x: &Partner) -> f64 {
    unit(
        x.vantage.defiance
            + p.defiance_shortfall_gain * x.auction_propensity * (shortfall - x.vantage.shortfall),
    )
}

pub fn sanction_probability(p: &Params, pressure: f64, irritation: f64, budget_share: f64) -> f64 {
    if irritation <= p.sanction_threshold {
        return 0.0;
    }
    unit(
        p.sanction_rate_per_month * pressure * (irritation - p.sanction_threshold)
            / (1.0 - p.sanction_threshold)
            * (1.0 - p.punish_preference * budget_share),
    )
}

/// What the partner asks beyond what it receives (financed share plus support).
pub fn unmet_price(budget_share: f64, x: &Partner) -> f64 {
    super::loyalty_auction::shortfall(
        x.loyalty_price,
        super::loyalty_auction::received(budget_share, x.support),
    )
}

/// The patron pays only a partner whose price it does not meet (the auction's answer), that is not balancing.
pub fn loan_probability(p: &Params, budget_share: f64, unmet: f64, x: &Partner) -> f64 {
    if x.strategy == Choice::Balance || unmet <= 0.0 {
        return 0.0;
    }
    unit(p.loan_rate_per_month * x.stress * budget_share)
}

pub fn step<R: Rng + ?Sized>(p: &Params, patron: &Constants, w: &mut World, rng: &mut R) {
    let (budget_share, intensity) = (w.budget_share, w.conflict_intensity);
    let war = intensity - w.vantage.conflict_intensity;
    for x in &mut w.partners {
        let u: f64 = rng.random();
        // The month's move away, its noise aside: a line or a crisis, not a statement.
        let drift = (x.alignment_before - x.alignment + x.noise_move).max(0.0);
        x.irritation = unit(
            x.irritation
                + p.irritation_adjust_per_month * (target_irritation(p, x) - x.irritation)
                + p.irritation_drift_gain * drift,
        );
        let p_sanction = sanction_probability(p, patron.pressure, x.irritation, budget_share);
        // One shortfall for the month: the loan and the counter-measures read the same support.
        let unmet = unmet_price(budget_share, x);
        let p_loan = loan_probability(p, budget_share, unmet, x).min(1.0 - p_sanction);
        x.sanctioned = u < p_sanction;
        x.loan = !x.sanctioned && u < p_sanction + p_loan;
        let s = if x.sanctioned { 1.0 } else { 0.0 };
        let threat_target = x.vantage.threat
            + p.threat_irritation_gain * patron.pressure * (x.irritation - x.vantage.irritation)
            + p.threat_war_gain * war;
        x.threat = unit(
            x.threat
                + p.threat_adjust_per_month * (threat_target - x.threat)
                + p.threat_from_sanction * s,
        );
        x.trade_barrier = unit(
            x.trade_barrier
                + p.barrier_adjust_per_month * (x.vantage.trade_barrier - x.trade_barrier)
                + p.barrier_from_sanction * s,
        );
        x.defiance = unit(
            x.defiance
                + p.defiance_adjust_per_month * (target_defiance(p, unmet, x) - x.defiance)
                + p.defiance_from_sanction * x.auction_propensity * s,
        );
        x.support *= 1.0 - p.support_decay_per_month;
        if x.loan {
            x.defiance *= 1.0 - p.loan_conditionality;
            x.support = (x.support + p.loan_support).min(1.0);
            x.stress = unit(x.stress - p.loan_relief);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn irritation_sanctions_and_loans_match_hand_computation() {
        let p = Params::default();
        let mut x = partner();
        // At the vantage position and counter-measures the target is the vantage irritation.
        assert!((target_irritation(&p, &x) - 0.9).abs() < 1e-12);
        // 0.2 further West (distance +0.1) and counter-measures 0.1 lower: 0.9 + 0.1 - 0.1 = 0.9
        x.alignment = 0.3;
        x.defiance = 0.3;
        assert!((target_irritation(&p, &x) - 0.9).abs() < 1e-12);
        assert_eq!(sanction_probability(&p, 1.0, 0.6, 0.5), 0.0);
        // 0.16 * 2 * (0.75 - 0.6) / 0.4 * (1 - 1 * 0.5) = 0.12 * 0.5 = 0.06
        assert!((sanction_probability(&p, 2.0, 0.75, 0.5) - 0.06).abs() < 1e-12);
        // A patron that finances integration in full pays rather than punishes.
        assert_eq!(sanction_probability(&p, 1.0, 0.9, 1.0), 0.0);
        // 0.15 * 0.5 * 0.7; none for a balancing partner.
        assert!((loan_probability(&p, 0.7, unmet_price(0.7, &x), &x) - 0.0525).abs() < 1e-12);
        x.strategy = Choice::Balance;
        assert_eq!(loan_probability(&p, 0.7, unmet_price(0.7, &x), &x), 0.0);
    }
}
