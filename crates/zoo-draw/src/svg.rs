//! A minimal SVG writer: presentation attributes only (no CSS, so every renderer — browsers,
//! resvg, librsvg — draws the same), integer or one-decimal coordinates, text escaped.

use std::fmt::Write as _;

/// Fonts a reader is likely to have, most to least preferred; nothing is fetched.
pub(crate) const FONT: &str = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";

pub(crate) struct Svg {
    out: String,
}

/// XML-escaped text.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Estimated advance width of `s` at `size` px in DejaVu Sans (the first font of [`FONT`]),
/// from per-character classes of its metrics, rounded up: the layout cannot measure text, so
/// it estimates generously and truncates what would not fit.
pub(crate) fn text_width(s: &str, size: i32, bold: bool) -> i32 {
    // Widths in thousandths of an em.
    let per: i64 = s
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 300,
            ' ' => 320,
            '(' | ')' | '[' | ']' | '/' | '-' | 'f' | 't' | 'r' => 400,
            'm' | 'w' | 'M' | 'W' => 920,
            '0'..='9' => 640,
            'A'..='Z' => 730,
            'a'..='z' | '_' => 610,
            c if (c as u32) < 0x80 => 640,
            _ => 840,
        })
        .sum();
    let scaled = per * i64::from(size) * if bold { 108 } else { 100 } / 100;
    i32::try_from((scaled + 999) / 1000).unwrap_or(i32::MAX)
}

/// `s` cut to fit `width` px (with an ellipsis), whole when it fits.
pub(crate) fn fit(s: &str, size: i32, bold: bool, width: i32) -> String {
    if text_width(s, size, bold) <= width {
        return s.to_string();
    }
    let mut cut: String = s.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), size, bold) > width {
        cut.pop();
    }
    format!("{cut}…")
}

impl Svg {
    pub(crate) fn new(width: i32, height: i32, title: &str, desc: &str) -> Svg {
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">"#
        );
        let _ = writeln!(out, "<title>{}</title>", escape(title));
        let _ = writeln!(out, "<desc>{}</desc>", escape(desc));
        let _ = writeln!(out, r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##);
        Svg { out }
    }

    pub(crate) fn open(&mut self, attrs: &str) {
        let _ = writeln!(self.out, "<g {attrs}>");
    }

    pub(crate) fn close(&mut self) {
        self.out.push_str("</g>\n");
    }

    /// A rectangle at (x, y) of size w × h, corners rounded by `rx`.
    pub(crate) fn rect(&mut self, (x, y, w, h): (i32, i32, i32, i32), rx: i32, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.out,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>"#
        );
    }

    /// Text at (`x`, `y`) (the baseline), `anchor` start, middle or end, rotated by `rotate`
    /// degrees about that point when non-zero.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        x: &str,
        y: &str,
        size: i32,
        bold: bool,
        anchor: &str,
        fill: &str,
        rotate: i32,
        s: &str,
    ) {
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let turn = if rotate != 0 { format!(r#" transform="rotate({rotate} {x} {y})""#) } else { String::new() };
        let _ = writeln!(
            self.out,
            r#"<text x="{x}" y="{y}" font-size="{size}"{weight} text-anchor="{anchor}" fill="{fill}"{turn}>{}</text>"#,
            escape(s)
        );
    }

    /// An open polyline through `points` ("x,y" pairs already formatted).
    pub(crate) fn polyline(&mut self, points: &[String], stroke: &str, width: &str, dash: Option<&str>, class: &str) {
        let dash = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = writeln!(
            self.out,
            r#"<polyline class="{class}" points="{}" fill="none" stroke="{stroke}" stroke-width="{width}"{dash} stroke-linejoin="round"/>"#,
            points.join(" ")
        );
    }

    pub(crate) fn polygon(&mut self, points: &[String], fill: &str) {
        let _ = writeln!(self.out, r#"<polygon points="{}" fill="{fill}"/>"#, points.join(" "));
    }

    pub(crate) fn circle(&mut self, cx: &str, cy: &str, r: &str, fill: &str, stroke: &str) {
        let _ = writeln!(self.out, r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" stroke="{stroke}"/>"#);
    }

    pub(crate) fn line(
        &mut self,
        (x1, y1): (&str, &str),
        (x2, y2): (&str, &str),
        stroke: &str,
        width: &str,
        dash: Option<&str>,
    ) {
        let dash = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = writeln!(
            self.out,
            r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#
        );
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_fits() {
        assert_eq!(escape(r#"a<b & "c">"#), "a&lt;b &amp; &quot;c&quot;&gt;");
        assert!(text_width("3×3 conv, 64", 12, true) > text_width("3×3 conv, 64", 12, false));
        let long = "inception_4a.5x5_reduce.relu";
        let cut = fit(long, 10, false, 60);
        assert!(cut.ends_with('…') && text_width(&cut, 10, false) <= 60, "{cut}");
        assert_eq!(fit("conv1", 10, false, 200), "conv1");
    }
}
