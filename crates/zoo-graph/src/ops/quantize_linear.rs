//! QuantizeLinear — https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html
//!
//! Opset history: 10, 13 (`axis`, per-axis scales), 19 (float8, `saturate`), 21 (blocked
//! quantization, int4/int16). `y = saturate(round(x / y_scale) + y_zero_point)`, rounding half
//! to even; the output type is the zero point's (uint8 without one). The int8 pass emits it with
//! a scalar scale and zero point on activations only (per-tensor), valid at every opset ≥ 13.

use zoo_proto::NodeProto;

use super::{Consts, OpDef, all_data, arity, no_macs};
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    arity(inputs, 2, 3)?;
    if !inputs[0].dtype.is_float() {
        return Err(ShapeError::Mismatch(format!("QuantizeLinear's input is {}, not a float", inputs[0].dtype)));
    }
    let dtype = inputs.get(2).map_or(DType::U8, |z| z.dtype);
    if !matches!(dtype, DType::U8 | DType::I8) {
        return Err(ShapeError::Mismatch(format!("QuantizeLinear's zero point is {dtype}, not int8 or uint8")));
    }
    Ok(vec![TensorInfo::new(dtype, inputs[0].shape.clone())])
}

fn describe(_: &NodeProto) -> String {
    String::new()
}

pub(super) const DEF: OpDef =
    OpDef { infer, macs: no_macs, describe, role: all_data, signal: crate::signal::unchanged };
