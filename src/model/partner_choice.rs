//! ODD 7.4 Partner choice (claims A06, A07, A10, A11, A12, A17-A19; base rates R01, R11): a partner holds a
//! foreign-policy line in spells. Each month it reconsiders with probability 1 / spell_months; when it does, it
//! values three lines from this month's drivers and budget and its own state, and picks one by a logit rule.
//! Whatever its line, it moves part of the way toward that line's position.
//!
//!   S = D min(1, B + L) (1 - b)                          subsidy received
//!   U_bandwagon = w_s S - w_g shortfall + w_c T D + w_u member U
//!   U_hedge     = w_t T + w_w h_O O + w_pole pole (1 - B) + w_co dO + c_i
//!   U_balance   = w_w O - w_r D (1 + I) - w_reg autocracy - w_u member U + w_sov T (1 - D) - w_h E + w_co dO
//!   P(k) = exp(rho U_k) / sum_j exp(rho U_j)
//!   a' = clamp(a + mu (target_k - a) + sigma_a eps, -1, 1)
//! O: the Western offer (7.5); U: union cohesion; dO: the other partners' weighted mean distance from the patron
//! (last month) minus its vantage value (coordination); c_i: solved at the start so that the vantage line (hedge,
//! at the partner's own vantage position) leads the better alternative by `hedge_margin`. Threat pushes a
//! dependent partner to comply and an independent one away: coercion can produce bandwagoning or drift.

use crate::arith::{StandardNormal, exp};
use rand::{Rng, RngExt};

use super::loyalty_auction::{received, shortfall, western_offer};
use super::{Choice, Params, Partner, align, distance};

/// The three line values, in [`Choice::ALL`] order.
pub fn utilities(
    p: &Params,
    budget_share: f64,
    west: f64,
    cohesion: f64,
    others_shift: f64,
    x: &Partner,
) -> [f64; 3] {
    let got = received(budget_share, x.support);
    let subsidy = x.dependence * got * (1.0 - x.trade_barrier);
    let offer = western_offer(west, x.west_offer, x.west_standing);
    let union = if x.union_member { cohesion } else { 0.0 };
    let (d, t) = (x.dependence, x.threat);
    [
        p.w_subsidy * subsidy - p.w_shortfall * shortfall(x.loyalty_price, got)
            + p.w_coercion * t * d
            + p.w_union * union,
        p.w_threat * t
            + p.w_west * p.hedge_offer_share * offer
            + p.w_pole * x.third_pole * (1.0 - budget_share)
            + p.w_coordination * others_shift
            + x.hedge_intercept,
        p.w_west * offer
            - p.w_retaliation * d * (1.0 + x.irritation)
            - p.w_regime * x.autocracy
            - p.w_union * union
            + p.w_sovereignty * t * (1.0 - d)
            - p.w_holdout * x.stress
            + p.w_coordination * others_shift,
    ]
}

/// The partners' weighted move away from the patron since the vantage date (positions of last month), summed.
pub fn weighted_shift_sum(partners: &[Partner]) -> f64 {
    partners.iter().map(own_weighted_shift).sum()
}

fn own_weighted_shift(x: &Partner) -> f64 {
    x.weight * (distance(x.alignment_before) - x.vantage.distance)
}

/// The other partners' weighted mean distance from the patron minus its vantage value, for `x`, from the sum over
/// all partners ([`weighted_shift_sum`]): 0 with a single partner.
pub fn others_shift(sum: f64, total_weight: f64, x: &Partner) -> f64 {
    let rest = total_weight - x.weight;
    if rest > 0.0 {
        (sum - own_weighted_shift(x)) / rest
    } else {
        0.0
    }
}

/// [`others_shift`] for every partner.
pub fn others_distance_shift(partners: &[Partner], total_weight: f64) -> Vec<f64> {
    let sum = weighted_shift_sum(partners);
    partners
        .iter()
        .map(|x| others_shift(sum, total_weight, x))
        .collect()
}

/// Logit probabilities with sharpness `rationality`.
pub fn probabilities<const N: usize>(rationality: f64, u: &[f64; N]) -> [f64; N] {
    // Relative to the best option (exp(0) = 1 needs no call): no overflow, one exp fewer.
    let (best, top) = u
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |a, (i, v)| if v > a.1 { (i, v) } else { a },
        );
    let mut e = [1.0; N];
    for (i, v) in u.iter().enumerate() {
        if i != best {
            e[i] = exp(rationality * (v - top));
        }
    }
    let total: f64 = e.iter().sum();
    e.map(|v| v / total)
}

/// Inverse-CDF pick with one uniform draw in [0, 1).
pub fn pick(prob: &[f64; 3], uniform: f64) -> Choice {
    let mut acc = 0.0;
    for (k, &pk) in prob.iter().enumerate() {
        acc += pk;
        if uniform < acc {
            return Choice::ALL[k];
        }
    }
    Choice::ALL[2]
}

pub fn target(p: &Params, c: Choice, x: &Partner) -> f64 {
    match c {
        Choice::Bandwagon => p.target_bandwagon,
        Choice::Hedge => x.hedge_position,
        Choice::Balance => p.target_balance,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn step<R: Rng + ?Sized>(
    p: &Params,
    budget_share: f64,
    west: f64,
    cohesion: f64,
    others_shift: f64,
    x: &mut Partner,
    rng: &mut R,
) {
    let uniform: f64 = rng.random();
    let eps: f64 = rng.sample(StandardNormal);
    // One draw decides both whether the line is reviewed and, rescaled, which line is picked.
    let review = 1.0 / p.spell_months;
    if uniform < review {
        let u = utilities(p, budget_share, west, cohesion, others_shift, x);
        x.strategy = pick(&probabilities(p.rationality, &u), uniform / review);
    }
    let move_to = target(p, x.strategy, x);
    x.noise_move = p.position_noise_per_month * eps;
    x.alignment =
        align(x.alignment + p.position_adjust_per_month * (move_to - x.alignment) + x.noise_move);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn utilities_match_hand_computation() {
        let p = Params::default();
        let x = partner();
        // partner(): D 0.5, T 0.5, standing 0.2, offer 0.3, price 0.8, barrier 0.3, irritation 0.9, member,
        // autocracy 0.9, stress 0.5, no support, no pole, intercept 0. Budget 0.7, engagement 0.5, cohesion 0.6.
        let u = utilities(&p, 0.7, 0.5, 0.6, 0.1, &x);
        // bandwagon: 3 * 0.5 * 0.7 * 0.7 - 2 * 0.1 + 1 * 0.25 + 0.5 * 0.6 = 0.735 - 0.2 + 0.25 + 0.3 = 1.085
        assert!((u[0] - 1.085).abs() < 1e-12, "{}", u[0]);
        // hedge: 1 * 0.5 + 1.5 * 0.5 * 0.09 + 0 + 2 * 0.1 = 0.7675
        assert!((u[1] - 0.7675).abs() < 1e-12, "{}", u[1]);
        // offer = 0.5 * 0.3 * 1.2 / 2 = 0.09; balance: 1.5 * 0.09 - 1.5 * 0.5 * 1.9 - 0.9 - 0.3 + 1 * 0.5 * 0.5
        // - 1 * 0.5 + 0.2 = 0.135 - 1.425 - 0.9 - 0.3 + 0.25 - 0.5 + 0.2 = -2.54
        assert!((u[2] + 2.54).abs() < 1e-12, "{}", u[2]);
    }

    #[test]
    fn logit_is_uniform_at_zero_rationality_and_sharp_at_high() {
        let u = [1.0, 0.0, -1.0];
        assert_eq!(probabilities(0.0, &u), [1.0 / 3.0; 3]);
        let sharp = probabilities(50.0, &u);
        assert!(sharp[0] > 0.999);
        let one = probabilities(1.0, &u);
        assert!((one[0] / one[1] - std::f64::consts::E).abs() < 1e-12);
        assert_eq!(pick(&[0.2, 0.3, 0.5], 0.19), Choice::Bandwagon);
        assert_eq!(pick(&[0.2, 0.3, 0.5], 0.45), Choice::Hedge);
        assert_eq!(pick(&[0.2, 0.3, 0.5], 0.999_999), Choice::Balance);
    }

    #[test]
    fn coordination_reads_the_others_weighted_shift() {
        let mut a = partner();
        let mut b = partner();
        let mut c = partner();
        a.weight = 3.0;
        b.weight = 1.0;
        c.weight = 1.0;
        // a moved 0.2 West (distance +0.1), b none, c 0.4 West (+0.2).
        a.alignment_before = 0.3;
        c.alignment_before = 0.1;
        let s = others_distance_shift(&[a, b, c], 5.0);
        // for a: (0 + 0.2) / 2 = 0.1; for b: (0.3 + 0.2) / 4 = 0.125; for c: 0.3 / 4 = 0.075
        assert!(
            (s[0] - 0.1).abs() < 1e-12
                && (s[1] - 0.125).abs() < 1e-12
                && (s[2] - 0.075).abs() < 1e-12
        );
        assert_eq!(others_distance_shift(&[partner()], 1.0), vec![0.0]);
    }
}
