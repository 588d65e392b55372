//! Relu — https://onnx.ai/onnx/operators/onnx__Relu.html
//!
//! Opset history: see `DEF.forms`: no attributes, so the same node at every opset zoo emits.

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relu;

impl Layer for Relu {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![])
    }
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Relu",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Relu.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "integer types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Other, Title::Text("ReLU"), "ReLU"),
    fp16: Fp16::Converts,
    int8: Int8::FusesIntoInput,
    example: Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::F32, &[1, 3]) },
};

/// ReLU passes the non-negative part whole and halves the symmetric one.
fn signal(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    Signal { rectified: x.rectified + x.symmetric / 2.0, symmetric: 0.0 }
}
