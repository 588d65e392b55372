//! Gather — https://onnx.ai/onnx/operators/onnx__Gather.html
//!
//! Opset history: see `DEF.forms`. Picks entries of `data` along `axis` by an index tensor:
//! embedding lookups (token ids into a table), the class token of a ViT (`x[:, 0]`, a rank-0
//! index that drops the axis), one entry of a `Shape` in torch's shape arithmetic. The output
//! is `data`'s shape with the axis replaced by the indices' shape. Indices may be negative
//! (counting from the end) from opset 11. Moves values: int8 keeps its input's parameters
//! (ONNX Runtime's QDQ quantizer does the same).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (data, indices) = (&inputs[0], &inputs[1]);
    if data.rank() == 0 {
        return Err(ShapeError::Mismatch("data of rank 0 has no axis to gather on".into()));
    }
    if !matches!(indices.dtype, DType::I64 | DType::I32) {
        return Err(ShapeError::Mismatch(format!("indices are {}, not int32 or int64", indices.dtype)));
    }
    let a = axis(attr::get_int(node, "axis").unwrap_or(0), data.rank())?;
    let shape = data.shape[..a].iter().chain(&indices.shape).chain(&data.shape[a + 1..]).cloned().collect();
    Ok(vec![TensorInfo::new(data.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Gather",
    spec: "https://onnx.ai/onnx/operators/onnx__Gather.html",
    inputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 11, change: "negative axis and indices" },
        Form { since: 13, change: "bfloat16" },
    ],
    // Indices are int32 or int64.
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[2, 5, 4]), (DType::I64, &[])],
        consts: &[],
        output: (DType::F32, &[2, 4]),
    },
    ..FREE
};
