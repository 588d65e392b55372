//! `zoo lint FILE --target tensorrt,onnxruntime,openvino,tract,triton|all`: the rules of `zoo_ship::lint`, with the
//! shapes zoo's analysis reads or infers from the file. Exit status 0 when no rule finds an
//! error (warnings are shown), non-zero otherwise.

use anyhow::bail;
use serde_json::json;
use zoo_graph::analysis::analyze;
use zoo_graph::{Dim, TensorInfo};
use zoo_ship::lint::{Severity, Shapes, TARGETS, lint};

use crate::cli::{LintArgs, LintTarget};

pub fn run(args: &LintArgs) -> anyhow::Result<()> {
    let proto = super::read_onnx(&args.file)?;
    let label = args.file.display().to_string();
    let bound: Vec<(String, Vec<usize>)> = args.shapes.iter().map(|b| (b.name.clone(), b.dims.clone())).collect();
    check(&proto, &label, &args.target, &bound, args.json, false)
}

/// Lints `proto` (named `label`) for `targets`, prints the findings (JSON or text; to stderr
/// when `quiet_stdout`, as `zoo export --target` keeps stdout for its own report), and fails on
/// any error.
pub(crate) fn check(
    proto: &zoo_proto::ModelProto,
    label: &str,
    targets: &[LintTarget],
    bound: &[(String, Vec<usize>)],
    json_out: bool,
    quiet_stdout: bool,
) -> anyhow::Result<()> {
    let sig = zoo_ship::signature::signature(proto, label);
    let targets: Vec<&str> = if targets.contains(&LintTarget::All) {
        TARGETS.to_vec()
    } else {
        targets.iter().map(|t| t.as_str()).collect()
    };
    let shapes = shapes(proto);
    let cx =
        zoo_ship::lint::Context { sig: sig.as_ref().map_err(ToString::to_string), shapes: &shapes, bound, file: label };
    let findings = lint(proto, &cx, &targets);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    if quiet_stdout {
        for f in &findings {
            let level = if f.severity == Severity::Error { "error" } else { "warning" };
            eprintln!("zoo: lint {level}: {}/{}: {} ({})", f.target, f.rule, f.message, f.source);
        }
    } else if json_out {
        let list: Vec<_> = findings
            .iter()
            .map(|f| {
                json!({
                    "target": f.target, "rule": f.rule, "at": f.at, "message": f.message, "source": f.source,
                    "severity": if f.severity == Severity::Error { "error" } else { "warning" },
                })
            })
            .collect();
        outln!(
            "{}",
            json!({"file": label, "targets": targets, "errors": errors, "warnings": warnings, "findings": list})
        )?;
    } else {
        outln!("{label}: {}: {errors} errors, {warnings} warnings", targets.join(", "))?;
        for f in &findings {
            let level = if f.severity == Severity::Error { "error  " } else { "warning" };
            let at = f.at.as_deref().map(|a| format!(" `{a}`")).unwrap_or_default();
            outln!("  {level} {}/{}{at}: {}", f.target, f.rule, f.message)?;
            outln!("          source: {}", f.source)?;
        }
    }
    if errors > 0 {
        let written = if quiet_stdout { "; nothing was written" } else { "" };
        bail!("{label} has {errors} portability errors for {} (see above){written}", targets.join(", "));
    }
    Ok(())
}

/// Known dimensions of the graph inputs and of every node's first output.
fn shapes(proto: &zoo_proto::ModelProto) -> Shapes {
    let a = analyze(proto);
    let dims = |t: &TensorInfo| {
        t.shape
            .iter()
            .map(|d| match d {
                Dim::Known(n) => Some(*n as i64),
                Dim::Sym(_) => None,
            })
            .collect()
    };
    let mut out: Shapes = a.inputs.iter().filter_map(|(n, t)| Some((n.clone(), dims(t.as_ref()?)))).collect();
    let nodes = proto.graph.iter().flat_map(|g| &g.node);
    for (node, row) in nodes.zip(&a.layers) {
        if let (Some(o), Some(t)) = (node.output.first(), &row.output) {
            out.insert(o.clone(), dims(t));
        }
    }
    out
}
