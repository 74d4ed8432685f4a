//! ODD 7.10 Union cohesion (claims A05, A21; base rates R04, R05; record V23-V25): the Eurasian Economic Union holds
//! with the patron's USD capacity and its members' (weighted) closeness, and is undone by trade barriers, each
//! measured from the vantage date; a scheduled enlargement lifts it. A member far enough West leaves (crises
//! are the other way out, ODD 7.7). The union fractures when cohesion falls below the threshold or when members
//! carrying a set share of the partners' weight have left: a small member's exit alone does not break it.
//!
//!   U* = clamp(U_0 + c_C (F_usd - F_usd,0) + c_a (close - close_0) - c_b (bar - bar_0), 0, 1)  (0 with no members)
//!   U' = clamp(U + lambda_U (U* - U) + boost enlargement, 0, 1)

use super::{Params, Partner, World, unit};

/// Members' total weight, weighted mean closeness ((1 + a)/2) and weighted mean trade barrier.
pub fn member_means(partners: &[Partner]) -> (f64, f64, f64) {
    let (mut n, mut closeness, mut barrier) = (0.0, 0.0, 0.0);
    for x in partners.iter().filter(|x| x.union_member) {
        n += x.weight;
        closeness += x.weight * (1.0 + x.alignment) / 2.0;
        barrier += x.weight * x.trade_barrier;
    }
    if n > 0.0 {
        (n, closeness / n, barrier / n)
    } else {
        (0.0, 0.0, 0.0)
    }
}

pub fn step(p: &Params, w: &mut World, enlargement: bool) {
    for x in &mut w.partners {
        if x.union_member && x.alignment <= p.exit_alignment {
            x.union_member = false;
            x.left_union = true;
        }
        if x.left_union {
            w.exited_weight += x.weight;
        }
    }
    let (n, closeness, barrier) = member_means(&w.partners);
    let v = &w.vantage;
    let target = if n > 0.0 {
        unit(
            p.initial_cohesion
                + p.cohesion_capacity_weight * (w.usd_capacity - v.usd_capacity)
                + p.cohesion_alignment_weight * (closeness - v.member_closeness)
                - p.cohesion_barrier_weight * (barrier - v.member_barrier),
        )
    } else {
        0.0
    };
    let boost = if enlargement {
        p.enlargement_boost
    } else {
        0.0
    };
    w.cohesion = unit(w.cohesion + p.cohesion_adjust_per_month * (target - w.cohesion) + boost);
    w.union_fractured |= fractured(p, w);
}

pub fn fractured(p: &Params, w: &World) -> bool {
    w.cohesion < p.fracture_threshold
        || (w.exited_weight > 0.0
            && w.exited_weight >= p.exit_weight_share * w.vantage.total_weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::world;

    #[test]
    fn cohesion_rests_at_the_vantage_and_exits_fracture_by_weight() {
        let p = Params::default();
        let mut w = world();
        // world(): one member at 0.5 (closeness 0.75), barrier 0.3, USD capacity at its vantage value.
        step(&p, &mut w, false);
        assert!((w.cohesion - 0.6).abs() < 1e-12, "{}", w.cohesion);
        // USD capacity 0.1 lower and barrier 0.1 higher: U* = 0.6 - 0.05 - 0.08 = 0.47; U' = 0.6 - 0.15 * 0.13
        w.usd_capacity -= 0.1;
        w.partners[0].trade_barrier = 0.4;
        step(&p, &mut w, false);
        assert!((w.cohesion - 0.5805).abs() < 1e-12, "{}", w.cohesion);
        assert!(!w.union_fractured);
        // The only member leaves: all the weight has gone.
        w.partners[0].alignment = -0.6;
        step(&p, &mut w, false);
        assert!(w.partners[0].left_union && w.union_fractured);
    }
}
