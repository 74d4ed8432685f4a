//! ODD 7.7 Crises (base rates R01, R02, R04, R10; claims A17, A19): two jump processes per partner.
//!
//! A leadership or regime crisis comes at a low rate, most often in an election month, and more often the more the
//! partner's economy is strained. It ends in a westward break (the partner jumps to a West-leaning position, turns
//! to balancing and, if a member, may leave the union) or in consolidation (the regime leans on the patron:
//! bandwagoning, a step toward it, and possibly recognising Crimea). Western offers raise the share of breaks, and so does a patron too short of
//! money to rescue the regime (B below its vantage value B_0); autocracy lowers it.
//!
//!   lambda = clamp((rate + election p_elec) (1 + g_E max(0, E - E_0)), 0, 1)
//!   f      = exp(k_O (W o_i - 0.25) + k_B (B_0 - B))
//!   q      = clamp(q_0 (1 - k_reg autocracy) f, 0, 1)
//!
//! A sovereignty crisis (the patron's intervention threat made concrete) comes with threat squared; a partner that
//! depends little on the patron turns away (balancing, a step West, possibly leaving the union), the rest comply.
//!
//!   lambda_s = clamp(rate_s pressure T^2, 0, 1),   exit share = clamp(e_s (1 - D) f, 0, 1)
//! with f = exp(k_O (W o_i - 0.25) + k_B (B_0 - B)) the same turn factor as in q.
//!
//! Each process uses one uniform draw: u < lambda decides the crisis, u / lambda (uniform again) its outcome, and
//! the next rescaling whether a member leaves the union.

use crate::arith::exp;
use rand::{Rng, RngExt};

use super::{Choice, Params, Partner, align, unit};

pub fn crisis_probability(p: &Params, election: bool, x: &Partner) -> f64 {
    let base = p.crisis_rate_per_month
        + if election {
            p.crisis_election_probability
        } else {
            0.0
        };
    unit(base * (1.0 + p.crisis_stress_gain * (x.stress - x.vantage.stress).max(0.0)))
}

/// How much more likely than at an offer of 0.25 and the vantage budget a partner in crisis turns West: the
/// Western alternative on offer, and a patron too short of money to rescue it. `rescue_gap`: the patron's vantage
/// financed share minus today's.
pub fn turn_factor(p: &Params, west: f64, rescue_gap: f64, x: &Partner) -> f64 {
    exp(p.break_offer_gain * (west * x.west_offer - 0.25) + p.break_rescue_gain * rescue_gap)
}

pub fn break_share(p: &Params, west: f64, rescue_gap: f64, x: &Partner) -> f64 {
    unit(
        p.break_share
            * (1.0 - p.break_regime_cost * x.autocracy)
            * turn_factor(p, west, rescue_gap, x),
    )
}

pub fn sovereignty_exit_share(p: &Params, west: f64, rescue_gap: f64, x: &Partner) -> f64 {
    unit(p.sovereignty_exit_share * (1.0 - x.dependence) * turn_factor(p, west, rescue_gap, x))
}

pub fn sovereignty_probability(p: &Params, pressure: f64, x: &Partner) -> f64 {
    unit(p.sovereignty_rate_per_month * pressure * x.threat * x.threat)
}

fn leave_union(x: &mut Partner) {
    if x.union_member {
        x.union_member = false;
        x.left_union = true;
    }
}

pub fn step<R: Rng + ?Sized>(
    p: &Params,
    west: f64,
    rescue_gap: f64,
    pressure: f64,
    election: bool,
    x: &mut Partner,
    rng: &mut R,
) {
    let u_regime: f64 = rng.random();
    let u_sovereignty: f64 = rng.random();
    let lambda = crisis_probability(p, election, x);
    if u_regime < lambda {
        x.crisis = true;
        let v = u_regime / lambda;
        let q = break_share(p, west, rescue_gap, x);
        if v < q {
            turn_away(p, x, x.alignment.min(p.break_alignment), v / q);
        } else {
            comply(p, x);
            // A regime that survives by leaning on the patron may pay with its position on Crimea.
            if (v - q) / (1.0 - q) < p.crimea_on_consolidation {
                x.recognises_crimea = true;
            }
        }
    }
    let lambda_s = sovereignty_probability(p, pressure, x);
    if u_sovereignty < lambda_s {
        x.crisis = true;
        let v = u_sovereignty / lambda_s;
        let e = sovereignty_exit_share(p, west, rescue_gap, x);
        if v < e {
            turn_away(p, x, align(x.alignment - p.consolidation_shift), v / e);
        } else {
            comply(p, x);
        }
    }
}

/// A crisis ends with the partner turning away to `alignment` and balancing; `exit_draw` (uniform) decides whether
/// a member leaves the union.
fn turn_away(p: &Params, x: &mut Partner, alignment: f64, exit_draw: f64) {
    x.alignment = alignment;
    x.strategy = Choice::Balance;
    if exit_draw < p.exit_on_break {
        leave_union(x);
    }
}

/// A crisis ends with the partner leaning on the patron: a step toward it, and bandwagoning.
fn comply(p: &Params, x: &mut Partner) {
    x.alignment = align(x.alignment + p.consolidation_shift);
    x.strategy = Choice::Bandwagon;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::partner;

    #[test]
    fn hazards_and_outcome_shares_match_hand_computation() {
        let p = Params::default();
        let mut x = partner();
        // At vantage stress: the base rate; an election month adds p_elec.
        assert!((crisis_probability(&p, false, &x) - 0.002).abs() < 1e-12);
        assert!((crisis_probability(&p, true, &x) - 0.082).abs() < 1e-12);
        // Stress 0.2 above its vantage value: x (1 + 3 * 0.2) = 1.6.
        x.stress = 0.7;
        assert!((crisis_probability(&p, true, &x) - 0.082 * 1.6).abs() < 1e-12);
        // q = 0.3 (1 - 0.8 * 0.9) exp(10 (0.5 * 0.3 - 0.25)) = 0.084 e^-1 = 0.030902
        assert!((break_share(&p, 0.5, 0.0, &x) - 0.084 * (-1f64).exp()).abs() < 1e-12);
        // A patron 0.2 short of its vantage budget: e^(5 * 0.2) more breaks.
        assert!(
            (break_share(&p, 0.5, 0.2, &x) / break_share(&p, 0.5, 0.0, &x) - 1f64.exp()).abs()
                < 1e-12
        );
        // 0.004 * 1 * 0.25
        assert!((sovereignty_probability(&p, 1.0, &x) - 0.001).abs() < 1e-12);
    }

    #[test]
    fn a_crisis_breaks_west_or_consolidates() {
        use rand::SeedableRng;
        // A hazard of 1 makes every draw a crisis; shares of 1 and 0 fix the outcome whatever the draw.
        let p = Params {
            crisis_rate_per_month: 1.0,
            break_share: 1.0,
            break_offer_gain: 0.0,
            break_regime_cost: 0.0,
            exit_on_break: 1.0,
            sovereignty_rate_per_month: 0.0,
            ..Params::default()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut x = partner();
        step(&p, 0.5, 0.0, 1.0, false, &mut x, &mut rng);
        assert!(x.crisis && x.left_union && !x.union_member);
        assert_eq!(x.strategy, Choice::Balance);
        assert_eq!(x.alignment, p.break_alignment);
        let p = Params {
            break_share: 0.0,
            ..p
        };
        let mut x = partner();
        step(&p, 0.5, 0.0, 1.0, false, &mut x, &mut rng);
        assert!(x.crisis && x.union_member);
        assert_eq!(x.strategy, Choice::Bandwagon);
        assert!((x.alignment - 0.7).abs() < 1e-12);
    }
}
