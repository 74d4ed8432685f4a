//! `realign robust`: one row per lever setting, three panels side by side, each on its own axis: the outcome's
//! spread across futures (min-max, 5th-95th percentile, median), regret (maximum and mean, with 95% intervals) and,
//! with a threshold, the satisficing share (with its 95% interval). Regret is a difference of outcomes, so it never
//! shares the outcome's axis. The legend sits in a row above the panels, where it hides no data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, LIGHT_GREY, OKABE_ITO, OrText, legend_row, row_axis};
use crate::robust::Robustness;
use crate::stats::Interval;

pub struct RobustChart<'a> {
    pub result: &'a Robustness,
}

const TITLE_PX: u32 = 50;
const LEGEND_PX: u32 = 30;
const ROW_PX: u32 = 34;

fn whisker<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    i: &Interval,
    y: f64,
    colour: RGBColor,
) -> Result<(), String> {
    let i = i.rounded();
    chart
        .draw_series([PathElement::new(
            vec![(i.ci_low, y), (i.ci_high, y)],
            colour.stroke_width(2),
        )])
        .txt()?;
    chart
        .draw_series([Circle::new((i.value, y), 4, colour.filled())])
        .txt()?;
    Ok(())
}

impl Figure for RobustChart<'_> {
    fn stem(&self) -> String {
        "robust".into()
    }
    fn size(&self) -> (u32, u32) {
        (
            1240,
            TITLE_PX + LEGEND_PX + 90 + ROW_PX * self.result.settings.len().max(2) as u32,
        )
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let r = self.result;
        let n = r.settings.len();
        let (title, body) = root.split_vertically(TITLE_PX);
        // Sweep names, outcome labels and lever keys are checked names ([A-Za-z0-9 _.:-]): no markup.
        title
            .titled(
                &format!(
                    "{}: {} ({}) per lever setting across {} futures",
                    r.sweep,
                    r.outcome,
                    match r.goal {
                        crate::robust::Goal::Maximize => "higher is better",
                        crate::robust::Goal::Minimize => "lower is better",
                    },
                    r.futures
                ),
                (FONT_FAMILY, 17),
            )
            .txt()?;
        title
            .draw(&Text::new(
                "R: most robust by minimax regret; S: by satisficing",
                (12, 30),
                (FONT_FAMILY, 13),
            ))
            .txt()?;
        let (legend_area, plot) = body.split_vertically(LEGEND_PX);
        let mut entries = vec![
            ("min-max across futures".to_string(), LIGHT_GREY),
            ("5th-95th percentile".to_string(), OKABE_ITO[1]),
            ("median".to_string(), BLACK),
            ("max regret, 95% CI".to_string(), OKABE_ITO[5]),
            ("mean regret, 95% CI".to_string(), OKABE_ITO[2]),
        ];
        if r.threshold.is_some() {
            entries.push(("satisficing, 95% CI".to_string(), OKABE_ITO[3]));
        }
        legend_row(&legend_area, &entries)?;
        let labels: Vec<String> = r
            .settings
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut l = s.label.clone();
                if i == r.most_robust_regret {
                    l.push_str(" R");
                }
                if r.most_robust_satisficing == Some(i) {
                    l.push_str(" S");
                }
                l
            })
            .collect();
        let y_of = |i: usize| (n - 1 - i) as f64;
        let panels = if r.threshold.is_some() { 3 } else { 2 };
        let (w, _) = plot.dim_in_pixel();
        let label_px = 230u32;
        let first_w = label_px + (w - label_px) / panels;
        let (p1, rest) = plot.split_horizontally(first_w);
        let (p2, p3) = rest.split_horizontally((w - first_w) / (panels - 1));
        let (outcome_lo, outcome_hi, outcome_desc) = if r.probability {
            (0.0, 1.0, format!("P({}) across futures", r.outcome))
        } else {
            (-1.0, 1.0, format!("{} across futures", r.outcome))
        };
        // Panel 1: the outcome.
        {
            let (axis, fmt) = row_axis(labels.clone(), 0.6, 0.6, true);
            let mut chart = ChartBuilder::on(&p1)
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(label_px - 12)
                .build_cartesian_2d(outcome_lo..outcome_hi, axis)
                .txt()?;
            chart
                .configure_mesh()
                .x_desc(outcome_desc)
                .y_label_formatter(&fmt)
                .label_style((FONT_FAMILY, 12))
                .axis_desc_style((FONT_FAMILY, 13))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .txt()?;
            if let Some(p) = r.threshold {
                chart
                    .draw_series([PathElement::new(
                        vec![(p, -0.6), (p, n as f64 - 0.4)],
                        OKABE_ITO[3].stroke_width(1),
                    )])
                    .txt()?;
            }
            for (i, s) in r.settings.iter().enumerate() {
                let d = &s.distribution;
                let round = crate::output::round6;
                let y = y_of(i);
                chart
                    .draw_series([
                        PathElement::new(
                            vec![(round(d.min), y), (round(d.max), y)],
                            LIGHT_GREY.stroke_width(2),
                        ),
                        PathElement::new(
                            vec![(round(d.p5), y), (round(d.p95), y)],
                            OKABE_ITO[1].stroke_width(8),
                        ),
                    ])
                    .txt()?;
                chart
                    .draw_series([Circle::new((round(d.p50), y), 4, BLACK.filled())])
                    .txt()?;
            }
        }
        // Panel 2: regret, on its own axis.
        {
            let top = r
                .settings
                .iter()
                .map(|s| {
                    s.max_regret
                        .rounded()
                        .ci_high
                        .max(s.mean_regret.rounded().ci_high)
                })
                .fold(0.0f64, f64::max);
            let top = if top > 0.0 { top * 1.1 } else { 0.01 };
            let (axis, fmt) = row_axis(vec![String::new(); n], 0.6, 0.6, true);
            let mut chart = ChartBuilder::on(&p2)
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(4)
                .build_cartesian_2d(0f64..top, axis)
                .txt()?;
            chart
                .configure_mesh()
                .x_desc(if r.probability {
                    "regret (difference of probabilities)"
                } else {
                    "regret (difference of alignments)"
                })
                .y_label_formatter(&fmt)
                .label_style((FONT_FAMILY, 12))
                .axis_desc_style((FONT_FAMILY, 13))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .txt()?;
            for (i, s) in r.settings.iter().enumerate() {
                whisker(&mut chart, &s.max_regret, y_of(i) + 0.15, OKABE_ITO[5])?;
                whisker(&mut chart, &s.mean_regret, y_of(i) - 0.15, OKABE_ITO[2])?;
            }
        }
        // Panel 3: satisficing, a share of futures.
        if let Some(p) = r.threshold {
            let (axis, fmt) = row_axis(vec![String::new(); n], 0.6, 0.6, true);
            let mut chart = ChartBuilder::on(&p3)
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(4)
                .build_cartesian_2d(0f64..1.0f64, axis)
                .txt()?;
            chart
                .configure_mesh()
                .x_desc(format!(
                    "share of futures {} {}",
                    match r.goal {
                        crate::robust::Goal::Maximize => ">=",
                        crate::robust::Goal::Minimize => "<=",
                    },
                    crate::output::num(p)
                ))
                .y_label_formatter(&fmt)
                .label_style((FONT_FAMILY, 12))
                .axis_desc_style((FONT_FAMILY, 13))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .txt()?;
            for (i, s) in r.settings.iter().enumerate() {
                if let Some(sat) = &s.satisficing {
                    whisker(&mut chart, sat, y_of(i), OKABE_ITO[3])?;
                }
            }
        }
        Ok(())
    }
}
