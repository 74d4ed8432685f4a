//! Scenario discovery with PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
//! Computing 9:123, doi:10.1023/A:1008894516817), noise-aware: `realign discover SWEEP_DIR --outcome EVENT
//! --above P`.
//!
//! Cases of interest. Each sweep point carries an estimate with a 95% interval (Wilson for events, Student for
//! alignments). A point's weight is the probability that its true outcome lies beyond the threshold, from a normal
//! approximation: w = Phi((estimate - P) / se) for `--above P` (Phi((P - estimate) / se) for `--below`), with
//! se = (distance from the estimate to the interval's bound on the threshold's side) / 1.96, so Wilson's asymmetry
//! is kept. A point with a zero-width interval counts as 1 or 0 (0.5 exactly at the threshold).
//!
//! PRIM. Peeling: from the box holding every point, for each parameter and side, remove the points at or beyond the
//! alpha-quantile (alpha = 0.05) of that parameter inside the box; take the peel giving the highest mean weight
//! (ties: first parameter, lower side first), as long as the box keeps at least `MIN_SUPPORT` of the points. Each
//! box is one step of the trajectory: coverage = sum of weights inside / total weight, density = mean weight inside,
//! support = share of points inside. The chosen box is `--box K` or the first step (the largest box) whose density
//! reaches `MIN_DENSITY` (the densest step when none does); pasting then widens it, an alpha-share of the points at a
//! time, while that raises its density. Bounds are the smallest and largest values of the points inside, in the
//! parameter's own units.
//!
//! Intervals. `BOOTSTRAP` resamples, keyed ChaCha8 from the sweep's seed: each resample draws the points with
//! replacement (the design's sampling of the parameter space) and, for each drawn point, whether it is a case with
//! probability its weight (the replicates' noise); coverage and density of the chosen box (its bounds fixed) on each
//! resample give percentile 95% intervals.

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::output::{num, rounded, rounded_interval};
use crate::stats::Interval;

/// Share of the box's points removed in one peel (or added in one paste).
pub const ALPHA: f64 = 0.05;
/// Peeling stops before the box holds fewer than this share of the points.
pub const MIN_SUPPORT: f64 = 0.05;
/// The chosen box is the largest on the trajectory whose density (mean weight) is at least this.
pub const MIN_DENSITY: f64 = 0.8;
/// Bootstrap resamples for the chosen box's coverage and density.
pub const BOOTSTRAP: usize = 1000;
/// Keys the bootstrap's ChaCha8 apart from any other use of the sweep's seed ("discover" in ASCII).
const BOOTSTRAP_KEY: u64 = 0x6469_7363_6f76_6572;

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{}: not a finished sweep folder (no {missing}): give a folder written by `realign sweep` or `realign merge`", .dir.display())]
    NotASweep { dir: PathBuf, missing: &'static str },
    #[error("cannot read {}: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}:{line}: {message}", .path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("unknown outcome {name:?}; this sweep's outcomes: {}", .known.join(", "))]
    UnknownOutcome { name: String, known: Vec<String> },
    #[error("give exactly one of --above P and --below P")]
    Direction,
    #[error("threshold {value} is not a number in [{low}, {high}]")]
    Threshold { value: f64, low: f64, high: f64 },
    #[error("--box {k}: the peeling trajectory has boxes 0 to {last}")]
    BoxOutOfRange { k: usize, last: usize },
    #[error("the sweep has {points} point(s): discovery needs at least 2")]
    TooFewPoints { points: usize },
    #[error("{}: the output folder cannot be the sweep folder itself", .dir.display())]
    OutIsSweep { dir: PathBuf },
    #[error(
        "no point is a case of interest (every weight is 0): nothing to discover; try another threshold"
    )]
    NoCases,
}

/// Which side of the threshold makes a case of interest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Above,
    Below,
}

impl Direction {
    /// The direction and threshold from `--above` and `--below`, exactly one of which must be given.
    pub fn from_flags(
        above: Option<f64>,
        below: Option<f64>,
    ) -> Result<(Direction, f64), DiscoverError> {
        match (above, below) {
            (Some(p), None) => Ok((Direction::Above, p)),
            (None, Some(p)) => Ok((Direction::Below, p)),
            _ => Err(DiscoverError::Direction),
        }
    }
}

/// One sweep point: its parameter values and the outcome's estimate.
#[derive(Clone, Debug)]
pub struct Point {
    pub values: Vec<f64>,
    pub estimate: Interval,
    pub replicates: u64,
}

/// The points of one outcome of a finished sweep.
#[derive(Clone, Debug)]
pub struct Table {
    pub sweep: String,
    pub seed: u64,
    pub parameters: Vec<String>,
    pub outcome: String,
    /// Events are probabilities (thresholds in [0, 1]); alignments lie in [-1, 1].
    pub probability: bool,
    pub points: Vec<Point>,
}

fn read(path: &Path) -> Result<Vec<u8>, DiscoverError> {
    std::fs::read(path).map_err(|e| DiscoverError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn json(path: &Path) -> Result<serde_json::Value, DiscoverError> {
    serde_json::from_slice(&read(path)?).map_err(|e| DiscoverError::Malformed {
        path: path.to_path_buf(),
        line: e.line() as u64,
        message: e.to_string(),
    })
}

/// The outcome label a sweep's files use: `id`, `id:Actor` or `alignment:Actor`.
pub fn label(outcome: &str, actor: Option<&str>) -> String {
    match actor {
        Some(a) => format!("{outcome}:{a}"),
        None => outcome.to_string(),
    }
}

/// Reads outcome `label` of the finished sweep in `dir` (sweep.csv, analysis.json, manifest.json; a merged folder
/// looks the same). The manifest is the sweep's completion marker, so a folder an interrupted sweep left is refused.
pub fn load(dir: &Path, label: &str) -> Result<Table, DiscoverError> {
    for missing in ["manifest.json", "analysis.json", "sweep.csv"] {
        if !dir.join(missing).is_file() {
            return Err(DiscoverError::NotASweep {
                dir: dir.to_path_buf(),
                missing,
            });
        }
    }
    let manifest_path = dir.join("manifest.json");
    let manifest = json(&manifest_path)?;
    let bad = |path: &Path, message: &str| DiscoverError::Malformed {
        path: path.to_path_buf(),
        line: 1,
        message: message.to_string(),
    };
    let sweep = manifest
        .get("sweep")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad(&manifest_path, "no \"sweep\" name: not a sweep's manifest"))?
        .to_string();
    // Names go into chart titles and file contents: hold a name read back to the rule every sweep name follows.
    if !crate::scenario::valid_scenario_name(&sweep) {
        return Err(bad(
            &manifest_path,
            "the \"sweep\" name is not a name realign writes ([A-Za-z0-9_-], at most 64 characters)",
        ));
    }
    let seed = manifest
        .get("seed")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| bad(&manifest_path, "no \"seed\""))?;
    let analysis_path = dir.join("analysis.json");
    let analysis = json(&analysis_path)?;
    let parameters: Vec<String> = analysis
        .get("parameters")
        .and_then(|v| v.as_array())
        .ok_or_else(|| bad(&analysis_path, "no \"parameters\" list"))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let known: Vec<String> = analysis
        .get("outcomes")
        .and_then(|v| v.as_array())
        .ok_or_else(|| bad(&analysis_path, "no \"outcomes\" list"))?
        .iter()
        .filter_map(|o| {
            o.get("outcome")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .collect();
    if !known.iter().any(|k| k == label) {
        return Err(DiscoverError::UnknownOutcome {
            name: label.to_string(),
            known,
        });
    }
    let csv_path = dir.join("sweep.csv");
    let bytes = read(&csv_path)?;
    let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let malformed = |line: u64, message: String| DiscoverError::Malformed {
        path: csv_path.clone(),
        line,
        message,
    };
    let header = r
        .headers()
        .map_err(|e| malformed(1, e.to_string()))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| malformed(1, format!("no column {name:?}")))
    };
    let param_cols: Vec<usize> = parameters
        .iter()
        .map(|p| col(p))
        .collect::<Result<_, _>>()?;
    let (rep_col, v_col, lo_col, hi_col) = (
        col("replicates")?,
        col(label)?,
        col(&format!("{label}_ci_low"))?,
        col(&format!("{label}_ci_high"))?,
    );
    let mut points = Vec::new();
    for rec in r.records() {
        let rec =
            rec.map_err(|e| malformed(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let f = |c: usize| -> Result<f64, DiscoverError> {
            let s = rec.get(c).unwrap_or("");
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    malformed(
                        line,
                        format!("column {:?}: {s:?} is not a finite number", &header[c]),
                    )
                })
        };
        let values = param_cols
            .iter()
            .map(|&c| f(c))
            .collect::<Result<Vec<_>, _>>()?;
        let replicates = rec
            .get(rep_col)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| malformed(line, "column \"replicates\": not a whole number".into()))?;
        points.push(Point {
            values,
            estimate: Interval {
                value: f(v_col)?,
                ci_low: f(lo_col)?,
                ci_high: f(hi_col)?,
            },
            replicates,
        });
    }
    Ok(Table {
        sweep,
        seed,
        parameters,
        outcome: label.to_string(),
        probability: !label.starts_with("alignment:"),
        points,
    })
}

/// The default output folder: `SWEEP_DIR/discover-<outcome>` (the label's `:` becomes `-`).
pub fn default_dir(sweep_dir: &Path, label: &str) -> PathBuf {
    let name: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    sweep_dir.join(format!("discover-{name}"))
}

/// Refuses an output folder that is the sweep folder (creating it would remove the sweep's completion marker).
pub fn check_out(sweep_dir: &Path, out: &Path) -> Result<(), DiscoverError> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(sweep_dir), std::fs::canonicalize(out))
        && a == b
    {
        return Err(DiscoverError::OutIsSweep {
            dir: out.to_path_buf(),
        });
    }
    Ok(())
}

/// Standard normal distribution function, Phi(z) = erfc(-z / sqrt 2) / 2, with erfc from Abramowitz & Stegun
/// 7.1.26 (absolute error below 1.5e-7).
fn phi(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// The probability that a point's true outcome lies beyond `threshold` (see the module's header).
pub fn weight(e: &Interval, direction: Direction, threshold: f64) -> f64 {
    // Distance beyond the threshold, positive when the estimate is on the case side.
    let d = match direction {
        Direction::Above => e.value - threshold,
        Direction::Below => threshold - e.value,
    };
    // The interval's half on the threshold's side.
    let toward = if e.value >= threshold {
        e.value - e.ci_low
    } else {
        e.ci_high - e.value
    };
    let se = toward.max(0.0) / 1.959_964;
    if se.is_nan() || se <= 0.0 {
        return if d > 0.0 {
            1.0
        } else if d < 0.0 {
            0.0
        } else {
            0.5
        };
    }
    phi(d / se)
}

/// A box: closed bounds per parameter, in the parameter's units.
pub type Bounds = Vec<(f64, f64)>;

/// One box of the peeling trajectory.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: usize,
    pub points: usize,
    #[serde(serialize_with = "rounded")]
    pub support: f64,
    #[serde(serialize_with = "rounded")]
    pub coverage: f64,
    #[serde(serialize_with = "rounded")]
    pub density: f64,
    #[serde(skip)]
    pub bounds: Bounds,
}

/// One parameter's range in the chosen box.
#[derive(Clone, Debug, Serialize)]
pub struct Limit {
    pub parameter: String,
    #[serde(serialize_with = "rounded")]
    pub lower: f64,
    #[serde(serialize_with = "rounded")]
    pub upper: f64,
    /// Whether the box narrows this parameter's swept range.
    pub restricted: bool,
}

/// What `realign discover` found: discover.json.
#[derive(Clone, Debug, Serialize)]
pub struct Discovery {
    pub sweep: String,
    pub outcome: String,
    pub direction: Direction,
    #[serde(serialize_with = "rounded")]
    pub threshold: f64,
    pub weights: &'static str,
    pub points: usize,
    /// Expected number of cases of interest: the sum of the weights.
    #[serde(serialize_with = "rounded")]
    pub expected_cases: f64,
    #[serde(serialize_with = "rounded")]
    pub alpha: f64,
    #[serde(serialize_with = "rounded")]
    pub min_support: f64,
    #[serde(serialize_with = "rounded")]
    pub min_density: f64,
    /// The trajectory step the box was taken from (before pasting).
    pub chosen_step: usize,
    /// Whether `--box` chose it.
    pub chosen_by_flag: bool,
    /// Points the pasting added to the chosen step's box.
    pub pasted_points: usize,
    pub box_points: usize,
    #[serde(serialize_with = "rounded")]
    pub support: f64,
    #[serde(serialize_with = "rounded_interval")]
    pub coverage: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub density: Interval,
    pub bootstrap: usize,
    pub bootstrap_resamples: &'static str,
    pub limits: Vec<Limit>,
    pub trajectory: Vec<Step>,
}

impl Discovery {
    pub fn restricted(&self) -> impl Iterator<Item = &Limit> {
        self.limits.iter().filter(|l| l.restricted)
    }
}

fn inside(x: &[f64], b: &Bounds) -> bool {
    x.iter().zip(b).all(|(v, (lo, hi))| *v >= *lo && *v <= *hi)
}

/// Bounds shrunk to the points inside (the smallest and largest value of each parameter among them).
fn tight(pts: &[&[f64]], members: &[usize], d: usize) -> Bounds {
    (0..d)
        .map(|j| {
            members
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                    (lo.min(pts[i][j]), hi.max(pts[i][j]))
                })
        })
        .collect()
}

/// Quantile q of sorted values (Hyndman & Fan type 7).
fn mean_weight(members: &[usize], w: &[f64]) -> f64 {
    members.iter().map(|&i| w[i]).sum::<f64>() / members.len() as f64
}

/// The peeling trajectory from the box holding every point.
// `j` indexes a parameter across every point, not one slice.
#[allow(clippy::needless_range_loop)]
pub fn peel(pts: &[&[f64]], w: &[f64]) -> Vec<(Vec<usize>, Bounds)> {
    let n = pts.len();
    let d = pts.first().map_or(0, |p| p.len());
    let min_points = ((MIN_SUPPORT * n as f64).ceil() as usize).max(1);
    let mut members: Vec<usize> = (0..n).collect();
    let mut out = vec![(members.clone(), tight(pts, &members, d))];
    loop {
        let mut best: Option<(f64, Vec<usize>)> = None;
        for j in 0..d {
            let mut v: Vec<f64> = members.iter().map(|&i| pts[i][j]).collect();
            v.sort_by(f64::total_cmp);
            for lower in [true, false] {
                let kept: Vec<usize> = if lower {
                    let q = crate::sweep::analysis::quantile(&v, ALPHA);
                    members.iter().copied().filter(|&i| pts[i][j] > q).collect()
                } else {
                    let q = crate::sweep::analysis::quantile(&v, 1.0 - ALPHA);
                    members.iter().copied().filter(|&i| pts[i][j] < q).collect()
                };
                if kept.len() < min_points || kept.len() == members.len() {
                    continue;
                }
                let m = mean_weight(&kept, w);
                if best.as_ref().is_none_or(|(b, _)| m > *b) {
                    best = Some((m, kept));
                }
            }
        }
        match best {
            Some((_, kept)) => {
                members = kept;
                out.push((members.clone(), tight(pts, &members, d)));
            }
            None => return out,
        }
    }
}

/// Pasting (Friedman & Fisher 1999, section 5): widens one side of one parameter to take in about an alpha-share
/// more points, the widening that raises the mean weight most, while some widening does.
#[allow(clippy::needless_range_loop)]
pub fn paste(pts: &[&[f64]], w: &[f64], start: &Bounds) -> Bounds {
    let d = start.len();
    let mut b = start.clone();
    loop {
        let members: Vec<usize> = (0..pts.len()).filter(|&i| inside(pts[i], &b)).collect();
        let current = mean_weight(&members, w);
        let step = ((ALPHA * members.len() as f64).ceil() as usize).max(1);
        let mut best: Option<(f64, Bounds)> = None;
        for j in 0..d {
            for lower in [true, false] {
                // Points outside the box in parameter j alone, on this side, nearest first.
                let mut cand: Vec<f64> = (0..pts.len())
                    .filter(|&i| {
                        let x = pts[i];
                        (if lower { x[j] < b[j].0 } else { x[j] > b[j].1 })
                            && (0..d).all(|k| k == j || (x[k] >= b[k].0 && x[k] <= b[k].1))
                    })
                    .map(|i| pts[i][j])
                    .collect();
                if cand.is_empty() {
                    continue;
                }
                cand.sort_by(f64::total_cmp);
                if lower {
                    cand.reverse();
                }
                let edge = cand[(step - 1).min(cand.len() - 1)];
                let mut nb = b.clone();
                if lower {
                    nb[j].0 = edge;
                } else {
                    nb[j].1 = edge;
                }
                let m: Vec<usize> = (0..pts.len()).filter(|&i| inside(pts[i], &nb)).collect();
                let mw = mean_weight(&m, w);
                if mw > current && best.as_ref().is_none_or(|(x, _)| mw > *x) {
                    best = Some((mw, nb));
                }
            }
        }
        match best {
            Some((_, nb)) => b = nb,
            None => return b,
        }
    }
}

/// Percentile 95% interval of the finite `reps` around `value` (the sweep indices' bootstrap interval).
fn percentile(value: f64, mut reps: Vec<f64>) -> Interval {
    reps.retain(|x| x.is_finite());
    crate::sweep::analysis::interval(value, reps)
}

/// PRIM on `table` for the cases beyond `threshold`; `chosen` is `--box K`.
pub fn discover(
    table: &Table,
    direction: Direction,
    threshold: f64,
    chosen: Option<usize>,
) -> Result<Discovery, DiscoverError> {
    let (low, high) = if table.probability {
        (0.0, 1.0)
    } else {
        (-1.0, 1.0)
    };
    if !(low..=high).contains(&threshold) {
        return Err(DiscoverError::Threshold {
            value: threshold,
            low,
            high,
        });
    }
    let n = table.points.len();
    if n < 2 {
        return Err(DiscoverError::TooFewPoints { points: n });
    }
    let w: Vec<f64> = table
        .points
        .iter()
        .map(|p| weight(&p.estimate, direction, threshold))
        .collect();
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(DiscoverError::NoCases);
    }
    let pts: Vec<&[f64]> = table.points.iter().map(|p| p.values.as_slice()).collect();
    let path = peel(&pts, &w);
    let trajectory: Vec<Step> = path
        .iter()
        .enumerate()
        .map(|(step, (m, b))| Step {
            step,
            points: m.len(),
            support: m.len() as f64 / n as f64,
            coverage: m.iter().map(|&i| w[i]).sum::<f64>() / total,
            density: mean_weight(m, &w),
            bounds: b.clone(),
        })
        .collect();
    let chosen_step = match chosen {
        Some(k) if k >= trajectory.len() => {
            return Err(DiscoverError::BoxOutOfRange {
                k,
                last: trajectory.len() - 1,
            });
        }
        Some(k) => k,
        None => trajectory
            .iter()
            .position(|s| s.density >= MIN_DENSITY)
            .unwrap_or_else(|| {
                // The densest step (the first of equals).
                trajectory.iter().enumerate().fold(0, |best, (i, s)| {
                    if s.density > trajectory[best].density {
                        i
                    } else {
                        best
                    }
                })
            }),
    };
    let peeled = &trajectory[chosen_step];
    let pasted = paste(&pts, &w, &peeled.bounds);
    let members: Vec<usize> = (0..n).filter(|&i| inside(pts[i], &pasted)).collect();
    let bounds = tight(&pts, &members, pts[0].len());
    let in_box: Vec<bool> = (0..n).map(|i| inside(pts[i], &bounds)).collect();
    let coverage = members.iter().map(|&i| w[i]).sum::<f64>() / total;
    let density = mean_weight(&members, &w);
    // The bootstrap: points drawn with replacement, each drawn point a case with probability its weight.
    let mut rng = ChaCha8Rng::seed_from_u64(table.seed ^ BOOTSTRAP_KEY);
    let (mut cov_reps, mut den_reps) =
        (Vec::with_capacity(BOOTSTRAP), Vec::with_capacity(BOOTSTRAP));
    for _ in 0..BOOTSTRAP {
        let (mut cases, mut cases_in, mut drawn_in) = (0u64, 0u64, 0u64);
        for _ in 0..n {
            let i = rng.random_range(0..n);
            let case = rng.random::<f64>() < w[i];
            cases += case as u64;
            if in_box[i] {
                drawn_in += 1;
                cases_in += case as u64;
            }
        }
        cov_reps.push(if cases > 0 {
            cases_in as f64 / cases as f64
        } else {
            f64::NAN
        });
        den_reps.push(if drawn_in > 0 {
            cases_in as f64 / drawn_in as f64
        } else {
            f64::NAN
        });
    }
    let full = &trajectory[0].bounds;
    let limits = table
        .parameters
        .iter()
        .zip(bounds.iter().zip(full))
        .map(|(p, (b, f))| Limit {
            parameter: p.clone(),
            lower: b.0,
            upper: b.1,
            restricted: b.0 > f.0 || b.1 < f.1,
        })
        .collect();
    Ok(Discovery {
        sweep: table.sweep.clone(),
        outcome: table.outcome.clone(),
        direction,
        threshold,
        weights: "P(true outcome beyond the threshold): normal approximation, standard error from the point's 95% interval (Wilson for events, Student for alignments) on the threshold's side",
        points: n,
        expected_cases: total,
        alpha: ALPHA,
        min_support: MIN_SUPPORT,
        min_density: MIN_DENSITY,
        chosen_step,
        chosen_by_flag: chosen.is_some(),
        pasted_points: members.len() - peeled.points,
        box_points: members.len(),
        support: members.len() as f64 / n as f64,
        coverage: percentile(coverage, cov_reps),
        density: percentile(density, den_reps),
        bootstrap: BOOTSTRAP,
        bootstrap_resamples: "the sweep's points with replacement, and each drawn point's case status from its weight; the box's bounds fixed",
        limits,
        trajectory,
    })
}

/// discover.json, the command's completion marker.
pub fn discover_json(d: &Discovery) -> Vec<u8> {
    crate::output::json_bytes(d)
}

/// trajectory.csv: one row per peeling step: `step,points,support,coverage,density`, then `<param>_lower` and
/// `<param>_upper` for every parameter (the box's bounds, in the parameter's units).
pub fn trajectory_csv(d: &Discovery) -> Vec<u8> {
    let mut w = crate::output::csv_writer();
    let mut header: Vec<String> = ["step", "points", "support", "coverage", "density"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for l in &d.limits {
        header.push(format!("{}_lower", l.parameter));
        header.push(format!("{}_upper", l.parameter));
    }
    w.write_record(&header).expect("in-memory csv");
    for s in &d.trajectory {
        let mut rec = vec![
            s.step.to_string(),
            s.points.to_string(),
            num(s.support),
            num(s.coverage),
            num(s.density),
        ];
        for b in &s.bounds {
            rec.push(num(b.0));
            rec.push(num(b.1));
        }
        w.write_record(&rec).expect("in-memory csv");
    }
    crate::output::csv_bytes(w)
}

/// box.csv: the chosen (pasted) box, one row per parameter: `parameter,lower,upper,restricted` (units of the
/// parameter; `restricted` is false where the box spans the whole swept range).
pub fn box_csv(d: &Discovery) -> Vec<u8> {
    let mut w = crate::output::csv_writer();
    w.write_record(["parameter", "lower", "upper", "restricted"])
        .expect("in-memory csv");
    for l in &d.limits {
        w.write_record([
            l.parameter.clone(),
            num(l.lower),
            num(l.upper),
            l.restricted.to_string(),
        ])
        .expect("in-memory csv");
    }
    crate::output::csv_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_matches_known_values() {
        // Phi(0) = 0.5, Phi(1.959964) = 0.975, Phi(-1) = 0.158655 (tables), within A&S's 1.5e-7.
        assert!((phi(0.0) - 0.5).abs() < 1e-7);
        assert!((phi(1.959_964) - 0.975).abs() < 2e-7);
        assert!((phi(-1.0) - 0.158_655_25).abs() < 2e-7);
    }

    #[test]
    fn weight_is_half_at_the_threshold_and_flips_with_direction() {
        let e = Interval {
            value: 0.3,
            ci_low: 0.2,
            ci_high: 0.4,
        };
        assert!((weight(&e, Direction::Above, 0.3) - 0.5).abs() < 1e-7);
        // One standard error (0.1 / 1.96) above the threshold: Phi(1) = 0.841345.
        let t = 0.3 - 0.1 / 1.959_964;
        assert!((weight(&e, Direction::Above, t) - 0.841_345).abs() < 1e-5);
        assert!((weight(&e, Direction::Below, t) - 0.158_655).abs() < 1e-5);
    }
}
