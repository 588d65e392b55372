//! Round — https://onnx.ai/onnx/operators/onnx__Round.html
//!
//! Opset history: see `DEF.forms`. x rounded to the nearest integer, halves to even (numpy's
//! `round`). Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Round",
    "https://onnx.ai/onnx/operators/onnx__Round.html",
    &[Form { since: 11, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
