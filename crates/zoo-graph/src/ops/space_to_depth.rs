//! SpaceToDepth — https://onnx.ai/onnx/operators/onnx__SpaceToDepth.html
//!
//! Opset history: see `DEF.forms`. Moves `blocksize × blocksize` spatial blocks into channels,
//! DepthToSpace's inverse (DCR order): YOLOv2's passthrough layer, TensorFlow's
//! `space_to_depth` stems. `[N, C, H, W]` becomes `[N, C·b², H/b, W/b]`, H and W divisible by
//! b. ONNX Runtime's QDQ quantizer has no rule for it: int8 leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use super::depth_to_space::{blocksize, scaled};
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let b = blocksize(node, x)?;
    let area = b.checked_mul(b).ok_or_else(|| ShapeError::Mismatch("blocksize overflows".into()))?;
    let shape =
        vec![x.shape[0].clone(), scaled(node, x, 1, area, 1)?, scaled(node, x, 2, 1, b)?, scaled(node, x, 3, 1, b)?];
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "SpaceToDepth",
    spec: "https://onnx.ai/onnx/operators/onnx__SpaceToDepth.html",
    inputs: Arity::exactly(1),
    forms: &[Form { since: 1, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("blocksize", 2)],
        inputs: &[(DType::F32, &[1, 2, 6, 4])],
        consts: &[],
        output: (DType::F32, &[1, 8, 3, 2]),
    },
    ..FREE
};
