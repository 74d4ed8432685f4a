//! The forest chart of `realign claims`: each claim's effect with its 95% interval (common random numbers), the
//! independent-streams interval beneath it for comparison, coloured by verdict.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, GREY, OKABE_ITO, OrText, legend};
use crate::claims::{ClaimResult, Verdict};
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

impl Figure for Forest<'_> {
    fn stem(&self) -> String {
        "forest".into()
    }
    fn size(&self) -> (u32, u32) {
        (1200, 140 + 56 * self.results.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.results.len().max(1);
        // The numbers as claims.csv prints them, so the chart and the table agree to the last digit.
        let effects: Vec<(Interval, Interval)> = self
            .results
            .iter()
            .map(|r| (r.effect.rounded(), r.effect_independent.rounded()))
            .collect();
        let reach = effects
            .iter()
            .flat_map(|(e, ind)| {
                [
                    e.ci_low.abs(),
                    e.ci_high.abs(),
                    ind.ci_low.abs(),
                    ind.ci_high.abs(),
                ]
            })
            .filter(|v| v.is_finite())
            .fold(0.05f64, f64::max)
            * 1.1;
        let labels: Vec<String> = self
            .results
            .iter()
            .map(|r| format!("{} ({}): {}", r.id, r.claim, r.outcome))
            .collect();
        let (rows, fmt) = super::row_axis(labels, 0.7, 0.7, false);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT_FAMILY, 19))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(470)
            .build_cartesian_2d(-reach..reach, rows)
            .txt()?;
        chart
            .configure_mesh()
            .y_label_formatter(&fmt)
            .x_desc("effect: to-arm minus from-arm (probability, or mean alignment)")
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
        for (row, (r, (effect, ind))) in self.results.iter().zip(&effects).enumerate() {
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
        for (name, c) in [
            ("holds", OKABE_ITO[0]),
            ("contradicted", OKABE_ITO[1]),
            ("inconclusive", GREY),
        ] {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .txt()?
                .label(format!("{name} (paired 95% interval)"))
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, c.filled()));
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .txt()?
            .label("independent streams, same runs")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREY.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        Ok(())
    }
}
