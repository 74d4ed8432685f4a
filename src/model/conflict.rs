//! ODD 7.6 Conflict (claims F05, A14): the fighting follows the patron's stance with a lag and is cut by a
//! ceasefire; the contested state's position moves West with the fighting.
//!
//!   K' = clamp(K + lambda_K (stance - K), 0, 1), then K' (1 - cut) if a round succeeded
//!   a_c' = a_c + lambda_c (clamp(-(b0 + b_K K'), -1, 1) - a_c)

use super::{Params, World, align, unit};

pub fn step(p: &Params, w: &mut World, ceasefire: bool) {
    let mut k = unit(
        w.conflict_intensity + p.intensity_adjust_per_month * (w.stance - w.conflict_intensity),
    );
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
        w.stance = 0.9;
        w.conflict_intensity = 0.5;
        w.contested_alignment = -0.6;
        step(&p, &mut w, false);
        // K' = 0.5 + 0.1 (0.9 - 0.5) = 0.54; target = -(0.5 + 0.4 * 0.54) = -0.716;
        // a' = -0.6 + 0.05 (-0.716 + 0.6) = -0.6058
        assert!((w.conflict_intensity - 0.54).abs() < 1e-12);
        assert!(
            (w.contested_alignment + 0.6058).abs() < 1e-12,
            "{}",
            w.contested_alignment
        );
        step(&p, &mut w, true);
        // K' = 0.54 + 0.1 (0.9 - 0.54) = 0.576, halved by the ceasefire: 0.288
        assert!((w.conflict_intensity - 0.288).abs() < 1e-12);
    }
}
