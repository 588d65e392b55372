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
//! Any other ReduceMean (other axes, a rank other than 4, axes computed at run time) is an error
//! naming the node: zoo's passes do not model reductions.

use super::{Graph, Node};
use crate::attr;

/// Rewrites every spatial ReduceMean; `(node, report line)` per rewrite, or `(node, reason)`.
/// The ranks are checked after shape inference by [`check_ranks`].
pub(crate) fn rewrite(graph: &mut Graph) -> Result<Vec<(String, String)>, (String, String)> {
    let mut changed = Vec::new();
    let mut i = 0;
    while i < graph.nodes.len() {
        if graph.nodes[i].op != "ReduceMean" {
            i += 1;
            continue;
        }
        let node = graph.nodes[i].clone();
        let fail = |reason: String| (node.name.clone(), reason);
        let proto = node.proto();
        let axes: Vec<i64> = match node.inputs.get(1).filter(|a| !a.is_empty()) {
            Some(name) => graph
                .tensor(name)
                .and_then(|t| t.data.i64_values())
                .ok_or_else(|| fail(format!("its axes `{name}` are not a constant int64 tensor")))?,
            None => attr::get_ints(&proto, "axes").unwrap_or_default(),
        };
        let mut spatial: Vec<i64> = axes.iter().map(|&a| if a < 0 { a + 4 } else { a }).collect();
        spatial.sort_unstable();
        if spatial != [2, 3] {
            return Err(fail(format!(
                "ReduceMean over axes {axes:?}: zoo reads only the mean over the spatial axes of NCHW ([2, 3] or [-2, -1]), a global average pool"
            )));
        }
        let keepdims = attr::get_int(&proto, "keepdims").unwrap_or(1) != 0;
        let output = node.outputs[0].clone();
        let pooled = if keepdims { output.clone() } else { graph.fresh_name(&format!("{output}_pooled")) };
        graph.nodes[i] = Node {
            name: node.name.clone(),
            op: "GlobalAveragePool".into(),
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
    Ok(changed)
}

/// Negative axes were read as those of a rank-4 tensor; after shape inference, every rewritten
/// pool's input must be one.
pub(crate) fn check_ranks(graph: &Graph, rewritten: &[(String, String)]) -> Result<(), (String, String)> {
    for node in graph.nodes.iter().filter(|n| rewritten.iter().any(|(name, _)| *name == n.name)) {
        let rank = graph.info(&node.inputs[0]).map(|t| t.shape.len());
        if rank != Some(4) {
            return Err((
                node.name.clone(),
                format!("ReduceMean of a rank-{} tensor: zoo reads only NCHW global average pools", rank.unwrap_or(0)),
            ));
        }
    }
    Ok(())
}
