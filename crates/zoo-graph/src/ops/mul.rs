//! Mul — https://onnx.ai/onnx/operators/onnx__Mul.html
//!
//! Opset history: see `DEF.forms`. Element-wise product with numpy broadcasting, as Add. Zoo
//! does not write it; its constants (a preprocessing scale, say) are data, not weights, and
//! its signal passes through (not modelled).

use super::def::*;

pub(super) const DEF: OpDef =
    super::add::arithmetic("Mul", "https://onnx.ai/onnx/operators/onnx__Mul.html", Writes::Never);
