//! Reshape — https://onnx.ai/onnx/operators/onnx__Reshape.html
//!
//! Opset history: 1, 5 (shape as an input), 13, 14 (`allowzero`), 19, 21 (types). Zoo emits
//! Flatten instead; `inspect` reads Reshape when its target shape is a constant initializer.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let target_name = node.input.get(1).map(String::as_str).unwrap_or_default();
    let target =
        consts.ints(target_name).ok_or_else(|| ShapeError::NotConstant(format!("target shape `{target_name}`")))?;
    let allow_zero = attr::get_int(node, "allowzero").unwrap_or(0) != 0;
    let mut shape = Vec::with_capacity(target.len());
    let mut infer_at = None;
    for (i, &t) in target.iter().enumerate() {
        shape.push(match t {
            0 if !allow_zero => {
                x.shape.get(i).cloned().ok_or_else(|| ShapeError::Mismatch("0 copies a missing axis".into()))?
            }
            -1 => {
                if infer_at.replace(i).is_some() {
                    return Err(ShapeError::Mismatch("more than one -1 in target shape".into()));
                }
                Dim::Known(0)
            }
            t if t >= 0 => Dim::Known(t as usize),
            t => {
                return Err(ShapeError::Mismatch(format!("invalid target dimension {t}")));
            }
        });
    }
    if let Some(i) = infer_at {
        let total = x.numel();
        let rest: Option<usize> = shape.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, d)| d.known()).product();
        shape[i] = match (total, rest) {
            (Some(t), Some(r)) if r > 0 && t % r == 0 => Dim::Known(t / r),
            (Some(t), Some(r)) => {
                return Err(ShapeError::Mismatch(format!("cannot reshape {} elements into {target:?} ({r})", t)));
            }
            _ => match (x.per_item(), &x.shape[0], &shape[0]) {
                // [N, …] → [N, -1]: the symbolic batch carries over.
                (Some(p), b, Dim::Sym(_) | Dim::Known(0)) if i == 1 && shape.len() == 2 && b == &shape[0] => {
                    Dim::Known(p)
                }
                _ => Dim::Sym(format!("reshape{i}")),
            },
        };
    }
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Reshape",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Reshape.html",
    inputs: Arity::exactly(2),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "shape as an attribute" },
        Form { since: 5, change: "shape as an input" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 14, change: "allowzero" },
        Form { since: 19, change: "float8 types" },
        Form { since: 21, change: "int4 types" },
    ],
    writes: Writes::Never,
    types: &[Types::Any, Types::Int64],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Global,
    draw: Draw::layer(LayerKind::Reshape, Title::Text("reshape")),
    fp16: Fp16::Converts,
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 2, 2]), (DType::I64, &[2])],
        consts: &[(1, &[1, -1])],
        output: (DType::F32, &[1, 12]),
    },
};
