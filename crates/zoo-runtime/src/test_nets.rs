//! The small network and input the runtimes' unit tests share.

use std::path::{Path, PathBuf};

use zoo_graph::ops::{Conv, Flatten, Linear, Relu};
use zoo_graph::{Batch, Net, Opset, Seeded, image};

use crate::tensor::{IntType, Tensor};

/// conv(4, 3×3, pad 1) → relu → flatten → fc(5), with the relu output also a graph output:
/// outputs `features` [N, 4, 8, 8] and `logits` [N, 5].
pub(crate) fn conv_net(dir: &Path) -> PathBuf {
    let mut net = Net::new("tiny", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Dynamic, 3, 8, 8)).unwrap();
    let x = net.layer("conv1", x, Conv::new(4, 3).pad(1)).unwrap();
    let features = net.layer("relu1", x, Relu).unwrap();
    let x = net.layer("flatten", features, Flatten).unwrap();
    let logits = net.layer("fc", x, Linear::new(5)).unwrap();
    net.output(features, "features").unwrap();
    net.output(logits, "logits").unwrap();
    let path = dir.join("tiny.onnx");
    zoo_graph::write::write_file(&net.finish("test net", vec![]), &Seeded { seed: 0 }, &path, &Default::default())
        .unwrap();
    path
}

/// A deterministic input in [-1, 1) for [`conv_net`].
pub(crate) fn input(batch: usize) -> Tensor {
    let shape = vec![batch, 3, 8, 8];
    let n = shape.iter().product();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let data = (0..n)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::new("input", shape, data)
}

/// A file with float, integer and boolean inputs and outputs: `scores` (f32 [2, 3]) → ArgMax
/// over axis 1 → `label` (INT64 [2]); and for every [`IntType`] an input `x_<type>` ([3]) passed
/// through Identity to `y_<type>`.
pub(crate) fn typed_net(dir: &Path) -> PathBuf {
    use prost::Message;
    use zoo_proto::tensor_shape_proto::{Dimension, dimension};
    use zoo_proto::{
        AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto,
        ValueInfoProto, attribute_proto, type_proto,
    };
    let vi = |name: &str, elem: i32, dims: &[i64]| ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem),
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension { value: Some(dimension::Value::DimValue(d)), denotation: None })
                        .collect(),
                }),
            })),
            denotation: None,
        }),
        ..Default::default()
    };
    let node = |op: &str, i: &str, o: &str, attribute: Vec<AttributeProto>| NodeProto {
        op_type: Some(op.into()),
        name: Some(o.into()),
        input: vec![i.into()],
        output: vec![o.into()],
        attribute,
        ..Default::default()
    };
    let int_attr = |name: &str, i: i64| AttributeProto {
        name: Some(name.into()),
        i: Some(i),
        r#type: Some(attribute_proto::AttributeType::Int as i32),
        ..Default::default()
    };
    let mut g = GraphProto { name: Some("typed".into()), ..Default::default() };
    g.input.push(vi("scores", 1, &[2, 3]));
    g.node.push(node("ArgMax", "scores", "label", vec![int_attr("axis", 1), int_attr("keepdims", 0)]));
    g.output.push(vi("label", 7, &[2]));
    for ty in IntType::ALL {
        let s = ty.name().to_lowercase();
        g.input.push(vi(&format!("x_{s}"), ty.onnx(), &[3]));
        g.node.push(node("Identity", &format!("x_{s}"), &format!("y_{s}"), vec![]));
        g.output.push(vi(&format!("y_{s}"), ty.onnx(), &[3]));
    }
    let m = ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(17) }],
        graph: Some(g),
        ..Default::default()
    };
    let path = dir.join("typed.onnx");
    std::fs::write(&path, m.encode_to_vec()).unwrap();
    path
}

/// Inputs for [`typed_net`]: each integer input holds its type's extremes and a middle value.
pub(crate) fn typed_inputs() -> Vec<Tensor> {
    let mut v = vec![Tensor::new("scores", vec![2, 3], vec![0.1, 0.7, 0.2, 0.9, -1.0, 0.95])];
    for ty in IntType::ALL {
        let (lo, hi) = (*ty.range().start(), *ty.range().end());
        v.push(Tensor::int(format!("x_{}", ty.name().to_lowercase()), vec![3], ty, vec![lo, hi, hi / 3]));
    }
    v
}

/// The shapes of [`typed_inputs`], as static-shape runners are built for them.
pub(crate) fn typed_shapes() -> Vec<(String, Vec<usize>)> {
    typed_inputs().iter().map(|t| (t.name.clone(), t.shape.clone())).collect()
}

/// What every runtime must return for [`typed_inputs`]: the argmax labels, and each integer
/// input unchanged, in its own type.
pub(crate) fn check_typed_outputs(label: &str, outputs: &[Tensor]) {
    check_typed_outputs_with(&typed_inputs(), label, outputs);
}

/// As [`check_typed_outputs`], for other integer values than [`typed_inputs`]'.
pub(crate) fn check_typed_outputs_with(inputs: &[Tensor], label: &str, outputs: &[Tensor]) {
    assert_eq!(outputs[0], Tensor::int("label", vec![2], IntType::I64, vec![1, 2]), "{label}");
    for (o, i) in outputs[1..].iter().zip(&inputs[1..]) {
        assert_eq!(o.ints, i.ints, "{label}: {}", o.name);
        assert_eq!(o.shape, i.shape, "{label}: {}", o.name);
    }
    assert_eq!(outputs.len(), 1 + IntType::ALL.len(), "{label}");
}
