//! Asin — https://onnx.ai/onnx/operators/onnx__Asin.html
//!
//! Opset history: see `DEF.forms`. `arcsin x` (NaN outside [−1, 1]). Element-wise: the output has
//! the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Asin",
    "https://onnx.ai/onnx/operators/onnx__Asin.html",
    &[Form { since: 7, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
