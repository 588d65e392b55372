//! Sqrt — https://onnx.ai/onnx/operators/onnx__Sqrt.html
//!
//! Opset history: see `DEF.forms`. `√x`, element-wise (normalisations written by hand: LayerNorm
//! before opset 17). Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Sqrt",
    "https://onnx.ai/onnx/operators/onnx__Sqrt.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 13, change: "bfloat16" },
    ],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
