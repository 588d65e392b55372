//! Min — https://onnx.ai/onnx/operators/onnx__Min.html
//!
//! Opset history: see `DEF.forms`. The element-wise minimum of its inputs, broadcast. See [`variadic`].

use super::def::*;

pub(super) const DEF: OpDef = variadic(
    "Min",
    "https://onnx.ai/onnx/operators/onnx__Min.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 8, change: "multidirectional broadcasting" },
        Form { since: 12, change: "integer types" },
        Form { since: 13, change: "bfloat16" },
    ],
    &[Types::Any],
    Draw::layer(LayerKind::Merge, Title::OpName),
);
