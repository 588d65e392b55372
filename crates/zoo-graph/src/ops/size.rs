//! Size — https://onnx.ai/onnx/operators/onnx__Size.html
//!
//! Opset history: see `DEF.forms`. The input's element count as an int64 scalar (torch's
//! `numel()`, a mean by hand over a dynamic shape). Reads metadata, not values: never drawn,
//! never quantized.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![TensorInfo::new(DType::I64, vec![])])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Size",
    spec: "https://onnx.ai/onnx/operators/onnx__Size.html",
    inputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 19, change: "more types (float8)" },
        Form { since: 21, change: "more types (int4)" },
    ],
    types: &[Types::Any],
    infer,
    draw: Draw::METADATA,
    example: Example { attrs: &[], inputs: &[(DType::F32, &[2, 3, 4])], consts: &[], output: (DType::I64, &[]) },
    ..FREE
};
