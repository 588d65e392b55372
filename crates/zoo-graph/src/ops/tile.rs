//! Tile — https://onnx.ai/onnx/operators/onnx__Tile.html
//!
//! Opset history: see `DEF.forms`. Repeats a tensor along each axis (numpy's `tile`, torch's
//! `repeat`: a positional table or a mask repeated over heads or windows). Opset 1 repeats one
//! axis, both given as scalar inputs (`tiles`, `axis`); from 6 an int64 `repeats` input holds
//! one count per axis. The counts must be constants to type the output (else it is typed from
//! the file). ONNX Runtime's QDQ quantizer has no rule for it: int8 leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use super::slice::fresh;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let r = x.rank();
    let one = |pos: usize, what: &str| -> Result<i64, ShapeError> {
        match consts.input_ints(node, pos, what)?.as_deref() {
            Some(&[v]) => Ok(v),
            _ => Err(ShapeError::Mismatch(format!("{what} is not one integer"))),
        }
    };
    let repeats = if inputs.len() == 3 {
        // Opset 1: `tiles` copies along `axis`.
        let a = axis(one(2, "axis")?, r)?;
        (0..r).map(|i| if i == a { one(1, "tiles") } else { Ok(1) }).collect::<Result<Vec<_>, _>>()?
    } else {
        consts.input_ints(node, 1, "repeats")?.unwrap_or_default()
    };
    if repeats.len() != r {
        return Err(ShapeError::Mismatch(format!("{} repeats for {}", repeats.len(), x.shape_string())));
    }
    let shape = x
        .shape
        .iter()
        .zip(&repeats)
        .enumerate()
        .map(|(i, (d, &n))| {
            let n = usize::try_from(n).map_err(|_| ShapeError::Mismatch(format!("negative repeat in {repeats:?}")))?;
            Ok(match d {
                _ if n == 1 => d.clone(),
                _ if n == 0 => Dim::Known(0),
                Dim::Known(d) => {
                    Dim::Known(d.checked_mul(n).ok_or_else(|| ShapeError::Mismatch(format!("{d} × {n} overflows")))?)
                }
                Dim::Sym(_) => fresh(node, 0, i),
            })
        })
        .collect::<Result<Vec<_>, ShapeError>>()?;
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Tile",
    spec: "https://onnx.ai/onnx/operators/onnx__Tile.html",
    inputs: Arity::between(2, 3),
    forms: &[
        Form { since: 1, change: "first version: tiles and axis inputs (one axis)" },
        Form { since: 6, change: "repeats input, one count per axis; more types" },
        Form { since: 13, change: "bfloat16" },
    ],
    types: &[Types::Any, Types::Int64],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[2, 3]), (DType::I64, &[2])],
        consts: &[(1, &[3, 1])],
        output: (DType::F32, &[6, 3]),
    },
    ..FREE
};
