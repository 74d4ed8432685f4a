//! A folder `realign run` wrote, read back for scoring: summary.json (scenario, runs, months), events.csv (the
//! cumulative count of runs in which each event has happened by each month), timeseries.csv (each metric's mean at
//! the vantage month: the "nothing changes" point forecast) and, when the run wrote one, quantiles.csv (the
//! quantile function of each metric in each month, for CRPS). Everything read is checked as strictly as any input:
//! a completed run only (its manifest.json), counts within runs, months within the run, bounded reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::output::tables::QUANTILE_LEVELS;
use crate::scenario::access::{MAX_DATA_BYTES, read_text};
use crate::scenario::error::printable;
use crate::scenario::{Month, valid_scenario_name};

#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{}: not a completed `realign run` folder: {what}", printable(&dir.display().to_string(), false))]
    NotARun { dir: PathBuf, what: String },
    #[error("{}:{line}: {what}", printable(&file.display().to_string(), false))]
    Bad {
        file: PathBuf,
        line: u64,
        what: String,
    },
}

/// (metric, actor, month index) -> the value at each of [`QUANTILE_LEVELS`], None where missing.
pub type Quantiles = BTreeMap<(String, String, usize), Vec<Option<f64>>>;

/// What scoring needs from one run folder.
#[derive(Clone, Debug)]
pub struct RunDir {
    /// The folder as named on the command line.
    pub path: PathBuf,
    pub scenario: String,
    pub runs: u64,
    pub start: Month,
    pub horizon: Month,
    /// (event, actor) -> the number of runs in which it has happened by month start + i, for each i.
    pub events: BTreeMap<(String, String), Vec<u64>>,
    /// (metric, actor) -> its mean at the start month (every run starts at the same state).
    pub vantage_values: BTreeMap<(String, String), f64>,
    /// (metric, actor, month index) -> the value at each of [`QUANTILE_LEVELS`] (None where missing); None when
    /// the run wrote no quantiles.csv (a run of an older realign).
    pub quantiles: Option<Quantiles>,
}

impl RunDir {
    /// The month index of `m` in this run (0 = start), if the run covers it.
    pub fn index(&self, m: Month) -> Option<usize> {
        let i = self.start.months_until(m);
        (i >= 0 && m <= self.horizon).then_some(i as usize)
    }

    /// The partners in this run: the actors its per-partner event `leaves_orbit` is reported for.
    pub fn partners(&self) -> usize {
        self.events
            .keys()
            .filter(|(e, a)| e == "leaves_orbit" && !a.is_empty())
            .count()
    }
}

#[derive(Deserialize)]
struct SummaryHead {
    scenario: String,
    runs: u64,
    start_month: String,
    horizon_month: String,
}

/// The most months a run can have that is read back (100 years).
const MAX_MONTHS: i64 = 1200;

pub fn read(dir: &Path) -> Result<RunDir, RunDirError> {
    let not_a_run = |what: String| RunDirError::NotARun {
        dir: dir.to_path_buf(),
        what,
    };
    if !dir.join("manifest.json").is_file() {
        return Err(not_a_run(
            "no manifest.json (the run did not complete, or this is not a run's folder)".into(),
        ));
    }
    let text = |name: &str| -> Result<Option<String>, RunDirError> {
        let path = dir.join(name);
        if !path.exists() {
            return Ok(None);
        }
        read_text(&path, MAX_DATA_BYTES)
            .map(Some)
            .map_err(|e| RunDirError::Bad {
                file: path.clone(),
                line: 0,
                what: e.reason(&path),
            })
    };
    let need = |name: &str| -> Result<String, RunDirError> {
        text(name)?.ok_or_else(|| not_a_run(format!("no {name}")))
    };
    let summary_path = dir.join("summary.json");
    let bad = |file: &Path, line: u64, what: String| RunDirError::Bad {
        file: file.to_path_buf(),
        line,
        what,
    };
    let head: SummaryHead = serde_json::from_str(&need("summary.json")?)
        .map_err(|e| bad(&summary_path, e.line() as u64, e.to_string()))?;
    if !valid_scenario_name(&head.scenario) {
        return Err(bad(
            &summary_path,
            0,
            "scenario: not a valid scenario name".into(),
        ));
    }
    let month = |s: &str, file: &Path, line: u64| {
        Month::parse(s).ok_or_else(|| bad(file, line, format!("{s:?} is not a month YYYY-MM")))
    };
    let start = month(&head.start_month, &summary_path, 0)?;
    let horizon = month(&head.horizon_month, &summary_path, 0)?;
    let span = start.months_until(horizon);
    if !(0..=MAX_MONTHS).contains(&span) || head.runs == 0 {
        return Err(bad(
            &summary_path,
            0,
            format!(
                "start {start}, horizon {horizon}, {} runs: not a run's months and runs",
                head.runs
            ),
        ));
    }
    let months = span as usize + 1;
    let index = |s: &str, file: &Path, line: u64| -> Result<usize, RunDirError> {
        let m = month(s, file, line)?;
        let i = start.months_until(m);
        if i < 0 || m > horizon {
            return Err(bad(
                file,
                line,
                format!("month {m} is outside the run ({start} .. {horizon})"),
            ));
        }
        Ok(i as usize)
    };

    // events.csv: scenario,month,event,actor,probability,ci_low,ci_high,count,runs
    let events_path = dir.join("events.csv");
    let mut events: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for (line, rec) in records(
        &need("events.csv")?,
        &events_path,
        &["month", "event", "actor", "count", "runs"],
    )? {
        let i = index(&rec[0], &events_path, line)?;
        let count: u64 = number(&rec[3], &events_path, line)?;
        let runs: u64 = number(&rec[4], &events_path, line)?;
        if runs != head.runs || count > runs {
            return Err(bad(
                &events_path,
                line,
                format!(
                    "count {count} of runs {runs}: the run has {} runs",
                    head.runs
                ),
            ));
        }
        let row = events
            .entry((rec[1].clone(), rec[2].clone()))
            .or_insert_with(|| vec![u64::MAX; months]);
        row[i] = count;
    }
    for ((e, a), row) in &events {
        if row.contains(&u64::MAX) || row.windows(2).any(|w| w[1] < w[0]) {
            return Err(bad(
                &events_path,
                0,
                format!("event {e} {a}: not one non-decreasing count for every month of the run"),
            ));
        }
    }

    // timeseries.csv: scenario,month,actor,metric,statistic,value,ci_low,ci_high
    let ts_path = dir.join("timeseries.csv");
    let mut vantage_values = BTreeMap::new();
    for (line, rec) in records(
        &need("timeseries.csv")?,
        &ts_path,
        &["month", "actor", "metric", "statistic", "value"],
    )? {
        if rec[3] == "mean" && index(&rec[0], &ts_path, line)? == 0 {
            let v = finite(&rec[4], &ts_path, line)?;
            vantage_values.insert((rec[2].clone(), rec[1].clone()), v);
        }
    }

    // quantiles.csv (optional): scenario,month,actor,metric,level,value
    let q_path = dir.join("quantiles.csv");
    let quantiles = match text("quantiles.csv")? {
        None => None,
        Some(t) => {
            let mut map: Quantiles = BTreeMap::new();
            for (line, rec) in
                records(&t, &q_path, &["month", "actor", "metric", "level", "value"])?
            {
                let i = index(&rec[0], &q_path, line)?;
                let level = finite(&rec[3], &q_path, line)?;
                let Some(slot) = QUANTILE_LEVELS
                    .iter()
                    .position(|&l| (l - level).abs() < 1e-9)
                else {
                    return Err(bad(
                        &q_path,
                        line,
                        format!("level {level} is not one of the levels realign writes"),
                    ));
                };
                let value = if rec[4].is_empty() {
                    None
                } else {
                    Some(finite(&rec[4], &q_path, line)?)
                };
                map.entry((rec[2].clone(), rec[1].clone(), i))
                    .or_insert_with(|| vec![None; QUANTILE_LEVELS.len()])[slot] = value;
            }
            Some(map)
        }
    };
    Ok(RunDir {
        path: dir.to_path_buf(),
        scenario: head.scenario,
        runs: head.runs,
        start,
        horizon,
        events,
        vantage_values,
        quantiles,
    })
}

/// The rows of a CSV text as the named columns, each with its line number (the header is line 1).
fn records(
    text: &str,
    file: &Path,
    columns: &[&str],
) -> Result<Vec<(u64, Vec<String>)>, RunDirError> {
    let bad = |line: u64, what: String| RunDirError::Bad {
        file: file.to_path_buf(),
        line,
        what,
    };
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let at: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| bad(1, format!("no column `{c}`")))
        })
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let row = at
            .iter()
            .map(|&i| {
                rec.get(i)
                    .map(str::to_string)
                    .ok_or_else(|| bad(line, "a column is missing".into()))
            })
            .collect::<Result<_, _>>()?;
        out.push((line, row));
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(s: &str, file: &Path, line: u64) -> Result<T, RunDirError> {
    s.parse().map_err(|_| RunDirError::Bad {
        file: file.to_path_buf(),
        line,
        what: format!("{s:?} is not a number"),
    })
}

/// A finite number (a file of ours never holds nan or inf; an empty cell is handled by the caller).
fn finite(s: &str, file: &Path, line: u64) -> Result<f64, RunDirError> {
    let v: f64 = number(s, file, line)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(RunDirError::Bad {
            file: file.to_path_buf(),
            line,
            what: format!("{s:?} is not a finite number"),
        })
    }
}
