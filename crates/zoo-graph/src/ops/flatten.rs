//! Flatten — https://onnx.ai/onnx/operators/onnx__Flatten.html
//!
//! Opset history: 1, 9, 11 (negative axis), 13, 21 (types). `[d0 … d(axis−1), d(axis) …]` →
//! `[Π before, Π after]`, row-major: the order PyTorch's `torch.flatten(x, 1)` produces, so
//! the first fully-connected layer's weights bind unchanged. With `axis = 1` a symbolic batch
//! stays symbolic.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo, shape_string};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flatten;

impl Layer for Flatten {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![attr::int("axis", 1)])
    }
}

/// The product of `dims`: a number when all are known, one dimension when only it is symbolic.
pub(crate) fn product(dims: &[Dim]) -> Dim {
    let known: Option<usize> = dims.iter().map(Dim::known).product();
    match (known, dims) {
        (Some(n), _) => Dim::Known(n),
        (None, [single]) => single.clone(),
        (None, _) => Dim::Sym(format!("prod{}", shape_string(dims))),
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let r = x.rank() as i64;
    let mut axis = attr::get_int(node, "axis").unwrap_or(1);
    if axis < 0 {
        axis += r;
    }
    if !(0..=r).contains(&axis) {
        return Err(ShapeError::Attribute { name: "axis".into(), reason: format!("{axis} out of range for rank {r}") });
    }
    let (head, tail) = x.shape.split_at(axis as usize);
    Ok(vec![TensorInfo::new(x.dtype, vec![product(head), product(tail)])])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Flatten",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Flatten.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 9, change: "all types" },
        Form { since: 11, change: "negative axis" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 21, change: "int4 and float8 types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Reshape, Title::Text("flatten")),
    fp16: Fp16::Converts,
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[1, 3, 2, 2])],
        consts: &[],
        output: (DType::F32, &[1, 12]),
    },
};
