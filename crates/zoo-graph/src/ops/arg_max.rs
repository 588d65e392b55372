//! ArgMax — https://onnx.ai/onnx/operators/onnx__ArgMax.html
//!
//! The index of the largest element along `axis` (default 0): classifiers and segmentation
//! nets exported with their label (`logits.argmax(1)`) end in one, an int64 output whatever
//! the input's type. Opset history: see `DEF.forms`. `keepdims` (default 1) keeps the axis as a
//! 1; `select_last_index` (from opset 12) picks the last of tied maxima instead of the first,
//! which changes values, not shapes.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let a = attr::get_int(node, "axis").unwrap_or(0);
    let at = axis(a, x.rank()).map_err(|_| ShapeError::Attribute {
        name: "axis".into(),
        reason: format!("{a} is outside a rank-{} tensor", x.rank()),
    })?;
    let keepdims = attr::get_int(node, "keepdims").unwrap_or(1) != 0;
    let shape = x
        .shape
        .iter()
        .enumerate()
        .filter_map(|(i, d)| if i != at { Some(d.clone()) } else { keepdims.then_some(Dim::Known(1)) })
        .collect();
    Ok(vec![TensorInfo::new(DType::I64, shape)])
}

fn describe(node: &NodeProto) -> String {
    let mut s = format!("axis {}", attr::get_int(node, "axis").unwrap_or(0));
    if attr::get_int(node, "keepdims") == Some(0) {
        s += ", keepdims 0";
    }
    if attr::get_int(node, "select_last_index").unwrap_or(0) != 0 {
        s += ", last index";
    }
    s
}

pub(super) const DEF: OpDef = OpDef {
    name: "ArgMax",
    spec: "https://onnx.ai/onnx/operators/onnx__ArgMax.html",
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 11, change: "negative axis" },
        Form { since: 12, change: "select_last_index" },
        Form { since: 13, change: "bfloat16" },
    ],
    types: &[Types::Any],
    infer,
    describe,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1), ExampleAttr::Int("keepdims", 0)],
        inputs: &[(DType::F32, &[2, 10])],
        consts: &[],
        output: (DType::I64, &[2]),
    },
    ..FREE
};
