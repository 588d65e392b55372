//! Folds the shape computations exporters emit — `x.view(x.size(0), -1)` as `Shape → Gather →
//! Unsqueeze → Concat → Reshape`, torch's `chunk` as `Shape → Gather → Add → Div → Mul → Slice`,
//! the channel shuffle's `view(b, g, c // g, h, w)` — into constants where the typed input makes
//! them known at export time (ONNX: Shape https://onnx.ai/onnx/operators/onnx__Shape.html and
//! the arithmetic [`shape_values`](super::shape_values) evaluates). The reader runs it on every
//! file, because the IR's types come from zoo's shape inference, which does not model integer
//! tensors computed at run time: a Slice whose bounds are computed cannot be typed, nor
//! anything after it.
//!
//! Numeric effect: none — a value is folded only when it is exactly what the run-time
//! computation gives. A node that reads a known value reads a constant instead; a Reshape whose
//! target keeps a symbolic dimension (the batch) gets `0` ("copy this dimension") or `-1`
//! ("the rest") there, and `[0, -1]` becomes `Flatten(axis=1)`. Oracle: ONNX Runtime runs the
//! file before and after on the same inputs, with equal outputs. Whatever cannot be folded (a
//! shape value read at a symbolic dimension, arithmetic on one) stays as the file wrote it and
//! is reported with the reason.

use std::collections::HashMap;

use super::shape_values::{self, Elem, ShapeValue};
use super::{Graph, Tensor, TensorData};
use crate::attr;
use crate::param::ParamKind;
use crate::tensor::{DType, Dim, TensorInfo};

/// An int64 constant this small, of rank 0 or 1, may be an operand of shape arithmetic.
const SMALL: usize = 64;

/// Folds every chain it can; returns one line per rewritten reader of a shape value, and
/// `(node, reason)` for each chain node it could not fold (left as the file wrote it, carried
/// through).
pub(crate) fn fold(graph: &mut Graph) -> (Vec<String>, Vec<(String, String)>) {
    let mut kept = Vec::new();
    if !graph.nodes.iter().any(|n| n.is("Shape")) {
        return (vec![], kept);
    }
    let mut types: HashMap<String, TensorInfo> = HashMap::new();
    for i in &graph.inputs {
        types.insert(i.name.clone(), i.info.clone());
    }
    // Integer constants, for the shape inference of the nodes the fold passes.
    let mut consts: HashMap<String, Vec<i64>> = HashMap::new();
    // Shape values: computed from a Shape, or small int64 constants (the operands of its arithmetic).
    let mut shapes: HashMap<String, ShapeValue> = HashMap::new();
    let mut computed: std::collections::HashSet<String> = Default::default();
    for t in &graph.tensors {
        types.insert(t.name.clone(), TensorInfo::new(t.dtype(), t.dims.iter().map(|&d| Dim::Known(d)).collect()));
        if let Some(v) = t.data.int_values() {
            if t.dtype() == DType::I64 && v.len() <= SMALL {
                shapes.insert(t.name.clone(), ShapeValue::known(&v, t.dims.clone()));
            }
            consts.insert(t.name.clone(), v);
        }
    }
    let mut remove = vec![false; graph.nodes.len()];
    let mut folded = Vec::new();
    let mut new_tensors = Vec::new();
    // A value several nodes read becomes one constant.
    let mut materialized: HashMap<String, String> = HashMap::new();
    for (k, node) in graph.nodes.iter_mut().enumerate() {
        if !node.domain.is_empty() {
            continue;
        }
        let proto = node.proto();
        let first = node.inputs.first().cloned().unwrap_or_default();
        let reads_shape = node.inputs.iter().any(|i| computed.contains(i));
        let output = node.outputs.first().cloned().unwrap_or_default();
        // Whether a reason this node stays was given already.
        let mut said = false;
        if node.is("Shape") && !output.is_empty() && !shapes.contains_key(&first) {
            match types.get(&first) {
                Some(x) => {
                    let dims = (x.shape.iter().enumerate())
                        .map(|(axis, d)| match d {
                            Dim::Known(n) => Elem::Known(*n as i64),
                            Dim::Sym(s) => Elem::Sym { of: first.clone(), axis, sym: s.clone() },
                        })
                        .collect();
                    shapes.insert(output.clone(), shape_values::shape(&proto, dims));
                    computed.insert(output);
                    remove[k] = true;
                    continue;
                }
                None => kept.push((node.name.clone(), format!("input `{first}` is not typed before it"))),
            }
        } else if !output.is_empty() {
            let inputs: Vec<Option<&ShapeValue>> =
                node.inputs.iter().map(|i| if i.is_empty() { None } else { shapes.get(i) }).collect();
            // Arithmetic on constants alone folds too, where it feeds a shape.
            // A Slice or Gather of a data tensor only reads a shape (its bounds, its index).
            let operands = inputs.iter().zip(&node.inputs).all(|(v, i)| v.is_some() || i.is_empty());
            if inputs.first().is_some_and(Option::is_some) && (reads_shape || operands) {
                match shape_values::evaluate(&proto, &inputs) {
                    Ok(None) => {}
                    Ok(Some(v)) => {
                        shapes.insert(output.clone(), v);
                        computed.insert(output);
                        remove[k] = true;
                        continue;
                    }
                    Err(why) if reads_shape => {
                        kept.push((node.name.clone(), why));
                        said = true;
                    }
                    Err(_) => {}
                }
            }
        }
        // A node that reads a shape value: known values become constants; Reshape's target may
        // keep a symbolic dimension as 0 or -1; anything else reads it at run time.
        for j in 0..node.inputs.len() {
            let name = node.inputs[j].clone();
            if !computed.contains(&name) {
                continue;
            }
            let value = &shapes[&name];
            if node.is("Reshape") && j == 1 {
                let x = types.get(&first);
                match x.ok_or_else(|| format!("input `{first}` is not typed before it")).and_then(|x| {
                    reshape_target(value, x, attr::get_int(&proto, "allowzero").unwrap_or(0) != 0)
                        .map(|t| (t, x.rank()))
                }) {
                    Ok((values, rank)) if values == [0, -1] && rank >= 2 => {
                        node.op = "Flatten".into();
                        node.inputs.truncate(1);
                        node.attrs = vec![attr::int("axis", 1)];
                        folded.push(format!("{} → Flatten(axis=1)", node.name));
                        break;
                    }
                    Ok((values, _)) => {
                        let t = format!("{}.shape", node.name);
                        new_tensors.push(int64_tensor(&t, &values, vec![values.len()]));
                        consts.insert(t.clone(), values.clone());
                        types.insert(t.clone(), TensorInfo::new(DType::I64, vec![Dim::Known(values.len())]));
                        node.inputs[1] = t;
                        folded.push(format!("{} → Reshape{values:?}", node.name));
                    }
                    Err(why) => kept.push((node.name.clone(), why)),
                }
                continue;
            }
            if value.boolean {
                kept.push((node.name.clone(), format!("{} reads `{name}`, a boolean computed from a shape", node.op)));
                continue;
            }
            let Some(values) = value.values() else {
                if said {
                    continue;
                }
                said = true;
                kept.push((
                    node.name.clone(),
                    format!(
                        "{} reads `{name}`, a shape with {}, not known at export time",
                        node.op,
                        value.unknown().unwrap_or_default()
                    ),
                ));
                continue;
            };
            let t = materialized
                .entry(name.clone())
                .or_insert_with(|| {
                    let t = format!("{name}.folded");
                    new_tensors.push(int64_tensor(&t, &values, value.dims.clone()));
                    consts.insert(t.clone(), values.clone());
                    types.insert(
                        t.clone(),
                        TensorInfo::new(DType::I64, value.dims.iter().map(|&d| Dim::Known(d)).collect()),
                    );
                    t
                })
                .clone();
            node.inputs[j] = t;
            folded.push(format!("{} input {j} `{name}` → {values:?}", node.name));
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

/// Reshape's constant target for a computed one: known elements as they are; a symbolic one as
/// `0` (copy the input's dimension) where the input has that very dimension at that position,
/// else as `-1` (the one dimension Reshape infers from the element count) — exact, because the
/// run-time value at that position is the one the count implies.
fn reshape_target(value: &ShapeValue, x: &TensorInfo, allow_zero: bool) -> Result<Vec<i64>, String> {
    if value.dims.len() != 1 {
        return Err(format!("its target shape has rank {}", value.dims.len()));
    }
    let mut inferred = value.elems.contains(&Elem::Known(-1));
    value
        .elems
        .iter()
        .enumerate()
        .map(|(i, e)| match e {
            Elem::Known(0) if allow_zero => Ok(0),
            Elem::Known(0) => Err("a computed 0 would copy an input dimension".into()),
            Elem::Known(v) => Ok(*v),
            Elem::Sym { sym, .. } if !allow_zero && matches!(x.shape.get(i), Some(Dim::Sym(s)) if s == sym) => Ok(0),
            Elem::Sym { .. } if !inferred => {
                inferred = true;
                Ok(-1)
            }
            Elem::Sym { of, axis, .. } => {
                Err(format!("target element {i} is axis {axis} of `{of}`, not known at export time"))
            }
        })
        .collect()
}

fn int64_tensor(name: &str, values: &[i64], dims: Vec<usize>) -> Tensor {
    Tensor {
        name: name.to_string(),
        dims,
        kind: ParamKind::Constant,
        data: TensorData::bytes(DType::I64, values.iter().flat_map(|v| v.to_le_bytes()).collect()),
    }
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
