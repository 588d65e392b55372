//! And — https://onnx.ai/onnx/operators/onnx__And.html
//!
//! Opset history: see `DEF.forms`. Logical and of two boolean tensors, element by element
//! (attention and padding masks combined). Opset 1 broadcasts only with `broadcast=1`, the
//! second input onto the first (the output has the first's shape); from 7 both broadcast the
//! numpy way.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    if let Some(x) = inputs.iter().find(|x| x.dtype != DType::Bool) {
        return Err(ShapeError::Mismatch(format!("input is {}, not bool", x.dtype)));
    }
    broadcast_bool(node, inputs, consts)
}

pub(super) const DEF: OpDef = OpDef {
    name: "And",
    spec: "https://onnx.ai/onnx/operators/onnx__And.html",
    inputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version: broadcast and axis attributes (legacy)" },
        Form { since: 7, change: "multidirectional (numpy) broadcasting" },
    ],
    types: &[Types::Any],
    infer,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::Bool, &[2, 3]), (DType::Bool, &[3])],
        consts: &[],
        output: (DType::Bool, &[2, 3]),
    },
    ..FREE
};
