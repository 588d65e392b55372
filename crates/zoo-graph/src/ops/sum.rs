//! Sum — https://onnx.ai/onnx/operators/onnx__Sum.html
//!
//! Opset history: see `DEF.forms`. The element-wise sum of its inputs, broadcast (the Caffe-
//! converted Model Zoo files' residual joins: ResNet-50, ShuffleNet). See [`variadic`].

use super::def::*;

pub(super) const DEF: OpDef = variadic(
    "Sum",
    "https://onnx.ai/onnx/operators/onnx__Sum.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 8, change: "multidirectional broadcasting" },
        Form { since: 13, change: "bfloat16" },
    ],
    &[Types::Float],
    Draw::layer(LayerKind::Merge, Title::Text("add")),
);
