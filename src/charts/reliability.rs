//! The reliability chart of `realign score`: per run folder, each forecast bin's mean forecast against the share of
//! its questions that happened, with the share's Wilson 95% interval, the point's area proportional to the bin's
//! question count (and the count written beside it). A calibrated forecaster's points lie on the diagonal. The
//! legend sits in a row above the plot, where it hides no data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, GREY, OKABE_ITO, OrText, legend_row};
use crate::score::RunScore;

pub struct Reliability<'a> {
    pub title: String,
    pub results: &'a [RunScore],
}

const TITLE_PX: u32 = 40;
const LEGEND_PX: u32 = 30;

fn colour(i: usize) -> RGBColor {
    [
        OKABE_ITO[0],
        OKABE_ITO[1],
        OKABE_ITO[2],
        OKABE_ITO[3],
        OKABE_ITO[4],
        OKABE_ITO[5],
        OKABE_ITO[7],
    ][i % 7]
}

impl Figure for Reliability<'_> {
    fn stem(&self) -> String {
        "reliability".into()
    }
    fn size(&self) -> (u32, u32) {
        (820, 760)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title, body) = root.split_vertically(TITLE_PX);
        title.titled(&self.title, (FONT_FAMILY, 18)).txt()?;
        let (legend_area, plot) = body.split_vertically(LEGEND_PX);
        // The scenario names are validated ([A-Za-z0-9_-]), so they cannot carry markup into the SVG.
        let entries: Vec<(String, RGBColor)> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{} ({} runs)", r.scenario, r.runs), colour(i)))
            .collect();
        legend_row(&legend_area, &entries)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .txt()?;
        chart
            .configure_mesh()
            .x_desc("forecast probability (mean of the bin's forecasts)")
            .y_desc("share that happened (Wilson 95% interval)")
            .label_style((FONT_FAMILY, 12))
            .axis_desc_style((FONT_FAMILY, 13))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .txt()?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                6,
                4,
                GREY.stroke_width(1),
            ))
            .txt()?;
        let most = self
            .results
            .iter()
            .flat_map(|r| r.reliability.iter().map(|b| b.count))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let n = self.results.len().max(1) as f64;
        for (i, r) in self.results.iter().enumerate() {
            let c = colour(i);
            // Several run folders side by side within a bin, so their bars do not hide each other.
            let shift = (i as f64 - (n - 1.0) / 2.0) * 0.008;
            for b in r.reliability.iter().filter(|b| b.count > 0) {
                // As reliability.csv prints them.
                let (x, obs) = (
                    crate::output::round6(b.mean_forecast) + shift,
                    b.observed.rounded(),
                );
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, obs.ci_low), (x, obs.ci_high)],
                        c.mix(0.7).stroke_width(2),
                    )))
                    .txt()?;
                let radius = (3.0 + 11.0 * (b.count as f64 / most).sqrt()).round() as i32;
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (x, obs.value),
                        radius,
                        c.mix(0.75).filled(),
                    )))
                    .txt()?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{}", b.count),
                        (x + 0.018, obs.value + 0.012),
                        (FONT_FAMILY, 11).into_font().color(&c),
                    )))
                    .txt()?;
            }
        }
        Ok(())
    }
}
