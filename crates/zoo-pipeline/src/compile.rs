//! Compilation: an ONNX file (zoo's or another exporter's) or a freshly built model through the
//! passes the options select, calibrated and quantized for int8, with its provenance recorded
//! in `metadata_props`: the passes, zoo's version and the reference it must compute the same as.

use std::path::{Path, PathBuf};

use crate::bail;
use crate::error::Context;
use sha2::{Digest, Sha256};
use zoo_graph::ir::{Graph, read::read_model_report};
use zoo_graph::passes::{self, Pass, PassReport, QuantizeInt8};
use zoo_graph::quant::Scheme;
use zoo_graph::weights::NoWeights;
use zoo_graph::write::{WriteOptions, Written, hex, write_file};
use zoo_proto::{Message, ModelProto};

use crate::onnx::folder;
use crate::options::{Int8Scheme, Io, PassOptions, Precision};

/// What `zoo compile` does: the input file, its passes, where the result goes.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    pub input: PathBuf,
    /// Must differ from the input.
    pub output: PathBuf,
    pub passes: PassOptions,
    /// Tensors of this many bytes or more go to one side file, `<output>.data`.
    pub external: Option<usize>,
}

/// A compiled file: what was written and what each pass did.
pub struct Compiled {
    pub written: Written,
    pub reports: Vec<PassReport>,
}

/// Reads an ONNX file (zoo's or another exporter's) into the IR, runs the passes, and writes
/// the result atomically, its provenance in `metadata_props`: the passes, zoo's version and
/// the input file's SHA-256.
pub fn compile_file(options: &CompileOptions) -> crate::Result<Compiled> {
    let chosen = selected(&options.passes)?;
    if chosen.is_empty() && options.external.is_none() {
        bail!("nothing to do: add {}", crate::names::choices());
    }
    let (input, output) = (&options.input, &options.output);
    if output.exists() && std::fs::canonicalize(output).ok() == std::fs::canonicalize(input).ok() {
        bail!("the output {} is the input file: write the compiled model to another path", output.display());
    }
    let (raw, sha256) = read_hashed(input).with_context(|| format!("cannot read {}", input.display()))?;
    zoo_graph::wire_limits::check(&raw).map_err(|e| crate::err!("{}: {e}; nothing was decoded", input.display()))?;
    // Decoding from `Bytes` slices the buffer: the tensors are not copied.
    let proto = ModelProto::decode(prost::bytes::Bytes::from(raw))
        .map_err(|e| crate::err!("{} is not an ONNX model (protobuf decoding failed: {e})", input.display()))?;
    let (mut graph, mut read) = read_model_report(proto, Some(folder(input)))
        .with_context(|| format!("{} cannot be compiled", input.display()))?;
    // The fp32 reference of everything downstream: the first uncompiled file's weights.
    let reference_weights =
        graph.meta("zoo.reference.weights.sha256").or(graph.meta("weights.sha256")).map(str::to_string);
    // What onnx 1.23 stamps (IR 14 on an opset-13 file) older runtimes refuse; write the IR
    // version the file's opsets and features need, no newer.
    // (Calibration loads the graph in ONNX Runtime too.)
    let ir = graph.lowest_ir_version();
    if ir != graph.ir_version {
        read.push(PassReport {
            pass: "ir-version",
            changed: vec![format!("IR version {} → {ir}, the lowest its opsets allow", graph.ir_version)],
            kept: vec![],
        });
        graph.ir_version = ir;
    }
    // The reader's rewrites come first, in the report and in `zoo.passes`.
    if !read.is_empty() {
        // Only what rewrote something (carrying a node through changes nothing).
        let rewrote: Vec<&str> =
            read.iter().filter(|r| !r.changed.is_empty() && r.pass != "ir-version").map(|r| r.pass).collect();
        passes::record(&mut graph, &rewrote);
    }
    let mut reports = read;
    reports.extend(run_passes(&mut graph, chosen, &options.passes, &NoWeights)?);
    let mut reference = vec![("zoo.reference.sha256", sha256)];
    if let Some(w) = reference_weights {
        reference.push(("zoo.reference.weights.sha256", w));
    }
    record(&mut graph, &reference);
    let written =
        write_file(&graph, &NoWeights, output, &WriteOptions { external_data: options.external, ..Default::default() })
            .with_context(|| format!("compilation of {}", input.display()))?;
    Ok(Compiled { written, reports })
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

/// The compiled exports every manifest pins (`zoo manifests`), by their options.
pub fn pinned() -> [PassOptions; 2] {
    [PassOptions::optimize(), PassOptions { precision: Precision::Fp16, ..PassOptions::optimize() }]
}

/// What `zoo export MODEL --variant V <passes>` writes: the builder's model through the passes,
/// with its reference recorded (shared by `export` and `manifests`, so the pins are of exactly
/// what users get).
pub fn compile_export(
    model: &zoo_graph::Model,
    source: &dyn zoo_graph::WeightSource,
    args: &PassOptions,
    reference: &str,
    reference_weights: String,
) -> crate::Result<(Graph, Vec<PassReport>)> {
    let chosen = selected(args)?;
    let mut graph = Graph::from_model(model)?;
    let reports = run_passes(&mut graph, chosen, args, source)?;
    record(
        &mut graph,
        &[("zoo.reference", reference.to_string()), ("zoo.reference.weights.sha256", reference_weights)],
    );
    Ok((graph, reports))
}

/// The passes the options ask for, in order: the flags' ([`passes::SELECTABLE`]), then fp16's
/// (int8's comes after calibration, in [`run_passes`]). int8 implies the flags marked
/// `before_int8` (--optimize: a BatchNorm left unfolded would run in float between two
/// quantizers).
pub fn selected(args: &PassOptions) -> crate::Result<Vec<Box<dyn Pass>>> {
    let mut chosen = Vec::new();
    for s in passes::SELECTABLE {
        if args.has(s.flag) || (args.precision == Precision::Int8 && s.before_int8) {
            chosen.extend((s.passes)());
        }
    }
    match (args.precision, args.io) {
        (Precision::Fp16, io) => chosen.push(Box::new(passes::ToFp16 { io_fp16: io == Io::Fp16 })),
        (_, Io::Fp16) => bail!("--io fp16 needs --precision fp16"),
        _ => {}
    }
    Ok(chosen)
}

/// Runs `chosen` on `graph`; with --precision int8, then calibrates the result (fp32, on ONNX
/// Runtime) and quantizes it.
pub fn run_passes(
    graph: &mut Graph,
    chosen: Vec<Box<dyn Pass>>,
    args: &PassOptions,
    source: &dyn zoo_graph::WeightSource,
) -> crate::Result<Vec<PassReport>> {
    let mut reports = passes::run(graph, &chosen, source).context("compilation failed")?;
    if args.precision != Precision::Int8 {
        return Ok(reports);
    }
    let (scheme, why) = match args.int8.scheme {
        Int8Scheme::Auto => {
            let (s, why) = Scheme::for_this_cpu();
            (s, format!("{why}; choose another with --int8"))
        }
        s => (Scheme::parse(s.as_str()).context("unknown --int8 scheme")?, "chosen with --int8".to_string()),
    };
    let symmetric = scheme.symmetric_activations();
    let calibration = match &args.int8.calibration_table {
        Some(t) => crate::calibrate::load_table(t, symmetric)?,
        None => crate::calibrate::calibrate(graph, source, &args.int8, symmetric)?,
    };
    if let Some(t) = &args.int8.save_calibration {
        crate::calibrate::save_table(t, &calibration, symmetric)?;
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
pub fn record(graph: &mut Graph, reference: &[(&str, String)]) {
    graph.set_meta("zoo.version", env!("CARGO_PKG_VERSION"));
    for (k, v) in reference {
        graph.set_meta(k, v.clone());
    }
}

/// Which kernels ONNX Runtime runs an int8 file with: its optimized graph (extended level,
/// saved by the session) counted by op — `QLinearConv`, `QGemm`, `QLinearAdd`… — and the
/// Conv/Gemm/MatMul nodes still reading a DequantizeLinear (left in float). One line for
/// the report; a failure to tell is a note, not an error (the file is written and valid).
pub fn int8_kernels(path: &Path) -> String {
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
    if let Err(e) = crate::runtimes::ort(path, &opts, crate::runtimes::limit(crate::runtimes::DEFAULT_TIMEOUT_S)) {
        // The report names no temporary: the optimized copy's folder is zoo's, not the user's.
        let e = e.to_string().replace(&saved.display().to_string(), "its optimized copy");
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
    if total == 0 {
        return format!("ONNX Runtime runs no node as an int8 kernel; {left}");
    }
    format!("ONNX Runtime runs {total} nodes as int8 kernels ({}); {left}", list.join(", "))
}
