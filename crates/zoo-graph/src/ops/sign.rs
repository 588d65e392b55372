//! Sign — https://onnx.ai/onnx/operators/onnx__Sign.html
//!
//! Opset history: see `DEF.forms`. −1, 0 or 1 by the sign of x, of any numeric type. Element-wise:
//! the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Sign",
    "https://onnx.ai/onnx/operators/onnx__Sign.html",
    &[Form { since: 9, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    &[Types::Any],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
