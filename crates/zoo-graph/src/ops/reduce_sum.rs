//! ReduceSum — https://onnx.ai/onnx/operators/onnx__ReduceSum.html
//!
//! torch.onnx writes `x.sum(dim)` as a ReduceSum (attention pooling, hand-written norms and
//! losses). Opset history: see `DEF.forms`. The first reduction whose axes became an input:
//! an attribute before opset 13, an optional int64 input from 13 on (the others followed at
//! 18), with `noop_with_empty_axes`; `keepdims` as in every reduction
//! ([`super::reduce_mean::reduction`]).

use super::def::*;

pub(super) const DEF: OpDef = super::reduce_mean::reduction(
    "ReduceSum",
    "https://onnx.ai/onnx/operators/onnx__ReduceSum.html",
    &[
        Form { since: 1, change: "first version, axes an attribute" },
        Form { since: 11, change: "negative axes" },
        Form { since: 13, change: "axes an optional input; noop_with_empty_axes; bfloat16" },
    ],
    Draw::layer(LayerKind::Other, Title::OpName),
);
