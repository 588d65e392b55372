//! Sub — https://onnx.ai/onnx/operators/onnx__Sub.html
//!
//! Opset history: see `DEF.forms`. Element-wise difference with numpy broadcasting, as Add. The
//! input normalisation ([`super::Normalize`]) writes it with a mean constant, which is data,
//! not a trained parameter; its signal passes through (not modelled).

use super::def::*;

pub(super) const DEF: OpDef =
    super::add::arithmetic("Sub", "https://onnx.ai/onnx/operators/onnx__Sub.html", Writes::From(13));
