//! Abs — https://onnx.ai/onnx/operators/onnx__Abs.html
//!
//! Opset history: see `DEF.forms`. `|x|`, element-wise, of any numeric type. Element-wise: the
//! output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Abs",
    "https://onnx.ai/onnx/operators/onnx__Abs.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 13, change: "bfloat16" },
    ],
    &[Types::Any],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
