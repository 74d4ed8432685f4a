//! The figures of `realign compare` (what is compared is decided in [`crate::compare`]): several scenarios side by side. Events at the last month all scenarios share, as dots with
//! 95% whiskers; the actors' median alignments over the shared months, overlaid. What the scenarios do not share
//! (actors, events, months) is left out and listed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT_FAMILY, Figure, Key, Mark, OKABE_ITO, OrText, legend_below};
use crate::compare::{Shared, index_of};
use crate::series::ChartData;

/// Colour of the i-th scenario in a comparison.
pub fn scenario_colour(i: usize) -> RGBColor {
    [
        OKABE_ITO[0],
        OKABE_ITO[1],
        OKABE_ITO[2],
        OKABE_ITO[4],
        OKABE_ITO[3],
        OKABE_ITO[5],
        OKABE_ITO[7],
        OKABE_ITO[6],
    ][i % 8]
}

fn event_label(runs: &[ChartData], id: &str, actor: &str) -> String {
    runs[0]
        .events
        .iter()
        .find(|e| e.id == id && e.actor == actor)
        .map(|e| e.description.clone())
        .unwrap_or_default()
}

/// Dot and whisker: each shared event's probability by the last shared month, per scenario.
pub struct EventsCompare<'a> {
    pub runs: &'a [ChartData],
    pub shared: &'a Shared,
}

impl Figure for EventsCompare<'_> {
    fn stem(&self) -> String {
        "compare-events".into()
    }
    fn size(&self) -> (u32, u32) {
        (
            1200,
            120 + 34 * self.shared.events.len().max(1) as u32 + 14 * self.runs.len() as u32,
        )
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let labels: Vec<String> = self
            .shared
            .events
            .iter()
            .map(|(id, actor)| event_label(self.runs, id, actor))
            .collect();
        // Row 0 (the first event) is drawn at the top.
        let (rows, fmt) = super::row_axis(labels, 0.6, 0.6, true);
        let keys: Vec<Key> = self
            .runs
            .iter()
            .enumerate()
            .map(|(s, d)| Key::new(d.scenario.clone(), Mark::Dot(scenario_colour(s))))
            .collect();
        let root = &legend_below(root, &keys, 13)?;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Events by {}: probability with 95% interval",
                    self.shared.last
                ),
                (FONT_FAMILY, 20),
            )
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(430)
            .build_cartesian_2d(0f64..1f64, rows)
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
        let k = self.runs.len() as f64;
        for (s, d) in self.runs.iter().enumerate() {
            let colour = scenario_colour(s);
            let m = index_of(d, self.shared.last);
            let offset = if k > 1.0 {
                (s as f64 - (k - 1.0) / 2.0) * (0.6 / k)
            } else {
                0.0
            };
            let mut dots = Vec::new();
            for (row, (id, actor)) in self.shared.events.iter().enumerate() {
                let e = d
                    .events
                    .iter()
                    .find(|e| &e.id == id && &e.actor == actor)
                    .expect("shared event");
                let y = (self.shared.events.len() - 1 - row) as f64 - offset;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(e.lo[m], y), (e.hi[m], y)],
                        colour.stroke_width(2),
                    )))
                    .txt()?;
                dots.push((e.p[m], y));
            }
            chart
                .draw_series(dots.into_iter().map(|p| Circle::new(p, 4, colour.filled())))
                .txt()?;
        }
        Ok(())
    }
}

/// Median alignment of each shared actor over the shared months, one line per scenario.
pub struct AlignmentCompare<'a> {
    pub runs: &'a [ChartData],
    pub shared: &'a Shared,
}

impl Figure for AlignmentCompare<'_> {
    fn stem(&self) -> String {
        "compare-alignment".into()
    }
    fn size(&self) -> (u32, u32) {
        let rows = self.shared.actors.len().div_ceil(2).max(1) as u32;
        (1200, 60 + 360 * rows)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title, body) = root.split_vertically(74);
        let title = title
            .titled(
                &format!(
                    "Median alignment, {} to {} (-1 West ... +1 patron)",
                    self.shared.first, self.shared.last
                ),
                (FONT_FAMILY, 20),
            )
            .txt()?;
        let entries: Vec<(String, RGBColor)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(s, d)| (d.scenario.clone(), scenario_colour(s)))
            .collect();
        super::legend_row(&title, &entries)?;
        let n = self.shared.actors.len().max(1);
        let panels = body.split_evenly((n.div_ceil(2), 2.min(n)));
        let span = self.shared.first.months_until(self.shared.last) as f64;
        let first = self.shared.first;
        let fmt = super::month_labels(first);
        for (actor, panel) in self.shared.actors.iter().zip(panels.iter()) {
            let mut chart = ChartBuilder::on(panel)
                .caption(actor, (FONT_FAMILY, 16))
                .margin(10)
                .x_label_area_size(34)
                .y_label_area_size(48)
                .build_cartesian_2d(super::month_axis(first, span as usize + 1), -1f64..1f64)
                .txt()?;
            chart
                .configure_mesh()
                .x_label_formatter(&fmt)
                .label_style((FONT_FAMILY, 11))
                .light_line_style(RGBColor(238, 238, 238))
                .draw()
                .txt()?;
            for (s, d) in self.runs.iter().enumerate() {
                let colour = scenario_colour(s);
                let j = d
                    .actors
                    .iter()
                    .position(|a| &a.name == actor)
                    .expect("shared actor");
                let from = index_of(d, first);
                let pts: Vec<(f64, f64)> = (0..=span as usize)
                    .map(|i| (i as f64, d.alignment[j].q[2][from + i]))
                    .filter(|(_, v)| v.is_finite())
                    .collect();
                chart
                    .draw_series(LineSeries::new(pts, colour.stroke_width(3)))
                    .txt()?;
            }
        }
        Ok(())
    }
}
