//! Add — https://onnx.ai/onnx/operators/onnx__Add.html
//!
//! Opset history: see `DEF.forms`. ResNet's residual connections. Sub, Mul and Div share its
//! broadcasting rule ([`broadcast_infer`]).

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Add;

impl Layer for Add {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![])
    }
}

/// numpy broadcasting of two shapes.
pub(crate) fn broadcast(a: &TensorInfo, b: &TensorInfo) -> Result<Vec<Dim>, ShapeError> {
    let r = a.rank().max(b.rank());
    let at = |x: &TensorInfo, i: usize| -> Dim {
        let off = r - x.rank();
        if i < off { Dim::Known(1) } else { x.shape[i - off].clone() }
    };
    (0..r)
        .map(|i| match (at(a, i), at(b, i)) {
            (Dim::Known(1), d) | (d, Dim::Known(1)) => Ok(d),
            (x, y) if x == y => Ok(x),
            (Dim::Known(x), Dim::Known(y)) => Err(ShapeError::Mismatch(format!(
                "cannot broadcast {} with {} ({x} vs {y})",
                a.shape_string(),
                b.shape_string()
            ))),
            (Dim::Known(x), Dim::Sym(_)) | (Dim::Sym(_), Dim::Known(x)) => Ok(Dim::Known(x)),
            (x, Dim::Sym(_)) => Ok(x),
        })
        .collect()
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    broadcast_infer(inputs)
}

/// Add's, Sub's, Mul's and Div's output: two inputs of one element type, broadcast.
pub(super) fn broadcast_infer(inputs: &[TensorInfo]) -> Result<Vec<TensorInfo>, ShapeError> {
    if inputs[0].dtype != inputs[1].dtype {
        return Err(ShapeError::Mismatch(format!("element types differ: {} and {}", inputs[0].dtype, inputs[1].dtype)));
    }
    Ok(vec![TensorInfo::new(inputs[0].dtype, broadcast(&inputs[0], &inputs[1])?)])
}

/// An initializer added to activations is a learned bias (exporters write `MatMul` + `Add`).
fn role(_: usize) -> Role {
    Role::Weight
}

pub(super) const DEF: OpDef = OpDef {
    name: "Add",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Add.html",
    inputs: Arity::exactly(2),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "no broadcast attribute, only the legacy one" },
        Form { since: 7, change: "multidirectional (numpy) broadcasting" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "integer types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role,
    signal,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Merge, Title::Text("add")),
    fp16: Fp16::Converts,
    int8: Int8::OwnParams,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[3, 1, 1])],
        consts: &[],
        output: (DType::F32, &[1, 3, 4, 4]),
    },
};

/// Sub, Mul and Div: Add's opset forms, broadcasting, types and cost, but their constants are
/// data (a preprocessing mean or scale), not a learned bias; their signal passes through (not
/// modelled), they draw under their own name and stay float in int8.
pub(super) const fn arithmetic(name: &'static str, spec: &'static str, writes: Writes) -> OpDef {
    OpDef {
        name,
        spec,
        writes,
        infer: arithmetic_infer,
        role: all_data,
        signal: crate::signal::unchanged,
        draw: Draw::layer(LayerKind::Merge, Title::OpName),
        int8: Int8::Float,
        ..DEF
    }
}

fn arithmetic_infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    broadcast_infer(inputs)
}

/// A sum's parts add: non-negative with non-negative, symmetric with symmetric.
fn signal(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    Signal { rectified: inputs.iter().map(|s| s.rectified).sum(), symmetric: inputs.iter().map(|s| s.symmetric).sum() }
}
