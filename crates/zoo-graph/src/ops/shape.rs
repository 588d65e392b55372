//! Shape — https://onnx.ai/onnx/operators/onnx__Shape.html
//!
//! Opset history: see `DEF.forms`. The input's dimensions as an int64 vector (from opset 15, the
//! slice `start..end` of them). Reads metadata, not values: never drawn, never quantized; the
//! reader folds the `x.view(n, -1)` chains it starts ([`crate::ir`]'s `shape_chains`).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let r = inputs[0].rank() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r);
    let start = clamp(attr::get_int(node, "start").unwrap_or(0));
    let end = clamp(attr::get_int(node, "end").unwrap_or(r));
    Ok(vec![TensorInfo::new(DType::I64, vec![Dim::Known((end - start).max(0) as usize)])])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Shape",
    spec: "https://onnx.ai/onnx/operators/onnx__Shape.html",
    inputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 15, change: "start and end" },
        Form { since: 19, change: "more types (float8)" },
        Form { since: 21, change: "more types (int4)" },
    ],
    types: &[Types::Any],
    infer,
    draw: Draw::METADATA,
    example: Example {
        attrs: &[ExampleAttr::Int("start", 1)],
        inputs: &[(DType::F32, &[1, 3, 4, 5])],
        consts: &[],
        output: (DType::I64, &[3]),
    },
    ..FREE
};
