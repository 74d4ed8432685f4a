//! The figure of `realign condition` (what is conditioned is decided in [`crate::condition`]): each event's
//! probability by the horizon, unconditioned (grey) and conditioned on what was observed (blue), as dots with
//! 95% whiskers, one row per event.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, GREY, Key, Mark, OKABE_ITO, OrText, legend_below};
use crate::condition::Conditioned;

pub struct ConditionedEvents<'a> {
    pub result: &'a Conditioned,
}

impl Figure for ConditionedEvents<'_> {
    fn stem(&self) -> String {
        "conditioned".into()
    }
    fn size(&self) -> (u32, u32) {
        (1200, 150 + 34 * self.result.at_horizon.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows = &self.result.at_horizon;
        let labels: Vec<String> = rows.iter().map(|r| r.description.clone()).collect();
        let (axis, fmt) = super::row_axis(labels, 0.6, 0.6, true);
        let keys = [
            Key::new("unconditioned", Mark::Dot(GREY)),
            Key::new("conditioned", Mark::Dot(OKABE_ITO[0])),
        ];
        let root = &legend_below(root, &keys, 13)?;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Events by {}: conditioned on what was observed to {} ({} of {} runs{}) against \
                     unconditioned, with 95% intervals",
                    self.result.horizon,
                    self.result.observed_to,
                    self.result.survivors,
                    self.result.runs,
                    if self.result.weighted { ", weighted" } else { "" }
                ),
                (FONT_FAMILY, 17),
            )
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(430)
            .build_cartesian_2d(0f64..1f64, axis)
            .txt()?;
        chart
            .configure_mesh()
            .y_label_formatter(&fmt)
            .x_desc("probability")
            .label_style((FONT_FAMILY, 13))
            .axis_desc_style((FONT_FAMILY, 14))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .txt()?;
        let n = rows.len();
        for (s, (_, colour)) in [("unconditioned", GREY), ("conditioned", OKABE_ITO[0])]
            .into_iter()
            .enumerate()
        {
            let offset = if s == 0 { 0.15 } else { -0.15 };
            let mut dots = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                let ci = if s == 0 {
                    r.unconditioned
                } else {
                    r.conditioned
                }
                .rounded();
                let y = (n - 1 - i) as f64 + offset;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(ci.ci_low, y), (ci.ci_high, y)],
                        colour.stroke_width(2),
                    )))
                    .txt()?;
                if ci.value.is_finite() {
                    dots.push((ci.value, y));
                }
            }
            chart
                .draw_series(dots.into_iter().map(|p| Circle::new(p, 4, colour.filled())))
                .txt()?;
        }
        Ok(())
    }
}
