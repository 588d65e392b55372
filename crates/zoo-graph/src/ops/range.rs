//! Range — https://onnx.ai/onnx/operators/onnx__Range.html
//!
//! Opset history: see `DEF.forms` (new in 11). `start, start + delta, …` up to `limit`
//! (excluded), of `max(ceil((limit - start) / delta), 0)` elements: torch's `arange` for
//! position ids and relative-position tables (Swin, DETR's sine embeddings), often of a length
//! computed at run time, which then leaves the output to the file's type. Scalar inputs of one
//! type, int or float; it has no float16 form, so the fp16 pass leaves it float32. A
//! constant's maker, not a layer: never drawn.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

/// The one value of a scalar input.
fn one<T: Copy>(v: Option<Vec<T>>, what: &str) -> Result<T, ShapeError> {
    match v.as_deref() {
        Some(&[v]) => Ok(v),
        _ => Err(ShapeError::Mismatch(format!("{what} is not a scalar"))),
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let dtype = inputs[0].dtype;
    if let Some(x) = inputs.iter().find(|x| x.dtype != dtype) {
        return Err(ShapeError::Mismatch(format!("element types differ: {dtype} and {}", x.dtype)));
    }
    const WHAT: [&str; 3] = ["start", "limit", "delta"];
    let n = if matches!(dtype, DType::F32 | DType::F16 | DType::F64 | DType::BF16) {
        let [start, limit, delta] = [0, 1, 2].map(|i| consts.input_floats(node, i, WHAT[i]));
        let (start, limit, delta) = (one(start?, "start")?, one(limit?, "limit")?, one(delta?, "delta")?);
        if delta == 0.0 {
            return Err(ShapeError::Mismatch("delta is 0".into()));
        }
        // As ONNX Runtime counts: the difference in the element type, the quotient in double.
        let span = if dtype == DType::F64 { limit - start } else { f64::from(limit as f32 - start as f32) };
        (span / delta).ceil().max(0.0) as usize
    } else {
        let [start, limit, delta] = [0, 1, 2].map(|i| consts.input_ints(node, i, WHAT[i]));
        let (start, limit, delta) = (one(start?, "start")?, one(limit?, "limit")?, one(delta?, "delta")?);
        if delta == 0 {
            return Err(ShapeError::Mismatch("delta is 0".into()));
        }
        let (span, by) = if delta < 0 {
            ((start as i128) - (limit as i128), -(delta as i128))
        } else {
            ((limit as i128) - (start as i128), delta as i128)
        };
        usize::try_from(if span <= 0 { 0 } else { (span + by - 1) / by }).unwrap_or(usize::MAX)
    };
    Ok(vec![TensorInfo::new(dtype, vec![Dim::Known(n)])])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Range",
    spec: "https://onnx.ai/onnx/operators/onnx__Range.html",
    inputs: Arity::exactly(3),
    forms: &[Form { since: 11, change: "first version" }],
    types: &[Types::Any],
    infer,
    draw: Draw::METADATA,
    fp16: Fp16::KeepsFloat32("has no float16 form"),
    example: Example {
        attrs: &[],
        inputs: &[(DType::I64, &[]), (DType::I64, &[]), (DType::I64, &[])],
        consts: &[(0, &[10]), (1, &[1]), (2, &[-4])],
        output: (DType::I64, &[3]),
    },
    ..FREE
};
