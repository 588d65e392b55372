//! ConstantOfShape — https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html
//!
//! Opset history: see `DEF.forms`. A tensor of the shape its int64 input holds, every element
//! `value` (a one-element tensor attribute; float 0 when absent). The ONNX Model Zoo's light
//! graphs hold every weight as one (stubs of the real files); Swin's dynamo export builds its
//! masks with them. The output's type is the attribute's, so the fp16 pass leaves it float32
//! and casts what fp16 nodes read of it; a shape computed at run time leaves it untyped.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let dtype = match attr::get_tensor(node, "value") {
        Some(t) => t.data_type.and_then(DType::from_onnx).ok_or_else(|| ShapeError::Attribute {
            name: "value".into(),
            reason: "of an element type zoo does not read".into(),
        })?,
        None => DType::F32,
    };
    let name = node.input.first().cloned().unwrap_or_default();
    let shape = consts.ints(&name).ok_or_else(|| ShapeError::NotConstant(format!("shape `{name}`")))?;
    let dims = shape
        .iter()
        .map(|&d| usize::try_from(d).map(Dim::Known))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ShapeError::Mismatch(format!("negative dimension in {shape:?}")))?;
    Ok(vec![TensorInfo::new(dtype, dims)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "ConstantOfShape",
    spec: "https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html",
    inputs: Arity::exactly(1),
    forms: &[
        Form { since: 9, change: "first version" },
        Form { since: 20, change: "bfloat16, float8" },
        Form { since: 21, change: "int4, uint4" },
    ],
    types: &[Types::Int64],
    infer,
    draw: Draw::METADATA,
    fp16: Fp16::KeepsFloat32("sets its output type by an attribute (`value`)"),
    example: Example {
        attrs: &[],
        inputs: &[(DType::I64, &[2])],
        consts: &[(0, &[2, 3])],
        output: (DType::F32, &[2, 3]),
    },
    ..FREE
};
