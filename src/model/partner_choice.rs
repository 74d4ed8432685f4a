//! ODD 7.3 Partner choice (claims A06, A07, A11, A12, A15, A16): each month each partner values four options from
//! this month's drivers and budget and its own state from last month, picks one by a logit rule, then moves part
//! of the way toward that option's position. No option carries the inertia bonus in the first month.
//!
//!   S = D B (1 - b)                      subsidy actually received (dependence, financed share, open trade)
//!   U_bandwagon = w_s S - w_g shortfall         + w_i [last choice was bandwagon]
//!   U_hedge     = w_t T                         + w_i [last choice was hedge]
//!   U_mediate   = w_w R O + w_sh T + w_f a_p - c + w_i [last choice was mediate]
//!   U_balance   = w_w R - w_r D (1 + I)         + w_i [last choice was balance]
//!   P(k) = exp(rho U_k) / sum_j exp(rho U_j)
//!   a' = clamp(a + mu (target_k - a) + sigma_a eps, -1, 1)
//! with R the Western reward (loyalty_auction), O the contested state's openness, a_p the patron's base acceptance
//! of mediators, T threat, I the patron's irritation.

use crate::arith::{StandardNormal, exp};
use rand::{Rng, RngExt};

use super::loyalty_auction::{shortfall, western_reward};
use super::{Choice, Params, Partner, align};

/// The four option values, in [`Choice::ALL`] order.
pub fn utilities(
    p: &Params,
    budget_share: f64,
    west: f64,
    patron_acceptance: f64,
    x: &Partner,
) -> [f64; 4] {
    let subsidy = x.dependence * budget_share * (1.0 - x.trade_barrier);
    let reward = western_reward(west, x.west_standing);
    let stay = |c: Choice| {
        if x.choice == Some(c) {
            p.w_inertia
        } else {
            0.0
        }
    };
    [
        p.w_subsidy * subsidy - p.w_shortfall * shortfall(x.loyalty_price, budget_share)
            + stay(Choice::Bandwagon),
        p.w_threat * x.threat + stay(Choice::Hedge),
        p.w_west * reward * x.openness + p.w_shield * x.threat + p.w_face * patron_acceptance
            - p.mediation_cost
            + stay(Choice::Mediate),
        p.w_west * reward - p.w_retaliation * x.dependence * (1.0 + x.irritation)
            + stay(Choice::Balance),
    ]
}

/// Logit probabilities with sharpness `rationality`.
pub fn probabilities(rationality: f64, u: &[f64; 4]) -> [f64; 4] {
    // Relative to the best option (exp(0) = 1 needs no call): no overflow, one exp fewer.
    let (best, top) = u
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |a, (i, v)| if v > a.1 { (i, v) } else { a },
        );
    let mut e = [1.0; 4];
    for (i, v) in u.iter().enumerate() {
        if i != best {
            e[i] = exp(rationality * (v - top));
        }
    }
    let total: f64 = e.iter().sum();
    e.map(|v| v / total)
}

/// Inverse-CDF pick with one uniform draw in [0, 1).
pub fn pick(prob: &[f64; 4], uniform: f64) -> Choice {
    let mut acc = 0.0;
    for (k, &pk) in prob.iter().enumerate() {
        acc += pk;
        if uniform < acc {
            return Choice::ALL[k];
        }
    }
    Choice::ALL[3]
}

pub fn target(p: &Params, c: Choice) -> f64 {
    match c {
        Choice::Bandwagon => p.target_bandwagon,
        Choice::Hedge => p.target_hedge,
        Choice::Mediate => p.target_mediate,
        Choice::Balance => p.target_balance,
    }
}

pub fn step<R: Rng + ?Sized>(
    p: &Params,
    budget_share: f64,
    west: f64,
    patron_acceptance: f64,
    x: &mut Partner,
    rng: &mut R,
) {
    let uniform: f64 = rng.random();
    let eps: f64 = rng.sample(StandardNormal);
    let u = utilities(p, budget_share, west, patron_acceptance, x);
    let chosen = pick(&probabilities(p.rationality, &u), uniform);
    x.choice = Some(chosen);
    let move_to = target(p, chosen);
    x.alignment = align(
        x.alignment
            + p.position_adjust_per_month * (move_to - x.alignment)
            + p.position_noise_per_month * eps,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn utilities_match_hand_computation() {
        let p = Params::default();
        let mut x = partner();
        x.choice = Some(Choice::Balance);
        // partner(): D 0.5, T 0.5, standing 0.2, price 0.8, barrier 0.3, irritation 0.9, openness 0.7;
        // last month it balanced, so balancing carries the inertia bonus 0.5.
        let u = utilities(&p, 0.7, 0.5, 0.3, &x);
        // bandwagon: 3 * 0.5 * 0.7 * 0.7 - 2 * (0.8 - 0.7) = 0.735 - 0.2 = 0.535
        assert!((u[0] - 0.535).abs() < 1e-12, "{}", u[0]);
        // hedge: 1 * 0.5
        assert!((u[1] - 0.5).abs() < 1e-12);
        // reward = 0.5 * 1.2 / 2 = 0.3; mediate: 1.5 * 0.3 * 0.7 + 0.5 * 0.5 + 0.5 * 0.3 - 0.4 = 0.315
        assert!((u[2] - 0.315).abs() < 1e-12, "{}", u[2]);
        // balance: 1.5 * 0.3 - 2 * 0.5 * 1.9 + 0.5 = 0.45 - 1.9 + 0.5 = -0.95
        assert!((u[3] + 0.95).abs() < 1e-12);
    }

    #[test]
    fn logit_is_uniform_at_zero_rationality_and_sharp_at_high() {
        let u = [1.0, 0.0, -1.0, 0.5];
        assert_eq!(probabilities(0.0, &u), [0.25; 4]);
        let sharp = probabilities(50.0, &u);
        assert!(sharp[0] > 0.999);
        // rho = 1: P0 / P1 = e.
        let one = probabilities(1.0, &u);
        assert!((one[0] / one[1] - std::f64::consts::E).abs() < 1e-12);
        assert_eq!(pick(&[0.2, 0.3, 0.1, 0.4], 0.19), Choice::Bandwagon);
        assert_eq!(pick(&[0.2, 0.3, 0.1, 0.4], 0.55), Choice::Mediate);
        assert_eq!(pick(&[0.2, 0.3, 0.1, 0.4], 0.999_999), Choice::Balance);
    }

    #[test]
    fn position_moves_toward_target() {
        let p = Params {
            position_adjust_per_month: 0.25,
            ..Params::default()
        };
        // From 0.5 toward balance at -0.8: 0.5 + 0.25 * (-1.3) = 0.175.
        let a: f64 = 0.5 + p.position_adjust_per_month * (target(&p, Choice::Balance) - 0.5);
        assert!((a - 0.175).abs() < 1e-12);
    }
}
