//! The per-layer error plot: for every layer `zoo verify --layers` compared, the largest
//! difference between two runtimes relative to the layer's own scale, max|a − r| / max|r|, on
//! a log scale, one series per pair of runtimes, against the tolerance (a layer passes when
//! |a − r| ≤ rtol·(max|r| + |r|) element-wise, so every point under the line passes), the
//! first failing layer marked.

use crate::DrawError;
use crate::number::{decade, log10, px, sci};
use crate::svg::{Svg, fit, text_width};

/// One pair of runtimes: `tract vs ort/cpu`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Per layer, in the plot's layer order: max|a − r| / max|r|, `None` where not compared.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorPlot {
    pub title: String,
    /// A line under the title: the file, the batch, where the numbers come from.
    pub caption: String,
    pub layers: Vec<String>,
    pub series: Vec<Series>,
    /// rtol: the line every point must stay under.
    pub tolerance: f64,
    /// Index of the first failing layer.
    pub first_failure: Option<usize>,
}

/// The SVG, with how many points and series it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plot {
    pub svg: String,
    pub points: usize,
    pub series: usize,
}

const PALETTE: [&str; 6] = ["#1f5fa8", "#e07b00", "#2a8a3e", "#7a4fa0", "#8c564b", "#17a2b8"];
const FAIL: &str = "#c0392b";
const LEFT: i32 = 84;
const PLOT_H: i32 = 320;
const RIGHT: i32 = 28;
const LABEL_SIZE: i32 = 9;
/// Layer names are written at this slant under the axis.
const SLANT: i32 = -55;

/// `2nd`, `3rd`, `4th`, `11th`, `21st`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `text` in lines of at most `width` px at `size`, broken at spaces.
fn wrap(text: &str, size: i32, width: i32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), size, false) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

pub fn layer_errors(p: &ErrorPlot) -> Result<Plot, DrawError> {
    let n = p.layers.len();
    if n == 0 || p.series.is_empty() {
        return Err(DrawError::NoLayers);
    }
    if !(p.tolerance > 0.0 && p.tolerance.is_finite()) {
        return Err(DrawError::Tolerance(p.tolerance));
    }
    for s in &p.series {
        if s.values.len() != n {
            return Err(DrawError::Ragged { series: s.label.clone(), got: s.values.len(), layers: n });
        }
    }
    // Decades spanned: the tolerance and every non-zero value, at least two decades, at most 14.
    let positive =
        p.series.iter().flat_map(|s| s.values.iter().flatten()).copied().filter(|v| *v > 0.0 && v.is_finite());
    let (lo_v, hi_v) = positive.fold((p.tolerance, p.tolerance), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let hi = (log10(hi_v).ceil() as i32).max(log10(p.tolerance).floor() as i32 + 1);
    let lo = (log10(lo_v).floor() as i32).clamp(hi - 14, hi - 2);

    let plot_w = (n as i32 * 10).clamp(640, 1500);
    let width = LEFT + plot_w + RIGHT;
    let caption = wrap(&p.caption, 12, width - 40);
    let top = 64 + 16 * caption.len() as i32;
    // Under the axis: the slanted names (sin 55° ≈ 0.82 of their length), then the axis title.
    let every = n.div_ceil(48).max(1);
    let longest = (0..n)
        .step_by(every)
        .map(|i| text_width(&fit(&p.layers[i], LABEL_SIZE, false, 150), LABEL_SIZE, false))
        .max()
        .unwrap_or(0);
    let bottom = 40 + longest * 82 / 100 + 30;
    let height = top + PLOT_H + bottom;
    let x_of = |i: usize| -> f64 {
        if n == 1 {
            f64::from(LEFT) + f64::from(plot_w) / 2.0
        } else {
            f64::from(LEFT) + f64::from(plot_w) * i as f64 / (n - 1) as f64
        }
    };
    let span = f64::from(hi - lo);
    // Values of 0 (bit-identical layers) sit on a band below the lowest decade.
    let exact_y = f64::from(top + PLOT_H) + 14.0;
    let y_of = |v: f64| -> f64 {
        if v <= 0.0 {
            return exact_y;
        }
        let l = log10(v).clamp(f64::from(lo), f64::from(hi));
        f64::from(top) + f64::from(PLOT_H) * (f64::from(hi) - l) / span
    };

    let desc = format!("{}. {}", p.title, p.caption);
    let mut svg = Svg::new(width, height, &p.title, &desc);
    svg.text("20", "28", 17, true, "start", "#202020", 0, &p.title);
    for (k, line) in caption.iter().enumerate() {
        svg.text("20", &(48 + 16 * k as i32).to_string(), 12, false, "start", "#505050", 0, line);
    }

    // Axes and decades.
    let (l, r, t, b) =
        (px(f64::from(LEFT)), px(f64::from(LEFT + plot_w)), px(f64::from(top)), px(f64::from(top + PLOT_H)));
    for e in lo..=hi {
        let y = f64::from(top) + f64::from(PLOT_H) * f64::from(hi - e) / span;
        svg.line((&l, &px(y)), (&r, &px(y)), "#e2e2e2", "1", None);
        svg.text(&px(f64::from(LEFT) - 8.0), &px(y + 4.0), 11, false, "end", "#404040", 0, &decade(e));
    }
    if p.series.iter().flat_map(|s| s.values.iter().flatten()).any(|v| *v == 0.0) {
        svg.text(&px(f64::from(LEFT) - 8.0), &px(exact_y + 4.0), 11, false, "end", "#404040", 0, "0 (equal)");
    }
    svg.line((&l, &t), (&l, &b), "#404040", "1", None);
    svg.line((&l, &b), (&r, &b), "#404040", "1", None);
    let mid = px(f64::from(top + PLOT_H / 2));
    svg.text("22", &mid, 12, false, "middle", "#303030", -90, "max |a − r| / max |r| of the layer");

    // The tolerance.
    let ty = px(y_of(p.tolerance));
    svg.line((&l, &ty), (&r, &ty), FAIL, "1.5", Some("7,5"));
    svg.text(
        &px(f64::from(LEFT + plot_w) - 4.0),
        &px(y_of(p.tolerance) - 6.0),
        11,
        false,
        "end",
        FAIL,
        0,
        &format!("tolerance rtol = {}", sci(p.tolerance)),
    );

    // The first failing layer.
    if let Some(i) = p.first_failure.filter(|&i| i < n) {
        let x = px(x_of(i));
        svg.line((&x, &t), (&x, &b), FAIL, "1.5", None);
        svg.text(
            &px(x_of(i) + 4.0),
            &px(f64::from(top) + 14.0),
            11,
            true,
            "start",
            FAIL,
            0,
            &format!("first failure: {}", p.layers[i]),
        );
    }

    // Series.
    let mut points = 0;
    let markers = n <= 160;
    for (k, s) in p.series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        svg.open(&format!(r#"class="series" data-series="{}""#, crate::svg::escape(&s.label)));
        let mut run: Vec<String> = Vec::new();
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) if v.is_finite() => {
                    run.push(format!("{},{}", px(x_of(i)), px(y_of(*v))));
                    points += 1;
                }
                _ => {
                    if run.len() > 1 {
                        svg.polyline(&run, colour, "1.6", None, "errors");
                    }
                    run.clear();
                }
            }
        }
        if run.len() > 1 {
            svg.polyline(&run, colour, "1.6", None, "errors");
        }
        if markers {
            for (i, v) in s.values.iter().enumerate() {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    svg.circle(&px(x_of(i)), &px(y_of(v)), "2.6", colour, "#ffffff");
                }
            }
        }
        svg.close();
    }

    // Legend, top left inside the plot.
    let mut ly = top + 16;
    for (k, s) in p.series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let y = ly.to_string();
        svg.line((&(LEFT + 12).to_string(), &y), (&(LEFT + 36).to_string(), &y), colour, "2.5", None);
        svg.text(&(LEFT + 42).to_string(), &(ly + 4).to_string(), 11, false, "start", "#303030", 0, &s.label);
        ly += 16;
    }

    // Layer names under the axis, every k-th, slanted.
    for i in (0..n).step_by(every) {
        let x = px(x_of(i));
        svg.line((&x, &b), (&x, &px(f64::from(top + PLOT_H) + 4.0)), "#404040", "1", None);
        let label = fit(&p.layers[i], LABEL_SIZE, false, 150);
        let y = px(f64::from(top + PLOT_H) + 26.0);
        svg.text(&x, &y, LABEL_SIZE, false, "end", "#404040", SLANT, &label);
    }
    let axis = format!(
        "layers in graph order ({n}{})",
        if every > 1 { format!(", every {} named", ordinal(every)) } else { String::new() }
    );
    svg.text(&px(f64::from(LEFT + plot_w / 2)), &(height - 10).to_string(), 12, false, "middle", "#303030", 0, &axis);
    Ok(Plot { svg: svg.finish(), points, series: p.series.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(values: Vec<Option<f64>>, first_failure: Option<usize>) -> ErrorPlot {
        ErrorPlot {
            title: "t".into(),
            caption: "c".into(),
            layers: (0..values.len()).map(|i| format!("layer{i}")).collect(),
            series: vec![Series { label: "tract vs ort/cpu".into(), values }],
            tolerance: 1e-4,
            first_failure,
        }
    }

    #[test]
    fn marks_failures_equal_values_and_gaps() {
        let p = layer_errors(&plot(vec![Some(1e-7), Some(0.0), None, Some(3e-3)], Some(3))).unwrap();
        assert_eq!((p.points, p.series), (3, 1));
        assert!(p.svg.contains("first failure: layer3"));
        assert!(p.svg.contains("0 (equal)"));
        assert!(p.svg.contains("tolerance rtol = 1.00e-4"));
        assert_eq!(p, layer_errors(&plot(vec![Some(1e-7), Some(0.0), None, Some(3e-3)], Some(3))).unwrap());
    }

    #[test]
    fn ordinals() {
        assert_eq!([2, 3, 4, 11, 12, 21, 23].map(ordinal), ["2nd", "3rd", "4th", "11th", "12th", "21st", "23rd"]);
    }

    #[test]
    fn refuses_what_it_cannot_plot() {
        assert!(matches!(layer_errors(&plot(vec![], None)), Err(DrawError::NoLayers)));
        let mut p = plot(vec![Some(1e-6)], None);
        p.layers.push("extra".into());
        assert!(matches!(layer_errors(&p), Err(DrawError::Ragged { .. })));
        p.layers.pop();
        p.tolerance = 0.0;
        assert!(matches!(layer_errors(&p), Err(DrawError::Tolerance(_))));
    }
}
