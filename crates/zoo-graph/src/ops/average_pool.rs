//! AveragePool — https://onnx.ai/onnx/operators/onnx__AveragePool.html
//!
//! Opset history: 1, 7 (count_include_pad), 10 (ceil_mode), 11 (pads semantics), 19
//! (dilations), 22 (types). `count_include_pad` is always written: PyTorch's `AvgPool2d`
//! counts padding by default, ONNX does not, and the difference only shows at the borders.

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use super::{Pool2d, pool_describe, pool_infer};
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AveragePool {
    pub window: Pool2d,
    pub count_include_pad: bool,
}

impl AveragePool {
    pub fn new(kernel: usize, stride: usize) -> Self {
        AveragePool { window: Pool2d::new(kernel, stride), count_include_pad: false }
    }
    pub fn pad(self, p: usize) -> Self {
        AveragePool { window: Pool2d { pads: [p; 4], ..self.window }, ..self }
    }
    pub fn ceil(self) -> Self {
        AveragePool { window: Pool2d { ceil: true, ..self.window }, ..self }
    }
    pub fn count_include_pad(self) -> Self {
        AveragePool { count_include_pad: true, ..self }
    }
}

impl Layer for AveragePool {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        let mut attrs = self.window.attributes();
        attrs.insert(0, attr::int("count_include_pad", i64::from(self.count_include_pad)));
        net.node(name, DEF.name, inputs, attrs)
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    pool_infer(node, inputs, DEF.inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "AveragePool",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__AveragePool.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 7, change: "count_include_pad" },
        Form { since: 10, change: "ceil_mode" },
        Form { since: 11, change: "pads semantics clarified" },
        Form { since: 19, change: "dilations" },
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
    draw: Draw::layer(LayerKind::Pool, Title::Pool("avg")),
    fp16: Fp16::Converts,
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Ints("kernel_shape", &[2, 2]), ExampleAttr::Ints("strides", &[2, 2])],
        inputs: &[(DType::F32, &[1, 3, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 3, 2, 2]),
    },
};

/// Averages of positively correlated values keep most of the non-negative part's mean and
/// little of the symmetric part.
fn signal(node: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    if crate::signal::window(node) > 1 {
        Signal { rectified: x.rectified / 2.0, symmetric: x.symmetric / 2.0 }
    } else {
        x
    }
}
