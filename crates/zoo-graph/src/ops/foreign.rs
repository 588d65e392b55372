//! Ops other exporters write that zoo neither builds nor compiles, and what `inspect` and the
//! drawing still say about them: the block they draw as and their receptive-field rule.
//!
//! They are not in [`super::REGISTRY`] (yet): the compiler (`ir::read`) carries an op
//! [`super::lookup`] does not know through untouched, typed only from the file's `value_info`. An op absent here as well draws as [`Draw::UNKNOWN`] with an unknown field. When zoo
//! learns one of these ops, its file in the registry replaces its line here.

use super::def::{Draw, FieldRule, LayerKind, Title};

/// What zoo says about an op it does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignOp {
    pub name: &'static str,
    /// https://onnx.ai/onnx/operators/onnx__<name>.html
    pub spec: &'static str,
    pub field: FieldRule,
    pub draw: Draw,
}

const fn op(name: &'static str, spec: &'static str, kind: LayerKind, title: Title) -> ForeignOp {
    ForeignOp { name, spec, field: FieldRule::Unknown, draw: Draw::layer(kind, title) }
}

const fn metadata(name: &'static str, spec: &'static str) -> ForeignOp {
    ForeignOp { name, spec, field: FieldRule::Unknown, draw: Draw::METADATA }
}

use LayerKind::{Conv, Fc, Pool};

/// One line per op.
pub const FOREIGN: &[ForeignOp] = &[
    op("ConvInteger", "https://onnx.ai/onnx/operators/onnx__ConvInteger.html", Conv, Title::OpName),
    op("QLinearConv", "https://onnx.ai/onnx/operators/onnx__QLinearConv.html", Conv, Title::OpName),
    op("MatMulInteger", "https://onnx.ai/onnx/operators/onnx__MatMulInteger.html", Fc, Title::OpName),
    // ONNX Runtime's contrib op (com.microsoft), written by its QDQ optimizer.
    op(
        "QGemm",
        "https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.QGemm",
        Fc,
        Title::OpName,
    ),
    op("LpPool", "https://onnx.ai/onnx/operators/onnx__LpPool.html", Pool, Title::OpName),
    metadata("Constant", "https://onnx.ai/onnx/operators/onnx__Constant.html"),
];

/// What zoo says about `op_type` if it is one of [`FOREIGN`].
pub fn lookup(op_type: &str) -> Option<&'static ForeignOp> {
    FOREIGN.iter().find(|f| f.name == op_type)
}
