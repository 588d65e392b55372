//! Folds the shape computations other exporters emit for `x.view(x.size(0), -1)` —
//! `Shape → Gather → Unsqueeze → Concat → Reshape` — into one Flatten, or into a Reshape with a
//! constant target (ONNX: Shape https://onnx.ai/onnx/operators/onnx__Shape.html, Gather,
//! Unsqueeze, Concat, Reshape). The reader runs it on every file, because the IR's types come
//! from zoo's shape inference, which does not model integer tensors computed at run time.
//!
//! Numeric effect: none — the target shape is evaluated symbolically from the typed input
//! (known dimensions become numbers; the symbolic batch becomes Reshape's `0`, "copy this
//! dimension", which is exactly what the chain computes), and `[0, -1]` is `Flatten(axis=1)`.
//! Oracle: ONNX Runtime runs the file before and after on the same inputs, with equal outputs.
//! A shape value read by anything but this chain, or an index that is not a constant, is an
//! error naming the node.

use std::collections::HashMap;

use super::{Graph, Tensor, TensorData};
use crate::attr;
use crate::param::ParamKind;
use crate::tensor::{DType, Dim, TensorInfo};

/// One element of a shape computed at run time.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    Known(i64),
    /// Axis `axis` of value `of`, whose size is the symbol `sym` (e.g. the batch `N`).
    Sym {
        of: String,
        axis: usize,
        sym: String,
    },
}

/// A shape value: its elements, and whether it is a scalar (a Gather with a scalar index).
#[derive(Debug, Clone)]
struct ShapeValue {
    elems: Vec<Elem>,
    scalar: bool,
}

/// Folds every chain it can; returns one line per rewritten Reshape, and `(node, reason)` for
/// each chain node it could not fold (left as the file wrote it, carried through).
pub(crate) fn fold(graph: &mut Graph) -> (Vec<String>, Vec<(String, String)>) {
    let mut kept = Vec::new();
    if !graph.nodes.iter().any(|n| n.is("Shape")) {
        return (vec![], kept);
    }
    let mut types: HashMap<String, TensorInfo> = HashMap::new();
    for i in &graph.inputs {
        types.insert(i.name.clone(), i.info.clone());
    }
    let mut consts: HashMap<String, Vec<i64>> = HashMap::new();
    for t in &graph.tensors {
        types.insert(t.name.clone(), TensorInfo::new(t.dtype(), t.dims.iter().map(|&d| Dim::Known(d)).collect()));
        if let Some(v) = t.data.i64_values() {
            consts.insert(t.name.clone(), v);
        }
    }
    let mut shapes: HashMap<String, ShapeValue> = HashMap::new();
    let mut remove = vec![false; graph.nodes.len()];
    let mut folded = Vec::new();
    let mut new_tensors = Vec::new();
    for (k, node) in graph.nodes.iter_mut().enumerate() {
        let outcome = (|| -> Result<bool, (String, String)> {
            if !node.domain.is_empty() {
                return Ok(false);
            }
            let proto = node.proto();
            let fail = |reason: String| (node.name.clone(), reason);
            let first = node.inputs.first().cloned().unwrap_or_default();
            let reads_shape = node.inputs.iter().any(|i| shapes.contains_key(i));
            // What a chain node computes is named by its first output; a file may give it none.
            let output = || node.outputs.first().cloned().ok_or_else(|| fail(format!("{} has no output", node.op)));
            // A chain node's data input must itself be a shape (its other inputs may be the shape).
            let shape_of = |what: &str| {
                shapes
                    .get(&first)
                    .ok_or_else(|| fail(format!("{what} `{first}`, which is not a shape computed before it")))
            };
            match node.op.as_str() {
                "Shape" => {
                    let x = types.get(&first).ok_or_else(|| fail(format!("input `{first}` is not typed before it")))?;
                    let r = x.rank() as i64;
                    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
                    let start = clamp(attr::get_int(&proto, "start").unwrap_or(0));
                    let end = clamp(attr::get_int(&proto, "end").unwrap_or(r));
                    let elems = (start..end.max(start))
                        .map(|axis| match &x.shape[axis] {
                            Dim::Known(n) => Elem::Known(*n as i64),
                            Dim::Sym(s) => Elem::Sym { of: first.clone(), axis, sym: s.clone() },
                        })
                        .collect();
                    shapes.insert(output()?, ShapeValue { elems, scalar: false });
                    remove[k] = true;
                    return Ok(true);
                }
                "Gather" if reads_shape => {
                    let data = shape_of("gathers from")?;
                    let idx_name = node.inputs.get(1).cloned().unwrap_or_default();
                    let idx =
                        consts.get(&idx_name).ok_or_else(|| fail(format!("index `{idx_name}` is not a constant")))?;
                    if attr::get_int(&proto, "axis").unwrap_or(0) != 0 {
                        return Err(fail("gathers along an axis other than 0 of a shape".into()));
                    }
                    let scalar = types.get(&idx_name).is_some_and(|t| t.rank() == 0);
                    let n = data.elems.len() as i64;
                    let elems = idx
                        .iter()
                        .map(|&i| {
                            let j = if i < 0 { i + n } else { i };
                            data.elems.get(j as usize).cloned().ok_or_else(|| fail(format!("index {i} out of range")))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    shapes.insert(output()?, ShapeValue { elems, scalar });
                    remove[k] = true;
                    return Ok(true);
                }
                "Unsqueeze" if reads_shape => {
                    let v = shape_of("unsqueezes")?;
                    let axes = match node.inputs.get(1).filter(|a| !a.is_empty()) {
                        Some(a) => {
                            consts.get(a).cloned().ok_or_else(|| fail(format!("axes `{a}` are not a constant")))?
                        }
                        None => attr::get_ints(&proto, "axes").unwrap_or_default(),
                    };
                    if !v.scalar || !matches!(axes.as_slice(), [0] | [-1]) {
                        return Err(fail("unsqueezes a shape other than a scalar into a vector".into()));
                    }
                    shapes.insert(output()?, ShapeValue { elems: v.elems.clone(), scalar: false });
                    remove[k] = true;
                    return Ok(true);
                }
                "Concat" if reads_shape => {
                    let mut elems = Vec::new();
                    for i in &node.inputs {
                        match (shapes.get(i), consts.get(i)) {
                            (Some(v), _) => elems.extend(v.elems.iter().cloned()),
                            (None, Some(c)) => elems.extend(c.iter().map(|&x| Elem::Known(x))),
                            _ => return Err(fail(format!("joins `{i}`, neither a shape nor a constant"))),
                        }
                    }
                    shapes.insert(output()?, ShapeValue { elems, scalar: false });
                    remove[k] = true;
                    return Ok(true);
                }
                "Reshape" if node.inputs.get(1).is_some_and(|t| shapes.contains_key(t)) => {
                    let x = types.get(&first).ok_or_else(|| fail(format!("input `{first}` is not typed before it")))?;
                    let target = &shapes[&node.inputs[1]];
                    let allow_zero = attr::get_int(&proto, "allowzero").unwrap_or(0) != 0;
                    let values = target
                        .elems
                        .iter()
                        .enumerate()
                        .map(|(i, e)| match e {
                            Elem::Known(0) if allow_zero => Ok(0),
                            Elem::Known(0) => Err(fail("a computed 0 would copy an input dimension".into())),
                            Elem::Known(v) => Ok(*v),
                            // Reshape's 0 copies the input's dimension at the same position.
                            Elem::Sym { sym, .. }
                                if !allow_zero && matches!(x.shape.get(i), Some(Dim::Sym(s)) if s == sym) =>
                            {
                                Ok(0)
                            }
                            Elem::Sym { of, axis, .. } => Err(fail(format!(
                                "target element {i} is axis {axis} of `{of}`, not known at export time"
                            ))),
                        })
                        .collect::<Result<Vec<i64>, _>>()?;
                    if values == [0, -1] && x.rank() >= 2 {
                        node.op = "Flatten".into();
                        node.inputs.truncate(1);
                        node.attrs = vec![attr::int("axis", 1)];
                        folded.push(format!("{} → Flatten(axis=1)", node.name));
                    } else {
                        let name = format!("{}.shape", node.name);
                        new_tensors.push(Tensor {
                            name: name.clone(),
                            dims: vec![values.len()],
                            kind: ParamKind::Constant,
                            data: TensorData::bytes(DType::I64, values.iter().flat_map(|v| v.to_le_bytes()).collect()),
                        });
                        consts.insert(name.clone(), values.clone());
                        node.inputs[1] = name;
                        folded.push(format!("{} → Reshape{values:?}", node.name));
                    }
                }
                _ if reads_shape => {
                    return Err(fail(format!(
                        "{} reads a shape computed at run time, which zoo does not fold",
                        node.op
                    )));
                }
                // Shape arithmetic of another kind, or Gather/Unsqueeze on data: carried as it is.
                _ => {}
            }
            Ok(false)
        })();
        match outcome {
            Ok(true) => continue,
            Ok(false) => {}
            Err(why) => kept.push(why),
        }
        // Type the node's outputs for the Shape nodes further down (an op zoo does not know, or
        // cannot type here, leaves them untyped: a Shape of them is not folded).
        let Some(def) = node.def() else { continue };
        let Some(infos) =
            node.inputs.iter().filter(|i| !i.is_empty()).map(|i| types.get(i).cloned()).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let lookup = |n: &str| consts.get(n).cloned();
        if let Ok(outs) = (def.infer)(&node.proto(), &infos, crate::ops::Consts::ints_only(&lookup)) {
            for (o, info) in node.outputs.iter().zip(outs) {
                types.insert(o.clone(), info);
            }
        }
    }
    // A chain node whose value something still reads (a node zoo did not fold, a graph output)
    // stays, and so does every chain node it reads.
    let mut live: std::collections::HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    loop {
        for (n, _) in graph.nodes.iter().zip(&remove).filter(|(_, r)| !**r) {
            live.extend(n.reads());
        }
        let revived: Vec<usize> = (0..graph.nodes.len())
            .filter(|&k| remove[k] && graph.nodes[k].outputs.iter().any(|o| live.contains(o)))
            .collect();
        if revived.is_empty() {
            break;
        }
        for k in revived {
            remove[k] = false;
        }
    }
    let mut k = 0;
    graph.nodes.retain(|_| {
        k += 1;
        !remove[k - 1]
    });
    graph.tensors.extend(new_tensors);
    graph.drop_unused_tensors();
    (folded, kept)
}

/// After shape inference: a Reshape whose constant target flattens everything after the batch
/// — `[-1, K]`, `[0, K]` or `[N, K]` with K the input's elements per batch item, as
/// torch.onnx.export's dynamo exporter writes `x.view(-1, K)` — is `Flatten(axis=1)`, the
/// form zoo's builder and the TorchScript exporter write (and the one onnx's shape inference
/// types exactly: it cannot tell that `-1` is the batch). Returns one line per rewrite.
pub(crate) fn flatten_reshapes(graph: &mut Graph) -> Vec<String> {
    let mut folded = Vec::new();
    for k in 0..graph.nodes.len() {
        let node = &graph.nodes[k];
        if !node.is("Reshape") {
            continue;
        }
        let (Some(x), Some(target)) = (
            graph.info(&node.inputs[0]),
            node.inputs.get(1).and_then(|t| graph.tensor(t)).and_then(|t| t.data.i64_values()),
        ) else {
            continue;
        };
        let allow_zero = attr::get_int(&node.proto(), "allowzero").unwrap_or(0) != 0;
        let Some(per_item) = x.per_item() else { continue };
        let batch_kept = match (target.first(), x.shape.first()) {
            (Some(-1), _) => true,
            (Some(0), _) => !allow_zero,
            (Some(&n), Some(Dim::Known(b))) => n >= 0 && n as usize == *b,
            _ => false,
        };
        if x.rank() < 2 || target.len() != 2 || !batch_kept || target[1] != per_item as i64 {
            continue;
        }
        let node = &mut graph.nodes[k];
        node.op = "Flatten".into();
        node.inputs.truncate(1);
        node.attrs = vec![attr::int("axis", 1)];
        folded.push(format!("{} (Reshape to {target:?}) → Flatten(axis=1)", node.name));
    }
    if !folded.is_empty() {
        graph.drop_unused_tensors();
    }
    folded
}
