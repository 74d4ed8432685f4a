//! ODD 7.8 Policy revision (claims A14, A15, A20, A22): the patron's stance toward the contested state softens
//! with economic pain, with its partners' distance, and when a mediator offers a face-saving way out; it hardens
//! toward its domestic level otherwise.
//!
//!   h* = clamp(h_dom - s_pain pain - s_dist mean_i (1 - a_i)/2 - s_face hosted_any, 0, 1)
//!   h' = clamp(h + lambda_h (h* - h) + sigma_h eps, 0, 1)
//! Revision: h' <= revision threshold.

use crate::arith::StandardNormal;
use rand::{Rng, RngExt};

use super::{Constants, Params, World, unit};

pub fn target_stance(
    p: &Params,
    domestic: f64,
    pain: f64,
    mean_distance: f64,
    hosted_any: bool,
) -> f64 {
    let face = if hosted_any { p.face_softening } else { 0.0 };
    unit(domestic - p.pain_softening * pain - p.distance_softening * mean_distance - face)
}

pub fn step<R: Rng + ?Sized>(p: &Params, patron: &Constants, w: &mut World, rng: &mut R) {
    let eps: f64 = rng.sample(StandardNormal);
    let n = w.partners.len() as f64;
    let mean_distance = w
        .partners
        .iter()
        .map(|x| (1.0 - x.alignment) / 2.0)
        .sum::<f64>()
        / n;
    let hosted_any = w.partners.iter().any(|x| x.hosted);
    let target = target_stance(
        p,
        patron.domestic_hardening,
        w.pain,
        mean_distance,
        hosted_any,
    );
    w.stance = unit(
        w.stance + p.stance_adjust_per_month * (target - w.stance) + p.stance_noise_per_month * eps,
    );
}

pub fn revised(p: &Params, stance: f64) -> bool {
    stance <= p.revision_threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_stance_matches_hand_computation() {
        let p = Params::default();
        // 0.85 - 0.5 * 0.4 - 0.4 * 0.275 - 0 = 0.54
        assert!((target_stance(&p, 0.85, 0.4, 0.275, false) - 0.54).abs() < 1e-12);
        // with a hosted round: 0.54 - 0.2 = 0.34
        assert!((target_stance(&p, 0.85, 0.4, 0.275, true) - 0.34).abs() < 1e-12);
        assert_eq!(target_stance(&p, 0.1, 1.0, 1.0, true), 0.0);
    }
}
