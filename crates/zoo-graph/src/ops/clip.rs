//! Clip — https://onnx.ai/onnx/operators/onnx__Clip.html
//!
//! Opset history: see `DEF.forms`. Before opset 11, `min` and `max` were attributes (one input);
//! from 11 on they are optional scalar inputs, so a node has 1 to 3 inputs. Element-wise, drawn
//! folded into the layer before it (ReLU6 is a Clip); its signal is passed through (not
//! modelled). int8 folds it into its input's quantizer as ReLU's, when its bounds hold 0: the
//! quantizer's calibrated range then lies inside them, so it clamps as the Clip would (ONNX
//! Runtime's `QDQRemovableActivation` removes ReLU6 alike).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Clip",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Clip.html",
    inputs: Arity::between(1, 3),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "min and max attributes" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 11, change: "min and max are optional inputs, no longer attributes" },
        Form { since: 12, change: "integer types" },
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
    draw: Draw::follower(LayerKind::Other, Title::OpName, "Clip"),
    fp16: Fp16::Converts,
    int8: Int8::FusesIntoInput,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3]), (DType::F32, &[]), (DType::F32, &[])],
        consts: &[],
        output: (DType::F32, &[1, 3]),
    },
};
