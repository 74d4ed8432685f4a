//! The run's figures: a fan chart per actor, band probabilities, cumulative events, and the drivers.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BAND_COLOURS, FONT_FAMILY, Figure, GREY, Key, KeyedAxis, Mark, OKABE_ITO, OrText, actor_colour,
    legend_below,
};
use crate::model::{Event, Role};
use crate::series::{ChartData, EventSeries, Series};

const WIDE: (u32, u32) = (1000, 560);
const GRID: (u32, u32) = (1200, 820);

/// Month labels of a run's charts.
fn month_axis(d: &ChartData) -> impl Fn(&f64) -> String {
    super::month_labels(d.start)
}

/// Polygon between two curves (upper edge left to right, lower edge back).
fn ribbon(lo: &[f64], hi: &[f64]) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = hi
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(m, v)| (m as f64, *v))
        .collect();
    pts.extend(
        lo.iter()
            .enumerate()
            .rev()
            .filter(|(_, v)| v.is_finite())
            .map(|(m, v)| (m as f64, *v)),
    );
    pts
}

fn line(v: &[f64]) -> Vec<(f64, f64)> {
    v.iter()
        .enumerate()
        .filter(|(_, y)| y.is_finite())
        .map(|(m, y)| (m as f64, *y))
        .collect()
}

/// The month axis of a run's charts.
fn month_range(d: &ChartData) -> KeyedAxis {
    super::month_axis(d.start, d.months)
}

/// What one fan chart shows.
struct Fan<'a> {
    series: &'a Series,
    title: String,
    y_desc: &'a str,
    y_range: std::ops::Range<f64>,
    colour: RGBColor,
    /// Historical values per month, drawn over the fan.
    history: Option<&'a [Option<f64>]>,
    /// Dashed horizontal lines with their labels.
    thresholds: Vec<(f64, String)>,
    /// With `run --uncertainty`: the assumption range of the median (5th, 95th percentile over outer draws).
    assumption: Option<&'a [Vec<f64>; 2]>,
}

/// One fan: 90% band, 50% band, median.
fn draw_fan<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &ChartData,
    fan: Fan<'_>,
) -> Result<(), String> {
    let Fan {
        series: s,
        title,
        y_desc,
        y_range,
        colour,
        history,
        thresholds,
        assumption,
    } = fan;
    let last = (d.months - 1) as f64;
    let fmt = month_axis(d);
    // The 90% band (q05..q95) under the 50% band (q25..q75).
    let (outer, inner) = if assumption.is_some() {
        (
            "90% of pooled runs (luck and assumptions)",
            "50% of pooled runs",
        )
    } else {
        ("90% of runs", "50% of runs")
    };
    let history: Vec<(f64, f64)> = history
        .map(|h| {
            h.iter()
                .enumerate()
                .filter_map(|(m, v)| v.map(|v| (m as f64, v)))
                .collect()
        })
        .unwrap_or_default();
    let mut keys = vec![
        Key::new(outer, Mark::Fill(colour.mix(0.18))),
        Key::new(inner, Mark::Fill(colour.mix(0.38))),
    ];
    if assumption.is_some() {
        keys.push(Key::new(
            "median's assumption range (5-95% of outer draws)",
            Mark::Fill(GREY.mix(0.22)),
        ));
    }
    keys.push(Key::new("median", Mark::Line(colour, 3)));
    if !history.is_empty() {
        keys.push(Key::new("history (data)", Mark::Line(BLACK, 2)));
    }
    let area = &legend_below(area, &keys, 12)?;
    let mut chart = ChartBuilder::on(area)
        .caption(&title, (FONT_FAMILY, 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(month_range(d), y_range)
        .txt()?;
    chart
        .configure_mesh()
        .x_label_formatter(&fmt)
        .x_desc("month")
        .y_desc(y_desc)
        .label_style((FONT_FAMILY, 13))
        .axis_desc_style((FONT_FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .txt()?;
    for (lo, hi, shade) in [(0, 4, 0.18), (1, 3, 0.38)] {
        let fill = colour.mix(shade).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(
                ribbon(&s.q[lo], &s.q[hi]),
                fill,
            )))
            .txt()?;
    }
    // The assumption range of the median over the runs' bands, grey and outlined: where the median would be under
    // other values of the assumptions (usually inside the 50% band, so it must not hide under it).
    if let Some([lo, hi]) = assumption {
        let fill = GREY.mix(0.22).filled();
        let edge = GREY.mix(0.9).stroke_width(1);
        chart
            .draw_series(std::iter::once(Polygon::new(ribbon(lo, hi), fill)))
            .txt()?;
        for v in [lo, hi] {
            chart
                .draw_series(DashedLineSeries::new(line(v), 3, 3, edge))
                .txt()?;
        }
    }
    chart
        .draw_series(LineSeries::new(line(&s.q[2]), colour.stroke_width(3)))
        .txt()?;
    for (y, label) in &thresholds {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, *y), (last, *y)],
                8,
                5,
                GREY.stroke_width(1),
            ))
            .txt()?;
        chart
            .draw_series(std::iter::once(Text::new(
                label.clone(),
                (0.4, *y + 0.01),
                // Above the line it labels: the text's box ends just over the dashes.
                (FONT_FAMILY, 12).into_font().color(&GREY).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Bottom,
                    ),
                ),
            )))
            .txt()?;
    }
    if !history.is_empty() {
        chart
            .draw_series(LineSeries::new(history.clone(), BLACK.stroke_width(2)))
            .txt()?;
        chart
            .draw_series(
                history
                    .into_iter()
                    .map(|p| Circle::new(p, 2, BLACK.filled())),
            )
            .txt()?;
    }
    Ok(())
}

fn band_thresholds(d: &ChartData) -> Vec<(f64, String)> {
    vec![
        (
            d.russia_min,
            format!("Russia-aligned above {}", d.russia_min),
        ),
        (d.west_max, format!("West-leaning below {}", d.west_max)),
    ]
}

/// Alignment of one actor over the months.
pub struct FanChart<'a> {
    pub data: &'a ChartData,
    pub actor: usize,
    pub slug: String,
}

impl Figure for FanChart<'_> {
    fn stem(&self) -> String {
        format!("fan-{}", self.slug)
    }
    fn size(&self) -> (u32, u32) {
        WIDE
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.data;
        let a = &d.actors[self.actor];
        let title = format!(
            "{}: alignment, {} to {} ({} runs)",
            a.name,
            d.month_label(0),
            d.month_label(d.months - 1),
            d.runs
        );
        let fan = Fan {
            series: &d.alignment[self.actor],
            title,
            y_desc: "alignment (-1 West ... +1 Russia)",
            y_range: -1.0..1.0,
            colour: actor_colour(&a.name, a.index),
            history: None,
            thresholds: band_thresholds(d),
            assumption: d.assumption.as_ref().map(|a| &a[self.actor]),
        };
        draw_fan(root, d, fan)
    }
}

/// Stacked band probabilities, one panel per actor.
pub struct BandsChart<'a> {
    pub data: &'a ChartData,
}

impl Figure for BandsChart<'_> {
    fn stem(&self) -> String {
        "bands".into()
    }
    fn size(&self) -> (u32, u32) {
        GRID
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.data;
        let (title_area, body) = root.split_vertically(70);
        let title_area = title_area
            .titled(
                &format!(
                    "Where each actor stands: probability of each band ({} runs)",
                    d.runs
                ),
                (FONT_FAMILY, 20),
            )
            .txt()?;
        let entries: Vec<(String, RGBColor)> = ["West-leaning", "multi-vector", "Russia-aligned"]
            .iter()
            .zip(BAND_COLOURS)
            .map(|(n, c)| (n.to_string(), c))
            .collect();
        super::legend_row(&title_area, &entries)?;
        // The patron's own alignment is fixed by construction: its panel would be one flat band.
        let shown: Vec<_> = d
            .bands
            .iter()
            .zip(&d.actors)
            .filter(|(_, a)| a.role != Role::Patron)
            .map(|(b, _)| b)
            .collect();
        let n = shown.len().max(1);
        let cols = if n <= 2 { n } else { 2 };
        let rows = n.div_ceil(cols);
        let panels = body.split_evenly((rows, cols));
        let fmt = month_axis(d);
        for (band, panel) in shown.into_iter().zip(panels.iter()) {
            let mut chart = ChartBuilder::on(panel)
                .caption(&band.actor, (FONT_FAMILY, 16))
                .margin(10)
                .x_label_area_size(34)
                .y_label_area_size(52)
                .build_cartesian_2d(month_range(d), 0f64..1f64)
                .txt()?;
            chart
                .configure_mesh()
                .x_label_formatter(&fmt)
                .y_desc("probability")
                .label_style((FONT_FAMILY, 11))
                .axis_desc_style((FONT_FAMILY, 12))
                .disable_mesh()
                .draw()
                .txt()?;
            let mut lower = vec![0.0; d.months];
            for (b, p) in band.p.iter().enumerate() {
                let upper: Vec<f64> = lower.iter().zip(p).map(|(l, p)| l + p).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        ribbon(&lower, &upper),
                        BAND_COLOURS[b].mix(0.85).filled(),
                    )))
                    .txt()?;
                lower = upper;
            }
        }
        Ok(())
    }
}

/// Cumulative event probabilities with 95% interval ribbons: one panel per kind of partner event, one for the
/// events about the whole system.
pub struct EventsChart<'a> {
    pub data: &'a ChartData,
}

fn event_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &ChartData,
    title: &str,
    lines: &[(&EventSeries, String, RGBColor)],
) -> Result<(), String> {
    let fmt = month_axis(d);
    let keys: Vec<Key> = lines
        .iter()
        .map(|(_, label, colour)| Key::new(label.clone(), Mark::Line(*colour, 2)))
        .collect();
    let area = &legend_below(area, &keys, 11)?;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT_FAMILY, 15))
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(52)
        .build_cartesian_2d(month_range(d), 0f64..1f64)
        .txt()?;
    chart
        .configure_mesh()
        .x_label_formatter(&fmt)
        .y_desc("probability by then")
        .label_style((FONT_FAMILY, 11))
        .axis_desc_style((FONT_FAMILY, 12))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()
        .txt()?;
    for (e, _, colour) in lines {
        let colour = *colour;
        chart
            .draw_series(std::iter::once(Polygon::new(
                ribbon(&e.lo, &e.hi),
                colour.mix(0.2).filled(),
            )))
            .txt()?;
        chart
            .draw_series(LineSeries::new(line(&e.p), colour.stroke_width(2)))
            .txt()?;
    }
    Ok(())
}

impl Figure for EventsChart<'_> {
    fn stem(&self) -> String {
        "events".into()
    }
    fn size(&self) -> (u32, u32) {
        GRID
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.data;
        let (title_area, body) = root.split_vertically(40);
        title_area
            .titled(
                &format!(
                    "Has it happened yet? Cumulative probability with 95% intervals ({} runs)",
                    d.runs
                ),
                (FONT_FAMILY, 20),
            )
            .txt()?;
        let panels = body.split_evenly((3, 2));
        let titles = [
            (
                Event::LeavesOrbit,
                "Partner leaves the patron's orbit (West-leaning band)",
            ),
            (Event::HostsMediation, "Partner hosts a mediation round"),
            (Event::Sanctioned, "Patron sanctions the partner"),
            (
                Event::LeavesUnion,
                "Partner leaves the Eurasian Economic Union",
            ),
        ];
        for (i, (kind, title)) in titles.iter().enumerate() {
            let lines: Vec<_> = d
                .events
                .iter()
                .filter(|e| e.id == kind.id())
                .map(|e| {
                    let a = d
                        .actors
                        .iter()
                        .find(|a| a.name == e.actor)
                        .expect("event actor is declared");
                    (e, e.actor.clone(), actor_colour(&a.name, a.index))
                })
                .collect();
            event_panel(&panels[i], d, title, &lines)?;
        }
        let global: Vec<_> = d
            .events
            .iter()
            .filter(|e| e.actor.is_empty())
            .zip([OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[1], OKABE_ITO[4]])
            .map(|(e, c)| (e, e.description.clone(), c))
            .collect();
        event_panel(
            &panels[4],
            d,
            "The whole system",
            &global[..2.min(global.len())],
        )?;
        event_panel(
            &panels[5],
            d,
            "The patron and the union",
            &global[2.min(global.len())..],
        )?;
        Ok(())
    }
}

/// Oil, rouble and integration budget as fan charts, with history drawn over them.
pub struct DriversChart<'a> {
    pub data: &'a ChartData,
}

impl Figure for DriversChart<'_> {
    fn stem(&self) -> String {
        "drivers".into()
    }
    fn size(&self) -> (u32, u32) {
        (1200, 1100)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.data;
        let panels = root.split_evenly((3, 1));
        let specs = [
            ("Oil: Brent price", "USD per barrel", OKABE_ITO[0]),
            (
                "Rouble: RUB per USD (up = weaker rouble)",
                "roubles per US dollar",
                OKABE_ITO[1],
            ),
            (
                "The patron's integration budget",
                "bn USD a year",
                OKABE_ITO[2],
            ),
        ];
        for (i, (title, unit, colour)) in specs.iter().enumerate() {
            let s = &d.drivers[i];
            let hist = &d.history[i];
            let top = s.q[4]
                .iter()
                .chain(hist.iter().flatten())
                .copied()
                .filter(|v| v.is_finite())
                .fold(0.0f64, f64::max);
            let title = format!("{title}, median and 50% / 90% of runs ({} runs)", d.runs);
            let fan = Fan {
                series: s,
                title,
                y_desc: unit,
                y_range: 0.0..(top * 1.08).max(1e-6),
                colour: *colour,
                history: Some(hist),
                thresholds: Vec::new(),
                assumption: None,
            };
            draw_fan(&panels[i], d, fan)?;
        }
        Ok(())
    }
}

/// Every figure of a run, in the order the report shows them.
pub fn run_figures(
    d: &ChartData,
    slugs: &[String],
) -> Result<Vec<super::Rendered>, super::ChartError> {
    let mut out = Vec::new();
    for (i, a) in d.actors.iter().enumerate() {
        // The patron's alignment is fixed by construction; its fan would be a flat line.
        if a.role != Role::Patron {
            out.push(super::render(&FanChart {
                data: d,
                actor: i,
                slug: slugs[i].clone(),
            })?);
        }
    }
    out.push(super::render(&BandsChart { data: d })?);
    out.push(super::render(&EventsChart { data: d })?);
    out.push(super::render(&DriversChart { data: d })?);
    Ok(out)
}
