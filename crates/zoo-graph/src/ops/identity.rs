//! Identity — https://onnx.ai/onnx/operators/onnx__Identity.html
//!
//! Opset history: 1, 13, 14, 16, 19, 21 (types only). Read by `inspect` only.

use zoo_proto::NodeProto;

use super::{Consts, OpDef, all_data, arity, no_description, no_macs};
use crate::error::ShapeError;
use crate::tensor::TensorInfo;

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    arity(inputs, 1, 1)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef =
    OpDef { infer, macs: no_macs, describe: no_description, role: all_data, signal: crate::signal::unchanged };
