//! Max — https://onnx.ai/onnx/operators/onnx__Max.html
//!
//! Opset history: see `DEF.forms`. The element-wise maximum of its inputs, broadcast (ReLU6 written
//! as Max/Min by some converters). See [`variadic`].

use super::def::*;

pub(super) const DEF: OpDef = variadic(
    "Max",
    "https://onnx.ai/onnx/operators/onnx__Max.html",
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
