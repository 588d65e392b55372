//! GatherElements — https://onnx.ai/onnx/operators/onnx__GatherElements.html
//!
//! Opset history: see `DEF.forms`. Picks one entry of `data` per index along `axis` (torch's
//! `gather`: a detector's per-box scores, a token's own column): `indices` has `data`'s rank,
//! and the output has `indices`' shape and `data`'s type. Moves values, as Gather: int8 keeps
//! its input's parameters (ONNX Runtime's QDQ quantizer quantizes it as Gather).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (data, indices) = (&inputs[0], &inputs[1]);
    if !matches!(indices.dtype, DType::I64 | DType::I32) {
        return Err(ShapeError::Mismatch(format!("indices are {}, not int32 or int64", indices.dtype)));
    }
    if data.rank() == 0 || indices.rank() != data.rank() {
        return Err(ShapeError::Mismatch(format!(
            "indices {} must have the rank of data {} (at least 1)",
            indices.shape_string(),
            data.shape_string()
        )));
    }
    let a = attr::get_int(node, "axis").unwrap_or(0);
    let at = axis(a, data.rank()).map_err(|_| ShapeError::Attribute {
        name: "axis".into(),
        reason: format!("{a} is outside {}", data.shape_string()),
    })?;
    // Off the axis, each index's extent may not exceed data's (ONNX Runtime refuses it).
    for (i, (d, n)) in data.shape.iter().zip(&indices.shape).enumerate() {
        if let (Dim::Known(d), Dim::Known(n)) = (d, n)
            && i != at
            && n > d
        {
            return Err(ShapeError::Mismatch(format!(
                "indices {} exceed data {} on axis {i}",
                indices.shape_string(),
                data.shape_string()
            )));
        }
    }
    Ok(vec![TensorInfo::new(data.dtype, indices.shape.clone())])
}

pub(super) const DEF: OpDef = OpDef {
    name: "GatherElements",
    spec: "https://onnx.ai/onnx/operators/onnx__GatherElements.html",
    inputs: Arity::exactly(2),
    forms: &[Form { since: 11, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    // Indices are int32 or int64.
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[3, 4]), (DType::I64, &[3, 2])],
        consts: &[],
        output: (DType::F32, &[3, 2]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_the_indices_shape_within_data() {
        let none = |_: &str| None;
        let n = |a: i64| NodeProto { attribute: vec![attr::int("axis", a)], ..Default::default() };
        let data = TensorInfo::new(DType::F16, vec![Dim::Sym("N".into()), 4.into()]);
        let idx = |s: &[usize]| TensorInfo::new(DType::I64, s.iter().map(|&d| Dim::Known(d)).collect());
        let run = |a: i64, i: TensorInfo| infer(&n(a), &[data.clone(), i], Consts::ints_only(&none));
        // Along the axis the indices may be longer than data; off it, not.
        assert_eq!(run(-1, idx(&[2, 7])).unwrap()[0], TensorInfo::new(DType::F16, vec![2.into(), 7.into()]));
        assert!(run(0, idx(&[2, 7])).is_err());
        assert!(run(2, idx(&[2, 3])).is_err());
        assert!(run(0, idx(&[2])).is_err());
        let floats = TensorInfo::f32(&[2, 3]);
        assert!(infer(&n(0), &[data.clone(), floats], Consts::ints_only(&none)).is_err());
    }
}
