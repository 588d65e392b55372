//! Softsign — https://onnx.ai/onnx/operators/onnx__Softsign.html
//!
//! Opset history: see `DEF.forms`. `x / (1 + |x|)`; drawn folded into the layer before it, like
//! ReLU. Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Softsign",
    "https://onnx.ai/onnx/operators/onnx__Softsign.html",
    &[Form { since: 1, change: "first version" }],
    &[Types::Float],
    Draw::follower(LayerKind::Other, Title::OpName, "softsign"),
    FLOAT_1X3,
);
