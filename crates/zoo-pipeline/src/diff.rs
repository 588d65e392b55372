//! Two ONNX files side by side (`zoo diff A.onnx B.onnx`) — zoo's export and another exporter's, two
//! zoo versions, a file before and after `compile`. The parameterised layers (nodes reading a
//! float initializer) are aligned by the names of their weights where the files agree, else in
//! graph order; per pair it reports op, attribute and output-shape differences and whether the
//! weights are equal (per-tensor SHA-256) or how far apart (max |a − b|). Then both files run on
//! ONNX Runtime's CPU provider on the same input and their outputs are compared.
//!
//! Exit status 0 only when the files are equivalent: their outputs agree within the tolerance
//! (`|a − b| ≤ atol + rtol·|b|`, verify's defaults for files without a manifest), or — where
//! they cannot both run — when no layer differs at all.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zoo_graph::DType;
use zoo_graph::analysis::analyze;
use zoo_graph::ir::{TensorData, external};
use zoo_graph::weights::NoWeights;
use zoo_proto::{ModelProto, NodeProto, TensorProto};
use zoo_runtime::compare::{Tolerance, compare};
use zoo_runtime::onnxruntime::Provider;
use zoo_runtime::{Runner, Tensor};

use zoo_runtime::onnxruntime::OrtOptions;

use crate::error::chain;
use crate::onnx::read_onnx;
use crate::runtimes;

/// One parameterised layer of a file.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    pub node: String,
    pub op: String,
    pub attrs: Vec<String>,
    pub shape: Option<String>,
    pub weights: Vec<Weight>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Weight {
    pub name: String,
    pub dims: Vec<i64>,
    pub sha256: String,
    #[serde(skip)]
    pub values: Option<Vec<f32>>,
}

#[derive(Debug, Serialize)]
pub struct Pair {
    pub a: Option<String>,
    pub b: Option<String>,
    pub op: String,
    pub differences: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub a: String,
    pub b: String,
    pub layers: Vec<Pair>,
    pub outputs: Option<OutputDiff>,
    pub skipped: Option<String>,
    pub equivalent: bool,
}

#[derive(Debug, Serialize)]
pub struct OutputDiff {
    pub output: String,
    pub max_abs: f64,
    pub max_rel: f64,
    pub cosine: f64,
    pub tolerance: Tolerance,
    pub pass: bool,
}

/// Two files to compare, and how.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub a: PathBuf,
    pub b: PathBuf,
    /// For the outputs: `|a − b| ≤ atol + rtol·|b|`.
    pub tolerance: Tolerance,
    /// ONNX Runtime as asked (it runs on its CPU provider, unprofiled, whatever the providers).
    pub ort: OrtOptions,
}

/// Aligns and compares the parameterised layers of both files, then runs both.
pub fn diff(options: &DiffOptions) -> crate::Result<Report> {
    let (a, b) = (read_onnx(&options.a)?, read_onnx(&options.b)?);
    let (la, lb) = (layers(&a, &options.a)?, layers(&b, &options.b)?);
    let pairs = align(&la, &lb);
    let (outputs, skipped) = match run_both(options, &a) {
        Ok(o) => (Some(o), None),
        Err(e) => (None, Some(chain(&e))),
    };
    let structural = pairs.iter().all(|p| p.differences.is_empty());
    let equivalent = match &outputs {
        Some(o) => o.pass,
        None => structural,
    };
    Ok(Report {
        a: options.a.display().to_string(),
        b: options.b.display().to_string(),
        layers: pairs,
        outputs,
        skipped,
        equivalent,
    })
}

fn attrs(n: &NodeProto) -> Vec<String> {
    let mut v: Vec<String> = n
        .attribute
        .iter()
        .map(|a| {
            let value = if !a.ints.is_empty() {
                format!("{:?}", a.ints)
            } else if !a.floats.is_empty() {
                format!("{:?}", a.floats)
            } else if let Some(i) = a.i {
                i.to_string()
            } else if let Some(f) = a.f {
                f.to_string()
            } else if let Some(s) = &a.s {
                String::from_utf8_lossy(s).into_owned()
            } else {
                "…".into()
            };
            format!("{}={value}", a.name.as_deref().unwrap_or_default())
        })
        .collect();
    v.sort();
    v
}

/// The float values of an initializer (inline, or external data checked by `read_onnx`).
fn values(t: &TensorProto, dir: &Path) -> Option<Vec<f32>> {
    let dtype = DType::from_onnx(t.data_type?)?;
    if dtype == DType::I64 {
        return None;
    }
    let n: usize = t.dims.iter().map(|&d| usize::try_from(d).ok()).product::<Option<usize>>()?;
    let data = if external::is_external(t) {
        let at = external::resolve(t, dir, (n * dtype.size()) as u64).ok()?;
        TensorData::External { dtype, path: Arc::new(at.path), offset: at.offset }
    } else if let Some(raw) = &t.raw_data {
        TensorData::Shared { dtype, bytes: raw.clone() }
    } else {
        TensorData::f32s(&t.float_data)
    };
    data.to_f32_vec(&NoWeights, n).ok()
}

fn layers(m: &ModelProto, path: &Path) -> crate::Result<Vec<Layer>> {
    let g = m.graph.as_ref().ok_or_else(|| crate::err!("{} has no graph", path.display()))?;
    let dir = crate::onnx::folder(path);
    let a = analyze(m);
    let mut out = Vec::new();
    for (k, n) in g.node.iter().enumerate() {
        let mut weights = Vec::new();
        for i in &n.input {
            let Some(t) = g.initializer.iter().find(|t| t.name.as_deref() == Some(i.as_str())) else { continue };
            let Some(v) = values(t, dir) else { continue };
            let mut h = Sha256::new();
            for x in &v {
                h.update(x.to_le_bytes());
            }
            weights.push(Weight {
                name: i.clone(),
                dims: t.dims.clone(),
                sha256: zoo_graph::write::hex(&h.finalize()),
                values: Some(v),
            });
        }
        if weights.is_empty() {
            continue;
        }
        out.push(Layer {
            node: n.name.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| format!("{}_{k}", n.op_type())),
            op: n.op_type().to_string(),
            attrs: attrs(n),
            shape: a.layers.get(k).and_then(|r| r.output.as_ref()).map(|t| t.shape_string()),
            weights,
        });
    }
    Ok(out)
}

/// Pairs layers by their first weight's name where both files have it, the rest in order.
fn align(a: &[Layer], b: &[Layer]) -> Vec<Pair> {
    let mut used = vec![false; b.len()];
    let mut matched: Vec<Option<usize>> =
        a.iter().map(|l| b.iter().position(|m| m.weights[0].name == l.weights[0].name)).collect();
    for j in matched.iter().flatten() {
        used[*j] = true;
    }
    // Unnamed matches: the remaining layers of each side, in graph order, when the ops agree.
    let mut rest_b = (0..b.len()).filter(|j| !used[*j]).collect::<Vec<_>>().into_iter().peekable();
    for (i, m) in matched.iter_mut().enumerate() {
        if m.is_none()
            && let Some(&j) = rest_b.peek()
            && b[j].op == a[i].op
        {
            *m = Some(j);
            used[j] = true;
            rest_b.next();
        }
    }
    let mut pairs = Vec::new();
    for (i, m) in matched.iter().enumerate() {
        match m {
            Some(j) => pairs.push(compare_layers(&a[i], &b[*j])),
            None => pairs.push(Pair {
                a: Some(a[i].node.clone()),
                b: None,
                op: a[i].op.clone(),
                differences: vec!["only in A".into()],
            }),
        }
    }
    for (_, l) in b.iter().enumerate().filter(|(j, _)| !used[*j]) {
        pairs.push(Pair { a: None, b: Some(l.node.clone()), op: l.op.clone(), differences: vec!["only in B".into()] });
    }
    pairs
}

fn compare_layers(a: &Layer, b: &Layer) -> Pair {
    let mut d = Vec::new();
    if a.op != b.op {
        d.push(format!("op {} vs {}", a.op, b.op));
    }
    if a.attrs != b.attrs {
        let only =
            |x: &[String], y: &[String]| x.iter().filter(|s| !y.contains(s)).cloned().collect::<Vec<_>>().join(", ");
        d.push(format!("attributes: A has {{{}}}, B has {{{}}}", only(&a.attrs, &b.attrs), only(&b.attrs, &a.attrs)));
    }
    if a.shape != b.shape {
        d.push(format!("output shape {} vs {}", a.shape.as_deref().unwrap_or("?"), b.shape.as_deref().unwrap_or("?")));
    }
    if a.weights.len() != b.weights.len() {
        d.push(format!("{} vs {} weight tensors", a.weights.len(), b.weights.len()));
    }
    for (wa, wb) in a.weights.iter().zip(&b.weights) {
        if wa.dims != wb.dims {
            d.push(format!("`{}` dims {:?} vs {:?}", wa.name, wa.dims, wb.dims));
        } else if wa.sha256 != wb.sha256 {
            let max = match (&wa.values, &wb.values) {
                (Some(x), Some(y)) => x.iter().zip(y).fold(0f64, |m, (p, q)| m.max(f64::from(p - q).abs())),
                _ => f64::NAN,
            };
            d.push(format!("`{}` values differ: max |a − b| = {max:.3e}", wa.name));
        }
    }
    Pair { a: Some(a.node.clone()), b: Some(b.node.clone()), op: a.op.clone(), differences: d }
}

/// Both files on ONNX Runtime's CPU provider, on one seeded input of A's first input's shape
/// (batch 1 where it is symbolic); their first outputs compared.
fn run_both(options: &DiffOptions, a: &ModelProto) -> crate::Result<OutputDiff> {
    let tol = options.tolerance;
    let sig = zoo_ship::signature::signature(a, &options.a.display().to_string())?;
    let input = sig.inputs.first().ok_or_else(|| crate::err!("A has no input"))?;
    let shape: Vec<usize> = input
        .dims
        .iter()
        .map(|d| match d {
            zoo_ship::signature::Dim::Fixed(n) => usize::try_from(*n).unwrap_or(1),
            zoo_ship::signature::Dim::Symbolic => 1,
        })
        .collect();
    let mut data = vec![0f32; shape.iter().product()];
    zoo_graph::prng::Stream::new(0, "diff.input").fill_uniform(0, -1.0, 1.0, &mut data);
    let x = Tensor::new(input.name.clone(), shape, data);
    let mut opts = options.ort.clone();
    (opts.profile, opts.providers) = (false, vec![Provider::Cpu]);
    let mut outs = Vec::new();
    for p in [&options.a, &options.b] {
        let (mut r, _) = runtimes::ort(p, &opts, runtimes::limit(runtimes::DEFAULT_TIMEOUT_S))?;
        let o = r.run(std::slice::from_ref(&x))?;
        outs.push(o.outputs.into_iter().next().ok_or_else(|| crate::err!("{} has no output", p.display()))?);
    }
    let m = compare(&outs[0], &outs[1], tol)?;
    Ok(OutputDiff {
        output: outs[0].name.clone(),
        max_abs: m.max_abs,
        max_rel: m.max_rel,
        cosine: m.cosine,
        tolerance: tol,
        pass: m.pass,
    })
}
