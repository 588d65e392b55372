//! Layer-by-layer verification (`zoo verify --layers`): every intermediate value compared across every runtime that ran and,
//! with `--reference FILE`, against that file's value of the same name.
//!
//! Values are marked as graph outputs in slices of `--slice K` (ONNX `GraphProto.output`,
//! onnx/onnx docs/IR.md "Graphs"): each slice is a temporary copy of the file with K extra
//! outputs, run once per runtime, compared, and dropped before the next slice, so at most
//! K activations per runtime are alive at once (plus the inputs and the final output).
//!
//! Mapping through passes: compiled files keep the names of the values that survive, so a
//! compiled file and its fp32 reference are compared on the intersection of their value
//! names, in the compiled file's graph order.
//!
//! Per-layer tolerance: an fp32 result is a sum of products whose rounding error is relative
//! to the magnitude of what was summed, not to each output element (an element near zero after
//! cancellation still carries the error of its large terms). The layer's peak `max |r|` bounds
//! those magnitudes, so an element passes when `|a − r| ≤ rtol·max|r| + rtol·|r|`: the same
//! relative budget `rtol` the final-output check uses (manifest's, else 1e-3), made absolute by
//! the layer's own scale instead of the output's.

use std::path::Path;

use crate::error::Context;
use serde::{Deserialize, Serialize};
use zoo_proto::{Message, ModelProto, TypeProto, ValueInfoProto, type_proto};
use zoo_runtime::compare::{Tolerance, compare, sqnr_db};
use zoo_runtime::{Runner, Tensor};

use crate::options::RuntimeName;
use crate::runtimes::Runtimes;

/// Ops whose outputs are shapes or constants, not activations.
const NOT_ACTIVATIONS: [&str; 4] = ["Shape", "Constant", "ConstantOfShape", "Size"];

#[derive(Debug, Serialize, Deserialize)]
pub struct Row {
    pub layer: String,
    pub op: String,
    pub shape: Vec<usize>,
    pub runtime: String,
    pub against: String,
    pub max_abs: f64,
    pub max_rel: f64,
    pub cosine: f64,
    pub sqnr_db: f64,
    /// rtol·max|r| of the layer: the absolute part of its tolerance.
    pub atol: f64,
    pub pass: bool,
    pub first_failure: bool,
}

/// What `verify --layers --json` prints (and `zoo draw --errors` plots).
#[derive(Debug, Serialize, Deserialize)]
pub struct LayerReport {
    pub target: String,
    pub reference: Option<String>,
    pub slice: usize,
    /// The relative budget every row is held to: |a − r| ≤ rtol·max|r| + rtol·|r|.
    #[serde(default)]
    pub rtol: Option<f64>,
    pub rows: Vec<Row>,
    pub skipped: Vec<(String, String)>,
    /// The unmarked graph's final output against the marked one's, per runtime that ran it.
    pub unmarked: Vec<(String, f64, bool)>,
    pub first_failure: Option<String>,
    /// int8 files: the SQNR rows against the reference must reach.
    pub sqnr_floor: Option<f64>,
    /// What the rows were compared against (reference file, rebuilt variant, runtimes only).
    #[serde(default)]
    pub scope: Option<String>,
    /// Checks beside the rows (checksums, the final output against the golden data): (what, ok, note).
    #[serde(default)]
    pub checks: Vec<(String, bool, String)>,
    pub pass: bool,
}

/// (value name, op) of every activation a node produces, in graph order.
fn activations(m: &ModelProto) -> Vec<(String, String)> {
    let Some(g) = &m.graph else { return vec![] };
    let outputs: Vec<&str> = g.output.iter().filter_map(|o| o.name.as_deref()).collect();
    g.node
        .iter()
        .filter(|n| !NOT_ACTIVATIONS.contains(&n.op_type()))
        .flat_map(|n| n.output.iter().filter(|o| !o.is_empty()).map(move |o| (o.clone(), n.op_type().to_string())))
        .filter(|(o, _)| !outputs.contains(&o.as_str()))
        .collect()
}

/// A copy of `m` whose graph outputs are `names` (float tensors, shape left to the runtime)
/// after the original outputs, written into `dir` — which, for a file with external data, is
/// the file's own folder (its tensors' locations are relative to it), as a hidden temporary
/// removed when the returned path is dropped.
fn marked(m: &ModelProto, names: &[&str], dir: &Path, tag: &str) -> crate::Result<tempfile::TempPath> {
    let mut m = m.clone();
    let g = m.graph.as_mut().context("the model has no graph")?;
    // The element type zoo (or the exporter) recorded, float32 where none was: an fp16 file's
    // values are float16, and ONNX Runtime rejects an output declared with the wrong type.
    let elem_type = |name: &str| {
        g.value_info.iter().find(|v| v.name.as_deref() == Some(name)).and_then(|v| match &v.r#type.as_ref()?.value {
            Some(type_proto::Value::TensorType(t)) => t.elem_type,
            _ => None,
        })
    };
    let types: Vec<i32> = names.iter().map(|n| elem_type(n).unwrap_or(1)).collect();
    for (n, t) in names.iter().zip(types) {
        g.output.push(ValueInfoProto {
            name: Some((*n).to_string()),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor { elem_type: Some(t), shape: None })),
                denotation: None,
            }),
            ..Default::default()
        });
    }
    let mut f = tempfile::Builder::new()
        .prefix(&format!(".zoo-layers-{tag}-"))
        .suffix(".onnx")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write a marked copy of the model into {}", dir.display()))?;
    std::io::Write::write_all(&mut f, &m.encode_to_vec())
        .with_context(|| format!("cannot write a marked copy of the model into {}", dir.display()))?;
    Ok(f.into_temp_path())
}

/// Where the marked copies of `m` (read from `path`) go: beside it when its tensors are
/// external, else in `scratch`.
fn copies_dir<'a>(m: &ModelProto, path: &'a Path, scratch: &'a Path) -> &'a Path {
    let external = m.graph.iter().flat_map(|g| &g.initializer).any(zoo_graph::ir::external::is_external);
    if external { crate::onnx::folder(path) } else { scratch }
}

/// What a layer-by-layer comparison runs, and how.
pub struct LayerOptions<'a> {
    pub runtimes: &'a Runtimes,
    /// An fp32 file whose values of the same names are compared too.
    pub reference: Option<&'a Path>,
    /// Values marked as outputs per session run (bounds memory).
    pub slice: usize,
}

/// Every runtime of `runtimes` that loads `path`; the others go to `skipped`, as do ONNX
/// Runtime's CPU and OpenVINO's int8 kernels where they `saturate` ([`crate::onnx::INT16_PAIRS`]).
fn runners(
    runtimes: &Runtimes,
    path: &Path,
    input: &[Tensor],
    prefix: &str,
    saturate: bool,
    skipped: &mut Vec<(String, String)>,
) -> Vec<Box<dyn Runner + Send>> {
    let shapes: Vec<(String, Vec<usize>)> = input.iter().map(|t| (t.name.clone(), t.shape.clone())).collect();
    let mut out = Vec::new();
    for &r in &runtimes.names {
        let kernel = match r {
            RuntimeName::Ort if runtimes.on_cpu_only() => Some("ort/cpu"),
            RuntimeName::Openvino => Some("openvino/cpu"),
            _ => None,
        };
        if let (true, Some(k)) = (saturate, kernel) {
            skipped.push((format!("{prefix}{k}"), crate::onnx::INT16_PAIRS.into()));
            continue;
        }
        // Not profiled, and no int8 engines implied: the marked copies are compared value by value.
        match runtimes.start(r, path, &shapes, false, false) {
            Ok(started) => out.push(started.runner),
            Err(e) => skipped.push((format!("{prefix}{r}"), e.to_string())),
        }
    }
    out
}

/// Runs every runner on `input`; the extra (marked) outputs come back by name.
fn run_all(
    runners: &mut [Box<dyn Runner + Send>],
    input: &[Tensor],
    prefix: &str,
    skipped: &mut Vec<(String, String)>,
) -> Vec<(String, Vec<Tensor>)> {
    let mut out = Vec::new();
    for r in runners.iter_mut() {
        let label = format!("{prefix}{}", r.label());
        match r.run(input) {
            Ok(o) => out.push((label, o.outputs)),
            Err(e) => skipped.push((label, e.to_string())),
        }
    }
    out
}

/// Signal-to-quantisation-noise ratio in dB: 10·log10(Σr² / Σ(a − r)²); infinite when equal.
///
/// `sqnr_floor` (int8 files): rows pass on SQNR ≥ the floor instead of the element tolerance,
/// between runtimes too: a value one runtime rounds to the next 8-bit step changes every
/// value after it by about a step, so element-wise differences grow with depth (tract against
/// ONNX Runtime on ResNet-18: 1 step at the first layers, 6 at the last) while the noise
/// power stays that of int8 rounding.
pub fn report(
    args: &LayerOptions,
    label: &str,
    path: &Path,
    input: &[Tensor],
    rtol: f64,
    sqnr_floor: Option<f64>,
) -> crate::Result<LayerReport> {
    let k = args.slice;
    let model = crate::onnx::read_onnx(path)?;
    let reference = match args.reference {
        Some(p) => Some((p, crate::onnx::read_onnx(p)?)),
        None => None,
    };
    let saturate = crate::onnx::int8_kernels_saturate(&model);
    let reference_saturates = reference.as_ref().is_some_and(|(_, r)| crate::onnx::int8_kernels_saturate(r));
    let mut values = activations(&model);
    if let Some((_, r)) = &reference {
        let theirs: std::collections::HashSet<String> = activations(r).into_iter().map(|(n, _)| n).collect();
        values.retain(|(n, _)| theirs.contains(n));
    }
    let dir = tempfile::tempdir()?;
    let mut skipped = Vec::new();
    let mut rows = Vec::new();
    let mut final_marked: Vec<(String, Tensor)> = Vec::new();
    let n_out = model.graph.as_ref().map_or(0, |g| g.output.len());
    for (i, chunk) in values.chunks(k.max(1)).enumerate() {
        let names: Vec<&str> = chunk.iter().map(|(n, _)| n.as_str()).collect();
        let p = marked(&model, &names, copies_dir(&model, path, dir.path()), "slice")?;
        let mut rs = runners(args.runtimes, &p, input, "", saturate, &mut skipped);
        let mut results = run_all(&mut rs, input, "", &mut skipped);
        drop(rs);
        if let Some((rpath, rm)) = &reference {
            let rp = marked(rm, &names, copies_dir(rm, rpath, dir.path()), "reference")?;
            let rn = rm.graph.as_ref().map_or(0, |g| g.output.len());
            let mut rr = runners(args.runtimes, &rp, input, "reference/", reference_saturates, &mut skipped);
            // Only the reference's marked values: its own outputs may be named differently.
            for (l, outs) in run_all(&mut rr, input, "reference/", &mut skipped) {
                results.push((l, outs.into_iter().skip(rn).collect()));
            }
        }
        if i == 0 {
            for (l, outs) in &results {
                if !l.starts_with("reference/") {
                    final_marked.extend(outs.iter().take(n_out).map(|t| (l.clone(), t.clone())));
                }
            }
        }
        for (j, (name, op)) in chunk.iter().enumerate() {
            let get = |outs: &Vec<Tensor>, l: &str| {
                let skip = if l.starts_with("reference/") { 0 } else { n_out };
                outs.get(skip + j).cloned()
            };
            let Some((base_label, base)) = results.iter().find_map(|(l, o)| get(o, l).map(|t| (l.clone(), t))) else {
                continue;
            };
            let peak = base.data.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()));
            let tol = Tolerance { atol: rtol * peak, rtol };
            for (l, outs) in results.iter().skip(1) {
                let Some(t) = get(outs, l) else { continue };
                // The reference is the truth: it goes on the right.
                let (a, r, who, against) = if l.starts_with("reference/") {
                    (&base, &t, base_label.clone(), l.clone())
                } else {
                    (&t, &base, l.clone(), base_label.clone())
                };
                let m = compare(a, r, tol).with_context(|| format!("layer `{name}`"))?;
                let sqnr = sqnr_db(a, r);
                let pass = match sqnr_floor {
                    Some(floor) => sqnr >= floor,
                    _ => m.pass,
                };
                rows.push(Row {
                    layer: name.clone(),
                    op: op.clone(),
                    shape: base.shape.clone(),
                    runtime: who,
                    against,
                    max_abs: m.max_abs,
                    max_rel: m.max_rel,
                    cosine: m.cosine,
                    sqnr_db: sqnr,
                    atol: tol.atol,
                    pass,
                    first_failure: false,
                });
            }
        }
    }
    if let Some(r) = rows.iter_mut().find(|r| !r.pass) {
        r.first_failure = true;
    }
    // The unmarked graph: marking values as outputs can stop fusions.
    let mut unmarked = Vec::new();
    let mut rs = runners(args.runtimes, path, input, "unmarked/", saturate, &mut skipped);
    for (l, outs) in run_all(&mut rs, input, "unmarked/", &mut skipped) {
        let runtime = l.trim_start_matches("unmarked/");
        for (o, (ml, m)) in outs.iter().zip(final_marked.iter().filter(|(ml, _)| ml == runtime)) {
            let tol = Tolerance { atol: 0.0, rtol: 0.0 };
            let metrics = compare(o, m, tol).with_context(|| format!("output `{}` of {ml}", o.name))?;
            // Relative to the output's own scale, as every row's tolerance is.
            let peak = m.data.iter().fold(0f64, |p, &x| p.max(f64::from(x).abs())).max(f64::MIN_POSITIVE);
            unmarked.push((runtime.to_string(), metrics.max_abs, metrics.max_abs <= rtol * peak));
        }
    }
    // Rows between two runs of the reference say nothing about the file under test.
    let nothing = !rows.iter().any(|r| !r.runtime.starts_with("reference/") || !r.against.starts_with("reference/"));
    if nothing {
        skipped.push((
            "layers".into(),
            "nothing was compared: the file did not run on any runtime beside another run or the reference".into(),
        ));
    }
    let first_failure = rows.iter().find(|r| r.first_failure).map(|r| r.layer.clone());
    let pass = !nothing && first_failure.is_none() && unmarked.iter().all(|u| u.2);
    Ok(LayerReport {
        target: label.to_string(),
        reference: reference.map(|r| r.0.display().to_string()),
        slice: k,
        rtol: Some(rtol),
        rows,
        skipped,
        unmarked,
        first_failure,
        sqnr_floor,
        scope: None,
        checks: Vec::new(),
        pass,
    })
}

/// A report's rows by value, in the order compared: each value's name, op and peak |r| on the
/// runtime it was compared against (its atol is rtol·peak), and per pair of runtimes
/// (runtime, against) the max |a − r| of each value, `None` where the pair did not compare it.
pub struct ByValue {
    pub names: Vec<String>,
    pub ops: Vec<String>,
    pub peak: Vec<f64>,
    pub pairs: Vec<Pair>,
}

/// One runtime against another, value by value.
pub struct Pair {
    pub runtime: String,
    pub against: String,
    pub max_abs: Vec<Option<f64>>,
}

impl LayerReport {
    /// The relative budget of every row (1e-3 for reports written before it was recorded).
    pub fn rtol(&self) -> f64 {
        self.rtol.unwrap_or(1e-3)
    }

    pub fn by_value(&self) -> ByValue {
        let rtol = self.rtol();
        let mut v = ByValue { names: vec![], ops: vec![], peak: vec![], pairs: vec![] };
        for row in &self.rows {
            let i = v.names.iter().position(|n| *n == row.layer).unwrap_or_else(|| {
                v.names.push(row.layer.clone());
                v.ops.push(row.op.clone());
                v.peak.push(row.atol / rtol);
                v.names.len() - 1
            });
            let k = v.pairs.iter().position(|p| p.runtime == row.runtime && p.against == row.against).unwrap_or_else(
                || {
                    v.pairs.push(Pair { runtime: row.runtime.clone(), against: row.against.clone(), max_abs: vec![] });
                    v.pairs.len() - 1
                },
            );
            let values = &mut v.pairs[k].max_abs;
            values.resize(i + 1, None);
            values[i] = Some(row.max_abs);
        }
        for p in &mut v.pairs {
            p.max_abs.resize(v.names.len(), None);
        }
        v
    }
}
