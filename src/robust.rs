//! Robust decision making on a finished sweep: `realign robust SWEEP_DIR --outcome EVENT (--maximize|--minimize)
//! [--threshold P]`. The sweep marks some parameters `role = "lever"` (what a government can choose) and the rest
//! are uncertainties; each combination of the levers' values is a setting, each combination of the uncertainties'
//! values a future, and the design evaluates every setting in every future (policies x scenarios, as the EMA
//! Workbench has it).
//!
//! Per setting: the outcome's distribution across futures (mean, 5/50/95th percentiles by linear interpolation,
//! min, max); regret per future, r(s, f) = |best over settings in f - y(s, f)| (best the highest under
//! `--maximize`, the lowest under `--minimize`), summarised by its maximum and mean; and with `--threshold P`, the
//! satisficing score, the share of futures where y(s, f) >= P (`--maximize`) or <= P (`--minimize`). The most
//! robust setting under minimax regret has the smallest maximum regret (ties: smaller mean regret, then the first);
//! under satisficing the highest score (ties: smaller maximum regret, then the first).
//!
//! Intervals: a parametric bootstrap, `BOOTSTRAP` resamples from a ChaCha8 keyed on the sweep's seed and
//! `BOOTSTRAP_KEY`. Each resample redraws every point's estimate from a normal with its estimate as mean and the
//! standard error its 95% interval gives (half its width / 1.96; clamped to the outcome's range), the replicates'
//! noise; and, for mean regret and satisficing, draws the futures with replacement, the finite sample of futures.
//! Maximum regret keeps the sweep's own futures (the maximum over a resample of futures would be biased low).
//! Percentile 95% intervals. Why this rather than paired differences: sweep.csv keeps each point's estimate and
//! interval, not its replicates, so the pairing that common random numbers give cannot be rebuilt from a finished
//! sweep; drawing the points' noise independently ignores that positive correlation, so intervals on regret (a
//! difference of two settings in one future) are wider than paired ones would be: conservative. Noise also makes
//! some regret on its own (the best in a noisy future is often a lucky draw), so a setting whose regret is 0 may
//! have an interval above 0.
//!
//! Files: robust.csv (one row per setting, in the sweep's order: `setting`, one column per lever, `futures`,
//! `mean`, `p5`, `p50`, `p95`, `min`, `max`, `max_regret` and `mean_regret` with `_ci_low`/`_ci_high`,
//! `satisficing` with its interval (empty without a threshold), `rank_regret`, `rank_satisficing` (1 = most
//! robust; empty without a threshold)); robust.json (the same plus the method, written last: the completion
//! marker).

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::discover::{self, DiscoverError, Table};
use crate::output::{num, rounded, rounded_interval};
use crate::stats::Interval;

/// Bootstrap resamples for the intervals.
pub const BOOTSTRAP: usize = 1000;
/// Keys the bootstrap's ChaCha8 apart from any other use of the sweep's seed ("robust" in ASCII).
const BOOTSTRAP_KEY: u64 = 0x726f_6275_7374;

#[derive(Debug, thiserror::Error)]
pub enum RobustError {
    #[error(transparent)]
    Sweep(#[from] DiscoverError),
    #[error("{}: the sweep marks no lever: mark the parameters a government can choose with role = \"lever\" in the sweep file and run it again", .dir.display())]
    NoLevers { dir: PathBuf },
    #[error("{}: every parameter of the sweep is a lever: robustness needs at least one uncertainty (a parameter without role = \"lever\") to make futures", .dir.display())]
    NoUncertainties { dir: PathBuf },
    #[error("give exactly one of --maximize and --minimize")]
    Direction,
    #[error("--threshold {value} is not a number in [{low}, {high}]")]
    Threshold { value: f64, low: f64, high: f64 },
    #[error("{}: {message}", .path.display())]
    Malformed { path: PathBuf, message: String },
    #[error(
        "setting {setting} has no point in future {future}: robustness needs every lever setting in every future (a sweep whose file marks its levers crosses them)"
    )]
    Incomplete { setting: String, future: String },
    #[error("setting {setting} appears twice in future {future}")]
    Duplicate { setting: String, future: String },
}

/// Whether more of the outcome is better.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    Maximize,
    Minimize,
}

impl Goal {
    pub fn from_flags(maximize: bool, minimize: bool) -> Result<Goal, RobustError> {
        match (maximize, minimize) {
            (true, false) => Ok(Goal::Maximize),
            (false, true) => Ok(Goal::Minimize),
            _ => Err(RobustError::Direction),
        }
    }
    /// Regret of `y` against `best` (never negative).
    fn regret(self, best: f64, y: f64) -> f64 {
        match self {
            Goal::Maximize => (best - y).max(0.0),
            Goal::Minimize => (y - best).max(0.0),
        }
    }
    fn better(self, a: f64, b: f64) -> bool {
        match self {
            Goal::Maximize => a > b,
            Goal::Minimize => a < b,
        }
    }
    fn meets(self, y: f64, threshold: f64) -> bool {
        match self {
            Goal::Maximize => y >= threshold,
            Goal::Minimize => y <= threshold,
        }
    }
}

/// The outcome's spread across futures for one setting (point estimates).
#[derive(Clone, Debug, Serialize)]
pub struct Distribution {
    #[serde(serialize_with = "rounded")]
    pub mean: f64,
    #[serde(serialize_with = "rounded")]
    pub p5: f64,
    #[serde(serialize_with = "rounded")]
    pub p50: f64,
    #[serde(serialize_with = "rounded")]
    pub p95: f64,
    #[serde(serialize_with = "rounded")]
    pub min: f64,
    #[serde(serialize_with = "rounded")]
    pub max: f64,
}

/// One lever setting's robustness.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    /// The levers' values, in the order of `Robustness::levers`.
    pub values: Vec<f64>,
    /// "engagement=0.5 w_west=1.5": the last part of each lever's key path with its value.
    pub label: String,
    pub distribution: Distribution,
    #[serde(serialize_with = "rounded_interval")]
    pub max_regret: Interval,
    #[serde(serialize_with = "rounded_interval")]
    pub mean_regret: Interval,
    /// Share of futures meeting the threshold (absent without `--threshold`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisficing: Option<Interval>,
    /// Share of bootstrap resamples in which this setting has the smallest maximum regret.
    #[serde(serialize_with = "rounded")]
    pub minimax_share: f64,
    /// 1 = the smallest maximum regret.
    pub rank_regret: usize,
    /// 1 = the highest satisficing score (absent without `--threshold`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_satisficing: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Robustness {
    pub sweep: String,
    pub outcome: String,
    pub goal: Goal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    pub levers: Vec<String>,
    pub uncertainties: Vec<String>,
    pub futures: usize,
    pub bootstrap: usize,
    pub method: &'static str,
    pub settings: Vec<Setting>,
    /// Index into `settings` of the most robust setting under minimax regret.
    pub most_robust_regret: usize,
    /// Index into `settings` of the most robust setting under satisficing (absent without `--threshold`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_robust_satisficing: Option<usize>,
    /// Whether the outcome is a probability (else an alignment in [-1, 1]).
    #[serde(skip)]
    pub probability: bool,
}

const METHOD: &str = "parametric bootstrap: each point redrawn from a normal with its estimate and the standard error of its 95% interval (replicate noise, drawn independently: conservative under common random numbers); futures drawn with replacement for mean regret and satisficing; percentile 95% intervals";

/// The levers a finished sweep recorded in its analysis.json (`levers`, absent when none).
pub fn read_levers(dir: &Path) -> Result<Vec<String>, RobustError> {
    let path = dir.join("analysis.json");
    let bad = |message: String| RobustError::Malformed {
        path: path.clone(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    match v.get("levers") {
        None => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("\"levers\" holds a value that is not a string".into()))
            })
            .collect(),
        Some(_) => Err(bad("\"levers\" is not a list".into())),
    }
}

/// The default output folder: `SWEEP_DIR/robust-<outcome>` (the label's `:` becomes `-`).
pub fn default_dir(sweep_dir: &Path, label: &str) -> PathBuf {
    let d = discover::default_dir(sweep_dir, label);
    let name = d
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("discover-");
    sweep_dir.join(format!(
        "robust-{}",
        &name["discover-".len().min(name.len())..]
    ))
}

/// Linear-interpolation percentile (type 7) of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn label_of(keys: &[String], values: &[f64]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{}={}", k.rsplit('.').next().unwrap_or(k), num(*v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The estimates laid out as y[setting][future], with the settings' and futures' values in order of first
/// appearance in sweep.csv.
struct Layout {
    settings: Vec<Vec<f64>>,
    futures: Vec<Vec<f64>>,
    y: Vec<Vec<Interval>>,
}

fn layout(
    t: &Table,
    lever_cols: &[usize],
    unc_cols: &[usize],
    levers: &[String],
    unc: &[String],
) -> Result<Layout, RobustError> {
    let mut settings: Vec<Vec<f64>> = Vec::new();
    let mut futures: Vec<Vec<f64>> = Vec::new();
    let mut cells: Vec<(usize, usize, Interval)> = Vec::new();
    let index =
        |list: &mut Vec<Vec<f64>>, v: Vec<f64>| match list.iter().position(|x| bits(x) == bits(&v))
        {
            Some(i) => i,
            None => {
                list.push(v);
                list.len() - 1
            }
        };
    for p in &t.points {
        let s = index(
            &mut settings,
            lever_cols.iter().map(|&c| p.values[c]).collect(),
        );
        let f = index(
            &mut futures,
            unc_cols.iter().map(|&c| p.values[c]).collect(),
        );
        cells.push((s, f, p.estimate));
    }
    let mut y: Vec<Vec<Option<Interval>>> = vec![vec![None; futures.len()]; settings.len()];
    for (s, f, e) in cells {
        if y[s][f].is_some() {
            return Err(RobustError::Duplicate {
                setting: label_of(levers, &settings[s]),
                future: label_of(unc, &futures[f]),
            });
        }
        y[s][f] = Some(e);
    }
    let y = y
        .into_iter()
        .enumerate()
        .map(|(s, row)| {
            row.into_iter()
                .enumerate()
                .map(|(f, e)| {
                    e.ok_or_else(|| RobustError::Incomplete {
                        setting: label_of(levers, &settings[s]),
                        future: label_of(unc, &futures[f]),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Layout {
        settings,
        futures,
        y,
    })
}

/// Per setting: maximum regret, mean regret and satisficing share over the futures `fs` (indices, repeats allowed).
fn criteria(
    y: &[Vec<f64>],
    fs: &[usize],
    goal: Goal,
    threshold: Option<f64>,
) -> Vec<(f64, f64, f64)> {
    let n = y.len();
    let mut out = vec![(0.0f64, 0.0f64, 0.0f64); n];
    for &f in fs {
        let best = (0..n)
            .map(|s| y[s][f])
            .fold(y[0][f], |b, v| if goal.better(v, b) { v } else { b });
        for s in 0..n {
            let r = goal.regret(best, y[s][f]);
            out[s].0 = out[s].0.max(r);
            out[s].1 += r;
            if let Some(p) = threshold
                && goal.meets(y[s][f], p)
            {
                out[s].2 += 1.0;
            }
        }
    }
    let m = fs.len().max(1) as f64;
    for o in &mut out {
        o.1 /= m;
        o.2 /= m;
    }
    out
}

/// The first index with the smallest key (keys compared as printed, so the file and the mark agree).
fn best_by(n: usize, key: impl Fn(usize) -> (f64, f64)) -> usize {
    let k = |i: usize| {
        let (a, b) = key(i);
        (crate::output::round6(a), crate::output::round6(b))
    };
    (0..n).fold(0, |b, i| if k(i) < k(b) { i } else { b })
}

fn ranks(n: usize, key: impl Fn(usize) -> (f64, f64)) -> Vec<usize> {
    let k = |i: usize| {
        let (a, b) = key(i);
        (crate::output::round6(a), crate::output::round6(b))
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        k(a).partial_cmp(&k(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut rank = vec![0; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

fn pct_interval(value: f64, mut reps: Vec<f64>) -> Interval {
    reps.sort_by(f64::total_cmp);
    Interval {
        value,
        ci_low: percentile(&reps, 0.025),
        ci_high: percentile(&reps, 0.975),
    }
}

/// Reads the finished sweep in `dir` and computes the robustness of each lever setting for outcome `label`.
pub fn load_and_assess(
    dir: &Path,
    label: &str,
    goal: Goal,
    threshold: Option<f64>,
) -> Result<Robustness, RobustError> {
    let t = discover::load(dir, label)?;
    let (low, high) = if t.probability {
        (0.0, 1.0)
    } else {
        (-1.0, 1.0)
    };
    if let Some(p) = threshold
        && !(p >= low && p <= high)
    {
        return Err(RobustError::Threshold {
            value: p,
            low,
            high,
        });
    }
    let levers = read_levers(dir)?;
    let analysis = dir.join("analysis.json");
    // `discover::load` held the parameters and outcomes to these characters; the levers are read here.
    for name in &levers {
        if !crate::discover::plain_name(name) {
            return Err(RobustError::Malformed {
                path: analysis.clone(),
                message: format!("{name:?} is not a key path realign writes"),
            });
        }
    }
    if levers.is_empty() {
        return Err(RobustError::NoLevers {
            dir: dir.to_path_buf(),
        });
    }
    let mut lever_cols = Vec::new();
    for l in &levers {
        match t.parameters.iter().position(|p| p == l) {
            Some(c) => lever_cols.push(c),
            None => {
                return Err(RobustError::Malformed {
                    path: analysis,
                    message: format!("lever {l:?} is not one of the sweep's parameters"),
                });
            }
        }
    }
    let unc_cols: Vec<usize> = (0..t.parameters.len())
        .filter(|c| !lever_cols.contains(c))
        .collect();
    if unc_cols.is_empty() {
        return Err(RobustError::NoUncertainties {
            dir: dir.to_path_buf(),
        });
    }
    let uncertainties: Vec<String> = unc_cols.iter().map(|&c| t.parameters[c].clone()).collect();
    let l = layout(&t, &lever_cols, &unc_cols, &levers, &uncertainties)?;
    Ok(assess(
        &t,
        &levers,
        uncertainties,
        l,
        goal,
        threshold,
        low,
        high,
    ))
}

#[allow(clippy::too_many_arguments)]
fn assess(
    t: &Table,
    levers: &[String],
    uncertainties: Vec<String>,
    l: Layout,
    goal: Goal,
    threshold: Option<f64>,
    low: f64,
    high: f64,
) -> Robustness {
    let (n, m) = (l.settings.len(), l.futures.len());
    let y: Vec<Vec<f64>> =
        l.y.iter()
            .map(|row| row.iter().map(|e| e.value).collect())
            .collect();
    let all: Vec<usize> = (0..m).collect();
    let point = criteria(&y, &all, goal, threshold);
    // Bootstrap: per resample, the noisy table, then max regret on all futures, mean regret and satisficing on a
    // resample of futures. Draws in a fixed order: m futures' indices, then n x m normals.
    let mut rng = ChaCha8Rng::seed_from_u64(t.seed ^ BOOTSTRAP_KEY);
    let mut reps: Vec<[Vec<f64>; 3]> = (0..n)
        .map(|_| [Vec::new(), Vec::new(), Vec::new()])
        .collect();
    let mut minimax_wins = vec![0usize; n];
    let se: Vec<Vec<f64>> =
        l.y.iter()
            .map(|row| {
                row.iter()
                    .map(|e| (e.ci_high - e.ci_low).max(0.0) / (2.0 * crate::stats::Z95))
                    .collect()
            })
            .collect();
    for _ in 0..BOOTSTRAP {
        let fs: Vec<usize> = (0..m).map(|_| rng.random_range(0..m)).collect();
        let noisy: Vec<Vec<f64>> = (0..n)
            .map(|s| {
                (0..m)
                    .map(|f| {
                        let z: f64 = rng.sample(crate::arith::StandardNormal);
                        (y[s][f] + z * se[s][f]).clamp(low, high)
                    })
                    .collect()
            })
            .collect();
        let fixed = criteria(&noisy, &all, goal, threshold);
        let resampled = criteria(&noisy, &fs, goal, threshold);
        for s in 0..n {
            reps[s][0].push(fixed[s].0);
            reps[s][1].push(resampled[s].1);
            reps[s][2].push(resampled[s].2);
        }
        minimax_wins[best_by(n, |s| (fixed[s].0, fixed[s].1))] += 1;
    }
    let rank_regret = ranks(n, |s| (point[s].0, point[s].1));
    let rank_sat = threshold.map(|_| ranks(n, |s| (-point[s].2, point[s].0)));
    let settings = (0..n)
        .map(|s| {
            let mut sorted = y[s].clone();
            sorted.sort_by(f64::total_cmp);
            let [max_r, mean_r, sat] = std::mem::take(&mut reps[s]);
            Setting {
                values: l.settings[s].clone(),
                label: label_of(levers, &l.settings[s]),
                distribution: Distribution {
                    mean: y[s].iter().sum::<f64>() / m as f64,
                    p5: percentile(&sorted, 0.05),
                    p50: percentile(&sorted, 0.5),
                    p95: percentile(&sorted, 0.95),
                    min: sorted[0],
                    max: sorted[m - 1],
                },
                max_regret: pct_interval(point[s].0, max_r),
                mean_regret: pct_interval(point[s].1, mean_r),
                satisficing: threshold.map(|_| pct_interval(point[s].2, sat)),
                minimax_share: minimax_wins[s] as f64 / BOOTSTRAP as f64,
                rank_regret: rank_regret[s],
                rank_satisficing: rank_sat.as_ref().map(|r| r[s]),
            }
        })
        .collect::<Vec<_>>();
    let most_robust_regret = best_by(n, |s| (point[s].0, point[s].1));
    let most_robust_satisficing = threshold.map(|_| best_by(n, |s| (-point[s].2, point[s].0)));
    Robustness {
        sweep: t.sweep.clone(),
        outcome: t.outcome.clone(),
        goal,
        threshold,
        levers: levers.to_vec(),
        uncertainties,
        futures: m,
        bootstrap: BOOTSTRAP,
        method: METHOD,
        settings,
        most_robust_regret,
        most_robust_satisficing,
        probability: t.probability,
    }
}

pub fn robust_json(r: &Robustness) -> Vec<u8> {
    crate::output::json_bytes(r)
}

pub fn robust_csv(r: &Robustness) -> Vec<u8> {
    let mut w = crate::output::csv_writer();
    let mut header = vec!["setting".to_string()];
    header.extend(r.levers.iter().cloned());
    header.extend(
        [
            "futures",
            "mean",
            "p5",
            "p50",
            "p95",
            "min",
            "max",
            "max_regret",
            "max_regret_ci_low",
            "max_regret_ci_high",
            "mean_regret",
            "mean_regret_ci_low",
            "mean_regret_ci_high",
            "satisficing",
            "satisficing_ci_low",
            "satisficing_ci_high",
            "minimax_share",
            "rank_regret",
            "rank_satisficing",
        ]
        .map(str::to_string),
    );
    w.write_record(&header).expect("in-memory csv");
    for (i, s) in r.settings.iter().enumerate() {
        let mut rec = vec![i.to_string()];
        rec.extend(s.values.iter().map(|v| num(*v)));
        let d = &s.distribution;
        rec.push(r.futures.to_string());
        rec.extend([d.mean, d.p5, d.p50, d.p95, d.min, d.max].map(num));
        for iv in [s.max_regret, s.mean_regret] {
            rec.extend([iv.value, iv.ci_low, iv.ci_high].map(num));
        }
        match s.satisficing {
            Some(iv) => rec.extend([iv.value, iv.ci_low, iv.ci_high].map(num)),
            None => rec.extend([String::new(), String::new(), String::new()]),
        }
        rec.push(num(s.minimax_share));
        rec.push(s.rank_regret.to_string());
        rec.push(s.rank_satisficing.map_or(String::new(), |r| r.to_string()));
        w.write_record(&rec).expect("in-memory csv");
    }
    crate::output::csv_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.0);
        assert!((percentile(&v, 0.05) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn regret_and_satisficing_by_hand() {
        // Two settings, three futures; maximise.
        let y = vec![vec![0.5, 0.2, 0.9], vec![0.4, 0.6, 0.8]];
        let c = criteria(&y, &[0, 1, 2], Goal::Maximize, Some(0.45));
        // Setting 0: regrets 0, 0.4, 0 -> max 0.4, mean 0.1333; meets 0.45 in futures 0 and 2.
        assert!((c[0].0 - 0.4).abs() < 1e-12 && (c[0].1 - 0.4 / 3.0).abs() < 1e-12);
        assert!((c[0].2 - 2.0 / 3.0).abs() < 1e-12);
        // Setting 1: regrets 0.1, 0, 0.1 -> max 0.1, mean 0.0667; meets in futures 1 and 2.
        assert!((c[1].0 - 0.1).abs() < 1e-12 && (c[1].1 - 0.2 / 3.0).abs() < 1e-12);
    }
}
