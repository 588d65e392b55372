//! Sin — https://onnx.ai/onnx/operators/onnx__Sin.html
//!
//! Opset history: see `DEF.forms`. `sin x` (sinusoidal position embeddings computed in the graph).
//! Element-wise: the output has the input's type and shape ([`unary`]).

use super::def::*;

pub(super) const DEF: OpDef = unary(
    "Sin",
    "https://onnx.ai/onnx/operators/onnx__Sin.html",
    &[Form { since: 7, change: "first version" }],
    &[Types::Float],
    Draw::layer(LayerKind::Other, Title::OpName),
    FLOAT_1X3,
);
