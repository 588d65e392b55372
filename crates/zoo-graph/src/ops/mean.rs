//! Mean — https://onnx.ai/onnx/operators/onnx__Mean.html
//!
//! Opset history: see `DEF.forms`. The element-wise mean of its inputs, broadcast. See [`variadic`].

use super::def::*;

pub(super) const DEF: OpDef = variadic(
    "Mean",
    "https://onnx.ai/onnx/operators/onnx__Mean.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 8, change: "multidirectional broadcasting" },
        Form { since: 13, change: "bfloat16" },
    ],
    &[Types::Float],
    Draw::layer(LayerKind::Merge, Title::OpName),
);
