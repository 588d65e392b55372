//! Cos — https://onnx.ai/onnx/operators/onnx__Cos.html
//!
//! Opset history: see `DEF.forms`. `cos x` (sinusoidal and rotary position embeddings computed in
//! the graph). Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Cos",
    "https://onnx.ai/onnx/operators/onnx__Cos.html",
    &[Form { since: 7, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
