//! The network drawing: title, legend, blocks and the routed edges between them.

use zoo_proto::ModelProto;

use crate::DrawError;
use crate::blocks::{Kind, layers};
use crate::layout::{BLOCK_H, EdgeKind, layout};
use crate::svg::{Svg, fit, text_width};

const MARGIN: i32 = 20;
const TITLE_SIZE: i32 = 18;
const LINE1: i32 = 12;
const LINE2: i32 = 10;
const MIN_BLOCK: i32 = 150;
const MAX_BLOCK: i32 = 330;

/// An SVG drawing of a network, with what it holds (the test suite checks these against the
/// model: one block per layer, one shortcut per residual block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawing {
    pub svg: String,
    /// Layer blocks (graph inputs and outputs not counted).
    pub blocks: usize,
    /// Forks drawn as side-by-side branches, and their branches (identity lanes included).
    pub parallels: usize,
    pub branches: usize,
    /// Residual shortcuts (identity lanes and projection branches).
    pub shortcuts: usize,
    pub columns: usize,
    /// Nodes not drawn: constants and shape arithmetic.
    pub hidden: usize,
}

/// Fill and stroke of a block of this kind: soft fills, as the papers' figures use.
fn colours(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Conv => ("#dbe8f6", "#3f6fa8"),
        Kind::Fc => ("#e9e0f4", "#6f4f9e"),
        Kind::Pool => ("#fde2cc", "#c8702c"),
        Kind::Norm => ("#fcf1c0", "#b08f1a"),
        Kind::Merge => ("#e4e4e4", "#5f5f5f"),
        Kind::Reshape => ("#f3f3f3", "#8f8f8f"),
        Kind::Softmax => ("#dcefd6", "#3f8a3f"),
        Kind::Other => ("#f7f7f7", "#8f8f8f"),
        Kind::Io => ("#ffffff", "#303030"),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Draws `model` under `title` (e.g. `resnet50 / v1.5`).
pub fn network(model: &ModelProto, title: &str) -> Result<Drawing, DrawError> {
    let l = layers(model)?;
    let blocks = &l.blocks;
    let line1 = |b: &crate::Block| b.title.clone();
    let line2 = |b: &crate::Block| format!("{} · {}", b.name, b.shape);
    let widest = blocks
        .iter()
        .map(|b| text_width(&line1(b), LINE1, true).max(text_width(&line2(b), LINE2, false)))
        .max()
        .unwrap_or(0);
    let width = (widest + 16).clamp(MIN_BLOCK, MAX_BLOCK);

    let (params, macs): (u64, u64) = blocks.iter().fold((0, 0), |(p, m), b| (p + b.params, m + b.macs));
    // GMACs as the papers count them; a toy network's count is given whole.
    let work = if macs >= 10_000_000 {
        format!("{:.3} GMACs", macs as f64 / 1e9)
    } else {
        format!("{} MACs", thousands(macs))
    };
    // A sum with unknown terms is a lower bound, and says so.
    let work = match l.macs_unknown {
        0 => work,
        n => format!("≥ {work} ({n} node{} of unknown MACs)", if n == 1 { "" } else { "s" }),
    };
    let mut subtitle = format!("{} layers · {} parameters · {work} per image", l.layer_count(), thousands(params));
    if l.hidden > 0 {
        subtitle += &format!(" · {} shape/constant nodes not drawn", l.hidden);
    }
    let mut kinds: Vec<Kind> = blocks.iter().map(|b| b.kind).filter(|k| *k != Kind::Io).collect();
    kinds.sort_unstable();
    kinds.dedup();

    // Title, subtitle, legend, and room above the columns for the edges into them.
    let header = MARGIN + TITLE_SIZE + 24 + 24 + 14;
    let lay = layout(blocks, width, MARGIN, header);
    let legend_w: i32 = kinds.iter().map(|k| 30 + text_width(k.label(), 11, false)).sum::<i32>()
        + if lay.shortcuts > 0 { 40 + text_width("shortcut", 11, false) } else { 0 };
    let canvas_w = (lay.width + 2 * MARGIN)
        .max(text_width(title, TITLE_SIZE, true) + 2 * MARGIN)
        .max(text_width(&subtitle, 12, false) + 2 * MARGIN)
        .max(legend_w + 2 * MARGIN);
    let canvas_h = header + lay.height + MARGIN;

    let desc = format!(
        "Drawn by zoo draw: one block per layer (op, key attributes, output shape per image), \
         branches side by side, residual shortcuts as paths around the blocks they skip. {subtitle}."
    );
    let mut svg = Svg::new(canvas_w, canvas_h, title, &desc);
    let m = MARGIN.to_string();
    svg.text(&m, &(MARGIN + TITLE_SIZE).to_string(), TITLE_SIZE, true, "start", "#202020", 0, title);
    svg.text(&m, &(MARGIN + TITLE_SIZE + 20).to_string(), 12, false, "start", "#505050", 0, &subtitle);
    // Legend.
    let ly = MARGIN + TITLE_SIZE + 32;
    let mut lx = MARGIN;
    for k in &kinds {
        let (fill, stroke) = colours(*k);
        svg.rect((lx, ly, 18, 11), 2, fill, stroke);
        svg.text(&(lx + 23).to_string(), &(ly + 10).to_string(), 11, false, "start", "#404040", 0, k.label());
        lx += 30 + text_width(k.label(), 11, false);
    }
    if lay.shortcuts > 0 {
        let y = (ly + 6).to_string();
        svg.line((&lx.to_string(), &y), (&(lx + 28).to_string(), &y), "#b03a2e", "2", None);
        svg.text(&(lx + 33).to_string(), &(ly + 10).to_string(), 11, false, "start", "#404040", 0, "shortcut");
    }

    svg.open(r#"class="edges""#);
    for r in &lay.routes {
        let pts: Vec<String> = r.points.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let (stroke, width, dash, class) = match r.kind {
            EdgeKind::Plain => ("#555555", "1.3", None, "edge"),
            EdgeKind::Shortcut => ("#b03a2e", "2", None, "shortcut"),
            EdgeKind::Wrap => ("#9a9a9a", "1.3", Some("5,4"), "wrap"),
        };
        // An arrowhead's length is taken off the line so that its tip meets the block.
        let mut pts = pts;
        if r.arrow
            && let Some(&(x, y)) = r.points.last()
        {
            if let Some(last) = pts.last_mut() {
                *last = format!("{x},{}", y - 5);
            }
            svg.polyline(&pts, stroke, width, dash, class);
            svg.polygon(&[format!("{},{}", x - 4, y - 7), format!("{},{}", x + 4, y - 7), format!("{x},{y}")], stroke);
        } else {
            svg.polyline(&pts, stroke, width, dash, class);
        }
    }
    for (x, y) in &lay.stubs {
        svg.circle(&x.to_string(), &y.to_string(), "4", "#9a9a9a", "#9a9a9a");
    }
    svg.close();

    svg.open(r#"class="blocks""#);
    for (b, r) in blocks.iter().zip(&lay.rects) {
        let (fill, stroke) = colours(b.kind);
        let kind = format!("{:?}", b.kind).to_lowercase();
        svg.open(&format!(r#"class="block {kind}" data-layer="{}""#, crate::svg::escape(&b.name)));
        svg.rect((r.x, r.y, r.w, BLOCK_H), if b.kind == Kind::Io { 12 } else { 3 }, fill, stroke);
        let cx = (r.x + r.w / 2).to_string();
        svg.text(
            &cx,
            &(r.y + 16).to_string(),
            LINE1,
            true,
            "middle",
            "#1a1a1a",
            0,
            &fit(&line1(b), LINE1, true, r.w - 10),
        );
        svg.text(
            &cx,
            &(r.y + 31).to_string(),
            LINE2,
            false,
            "middle",
            "#4a4a4a",
            0,
            &fit(&line2(b), LINE2, false, r.w - 10),
        );
        svg.close();
    }
    svg.close();
    Ok(Drawing {
        svg: svg.finish(),
        blocks: l.layer_count(),
        parallels: lay.parallels,
        branches: lay.branches,
        shortcuts: lay.shortcuts,
        columns: lay.columns,
        hidden: l.hidden,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, variant: &str) -> ModelProto {
        zoo_models::build(name, Some(variant), &zoo_models::Options::default()).unwrap().proto
    }

    #[test]
    fn same_bytes_twice_and_one_shortcut_per_residual_block() {
        let m = model("resnet18", "v1.5");
        let a = network(&m, "resnet18 / v1.5").unwrap();
        assert_eq!(a, network(&m, "resnet18 / v1.5").unwrap());
        // conv1, maxpool, 8 blocks × (2 convs + add), 3 projections, avgpool, flatten, fc.
        assert_eq!((a.blocks, a.shortcuts, a.parallels, a.hidden), (2 + 8 * 3 + 3 + 3, 8, 8, 0));
        assert!(a.svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(a.svg.contains(r#"font-family="DejaVu Sans,"#) && !a.svg.contains("NaN"));
        assert_eq!(a.svg.matches(r#"<g class="block "#).count(), a.blocks + 2);
    }

    #[test]
    fn inception_branches_sit_side_by_side() {
        let d = network(&model("googlenet", "paper"), "googlenet").unwrap();
        assert_eq!((d.parallels, d.branches, d.shortcuts), (9, 36, 0));
    }

    #[test]
    fn nothing_to_draw_is_an_error() {
        assert!(matches!(network(&ModelProto::default(), "x"), Err(DrawError::NoGraph)));
    }
}
