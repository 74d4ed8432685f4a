//! Replayed drivers: `[drivers.X.replay]` tables and the `month,value` CSV files they name.

use std::collections::BTreeMap;
use std::path::Path;

use super::access::{self, MAX_DATA_BYTES, Roots};
use super::check::Checker;
use super::tree::Entry;
use super::{Month, ReplayInfo};
use crate::model::params::{PARAM_SPECS, fmt_num, param_index};

impl Checker<'_> {
    /// `[drivers.X.replay] file = "...", column = "..."`: a CSV with a `month` column (YYYY-MM).
    pub(super) fn replay(
        &mut self,
        entry: &Entry,
        driver: &str,
        start: Month,
        target: &mut [Option<f64>],
    ) -> Option<ReplayInfo> {
        let key = format!("drivers.{driver}.replay");
        let t = self.table(&entry.node, &key)?;
        let (mut file, mut column) = (None, None);
        for e in t {
            let k = format!("{key}.{}", e.key);
            match e.key.as_str() {
                "file" => file = self.string(&e.node, &k).map(|s| (s, e.node.loc.clone())),
                "column" => column = self.string(&e.node, &k),
                _ => self.unknown(e, &k, &["file", "column"]),
            }
        }
        let Some((rel, loc)) = file else {
            self.err(
                &entry.node.loc,
                &key,
                "missing `file`: the CSV to replay (a `month` column YYYY-MM and a value column)",
            );
            return None;
        };
        let path = self
            .sources
            .path(&loc)
            .parent()
            .unwrap_or(Path::new("."))
            .join(&rel);
        // Replayed values obey the same range as the driver's starting value.
        let range = param_index(if driver == "oil" {
            "drivers.oil.start_usd_per_bbl"
        } else {
            "drivers.rouble.start_rub_per_usd"
        })
        .map(|i| (PARAM_SPECS[i].min, PARAM_SPECS[i].max))
        .expect("driver start parameters are in the table");
        // Inside the allowed folders and named like a CSV, so a scenario cannot read (and quote) any other file.
        if path.exists() {
            let refused = Roots::for_file(&self.sources.files[0].path)
                .admit(&path)
                .err()
                .or_else(|| {
                    (!access::has_extension(&path, "csv"))
                        .then(|| format!("{}: a replayed file is a .csv file", path.display()))
                });
            if let Some(msg) = refused {
                self.err(&loc, &format!("{key}.file"), msg);
                return None;
            }
        }
        match read_series(&path, column.as_deref(), range) {
            Ok((col, series)) => {
                let mut covered = Vec::new();
                for (m, v) in series {
                    let offset = start.months_until(m);
                    if offset >= 1 && (offset as usize) < target.len() {
                        target[offset as usize] = Some(v);
                        covered.push(m);
                    }
                }
                // A month missing inside the span would run free while the report says it is replayed.
                if let Some(gap) = covered.windows(2).find(|w| w[0].months_until(w[1]) > 1) {
                    self.err(
                        &loc,
                        &format!("{key}.file"),
                        format!(
                            "{}: no row for {} inside the replayed months {} .. {}; a replay may not have gaps",
                            path.display(),
                            gap[0].plus(1),
                            covered[0],
                            covered[covered.len() - 1]
                        ),
                    );
                    return None;
                }
                if covered.is_empty() {
                    self.err(
                        &loc,
                        &format!("{key}.file"),
                        format!(
                            "{}: no row falls in the simulated months {} .. {}",
                            path.display(),
                            start.plus(1),
                            start.plus(target.len() - 1)
                        ),
                    );
                    return None;
                }
                Some(ReplayInfo {
                    driver: driver.into(),
                    file: rel,
                    column: col,
                    first_month: covered.first().map(|m| m.to_string()),
                    last_month: covered.last().map(|m| m.to_string()),
                })
            }
            Err(msg) => {
                self.err(
                    &loc,
                    &format!("{key}.file"),
                    format!("{}: {msg}", path.display()),
                );
                None
            }
        }
    }
}

/// Reads a `month,value` CSV. `column` picks the value column (default: the first column after `month`).
fn read_series(
    path: &Path,
    column: Option<&str>,
    (lo, hi): (f64, f64),
) -> Result<(String, BTreeMap<Month, f64>), String> {
    let bytes = access::read_bounded(path, MAX_DATA_BYTES).map_err(|e| e.to_string())?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let month_col = headers
        .iter()
        .position(|h| h == "month")
        .ok_or("no `month` column")?;
    let value_col = match column {
        Some(c) => headers.iter().position(|h| h == c).ok_or_else(|| {
            format!(
                "no column {c:?}; columns: {}",
                short(&headers.iter().collect::<Vec<_>>().join(", "))
            )
        })?,
        None => (0..headers.len())
            .find(|&i| i != month_col)
            .ok_or("no value column")?,
    };
    let mut out = BTreeMap::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let row = i + 2;
        let m = Month::parse(rec.get(month_col).unwrap_or("")).ok_or_else(|| {
            format!(
                "row {row}: month {:?} is not YYYY-MM",
                short(rec.get(month_col).unwrap_or(""))
            )
        })?;
        let v: f64 = rec
            .get(value_col)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| {
                format!(
                    "row {row}: {:?} is not a number",
                    short(rec.get(value_col).unwrap_or(""))
                )
            })?;
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("row {row}: {v} is not a positive price"));
        }
        if !(lo..=hi).contains(&v) {
            return Err(format!(
                "row {row}: {v} is outside the driver's range [{}, {}]",
                fmt_num(lo),
                fmt_num(hi)
            ));
        }
        if out.insert(m, v).is_some() {
            return Err(format!("row {row}: month {m} appears twice"));
        }
    }
    Ok((headers[value_col].to_string(), out))
}

/// A cell quoted in a message: at most 40 characters, so a huge cell does not flood the terminal.
fn short(cell: &str) -> String {
    let mut s: String = cell.chars().take(40).collect();
    if s.len() < cell.len() {
        s.push_str("...");
    }
    s
}
