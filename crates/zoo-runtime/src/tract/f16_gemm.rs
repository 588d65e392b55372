//! A workaround for tract-onnx 0.23.9's fp16 Gemm, applied to the decoded file before tract
//! translates it (the file on disk is not touched).
//!
//! ONNX Gemm (<https://onnx.ai/onnx/operators/onnx__Gemm.html>) is Y = α·A·B′ + β·C. tract-onnx
//! expands it (`ops/math/gemm.rs`) into an EinSum for A·B′, then multiplies C by β as an **f32**
//! constant whenever C is given, so for fp16 operands the result is f32 where the op declared
//! f16 and tract refuses the whole model: "Output mismatch after rewiring expansion for output
//! #0: expected 2,1000,F16 got 2,1000,F32". Every fp16 classifier head (zoo's `--precision
//! fp16`, onnxconverter-common's) has such a Gemm, so without this tract could not run fp16
//! files at all.
//!
//! With α = β = 1 the node is exactly Gemm(A, B) followed by Add(·, C): Gemm's unidirectional
//! broadcast of C to (M, N) is numpy broadcasting, which Add does, and without C tract wires no
//! f32 constant. Only that case is rewritten, and only where B is an fp16 initializer; any other
//! Gemm goes to tract as written.

use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{ModelProto, NodeProto};

const FLOAT16: i32 = DataType::Float16 as i32;

/// Splits each fp16 Gemm with α = β = 1 and a bias into Gemm + Add; returns how many.
pub fn split_bias(model: &mut ModelProto) -> usize {
    let Some(graph) = model.graph.as_mut() else { return 0 };
    let fp16: std::collections::HashSet<String> =
        graph.initializer.iter().filter(|t| t.data_type == FLOAT16).map(|t| t.name.clone()).collect();
    let mut taken: std::collections::HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().chain(&n.output).cloned())
        .chain(graph.initializer.iter().map(|t| t.name.clone()))
        .chain(graph.input.iter().chain(&graph.output).map(|v| v.name.clone()))
        .collect();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut split = 0;
    for node in std::mem::take(&mut graph.node) {
        if !splittable(&node, &fp16) {
            nodes.push(node);
            continue;
        }
        let product = fresh(&mut taken, &format!("{}.zoo_ab", node.output[0]));
        let bias = node.input[2].clone();
        let out = node.output[0].clone();
        let add = NodeProto {
            name: format!("{}.zoo_bias", node.name),
            op_type: "Add".into(),
            input: vec![product.clone(), bias],
            output: vec![out],
            ..NodeProto::default()
        };
        let mut gemm = node;
        gemm.input.truncate(2);
        gemm.output = vec![product];
        gemm.attribute.retain(|a| a.name != "beta");
        nodes.push(gemm);
        nodes.push(add);
        split += 1;
    }
    graph.node = nodes;
    split
}

fn splittable(node: &NodeProto, fp16: &std::collections::HashSet<String>) -> bool {
    let attr = |name: &str| node.attribute.iter().find(|a| a.name == name).map_or(1.0, |a| a.f);
    node.op_type == "Gemm"
        && (node.domain.is_empty() || node.domain == "ai.onnx")
        && node.input.len() == 3
        && !node.input[2].is_empty()
        && node.output.len() == 1
        && fp16.contains(&node.input[1])
        && attr("alpha") == 1.0
        && attr("beta") == 1.0
}

/// `base`, or `base.1`, `base.2`… : a value name the graph does not use yet.
fn fresh(taken: &mut std::collections::HashSet<String>, base: &str) -> String {
    let mut name = base.to_string();
    let mut k = 0;
    while taken.contains(&name) {
        k += 1;
        name = format!("{base}.{k}");
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tract_onnx::pb::{AttributeProto, GraphProto, TensorProto};

    fn gemm(b: &str, beta: f32) -> NodeProto {
        NodeProto {
            name: "fc".into(),
            op_type: "Gemm".into(),
            input: vec!["x".into(), b.into(), "c".into()],
            output: vec!["y".into()],
            attribute: vec![
                AttributeProto { name: "beta".into(), f: beta, ..Default::default() },
                AttributeProto { name: "transB".into(), i: 1, ..Default::default() },
            ],
            ..Default::default()
        }
    }

    fn model(nodes: Vec<NodeProto>) -> ModelProto {
        let init = |name: &str, data_type| TensorProto { name: name.into(), data_type, ..Default::default() };
        ModelProto {
            graph: Some(GraphProto {
                node: nodes,
                initializer: vec![init("w16", FLOAT16), init("w32", DataType::Float as i32), init("c", FLOAT16)],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn only_fp16_gemms_with_unit_alpha_and_beta_are_split() {
        // `y.zoo_ab` is taken already: the product gets the next free name.
        let taken = NodeProto { op_type: "Relu".into(), output: vec!["y.zoo_ab".into()], ..Default::default() };
        let mut m = model(vec![taken, gemm("w16", 1.0)]);
        assert_eq!(split_bias(&mut m), 1);
        let nodes = &m.graph.as_ref().unwrap().node;
        let (g, add) = (&nodes[1], &nodes[2]);
        assert_eq!(
            (g.op_type.as_str(), &g.input[..], &g.output[..]),
            ("Gemm", &["x".into(), "w16".into()][..], &["y.zoo_ab.1".to_string()][..])
        );
        assert_eq!(g.attribute.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["transB"]);
        assert_eq!(
            (add.op_type.as_str(), &add.input[..], &add.output[..]),
            ("Add", &["y.zoo_ab.1".into(), "c".into()][..], &["y".to_string()][..])
        );

        for kept in [gemm("w32", 1.0), gemm("w16", 0.5)] {
            let mut m = model(vec![kept.clone()]);
            assert_eq!(split_bias(&mut m), 0);
            assert_eq!(m.graph.unwrap().node, [kept]);
        }
    }
}
