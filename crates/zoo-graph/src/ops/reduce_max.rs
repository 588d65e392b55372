//! ReduceMax — https://onnx.ai/onnx/operators/onnx__ReduceMax.html
//!
//! Keras' GlobalMaxPooling and torch's `x.amax(dim)` reach ONNX as a ReduceMax. Opset history:
//! see `DEF.forms`: axes an attribute before opset 18, an optional int64 input from 18 on
//! (with `noop_with_empty_axes`); `keepdims` as in every reduction
//! ([`super::reduce_mean::reduction`]).

use super::def::*;

pub(super) const DEF: OpDef = super::reduce_mean::reduction(
    "ReduceMax",
    "https://onnx.ai/onnx/operators/onnx__ReduceMax.html",
    &[
        Form { since: 1, change: "first version, axes an attribute" },
        Form { since: 11, change: "negative axes" },
        Form { since: 12, change: "int8 and uint8" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 18, change: "axes an optional input; noop_with_empty_axes" },
        Form { since: 20, change: "bool" },
    ],
    Draw::layer(LayerKind::Pool, Title::OpName),
);
