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

use rand::distr::Distribution;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::fans::normal_cdf as phi;
use crate::output::{num, rounded, rounded_interval};
use crate::stats::{Interval, Z95};

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
    #[error("{}: no such folder: give a folder written by `realign sweep` or `realign merge`", .dir.display())]
    NoSuchDir { dir: PathBuf },
    #[error("unknown --method {value:?}: give prim, cart or both")]
    Method { value: String },
    #[error("--depth {value}: give a tree depth from 1 to {MAX_DEPTH}")]
    Depth { value: usize },
    #[error("--min-leaf {value}: give at least 1 point per leaf")]
    MinLeaf { value: usize },
}

/// Which boxes `realign discover` looks for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Prim,
    Cart,
    Both,
}

impl Method {
    pub fn parse(s: &str) -> Result<Method, DiscoverError> {
        match s {
            "prim" => Ok(Method::Prim),
            "cart" => Ok(Method::Cart),
            "both" => Ok(Method::Both),
            _ => Err(DiscoverError::Method {
                value: s.to_string(),
            }),
        }
    }
    fn prim(self) -> bool {
        self != Method::Cart
    }
    fn cart(self) -> bool {
        self != Method::Prim
    }
}

/// The deepest classification tree `--depth` allows (2^10 leaves: far more than any sweep's points support).
pub const MAX_DEPTH: usize = 10;

/// What the command was asked for besides the outcome and threshold.
#[derive(Clone, Debug)]
pub struct Options {
    pub method: Method,
    /// `--box K`: the PRIM peeling step to take the box from.
    pub chosen: Option<usize>,
    /// `--depth`: the classification tree's largest depth.
    pub max_depth: usize,
    /// `--min-leaf`: the fewest sweep points a tree leaf may hold.
    pub min_leaf: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            method: Method::Both,
            chosen: None,
            max_depth: 3,
            min_leaf: 5,
        }
    }
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
    if !dir.is_dir() {
        return Err(DiscoverError::NoSuchDir {
            dir: dir.to_path_buf(),
        });
    }
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
    // Parameter names go to the terminal, the charts and the report: a tampered folder must not put control
    // characters or markup there.
    if let Some(name) = parameters.iter().find(|p| !plain_name(p)) {
        return Err(bad(
            &analysis_path,
            &format!("parameter {name:?} is not a key path realign writes"),
        ));
    }
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
    // Outcome names are printed when the one asked for is not among them: held to the same characters.
    if let Some(name) = known.iter().find(|k| !plain_name(k)) {
        return Err(bad(
            &analysis_path,
            &format!("outcome {name:?} is not a name realign writes"),
        ));
    }
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

/// A name read back from a sweep folder goes into the terminal, charts, tables and reports: hold it to the
/// characters key paths use (actor names included).
pub fn plain_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | ':'))
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
    let se = toward.max(0.0) / Z95;
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

/// The peeling trajectory: each step's members and bounds.
type PeelPath = Vec<(Vec<usize>, Bounds)>;

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

/// What `realign discover` found: discover.json. The PRIM fields sit at the top level (absent with `--method
/// cart`), `cart` holds the classification tree (absent with `--method prim`) and `replicates_needed` the box's
/// stability against the replicates per point (with PRIM).
#[derive(Clone, Debug, Serialize)]
pub struct Discovery {
    pub sweep: String,
    pub outcome: String,
    pub direction: Direction,
    #[serde(serialize_with = "rounded")]
    pub threshold: f64,
    pub method: Method,
    pub weights: &'static str,
    pub points: usize,
    /// Expected number of cases of interest: the sum of the weights.
    #[serde(serialize_with = "rounded")]
    pub expected_cases: f64,
    pub bootstrap: usize,
    pub bootstrap_resamples: &'static str,
    #[serde(flatten)]
    pub prim: Option<Prim>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart: Option<Cart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicates_needed: Option<Stability>,
}

/// PRIM's box and trajectory.
#[derive(Clone, Debug, Serialize)]
pub struct Prim {
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
    pub limits: Vec<Limit>,
    pub trajectory: Vec<Step>,
}

impl Prim {
    pub fn restricted(&self) -> impl Iterator<Item = &Limit> {
        self.limits.iter().filter(|l| l.restricted)
    }
}

/// One leaf of the classification tree, as a box.
#[derive(Clone, Debug, Serialize)]
pub struct Leaf {
    pub leaf: usize,
    /// The splits leading to the leaf, in the parameters' units (`every point` for a tree with no split).
    pub rule: String,
    /// Whether most of the leaf's weight is cases of interest (mean weight above 0.5): the tree's prediction.
    pub of_interest: bool,
    pub points: usize,
    #[serde(serialize_with = "rounded")]
    pub support: f64,
    #[serde(serialize_with = "rounded_interval")]
    pub coverage: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub density: Interval,
    /// The leaf's points' smallest and largest value of each parameter.
    pub limits: Vec<Limit>,
}

impl Leaf {
    pub fn restricted(&self) -> impl Iterator<Item = &Limit> {
        self.limits.iter().filter(|l| l.restricted)
    }
}

/// CART: a classification tree on the swept parameters with noise-aware labels.
#[derive(Clone, Debug, Serialize)]
pub struct Cart {
    pub max_depth: usize,
    pub min_leaf: usize,
    pub labels: &'static str,
    pub leaves: Vec<Leaf>,
    /// How stable the leaves of interest are against the replicates per point (absent when no leaf is of
    /// interest: there is then no region to hold steady).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicates_needed: Option<Stability>,
}

impl Cart {
    pub fn of_interest(&self) -> impl Iterator<Item = &Leaf> {
        self.leaves.iter().filter(|l| l.of_interest)
    }
}

/// The stability of the PRIM box (or of CART's leaves of interest) at one number of replicates per point.
#[derive(Clone, Debug, Serialize)]
pub struct Level {
    #[serde(serialize_with = "rounded")]
    pub fraction: f64,
    /// The median point's replicates at this fraction.
    pub replicates: u64,
    /// Share of re-simulated sweeps whose box is stable, with its Wilson 95% interval.
    #[serde(serialize_with = "rounded_interval")]
    pub stable: Interval,
    #[serde(serialize_with = "rounded")]
    pub mean_jaccard: f64,
}

/// How many replicates per point the PRIM box (or CART's leaves of interest) needs to be stable.
#[derive(Clone, Debug, Serialize)]
pub struct Stability {
    pub method: &'static str,
    pub resamples: usize,
    #[serde(serialize_with = "rounded")]
    pub jaccard_tolerance: f64,
    #[serde(serialize_with = "rounded")]
    pub stable_share: f64,
    /// The median point's replicates in the sweep.
    pub sweep_replicates: u64,
    pub levels: Vec<Level>,
    /// The fewest replicates per point (median point) from which every level tested is stable; None when even the
    /// sweep's own replicates are not enough.
    pub needed: Option<u64>,
    /// Replicates of the levels the verdict rests on whose share's 95% interval holds the criterion (empty: the
    /// verdict is clear): there more re-simulations, or more replicates, could move it.
    pub borderline: Vec<u64>,
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

/// A fixed box's coverage and density with their bootstrap intervals: `BOOTSTRAP` resamples, each drawing the
/// points with replacement and each drawn point a case with probability its weight.
fn box_intervals(w: &[f64], in_box: &[bool], rng: &mut ChaCha8Rng) -> (Interval, Interval) {
    let n = w.len();
    let total: f64 = w.iter().sum();
    let (inside_w, inside_n) = w
        .iter()
        .zip(in_box)
        .filter(|(_, b)| **b)
        .fold((0.0, 0usize), |(s, k), (x, _)| (s + x, k + 1));
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
    (
        percentile(inside_w / total, cov_reps),
        percentile(inside_w / inside_n.max(1) as f64, den_reps),
    )
}

/// Each parameter's range in `bounds` and whether it narrows the swept range `full`.
fn limits(parameters: &[String], bounds: &Bounds, full: &Bounds) -> Vec<Limit> {
    parameters
        .iter()
        .zip(bounds.iter().zip(full))
        .map(|(p, (b, f))| Limit {
            parameter: p.clone(),
            lower: b.0,
            upper: b.1,
            restricted: b.0 > f.0 || b.1 < f.1,
        })
        .collect()
}

/// The trajectory step PRIM takes its box from: `chosen`, else the first (largest) with density at least
/// `MIN_DENSITY`, else the densest (the first of equals).
fn choose(densities: &[f64], chosen: Option<usize>) -> usize {
    match chosen {
        Some(k) => k.min(densities.len() - 1),
        None => {
            densities
                .iter()
                .position(|d| *d >= MIN_DENSITY)
                .unwrap_or_else(|| {
                    densities.iter().enumerate().fold(0, |best, (i, d)| {
                        if *d > densities[best] { i } else { best }
                    })
                })
        }
    }
}

/// The outcome's range: thresholds and re-simulated estimates stay inside it.
fn range(table: &Table) -> (f64, f64) {
    if table.probability {
        (0.0, 1.0)
    } else {
        (-1.0, 1.0)
    }
}

/// Scenario discovery on `table` for the cases beyond `threshold`, with the methods and limits of `opts`.
pub fn discover(
    table: &Table,
    direction: Direction,
    threshold: f64,
    opts: &Options,
) -> Result<Discovery, DiscoverError> {
    let (low, high) = range(table);
    if !(low..=high).contains(&threshold) {
        return Err(DiscoverError::Threshold {
            value: threshold,
            low,
            high,
        });
    }
    if !(1..=MAX_DEPTH).contains(&opts.max_depth) {
        return Err(DiscoverError::Depth {
            value: opts.max_depth,
        });
    }
    if opts.min_leaf == 0 {
        return Err(DiscoverError::MinLeaf {
            value: opts.min_leaf,
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
    let (prim, replicates_needed) = if opts.method.prim() {
        let p = prim(table, &pts, &w, opts.chosen)?;
        let bounds: Bounds = p.limits.iter().map(|l| (l.lower, l.upper)).collect();
        let reference: Vec<bool> = pts.iter().map(|x| inside(x, &bounds)).collect();
        let chosen = opts.chosen;
        let s = stability(
            table,
            direction,
            threshold,
            &reference,
            (STABILITY_KEY, PRIM_STABILITY),
            |pts, w| {
                let (_, _, members) = prim_box(pts, w, chosen);
                let mut region = vec![false; pts.len()];
                for i in members {
                    region[i] = true;
                }
                region
            },
        );
        (Some(p), Some(s))
    } else {
        (None, None)
    };
    let cart = opts.method.cart().then(|| {
        let (depth, min_leaf) = (opts.max_depth, opts.min_leaf);
        let (mut c, reference) = cart(table, &pts, &w, depth, min_leaf);
        if reference.iter().any(|&r| r) {
            c.replicates_needed = Some(stability(
                table,
                direction,
                threshold,
                &reference,
                (CART_STABILITY_KEY, CART_STABILITY),
                |pts, w| flagged(&tree(pts, w, depth, min_leaf), w, pts.len()),
            ));
        }
        c
    });
    Ok(Discovery {
        sweep: table.sweep.clone(),
        outcome: table.outcome.clone(),
        direction,
        threshold,
        method: opts.method,
        weights: "P(true outcome beyond the threshold): normal approximation, standard error from the point's 95% interval (Wilson for events, Student for alignments) on the threshold's side",
        points: n,
        expected_cases: total,
        bootstrap: BOOTSTRAP,
        bootstrap_resamples: "the sweep's points with replacement, and each drawn point's case status from its weight; the box's bounds fixed",
        prim,
        cart,
        replicates_needed,
    })
}

/// PRIM's trajectory and members of the pasted box from the chosen step; also the step.
fn prim_box(pts: &[&[f64]], w: &[f64], chosen: Option<usize>) -> (PeelPath, usize, Vec<usize>) {
    let path = peel(pts, w);
    let densities: Vec<f64> = path.iter().map(|(m, _)| mean_weight(m, w)).collect();
    let step = choose(&densities, chosen);
    let pasted = paste(pts, w, &path[step].1);
    let members: Vec<usize> = (0..pts.len())
        .filter(|&i| inside(pts[i], &pasted))
        .collect();
    (path, step, members)
}

/// PRIM (see the module's header); `chosen` is `--box K`.
fn prim(
    table: &Table,
    pts: &[&[f64]],
    w: &[f64],
    chosen: Option<usize>,
) -> Result<Prim, DiscoverError> {
    let n = pts.len();
    let total: f64 = w.iter().sum();
    let d = pts[0].len();
    let path = peel(pts, w);
    if let Some(k) = chosen
        && k >= path.len()
    {
        return Err(DiscoverError::BoxOutOfRange {
            k,
            last: path.len() - 1,
        });
    }
    let (path, chosen_step, members) = prim_box(pts, w, chosen);
    let trajectory: Vec<Step> = path
        .iter()
        .enumerate()
        .map(|(step, (m, b))| Step {
            step,
            points: m.len(),
            support: m.len() as f64 / n as f64,
            coverage: m.iter().map(|&i| w[i]).sum::<f64>() / total,
            density: mean_weight(m, w),
            bounds: b.clone(),
        })
        .collect();
    let bounds = tight(pts, &members, d);
    let in_box: Vec<bool> = (0..n).map(|i| inside(pts[i], &bounds)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(table.seed ^ BOOTSTRAP_KEY);
    let (coverage, density) = box_intervals(w, &in_box, &mut rng);
    Ok(Prim {
        alpha: ALPHA,
        min_support: MIN_SUPPORT,
        min_density: MIN_DENSITY,
        chosen_step,
        chosen_by_flag: chosen.is_some(),
        pasted_points: members.len() - trajectory[chosen_step].points,
        box_points: members.len(),
        support: members.len() as f64 / n as f64,
        coverage,
        density,
        limits: limits(&table.parameters, &bounds, &trajectory[0].bounds),
        trajectory,
    })
}

/// Keys the CART leaves' bootstrap apart from PRIM's ("cart" in ASCII); leaf k uses stream k.
const CART_KEY: u64 = 0x6361_7274;

/// One split on the way to a leaf: parameter, `true` for `x <= t` (else `x > t`), t.
type Split = (usize, bool, f64);

/// Twice the weighted Gini impurity of a node times its size: 2 c (n - c) / n, with c the node's case weight.
fn gini(c: f64, n: f64) -> f64 {
    if n <= 0.0 { 0.0 } else { 2.0 * c * (n - c) / n }
}

/// Grows the tree from `members` depth-first (the `<=` side first), pushing each leaf with its splits.
// `j` indexes a parameter across every point, not one slice.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn grow(
    pts: &[&[f64]],
    w: &[f64],
    members: Vec<usize>,
    depth: usize,
    max_depth: usize,
    min_leaf: usize,
    splits: Vec<Split>,
    leaves: &mut Vec<(Vec<usize>, Vec<Split>)>,
) {
    let d = pts[0].len();
    let n = members.len();
    let c: f64 = members.iter().map(|&i| w[i]).sum();
    let parent = gini(c, n as f64);
    let mut best: Option<(f64, usize, f64)> = None;
    if depth < max_depth && n >= 2 * min_leaf {
        for j in 0..d {
            let mut order = members.clone();
            order.sort_by(|&a, &b| pts[a][j].total_cmp(&pts[b][j]));
            let mut left_c = 0.0;
            for k in 0..n - 1 {
                left_c += w[order[k]];
                let (x, next) = (pts[order[k]][j], pts[order[k + 1]][j]);
                let left_n = k + 1;
                if x == next || left_n < min_leaf || n - left_n < min_leaf {
                    continue;
                }
                let imp = gini(left_c, left_n as f64) + gini(c - left_c, (n - left_n) as f64);
                if best.is_none_or(|(b, _, _)| imp < b) {
                    best = Some((imp, j, (x + next) / 2.0));
                }
            }
        }
    }
    // A split must lower the impurity by more than rounding.
    match best {
        Some((imp, j, t)) if parent - imp > 1e-9 => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                members.iter().partition(|&&i| pts[i][j] <= t);
            let mut ls = splits.clone();
            ls.push((j, true, t));
            grow(pts, w, left, depth + 1, max_depth, min_leaf, ls, leaves);
            let mut rs = splits;
            rs.push((j, false, t));
            grow(pts, w, right, depth + 1, max_depth, min_leaf, rs, leaves);
        }
        _ => leaves.push((members, splits)),
    }
}

/// A leaf's splits merged per parameter: `a < p <= b`, `p <= b` or `p > a`, joined by "and".
fn rule(parameters: &[String], splits: &[Split]) -> String {
    let mut parts = Vec::new();
    for (j, name) in parameters.iter().enumerate() {
        let above = splits
            .iter()
            .filter(|s| s.0 == j && !s.1)
            .map(|s| s.2)
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))));
        let below = splits
            .iter()
            .filter(|s| s.0 == j && s.1)
            .map(|s| s.2)
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.min(t))));
        match (above, below) {
            (Some(a), Some(b)) => parts.push(format!("{} < {name} <= {}", num(a), num(b))),
            (None, Some(b)) => parts.push(format!("{name} <= {}", num(b))),
            (Some(a), None) => parts.push(format!("{name} > {}", num(a))),
            (None, None) => {}
        }
    }
    if parts.is_empty() {
        "every point".into()
    } else {
        parts.join(" and ")
    }
}

/// CART (Breiman et al. 1984) with noise-aware labels: each point counts as a case with mass its weight and as a
/// non-case with mass 1 - weight; splits minimise the weighted Gini impurity, at midpoints between neighbouring
/// values, each side keeping at least `min_leaf` points, down to `max_depth`.
fn cart(
    table: &Table,
    pts: &[&[f64]],
    w: &[f64],
    max_depth: usize,
    min_leaf: usize,
) -> (Cart, Vec<bool>) {
    let n = pts.len();
    let d = pts[0].len();
    let raw = tree(pts, w, max_depth, min_leaf);
    let all: Vec<usize> = (0..n).collect();
    let full = tight(pts, &all, d);
    let leaves = raw
        .iter()
        .enumerate()
        .map(|(k, (members, splits))| {
            let bounds = tight(pts, members, d);
            let in_box: Vec<bool> = (0..n).map(|i| inside(pts[i], &bounds)).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(table.seed ^ CART_KEY);
            rng.set_stream(k as u64);
            let (coverage, density) = box_intervals(w, &in_box, &mut rng);
            Leaf {
                leaf: k,
                rule: rule(&table.parameters, splits),
                of_interest: mean_weight(members, w) > 0.5,
                points: members.len(),
                support: members.len() as f64 / n as f64,
                coverage,
                density,
                limits: limits(&table.parameters, &bounds, &full),
            }
        })
        .collect();
    let cart = Cart {
        max_depth,
        min_leaf,
        labels: "each point a case with mass its weight and a non-case with mass 1 - weight; splits minimise the weighted Gini impurity",
        leaves,
        replicates_needed: None,
    };
    (cart, flagged(&raw, w, n))
}

/// The classification tree's leaves: each leaf's points and the splits leading to it.
fn tree(
    pts: &[&[f64]],
    w: &[f64],
    max_depth: usize,
    min_leaf: usize,
) -> Vec<(Vec<usize>, Vec<Split>)> {
    let mut leaves = Vec::new();
    grow(
        pts,
        w,
        (0..pts.len()).collect(),
        0,
        max_depth,
        min_leaf,
        Vec::new(),
        &mut leaves,
    );
    leaves
}

/// The points in the leaves of interest (mean weight above 0.5, as [`Leaf::of_interest`]): the region the tree
/// flags.
fn flagged(leaves: &[(Vec<usize>, Vec<Split>)], w: &[f64], n: usize) -> Vec<bool> {
    let mut region = vec![false; n];
    for (members, _) in leaves {
        if mean_weight(members, w) > 0.5 {
            for &i in members {
                region[i] = true;
            }
        }
    }
    region
}

/// Re-simulated sweeps per replicate level.
pub const STABILITY_RESAMPLES: usize = 200;
/// A re-simulated box is stable when it shares at least this share of its points with the chosen box (Jaccard:
/// points in both over points in either).
pub const STABLE_JACCARD: f64 = 0.7;
/// The box is stable at a replicate level when at least this share of the re-simulated sweeps give a stable box.
pub const STABLE_SHARE: f64 = 0.8;
/// The replicate levels tried, as shares of each point's own replicates.
pub const REPLICATE_FRACTIONS: [f64; 4] = [0.125, 0.25, 0.5, 1.0];
/// Keys the re-simulated sweeps apart from the bootstraps ("stable" in ASCII); resample b of level l is stream
/// l * STABILITY_RESAMPLES + b.
const STABILITY_KEY: u64 = 0x7374_6162_6c65;
/// The same for CART's leaves ("cstable"), so that PRIM's re-simulations stay what they were.
const CART_STABILITY_KEY: u64 = 0x63_7374_6162_6c65;
const PRIM_STABILITY: &str = "each point's estimate re-drawn from a normal around it with its interval widened by sqrt(r / r_f), the weights recomputed and PRIM rerun; stable: the box shares at least the Jaccard tolerance of its points with the chosen box";
const CART_STABILITY: &str = "each point's estimate re-drawn from a normal around it with its interval widened by sqrt(r / r_f), the weights recomputed and the tree regrown; stable: the points in its leaves of interest share at least the Jaccard tolerance with this tree's";

/// How stable a region the method finds (PRIM's box, CART's leaves of interest) is against the replicates per
/// point. At each level f of `REPLICATE_FRACTIONS`, each point's interval is widened by sqrt(r / r_f) (r_f = f r, at
/// least 1: a standard error shrinks as the square root of the replicates); a re-simulated sweep draws each point's
/// estimate from a normal around its estimate with that wider standard error (each side's own), computes the
/// weights again and finds the region again with `region(points, weights)` (PRIM: the same step rule and pasting;
/// CART: the same depth and leaf size). The share of re-simulated sweeps whose region shares at least
/// `STABLE_JACCARD` of its points with `reference` is the level's stability; the replicates needed are the fewest
/// from which every level tried reaches `STABLE_SHARE`. `(key, method)`: the re-simulations' stream key and how they
/// are described in discover.json.
fn stability(
    table: &Table,
    direction: Direction,
    threshold: f64,
    reference: &[bool],
    (key, method): (u64, &'static str),
    region: impl Fn(&[&[f64]], &[f64]) -> Vec<bool> + Sync,
) -> Stability {
    use rayon::prelude::*;
    let (low, high) = range(table);
    let pts: Vec<&[f64]> = table.points.iter().map(|p| p.values.as_slice()).collect();
    let n = pts.len();
    let mut reps: Vec<u64> = table.points.iter().map(|p| p.replicates).collect();
    reps.sort_unstable();
    let median = reps[(reps.len() - 1) / 2];
    let levels: Vec<Level> = REPLICATE_FRACTIONS
        .iter()
        .enumerate()
        .map(|(l, &f)| {
            let jaccards: Vec<f64> = (0..STABILITY_RESAMPLES)
                .into_par_iter()
                .map(|b| {
                    let mut rng = ChaCha8Rng::seed_from_u64(table.seed ^ key);
                    rng.set_stream((l * STABILITY_RESAMPLES + b) as u64);
                    let w: Vec<f64> = table
                        .points
                        .iter()
                        .map(|pt| {
                            let r = pt.replicates.max(1);
                            let rf = ((f * r as f64).round() as u64).max(1);
                            let k = (r as f64 / rf as f64).sqrt();
                            let e = &pt.estimate;
                            let (lo_half, hi_half) = (
                                (e.value - e.ci_low).max(0.0) * k,
                                (e.ci_high - e.value).max(0.0) * k,
                            );
                            let z: f64 = crate::arith::StandardNormal.sample(&mut rng);
                            let side = if z < 0.0 { lo_half } else { hi_half };
                            let v = (e.value + z * side / Z95).clamp(low, high);
                            let sim = Interval {
                                value: v,
                                ci_low: v - lo_half,
                                ci_high: v + hi_half,
                            };
                            weight(&sim, direction, threshold)
                        })
                        .collect();
                    if w.iter().sum::<f64>() <= 0.0 {
                        return 0.0;
                    }
                    let in_sim = region(&pts, &w);
                    let both = (0..n).filter(|&i| in_sim[i] && reference[i]).count();
                    let either = (0..n).filter(|&i| in_sim[i] || reference[i]).count();
                    both as f64 / either.max(1) as f64
                })
                .collect();
            let stable = jaccards.iter().filter(|j| **j >= STABLE_JACCARD).count() as u64;
            Level {
                fraction: f,
                replicates: ((f * median as f64).round() as u64).max(1),
                stable: Interval::wilson(stable, STABILITY_RESAMPLES as u64),
                mean_jaccard: jaccards.iter().sum::<f64>() / jaccards.len() as f64,
            }
        })
        .collect();
    // The fewest replicates from which every level tried is stable.
    let from =
        (0..levels.len()).find(|&i| levels[i..].iter().all(|l| l.stable.value >= STABLE_SHARE));
    let needed = from.map(|i| levels[i].replicates);
    let borderline = borderline_levels(&levels, from);
    Stability {
        method,
        resamples: STABILITY_RESAMPLES,
        jaccard_tolerance: STABLE_JACCARD,
        stable_share: STABLE_SHARE,
        sweep_replicates: median,
        levels,
        needed,
        borderline,
    }
}

/// The levels the verdict rests on whose share's 95% interval holds `STABLE_SHARE`: the verdict compares estimates
/// with the criterion, and there the re-simulations' own luck could have put the estimate on the other side. The
/// verdict rests on the levels from `from` up (each counted stable) and the one below it (counted unstable); with
/// no level from which all are stable (`from` None), on the sweep's own level.
fn borderline_levels(levels: &[Level], from: Option<usize>) -> Vec<u64> {
    let deciding = match from {
        Some(i) => i.saturating_sub(1)..levels.len(),
        None => levels.len().saturating_sub(1)..levels.len(),
    };
    levels[deciding]
        .iter()
        .filter(|l| l.stable.ci_low < STABLE_SHARE && STABLE_SHARE <= l.stable.ci_high)
        .map(|l| l.replicates)
        .collect()
}

/// `a`, `a and b`, `a, b and c`: a list of numbers for a sentence.
pub fn list_and(xs: &[u64]) -> String {
    let words: Vec<String> = xs.iter().map(u64::to_string).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// discover.json, the command's completion marker.
pub fn discover_json(d: &Discovery) -> Vec<u8> {
    crate::output::json_bytes(d)
}

/// trajectory.csv: one row per peeling step: `step,points,support,coverage,density`, then `<param>_lower` and
/// `<param>_upper` for every parameter (the box's bounds, in the parameter's units).
pub fn trajectory_csv(d: &Prim) -> Vec<u8> {
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
pub fn box_csv(d: &Prim) -> Vec<u8> {
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

/// cart.csv: one row per tree leaf: `leaf,of_interest,points,support,coverage,coverage_ci_low,coverage_ci_high,
/// density,density_ci_low,density_ci_high`, then `<param>_lower` and `<param>_upper` for every parameter (the
/// smallest and largest value among the leaf's points, in the parameter's units), then `rule` (the splits).
pub fn cart_csv(c: &Cart, parameters: &[String]) -> Vec<u8> {
    let mut w = crate::output::csv_writer();
    let mut header: Vec<String> = [
        "leaf",
        "of_interest",
        "points",
        "support",
        "coverage",
        "coverage_ci_low",
        "coverage_ci_high",
        "density",
        "density_ci_low",
        "density_ci_high",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in parameters {
        header.push(format!("{p}_lower"));
        header.push(format!("{p}_upper"));
    }
    header.push("rule".into());
    w.write_record(&header).expect("in-memory csv");
    for l in &c.leaves {
        let (cv, dn) = (l.coverage.rounded(), l.density.rounded());
        let mut rec = vec![
            l.leaf.to_string(),
            l.of_interest.to_string(),
            l.points.to_string(),
            num(l.support),
            num(cv.value),
            num(cv.ci_low),
            num(cv.ci_high),
            num(dn.value),
            num(dn.ci_low),
            num(dn.ci_high),
        ];
        for b in &l.limits {
            rec.push(num(b.lower));
            rec.push(num(b.upper));
        }
        rec.push(l.rule.clone());
        w.write_record(&rec).expect("in-memory csv");
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
    fn borderline_levels_are_those_the_verdict_rests_on_whose_interval_holds_the_criterion() {
        let level = |replicates: u64, value: f64, ci_low: f64, ci_high: f64| Level {
            fraction: 1.0,
            replicates,
            stable: Interval {
                value,
                ci_low,
                ci_high,
            },
            mean_jaccard: 0.0,
        };
        // Clear: stable from 50, the level below clearly not, those above clearly stable.
        let clear = [
            level(25, 0.5, 0.43, 0.57),
            level(50, 0.9, 0.85, 0.94),
            level(100, 0.95, 0.91, 0.97),
        ];
        assert!(borderline_levels(&clear, Some(1)).is_empty());
        // The level below the verdict and one above it straddle 80%; a straddling level further down does not
        // decide anything.
        let close = [
            level(25, 0.79, 0.73, 0.84),
            level(50, 0.78, 0.72, 0.83),
            level(100, 0.82, 0.76, 0.87),
            level(200, 0.9, 0.85, 0.94),
        ];
        assert_eq!(borderline_levels(&close, Some(2)), vec![50, 100]);
        // No verdict of stability: the sweep's own level decides.
        assert_eq!(borderline_levels(&close[..2], None), vec![50]);
        assert_eq!(list_and(&[]), "");
        assert_eq!(list_and(&[5]), "5");
        assert_eq!(list_and(&[5, 6]), "5 and 6");
        assert_eq!(list_and(&[5, 6, 7]), "5, 6 and 7");
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
