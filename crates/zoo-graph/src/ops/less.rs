//! Less — https://onnx.ai/onnx/operators/onnx__Less.html
//!
//! Opset history: see `DEF.forms`. `x < y`, broadcast, a boolean tensor. See [`comparison`].

use super::def::*;

pub(super) const DEF: OpDef = comparison(
    "Less",
    "https://onnx.ai/onnx/operators/onnx__Less.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "multidirectional broadcasting" },
        Form { since: 9, change: "integer types" },
        Form { since: 13, change: "bfloat16" },
    ],
);
