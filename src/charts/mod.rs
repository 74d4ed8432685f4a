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
pub mod text;

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
        let root = text::GlyphText {
            inner: SVGBackend::with_string(&mut svg, size),
            draw_glyphs: false,
        }
        .into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        fig.draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = text::GlyphText {
            inner: BitMapBackend::with_buffer(&mut rgb, size),
            draw_glyphs: true,
        }
        .into_drawing_area();
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

/// How a legend entry's swatch is drawn: a filled box (a band or area), a line of a width, or a dot.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    Fill(RGBAColor),
    Line(RGBColor, u32),
    Dot(RGBColor),
}

/// One legend entry.
pub(crate) struct Key {
    pub name: String,
    pub mark: Mark,
}

impl Key {
    pub fn new(name: impl Into<String>, mark: Mark) -> Self {
        Key {
            name: name.into(),
            mark,
        }
    }
}

const SWATCH_PX: i32 = 22;
const KEY_GAP_PX: i32 = 22;

/// Packs keys into centred rows no wider than `width_px`: for each row, (x of each key, key index), and the row
/// height. A key wider than the row gets a row of its own.
fn legend_layout(width_px: u32, keys: &[Key], font_px: u32) -> (Vec<Vec<(i32, usize)>>, i32) {
    let widths: Vec<i32> = keys
        .iter()
        .map(|k| SWATCH_PX + 6 + text::text_box_px(&k.name, font_px as f32).0 as i32)
        .collect();
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0;
    for (i, w) in widths.iter().enumerate() {
        let row = rows.last_mut().expect("one row at least");
        if !row.is_empty() && used + KEY_GAP_PX + w > width_px as i32 {
            rows.push(vec![i]);
            used = *w;
        } else {
            used += if row.is_empty() { 0 } else { KEY_GAP_PX } + w;
            row.push(i);
        }
    }
    let placed = rows
        .into_iter()
        .map(|row| {
            let total: i32 =
                row.iter().map(|&i| widths[i]).sum::<i32>() + KEY_GAP_PX * (row.len() as i32 - 1);
            let mut x = (width_px as i32 - total).max(0) / 2;
            row.into_iter()
                .map(|i| {
                    let at = x;
                    x += widths[i] + KEY_GAP_PX;
                    (at, i)
                })
                .collect()
        })
        .collect();
    let row_px = text::text_box_px("Ag", font_px as f32).1 as i32 + 6;
    (placed, row_px)
}

/// The height in px that [`legend_keys`] needs for these keys across `width_px`.
pub(crate) fn legend_height(width_px: u32, keys: &[Key], font_px: u32) -> u32 {
    if keys.is_empty() {
        return 0;
    }
    let (rows, row_px) = legend_layout(width_px, keys, font_px);
    (rows.len() as i32 * row_px + 8) as u32
}

/// Draws a legend in centred rows from the top of `area`, which holds no data: legends never cover a plot.
pub(crate) fn legend_keys<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    keys: &[Key],
    font_px: u32,
) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let (rows, row_px) = legend_layout(w, keys, font_px);
    for (r, row) in rows.iter().enumerate() {
        let top = 4 + r as i32 * row_px;
        let mid = top + row_px / 2 - 2;
        for &(x, i) in row {
            let key = &keys[i];
            match key.mark {
                Mark::Fill(c) => area
                    .draw(&Rectangle::new(
                        [(x, mid - 6), (x + SWATCH_PX, mid + 6)],
                        c.filled(),
                    ))
                    .txt()?,
                Mark::Line(c, width) => area
                    .draw(&PathElement::new(
                        vec![(x, mid), (x + SWATCH_PX, mid)],
                        c.stroke_width(width),
                    ))
                    .txt()?,
                Mark::Dot(c) => area
                    .draw(&Circle::new((x + SWATCH_PX / 2, mid), 5, c.filled()))
                    .txt()?,
            }
            area.draw(&Text::new(
                key.name.clone(),
                (x + SWATCH_PX + 6, mid),
                (FONT_FAMILY, font_px).into_font().color(&BLACK).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            ))
            .txt()?;
        }
    }
    Ok(())
}

/// Splits `area` into the plot (above) and a strip below it holding the legend for `keys`, drawn: the legend sits
/// outside the plotting area, where it hides no data.
pub(crate) fn legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    keys: &[Key],
    font_px: u32,
) -> Result<DrawingArea<DB, plotters::coord::Shift>, String> {
    let (w, h) = area.dim_in_pixel();
    let strip_px = legend_height(w, keys, font_px).min(h / 2);
    let (plot, strip) = area.split_vertically(h - strip_px);
    if !keys.is_empty() {
        legend_keys(&strip, keys, font_px)?;
    }
    Ok(plot)
}

/// One legend for all the panels of a figure, in a row centred in `area`, where it hides no data.
pub(crate) fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor)],
) -> Result<(), String> {
    let keys: Vec<Key> = entries
        .iter()
        .map(|(name, colour)| Key::new(name.clone(), Mark::Fill(colour.mix(0.85))))
        .collect();
    legend_keys(area, &keys, 14)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legend_below_never_draws_into_the_plot_it_returns() {
        let size = (500u32, 300u32);
        let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
        let keys: Vec<Key> = (0..7)
            .map(|i| {
                Key::new(
                    format!("entry number {i} with a long name"),
                    [
                        Mark::Fill(OKABE_ITO[i % 8].mix(0.5)),
                        Mark::Line(OKABE_ITO[i % 8], 3),
                        Mark::Dot(OKABE_ITO[i % 8]),
                    ][i % 3],
                )
            })
            .collect();
        let plot_px = {
            let root = text::GlyphText {
                inner: BitMapBackend::with_buffer(&mut rgb, size),
                draw_glyphs: true,
            }
            .into_drawing_area();
            let plot = legend_below(&root, &keys, 13).unwrap();
            root.present().unwrap();
            plot.get_pixel_range()
        };
        // Seven long keys need several rows in 500 px; all of their ink lies below the plot, none inside it.
        assert!(legend_height(size.0, &keys, 13) > 3 * 17);
        let ink = |x: u32, y: u32| rgb[((y * size.0 + x) * 3) as usize..][..3] != [255, 255, 255];
        let (mut inside, mut below) = (0, 0);
        for y in 0..size.1 {
            for x in 0..size.0 {
                if ink(x, y) {
                    if plot_px.1.contains(&(y as i32)) {
                        inside += 1;
                    } else {
                        below += 1;
                    }
                }
            }
        }
        assert_eq!(inside, 0);
        assert!(below > 500, "{below} legend pixels");
    }

    #[test]
    fn no_chart_draws_a_legend_inside_its_plot() {
        // plotters' series labels sit inside the plotting area; every legend goes through `legend_below` or
        // `legend_row` instead, in a strip of its own.
        for (name, source) in [
            ("compare.rs", include_str!("compare.rs")),
            ("condition.rs", include_str!("condition.rs")),
            ("discover.rs", include_str!("discover.rs")),
            ("draw.rs", include_str!("draw.rs")),
            ("forest.rs", include_str!("forest.rs")),
            ("reliability.rs", include_str!("reliability.rs")),
            ("sweep.rs", include_str!("sweep.rs")),
        ] {
            for banned in ["configure_series_labels", "SeriesLabelPosition"] {
                assert!(!source.contains(banned), "{name} uses {banned}");
            }
        }
    }

    #[test]
    fn slugs_are_safe_and_unique() {
        assert_eq!(slug("Kyrgyz Republic"), "kyrgyz-republic");
        assert_eq!(slug("Беларусь"), "actor");
        let s = unique_slugs(&["A b".into(), "a-b".into(), "C".into(), "A b 2".into()]);
        assert_eq!(s, ["a-b", "a-b-2", "c", "a-b-2-2"]);
    }
}
