//! ODD 7.6 Mediation (claims A01, A02, A12-A16; base rates R06, R08; record V36): hosting a round of talks is a
//! decision of its own, beside the partner's line. A partner offers to host when the payoffs (Western standing,
//! a shield against the patron, the face-saving value a venue has for a hurting patron in a hot war, the status
//! of a venue) exceed the cost; the patron accepts more readily when it hurts and when the host is its friend
//! (A15), less readily from a partner it is irritated with or that defies it with counter-measures of its own; the contested state accepts by its openness. A round
//! succeeds more often the softer the patron, the riper the conflict (intensity x the patron's pain) and the more
//! the West brokers.
//!
//!   U_host = w_w W o_i O + w_sh T + w_f pain K + w_st V - cost,   P(offer) = 1 / (1 + exp(-rho U_host))
//!   accept_patron    = clamp(a_0 + a_pain pain + a_friend max(0, a) - r_I I - r_def def, 0, 1)
//!   accept_contested = clamp(O + g_acc standing, 0, 1)
//!   success          = clamp(s_0 + s_soft (1 - h) + s_ripe K pain + s_brk W, 0, 1)
//!   V' = min(1, (1 - delta_V) V + g_V hosted)
//!   O' = O + lambda_O (clamp(O_0 - (|a| - |a_0|), 0, 1) (1 - penalty recognised) - O)
//!   standing' = clamp(standing + lambda_s (standing_0 - standing) + g_host hosted + g_success success, 0, 1)

use crate::arith::exp;
use rand::{Rng, RngExt};

use super::{Params, Partner, World, unit};

pub fn host_utility(p: &Params, west: f64, pain: f64, intensity: f64, x: &Partner) -> f64 {
    p.w_mediation_west * west * x.west_offer * x.openness
        + p.w_shield * x.threat
        + p.w_face * pain * intensity
        + p.w_status * x.venue
        - p.mediation_cost
}

pub fn offer_probability(rationality: f64, utility: f64) -> f64 {
    1.0 / (1.0 + exp(-rationality * utility))
}

/// The patron's acceptance of `x` as host.
pub fn patron_acceptance(p: &Params, pain: f64, x: &Partner) -> f64 {
    unit(
        p.patron_base_acceptance
            + p.patron_pain_acceptance * pain
            + p.patron_friend_acceptance * x.alignment.max(0.0)
            - p.irritation_refusal * x.irritation
            - p.defiance_refusal * x.defiance,
    )
}

/// The contested state's acceptance of `x` as host: its openness, and the West's word for the host.
pub fn contested_acceptance(p: &Params, x: &Partner) -> f64 {
    unit(x.openness + p.standing_acceptance_gain * x.west_standing)
}

pub fn success_probability(p: &Params, stance: f64, intensity: f64, pain: f64, west: f64) -> f64 {
    unit(
        p.success_base
            + p.success_softening * (1.0 - stance)
            + p.success_ripeness * intensity * pain
            + p.success_brokers * west,
    )
}

/// Openness the contested state converges to for `x`.
pub fn target_openness(p: &Params, x: &Partner) -> f64 {
    let vantage_alignment = 1.0 - 2.0 * x.vantage.distance;
    let penalty = if x.recognises_crimea {
        p.crimea_recognition_penalty
    } else {
        0.0
    };
    unit(x.vantage.openness - (x.alignment.abs() - vantage_alignment.abs())) * (1.0 - penalty)
}

/// Returns whether any round brought a ceasefire this month.
pub fn step<R: Rng + ?Sized>(p: &Params, w: &mut World, rng: &mut R) -> bool {
    let success = success_probability(p, w.stance, w.conflict_intensity, w.pain, w.west_engagement);
    let mut any_ceasefire = false;
    for x in &mut w.partners {
        let u_offer: f64 = rng.random();
        let u_patron: f64 = rng.random();
        let u_contested: f64 = rng.random();
        let u_success: f64 = rng.random();
        let utility = host_utility(p, w.west_engagement, w.pain, w.conflict_intensity, x);
        x.offered = u_offer < offer_probability(p.rationality, utility);
        if x.offered {
            let patron_accepts = u_patron < patron_acceptance(p, w.pain, x);
            let contested_accepts = u_contested < contested_acceptance(p, x);
            x.hosted = patron_accepts && contested_accepts;
            x.ceasefire = x.hosted && u_success < success;
        }
        any_ceasefire |= x.ceasefire;
        x.venue = ((1.0 - p.venue_decay_per_month) * x.venue
            + if x.hosted { p.venue_gain } else { 0.0 })
        .min(1.0);
        x.openness += p.openness_adjust_per_month * (target_openness(p, x) - x.openness);
        x.west_standing = unit(
            x.west_standing
                + p.standing_adjust_per_month * (x.vantage.west_standing - x.west_standing)
                + if x.hosted { p.standing_host_gain } else { 0.0 }
                + if x.ceasefire {
                    p.standing_success_gain
                } else {
                    0.0
                },
        );
    }
    any_ceasefire
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn hosting_acceptance_and_success_match_hand_computation() {
        let p = Params::default();
        let x = partner();
        // 1.5 * 0.5 * 0.3 * 0.7 + 0.5 * 0.5 + 1 * 0.2 * 0.8 + 1.5 * 1 - 1 = 0.1575 + 0.25 + 0.16 + 1.5 - 1
        assert!((host_utility(&p, 0.5, 0.2, 0.8, &x) - 1.0675).abs() < 1e-12);
        // With rationality 50 a positive payoff is an offer almost surely.
        assert!(offer_probability(50.0, 1.0675) > 0.999_999);
        assert!((offer_probability(0.0, -3.0) - 0.5).abs() < 1e-12);
        // 0.02 + 0.6 * 0.2 + 0.3 * 0.5 - 0.15 * 0.9 - 0.1 * 0.4 = 0.115; a friendlier host is accepted more readily.
        assert!((patron_acceptance(&p, 0.2, &x) - 0.115).abs() < 1e-12);
        let mut friend = x.clone();
        friend.alignment = 0.9;
        assert!(patron_acceptance(&p, 0.2, &friend) > patron_acceptance(&p, 0.2, &x));
        // 0.05 + 0.35 * 0.1 + 0.3 * 0.8 * 0.2 + 0.1 * 0.5 = 0.183
        assert!((success_probability(&p, 0.9, 0.8, 0.2, 0.5) - 0.183).abs() < 1e-12);
        // 0.7 + 0.2 * 0.2
        assert!((contested_acceptance(&p, &x) - 0.74).abs() < 1e-12);
        // At the vantage position the target openness is the vantage openness.
        assert!((target_openness(&p, &x) - 0.7).abs() < 1e-12);
    }
}
