//! Atan — https://onnx.ai/onnx/operators/onnx__Atan.html
//!
//! Opset history: see `DEF.forms`. `arctan x`. Element-wise: the output has the input's type and
//! shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Atan",
    "https://onnx.ai/onnx/operators/onnx__Atan.html",
    &[Form { since: 7, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
