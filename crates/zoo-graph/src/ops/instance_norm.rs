//! InstanceNormalization — https://onnx.ai/onnx/operators/onnx__InstanceNormalization.html
//!
//! `y = scale · (x − mean) / √(var + ε) + B` with the statistics of each item's channel over
//! its spatial axes: style-transfer and image-to-image generators (torch's `InstanceNorm2d`,
//! whose `affine=False` export still writes a scale of ones and a zero B). Opset history: see
//! `DEF.forms`; every form takes X `[N, C, D1…]` and a scale and B of `[C]`, read as
//! parameters. The statistics come from the input, so the output does not depend on the
//! layer's input scale ([`normalized`]), and every output position depends on every input
//! position of its channel (a global receptive field).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::param::Init;
use crate::signal::Signal;
use crate::tensor::TensorInfo;

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    if x.rank() < 2 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    same_type(inputs)?;
    for p in &inputs[1..] {
        let fits = p.rank() == 1 && (x.dim(1).is_none() || p.dim(0).is_none() || p.dim(0) == x.dim(1));
        if !fits {
            return Err(ShapeError::Mismatch(format!(
                "scale and B must be [C]: {} for X {}",
                p.shape_string(),
                x.shape_string()
            )));
        }
    }
    Ok(vec![x.clone()])
}

/// A normalisation's scale and bias are one element type with X.
pub(super) fn same_type(inputs: &[TensorInfo]) -> Result<(), ShapeError> {
    match inputs[1..].iter().find(|p| p.dtype != inputs[0].dtype) {
        Some(p) => Err(ShapeError::Mismatch(format!("a scale or bias is {}, X is {}", p.dtype, inputs[0].dtype))),
        None => Ok(()),
    }
}

/// The scale (input 1) and bias (input 2) of a normalisation are trained parameters.
pub(super) fn scale_and_bias(i: usize) -> Role {
    match i {
        1 | 2 => Role::Weight,
        _ => Role::Data,
    }
}

/// Normalised to unit variance from the input's own statistics, then scaled by γ and shifted by
/// β: E[γ²] + E[β²] of their recipes (γ = 1, β = 0 when zoo does not draw them).
pub(super) fn normalized(_: &NodeProto, _: &[Signal], weights: &[Option<&Init>]) -> Signal {
    let mean_square = |i: usize, none: f64| match weights.get(i).copied().flatten() {
        Some(Init::F32(v)) if !v.is_empty() => {
            v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / v.len() as f64
        }
        Some(init @ Init::Uniform { .. }) => crate::signal::bias_square(init),
        _ => none,
    };
    Signal::symmetric(mean_square(1, 1.0) + mean_square(2, 0.0))
}

pub(super) fn describe_epsilon(node: &NodeProto) -> String {
    format!("ε={}", attr::get_float(node, "epsilon").unwrap_or(1e-5))
}

pub(super) const DEF: OpDef = OpDef {
    name: "InstanceNormalization",
    spec: "https://onnx.ai/onnx/operators/onnx__InstanceNormalization.html",
    inputs: Arity::exactly(3),
    forms: &[Form { since: 1, change: "first version" }, Form { since: 6, change: "consumed_inputs removed" }],
    types: &[Types::Float],
    infer,
    describe: describe_epsilon,
    role: scale_and_bias,
    signal: normalized,
    field: FieldRule::Global,
    draw: Draw::follower(LayerKind::Norm, Title::OpName, "IN"),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[3]), (DType::F32, &[3])],
        consts: &[],
        output: (DType::F32, &[1, 3, 4, 4]),
    },
    ..FREE
};
