//! MatMul — https://onnx.ai/onnx/operators/onnx__MatMul.html
//!
//! Opset history: 1, 9, 13 (bfloat16). Zoo does not emit it (fully-connected layers are Gemm),
//! but exporters do (torch.onnx's dynamo path writes MatMul + Add), so `inspect` reads it:
//! numpy-style matrix product with batch broadcasting.

use zoo_proto::NodeProto;

use super::def::*;
use super::per_item;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (a, b) = (&inputs[0], &inputs[1]);
    if a.rank() < 2 || b.rank() < 1 {
        return Err(ShapeError::Mismatch(format!("MatMul of {} and {}", a.shape_string(), b.shape_string())));
    }
    let k_a = &a.shape[a.rank() - 1];
    let k_b = if b.rank() == 1 { &b.shape[0] } else { &b.shape[b.rank() - 2] };
    if let (Dim::Known(x), Dim::Known(y)) = (k_a, k_b)
        && x != y
    {
        return Err(ShapeError::Mismatch(format!(
            "inner dimensions differ: {} · {}",
            a.shape_string(),
            b.shape_string()
        )));
    }
    let mut shape = a.shape[..a.rank() - 1].to_vec();
    if b.rank() >= 2 {
        shape.push(b.shape[b.rank() - 1].clone());
    }
    Ok(vec![TensorInfo::new(a.dtype, shape)])
}

fn macs(_: &NodeProto, inputs: &[TensorInfo], outputs: &[TensorInfo]) -> u64 {
    // As conv's: the inputs may be ones `infer` refused.
    let (Some(a), Some(y)) = (inputs.first(), outputs.first()) else { return 0 };
    let k = a.rank().checked_sub(1).and_then(|last| a.dim(last)).unwrap_or(0) as u64;
    per_item(y).saturating_mul(k)
}

fn role(i: usize) -> Role {
    if i == 1 { Role::Weight } else { Role::Data }
}

pub(super) const DEF: OpDef = OpDef {
    name: "MatMul",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__MatMul.html",
    inputs: Arity::exactly(2),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 9, change: "integer types" },
        Form { since: 13, change: "bfloat16" },
    ],
    writes: Writes::Never,
    types: &[Types::Float],
    infer,
    cost: Cost::Products(macs),
    describe: no_description,
    role,
    signal: crate::signal::linear,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Fc, Title::Fc),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 8]), (DType::F32, &[8, 4])],
        consts: &[],
        output: (DType::F32, &[1, 4]),
    },
};
