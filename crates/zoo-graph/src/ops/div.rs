//! Div — https://onnx.ai/onnx/operators/onnx__Div.html
//!
//! Opset history: see `DEF.forms`. Element-wise quotient with numpy broadcasting, as Add. The
//! input normalisation ([`super::Normalize`]) writes it with a std constant, which is data, not
//! a trained parameter; its signal passes through (not modelled).

use super::def::*;

pub(super) const DEF: OpDef =
    super::add::arithmetic("Div", "https://onnx.ai/onnx/operators/onnx__Div.html", Writes::From(13));
