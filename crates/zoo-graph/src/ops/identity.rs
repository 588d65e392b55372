//! Identity — https://onnx.ai/onnx/operators/onnx__Identity.html
//!
//! Opset history: 1, 13, 14, 16, 19, 21 (types only). Read by `inspect` only.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::TensorInfo;

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Identity",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Identity.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "sequence types" },
        Form { since: 16, change: "optional types" },
        Form { since: 19, change: "float8 types" },
        Form { since: 21, change: "int4 types" },
    ],
    writes: Writes::Never,
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Other, Title::OpName, ""),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::F32, &[1, 3]) },
};
