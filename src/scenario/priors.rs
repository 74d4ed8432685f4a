//! `[priors]`: what the analyst believes about a parameter's value, for `realign run --uncertainty`, and the default
//! prior of every parameter whose value is an assumption.
//!
//! ```toml
//! [priors]
//! "drivers.oil.long_run_usd_per_bbl" = { dist = "triangular", low = 55, mode = 75, high = 100 }
//! "actors.Belarus.dependence" = { dist = "beta", alpha = 6, beta = 4, low = 0.4, high = 0.9 }
//! ```
//!
//! Keys are the key paths `realign explain` prints (parameters, and `actors.NAME.ATTRIBUTE` as sweep files name
//! them; nested tables `[priors.drivers.oil.long_run_usd_per_bbl]` read the same). Every prior lies within the
//! parameter's allowed range; a normal prior is truncated to that range. Priors are inherited through `base`
//! chains; a file's prior for a key replaces its bases' whole (never merged field by field).
//!
//! Every distribution is sampled by its inverse CDF from one uniform number per draw, so draw k of a parameter is
//! one number of one keyed stream whatever the distribution, and its prior percentiles are exact.

use super::check::Checker;
use super::tree::{Entry, Loc, Table, Value};
use super::{NOT_SWEEPABLE, Scenario, Target, resolve_key, shadowed};
use crate::model::params::{PARAM_SPECS, Provenance, REPORTING_ONLY, fmt_num};

/// A prior distribution on one parameter's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// Normal(mean, sd) truncated to [min, max], the parameter's allowed range.
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
    /// Beta(alpha, beta) scaled to [low, high].
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        high: f64,
    },
}

/// Where a prior came from.
#[derive(Clone, Debug, PartialEq)]
pub enum PriorOrigin {
    /// Written in a scenario file, at `file:line:column`.
    Scenario(String),
    /// The default rule ([`default_prior`]) for a parameter whose value is an assumption.
    Default,
}

/// A prior on one key path.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    pub key: String,
    pub target: Target,
    pub dist: Dist,
    pub origin: PriorOrigin,
}

impl Dist {
    /// The value at prior probability `u` in [0, 1] (the inverse CDF).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match *self {
            Dist::Uniform { low, high } => low + u * (high - low),
            Dist::Triangular { low, mode, high } => {
                let (w, left) = (high - low, mode - low);
                if w <= 0.0 {
                    low
                } else if u * w < left {
                    low + (u * w * left).sqrt()
                } else {
                    high - ((1.0 - u) * w * (high - mode)).sqrt()
                }
            }
            Dist::Normal { mean, sd, min, max } => {
                let (a, b) = (phi((min - mean) / sd), phi((max - mean) / sd));
                (mean + sd * phi_inv(a + u * (b - a))).clamp(min, max)
            }
            Dist::Beta {
                alpha,
                beta,
                low,
                high,
            } => low + (high - low) * beta_inv(u, alpha, beta),
        }
    }

    /// The prior's 5th to 95th percentiles.
    pub fn range90(&self) -> (f64, f64) {
        (self.quantile(0.05), self.quantile(0.95))
    }

    /// As written in a scenario: `triangular(low 0.075, mode 0.15, high 0.225)`.
    pub fn describe(&self) -> String {
        let f = |v: f64| fmt_num(crate::output::round6(v));
        match *self {
            Dist::Uniform { low, high } => format!("uniform(low {}, high {})", f(low), f(high)),
            Dist::Triangular { low, mode, high } => format!(
                "triangular(low {}, mode {}, high {})",
                f(low),
                f(mode),
                f(high)
            ),
            Dist::Normal { mean, sd, min, max } => format!(
                "normal(mean {}, sd {}) truncated to [{}, {}]",
                f(mean),
                f(sd),
                f(min),
                f(max)
            ),
            Dist::Beta {
                alpha,
                beta,
                low,
                high,
            } => format!(
                "beta(alpha {}, beta {}) on [{}, {}]",
                f(alpha),
                f(beta),
                f(low),
                f(high)
            ),
        }
    }
}

/// Half-width of the default prior, as a share of the value in force.
pub const DEFAULT_RELATIVE_HALF_WIDTH: f64 = 0.5;
/// Least half-width of the default prior, as a share of the allowed range's width (for values at or near 0).
pub const DEFAULT_MIN_HALF_WIDTH_OF_RANGE: f64 = 0.05;

/// Whether parameter `i` of [`PARAM_SPECS`] gets a default prior: its value is an assumption, it is not a whole
/// number, it acts on what happens (not [`REPORTING_ONLY`]) and it does not change the shape of a run
/// ([`NOT_SWEEPABLE`]).
pub fn has_default_prior(i: usize) -> bool {
    let spec = &PARAM_SPECS[i];
    matches!(spec.provenance, Provenance::Assumption(_))
        && !spec.integer
        && !REPORTING_ONLY.iter().any(|(k, _)| *k == spec.key)
        && !NOT_SWEEPABLE.contains(&spec.key)
}

/// The default prior of parameter `i` whose value in force is `value`: triangular with its mode at `value` and
/// half-width max(50% of |value|, 5% of the allowed range's width), clipped to the allowed range. `None` for a
/// parameter without one ([`has_default_prior`]).
pub fn default_prior(i: usize, value: f64) -> Option<Dist> {
    if !has_default_prior(i) {
        return None;
    }
    let spec = &PARAM_SPECS[i];
    let half = (DEFAULT_RELATIVE_HALF_WIDTH * value.abs())
        .max(DEFAULT_MIN_HALF_WIDTH_OF_RANGE * (spec.max - spec.min));
    Some(Dist::Triangular {
        low: (value - half).max(spec.min),
        mode: value,
        high: (value + half).min(spec.max),
    })
}

/// Which priors `--uncertainty` draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorSet {
    /// The scenario's priors, and the default prior of every assumption the scenario gives none for.
    WithDefaults,
    /// The scenario's priors only.
    ScenarioOnly,
}

impl PriorSet {
    /// How `--priors` names it.
    pub fn flag(self) -> &'static str {
        match self {
            PriorSet::WithDefaults => "with-defaults",
            PriorSet::ScenarioOnly => "scenario-only",
        }
    }
}

/// The priors a nested ensemble draws from, in a fixed order (parameters in table order, then actor attributes by
/// actor and attribute): the scenario's, then (with [`PriorSet::WithDefaults`]) a default prior for every
/// assumption without one that no schedule or replay overrides.
pub fn effective_priors(s: &Scenario, set: PriorSet) -> Vec<Prior> {
    let mut out = s.priors.clone();
    if set == PriorSet::WithDefaults {
        let values = s.config.params.values();
        for (i, spec) in PARAM_SPECS.iter().enumerate() {
            if out.iter().any(|p| p.target == Target::Param(i)) || shadowed(spec.key, s).is_some() {
                continue;
            }
            if let Some(dist) = default_prior(i, values[i]) {
                out.push(Prior {
                    key: spec.key.to_string(),
                    target: Target::Param(i),
                    dist,
                    origin: PriorOrigin::Default,
                });
            }
        }
    }
    out.sort_by_key(|p| match p.target {
        Target::Param(i) => (0, i, 0),
        Target::Attr(a, i) => (1, a, i),
    });
    out
}

/// Standard normal CDF (the one the fans use).
pub use crate::fans::normal_cdf as phi;

/// Inverse of the standard normal CDF: Acklam's rational approximation (relative error 1.15e-9) refined by one
/// Halley step on [`phi`], which brings it to about machine precision.
pub fn phi_inv(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step: e = phi(x) - p, u = e sqrt(2 pi) exp(x^2 / 2).
    let e = phi(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Regularised incomplete beta function I_x(a, b), by its continued fraction (Numerical Recipes, 3rd ed., 6.4).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front =
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(x, a, b) / a
    } else {
        1.0 - front * beta_cf(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Inverse of [`beta_cdf`] in x, by bisection to below 1e-12 (the CDF is monotone, so bisection cannot fail).
pub fn beta_inv(u: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf(mid, a, b) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

const DISTS: &[&str] = &["uniform", "triangular", "normal", "beta"];

/// The fields each distribution takes, beside `dist`.
fn fields(dist: &str) -> &'static [&'static str] {
    match dist {
        "uniform" => &["low", "high"],
        "triangular" => &["low", "mode", "high"],
        "normal" => &["mean", "sd"],
        "beta" => &["alpha", "beta", "low", "high"],
        _ => &[],
    }
}

/// Drops from `base`'s `[priors]` every prior `over`'s `[priors]` gives again, so that a variant's prior replaces
/// its base's whole rather than merging field by field (a normal over a uniform would otherwise keep `low`).
pub(super) fn drop_overridden(base: &mut Table, over: &Table) {
    fn walk(base: &mut Table, over: &Table) {
        for e in over {
            let Value::Table(o) = &e.node.value else {
                continue;
            };
            if o.iter().any(|x| x.key == "dist") {
                base.retain(|b| b.key != e.key);
            } else if let Some(b) = base.iter_mut().find(|b| b.key == e.key)
                && let Value::Table(bt) = &mut b.node.value
            {
                walk(bt, o);
            }
        }
    }
    let (Some(b), Some(o)) = (
        base.iter_mut().find(|e| e.key == "priors"),
        over.iter().find(|e| e.key == "priors"),
    ) else {
        return;
    };
    if let (Value::Table(bt), Value::Table(ot)) = (&mut b.node.value, &o.node.value) {
        walk(bt, ot);
    }
}

impl Checker<'_> {
    /// Reads `[priors]` against the scenario `s` it belongs to: every key resolved, every distribution within the
    /// parameter's allowed range, no prior on a parameter a schedule or replay overrides.
    pub(super) fn priors(&mut self, e: &Entry, s: &Scenario) -> Vec<Prior> {
        let Some(t) = self.table(&e.node, "priors") else {
            return Vec::new();
        };
        let mut leaves: Vec<(String, &Entry)> = Vec::new();
        self.prior_leaves(t, "", &mut leaves);
        let mut out: Vec<(Prior, usize)> = Vec::new();
        for (key, entry) in leaves {
            let Some(prior) = self.prior(&key, entry, s) else {
                continue;
            };
            // The same key written two ways (quoted and as nested tables): the more derived file's wins, and
            // within one file the second is refused.
            let file = entry.key_loc.file;
            match out.iter().position(|(p, _)| p.target == prior.target) {
                Some(i) if out[i].1 == file => self.err(
                    &entry.key_loc,
                    &format!("priors.{key}"),
                    "a second prior for the same parameter in this file",
                ),
                Some(i) if file < out[i].1 => out[i] = (prior, file),
                Some(_) => {}
                None => out.push((prior, file)),
            }
        }
        out.into_iter().map(|(p, _)| p).collect()
    }

    /// The priors under `t`: tables holding `dist` are priors, other tables nest key paths.
    fn prior_leaves<'e>(&mut self, t: &'e Table, prefix: &str, out: &mut Vec<(String, &'e Entry)>) {
        for entry in t {
            let key = if prefix.is_empty() {
                entry.key.clone()
            } else {
                format!("{prefix}.{}", entry.key)
            };
            match &entry.node.value {
                Value::Table(inner) if inner.iter().any(|x| x.key == "dist") => {
                    out.push((key, entry))
                }
                Value::Table(inner) => self.prior_leaves(inner, &key, out),
                other => self.err(
                    &entry.node.loc,
                    &format!("priors.{key}"),
                    format!(
                        "must be a table such as {{ dist = \"uniform\", low = ..., high = ... }}, found {}; \
                         distributions: {}",
                        other.type_name(),
                        DISTS.join(", ")
                    ),
                ),
            }
        }
    }

    fn prior(&mut self, key: &str, entry: &Entry, s: &Scenario) -> Option<Prior> {
        let path = format!("priors.{key}");
        let loc = &entry.key_loc;
        if NOT_SWEEPABLE.contains(&key) {
            self.err(
                loc,
                &path,
                "cannot have a prior: it changes the shape of every run",
            );
            return None;
        }
        let k = match resolve_key(key, s) {
            Ok(k) => k,
            Err(e) => {
                self.err(loc, &path, e.to_string());
                return None;
            }
        };
        if let Some(sh) = shadowed(key, s) {
            self.err(loc, &path, sh.to_string());
            return None;
        }
        if let Target::Param(i) = k.target
            && PARAM_SPECS[i].integer
        {
            self.err(
                loc,
                &path,
                "a whole-number parameter cannot have a prior: draws would not be whole numbers",
            );
            return None;
        }
        let Value::Table(t) = &entry.node.value else {
            return None;
        };
        let dist_entry = t.iter().find(|x| x.key == "dist")?;
        let dist = self.string(&dist_entry.node, &format!("{path}.dist"))?;
        if !DISTS.contains(&dist.as_str()) {
            let hint = super::suggest::closest(&dist, DISTS)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            self.err(
                &dist_entry.node.loc,
                &format!("{path}.dist"),
                format!(
                    "unknown distribution {dist:?}{hint}; distributions: {}",
                    DISTS.join(", ")
                ),
            );
            return None;
        }
        let allowed = fields(&dist);
        let mut vals: Vec<Option<(f64, Loc)>> = vec![None; allowed.len()];
        for x in t.iter().filter(|x| x.key != "dist") {
            let fkey = format!("{path}.{}", x.key);
            match allowed.iter().position(|f| *f == x.key) {
                Some(j) => vals[j] = self.number(&x.node, &fkey).map(|n| (n.value, n.loc)),
                None => {
                    let mut with_dist = vec!["dist"];
                    with_dist.extend_from_slice(allowed);
                    self.unknown(x, &fkey, &with_dist);
                }
            }
        }
        let mut missing = false;
        for (j, v) in vals.iter().enumerate() {
            if v.is_none() && !t.iter().any(|x| x.key == allowed[j]) {
                self.err(
                    &entry.node.loc,
                    &path,
                    format!(
                        "a {dist} prior needs `{}` ({{ dist = \"{dist}\", {} }})",
                        allowed[j],
                        allowed
                            .iter()
                            .map(|f| format!("{f} = ..."))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                missing = true;
            }
        }
        if missing || vals.iter().any(Option::is_none) {
            return None;
        }
        let v: Vec<(f64, Loc)> = vals.into_iter().flatten().collect();
        let range = format!("[{}, {}]", fmt_num(k.min), fmt_num(k.max));
        let errors_before = self.errors.len();
        // Every bound within the allowed range.
        let within = |c: &mut Self, j: usize| {
            let (value, l) = &v[j];
            if *value < k.min || *value > k.max {
                c.err(
                    l,
                    &format!("{path}.{}", allowed[j]),
                    format!(
                        "{} is outside {key}'s allowed range {range}: a prior lies within it",
                        fmt_num(*value)
                    ),
                );
            }
        };
        let dist = match dist.as_str() {
            "uniform" => {
                within(self, 0);
                within(self, 1);
                let (low, high) = (v[0].0, v[1].0);
                if low >= high {
                    self.err(
                        &v[1].1,
                        &format!("{path}.high"),
                        format!(
                            "high ({}) must be above low ({}); allowed range {range}",
                            fmt_num(high),
                            fmt_num(low)
                        ),
                    );
                }
                Dist::Uniform { low, high }
            }
            "triangular" => {
                within(self, 0);
                within(self, 2);
                let (low, mode, high) = (v[0].0, v[1].0, v[2].0);
                if low >= high {
                    self.err(
                        &v[2].1,
                        &format!("{path}.high"),
                        format!(
                            "high ({}) must be above low ({}); allowed range {range}",
                            fmt_num(high),
                            fmt_num(low)
                        ),
                    );
                } else if mode < low || mode > high {
                    self.err(
                        &v[1].1,
                        &format!("{path}.mode"),
                        format!(
                            "mode {} is outside [low, high] = [{}, {}]",
                            fmt_num(mode),
                            fmt_num(low),
                            fmt_num(high)
                        ),
                    );
                }
                Dist::Triangular { low, mode, high }
            }
            "normal" => {
                within(self, 0);
                let (mean, sd) = (v[0].0, v[1].0);
                if sd <= 0.0 {
                    self.err(
                        &v[1].1,
                        &format!("{path}.sd"),
                        format!(
                            "sd must be above 0, found {}; the prior is truncated to the allowed range {range}",
                            fmt_num(sd)
                        ),
                    );
                }
                Dist::Normal {
                    mean,
                    sd,
                    min: k.min,
                    max: k.max,
                }
            }
            _ => {
                within(self, 2);
                within(self, 3);
                let (alpha, beta, low, high) = (v[0].0, v[1].0, v[2].0, v[3].0);
                for (j, x) in [(0, alpha), (1, beta)] {
                    if x <= 0.0 || x > 1e6 {
                        self.err(
                            &v[j].1,
                            &format!("{path}.{}", allowed[j]),
                            format!("must be in (0, 1000000], found {}", fmt_num(x)),
                        );
                    }
                }
                if low >= high {
                    self.err(
                        &v[3].1,
                        &format!("{path}.high"),
                        format!(
                            "high ({}) must be above low ({}); allowed range {range}",
                            fmt_num(high),
                            fmt_num(low)
                        ),
                    );
                }
                Dist::Beta {
                    alpha,
                    beta,
                    low,
                    high,
                }
            }
        };
        if self.errors.len() > errors_before {
            return None;
        }
        let (line, col) = self.sources.line_col(loc);
        Some(Prior {
            key: key.to_string(),
            target: k.target,
            dist,
            origin: PriorOrigin::Scenario(format!(
                "{}:{line}:{col}",
                self.sources.path(loc).display()
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_invert_their_cdfs() {
        let u = Dist::Uniform {
            low: 40.0,
            high: 100.0,
        };
        assert_eq!(u.range90(), (43.0, 97.0));
        let t = Dist::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 2.0,
        };
        assert!((t.quantile(0.5) - 1.0).abs() < 1e-12);
        // Left half: F(x) = x^2 / 2 on [0, 1].
        assert!((t.quantile(0.125) - 0.5).abs() < 1e-12);
        for p in [1e-6, 0.01, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999_999] {
            assert!((phi(phi_inv(p)) - p).abs() < 1e-14 * p.max(1e-3), "{p}");
        }
        assert!((phi_inv(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        let n = Dist::Normal {
            mean: 0.5,
            sd: 0.1,
            min: 0.0,
            max: 1.0,
        };
        assert!((n.quantile(0.5) - 0.5).abs() < 1e-9);
        // Truncated at [0, 1]: every draw stays within.
        let n = Dist::Normal {
            mean: 0.95,
            sd: 0.5,
            min: 0.0,
            max: 1.0,
        };
        assert!(n.quantile(0.0) >= 0.0 && n.quantile(1.0) <= 1.0);
        // Beta(2, 2): F(x) = 3x^2 - 2x^3, so F(0.25) = 0.15625.
        assert!((beta_cdf(0.25, 2.0, 2.0) - 0.15625).abs() < 1e-12);
        assert!((beta_inv(0.15625, 2.0, 2.0) - 0.25).abs() < 1e-9);
        let b = Dist::Beta {
            alpha: 2.0,
            beta: 2.0,
            low: 10.0,
            high: 14.0,
        };
        assert!((b.quantile(0.15625) - 11.0).abs() < 1e-8);
    }

    #[test]
    fn default_priors_follow_the_rule() {
        let i = crate::model::params::param_index("patron_capacity.budget_adjust_per_month")
            .expect("a parameter");
        let close = |d: Option<Dist>, want: [f64; 3]| match d {
            Some(Dist::Triangular { low, mode, high }) => [low, mode, high]
                .iter()
                .zip(want)
                .all(|(a, b)| (a - b).abs() < 1e-12),
            _ => false,
        };
        assert!(close(default_prior(i, 0.15), [0.075, 0.15, 0.225]));
        // Near 0 the half-width is 5% of the range's width, and the prior is clipped to the range.
        let i = crate::model::params::param_index("partner_choice.noise_per_month").unwrap();
        assert!(close(default_prior(i, 0.02), [0.0, 0.02, 0.045]));
        // Claims, data, whole numbers and reporting-only parameters get none.
        for key in [
            "horizon_months",
            "bands.west_max",
            "union.exit_weight_share",
            "drivers.oil.start_usd_per_bbl",
            "crisis.rate_per_month",
        ] {
            let i = crate::model::params::param_index(key).unwrap();
            assert_eq!(default_prior(i, PARAM_SPECS[i].default), None, "{key}");
        }
        // Every default prior lies within its parameter's range.
        for (i, spec) in PARAM_SPECS.iter().enumerate() {
            if let Some(d) = default_prior(i, spec.default) {
                let (lo, hi) = (d.quantile(0.0), d.quantile(1.0));
                assert!(lo >= spec.min && hi <= spec.max && lo < hi, "{}", spec.key);
            }
        }
    }
}
