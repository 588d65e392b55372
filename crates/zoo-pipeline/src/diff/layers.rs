//! The parameterised layers of a file — nodes reading float weights from initializers or
//! Constant nodes (paddle2onnx and tf2onnx keep weights there) — and their alignment across two
//! files.

use std::path::Path;
use std::sync::Arc;

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zoo_graph::DType;
use zoo_graph::analysis::analyze;
use zoo_graph::ir::{TensorData, external};
use zoo_graph::weights::NoWeights;
use zoo_proto::{GraphProto, ModelProto, NodeProto, TensorProto};

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

pub(super) fn attrs(n: &NodeProto) -> Vec<String> {
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

/// The float values of a held tensor (inline, or external data checked by `read_onnx`).
pub(super) fn values(t: &TensorProto, dir: &Path) -> Option<Vec<f32>> {
    let dtype = DType::from_onnx(t.data_type?)?;
    if dtype == DType::I64 {
        return None;
    }
    let n: usize = t.dims.iter().map(|&d| usize::try_from(d).ok()).product::<Option<usize>>()?;
    // The data must be as long as the dimensions say before anything is allocated for them: a
    // hostile tensor claims [1e9, 3, 3, 3] and holds 4 bytes.
    let bytes = n.checked_mul(dtype.size())?;
    let data = if external::is_external(t) {
        let at = external::resolve(t, dir, bytes as u64).ok()?;
        TensorData::External { dtype, path: Arc::new(at.path), offset: at.offset }
    } else if let Some(raw) = &t.raw_data {
        if raw.len() != bytes {
            return None;
        }
        TensorData::Shared { dtype, bytes: raw.clone() }
    } else {
        if t.float_data.len() != n {
            return None;
        }
        TensorData::f32s(&t.float_data)
    };
    data.to_f32_vec(&NoWeights, n).ok()
}

/// The tensors a graph holds: its initializers and its Constant nodes' `value`s, by the name
/// nodes read them under.
pub(super) fn constants(g: &GraphProto) -> HashMap<&str, &TensorProto> {
    g.initializer
        .iter()
        .filter_map(|t| Some((t.name.as_deref()?, t)))
        .chain(zoo_graph::analysis::constant_tensors(g))
        .collect()
}

pub(super) fn layers(m: &ModelProto, path: &Path) -> crate::Result<Vec<Layer>> {
    let g = m.graph.as_ref().ok_or_else(|| crate::err!("{} has no graph", path.display()))?;
    let dir = crate::onnx::folder(path);
    let a = analyze(m);
    let held = constants(g);
    let mut out = Vec::new();
    for (k, n) in g.node.iter().enumerate() {
        let mut weights = Vec::new();
        for i in &n.input {
            let Some(t) = held.get(i.as_str()) else { continue };
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
pub(super) fn align(a: &[Layer], b: &[Layer]) -> Vec<Pair> {
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
