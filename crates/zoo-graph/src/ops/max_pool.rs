//! MaxPool — https://onnx.ai/onnx/operators/onnx__MaxPool.html
//!
//! Opset history: 1, 8 (Indices output, storage_order), 10 (ceil_mode, dilations), 11 (pads
//! semantics), 12 (int8/uint8), 22 (types). Zoo's opsets 13–21 all use MaxPool-12 with the
//! same attributes; `ceil_mode` is written only when set.

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use super::{Pool2d, pool_describe, pool_infer};
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool(pub Pool2d);

impl MaxPool {
    /// `kernel × kernel`, stride `stride`, no padding, floor rounding.
    pub fn new(kernel: usize, stride: usize) -> Self {
        MaxPool(Pool2d::new(kernel, stride))
    }
    pub fn pad(self, p: usize) -> Self {
        MaxPool(Pool2d { pads: [p; 4], ..self.0 })
    }
    pub fn ceil(self) -> Self {
        MaxPool(Pool2d { ceil: true, ..self.0 })
    }
}

impl Layer for MaxPool {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, self.0.attributes())
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    pool_infer(node, inputs, DEF.inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "MaxPool",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__MaxPool.html",
    inputs: Arity::exactly(1),
    outputs: Arity::between(1, 2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 8, change: "Indices output, storage_order" },
        Form { since: 10, change: "ceil_mode, dilations" },
        Form { since: 11, change: "pads semantics clarified" },
        Form { since: 12, change: "int8 and uint8" },
        Form { since: 22, change: "bfloat16 and float8 types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: pool_describe,
    role: all_data,
    signal,
    field: FieldRule::Windowed,
    draw: Draw::layer(LayerKind::Pool, Title::Pool("max")),
    fp16: Fp16::Converts,
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Ints("kernel_shape", &[2, 2]), ExampleAttr::Ints("strides", &[2, 2])],
        inputs: &[(DType::F32, &[1, 3, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 3, 2, 2]),
    },
};

/// The largest of a window of rectified values: see [`crate::signal::max_gain`].
fn signal(node: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    Signal { rectified: x.mean_square() * crate::signal::max_gain(crate::signal::window(node)), symmetric: 0.0 }
}
