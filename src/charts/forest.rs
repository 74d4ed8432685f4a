//! The forest chart of `realign claims`: each claim's effect with its 95% interval (common random numbers), the
//! independent-streams interval beneath it for comparison, coloured by verdict. Effects on a probability (in
//! percentage points) and effects on a mean alignment (on its -1..+1 scale) are drawn in separate panels, each with
//! its own axis, since the two units cannot share one.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, GREY, Key, Mark, OKABE_ITO, OrText, legend_below};
use crate::claims::{ClaimResult, EffectUnit, Verdict};
use crate::stats::Interval;

pub struct Forest<'a> {
    pub title: String,
    pub results: &'a [ClaimResult],
}

fn colour(v: Verdict) -> RGBColor {
    match v {
        Verdict::Holds => OKABE_ITO[0],
        Verdict::Contradicted => OKABE_ITO[1],
        Verdict::Inconclusive => GREY,
    }
}

/// Pixels per claim row, and around each panel (caption, axis labels, margins).
const ROW_PX: u32 = 56;
const PANEL_PX: u32 = 120;
const TITLE_PX: u32 = 40;

/// One panel's claims with their effects as drawn: in percentage points for probabilities, as they are for
/// alignments.
struct Panel<'a> {
    caption: &'static str,
    x_desc: &'static str,
    /// 100 for percentage points, 1 for alignment.
    scale: f64,
    /// The smallest half-range of the axis, in the panel's unit.
    min_reach: f64,
    rows: Vec<(&'a ClaimResult, Interval, Interval)>,
}

impl Forest<'_> {
    /// Claims split by the unit of their effect: a difference of probabilities and a difference of mean alignments
    /// never share an axis. Empty panels are left out; with no claims at all, one empty probability panel.
    fn panels(&self) -> Vec<Panel<'_>> {
        let mut panels = vec![
            Panel {
                caption: "Effects on a probability",
                x_desc: "effect: to-arm minus from-arm, percentage points",
                scale: 100.0,
                min_reach: 5.0,
                rows: Vec::new(),
            },
            Panel {
                caption: "Effects on a mean alignment",
                x_desc: "effect: to-arm minus from-arm, alignment (-1 West .. +1 patron)",
                scale: 1.0,
                min_reach: 0.05,
                rows: Vec::new(),
            },
        ];
        for r in self.results {
            let k = match r.unit {
                EffectUnit::Probability => 0,
                EffectUnit::Alignment => 1,
            };
            // The numbers as claims.csv prints them (then scaled), so the chart and the table agree.
            let scaled = |i: Interval| {
                let i = i.rounded();
                Interval {
                    value: i.value * panels[k].scale,
                    ci_low: i.ci_low * panels[k].scale,
                    ci_high: i.ci_high * panels[k].scale,
                }
            };
            let row = (r, scaled(r.effect), scaled(r.effect_independent));
            panels[k].rows.push(row);
        }
        if panels.iter().all(|p| p.rows.is_empty()) {
            panels.truncate(1);
        } else {
            panels.retain(|p| !p.rows.is_empty());
        }
        panels
    }
}

impl Figure for Forest<'_> {
    fn stem(&self) -> String {
        "forest".into()
    }
    fn size(&self) -> (u32, u32) {
        let panels = self.panels();
        let body: u32 = panels
            .iter()
            .map(|p| PANEL_PX + ROW_PX * p.rows.len().max(1) as u32)
            .sum();
        (1200, TITLE_PX + body)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title, mut body) = root.split_vertically(TITLE_PX);
        title.titled(&self.title, (FONT_FAMILY, 19)).txt()?;
        let panels = self.panels();
        let last = panels.len() - 1;
        for (k, panel) in panels.iter().enumerate() {
            let height = PANEL_PX + ROW_PX * panel.rows.len().max(1) as u32;
            let (area, rest) = body.split_vertically(height);
            draw_panel(&area, panel, k == last)?;
            body = rest;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    with_legend: bool,
) -> Result<(), String> {
    let n = panel.rows.len().max(1);
    let reach = panel
        .rows
        .iter()
        .flat_map(|(_, e, ind)| {
            [
                e.ci_low.abs(),
                e.ci_high.abs(),
                ind.ci_low.abs(),
                ind.ci_high.abs(),
            ]
        })
        .filter(|v| v.is_finite())
        .fold(panel.min_reach, f64::max)
        * 1.1;
    let labels: Vec<String> = panel
        .rows
        .iter()
        .map(|(r, _, _)| format!("{} ({}): {}", r.id, r.claim, r.outcome))
        .collect();
    let (rows, fmt) = super::row_axis(labels, 0.7, 0.7, false);
    let keys: Vec<Key> = if with_legend {
        vec![
            Key::new("holds (paired 95% interval)", Mark::Dot(OKABE_ITO[0])),
            Key::new(
                "contradicted (paired 95% interval)",
                Mark::Dot(OKABE_ITO[1]),
            ),
            Key::new("inconclusive (paired 95% interval)", Mark::Dot(GREY)),
            Key::new("independent streams, same runs", Mark::Line(GREY, 2)),
        ]
    } else {
        Vec::new()
    };
    let area = &legend_below(area, &keys, 12)?;
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, (FONT_FAMILY, 16))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(470)
        .build_cartesian_2d(-reach..reach, rows)
        .txt()?;
    chart
        .configure_mesh()
        .y_label_formatter(&fmt)
        .x_desc(panel.x_desc)
        .label_style((FONT_FAMILY, 12))
        .axis_desc_style((FONT_FAMILY, 13))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()
        .txt()?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.7), (0.0, n as f64 - 0.3)],
            BLACK.stroke_width(1),
        )))
        .txt()?;
    for (row, (r, effect, ind)) in panel.rows.iter().enumerate() {
        let y = (n - 1 - row) as f64;
        let c = colour(r.verdict);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(ind.ci_low, y - 0.22), (ind.ci_high, y - 0.22)],
                GREY.stroke_width(2),
            )))
            .txt()?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(effect.ci_low, y), (effect.ci_high, y)],
                c.stroke_width(3),
            )))
            .txt()?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (effect.value, y),
                5,
                c.filled(),
            )))
            .txt()?;
    }
    Ok(())
}
