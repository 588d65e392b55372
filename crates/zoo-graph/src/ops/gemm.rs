//! Gemm — https://onnx.ai/onnx/operators/onnx__Gemm.html
//!
//! Opset history: 1, 6, 7, 9, 11 (C optional), 13 (bfloat16): zoo's opsets 13–21 all use
//! Gemm-13. A fully-connected layer is `Y = X · Wᵀ + b` with `transB = 1`, so the weight keeps
//! PyTorch's `[out_features, in_features]` layout and torchvision's tensors bind unchanged.

use zoo_proto::NodeProto;

use super::def::*;
use super::{known, rank};
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::param::{Init, ParamKind};
use crate::tensor::{Dim, TensorInfo};

/// A fully-connected layer (`nn.Linear`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linear {
    pub out_features: usize,
    pub bias: bool,
    /// The network's classifier head: its reference weights are LeCun- rather than He-scaled
    /// (no ReLU follows), which keeps logits near unit scale and softmax outputs unsaturated.
    pub head: bool,
}

impl Linear {
    pub fn new(out_features: usize) -> Self {
        Linear { out_features, bias: true, head: false }
    }

    /// The layer that produces the logits.
    pub fn head(out_features: usize) -> Self {
        Linear { head: true, ..Linear::new(out_features) }
    }
}

impl Layer for Linear {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        let err = |source| GraphError::Layer { layer: name.to_string(), op: DEF.name, source };
        let &[x] = inputs else {
            return Err(err(ShapeError::Arity { expected: "1".into(), got: inputs.len() }));
        };
        rank(net.info(x), 2).map_err(err)?;
        let k = known(net.info(x), 1, "input features").map_err(err)?;
        let w = net.param(
            &format!("{name}.weight"),
            &[self.out_features, k],
            ParamKind::Weight,
            if self.head { Init::LecunUniform { fan_in: k } } else { Init::HeUniform { fan_in: k } },
        )?;
        let mut ins = vec![x, w];
        if self.bias {
            ins.push(net.param(&format!("{name}.bias"), &[self.out_features], ParamKind::Weight, Init::bias(k))?);
        }
        net.node(
            name,
            DEF.name,
            &ins,
            vec![attr::float("alpha", 1.0), attr::float("beta", 1.0), attr::int("transB", 1)],
        )
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (a, b) = (&inputs[0], &inputs[1]);
    rank(a, 2)?;
    rank(b, 2)?;
    let ta = attr::get_int(node, "transA").unwrap_or(0) != 0;
    let tb = attr::get_int(node, "transB").unwrap_or(0) != 0;
    let (m, ka) = if ta { (&a.shape[1], &a.shape[0]) } else { (&a.shape[0], &a.shape[1]) };
    let (kb, n) = if tb { (&b.shape[1], &b.shape[0]) } else { (&b.shape[0], &b.shape[1]) };
    if let (Dim::Known(x), Dim::Known(y)) = (ka, kb)
        && x != y
    {
        return Err(ShapeError::Mismatch(format!(
            "inner dimensions differ: A {} · B {}{}",
            a.shape_string(),
            b.shape_string(),
            if tb { "ᵀ" } else { "" }
        )));
    }
    Ok(vec![TensorInfo::new(a.dtype, vec![m.clone(), n.clone()])])
}

fn macs(_: &NodeProto, inputs: &[TensorInfo], _: &[TensorInfo]) -> u64 {
    // Per batch row, K × N: every element of B is used once.
    inputs.get(1).and_then(TensorInfo::numel).map_or(0, |n| n as u64)
}

fn role(i: usize) -> Role {
    if i == 0 { Role::Data } else { Role::Weight }
}

pub(super) const DEF: OpDef = OpDef {
    name: "Gemm",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Gemm.html",
    inputs: Arity::between(2, 3),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "broadcast attribute" },
        Form { since: 7, change: "multidirectional broadcasting of C" },
        Form { since: 9, change: "integer types" },
        Form { since: 11, change: "C optional" },
        Form { since: 13, change: "bfloat16" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Products(macs),
    describe: no_description,
    role,
    signal: crate::signal::linear,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Fc, Title::Fc),
    fp16: Fp16::Converts,
    int8: Int8::WeightsPerChannel,
    example: Example {
        attrs: &[ExampleAttr::Int("transB", 1)],
        inputs: &[(DType::F32, &[1, 8]), (DType::F32, &[4, 8]), (DType::F32, &[4])],
        consts: &[],
        output: (DType::F32, &[1, 4]),
    },
};
