//! ODD 7.9 Union cohesion (claims A05, A21): the Eurasian Economic Union holds with the patron's capacity and its
//! members' closeness, and is undone by trade barriers; a member far enough West leaves it.
//!
//!   U* = clamp(c_C C + c_a mean_m (1 + a_m)/2 - c_b mean_m b_m, 0, 1)   over current members m
//!   U' = U + lambda_U (U* - U)
//!   a member with a <= exit alignment leaves; the union fractures when U' < threshold or a member has left.

use super::{Params, World, unit};

pub fn target_cohesion(
    p: &Params,
    capacity_index: f64,
    mean_closeness: f64,
    mean_barrier: f64,
) -> f64 {
    unit(
        p.cohesion_capacity_weight * capacity_index + p.cohesion_alignment_weight * mean_closeness
            - p.cohesion_barrier_weight * mean_barrier,
    )
}

pub fn step(p: &Params, w: &mut World) {
    let mut any_left = false;
    for x in &mut w.partners {
        if x.union_member && x.alignment <= p.exit_alignment {
            x.union_member = false;
            x.left_union = true;
            any_left = true;
        }
    }
    let (mut n, mut closeness, mut barrier) = (0.0, 0.0, 0.0);
    for x in w.partners.iter().filter(|x| x.union_member) {
        n += 1.0;
        closeness += (1.0 + x.alignment) / 2.0;
        barrier += x.trade_barrier;
    }
    let target = if n > 0.0 {
        target_cohesion(p, w.capacity_index, closeness / n, barrier / n)
    } else {
        0.0
    };
    w.cohesion = unit(w.cohesion + p.cohesion_adjust_per_month * (target - w.cohesion));
    w.union_fractured |= any_left || fractured(p, w);
}

pub fn fractured(p: &Params, w: &World) -> bool {
    w.cohesion < p.fracture_threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_cohesion_matches_hand_computation() {
        let p = Params::default();
        // 0.5 * 0.6 + 0.5 * 0.72 - 0.8 * 0.15 = 0.3 + 0.36 - 0.12 = 0.54
        assert!((target_cohesion(&p, 0.6, 0.72, 0.15) - 0.54).abs() < 1e-12);
    }
}
