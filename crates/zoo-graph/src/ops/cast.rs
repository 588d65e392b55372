//! Cast — https://onnx.ai/onnx/operators/onnx__Cast.html
//!
//! Opset history: 1, 6, 9, 13, 19 (`saturate`, for float8 only), 21 (types). The fp16 pass
//! emits it at the graph's edges (fp32 inputs and outputs around an fp16 body); zoo reads it
//! between the float types it knows.

use zoo_proto::NodeProto;

use super::{Consts, OpDef, all_data, arity, no_macs};
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    arity(inputs, 1, 1)?;
    let to = attr::get_int(node, "to")
        .ok_or_else(|| ShapeError::Attribute { name: "to".into(), reason: "missing".into() })?;
    let dtype = i32::try_from(to).ok().and_then(DType::from_onnx).ok_or_else(|| ShapeError::Attribute {
        name: "to".into(),
        reason: format!("type {to} is not float, float16 or int64"),
    })?;
    Ok(vec![TensorInfo::new(dtype, inputs[0].shape.clone())])
}

fn describe(node: &NodeProto) -> String {
    attr::get_int(node, "to")
        .and_then(|t| i32::try_from(t).ok())
        .and_then(DType::from_onnx)
        .map_or_else(String::new, |d| format!("to {d}"))
}

pub(super) const DEF: OpDef =
    OpDef { infer, macs: no_macs, describe, role: all_data, signal: crate::signal::unchanged };
