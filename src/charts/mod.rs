//! Charts with plotters, as PNG and SVG. Text is drawn with DejaVu Sans embedded in the binary (no system font
//! library at build or run time). Colours come from the Okabe-Ito palette (safe for the common colour-vision
//! deficiencies), and an actor keeps its colour in every chart.

pub mod compare;
pub mod condition;
pub mod discover;
pub mod draw;
pub mod forest;
pub mod reliability;
pub mod robust;
pub mod sweep;

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

pub use crate::series::{Band, ChartData, Series};

/// DejaVu Sans (Bitstream Vera licence, assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const FONT_FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process.
pub fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans is a valid font"));
    });
}

/// Okabe & Ito (2008), "Color Universal Design".
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

pub const GREY: RGBColor = RGBColor(120, 120, 120);
pub const LIGHT_GREY: RGBColor = RGBColor(200, 200, 200);

/// An actor's colour: fixed for the actors of the baseline (so every scenario and comparison agrees), then the
/// remaining palette colours by the actor's position.
pub fn actor_colour(name: &str, index: usize) -> RGBColor {
    match name {
        "Russia" => OKABE_ITO[1],
        "Belarus" => OKABE_ITO[2],
        "Kazakhstan" => OKABE_ITO[3],
        "Ukraine" => OKABE_ITO[0],
        "Armenia" => OKABE_ITO[4],
        _ => [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[6], OKABE_ITO[7]][index % 4],
    }
}

/// Band colours: West-leaning, multi-vector, Russia-aligned.
pub const BAND_COLOURS: [RGBColor; 3] = [OKABE_ITO[0], RGBColor(190, 190, 190), OKABE_ITO[1]];

/// A rendered chart in both formats.
pub struct Rendered {
    /// File stem, e.g. `fan-belarus`.
    pub stem: String,
    pub png: Vec<u8>,
    pub svg: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("drawing {chart}: {message}")]
pub struct ChartError {
    pub chart: String,
    pub message: String,
}

/// A chart that can draw itself on any plotters backend, on the white background [`render`] lays.
pub trait Figure {
    /// File stem, e.g. `fan-belarus`.
    fn stem(&self) -> String;
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String>;
}

/// Renders a figure to an SVG string and a PNG.
pub fn render(fig: &impl Figure) -> Result<Rendered, ChartError> {
    init_font();
    let stem = fig.stem();
    let size = fig.size();
    let err = |message: String| ChartError {
        chart: stem.clone(),
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        fig.draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        fig.draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let png = encode_png(&rgb, size).map_err(err)?;
    Ok(Rendered {
        stem,
        png,
        svg,
        width: size.0,
        height: size.1,
    })
}

/// An f64 axis whose labelled ticks and grid lines are given, not chosen by plotters (whose f64 axis only steps
/// by 1, 2 or 5 x 10^k): months at January and July, one tick per event row.
#[derive(Clone)]
pub(crate) struct KeyedAxis {
    pub inner: plotters::coord::types::RangedCoordf64,
    pub labels: Vec<f64>,
    pub grid: Vec<f64>,
}

impl Ranged for KeyedAxis {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }
    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.grid.clone()
        } else {
            self.labels.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

impl plotters::coord::ranged1d::ValueFormatter<f64> for KeyedAxis {
    fn format(value: &f64) -> String {
        format!("{value}")
    }
}

/// A month axis for `months` months from `start` (index 0): labelled at each January and July (each January only
/// beyond five years), with a light grid line every month.
pub(crate) fn month_axis(start: crate::scenario::Month, months: usize) -> KeyedAxis {
    let long = months > 61;
    let labels = (0..months)
        .filter(|&m| {
            let month = start.plus(m).month();
            month == 1 || (!long && month == 7)
        })
        .map(|m| m as f64)
        .collect();
    KeyedAxis {
        inner: (0f64..(months.max(2) - 1) as f64).into(),
        labels,
        grid: (0..months).map(|m| m as f64).collect(),
    }
}

/// A categorical axis of `labels`, the first at the top (row i sits at y = n - 1 - i), padded `below` the
/// bottom row and `above` the top one; `grid` draws a line through every row. Returns the axis and its labeller.
pub(crate) fn row_axis(
    labels: Vec<String>,
    below: f64,
    above: f64,
    grid: bool,
) -> (KeyedAxis, impl Fn(&f64) -> String) {
    let n = labels.len().max(1);
    let rows: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let axis = KeyedAxis {
        inner: (-below..n as f64 - 1.0 + above).into(),
        grid: if grid { rows.clone() } else { Vec::new() },
        labels: rows,
    };
    let fmt = move |y: &f64| {
        let i = y.round();
        let row = labels.len() as f64 - 1.0 - i;
        if (y - i).abs() < 1e-6 && row >= 0.0 {
            labels.get(row as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    (axis, fmt)
}

/// Labels month indices from `start` as `YYYY-MM`.
pub(crate) fn month_labels(start: crate::scenario::Month) -> impl Fn(&f64) -> String {
    move |x: &f64| {
        let m = x.round();
        if (x - m).abs() < 1e-6 && m >= 0.0 {
            start.plus(m as usize).to_string()
        } else {
            String::new()
        }
    }
}

/// One legend for all the panels of a figure, in a row centred in `area`, where it hides no data.
pub(crate) fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor)],
) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let step = 190;
    let mut x = w as i32 / 2 - (step * entries.len() as i32) / 2;
    for (name, colour) in entries {
        area.draw(&Rectangle::new(
            [(x, 6), (x + 22, 20)],
            colour.mix(0.85).filled(),
        ))
        .txt()?;
        area.draw(&Text::new(name.clone(), (x + 28, 6), (FONT_FAMILY, 14)))
            .txt()?;
        x += step;
    }
    Ok(())
}

/// Turns any displayable drawing error into the chart's error text.
pub(crate) trait OrText<T> {
    fn txt(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> OrText<T> for Result<T, E> {
    fn txt(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A file-name-safe form of an actor name (names are validated to letters, digits, spaces, '-', '_', '.').
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "actor".into() } else { s }
}

/// Slugs for a list of names, made unique: a slug already taken gets the smallest free suffix `-2`, `-3`, ...
pub fn unique_slugs(names: &[String]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    for n in names {
        let base = slug(n);
        let mut candidate = base.clone();
        let mut k = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}-{k}");
            k += 1;
        }
        taken.push(candidate);
    }
    taken
}

/// Draws a chart's legend in the house style.
pub(crate) fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_px: u32,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .label_font((FONT_FAMILY, font_px))
        .position(position)
        .draw()
        .txt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_unique() {
        assert_eq!(slug("Kyrgyz Republic"), "kyrgyz-republic");
        assert_eq!(slug("Беларусь"), "actor");
        let s = unique_slugs(&["A b".into(), "a-b".into(), "C".into(), "A b 2".into()]);
        assert_eq!(s, ["a-b", "a-b-2", "c", "a-b-2-2"]);
    }
}
