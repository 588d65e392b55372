//! LeakyRelu — https://onnx.ai/onnx/operators/onnx__LeakyRelu.html
//!
//! Opset history: see `DEF.forms`. `x < 0 ? alpha·x : x` (alpha 0.01 by default),
//! element-wise; drawn folded into the layer before it, like ReLU. Its signal is passed through
//! (not modelled).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "LeakyRelu",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__LeakyRelu.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 16, change: "bfloat16" },
    ],
    writes: Writes::Never,
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Other, Title::OpName, "LeakyReLU"),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::F32, &[1, 3]) },
};
