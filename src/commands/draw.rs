//! `zoo draw`: an SVG of a network — a zoo model or any ONNX file zoo can read — drawn as the
//! papers draw them (`zoo_draw::network`), or with `--errors` the per-layer error plot of a
//! `zoo verify --layers --json` report or of a variant's evidence.json (`zoo_draw::layer_errors`).

use std::path::Path;

use anyhow::{Context, bail};
use zoo_artifacts::Evidence;
use zoo_draw::{ErrorPlot, Series};

use crate::cli::DrawArgs;
use zoo_pipeline::layers::LayerReport;

pub fn run(args: &DrawArgs) -> anyhow::Result<()> {
    let svg = match (&args.errors, &args.target) {
        (Some(path), _) => errors_svg(path)?,
        (None, Some(target)) => network_svg(target, &args.build, &args.shapes)?,
        (None, None) => bail!("give a model, an ONNX file, or --errors LAYERS.json"),
    };
    match &args.output {
        Some(path) => {
            write_text(path, &svg)?;
            outln!("wrote {}", path.display())?;
        }
        None => out!("{svg}")?,
    }
    Ok(())
}

fn network_svg(
    target: &str,
    build: &crate::cli::BuildArgs,
    shapes: &[zoo_pipeline::shapes::Binding],
) -> anyhow::Result<String> {
    let (title, proto) = if super::is_file_target(target) {
        let path = Path::new(target);
        let name = path.file_name().map_or_else(|| target.to_string(), |n| n.to_string_lossy().into_owned());
        (name, super::read_onnx(path)?)
    } else {
        let (family, variant) = zoo_models::find(target, build.variant.as_deref())?;
        let model = zoo_models::build(family.name, Some(variant.name), &build.options(zoo_graph::Batch::Dynamic))?;
        (format!("{} / {}", family.name, variant.name), model.proto)
    };
    let mut proto = proto;
    zoo_pipeline::shapes::bind(&mut proto, shapes).map_err(anyhow::Error::msg)?;
    Ok(zoo_draw::network(&proto, &title).with_context(|| format!("cannot draw {target}"))?.svg)
}

/// A `verify --layers --json` report, or an evidence.json, as a plot.
fn errors_svg(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON: give the output of `zoo verify --layers --json`", path.display()))?;
    let plot = if value.get("rows").is_some() {
        let report: LayerReport = serde_json::from_value(value).with_context(|| {
            format!("{} is not a `zoo verify --layers --json` report (re-run it with this zoo)", path.display())
        })?;
        from_report(&report)
    } else if value.get("layers").is_some() && value.get("schema").is_some() {
        let e: Evidence = serde_json::from_value(value).with_context(|| {
            format!("{} is not a valid evidence.json (re-record it with `zoo card --record`)", path.display())
        })?;
        from_evidence(&e).with_context(|| format!("{} records no per-layer errors", path.display()))?
    } else {
        bail!("{} is neither a `zoo verify --layers --json` report nor an evidence.json", path.display());
    };
    Ok(zoo_draw::layer_errors(&plot).with_context(|| format!("cannot plot {}", path.display()))?.svg)
}

/// max|a − r| relative to the layer's own peak: 0 for bit-identical values, 1 (as large as
/// the layer itself) where the peak is 0 and the values differ.
pub(super) fn relative(max_abs: f64, peak: f64) -> f64 {
    if peak > 0.0 {
        max_abs / peak
    } else if max_abs == 0.0 {
        0.0
    } else {
        1.0
    }
}

/// One runtime against another, each layer's max|a − r| relative to its peak.
fn series(runtime: &str, against: &str, max_abs: &[Option<f64>], peak: &[f64]) -> Series {
    Series {
        label: format!("{runtime} vs {against}"),
        values: max_abs.iter().zip(peak).map(|(a, p)| a.map(|a| relative(a, *p))).collect(),
    }
}

/// The rows of a report, one series per pair of runtimes, layers in the order compared.
pub(super) fn from_report(r: &LayerReport) -> ErrorPlot {
    let v = r.by_value();
    let series = v.pairs.iter().map(|p| series(&p.runtime, &p.against, &p.max_abs, &v.peak)).collect();
    let batch = r.rows.first().and_then(|row| row.shape.first()).copied().unwrap_or(1);
    ErrorPlot {
        title: format!("Per-layer error: {}", r.target),
        caption: format!(
            "zoo verify --layers, batch {batch}: max |a − r| / max |r| of each value; a layer passes when \
             |a − r| ≤ rtol·(max |r| + |r|){}",
            if r.sqnr_floor.is_some() { " (int8 files pass on SQNR instead)" } else { "" }
        ),
        first_failure: r.first_failure.as_ref().and_then(|f| v.names.iter().position(|l| l == f)),
        layers: v.names,
        series,
        tolerance: r.rtol(),
    }
}

/// A variant's recorded per-layer errors.
pub(super) fn from_evidence(e: &Evidence) -> Option<ErrorPlot> {
    let l = e.layers.as_ref()?;
    let series = l.series.iter().map(|s| series(&s.runtime, &l.base, &s.max_abs, &l.peak)).collect();
    Some(ErrorPlot {
        title: format!("Per-layer error: {} / {}", e.model, e.variant),
        caption: format!(
            "zoo verify {} --variant {} --layers --batch {}, recorded {} on {}: max |a − r| / max |r| of each value",
            e.model, e.variant, l.batch, e.recorded.date, e.recorded.cpu
        ),
        first_failure: l.first_failure.as_ref().and_then(|f| l.names.iter().position(|n| n == f)),
        layers: l.names.clone(),
        series,
        tolerance: l.rtol,
    })
}

/// Writes `text` to `path` atomically (a temporary beside it, then renamed).
pub(super) fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp =
        zoo_graph::write::temp_beside(path, ".part").with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::write(tmp.path(), text).with_context(|| format!("cannot write {}", path.display()))?;
    zoo_graph::write::persist(tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
