//! BatchNormalization (inference) — https://onnx.ai/onnx/operators/onnx__BatchNormalization.html
//!
//! Opset history: 1, 6, 7, 9 (`spatial` removed), 14 (`training_mode` attribute; extra
//! outputs only in training), 15 (scale/bias may differ in type from X). Zoo writes one output
//! and only `epsilon`, which means inference with the running statistics at every opset 13–21:
//! `y = (x − mean) / √(var + ε) · scale + bias`, per channel (axis 1).
//! (onnx 1.23's ReferenceEvaluator uses batch statistics below opset 14: do not test with it.)

use zoo_proto::NodeProto;

use super::def::*;
use crate::signal::Signal;

use super::known;
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::param::{Init, ParamKind};
use crate::tensor::{Dim, TensorInfo};

/// Inference-mode batch normalization over axis 1, with parameters named like PyTorch's
/// `BatchNorm2d`: `weight`, `bias`, `running_mean`, `running_var`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchNorm {
    pub epsilon: f32,
}

impl BatchNorm {
    /// PyTorch's default ε.
    pub const TORCH_EPS: f32 = 1e-5;
    /// Keras' default ε.
    pub const KERAS_EPS: f32 = 1e-3;

    pub fn new(epsilon: f32) -> Self {
        BatchNorm { epsilon }
    }
}

impl Layer for BatchNorm {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        let err = |source| GraphError::Layer { layer: name.to_string(), op: DEF.name, source };
        let &[x] = inputs else {
            return Err(err(ShapeError::Arity { expected: "1".into(), got: inputs.len() }));
        };
        let c = known(net.info(x), 1, "channels").map_err(err)?;
        // Reference statistics in the range a trained network shows: scale near 1, small
        // shifts and means, variances around 1, so every channel still carries signal.
        // Reference statistics as a trained network shows them: scale near 1, small shifts, and
        // running statistics on the scale of what actually reaches the layer (its predicted
        // E[x²], see `signal`), so that it normalises — with fixed statistics that ignore the
        // scale, residual networks grow by a factor per block.
        let s = net.signal(x);
        let (mean, sd, var) = (s.mean(), s.variance().sqrt(), s.variance());
        let around = |c: f64, spread: f64| Init::Uniform { low: (c - spread) as f32, high: (c + spread) as f32 };
        let recipes = [
            ("weight", ParamKind::Weight, Init::Uniform { low: 0.5, high: 1.5 }),
            ("bias", ParamKind::Weight, Init::Uniform { low: -0.25, high: 0.25 }),
            ("running_mean", ParamKind::Buffer, around(mean, 0.25 * sd)),
            ("running_var", ParamKind::Buffer, around(var, 0.5 * var)),
        ];
        let mut ins = vec![x];
        for (suffix, kind, init) in recipes {
            ins.push(net.param(&format!("{name}.{suffix}"), &[c], kind, init)?);
        }
        net.node(name, DEF.name, &ins, vec![attr::float("epsilon", self.epsilon)])
    }
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    if x.rank() < 2 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    if let Some(c) = x.dim(1) {
        for p in &inputs[1..] {
            if p.shape != [Dim::Known(c)] {
                return Err(ShapeError::Mismatch(format!("statistics {} do not match {c} channels", p.shape_string())));
            }
        }
    }
    Ok(vec![x.clone()])
}

fn describe(node: &NodeProto) -> String {
    format!("ε={}", attr::get_float(node, "epsilon").unwrap_or(1e-5))
}

fn role(i: usize) -> Role {
    match i {
        1 | 2 => Role::Weight,
        3 | 4 => Role::Buffer,
        _ => Role::Data,
    }
}

pub(super) const DEF: OpDef = OpDef {
    name: "BatchNormalization",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__BatchNormalization.html",
    inputs: Arity::exactly(5),
    outputs: Arity::between(1, 3),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 7, change: "is_test removed" },
        Form { since: 9, change: "spatial removed" },
        Form { since: 14, change: "training_mode; extra outputs only in training" },
        Form { since: 15, change: "scale and bias may differ in type from X" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe,
    role,
    signal,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Norm, Title::Text("BatchNorm"), "BN"),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[
            (DType::F32, &[1, 3, 4, 4]),
            (DType::F32, &[3]),
            (DType::F32, &[3]),
            (DType::F32, &[3]),
            (DType::F32, &[3]),
        ],
        consts: &[],
        output: (DType::F32, &[1, 3, 4, 4]),
    },
};

/// Normalised to unit variance, then scaled by γ ~ U(0.5, 1.5) (E[γ²] = 13/12) and shifted by
/// β ~ U(±0.25) (E[β²] = 1/48).
fn signal(_: &NodeProto, _: &[Signal], _: &[Option<&Init>]) -> Signal {
    Signal::symmetric(13.0 / 12.0 + 1.0 / 48.0)
}
