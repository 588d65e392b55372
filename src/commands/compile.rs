//! `zoo compile IN.onnx -o OUT.onnx --optimize`: the engine's [`compile_file`], and the report
//! `zoo export --optimize` shares.

use std::path::Path;

use serde_json::json;
use zoo_graph::passes::PassReport;
use zoo_graph::write::{DataWritten, Written};
use zoo_pipeline::Precision;
use zoo_pipeline::compile::{CompileOptions, compile_file, int8_kernels};

use crate::cli::CompileArgs;
use crate::format::bytes;

pub fn run(args: &CompileArgs) -> anyhow::Result<()> {
    let options = CompileOptions {
        input: args.input.clone(),
        output: args.output.clone(),
        passes: args.passes.options(),
        external: args.data.external(),
    };
    let compiled = compile_file(&options)?;
    if args.passes.precision == Precision::Int8 {
        eprintln!("zoo: int8: {}", int8_kernels(&args.output));
    }
    print(&args.output, &compiled.written, &compiled.reports, args.json)
}

pub(crate) fn data_json(d: &DataWritten) -> serde_json::Value {
    json!({"location": d.location, "bytes": d.bytes, "sha256": d.sha256, "tensors": d.tensors})
}

pub(crate) fn data_line(w: &Written) -> String {
    match &w.data {
        Some(d) => format!(
            "  data     {} ({} tensors, {} bytes, sha256 {})\n",
            d.location,
            d.tensors,
            d.bytes,
            &d.sha256[..16]
        ),
        None => String::new(),
    }
}

pub(crate) fn reports_json(reports: &[PassReport]) -> serde_json::Value {
    reports
        .iter()
        .map(|r| {
            json!({
                "pass": r.pass,
                "changed": r.changed,
                "kept": r.kept.iter().map(|(node, why)| json!({"node": node, "why": why})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// One line per pass, then every node a pass left and why.
pub(crate) fn render_reports(reports: &[PassReport]) -> String {
    let mut out = String::new();
    let width = reports.iter().map(|r| r.pass.len()).max().unwrap_or(0).max(16);
    for r in reports {
        out += &format!("  {:<width$} {} rewritten, {} kept\n", r.pass, r.changed.len(), r.kept.len());
        // int8's lines are a summary (scheme, counts), not one per node.
        if r.pass == "int8" {
            for c in &r.changed {
                out += &format!("    {c}\n");
            }
        }
        for (node, why) in &r.kept {
            out += &format!("    kept {node}: {why}\n");
        }
    }
    out
}

/// What converting to fp16 did to the values, for the report (a warning when any saturated).
pub(crate) fn fp16_json(written: &Written) -> serde_json::Value {
    json!({"saturated": written.fp16.saturated, "flushed_to_zero": written.fp16.flushed})
}

/// A warning on stderr when converting saturated any value: the file is valid, but it no
/// longer computes what its reference does wherever those weights matter.
pub(crate) fn warn_fp16(written: &Written) {
    if written.fp16.saturated > 0 {
        eprintln!(
            "zoo: warning: {} weights exceed fp16's range and were saturated to ±65504 (not infinite); see the report",
            written.fp16.saturated
        );
    }
}

pub(crate) fn fp16_line(written: &Written, fp16: bool) -> String {
    if !fp16 {
        return String::new();
    }
    let s = written.fp16;
    format!("  fp16     {} values saturated to ±65504, {} non-zero values flushed to zero\n", s.saturated, s.flushed)
}

fn print(path: &Path, written: &Written, reports: &[PassReport], json: bool) -> anyhow::Result<()> {
    let fp16 = reports.iter().any(|r| r.pass.starts_with("fp16"));
    if fp16 {
        warn_fp16(written);
    }
    if json {
        let mut out = json!({
            "path": path, "bytes": written.bytes, "sha256": written.sha256,
            "weights_sha256": written.weights_sha256, "passes": reports_json(reports),
        });
        if fp16 {
            out["fp16"] = fp16_json(written);
        }
        if let Some(d) = &written.data {
            out["external_data"] = data_json(d);
        }
        outln!("{out}")?;
    } else {
        outln!("{}", path.display())?;
        outln!("  size     {} bytes ({})", written.bytes, bytes(written.bytes))?;
        outln!("  sha256   {}", written.sha256)?;
        out!("{}", data_line(written))?;
        out!("{}", fp16_line(written, fp16))?;
        out!("{}", render_reports(reports))?;
    }
    Ok(())
}
