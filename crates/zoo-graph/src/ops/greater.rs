//! Greater — https://onnx.ai/onnx/operators/onnx__Greater.html
//!
//! Opset history: see `DEF.forms`. `x > y`, broadcast, a boolean tensor. See [`comparison`].

use super::def::*;

pub(super) const DEF: OpDef = comparison(
    "Greater",
    "https://onnx.ai/onnx/operators/onnx__Greater.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "multidirectional broadcasting" },
        Form { since: 9, change: "integer types" },
        Form { since: 13, change: "bfloat16" },
    ],
);
