//! GlobalMaxPool — https://onnx.ai/onnx/operators/onnx__GlobalMaxPool.html
//!
//! Opset history: see `DEF.forms`. The maximum over every spatial axis, which keeps rank: the
//! shapes of GlobalAveragePool ([`super::global_average_pool::global_infer`]). Its signal is
//! passed through (not modelled).

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    super::global_average_pool::global_infer(inputs)
}

pub(super) const DEF: OpDef = OpDef {
    name: "GlobalMaxPool",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__GlobalMaxPool.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[Form { since: 1, change: "first version" }, Form { since: 22, change: "bfloat16 and float8 types" }],
    writes: Writes::Never,
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Pool, Title::Text("global max pool")),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 3, 1, 1]),
    },
};
