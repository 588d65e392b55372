//! ArgMin — https://onnx.ai/onnx/operators/onnx__ArgMin.html
//!
//! The index of the smallest element along `axis`: ArgMax's twin (nearest-centroid heads,
//! distance-based classifiers), with the same attributes, forms and int64 output, so it takes
//! ArgMax's definition ([`super::arg_max`]) under its own name.

use super::def::*;

pub(super) const DEF: OpDef =
    OpDef { name: "ArgMin", spec: "https://onnx.ai/onnx/operators/onnx__ArgMin.html", ..super::arg_max::DEF };
