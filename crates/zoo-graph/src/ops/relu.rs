//! Relu — https://onnx.ai/onnx/operators/onnx__Relu.html
//!
//! Opset history: 1, 6, 13, 14 (bfloat16/int types): no attributes, so the same node at every
//! opset zoo emits. The analysis also reads Sigmoid, Tanh, LeakyRelu and Clip through this
//! file: all are shape-preserving element-wise activations.

use zoo_proto::NodeProto;

use crate::param::Init;
use crate::signal::Signal;

use super::{Consts, OpDef, all_data, arity, no_description, no_macs};
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relu;

impl Layer for Relu {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, "Relu", inputs, vec![])
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    // Clip carries min/max as optional inputs.
    let max = if node.op_type.as_deref() == Some("Clip") { 3 } else { 1 };
    arity(inputs, 1, max)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef { infer, macs: no_macs, describe: no_description, role: all_data, signal };

/// ReLU passes the non-negative part whole and halves the symmetric one; the other pointwise
/// activations sharing this definition are not modelled (zoo's networks use ReLU only).
fn signal(node: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    match node.op_type.as_deref() {
        Some("Relu") => Signal { rectified: x.rectified + x.symmetric / 2.0, symmetric: 0.0 },
        _ => x,
    }
}
