//! DequantizeLinear — https://onnx.ai/onnx/operators/onnx__DequantizeLinear.html
//!
//! Opset history: 10, 13 (`axis`, per-axis scales), 19 (float8), 21 (blocked, int4/int16).
//! `y = (x − x_zero_point) · x_scale`, in the scale's float type. The int8 pass emits it for
//! activations (per-tensor) and for weights and biases (per output channel, `axis = 0`): a
//! quantized weight or bias is the first input of a DequantizeLinear, so an initializer there
//! counts as a parameter.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    if !matches!(x.dtype, DType::U8 | DType::I8 | DType::I32) {
        return Err(ShapeError::Mismatch(format!("DequantizeLinear's input is {}, not int8, uint8 or int32", x.dtype)));
    }
    if let Some(z) = inputs.get(2)
        && z.dtype != x.dtype
    {
        return Err(ShapeError::Mismatch(format!(
            "DequantizeLinear's zero point is {}, its input {}",
            z.dtype, x.dtype
        )));
    }
    let scale = &inputs[1];
    if !scale.dtype.is_float() {
        return Err(ShapeError::Mismatch(format!("DequantizeLinear's scale is {}, not a float", scale.dtype)));
    }
    // Per-axis: a 1-D scale as long as the input's `axis` dimension.
    if scale.rank() == 1 && scale.dim(0) != Some(1) {
        let axis = attr::get_int(node, "axis").unwrap_or(1);
        let rank = x.rank() as i64;
        let a = if axis < 0 { axis + rank } else { axis };
        let along = usize::try_from(a).ok().filter(|&a| a < x.rank()).and_then(|a| x.dim(a));
        if along.is_none() || along != scale.dim(0) {
            return Err(ShapeError::Mismatch(format!(
                "DequantizeLinear's scale {} does not match axis {axis} of its input {}",
                scale.shape_string(),
                x.shape_string()
            )));
        }
    }
    Ok(vec![TensorInfo::new(scale.dtype, x.shape.clone())])
}

fn describe(node: &NodeProto) -> String {
    attr::get_int(node, "axis").map_or_else(String::new, |a| format!("axis {a}"))
}

fn role(k: usize) -> Role {
    if k == 0 { Role::Weight } else { Role::Data }
}

pub(super) const DEF: OpDef = OpDef {
    name: "DequantizeLinear",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__DequantizeLinear.html",
    inputs: Arity::between(2, 3),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 10, change: "first version, per-tensor" },
        Form { since: 13, change: "axis: per-axis scales" },
        Form { since: 19, change: "float8 types" },
        Form { since: 21, change: "blocked quantization, int4 and int16" },
    ],
    writes: Writes::From(13),
    types: &[Types::Quantized, Types::Float, Types::Quantized],
    infer,
    cost: Cost::Free,
    describe,
    role,
    signal: crate::signal::unchanged,
    field: FieldRule::Unknown,
    draw: Draw::follower(LayerKind::Other, Title::OpName, "DQ"),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::U8, &[4]), (DType::F32, &[]), (DType::U8, &[])],
        consts: &[],
        output: (DType::F32, &[4]),
    },
};
