//! ODD 7.9 Policy and revision (claims A14, A15, A20, A22, F05; base rate R07; record V26, V38): the patron's
//! stance toward the contested state softens with economic pain, with its partners' (weighted) distance and when
//! a mediator offers a face-saving way out, each measured from the vantage date; it hardens with the war's own
//! momentum and with a rally round the flag when the West renews its sanctions, both scaled by the patron's
//! domestic hardening. Revision is a discrete decision whose monthly probability rises smoothly as the stance
//! softens; a revised patron lowers the stance it returns to.
//!
//!   siege' = (1 - delta_s) siege + renewed
//!   h* = clamp(h_rest + dh (war (K - K_0) + siege_h siege) - s_pain (pain - pain_0) - s_dist (d_w - d_0)
//!        - s_face hosted_any, 0, 1)
//!   h' = clamp(h + lambda_h (h* - h) + sigma_h eps, 0, 1)
//!   P(revision) = clamp(rate exp(beta (h_0 - h')), 0, 1);  on revision h_rest -= shift, h' -= shift
//! A renewal happens in a scheduled month with probability equal to Western engagement.

use crate::arith::{StandardNormal, exp};
use rand::{Rng, RngExt};

use super::{CalendarMonth, Constants, Params, Partner, World, distance, unit};

/// The partners' weighted mean distance from the patron.
pub fn weighted_distance(partners: &[Partner]) -> f64 {
    let (mut sum, mut weight) = (0.0, 0.0);
    for x in partners {
        sum += x.weight * distance(x.alignment);
        weight += x.weight;
    }
    if weight > 0.0 { sum / weight } else { 0.0 }
}

/// Whether the West renews its sanctions this month; one draw every month, used only in a scheduled month.
pub fn renewal<R: Rng + ?Sized>(calendar: CalendarMonth, west: f64, rng: &mut R) -> bool {
    let u: f64 = rng.random();
    calendar.sanctions_renewal && u < west
}

pub fn target_stance(p: &Params, patron: &Constants, w: &World, hosted_any: bool) -> f64 {
    let v = &w.vantage;
    let face = if hosted_any { p.face_softening } else { 0.0 };
    unit(
        w.stance_rest
            + patron.domestic_hardening
                * (p.war_hardening * (w.conflict_intensity - v.conflict_intensity)
                    + p.siege_hardening * w.siege)
            - p.pain_softening * (w.pain - v.pain)
            - p.distance_softening * (weighted_distance(&w.partners) - v.distance)
            - face,
    )
}

pub fn revision_probability(p: &Params, vantage_stance: f64, stance: f64) -> f64 {
    unit(p.revision_rate_per_month * exp(p.revision_sensitivity * (vantage_stance - stance)))
}

pub fn step<R: Rng + ?Sized>(
    p: &Params,
    patron: &Constants,
    w: &mut World,
    renewed: bool,
    rng: &mut R,
) {
    let eps: f64 = rng.sample(StandardNormal);
    let u: f64 = rng.random();
    w.siege =
        ((1.0 - p.siege_decay_per_month) * w.siege + if renewed { 1.0 } else { 0.0 }).min(1.0);
    let hosted_any = w.partners.iter().any(|x| x.hosted);
    let target = target_stance(p, patron, w, hosted_any);
    w.stance = unit(
        w.stance + p.stance_adjust_per_month * (target - w.stance) + p.stance_noise_per_month * eps,
    );
    if !w.revised && u < revision_probability(p, w.vantage.stance, w.stance) {
        w.revised = true;
        w.stance_rest = unit(w.stance_rest - p.revision_shift);
        w.stance = unit(w.stance - p.revision_shift);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::world;

    #[test]
    fn target_stance_and_revision_match_hand_computation() {
        let p = Params::default();
        let c = Constants {
            domestic_hardening: 0.8,
            pressure: 1.0,
            drivers: super::super::drivers::Consts::new(&p),
        };
        let mut w = world();
        // At the vantage state the target is the rest stance.
        assert!((target_stance(&p, &c, &w, false) - 0.9).abs() < 1e-12);
        // Pain 0.2 above vantage, the partner 0.2 further West (distance +0.1), intensity -0.2, siege 0.5, a round:
        // 0.9 + 0.8 (0.5 * -0.2 + 0.1 * 0.5) - 0.5 * 0.2 - 0.4 * 0.1 - 0.2 = 0.9 - 0.04 - 0.1 - 0.04 - 0.2 = 0.52
        w.pain = 0.4;
        w.partners[0].alignment = 0.3;
        w.conflict_intensity = 0.6;
        w.siege = 0.5;
        assert!((target_stance(&p, &c, &w, true) - 0.52).abs() < 1e-12);
        assert!((revision_probability(&p, 0.9, 0.9) - 0.004).abs() < 1e-15);
        // 0.1 softer: exp(0.8) times the base rate.
        assert!((revision_probability(&p, 0.9, 0.8) - 0.004 * 0.8f64.exp()).abs() < 1e-12);
    }
}
