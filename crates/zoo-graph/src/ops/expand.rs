//! Expand — https://onnx.ai/onnx/operators/onnx__Expand.html
//!
//! Opset history: see `DEF.forms`. Broadcasts a tensor to a shape: torch's `expand` and
//! `expand_as` (a class token repeated over the batch, attention masks, anchor grids). The
//! broadcast is bidirectional: a 1 in `shape` keeps the input's dimension and the output's rank
//! is the larger of the two. The shape is an int64 input, constant or computed at run time
//! (then the output is typed from the file). ONNX Runtime's QDQ quantizer has no rule for it:
//! int8 leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let shape = consts
        .input_ints(node, 1, "shape")?
        .ok_or_else(|| ShapeError::Attribute { name: "shape".into(), reason: "required".into() })?;
    let dims = shape
        .iter()
        .map(|&d| usize::try_from(d).map(Dim::Known))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ShapeError::Mismatch(format!("negative dimension in shape {shape:?}")))?;
    let target = TensorInfo::new(x.dtype, dims);
    Ok(vec![TensorInfo::new(x.dtype, super::add::broadcast(x, &target)?)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Expand",
    spec: "https://onnx.ai/onnx/operators/onnx__Expand.html",
    inputs: Arity::exactly(2),
    forms: &[Form { since: 8, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    types: &[Types::Any, Types::Int64],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[3, 1]), (DType::I64, &[3])],
        consts: &[(1, &[2, 1, 4])],
        output: (DType::F32, &[2, 3, 4]),
    },
    ..FREE
};
