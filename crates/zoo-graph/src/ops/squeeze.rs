//! Squeeze — https://onnx.ai/onnx/operators/onnx__Squeeze.html
//!
//! Opset history: see `DEF.forms`. Removes the axes of size 1 named by `axes` (an attribute
//! before opset 13, a constant second input from 13 on), or every axis of size 1 when there
//! are none — which needs every dimension known. Moves no value: int8 keeps its input's
//! parameters.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let drop: Vec<usize> = match axes_of(node, consts, inputs.len() == 2)? {
        Some(axes) => axes.iter().map(|&a| axis(a, x.rank())).collect::<Result<_, _>>()?,
        None => {
            if x.shape.iter().any(|d| matches!(d, Dim::Sym(_))) {
                return Err(ShapeError::NotConstant(format!("which axes of {} are 1", x.shape_string())));
            }
            (0..x.rank()).filter(|&i| x.shape[i] == Dim::Known(1)).collect()
        }
    };
    if let Some(&a) = drop.iter().find(|&&a| matches!(x.shape[a], Dim::Known(n) if n != 1)) {
        return Err(ShapeError::Mismatch(format!("axis {a} of {} is not 1", x.shape_string())));
    }
    let shape = (0..x.rank()).filter(|i| !drop.contains(i)).map(|i| x.shape[i].clone()).collect();
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Squeeze",
    spec: "https://onnx.ai/onnx/operators/onnx__Squeeze.html",
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
        inputs: &[(DType::F32, &[1, 3, 1]), (DType::I64, &[1])],
        consts: &[(1, &[-1])],
        output: (DType::F32, &[1, 3]),
    },
    ..FREE
};
