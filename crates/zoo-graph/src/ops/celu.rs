//! Celu — https://onnx.ai/onnx/operators/onnx__Celu.html
//!
//! Opset history: see `DEF.forms`. `max(0, x) + min(0, α·(e^(x/α) − 1))`, α = 1 by default (torch's
//! `nn.CELU`). Element-wise: the output has the input's type and shape ([`unary`]). Defined for
//! float32 only (its type constraint), so fp16 leaves it float32.

use super::def::*;

pub(super) const DEF: OpDef = OpDef {
    fp16: Fp16::KeepsFloat32("is defined for float32 only"),
    ..unary(
        "Celu",
        "https://onnx.ai/onnx/operators/onnx__Celu.html",
        &[Form { since: 12, change: "first version" }],
        &[Types::Float],
        Draw::follower(LayerKind::Other, Title::OpName, "CELU"),
        FLOAT_1X3,
    )
};
