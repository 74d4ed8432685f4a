//! ODD 7.5 Mediation (claims A01, A02, A12, A14, A15, A16): partners that chose to mediate offer it; the patron
//! accepts more readily as its economic pain rises and less readily from a partner it is irritated with; the
//! contested state accepts in proportion to its openness, which tracks the partner's neutrality and is lost by
//! recognising Crimea. A hosted round succeeds more often the softer the patron's stance.
//!
//!   accept_patron    = clamp(a0 + a_pain pain, 0, 1) (1 - r_I I)
//!   accept_contested = O
//!   success          = clamp(s0 + s_soft (1 - stance), 0, 1)
//!   O' = O + lambda_O ((1 - |a|)(1 - penalty recognised) - O)
//!   standing' = clamp((1 - delta) standing + g_dist W (1 - a)/2 + g_host hosted + g_success success, 0, 1)
//! A refused offer irritates the patron (g_refused).

use rand::{Rng, RngExt};

use super::{Choice, Params, World, unit};

/// The patron's acceptance of a mediator it is not irritated with.
pub fn patron_base_acceptance(p: &Params, pain: f64) -> f64 {
    unit(p.patron_base_acceptance + p.patron_pain_acceptance * pain)
}

pub fn success_probability(p: &Params, stance: f64) -> f64 {
    unit(p.success_base + p.success_softening * (1.0 - stance))
}

/// Openness the contested state converges to for a partner at `alignment`.
pub fn target_openness(p: &Params, alignment: f64, recognises_crimea: bool) -> f64 {
    let penalty = if recognises_crimea {
        p.crimea_recognition_penalty
    } else {
        0.0
    };
    (1.0 - alignment.abs()) * (1.0 - penalty)
}

/// Returns whether any round brought a ceasefire this month.
pub fn step<R: Rng + ?Sized>(p: &Params, w: &mut World, rng: &mut R) -> bool {
    let base = patron_base_acceptance(p, w.pain);
    let success = success_probability(p, w.stance);
    let mut any_ceasefire = false;
    for x in &mut w.partners {
        let u_patron: f64 = rng.random();
        let u_contested: f64 = rng.random();
        let u_success: f64 = rng.random();
        if x.choice == Some(Choice::Mediate) {
            let patron_accepts = u_patron < base * (1.0 - p.irritation_refusal * x.irritation);
            let contested_accepts = u_contested < x.openness;
            x.hosted = patron_accepts && contested_accepts;
            x.ceasefire = x.hosted && u_success < success;
            if !patron_accepts {
                x.irritation = unit(x.irritation + p.irritation_mediation_gain);
            }
        }
        any_ceasefire |= x.ceasefire;
        x.openness += p.openness_adjust_per_month
            * (target_openness(p, x.alignment, x.recognises_crimea) - x.openness);
        let gained = p.standing_distance_gain * w.west_engagement * (1.0 - x.alignment) / 2.0
            + if x.hosted { p.standing_host_gain } else { 0.0 }
            + if x.ceasefire {
                p.standing_success_gain
            } else {
                0.0
            };
        x.west_standing = unit((1.0 - p.standing_decay_per_month) * x.west_standing + gained);
    }
    any_ceasefire
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptance_and_success_match_hand_computation() {
        let p = Params::default();
        // 0.1 + 0.6 * 0.4 = 0.34
        assert!((patron_base_acceptance(&p, 0.4) - 0.34).abs() < 1e-12);
        // 0.05 + 0.35 * (1 - 0.6) = 0.19
        assert!((success_probability(&p, 0.6) - 0.19).abs() < 1e-12);
        assert!((target_openness(&p, 0.5, false) - 0.5).abs() < 1e-12);
        assert_eq!(target_openness(&p, 0.0, true), 0.0);
    }
}
