//! QuantizeLinear — https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html
//!
//! Opset history: 10, 13 (`axis`, per-axis scales), 19 (float8, `saturate`), 21 (blocked
//! quantization, int4/int16). `y = saturate(round(x / y_scale) + y_zero_point)`, rounding half
//! to even; the output type is the zero point's (uint8 without one). The int8 pass emits it with
//! a scalar scale and zero point on activations only (per-tensor), valid at every opset ≥ 13.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    if !inputs[0].dtype.is_float() {
        return Err(ShapeError::Mismatch(format!("QuantizeLinear's input is {}, not a float", inputs[0].dtype)));
    }
    // Opset 21's `output_dtype` names the type when there is no zero point
    // (test_quantizelinear_blocked_symmetric: int16).
    let declared = crate::attr::get_int(node, "output_dtype")
        .filter(|&t| t != 0)
        .map(|t| {
            i32::try_from(t).ok().and_then(DType::from_onnx).ok_or_else(|| ShapeError::Attribute {
                name: "output_dtype".into(),
                reason: format!("type {t} is not one zoo reads"),
            })
        })
        .transpose()?;
    let dtype = inputs.get(2).map(|z| z.dtype).or(declared).unwrap_or(DType::U8);
    if !matches!(dtype, DType::U8 | DType::I8 | DType::U16 | DType::I16) {
        return Err(ShapeError::Mismatch(format!("QuantizeLinear's output is {dtype}, not an 8- or 16-bit integer")));
    }
    Ok(vec![TensorInfo::new(dtype, inputs[0].shape.clone())])
}

fn describe(_: &NodeProto) -> String {
    String::new()
}

pub(super) const DEF: OpDef = OpDef {
    name: "QuantizeLinear",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html",
    inputs: Arity::between(2, 3),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 10, change: "first version, per-tensor" },
        Form { since: 13, change: "axis: per-axis scales" },
        Form { since: 19, change: "float8 types, saturate" },
        Form { since: 21, change: "blocked quantization, int4 and int16" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float, Types::Float, Types::Quantized],
    infer,
    cost: Cost::Free,
    describe,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Unknown,
    draw: Draw::follower(LayerKind::Other, Title::OpName, "Q"),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[4]), (DType::F32, &[]), (DType::U8, &[])],
        consts: &[],
        output: (DType::U8, &[4]),
    },
};
