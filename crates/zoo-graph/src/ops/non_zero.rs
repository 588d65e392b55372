//! NonZero — https://onnx.ai/onnx/operators/onnx__NonZero.html
//!
//! Opset history: see `DEF.forms`. The int64 indices of the non-zero elements of `X`, one
//! column per element, `[rank(X), count]`: mask-to-index conversions (DETR's padding masks,
//! `torch.nonzero`, `x[mask]`). The count depends on X's values, so it is a symbol named after
//! the output — unless X is a constant, whose non-zero elements are counted, or empty.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let values = node.input.first().and_then(|name| consts.floats(name));
    let count = match (values, x.numel()) {
        (Some(v), _) => Dim::Known(v.iter().filter(|&&v| v != 0.0).count()),
        (None, Some(0)) => Dim::Known(0),
        (None, _) => Dim::Sym(format!("{}_count", node.output.first().map_or("nonzero", String::as_str))),
    };
    Ok(vec![TensorInfo::new(DType::I64, vec![Dim::Known(x.rank()), count])])
}

pub(super) const DEF: OpDef = OpDef {
    name: "NonZero",
    spec: "https://onnx.ai/onnx/operators/onnx__NonZero.html",
    forms: &[Form { since: 9, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::I64, &[2, 3])],
        consts: &[(0, &[1, 0, 2, 0, 0, -3])],
        output: (DType::I64, &[2, 3]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_a_symbol_unless_known() {
        let node = NodeProto { input: vec!["x".into()], output: vec!["idx".into()], ..Default::default() };
        let none = |_: &str| None;
        let x = TensorInfo::new(DType::F32, vec![Dim::Sym("N".into()), 4.into(), 5.into()]);
        let out = infer(&node, std::slice::from_ref(&x), Consts::ints_only(&none)).unwrap();
        assert_eq!(out[0], TensorInfo::new(DType::I64, vec![3.into(), Dim::Sym("idx_count".into())]));
        let empty = TensorInfo::f32(&[2, 0]);
        assert_eq!(infer(&node, &[empty], Consts::ints_only(&none)).unwrap()[0].shape_string(), "[2, 0]");
        let floats = |name: &str| (name == "x").then(|| vec![0.0, 0.5, -0.0, 2.0]);
        let out = infer(&node, &[TensorInfo::f32(&[4])], Consts::new(&none, &floats)).unwrap();
        assert_eq!(out[0].shape_string(), "[1, 2]");
    }
}
