//! CumSum — https://onnx.ai/onnx/operators/onnx__CumSum.html
//!
//! Opset history: see `DEF.forms`. Running sums of `x` along the axis its second input gives
//! (a scalar int32 or int64, often a constant): position ids from an attention mask,
//! `exclusive` leaving each element out of its own sum and `reverse` summing from the end. The
//! output has `x`'s type and shape. Float16 arrives only with opset 14 (and ONNX Runtime's CPU
//! provider has no float16 kernel), so the fp16 pass leaves it float32 (zoo writes opsets
//! from 13).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (x, a) = (&inputs[0], &inputs[1]);
    if !matches!(a.dtype, DType::I64 | DType::I32) || a.numel().is_some_and(|n| n != 1) || a.rank() > 1 {
        return Err(ShapeError::Mismatch(format!("axis is {} {}, not one int32 or int64", a.dtype, a.shape_string())));
    }
    match consts.input_ints(node, 1, "axis") {
        Ok(Some(v)) if let Some(&a) = v.first() => {
            axis(a, x.rank())
                .map_err(|_| ShapeError::Mismatch(format!("axis {a} is outside x {}", x.shape_string())))?;
        }
        Ok(_) | Err(ShapeError::NotConstant(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(vec![x.clone()])
}

fn describe(node: &NodeProto) -> String {
    let flag = |name, word| (attr::get_int(node, name).unwrap_or(0) != 0).then_some(word);
    [flag("exclusive", "exclusive"), flag("reverse", "reverse")].into_iter().flatten().collect::<Vec<_>>().join(", ")
}

pub(super) const DEF: OpDef = OpDef {
    name: "CumSum",
    spec: "https://onnx.ai/onnx/operators/onnx__CumSum.html",
    inputs: Arity::exactly(2),
    forms: &[Form { since: 11, change: "first version" }, Form { since: 14, change: "float16, bfloat16" }],
    // The axis is int32 or int64.
    types: &[Types::Any],
    infer,
    describe,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    fp16: Fp16::KeepsFloat32("takes float16 only from opset 14"),
    example: Example {
        attrs: &[ExampleAttr::Int("exclusive", 1)],
        inputs: &[(DType::F32, &[2, 3]), (DType::I64, &[])],
        consts: &[(1, &[-1])],
        output: (DType::F32, &[2, 3]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_is_one_integer_in_range() {
        let node = NodeProto { input: vec!["x".into(), "axis".into()], ..Default::default() };
        let x = TensorInfo::f32(&[2, 3]);
        let scalar = TensorInfo::new(DType::I32, vec![]);
        let run = |a: &TensorInfo, v: i64| {
            let c = move |name: &str| (name == "axis").then(|| vec![v]);
            infer(&node, &[x.clone(), a.clone()], Consts::ints_only(&c)).map(|o| o[0].clone())
        };
        assert_eq!(run(&scalar, -2).unwrap(), x);
        assert_eq!(run(&TensorInfo::new(DType::I64, vec![1.into()]), 1).unwrap(), x);
        assert!(run(&scalar, 2).is_err());
        assert!(run(&TensorInfo::new(DType::I64, vec![2.into()]), 0).is_err());
        assert!(run(&TensorInfo::f32(&[]), 0).is_err());
        let none = |_: &str| None;
        assert_eq!(infer(&node, &[x.clone(), scalar], Consts::ints_only(&none)).unwrap()[0], x);
    }
}
