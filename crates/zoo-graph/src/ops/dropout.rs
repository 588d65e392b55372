//! Dropout — https://onnx.ai/onnx/operators/onnx__Dropout.html
//!
//! Opset history: 1, 6, 7, 10, 12 (`ratio` and `training_mode` became optional inputs instead
//! of an attribute), 13 (bfloat16), 22 (types). For opsets 13–21 the ratio is therefore an
//! input: zoo stores it as a scalar constant initializer `<layer>.ratio`, so the file records
//! the architecture's dropout rate, and omits `training_mode` (false): an identity at inference.

use zoo_proto::NodeProto;

use super::def::*;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::param::{Init, ParamKind};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout(pub f32);

impl Layer for Dropout {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        if !(0.0..1.0).contains(&self.0) {
            return Err(GraphError::Layer {
                layer: name.to_string(),
                op: DEF.name,
                source: ShapeError::Attribute { name: "ratio".into(), reason: format!("{} is not in [0, 1)", self.0) },
            });
        }
        let ratio = net.param(&format!("{name}.ratio"), &[], ParamKind::Constant, Init::F32(vec![self.0]))?;
        let mut ins = inputs.to_vec();
        ins.push(ratio);
        net.node(name, DEF.name, &ins, vec![])
    }
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Dropout",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Dropout.html",
    inputs: Arity::between(1, 3),
    outputs: Arity::between(1, 2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 7, change: "is_test removed" },
        Form { since: 10, change: "mask output is bool" },
        Form { since: 12, change: "ratio and training_mode are optional inputs, no longer attributes" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 22, change: "float8 types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float, Types::Float, Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Other, Title::Text("dropout"), "dropout"),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 8]), (DType::F32, &[])],
        consts: &[],
        output: (DType::F32, &[1, 8]),
    },
};
