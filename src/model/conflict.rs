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
