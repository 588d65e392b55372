//! Softmax — https://onnx.ai/onnx/operators/onnx__Softmax.html
//!
//! Opset history: 1, 11, 13. Before 13, `axis` meant "flatten from here into 2-d"; from 13 on
//! it is the one axis normalised (default −1). Zoo only emits 13+, and always writes the axis.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Softmax {
    pub axis: i64,
}

impl Layer for Softmax {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![attr::int("axis", self.axis)])
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    axis_infer(node, inputs)
}

/// Softmax's and LogSoftmax's output: the input's type, once `axis` is in range.
pub(super) fn axis_infer(node: &NodeProto, inputs: &[TensorInfo]) -> Result<Vec<TensorInfo>, ShapeError> {
    let r = inputs[0].rank() as i64;
    let axis = attr::get_int(node, "axis").unwrap_or(-1);
    if !(-r..r).contains(&axis) {
        return Err(ShapeError::Attribute { name: "axis".into(), reason: format!("{axis} out of range for rank {r}") });
    }
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Softmax",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Softmax.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "axis flattens the input to 2-d" },
        Form { since: 11, change: "negative axis" },
        Form { since: 13, change: "axis is the one axis normalised, default -1" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Softmax, Title::Text("softmax")),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[1, 10])],
        consts: &[],
        output: (DType::F32, &[1, 10]),
    },
};
