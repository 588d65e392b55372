//! Transpose — https://onnx.ai/onnx/operators/onnx__Transpose.html
//!
//! Opset history: see `DEF.forms`. Permutes the axes by `perm` (reversed when absent): tf2onnx's
//! NHWC ↔ NCHW around convolutions, ShuffleNet's channel shuffle, ConvNeXt's channels-last
//! blocks. Moves values, computes nothing: int8 keeps its input's parameters.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let r = x.rank();
    let perm = attr::get_ints(node, "perm").unwrap_or_else(|| (0..r as i64).rev().collect());
    let mut seen = vec![false; r];
    let mut shape = Vec::with_capacity(r);
    for &p in &perm {
        let a = usize::try_from(p).ok().filter(|&a| a < r && !seen[a]).ok_or_else(|| ShapeError::Attribute {
            name: "perm".into(),
            reason: format!("{perm:?} is not a permutation of {r} axes"),
        })?;
        seen[a] = true;
        shape.push(x.shape[a].clone());
    }
    if perm.len() != r {
        return Err(ShapeError::Attribute {
            name: "perm".into(),
            reason: format!("{perm:?} is not a permutation of {r} axes"),
        });
    }
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Transpose",
    spec: "https://onnx.ai/onnx/operators/onnx__Transpose.html",
    inputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 21, change: "more types (int4, float8)" },
    ],
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Ints("perm", &[0, 2, 3, 1])],
        inputs: &[(DType::F32, &[1, 3, 4, 5])],
        consts: &[],
        output: (DType::F32, &[1, 4, 5, 3]),
    },
    ..FREE
};
