//! The driver fans calibrated by backtest on pre-vantage data (issue 11, point 8; docs/DRIVERS.md).
//!
//! A rolling backtest of the model's own oil and rouble processes ([`crate::model::drivers`]): from every month
//! (the origin) it starts the process at that month's realised values, with the parameters a forecaster could
//! have known then, and checks whether the 90% fan of each of the next 1..=36 months holds the realised value.
//! Nothing dated after the vantage month (2014-12) is read: data beyond it are cut before anything is computed.
//!
//! What is set at each origin t (everything else is the parameter set under test):
//! - oil start = the monthly average of t; rouble start = the month-end rate of t;
//! - the oil long-run level = the geometric mean of the monthly averages of the last [`Scheme::long_run_window`]
//!   months up to t (fewer at the start of the data);
//! - the oil start volatility = the realised volatility of daily log returns in month t, times sqrt(2/3) for
//!   monthly averages, but never below the long-run volatility (a stand-in for the implied volatility, which is not
//!   in the data before 2007; at the vantage date the parameter carries the OVX instead).
//!
//! The free process is Gaussian in logs, so the fans are exact: mean +- 1.645 s.d. of [`drivers::moments`]. No
//! random numbers are drawn except by [`below_share`], which simulates the process with the model's own steps
//! and a fixed seed.
//!
//! Reading files is left to the caller: the parsers here take the files' text.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::arith::{StandardNormal, exp, ln};
use crate::model::Params;
use crate::model::drivers::{self, Consts};

/// A calendar month as year * 12 + (month - 1).
pub type MonthIndex = i32;

/// The vantage month, 2014-12: the last month a backtest target or a parameter may come from.
pub const VANTAGE: MonthIndex = 2014 * 12 + 11;

/// z of the two-sided 90% interval of a normal variable.
pub const Z90: f64 = 1.644_853_626_951_472_2;

/// Horizon bands reported, in months (inclusive).
pub const BANDS: [(usize, usize); 4] = [(1, 3), (4, 12), (13, 24), (25, 36)];

/// Trading days per year, to annualise the volatility of daily returns.
const TRADING_DAYS_PER_YEAR: f64 = 252.0;

/// Months per year.
const MONTHS_PER_YEAR: f64 = 12.0;

/// A data file that cannot be used, with the line where it goes wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FansError {
    #[error("{file}:{line}: {what}")]
    Line {
        file: String,
        line: usize,
        what: String,
    },
    #[error("{file}: {what}")]
    File { file: String, what: String },
}

/// "YYYY-MM" (or the month of "YYYY-MM-DD") as a [`MonthIndex`].
pub fn parse_month(text: &str) -> Option<MonthIndex> {
    let (y, rest) = text.split_once('-')?;
    let m = rest.get(..2)?;
    if y.len() != 4 || !(rest.len() == 2 || rest.as_bytes().get(2) == Some(&b'-')) {
        return None;
    }
    let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// A [`MonthIndex`] as "YYYY-MM".
pub fn month_text(m: MonthIndex) -> String {
    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// A series with one positive value per consecutive month.
#[derive(Clone, Debug, PartialEq)]
pub struct Monthly {
    pub first: MonthIndex,
    pub values: Vec<f64>,
}

impl Monthly {
    pub fn last(&self) -> MonthIndex {
        self.first + self.values.len() as i32 - 1
    }
    pub fn get(&self, m: MonthIndex) -> Option<f64> {
        usize::try_from(m - self.first)
            .ok()
            .and_then(|i| self.values.get(i).copied())
    }
    /// The months from `from` to `to` (inclusive) the series covers, as logs.
    pub fn logs(&self, from: MonthIndex, to: MonthIndex) -> Vec<f64> {
        (from.max(self.first)..=to.min(self.last()))
            .filter_map(|m| self.get(m).map(ln))
            .collect()
    }
    /// The series without months after `last`.
    pub fn until(&self, last: MonthIndex) -> Monthly {
        let keep = usize::try_from(last - self.first + 1).unwrap_or(0);
        Monthly {
            first: self.first,
            values: self.values.iter().copied().take(keep).collect(),
        }
    }
}

/// One CSV's rows after its header, with their line numbers, split on commas (no quoted commas before `column`).
fn rows<'a>(
    text: &'a str,
    file: &'a str,
    column: &'a str,
) -> Result<(usize, impl Iterator<Item = (usize, Vec<&'a str>)>), FansError> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h).unwrap_or("");
    let index = header
        .split(',')
        .position(|c| c.trim() == column)
        .ok_or_else(|| FansError::File {
            file: file.to_string(),
            what: format!("no column `{column}` in the header `{}`", header.trim()),
        })?;
    Ok((
        index,
        lines
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l.split(',').map(str::trim).collect())),
    ))
}

fn positive(v: &str, file: &str, line: usize) -> Result<f64, FansError> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(FansError::Line {
            file: file.to_string(),
            line,
            what: format!("`{v}` is not a positive number"),
        }),
    }
}

/// A monthly CSV (first column `month` as YYYY-MM, months consecutive) and its column `column`.
pub fn parse_monthly(text: &str, file: &str, column: &str) -> Result<Monthly, FansError> {
    let (index, rows) = rows(text, file, column)?;
    let mut out: Option<Monthly> = None;
    for (line, cells) in rows {
        let bad = |what: String| FansError::Line {
            file: file.to_string(),
            line,
            what,
        };
        let m = cells
            .first()
            .and_then(|c| parse_month(c))
            .ok_or_else(|| bad("the first field is not a month YYYY-MM".into()))?;
        let v = positive(cells.get(index).copied().unwrap_or(""), file, line)?;
        match &mut out {
            None => {
                out = Some(Monthly {
                    first: m,
                    values: vec![v],
                })
            }
            Some(s) if m == s.last() + 1 => s.values.push(v),
            Some(s) => {
                return Err(bad(format!(
                    "month {} follows {}; months must be consecutive",
                    month_text(m),
                    month_text(s.last())
                )));
            }
        }
    }
    out.ok_or_else(|| FansError::File {
        file: file.to_string(),
        what: "no data rows".into(),
    })
}

/// A daily CSV (first column a date YYYY-MM-DD, in order) and its column `column`: (month, value) per row.
pub fn parse_daily(
    text: &str,
    file: &str,
    column: &str,
) -> Result<Vec<(MonthIndex, f64)>, FansError> {
    let (index, rows) = rows(text, file, column)?;
    let mut out: Vec<(MonthIndex, f64)> = Vec::new();
    let mut last_date = String::new();
    for (line, cells) in rows {
        let date = cells.first().copied().unwrap_or("");
        let m = parse_month(date)
            .filter(|_| date.len() == 10 && date > last_date.as_str())
            .ok_or_else(|| FansError::Line {
                file: file.to_string(),
                line,
                what: format!("`{date}` is not a date YYYY-MM-DD after the previous row's"),
            })?;
        last_date = date.to_string();
        out.push((
            m,
            positive(cells.get(index).copied().unwrap_or(""), file, line)?,
        ));
    }
    Ok(out)
}

/// Sample standard deviation (n - 1); NaN with fewer than two values.
pub fn sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Differences of lag `h`: `x[i + h] - x[i]`.
pub fn changes(xs: &[f64], h: usize) -> Vec<f64> {
    xs.iter().skip(h).zip(xs).map(|(b, a)| b - a).collect()
}

/// Least-squares slope of y on x.
pub fn slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// Annualised s.d. of the monthly log changes of `series` over months `from..=to`.
pub fn monthly_volatility(series: &Monthly, from: MonthIndex, to: MonthIndex) -> f64 {
    sd(&changes(&series.logs(from, to), 1)) * MONTHS_PER_YEAR.sqrt()
}

/// Per month of `months`, the annualised volatility of the daily log returns dated in that month (each return
/// from the previous trading day, which may lie in the month before); NaN where a month has fewer than 2 returns.
pub fn realised_volatility(daily: &[(MonthIndex, f64)], months: &Monthly) -> Vec<f64> {
    let mut by_month: Vec<Vec<f64>> = vec![Vec::new(); months.values.len()];
    for pair in daily.windows(2) {
        let (m, v) = pair[1];
        if let Ok(i) = usize::try_from(m - months.first)
            && let Some(slot) = by_month.get_mut(i)
        {
            slot.push(ln(v) - ln(pair[0].1));
        }
    }
    by_month
        .iter()
        .map(|r| {
            if r.len() < 2 {
                f64::NAN
            } else {
                sd(r) * TRADING_DAYS_PER_YEAR.sqrt()
            }
        })
        .collect()
}

/// The pull s in (0, 1) at which the model's variance of an h-month change of an AR(1) deviation started at 0,
/// sigma^2 (1 - (1-s)^(2h)) / (1 - (1-s)^2), is `ratio` times the random walk's h sigma^2 (bisection; `ratio` of 1
/// or more gives 0).
pub fn pull_from_variance_ratio(ratio: f64, h: usize) -> f64 {
    let model_ratio = |s: f64| {
        let k2 = (1.0 - s) * (1.0 - s);
        (1.0 - k2.powi(h as i32)) / (1.0 - k2) / h as f64
    };
    if ratio >= 1.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (1e-9, 1.0 - 1e-9);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if model_ratio(mid) > ratio {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The data of the backtest, each cut at the vantage month.
#[derive(Clone, Debug)]
pub struct Data {
    /// Brent monthly averages (USD/bbl).
    pub oil: Monthly,
    /// Annualised realised volatility of daily Brent log returns in each month of `oil` (NaN where unknown).
    pub oil_realised_vol: Vec<f64>,
    /// CBR month-end rate (RUB/USD, redenominated).
    pub rub: Monthly,
}

impl Data {
    /// Checks the series and cuts them at [`VANTAGE`]: the oil months must start by `scheme`'s first origins and
    /// both must reach the vantage month.
    pub fn new(
        oil: Monthly,
        daily_oil: &[(MonthIndex, f64)],
        rub: Monthly,
        scheme: &Scheme,
    ) -> Result<Data, FansError> {
        let (oil, rub) = (oil.until(VANTAGE), rub.until(VANTAGE));
        for (name, s, first) in [
            ("oil", &oil, scheme.oil_origins.0),
            ("rouble", &rub, scheme.rub_origins.0),
        ] {
            if s.values.is_empty() || s.first > first || s.last() < VANTAGE {
                return Err(FansError::File {
                    file: name.to_string(),
                    what: format!(
                        "the {name} series must cover {} .. {} (it covers {} .. {})",
                        month_text(first),
                        month_text(VANTAGE),
                        month_text(s.first),
                        month_text(s.last()),
                    ),
                });
            }
        }
        if rub.first < oil.first {
            return Err(FansError::File {
                file: "rouble".into(),
                what: "the rouble series starts before the oil series".into(),
            });
        }
        let daily: Vec<(MonthIndex, f64)> = daily_oil
            .iter()
            .copied()
            .filter(|(m, _)| *m <= VANTAGE)
            .collect();
        let oil_realised_vol = realised_volatility(&daily, &oil);
        Ok(Data {
            oil,
            oil_realised_vol,
            rub,
        })
    }
}

/// How the backtest sets what a forecaster knew at each origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheme {
    /// First and last origin of the oil backtest.
    pub oil_origins: (MonthIndex, MonthIndex),
    /// First and last origin of the rouble backtest.
    pub rub_origins: (MonthIndex, MonthIndex),
    /// Months in the trailing window whose geometric mean is the oil long-run level.
    pub long_run_window: usize,
    /// Longest horizon, in months.
    pub max_horizon: usize,
    /// Start the oil volatility at the origin's realised volatility (scaled to monthly averages); otherwise at
    /// the parameter set's long-run volatility (no term structure).
    pub realised_start_volatility: bool,
}

impl Default for Scheme {
    /// Oil origins 1990-01 .. 2014-11; rouble origins 1999-01 .. 2014-11 (docs/DRIVERS.md argues the sample);
    /// a 36-month trailing long-run level; horizons 1..=36; the realised-volatility term structure.
    fn default() -> Scheme {
        Scheme {
            oil_origins: (1990 * 12, VANTAGE - 1),
            rub_origins: (1999 * 12, VANTAGE - 1),
            long_run_window: 36,
            max_horizon: 36,
            realised_start_volatility: true,
        }
    }
}

/// Hits of the 90% fan and targets, by horizon (index h - 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    pub hits: Vec<u64>,
    pub targets: Vec<u64>,
}

impl Coverage {
    fn new(max_horizon: usize) -> Coverage {
        Coverage {
            hits: vec![0; max_horizon],
            targets: vec![0; max_horizon],
        }
    }
    /// (hits, targets) over horizons lo..=hi.
    pub fn band(&self, lo: usize, hi: usize) -> (u64, u64) {
        let hi = hi.min(self.hits.len());
        let sum = |v: &[u64]| v[lo.max(1) - 1..hi].iter().sum::<u64>();
        (sum(&self.hits), sum(&self.targets))
    }
    /// Share of the targets within the fan over horizons lo..=hi.
    pub fn share(&self, lo: usize, hi: usize) -> f64 {
        let (h, n) = self.band(lo, hi);
        h as f64 / n as f64
    }
    /// Share over every horizon.
    pub fn overall(&self) -> f64 {
        self.share(1, self.hits.len())
    }
}

/// The backtest's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Backtest {
    pub oil: Coverage,
    pub rub: Coverage,
    /// Share of the realised values below the fan (the rest of the misses are above it), oil and rouble.
    pub below: (f64, f64),
}

/// The parameters a forecaster at origin `t` uses: `p` with the starting values, the long-run level and the start
/// volatility of month t.
pub fn params_at(p: &Params, data: &Data, scheme: &Scheme, t: MonthIndex) -> Option<Params> {
    let oil = data.oil.get(t)?;
    let window = data.oil.logs(t + 1 - scheme.long_run_window as i32, t);
    let long_run = exp(window.iter().sum::<f64>() / window.len() as f64);
    let realised = data
        .oil_realised_vol
        .get(usize::try_from(t - data.oil.first).ok()?)
        .copied()
        .filter(|v| v.is_finite());
    let start_vol = match (scheme.realised_start_volatility, realised) {
        (true, Some(v)) => (v * (2.0f64 / 3.0).sqrt()).max(p.oil_volatility_annual),
        _ => p.oil_volatility_annual,
    };
    Some(Params {
        oil_start_usd_per_bbl: oil,
        oil_long_run_usd_per_bbl: long_run,
        oil_volatility_start_annual: start_vol,
        rub_start_per_usd: data.rub.get(t).unwrap_or(p.rub_start_per_usd),
        ..p.clone()
    })
}

/// Runs the rolling backtest of parameter set `p` on `data` under `scheme`.
pub fn backtest(p: &Params, data: &Data, scheme: &Scheme) -> Backtest {
    let mut oil = Coverage::new(scheme.max_horizon);
    let mut rub = Coverage::new(scheme.max_horizon);
    let (mut oil_below, mut rub_below) = (0u64, 0u64);
    let first = scheme.oil_origins.0.min(scheme.rub_origins.0);
    let last = scheme
        .oil_origins
        .1
        .max(scheme.rub_origins.1)
        .min(VANTAGE - 1);
    for t in first..=last {
        let Some(q) = params_at(p, data, scheme, t) else {
            continue;
        };
        let fan = drivers::moments(&Consts::new(&q), scheme.max_horizon);
        let in_oil = (scheme.oil_origins.0..=scheme.oil_origins.1).contains(&t);
        let in_rub =
            (scheme.rub_origins.0..=scheme.rub_origins.1).contains(&t) && data.rub.get(t).is_some();
        for (i, mo) in fan.iter().enumerate() {
            let target = t + i as i32 + 1;
            if target > VANTAGE {
                break;
            }
            if in_oil && let Some(v) = data.oil.get(target) {
                let z = (ln(v) - mo.log_oil_mean) / mo.log_oil_var.sqrt();
                oil.targets[i] += 1;
                oil.hits[i] += u64::from(z.abs() <= Z90);
                oil_below += u64::from(z < -Z90);
            }
            if in_rub && let Some(v) = data.rub.get(target) {
                let z = (ln(v) - mo.log_rub_mean) / mo.log_rub_var.sqrt();
                rub.targets[i] += 1;
                rub.hits[i] += u64::from(z.abs() <= Z90);
                rub_below += u64::from(z < -Z90);
            }
        }
    }
    let miss_below = |below: u64, c: &Coverage| {
        let (h, n) = c.band(1, c.hits.len());
        below as f64 / (n - h).max(1) as f64
    };
    Backtest {
        below: (miss_below(oil_below, &oil), miss_below(rub_below, &rub)),
        oil,
        rub,
    }
}

/// The rouble's share of simulated paths below `level` (RUB/USD), simulated with the model's own monthly steps
/// (two standard normal draws a month, oil's first, as `drivers::step` draws them) from `p`'s start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BelowShare {
    /// Paths below `level` in at least one of months 1..=months.
    pub ever: f64,
    /// Paths below `level` in month `months`.
    pub at_end: f64,
    /// The exact normal probability of being below `level` in month `months`.
    pub at_end_exact: f64,
}

/// See [`BelowShare`]; `paths` runs from ChaCha8 seeded with `seed`.
pub fn below_share(p: &Params, level: f64, months: usize, paths: u64, seed: u64) -> BelowShare {
    let c = Consts::new(p);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut ever, mut at_end) = (0u64, 0u64);
    let log_level = ln(level);
    for _ in 0..paths {
        let (mut x, mut d, mut was_below, mut log_r) = (c.log_oil_start, 0.0f64, false, 0.0);
        for m in 1..=months {
            let eps_oil: f64 = rng.sample(StandardNormal);
            let eps_rub: f64 = rng.sample(StandardNormal);
            x = c.next_log_oil(x, eps_oil, c.sigma_oil_at(m), 0.0);
            d = c.next_rub_deviation(d, eps_rub);
            log_r = c.log_oil_implied_rub(x) + d;
            was_below |= log_r < log_level;
        }
        ever += u64::from(was_below);
        at_end += u64::from(log_r < log_level);
    }
    let mo = drivers::moments(&c, months);
    let exact = mo.last().map_or(0.0, |m| {
        normal_cdf((log_level - m.log_rub_mean) / m.log_rub_var.sqrt())
    });
    BelowShare {
        ever: ever as f64 / paths as f64,
        at_end: at_end as f64 / paths as f64,
        at_end_exact: exact,
    }
}

/// Standard normal distribution function (via libm's erfc).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The estimates docs/DRIVERS.md quotes, recomputed from the data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimates {
    /// Annualised s.d. of monthly log changes of Brent monthly averages, 1987-05 .. 2014-12.
    pub oil_monthly_volatility: f64,
    /// Annualised s.d. of daily Brent log returns, 1987-05 .. 2014-12 (the old default's basis).
    pub oil_daily_volatility: f64,
    /// Rouble elasticity: minus the slope of 12-month log changes of the rouble on those of oil, 1999-01 .. 2014-12.
    pub rub_elasticity_12m: f64,
    /// The same on 1-month changes.
    pub rub_elasticity_1m: f64,
    /// Annualised s.d. of monthly changes of the deviation ln R + eta ln P (eta = `elasticity_used`).
    pub rub_volatility: f64,
    /// The pull matching the deviation's 24-month variance ratio.
    pub rub_pull: f64,
    /// The elasticity the deviation was formed with.
    pub elasticity_used: f64,
    /// The backtest's long-run oil level at the vantage month (geometric mean of the trailing window).
    pub oil_long_run_trailing_at_vantage: f64,
}

/// Estimates from `data` (the rouble's from 1999-01), with the deviation formed with elasticity `eta`.
pub fn estimates(
    data: &Data,
    daily_oil: &[(MonthIndex, f64)],
    eta: f64,
    scheme: &Scheme,
) -> Estimates {
    let from = scheme.rub_origins.0;
    let r = data.rub.logs(from, VANTAGE);
    let x = data.oil.logs(from, VANTAGE);
    let minus_slope = |h: usize| -slope(&changes(&x, h), &changes(&r, h));
    let dev: Vec<f64> = r.iter().zip(&x).map(|(a, b)| a + eta * b).collect();
    let s1 = sd(&changes(&dev, 1));
    let h = 24;
    let d24 = changes(&dev, h);
    let mean24 = d24.iter().sum::<f64>() / d24.len() as f64;
    let var24 = d24.iter().map(|v| (v - mean24) * (v - mean24)).sum::<f64>() / d24.len() as f64;
    let daily: Vec<f64> = daily_oil
        .iter()
        .filter(|(m, _)| *m <= VANTAGE)
        .map(|(_, v)| ln(*v))
        .collect();
    let window = data
        .oil
        .logs(VANTAGE + 1 - scheme.long_run_window as i32, VANTAGE);
    Estimates {
        oil_monthly_volatility: monthly_volatility(&data.oil, data.oil.first, VANTAGE),
        oil_daily_volatility: sd(&changes(&daily, 1)) * TRADING_DAYS_PER_YEAR.sqrt(),
        rub_elasticity_12m: minus_slope(12),
        rub_elasticity_1m: minus_slope(1),
        rub_volatility: s1 * MONTHS_PER_YEAR.sqrt(),
        rub_pull: pull_from_variance_ratio(var24 / (h as f64 * s1 * s1), h),
        elasticity_used: eta,
        oil_long_run_trailing_at_vantage: exp(window.iter().sum::<f64>() / window.len() as f64),
    }
}

/// The drivers' parameters before this calibration (the defaults up to issue 11): daily-return volatility, an
/// 18-month half-life, no volatility term structure, the 2014 elasticity and assumed rouble noise and pull.
pub fn before_calibration() -> Params {
    Params {
        oil_half_life_months: 18.0,
        oil_volatility_annual: 0.36,
        oil_volatility_start_annual: 0.36,
        rub_oil_elasticity: 0.85,
        rub_volatility_annual: 0.15,
        rub_stabilisation_per_month: 0.1,
        ..Params::default()
    }
}

/// The data files the backtest reads, under seeds/data/, and their value columns.
pub const OIL_MONTHLY_FILE: (&str, &str) = ("brent_monthly_1987_2014.csv", "brent_usd_monthly_avg");
pub const OIL_DAILY_FILE: (&str, &str) = ("brent_daily_usd.csv", "brent_usd");
pub const RUB_MONTHLY_FILE: (&str, &str) = ("rub_per_usd_monthend_1992_2014.csv", "rub_per_usd");

/// The pre-crisis rouble level the fan's lower tail is checked against (RUB/USD).
pub const PRE_CRISIS_RUB: f64 = 35.0;
/// Months within which the rouble's share below [`PRE_CRISIS_RUB`] is measured.
pub const BELOW_MONTHS: usize = 24;
/// Paths and seed of that simulation.
pub const BELOW_PATHS: u64 = 100_000;
pub const BELOW_SEED: u64 = 20_141_226;

/// What `realign fans` prints.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub estimates: Estimates,
    /// (label, backtest) for: the parameters before calibration, the parameter set without the volatility term
    /// structure, the parameter set.
    pub rows: Vec<(String, Backtest)>,
    /// The rouble below 35 within 24 months from the parameter set's start, and before calibration.
    pub below: BelowShare,
    pub below_before: BelowShare,
}

/// The backtests and estimates of parameter set `p` (labelled `label`) on `data`.
pub fn report(p: &Params, label: &str, data: &Data, daily_oil: &[(MonthIndex, f64)]) -> Report {
    let scheme = Scheme::default();
    let flat = Scheme {
        realised_start_volatility: false,
        ..scheme
    };
    let before = before_calibration();
    Report {
        estimates: estimates(data, daily_oil, p.rub_oil_elasticity, &scheme),
        rows: vec![
            ("before calibration".into(), backtest(&before, data, &flat)),
            (
                format!("{label}, no term structure"),
                backtest(p, data, &flat),
            ),
            (label.to_string(), backtest(p, data, &scheme)),
        ],
        below: below_share(p, PRE_CRISIS_RUB, BELOW_MONTHS, BELOW_PATHS, BELOW_SEED),
        below_before: below_share(
            &before,
            PRE_CRISIS_RUB,
            BELOW_MONTHS,
            BELOW_PATHS,
            BELOW_SEED,
        ),
    }
}

/// The report as a terminal table (coverage in percent).
pub fn render(r: &Report) -> String {
    use std::fmt::Write;
    let scheme = Scheme::default();
    let mut out = String::new();
    let e = &r.estimates;
    let _ = writeln!(
        out,
        "Rolling backtest of the driver fans (90% fans; targets up to {}; oil origins {} .. {}, rouble origins {} .. {}; horizons 1-{})",
        month_text(VANTAGE),
        month_text(scheme.oil_origins.0),
        month_text(scheme.oil_origins.1),
        month_text(scheme.rub_origins.0),
        month_text(scheme.rub_origins.1),
        scheme.max_horizon,
    );
    let _ = writeln!(
        out,
        "\n{:<38} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}",
        "parameters / driver", "1-3", "4-12", "13-24", "25-36", "overall", "targets"
    );
    for (label, b) in &r.rows {
        for (name, c, below) in [("oil", &b.oil, b.below.0), ("rouble", &b.rub, b.below.1)] {
            let mut line = format!("{:<38}", format!("{label}: {name}"));
            for (lo, hi) in BANDS {
                let _ = write!(line, " {:>6.1}%", 100.0 * c.share(lo, hi));
            }
            let (_, n) = c.band(1, c.hits.len());
            let _ = write!(
                line,
                " {:>7.1}% {:>9}   (misses below the fan: {:.0}%)",
                100.0 * c.overall(),
                n,
                100.0 * below
            );
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(
        out,
        "\nRouble below {PRE_CRISIS_RUB} within {BELOW_MONTHS} months ({BELOW_PATHS} paths, seed {BELOW_SEED}): \
         {:.2}% of paths ever, {:.2}% in month {BELOW_MONTHS} (exact {:.2}%); before calibration {:.2}% ever, {:.2}% in month {BELOW_MONTHS}",
        100.0 * r.below.ever,
        100.0 * r.below.at_end,
        100.0 * r.below.at_end_exact,
        100.0 * r.below_before.ever,
        100.0 * r.below_before.at_end,
    );
    let _ = writeln!(
        out,
        "\nEstimates on pre-vantage data:\n  oil volatility of monthly averages, monthly changes 1987-05 .. 2014-12: {:.3}\n  \
         oil volatility of daily returns 1987-05-20 .. 2014-12-31: {:.3}\n  \
         rouble elasticity to oil, 1999-01 .. 2014-12: {:.3} on 12-month changes, {:.3} on 1-month changes\n  \
         rouble deviation (ln R + {:.2} ln P): volatility {:.3}, pull matching its 24-month variance ratio {:.3}\n  \
         oil long-run level by the backtest's trailing rule at {}: {:.1} USD/bbl",
        e.oil_monthly_volatility,
        e.oil_daily_volatility,
        e.rub_elasticity_12m,
        e.rub_elasticity_1m,
        e.elasticity_used,
        e.rub_volatility,
        e.rub_pull,
        month_text(VANTAGE),
        e.oil_long_run_trailing_at_vantage,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_print() {
        assert_eq!(parse_month("2014-12"), Some(VANTAGE));
        assert_eq!(parse_month("2014-12-26"), Some(VANTAGE));
        assert_eq!(parse_month("2014-13"), None);
        assert_eq!(parse_month("14-12"), None);
        assert_eq!(parse_month("2014-1"), None);
        assert_eq!(month_text(VANTAGE), "2014-12");
    }

    #[test]
    fn monthly_files_must_be_consecutive_and_positive() {
        let ok = parse_monthly("month,v\n2014-11,1\n2014-12,2\n", "f", "v").unwrap();
        assert_eq!((ok.first, ok.values.clone()), (VANTAGE - 1, vec![1.0, 2.0]));
        assert_eq!(ok.until(VANTAGE - 1).values, vec![1.0]);
        assert!(matches!(
            parse_monthly("month,v\n2014-10,1\n2014-12,2\n", "f", "v"),
            Err(FansError::Line { line: 3, .. })
        ));
        assert!(matches!(
            parse_monthly("month,v\n2014-10,-1\n", "f", "v"),
            Err(FansError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse_monthly("month,w\n", "f", "v"),
            Err(FansError::File { .. })
        ));
        assert!(matches!(
            parse_daily("date,v\n2014-12-02,1\n2014-12-01,1\n", "f", "v"),
            Err(FansError::Line { line: 3, .. })
        ));
    }

    #[test]
    fn the_variance_ratio_inverts() {
        for s in [0.01, 0.04, 0.2] {
            let k2: f64 = (1.0 - s) * (1.0 - s);
            let ratio = (1.0 - k2.powi(24)) / (1.0 - k2) / 24.0;
            let got = pull_from_variance_ratio(ratio, 24);
            assert!((got - s).abs() < 1e-9, "{s} {got}");
        }
        assert_eq!(pull_from_variance_ratio(1.2, 24), 0.0);
    }

    #[test]
    fn normal_cdf_at_the_fan_edge() {
        assert!((normal_cdf(-Z90) - 0.05).abs() < 1e-12);
    }
}
