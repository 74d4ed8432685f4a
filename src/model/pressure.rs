//! ODD 7.7 Irritation and pressure (claims A17, A18, A19): drift away from the patron and independence raise its
//! irritation; irritation brings rhetoric and, above a threshold, sanctions; pressure raises the partner's threat
//! perception and trade barriers, and threat pushes the partner to hedge (partner choice).
//!
//!   I' = clamp((1 - delta_I) I + g_drift max(0, a_prev - a) + g_indep (1 - a)/2, 0, 1)
//!   P(sanction) = clamp(rate * pressure * (I' - theta) / (1 - theta), 0, 1)   when I' > theta
//!   T' = clamp(T + r pressure I' (1 - T) + t_s sanctioned - delta_T T, 0, 1)
//!   b' = clamp((1 - delta_b) b + b_s sanctioned, 0, 1)
//! a_prev is the partner's position before this month's choice.

use rand::{Rng, RngExt};

use super::{Constants, Params, World, unit};

pub fn sanction_probability(p: &Params, pressure: f64, irritation: f64) -> f64 {
    if irritation <= p.sanction_threshold {
        return 0.0;
    }
    unit(
        p.sanction_rate_per_month * pressure * (irritation - p.sanction_threshold)
            / (1.0 - p.sanction_threshold),
    )
}

pub fn next_irritation(p: &Params, irritation: f64, alignment_before: f64, alignment: f64) -> f64 {
    let drift = (alignment_before - alignment).max(0.0);
    unit(
        (1.0 - p.irritation_decay_per_month) * irritation
            + p.irritation_drift_gain * drift
            + p.irritation_independence_gain * (1.0 - alignment) / 2.0,
    )
}

pub fn step<R: Rng + ?Sized>(p: &Params, patron: &Constants, w: &mut World, rng: &mut R) {
    for x in &mut w.partners {
        let u: f64 = rng.random();
        x.irritation = next_irritation(p, x.irritation, x.alignment_before, x.alignment);
        x.sanctioned = u < sanction_probability(p, patron.pressure, x.irritation);
        let s = if x.sanctioned { 1.0 } else { 0.0 };
        x.threat = unit(
            x.threat
                + p.threat_from_rhetoric * patron.pressure * x.irritation * (1.0 - x.threat)
                + p.threat_from_sanction * s
                - p.threat_decay_per_month * x.threat,
        );
        x.trade_barrier =
            unit((1.0 - p.barrier_decay_per_month) * x.trade_barrier + p.barrier_from_sanction * s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irritation_and_sanctions_match_hand_computation() {
        let p = Params::default();
        // 0.95 * 0.6 + 1 * (0.5 - 0.4) + 0.04 * (1 - 0.4) / 2 = 0.57 + 0.1 + 0.012 = 0.682
        assert!((next_irritation(&p, 0.6, 0.5, 0.4) - 0.682).abs() < 1e-12);
        // Moving toward the patron adds no drift: 0.95 * 0.6 + 0.04 * 0.2 / 2 = 0.574
        assert!((next_irritation(&p, 0.6, 0.5, 0.8) - 0.574).abs() < 1e-12);
        assert_eq!(sanction_probability(&p, 1.0, 0.6), 0.0);
        // 0.25 * 2 * (0.75 - 0.6) / 0.4 = 0.1875
        assert!((sanction_probability(&p, 2.0, 0.75) - 0.1875).abs() < 1e-12);
    }
}
