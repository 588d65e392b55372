//! Sigmoid — https://onnx.ai/onnx/operators/onnx__Sigmoid.html
//!
//! Opset history: see `DEF.forms`. `1 / (1 + e^−x)`, element-wise; zoo reads it in other
//! exporters' files and does not model its signal (passed through). int8 quantizes its input
//! and output each at its own range, as ONNX Runtime's `quantize_static` does (QLinearSigmoid).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Sigmoid",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Sigmoid.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 13, change: "bfloat16" },
    ],
    writes: Writes::Never,
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    fp16: Fp16::Converts,
    int8: Int8::OwnParams,
    example: Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::F32, &[1, 3]) },
};
