//! GlobalAveragePool — https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html
//!
//! Opset history: see `DEF.forms`. Reduces every spatial axis to 1, keeping rank, which is
//! what torchvision's `AdaptiveAvgPool2d((1, 1))` computes. GlobalMaxPool's shapes are the same
//! ([`global_infer`]).

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalAveragePool;

impl Layer for GlobalAveragePool {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![])
    }
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    global_infer(inputs)
}

/// `[N, C, 1, …]` from `[N, C, spatial…]`.
pub(super) fn global_infer(inputs: &[TensorInfo]) -> Result<Vec<TensorInfo>, ShapeError> {
    let x = &inputs[0];
    if x.rank() < 3 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    let mut shape = x.shape[..2].to_vec();
    shape.extend(std::iter::repeat_n(Dim::Known(1), x.rank() - 2));
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "GlobalAveragePool",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[Form { since: 1, change: "first version" }, Form { since: 22, change: "bfloat16 and float8 types" }],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Pool, Title::Text("global avg pool")),
    fp16: Fp16::Converts,
    int8: Int8::OwnParams,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 3, 1, 1]),
    },
};

/// As AveragePool's (a 7×7 window at every zoo network's last stage).
fn signal(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    Signal { rectified: x.rectified / 2.0, symmetric: x.symmetric / 2.0 }
}
