//! Cast — https://onnx.ai/onnx/operators/onnx__Cast.html
//!
//! Opset history: 1, 6, 9, 13, 19 (`saturate`, for float8 only), 21 (types). The fp16 pass
//! emits it at the graph's edges (fp32 inputs and outputs around an fp16 body); zoo reads it
//! between the float types it knows.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let to = attr::get_int(node, "to")
        .ok_or_else(|| ShapeError::Attribute { name: "to".into(), reason: "missing".into() })?;
    let dtype = i32::try_from(to).ok().and_then(DType::from_onnx).ok_or_else(|| ShapeError::Attribute {
        name: "to".into(),
        reason: format!("type {to} is not float, float16 or int64"),
    })?;
    Ok(vec![TensorInfo::new(dtype, inputs[0].shape.clone())])
}

fn describe(node: &NodeProto) -> String {
    attr::get_int(node, "to")
        .and_then(|t| i32::try_from(t).ok())
        .and_then(DType::from_onnx)
        .map_or_else(String::new, |d| format!("to {d}"))
}

pub(super) const DEF: OpDef = OpDef {
    name: "Cast",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Cast.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "to as a string" },
        Form { since: 6, change: "to as an integer" },
        Form { since: 9, change: "string types" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 19, change: "float8 types, saturate" },
        Form { since: 21, change: "int4 types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Unknown,
    draw: Draw::follower(LayerKind::Other, Title::OpName, "Cast"),
    fp16: Fp16::KeepsFloat32("sets its output type by an attribute (`to`)"),
    int8: Int8::Float,
    example: Example {
        attrs: &[ExampleAttr::Int("to", 10)],
        inputs: &[(DType::F32, &[1, 3])],
        consts: &[],
        output: (DType::F16, &[1, 3]),
    },
};
