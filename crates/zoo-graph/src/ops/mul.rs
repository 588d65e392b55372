//! Mul — https://onnx.ai/onnx/operators/onnx__Mul.html
//!
//! Opset history: see `DEF.forms`. Element-wise product with numpy broadcasting, as Add. Zoo
//! does not write it; its constants (a preprocessing scale, say) are data, not weights, and
//! its signal passes through (not modelled). int8 quantizes its activation inputs and output
//! each at its own range, as Add's — ONNX Runtime's `quantize_static` does (QLinearMul), and
//! SiLU and squeeze-excitation (EfficientNet, MobileNetV3) are Muls of two activations.

use super::def::*;

pub(super) const DEF: OpDef = OpDef {
    int8: Int8::OwnParams,
    ..super::add::arithmetic("Mul", "https://onnx.ai/onnx/operators/onnx__Mul.html", Writes::Never)
};
