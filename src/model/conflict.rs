//! ODD 7.6b Conflict (claims F05, A14; base rate R06): the fighting follows the patron's stance with a lag (its
//! level on the vantage date, moved by the stance's change since) and is cut by a ceasefire, after which it
//! returns unless the stance has moved. Intensity feeds the partners' threat, the value and the success of
//! mediation, and the patron's own hardening. The contested state's position moves West with the fighting; it
//! is reported and feeds no decision (the brief models Ukraine as the contested state, not as a chooser).
//!
//!   K* = clamp(K_0 + (h - h_0), 0, 1),  K' = clamp(K + lambda_K (K* - K), 0, 1), then K' (1 - cut) on a ceasefire
//!   a_c' = a_c + lambda_c (clamp(-(b0 + b_K K'), -1, 1) - a_c)

use super::{Params, World, align, unit};

pub fn step(p: &Params, w: &mut World, ceasefire: bool) {
    let target = unit(w.vantage.conflict_intensity + (w.stance - w.vantage.stance));
    let mut k =
        unit(w.conflict_intensity + p.intensity_adjust_per_month * (target - w.conflict_intensity));
    if ceasefire {
        k *= 1.0 - p.ceasefire_intensity_cut;
    }
    w.conflict_intensity = k;
    let target = align(-(p.contested_west_base + p.contested_west_per_intensity * k));
    w.contested_alignment += p.contested_adjust_per_month * (target - w.contested_alignment);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::world;

    #[test]
    fn intensity_follows_stance_and_a_ceasefire_cuts_it() {
        let p = Params::default();
        let mut w = world();
        w.stance = 0.7;
        w.conflict_intensity = 0.8;
        w.contested_alignment = -0.6;
        step(&p, &mut w, false);
        // K* = 0.8 + (0.7 - 0.9) = 0.6; K' = 0.8 + 0.1 (0.6 - 0.8) = 0.78; target = -(0.5 + 0.4 * 0.78) = -0.812;
        // a' = -0.6 + 0.05 (-0.812 + 0.6) = -0.6106
        assert!((w.conflict_intensity - 0.78).abs() < 1e-12);
        assert!(
            (w.contested_alignment + 0.6106).abs() < 1e-12,
            "{}",
            w.contested_alignment
        );
        step(&p, &mut w, true);
        // K' = 0.78 + 0.1 (0.6 - 0.78) = 0.762, halved by the ceasefire: 0.381
        assert!((w.conflict_intensity - 0.381).abs() < 1e-12);
    }
}
