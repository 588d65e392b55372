//! DepthToSpace — https://onnx.ai/onnx/operators/onnx__DepthToSpace.html
//!
//! Opset history: see `DEF.forms`. Moves channels into `blocksize × blocksize` spatial blocks:
//! the pixel shuffle of super-resolution nets (ESPCN, torch's `PixelShuffle`, written in CRD
//! order) and TensorFlow's `depth_to_space` (DCR, the default). `mode` arrived in opset 11;
//! before it the order is DCR. `[N, C, H, W]` becomes `[N, C/b², H·b, W·b]`, C divisible by
//! b². ONNX Runtime's QDQ quantizer has no rule for it: int8 leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use super::slice::fresh;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

/// Blocksize of a DepthToSpace or SpaceToDepth node: required and positive, and its input of
/// rank 4.
pub(super) fn blocksize(node: &NodeProto, x: &TensorInfo) -> Result<usize, ShapeError> {
    super::rank(x, 4)?;
    let b = attr::get_int(node, "blocksize")
        .ok_or_else(|| ShapeError::Attribute { name: "blocksize".into(), reason: "required".into() })?;
    usize::try_from(b)
        .ok()
        .filter(|&b| b > 0)
        .ok_or_else(|| ShapeError::Attribute { name: "blocksize".into(), reason: format!("{b} is not positive") })
}

/// Dimension `axis` of `x` scaled by `mul / div` (`div` must divide it), a fresh symbol when
/// unknown.
pub(super) fn scaled(node: &NodeProto, x: &TensorInfo, axis: usize, mul: usize, div: usize) -> Result<Dim, ShapeError> {
    match x.shape[axis] {
        Dim::Known(d) if d % div != 0 => {
            Err(ShapeError::Mismatch(format!("axis {axis} of {} is not divisible by {div}", x.shape_string())))
        }
        Dim::Known(d) => {
            (d / div).checked_mul(mul).map(Dim::Known).ok_or_else(|| ShapeError::Mismatch("dimension overflows".into()))
        }
        Dim::Sym(_) if mul == div => Ok(x.shape[axis].clone()),
        Dim::Sym(_) => Ok(fresh(node, 0, axis)),
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let b = blocksize(node, x)?;
    let mode = attr::get_string(node, "mode").unwrap_or_else(|| "DCR".into());
    if mode != "DCR" && mode != "CRD" {
        return Err(ShapeError::Attribute { name: "mode".into(), reason: format!("`{mode}` is not DCR or CRD") });
    }
    let area = b.checked_mul(b).ok_or_else(|| ShapeError::Mismatch("blocksize overflows".into()))?;
    let shape =
        vec![x.shape[0].clone(), scaled(node, x, 1, 1, area)?, scaled(node, x, 2, b, 1)?, scaled(node, x, 3, b, 1)?];
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "DepthToSpace",
    spec: "https://onnx.ai/onnx/operators/onnx__DepthToSpace.html",
    inputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version (DCR order)" },
        Form { since: 11, change: "mode: DCR or CRD" },
        Form { since: 13, change: "bfloat16" },
    ],
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("blocksize", 2)],
        inputs: &[(DType::F32, &[1, 8, 3, 5])],
        consts: &[],
        output: (DType::F32, &[1, 2, 6, 10]),
    },
    ..FREE
};
