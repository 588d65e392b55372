//! Unsqueeze — https://onnx.ai/onnx/operators/onnx__Unsqueeze.html
//!
//! Opset history: see `DEF.forms`. Inserts axes of size 1 at `axes` (positions in the output):
//! an attribute before opset 13, a constant second input from 13 on (an input computed at run
//! time leaves the output untyped, carried). Moves no value: int8 keeps its input's parameters.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let axes = axes_of(node, consts, inputs.len() == 2)?
        .ok_or_else(|| ShapeError::Attribute { name: "axes".into(), reason: "required".into() })?;
    let r = x.rank() + axes.len();
    let mut ones = axes.iter().map(|&a| axis(a, r)).collect::<Result<Vec<_>, _>>()?;
    ones.sort_unstable();
    if ones.windows(2).any(|w| w[0] == w[1]) {
        return Err(ShapeError::Attribute { name: "axes".into(), reason: format!("{axes:?} repeats an axis") });
    }
    let mut rest = x.shape.iter();
    let shape =
        (0..r).map(|i| if ones.contains(&i) { Dim::Known(1) } else { rest.next().cloned().unwrap_or(Dim::Known(1)) });
    Ok(vec![TensorInfo::new(x.dtype, shape.collect())])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Unsqueeze",
    spec: "https://onnx.ai/onnx/operators/onnx__Unsqueeze.html",
    inputs: Arity::between(1, 2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 11, change: "negative axes" },
        Form { since: 13, change: "axes an input, not an attribute" },
        Form { since: 21, change: "more types (int4, float8)" },
    ],
    types: &[Types::Any, Types::Int64],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[2, 3]), (DType::I64, &[2])],
        consts: &[(1, &[0, -1])],
        output: (DType::F32, &[1, 2, 3, 1]),
    },
    ..FREE
};
