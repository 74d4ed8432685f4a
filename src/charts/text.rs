//! Text laid out glyph by glyph with ab_glyph, for every chart.
//!
//! Why: plotters 0.3.7's ab_glyph text path (`plotters::style::font::ab_glyph`, `FontDataInternal::draw`) places
//! each glyph's rasterised bitmap at the integer pen position without adding the bitmap's own offset
//! (`px_bounds().min.x`, the glyph's left side bearing, 0 to 1.3 px at our sizes). Every glyph therefore shifts
//! left by its own bearing, and the spacing between two glyphs changes by the difference of their bearings:
//! "T" (bearing -0.04 px) and "h" (1.1 px) collide, then a gap opens before the next letter, and the eye reads
//! "T he", "E conomic", "-1 .0". Its vertical placement puts the baseline at half the font size below the anchor,
//! so ink rises above the box plotters reserves for the text. [`GlyphText`] wraps a backend and lays out text
//! itself: pen advances plus kerning in f32, each glyph outlined at its sub-pixel pen position and drawn where
//! ab_glyph says its pixels are, the baseline at the font's ascent below the top of the box, and the box as tall
//! as the font's line (ascent - descent). The SVG backend writes `<text>` and lets the viewer lay it out, so for
//! SVG only the measurement is replaced (the same boxes in both formats, so the same chart geometry).

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The embedded font, parsed once per call site (parsing a font reference is a few table look-ups).
fn font() -> FontRef<'static> {
    FontRef::try_from_slice(super::FONT)
        .unwrap_or_else(|_| panic!("the embedded DejaVu Sans is a valid font"))
}

/// One placed glyph: its character and the pen position (px from the start of the line) where it begins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub ch: char,
    pub pen_x_px: f32,
}

/// Where each glyph of `text` starts at `size_px` (plotters' font size: the font's line height in px, as
/// plotters passes it to ab_glyph), and the line's advance width: sum of advances plus pair kerning.
pub fn layout(text: &str, size_px: f32) -> (Vec<Placed>, f32) {
    let f = font();
    let s = f.as_scaled(size_px);
    let mut pen_x_px = 0f32;
    let mut prev = None;
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let g = s.glyph_id(ch);
        if let Some(p) = prev {
            pen_x_px += s.kern(p, g);
        }
        out.push(Placed { ch, pen_x_px });
        pen_x_px += s.h_advance(g);
        prev = Some(g);
    }
    (out, pen_x_px)
}

/// The box plotters reserves for a line of text: its advance width and the font's line height, in whole px.
pub fn text_box_px(text: &str, size_px: f32) -> (u32, u32) {
    let f = font();
    let s = f.as_scaled(size_px);
    let (_, width_px) = layout(text, size_px);
    (
        width_px.ceil() as u32,
        (s.ascent() - s.descent()).ceil() as u32,
    )
}

/// Calls `put(x, y, coverage)` for every inked pixel of `text` with the top-left corner of its box at (0, 0).
pub fn rasterise(text: &str, size_px: f32, mut put: impl FnMut(i32, i32, f32)) {
    let f = font();
    let s = f.as_scaled(size_px);
    let baseline_px = s.ascent();
    let (placed, _) = layout(text, size_px);
    for p in placed {
        let glyph = s
            .glyph_id(p.ch)
            .with_scale_and_position(size_px, point(p.pen_x_px, baseline_px));
        if let Some(outlined) = f.outline_glyph(glyph) {
            let b = outlined.px_bounds();
            outlined.draw(|x, y, c| put(b.min.x as i32 + x as i32, b.min.y as i32 + y as i32, c));
        }
    }
}

/// A backend whose text is laid out by [`layout`]; `draw_glyphs` false keeps the inner backend's own text drawing
/// (SVG `<text>`) and replaces only the measurement.
pub struct GlyphText<B> {
    pub inner: B,
    pub draw_glyphs: bool,
}

impl<B: DrawingBackend> DrawingBackend for GlyphText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }
    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(text_box_px(text, style.size() as f32))
    }
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if !self.draw_glyphs {
            return self.inner.draw_text(text, style, pos);
        }
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let size_px = style.size() as f32;
        let (w, h) = text_box_px(text, size_px);
        let (w, h) = (w as i32, h as i32);
        // The anchor is a point of the unrotated box, as in plotters' own text drawing.
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let transform = style.transform();
        let (width, height) = self.get_size();
        let mut result = Ok(());
        rasterise(text, size_px, |x, y, coverage| {
            if result.is_err() || coverage <= 0.0 {
                return;
            }
            let (x, y) = transform.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && x < width as i32 && y < height as i32 {
                let c = BackendColor {
                    alpha: colour.alpha * f64::from(coverage.min(1.0)),
                    rgb: colour.rgb,
                };
                result = self.inner.draw_pixel((x, y), c);
            }
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    const SIZE_PX: f32 = 15.0;
    const LABEL: &str = "The Economic parameters -1.0";

    /// Where the ink ends when `text` is drawn at x = 10 on a white canvas by `draw`, to a fraction of a pixel:
    /// the last inked column plus its darkest pixel's coverage.
    fn right_edge(text: &str, draw: impl Fn(&mut [u8], (u32, u32), &str)) -> Option<f32> {
        let size = (400u32, 40u32);
        let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
        draw(&mut rgb, size, text);
        let darkest = |x: u32| {
            (0..size.1)
                .map(|y| rgb[((y * size.0 + x) * 3) as usize])
                .min()
        };
        (0..size.0)
            .rev()
            .find(|&x| darkest(x) < Some(255))
            .map(|x| x as f32 + f32::from(255 - darkest(x).unwrap_or(255)) / 255.0)
    }

    fn ours(rgb: &mut [u8], size: (u32, u32), text: &str) {
        let root = GlyphText {
            inner: BitMapBackend::with_buffer(rgb, size),
            draw_glyphs: true,
        }
        .into_drawing_area();
        root.draw(&Text::new(
            text,
            (10, 10),
            (super::super::FONT_FAMILY, SIZE_PX),
        ))
        .unwrap();
        root.present().unwrap();
    }

    fn plotters_own(rgb: &mut [u8], size: (u32, u32), text: &str) {
        super::super::init_font();
        let root = BitMapBackend::with_buffer(rgb, size).into_drawing_area();
        root.draw(&Text::new(
            text,
            (10, 10),
            (super::super::FONT_FAMILY, SIZE_PX),
        ))
        .unwrap();
        root.present().unwrap();
    }

    /// For every prefix of the label ending in a glyph with ink, the prefix's drawn right edge against where the
    /// font puts that glyph's ink (pen position from advances plus kerning, plus the glyph's own extent): the
    /// largest miss in px.
    fn worst_miss_px(draw: impl Fn(&mut [u8], (u32, u32), &str) + Copy) -> f32 {
        let f = font();
        let s = f.as_scaled(SIZE_PX);
        let (placed, _) = layout(LABEL, SIZE_PX);
        let mut worst = 0f32;
        for (k, p) in placed.iter().enumerate() {
            let Some(outline) = f.outline(s.glyph_id(p.ch)) else {
                continue;
            };
            // The ink's right end, exactly: the pen position plus the outline's extent (font units, scaled).
            let expected = 10.0 + p.pen_x_px + outline.bounds.max.x * s.h_scale_factor();
            let prefix: String = LABEL.chars().take(k + 1).collect();
            let got = right_edge(&prefix, draw).expect("ink");
            worst = worst.max((got - expected).abs());
        }
        worst
    }

    #[test]
    fn glyphs_sit_where_advances_and_kerning_put_them() {
        // Ours: every glyph's ink ends within half a pixel of where the font puts it (coverage is area-based, so
        // a column's darkest pixel tells how far into it the ink reaches, to anti-aliasing's precision).
        let ours_px = worst_miss_px(ours);
        assert!(ours_px <= 0.5, "largest miss {ours_px:.2} px");
        // plotters' own ab_glyph path drops each glyph's bearing: the same check catches it.
        let theirs_px = worst_miss_px(plotters_own);
        eprintln!("largest miss: ours {ours_px:.2} px, plotters {theirs_px:.2} px");
        assert!(
            theirs_px > 1.0,
            "plotters' own path misses by {theirs_px:.2} px"
        );
    }

    #[test]
    fn the_measured_box_is_the_drawn_advance() {
        let (placed, width_px) = layout("AV", SIZE_PX);
        let f = font();
        let s = f.as_scaled(SIZE_PX);
        // DejaVu Sans kerns "AV": the second glyph starts before the first one's advance ends.
        assert!(placed[1].pen_x_px < s.h_advance(s.glyph_id('A')));
        assert_eq!(text_box_px("AV", SIZE_PX).0, width_px.ceil() as u32);
        // Ink stays inside the box's height: nothing above its top or below its bottom.
        let (_, h) = text_box_px("Ågjpq|", SIZE_PX);
        rasterise("Ågjpq|", SIZE_PX, |_, y, c| {
            assert!(
                c <= 0.0 || (0..h as i32).contains(&y),
                "ink at row {y} of {h}"
            );
        });
    }
}
