//! Equal — https://onnx.ai/onnx/operators/onnx__Equal.html
//!
//! Opset history: see `DEF.forms`. `x == y`, broadcast, a boolean tensor (masks). See [`comparison`].

use super::def::*;

pub(super) const DEF: OpDef = comparison(
    "Equal",
    "https://onnx.ai/onnx/operators/onnx__Equal.html",
    &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "multidirectional broadcasting" },
        Form { since: 11, change: "float types" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 19, change: "strings" },
    ],
);
