//! The peeling trajectory of `realign discover`: each PRIM box's coverage (share of the cases of interest inside)
//! against its density (share of the box's points that are cases), the chosen box marked with its bootstrap 95%
//! intervals, and CART's leaves of interest as triangles. Both axes are shares in [0, 1]. The legend sits in a row above the plot, where it hides no data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, GREY, OKABE_ITO, OrText, legend_row};
use crate::discover::Discovery;

pub struct Trajectory<'a> {
    pub discovery: &'a Discovery,
}

const TITLE_PX: u32 = 40;
const LEGEND_PX: u32 = 30;

impl Figure for Trajectory<'_> {
    fn stem(&self) -> String {
        "trajectory".into()
    }
    fn size(&self) -> (u32, u32) {
        (820, 700)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.discovery;
        let p = d
            .prim
            .as_ref()
            .ok_or_else(|| "the trajectory chart needs PRIM".to_string())?;
        let (title, body) = root.split_vertically(TITLE_PX);
        // Sweep names and outcome labels are validated names ([A-Za-z0-9_:-]), so they cannot carry markup.
        title
            .titled(
                &format!(
                    "{}: where {} is {} {} (PRIM peeling trajectory)",
                    d.sweep,
                    d.outcome,
                    match d.direction {
                        crate::discover::Direction::Above => "above",
                        crate::discover::Direction::Below => "below",
                    },
                    crate::output::num(d.threshold)
                ),
                (FONT_FAMILY, 17),
            )
            .txt()?;
        let (legend_area, plot) = body.split_vertically(LEGEND_PX);
        let mut legend = vec![
            ("peeling steps".to_string(), OKABE_ITO[5]),
            ("chosen box, 95% intervals".to_string(), OKABE_ITO[1]),
        ];
        let leaves: Vec<(f64, f64)> = d
            .cart
            .iter()
            .flat_map(|c| c.of_interest())
            .map(|l| {
                (
                    crate::output::round6(l.coverage.value),
                    crate::output::round6(l.density.value),
                )
            })
            .collect();
        if !leaves.is_empty() {
            legend.push(("CART leaves of interest".to_string(), OKABE_ITO[2]));
        }
        legend_row(&legend_area, &legend)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1.02f64, 0f64..1.02f64)
            .txt()?;
        chart
            .configure_mesh()
            .x_desc("coverage (share of the cases of interest inside the box)")
            .y_desc("density (share of the box's points that are cases)")
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 13))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .txt()?;
        let pts: Vec<(f64, f64)> = p
            .trajectory
            .iter()
            .map(|s| {
                (
                    crate::output::round6(s.coverage),
                    crate::output::round6(s.density),
                )
            })
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                pts.clone(),
                GREY.stroke_width(1),
            )))
            .txt()?;
        chart
            .draw_series(
                pts.iter()
                    .map(|p| Circle::new(*p, 3, OKABE_ITO[5].filled())),
            )
            .txt()?;
        let (c, r) = (p.coverage.rounded(), p.density.rounded());
        // Vermillion, not yellow: the chosen box and its label must read on white.
        let mark = OKABE_ITO[1];
        if c.ci_low.is_finite() && r.ci_low.is_finite() {
            chart
                .draw_series([
                    PathElement::new(
                        vec![(c.ci_low, r.value), (c.ci_high, r.value)],
                        mark.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(c.value, r.ci_low), (c.value, r.ci_high)],
                        mark.stroke_width(2),
                    ),
                ])
                .txt()?;
        }
        chart
            .draw_series(std::iter::once(Circle::new(
                (c.value, r.value),
                7,
                mark.filled(),
            )))
            .txt()?;
        // CART's leaves last, so the box's interval lines never hide them.
        chart
            .draw_series(
                leaves
                    .iter()
                    .map(|q| TriangleMarker::new(*q, 6, OKABE_ITO[2].filled())),
            )
            .txt()?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("box from step {}", p.chosen_step),
                (c.value + 0.015, r.value - 0.03),
                (FONT_FAMILY, 12).into_font().color(&OKABE_ITO[7]),
            )))
            .txt()?;
        Ok(())
    }
}
