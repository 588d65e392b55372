//! Sum — https://onnx.ai/onnx/operators/onnx__Sum.html
//!
//! Opset history: see `DEF.forms`. The element-wise sum of its inputs, broadcast (the Caffe-
//! converted Model Zoo files' residual joins: ResNet-50, ShuffleNet).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    broadcast_all(inputs, None)
}

pub(super) const DEF: OpDef = OpDef {
    name: "Sum",
    spec: "https://onnx.ai/onnx/operators/onnx__Sum.html",
    inputs: Arity::at_least(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 8, change: "multidirectional broadcasting" },
        Form { since: 13, change: "bfloat16" },
    ],
    types: &[Types::Float],
    infer,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Merge, Title::Text("add")),
    example: Example { attrs: &[], inputs: BROADCAST_2X3, consts: &[], output: (DType::F32, &[2, 3]) },
    ..FREE
};
