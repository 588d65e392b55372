//! ReduceL1 — https://onnx.ai/onnx/operators/onnx__ReduceL1.html
//!
//! `Σ|x|` over the axes: torch's `x.norm(p=1, dim=…)` exports to it. Opset history: see `DEF.forms`: axes an attribute before opset 18, an
//! optional int64 input from 18 on (with `noop_with_empty_axes`); `keepdims` as in every
//! reduction ([`super::reduce_mean::reduction`]).

use super::def::*;

pub(super) const DEF: OpDef = super::reduce_mean::reduction(
    "ReduceL1",
    "https://onnx.ai/onnx/operators/onnx__ReduceL1.html",
    &[
        Form { since: 1, change: "first version, axes an attribute" },
        Form { since: 11, change: "negative axes" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 18, change: "axes an optional input; noop_with_empty_axes" },
    ],
    Draw::layer(LayerKind::Other, Title::OpName),
);
