//! Asinh — https://onnx.ai/onnx/operators/onnx__Asinh.html
//!
//! Opset history: see `DEF.forms`. `arsinh x`. Element-wise: the output has the input's type and
//! shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Asinh",
    "https://onnx.ai/onnx/operators/onnx__Asinh.html",
    &[Form { since: 9, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
