//! `zoo compile IN.onnx -o OUT.onnx --optimize`: read an ONNX file (zoo's or another
//! exporter's) into the IR, run the passes, and write the result atomically, its provenance in
//! `metadata_props`: the passes, zoo's version and the input file's SHA-256. `zoo export
//! --optimize` shares the pass selection, the provenance and the report.

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::json;
use sha2::{Digest, Sha256};
use zoo_graph::ir::{Graph, read::read_model_report};
use zoo_graph::passes::{self, Pass, PassReport, QuantizeInt8};
use zoo_graph::quant::Scheme;
use zoo_graph::weights::NoWeights;
use zoo_graph::write::{DataWritten, WriteOptions, Written, hex, write_file};
use zoo_proto::{Message, ModelProto};

use crate::cli::{CompileArgs, PassArgs};
use crate::format::bytes;

pub fn run(args: &CompileArgs) -> anyhow::Result<()> {
    let chosen = selected(&args.passes)?;
    if chosen.is_empty() && !args.data.external_data {
        bail!("nothing to do: add --optimize, --precision fp16|int8 or --external-data");
    }
    let (input, output) = (&args.input, &args.output);
    if output.exists() && std::fs::canonicalize(output).ok() == std::fs::canonicalize(input).ok() {
        bail!("the output {} is the input file: write the compiled model to another path", output.display());
    }
    let (raw, sha256) = read_hashed(input).with_context(|| format!("cannot read {}", input.display()))?;
    zoo_graph::wire_limits::check(&raw)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was decoded", input.display()))?;
    // Decoding from `Bytes` slices the buffer: the tensors are not copied.
    let proto = ModelProto::decode(prost::bytes::Bytes::from(raw))
        .map_err(|e| anyhow::anyhow!("{} is not an ONNX model (protobuf decoding failed: {e})", input.display()))?;
    let (mut graph, read) = read_model_report(proto, Some(folder(input)))
        .with_context(|| format!("{} cannot be compiled", input.display()))?;
    // The fp32 reference of everything downstream: the first uncompiled file's weights.
    let reference_weights =
        graph.meta("zoo.reference.weights.sha256").or(graph.meta("weights.sha256")).map(str::to_string);
    // The reader's rewrites come first, in the report and in `zoo.passes`.
    if !read.is_empty() {
        passes::record(&mut graph, &read.iter().map(|r| r.pass).collect::<Vec<_>>());
    }
    let mut reports = read;
    reports.extend(run_passes(&mut graph, chosen, &args.passes, &NoWeights)?);
    let mut reference = vec![("zoo.reference.sha256", sha256)];
    if let Some(w) = reference_weights {
        reference.push(("zoo.reference.weights.sha256", w));
    }
    record(&mut graph, &reference);
    let written = write_file(
        &graph,
        &NoWeights,
        output,
        &WriteOptions { external_data: args.data.external(), ..Default::default() },
    )
    .with_context(|| format!("compilation of {}", input.display()))?;
    if args.passes.precision == "int8" {
        eprintln!("zoo: int8: {}", int8_kernels(output));
    }
    print(output, &written, &reports, args.json)
}

/// The file's bytes and their SHA-256, the hash computed on a second thread while the next
/// chunk is read: on two cores reading and hashing overlap instead of adding up (the input's
/// hash was a sixth of `compile`'s time).
fn read_hashed(path: &Path) -> std::io::Result<(Vec<u8>, String)> {
    use std::io::Read;
    const CHUNK: usize = 8 << 20;
    let mut file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let mut buf = vec![0u8; len];
    let (tx, rx) = std::sync::mpsc::sync_channel::<&[u8]>(2);
    let hashed = std::thread::scope(|scope| {
        let hasher = scope.spawn(move || {
            let mut h = Sha256::new();
            for chunk in rx {
                h.update(chunk);
            }
            h.finalize()
        });
        let mut read = Ok(());
        for chunk in buf.chunks_mut(CHUNK) {
            if let Err(e) = file.read_exact(chunk) {
                read = Err(e);
                break;
            }
            if tx.send(chunk).is_err() {
                break;
            }
        }
        drop(tx);
        let digest = hasher.join().map_err(|_| std::io::Error::other("the hashing thread panicked"));
        read.and(digest)
    })?;
    // A file that grew while it was read would be hashed in part.
    if file.read(&mut [0u8; 1])? != 0 {
        return Err(std::io::Error::other("the file grew while it was read; try again when nothing is writing it"));
    }
    Ok((buf, hex(&hashed)))
}

/// The folder a file's relative paths (its external data) start from.
pub(crate) fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The compiled exports every manifest pins (`zoo manifests`), by their options.
pub(crate) fn pinned() -> [PassArgs; 2] {
    let fp32 = || "fp32".to_string();
    [
        PassArgs { optimize: true, precision: fp32(), io: fp32(), int8: Default::default() },
        PassArgs { optimize: true, precision: "fp16".into(), io: fp32(), int8: Default::default() },
    ]
}

/// The options as they are written on the command line (a manifest's key for them).
pub(crate) fn key(args: &PassArgs) -> String {
    let mut k = Vec::new();
    if args.optimize {
        k.push("--optimize".to_string());
    }
    if args.precision != "fp32" {
        k.push(format!("--precision {}", args.precision));
    }
    if args.io != "fp32" {
        k.push(format!("--io {}", args.io));
    }
    k.join(" ")
}

/// What `zoo export MODEL --variant V <passes>` writes: the builder's model through the passes,
/// with its reference recorded (shared by `export` and `manifests`, so the pins are of exactly
/// what users get).
pub(crate) fn compile_export(
    model: &zoo_graph::Model,
    source: &dyn zoo_graph::WeightSource,
    args: &PassArgs,
    reference: &str,
    reference_weights: String,
) -> anyhow::Result<(Graph, Vec<PassReport>)> {
    let chosen = selected(args)?;
    let mut graph = Graph::from_model(model)?;
    let reports = run_passes(&mut graph, chosen, args, source)?;
    record(
        &mut graph,
        &[("zoo.reference", reference.to_string()), ("zoo.reference.weights.sha256", reference_weights)],
    );
    Ok((graph, reports))
}

/// The passes the options ask for, in order (int8's comes after calibration, in
/// [`run_passes`]). int8 implies --optimize: a BatchNorm left unfolded would run in float
/// between two quantizers.
pub(crate) fn selected(args: &PassArgs) -> anyhow::Result<Vec<Box<dyn Pass>>> {
    let mut chosen = Vec::new();
    if args.optimize || args.precision == "int8" {
        chosen.extend(passes::optimize());
    }
    match (args.precision.as_str(), args.io.as_str()) {
        ("fp16", io) => chosen.push(Box::new(passes::ToFp16 { io_fp16: io == "fp16" })),
        (_, "fp16") => bail!("--io fp16 needs --precision fp16"),
        _ => {}
    }
    Ok(chosen)
}

/// Runs `chosen` on `graph`; with --precision int8, then calibrates the result (fp32, on ONNX
/// Runtime) and quantizes it.
pub(crate) fn run_passes(
    graph: &mut Graph,
    chosen: Vec<Box<dyn Pass>>,
    args: &PassArgs,
    source: &dyn zoo_graph::WeightSource,
) -> anyhow::Result<Vec<PassReport>> {
    let mut reports = passes::run(graph, &chosen, source).context("compilation failed")?;
    if args.precision != "int8" {
        return Ok(reports);
    }
    let (scheme, why) = match args.int8.scheme.as_str() {
        "auto" => {
            let (s, why) = Scheme::for_this_cpu();
            (s, format!("{why}; choose another with --int8"))
        }
        s => (Scheme::parse(s).context("unknown --int8 scheme")?, "chosen with --int8".to_string()),
    };
    let symmetric = scheme.symmetric_activations();
    let calibration = match &args.int8.calibration_table {
        Some(t) => super::calibrate::load_table(t, symmetric)?,
        None => super::calibrate::calibrate(graph, source, &args.int8, symmetric)?,
    };
    if let Some(t) = &args.int8.save_calibration {
        super::calibrate::save_table(t, &calibration, symmetric)?;
    }
    let quantize: Vec<Box<dyn Pass>> = vec![Box::new(QuantizeInt8 { scheme, ranges: calibration.ranges })];
    let mut report = passes::run(graph, &quantize, source).context("int8 quantization failed")?;
    for r in &mut report {
        r.changed.insert(0, format!("scheme {scheme} ({why}), calibrated on {}", calibration.described));
    }
    graph.set_meta("zoo.int8.calibration", calibration.described);
    reports.extend(report);
    Ok(reports)
}

/// Records zoo's version and the reference the compiled file must compute the same as.
pub(crate) fn record(graph: &mut Graph, reference: &[(&str, String)]) {
    graph.set_meta("zoo.version", env!("CARGO_PKG_VERSION"));
    for (k, v) in reference {
        graph.set_meta(k, v.clone());
    }
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

/// Which kernels ONNX Runtime runs an int8 file with: its optimized graph (extended level,
/// saved by the session) counted by op — `QLinearConv`, `QGemm`, `QLinearAdd`… — and the
/// Conv/Gemm/MatMul nodes still reading a DequantizeLinear (left in float). One line for
/// the report; a failure to tell is a note, not an error (the file is written and valid).
pub(crate) fn int8_kernels(path: &Path) -> String {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return format!("could not check ONNX Runtime's kernels: {e}"),
    };
    let saved = dir.path().join("optimized.onnx");
    let opts = zoo_runtime::onnxruntime::OrtOptions {
        profile: false,
        save_optimized: Some(saved.clone()),
        ..Default::default()
    };
    if let Err(e) = super::runtimes::ort(path, &opts, super::runtimes::limit(super::runtimes::DEFAULT_TIMEOUT_S)) {
        return format!("could not check ONNX Runtime's kernels: {e}");
    }
    let Ok(bytes) = std::fs::read(&saved) else { return "ONNX Runtime saved no optimized graph".into() };
    let Ok(m) = ModelProto::decode(bytes.as_slice()) else {
        return "ONNX Runtime's optimized graph does not decode".into();
    };
    let nodes = m.graph.map(|g| g.node).unwrap_or_default();
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for n in &nodes {
        let op = n.op_type();
        if op.starts_with("QLinear") || op == "QGemm" || op == "MatMulInteger" || op == "ConvInteger" {
            *counts.entry(op).or_default() += 1;
        }
    }
    let dq: std::collections::HashSet<&str> = nodes
        .iter()
        .filter(|n| n.op_type() == "DequantizeLinear")
        .flat_map(|n| n.output.iter().map(String::as_str))
        .collect();
    let float: Vec<&str> = nodes
        .iter()
        .filter(|n| matches!(n.op_type(), "Conv" | "Gemm" | "MatMul"))
        .filter(|n| n.input.first().is_some_and(|i| dq.contains(i.as_str())))
        .map(|n| n.name())
        .collect();
    let total: usize = counts.values().sum();
    let list: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let left = if float.is_empty() {
        "no Conv/Gemm left in float".to_string()
    } else {
        format!(
            "{} Conv/Gemm left in float ({}…)",
            float.len(),
            float.iter().take(3).copied().collect::<Vec<_>>().join(", ")
        )
    };
    format!("ONNX Runtime runs {total} nodes as int8 kernels ({}); {left}", list.join(", "))
}
