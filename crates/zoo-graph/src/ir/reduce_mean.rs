//! Reads torch.onnx.export's (dynamo) global average pooling — `ReduceMean` over the two
//! spatial axes of an NCHW tensor — as the GlobalAveragePool zoo's builder writes
//! (ONNX: ReduceMean https://onnx.ai/onnx/operators/onnx__ReduceMean.html, axes an attribute
//! before opset 18 and an input from 18; GlobalAveragePool
//! https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html). `keepdims = 0` becomes
//! GlobalAveragePool followed by `Flatten(axis = 1)`: [N, C, 1, 1] → [N, C].
//!
//! Numeric effect: none by definition (both are the mean over H·W); runtimes may sum in another
//! order, a difference of the order of one rounding per output. Oracle: ONNX Runtime runs the
//! file before and after on the same inputs (peer-check, `tests/compile.rs`).
//! Any other ReduceMean (other axes, an input whose rank is not 4 or not known, axes computed
//! at run time) is left as the file wrote it and carried through, with the reason in the report.

use super::{Graph, Node};
use crate::attr;

/// Rewrites every spatial ReduceMean of a rank-4 input (typed by a [`Graph::infer`] before);
/// `(node, report line)` per rewrite, and `(node, reason)` per ReduceMean left as it is.
/// `(node, line)` pairs: what was rewritten, and what was left with why.
type Lines = Vec<(String, String)>;

pub(crate) fn rewrite(graph: &mut Graph) -> (Lines, Lines) {
    let mut changed = Vec::new();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < graph.nodes.len() {
        if !graph.nodes[i].is("ReduceMean") {
            i += 1;
            continue;
        }
        let node = graph.nodes[i].clone();
        let mut keep = |reason: String| {
            kept.push((node.name.clone(), reason));
            i += 1;
        };
        let proto = node.proto();
        let axes: Vec<i64> = match node.inputs.get(1).filter(|a| !a.is_empty()) {
            Some(name) => match graph.tensor(name).and_then(|t| t.data.i64_values()) {
                Some(a) => a,
                None => {
                    keep(format!("its axes `{name}` are not a constant int64 tensor"));
                    continue;
                }
            },
            None => attr::get_ints(&proto, "axes").unwrap_or_default(),
        };
        let rank = node.inputs.first().and_then(|x| graph.info(x)).map(|t| t.rank());
        if rank != Some(4) {
            keep(format!(
                "ReduceMean of a tensor of rank {}: only an NCHW mean over H, W is a global average pool",
                rank.map_or("unknown".to_string(), |r| r.to_string())
            ));
            continue;
        }
        let mut spatial: Vec<i64> = axes.iter().map(|&a| if a < 0 { a + 4 } else { a }).collect();
        spatial.sort_unstable();
        if spatial != [2, 3] {
            keep(format!("ReduceMean over axes {axes:?}, not the spatial axes of NCHW: not a global average pool"));
            continue;
        }
        let keepdims = attr::get_int(&proto, "keepdims").unwrap_or(1) != 0;
        let Some(output) = node.outputs.first().filter(|o| !o.is_empty()).cloned() else {
            keep("ReduceMean without an output".to_string());
            continue;
        };
        let pooled = if keepdims { output.clone() } else { graph.fresh_name(&format!("{output}_pooled")) };
        graph.nodes[i] = Node {
            name: node.name.clone(),
            op: "GlobalAveragePool".into(),
            domain: String::new(),
            inputs: vec![node.inputs[0].clone()],
            outputs: vec![pooled.clone()],
            attrs: vec![],
        };
        if !keepdims {
            graph.nodes.insert(
                i + 1,
                Node {
                    name: graph.fresh_name(&format!("{}_flatten", node.name)),
                    op: "Flatten".into(),
                    domain: String::new(),
                    inputs: vec![pooled],
                    outputs: vec![output],
                    attrs: vec![attr::int("axis", 1)],
                },
            );
        }
        // An axes initializer nothing else reads goes with the node.
        if let Some(a) = node.inputs.get(1).filter(|a| !a.is_empty() && graph.consumers(a).is_empty()) {
            graph.tensors.retain(|t| t.name != *a);
        }
        let line = format!(
            "{} (ReduceMean over H, W{}) → GlobalAveragePool{}",
            node.name,
            if keepdims { "" } else { ", keepdims 0" },
            if keepdims { "" } else { " + Flatten" }
        );
        changed.push((node.name.clone(), line));
        i += 1;
    }
    (changed, kept)
}
