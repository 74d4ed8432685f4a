//! Sweep charts: a heatmap for two grid parameters, a line with its interval ribbon for one, and ranked bar charts
//! of Morris (mu*, sigma), Sobol (first-order, total) and PRCC indices with bootstrap intervals; scatter panels of a
//! Latin hypercube's outcome against each parameter.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, Key, KeyedAxis, Mark, OKABE_ITO, OrText, legend_below, slug};
use crate::output::{num, round6};
use crate::stats::Interval;
use crate::sweep::results::{self, Analysis, MorrisRow, PrccRow, SobolRow};
use crate::sweep::run::{PointResult, Points};
use crate::sweep::spec::{DesignKind, Sweep};

/// Viridis (perceptually uniform, colour-blind safe) at 9 anchors, interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + f * (q as f64 - p as f64)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour scale of an outcome: probabilities on [0, 1], alignments on [-1, 1].
fn scale_of(label: &str) -> (f64, f64) {
    if label.starts_with("alignment:") {
        (-1.0, 1.0)
    } else {
        (0.0, 1.0)
    }
}

pub struct Heatmap<'a> {
    pub sweep: &'a str,
    pub outcome: String,
    pub x_key: &'a str,
    pub y_key: &'a str,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// Estimate at (x index, y index).
    pub cells: Vec<(usize, usize, Interval)>,
    pub replicates: u64,
}

impl Figure for Heatmap<'_> {
    fn stem(&self) -> String {
        format!("heatmap-{}", slug(&self.outcome))
    }
    fn size(&self) -> (u32, u32) {
        (1100, 760)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (main, bar) = root.split_horizontally(960);
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let xs = &self.xs;
        let ys = &self.ys;
        let fx = move |v: &f64| idx_label(xs, *v);
        let fy = move |v: &f64| idx_label(ys, *v);
        let axis = |n: usize| KeyedAxis {
            inner: (-0.5f64..n as f64 - 0.5).into(),
            labels: (0..n).map(|i| i as f64).collect(),
            grid: Vec::new(),
        };
        let mut chart = ChartBuilder::on(&main)
            .caption(
                format!(
                    "{}: {} ({} replicates per cell)",
                    self.sweep, self.outcome, self.replicates
                ),
                (FONT_FAMILY, 19),
            )
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(axis(nx), axis(ny))
            .txt()?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .x_desc(self.x_key)
            .y_desc(self.y_key)
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 14))
            .draw()
            .txt()?;
        let (lo, hi) = scale_of(&self.outcome);
        let annotate = nx <= 15 && ny <= 15;
        for &(i, j, e) in &self.cells {
            let t = (e.value - lo) / (hi - lo);
            let (x, y) = (i as f64, j as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    viridis(t).filled(),
                )))
                .txt()?;
            if annotate {
                let text = if lo == 0.0 {
                    format!("{:.0}%", 100.0 * e.value)
                } else {
                    format!("{:.2}", e.value)
                };
                let colour = if t > 0.6 { BLACK } else { WHITE };
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        (x, y),
                        (FONT_FAMILY, 12).into_font().color(&colour).pos(
                            plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            ),
                        ),
                    )))
                    .txt()?;
            }
        }
        // Colour bar.
        let mut cb = ChartBuilder::on(&bar)
            .margin_top(60)
            .margin_bottom(66)
            .margin_right(50)
            .y_label_area_size(0)
            .right_y_label_area_size(44)
            .build_cartesian_2d(0f64..1f64, lo..hi)
            .txt()?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_style((FONT_FAMILY, 11))
            .draw()
            .txt()?;
        let steps = 100;
        cb.draw_series((0..steps).map(|k| {
            let a = lo + (hi - lo) * k as f64 / steps as f64;
            let b = lo + (hi - lo) * (k + 1) as f64 / steps as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                viridis(k as f64 / (steps - 1) as f64).filled(),
            )
        }))
        .txt()?;
        Ok(())
    }
}

fn idx_label(values: &[f64], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        values.get(i as usize).map(|x| num(*x)).unwrap_or_default()
    } else {
        String::new()
    }
}

/// One parameter: the outcome with its 95% interval as a ribbon.
pub struct Line<'a> {
    pub sweep: &'a str,
    pub outcome: String,
    pub x_key: &'a str,
    pub points: Vec<(f64, Interval)>,
    pub replicates: u64,
}

impl Figure for Line<'_> {
    fn stem(&self) -> String {
        format!("line-{}", slug(&self.outcome))
    }
    fn size(&self) -> (u32, u32) {
        (1000, 560)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let x0 = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::INFINITY, f64::min);
        let x1 = self
            .points
            .iter()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = scale_of(&self.outcome);
        let colour = OKABE_ITO[0];
        let keys = [
            Key::new("95% interval", Mark::Fill(colour.mix(0.25))),
            Key::new("estimate", Mark::Line(colour, 3)),
        ];
        let root = &legend_below(root, &keys, 12)?;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{}: {} ({} replicates per point)",
                    self.sweep, self.outcome, self.replicates
                ),
                (FONT_FAMILY, 19),
            )
            .margin(14)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1.max(x0 + 1e-9), lo..hi)
            .txt()?;
        chart
            .configure_mesh()
            .x_desc(self.x_key)
            .y_desc(if lo == 0.0 {
                "probability by the horizon"
            } else {
                "mean alignment at the horizon"
            })
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 14))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .txt()?;
        let mut band: Vec<(f64, f64)> = self.points.iter().map(|(x, e)| (*x, e.ci_high)).collect();
        band.extend(self.points.iter().rev().map(|(x, e)| (*x, e.ci_low)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                band,
                colour.mix(0.25).filled(),
            )))
            .txt()?;
        chart
            .draw_series(LineSeries::new(
                self.points.iter().map(|(x, e)| (*x, e.value)),
                colour.stroke_width(3),
            ))
            .txt()?;
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|(x, e)| Circle::new((*x, e.value), 3, colour.filled())),
            )
            .txt()?;
        Ok(())
    }
}

/// An index value with its 95% interval: (value, low, high).
pub type Whisker = (f64, f64, f64);

/// Ranked horizontal bars: one or two indices per parameter, each with a 95% whisker.
pub struct IndexBars<'a> {
    pub stem: String,
    pub title: String,
    pub x_desc: &'a str,
    /// (parameter, [(value, lo, hi); series])
    pub rows: Vec<(String, Vec<Whisker>)>,
    /// One or two series; one draws no legend (the title names it).
    pub series: Vec<&'a str>,
    /// A fixed value axis (PRCC: [-1, 1]); None fits the data.
    pub x_range: Option<(f64, f64)>,
}

/// An index as analysis.json prints it (rounded), so the chart and the file agree to the last digit.
fn whisker(i: Interval) -> Whisker {
    let i = i.rounded();
    (i.value, i.ci_low, i.ci_high)
}

impl IndexBars<'_> {
    pub fn morris(sweep: &str, outcome: &str, rows: &[MorrisRow]) -> IndexBars<'static> {
        IndexBars {
            stem: format!("morris-{}", slug(outcome)),
            title: format!("{sweep}: Morris screening of {outcome}"),
            x_desc: "elementary effect per unit of the parameter's range",
            rows: rows
                .iter()
                .take(25)
                .map(|r| {
                    (
                        r.parameter.clone(),
                        vec![whisker(r.mu_star), whisker(r.sigma)],
                    )
                })
                .collect(),
            series: vec!["mu* (mean |effect|)", "sigma (interaction, non-linearity)"],
            x_range: None,
        }
    }

    pub fn sobol(sweep: &str, outcome: &str, rows: &[SobolRow]) -> IndexBars<'static> {
        IndexBars {
            stem: format!("sobol-{}", slug(outcome)),
            title: format!("{sweep}: Sobol indices of {outcome}"),
            x_desc: "share of the outcome's variance",
            rows: rows
                .iter()
                .map(|r| {
                    (
                        r.parameter.clone(),
                        vec![whisker(r.first_order), whisker(r.total)],
                    )
                })
                .collect(),
            series: vec!["first order", "total"],
            x_range: None,
        }
    }
}

impl IndexBars<'_> {
    /// PRCC of one outcome on every parameter, largest |PRCC| first (ties keep the sweep file's order).
    pub fn prcc(sweep: &str, outcome: &str, rows: &[PrccRow]) -> IndexBars<'static> {
        let mut rows: Vec<&PrccRow> = rows.iter().filter(|r| r.outcome == outcome).collect();
        rows.sort_by(|a, b| round6(b.value.abs()).total_cmp(&round6(a.value.abs())));
        IndexBars {
            stem: format!("prcc-{}", slug(outcome)),
            title: format!("{sweep}: partial rank correlation of {outcome} (95% intervals)"),
            x_desc: "PRCC (-1 to 1: monotone effect once the other parameters are accounted for)",
            rows: rows
                .iter()
                .take(25)
                .map(|r| (r.parameter.clone(), vec![whisker(r.interval())]))
                .collect(),
            series: vec!["PRCC"],
            x_range: Some((-1.0, 1.0)),
        }
    }
}

impl Figure for IndexBars<'_> {
    fn stem(&self) -> String {
        self.stem.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1200, 130 + 40 * self.rows.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.rows.len().max(1);
        let top = self
            .rows
            .iter()
            .flat_map(|(_, v)| v.iter().map(|x| x.2.max(x.0)))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max)
            .max(1e-6)
            * 1.08;
        let bottom = self
            .rows
            .iter()
            .flat_map(|(_, v)| v.iter().map(|x| x.1.min(x.0)))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::min);
        let (bottom, top) = self.x_range.unwrap_or((bottom, top));
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let (rows, fmt) = super::row_axis(names, 0.6, 0.6, false);
        let colours = [OKABE_ITO[0], OKABE_ITO[3]];
        // One series needs no legend: the title names it.
        let keys: Vec<Key> = if self.series.len() > 1 {
            self.series
                .iter()
                .zip(colours)
                .map(|(name, c)| Key::new(*name, Mark::Fill(c.mix(0.85))))
                .collect()
        } else {
            Vec::new()
        };
        let root = &legend_below(root, &keys, 12)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT_FAMILY, 19))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(360)
            .build_cartesian_2d(bottom..top, rows)
            .txt()?;
        chart
            .configure_mesh()
            .y_label_formatter(&fmt)
            .x_desc(self.x_desc)
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 13))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .txt()?;
        for (k, &colour) in colours.iter().enumerate().take(self.series.len()) {
            // Two series side by side in a row; one fills it.
            let (offset, half) = match (self.series.len(), k) {
                (1, _) => (0.0, 0.25),
                (_, 0) => (0.17, 0.15),
                _ => (-0.17, 0.15),
            };
            let mut bars = Vec::new();
            for (row, (_, v)) in self.rows.iter().enumerate() {
                let y = (n - 1 - row) as f64 + offset;
                let (val, lo, hi) = v[k];
                bars.push(Rectangle::new(
                    [(0.0, y - half), (val, y + half)],
                    colour.mix(0.85).filled(),
                ));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y), (hi, y)],
                        BLACK.stroke_width(1),
                    )))
                    .txt()?;
            }
            chart.draw_series(bars).txt()?;
        }
        Ok(())
    }
}

/// A Latin hypercube's outcome against each parameter: one small panel per parameter, the parameter in its own
/// units across, the outcome's estimate at every point up (probabilities on [0, 1], alignments on [-1, 1], never
/// both on one axis: one figure per outcome), its 95% interval a faint whisker. No legend: the title says it.
pub struct ScatterPanels<'a> {
    pub sweep: &'a str,
    pub outcome: String,
    /// (parameter, [(parameter value, estimate)] over the points)
    pub panels: Vec<(String, Vec<(f64, Interval)>)>,
    pub replicates: u64,
}

/// Panels per row of a scatter-panel figure.
const PANEL_COLUMNS: usize = 3;

impl Figure for ScatterPanels<'_> {
    fn stem(&self) -> String {
        format!("scatter-{}", slug(&self.outcome))
    }
    fn size(&self) -> (u32, u32) {
        let n = self.panels.len().max(1);
        let cols = n.min(PANEL_COLUMNS) as u32;
        let rows = n.div_ceil(PANEL_COLUMNS) as u32;
        (60 + 420 * cols, 70 + 330 * rows)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.panels.len().max(1);
        let cols = n.min(PANEL_COLUMNS);
        let area = root
            .titled(
                &format!(
                    "{}: {} at each point ({} replicates per point; faint lines: 95% intervals)",
                    self.sweep, self.outcome, self.replicates
                ),
                (FONT_FAMILY, 18),
            )
            .txt()?;
        let cells = area.split_evenly((n.div_ceil(PANEL_COLUMNS), cols));
        let (lo, hi) = scale_of(&self.outcome);
        let y_desc = if lo == 0.0 {
            "probability by the horizon"
        } else {
            "mean alignment at the horizon"
        };
        let colour = OKABE_ITO[0];
        for ((key, pts), cell) in self.panels.iter().zip(cells.iter()) {
            let finite = pts.iter().map(|p| p.0).filter(|v| v.is_finite());
            let x0 = finite.clone().fold(f64::INFINITY, f64::min);
            let x1 = finite.fold(f64::NEG_INFINITY, f64::max);
            let (x0, x1) = if x0.is_finite() {
                (x0, x1.max(x0 + 1e-9))
            } else {
                (0.0, 1.0)
            };
            let pad = (x1 - x0) * 0.03;
            let mut chart = ChartBuilder::on(cell)
                .margin(10)
                .x_label_area_size(44)
                .y_label_area_size(56)
                .build_cartesian_2d(x0 - pad..x1 + pad, lo..hi)
                .txt()?;
            chart
                .configure_mesh()
                .x_desc(key.as_str())
                .y_desc(y_desc)
                .x_labels(5)
                .y_labels(6)
                .label_style((FONT_FAMILY, 11))
                .axis_desc_style((FONT_FAMILY, 12))
                .light_line_style(RGBColor(238, 238, 238))
                .draw()
                .txt()?;
            let ok = |e: &Interval| e.ci_low.is_finite() && e.ci_high.is_finite();
            chart
                .draw_series(pts.iter().filter(|(_, e)| ok(e)).map(|(x, e)| {
                    PathElement::new(
                        vec![(*x, e.ci_low.clamp(lo, hi)), (*x, e.ci_high.clamp(lo, hi))],
                        colour.mix(0.3).stroke_width(1),
                    )
                }))
                .txt()?;
            chart
                .draw_series(
                    pts.iter()
                        .filter(|(_, e)| e.value.is_finite())
                        .map(|(x, e)| Circle::new((*x, e.value), 3, colour.filled())),
                )
                .txt()?;
        }
        Ok(())
    }
}

/// A sweep's figures, one per outcome, chosen by its design: a line for a one-parameter grid, a heatmap for a
/// two-parameter grid, ranked index bars for Morris and Sobol designs, and for a Latin hypercube PRCC bars plus a
/// scatter panel of the outcome against each parameter. File stems are unique slugs of the outcome names, so two outcomes whose names differ only in
/// punctuation cannot overwrite each other's chart.
pub fn figures(
    s: &Sweep,
    pts: &Points,
    results: &[PointResult],
    analysis: &Analysis,
) -> Result<Vec<super::Rendered>, super::ChartError> {
    let table = results::table(s, results);
    let labels: Vec<String> = s.outcomes.iter().map(|o| o.label()).collect();
    let slugs = super::unique_slugs(&labels);
    let mut figs = Vec::new();
    for (o, outcome) in s.outcomes.iter().enumerate() {
        let label = outcome.label();
        let before = figs.len();
        match (&s.design, s.params.len()) {
            (DesignKind::Grid, 1) => {
                let points = results
                    .iter()
                    .zip(&table)
                    .map(|(p, row)| (pts.values[p.index][0], row[o].estimate))
                    .collect();
                figs.push(super::render(&Line {
                    sweep: &s.name,
                    outcome: label,
                    x_key: &s.params[0].key,
                    points,
                    replicates: s.replicates,
                })?);
            }
            (DesignKind::Grid, 2) => {
                let (xs, ys) = (s.params[0].values.clone(), s.params[1].values.clone());
                let cells = results
                    .iter()
                    .zip(&table)
                    .map(|(p, row)| (p.index / ys.len(), p.index % ys.len(), row[o].estimate))
                    .collect();
                figs.push(super::render(&Heatmap {
                    sweep: &s.name,
                    outcome: label,
                    x_key: &s.params[0].key,
                    y_key: &s.params[1].key,
                    xs,
                    ys,
                    cells,
                    replicates: s.replicates,
                })?);
            }
            (DesignKind::Morris { .. }, _) => {
                figs.push(super::render(&IndexBars::morris(
                    &s.name,
                    &label,
                    &analysis.outcomes[o].morris,
                ))?);
            }
            (DesignKind::Sobol { .. }, _) => {
                figs.push(super::render(&IndexBars::sobol(
                    &s.name,
                    &label,
                    &analysis.outcomes[o].sobol,
                ))?);
            }
            (DesignKind::LatinHypercube { .. }, _) => {
                figs.push(super::render(&IndexBars::prcc(
                    &s.name,
                    &label,
                    &analysis.prcc,
                ))?);
                let panels = s
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let xy = results
                            .iter()
                            .zip(&table)
                            .map(|(r, row)| (pts.values[r.index][i], row[o].estimate))
                            .collect();
                        (p.key.clone(), xy)
                    })
                    .collect();
                figs.push(super::render(&ScatterPanels {
                    sweep: &s.name,
                    outcome: label,
                    panels,
                    replicates: s.replicates,
                })?);
            }
            _ => {}
        }
        for f in &mut figs[before..] {
            let kind = f.stem.split('-').next().unwrap_or("chart").to_string();
            f.stem = format!("{kind}-{}", slugs[o]);
        }
    }
    Ok(figs)
}
