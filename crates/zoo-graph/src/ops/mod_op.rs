//! Mod — https://onnx.ai/onnx/operators/onnx__Mod.html
//!
//! Opset history: see `DEF.forms`. The remainder of `A / B`, broadcast as Add's
//! ([`super::add::broadcast_infer`]): with the divisor's sign (Python's `%`) by default, with
//! the dividend's (C's `fmod`) when `fmod = 1` — which float types require.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    match attr::get_int(node, "fmod").unwrap_or(0) {
        0 if inputs[0].dtype.is_float() => {
            return Err(ShapeError::Attribute {
                name: "fmod".into(),
                reason: format!("must be 1 for {} inputs", inputs[0].dtype),
            });
        }
        0 | 1 => {}
        other => return Err(ShapeError::Attribute { name: "fmod".into(), reason: format!("{other} is not 0 or 1") }),
    }
    super::add::broadcast_infer(inputs)
}

fn describe(node: &NodeProto) -> String {
    if attr::get_int(node, "fmod") == Some(1) { "fmod".into() } else { String::new() }
}

pub(super) const DEF: OpDef = OpDef {
    name: "Mod",
    spec: "https://onnx.ai/onnx/operators/onnx__Mod.html",
    inputs: Arity::exactly(2),
    forms: &[Form { since: 10, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    types: &[Types::Any],
    infer,
    describe,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("fmod", 1)],
        inputs: BROADCAST_2X3,
        consts: &[],
        output: (DType::F32, &[2, 3]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_inputs_need_fmod() {
        let none = |_: &str| None;
        let node = |fmod: Option<i64>| NodeProto {
            op_type: Some("Mod".into()),
            attribute: fmod.map(|f| attr::int("fmod", f)).into_iter().collect(),
            ..Default::default()
        };
        let ints = [TensorInfo::new(DType::I32, vec![2.into(), 3.into()]), TensorInfo::new(DType::I32, vec![3.into()])];
        let floats = [TensorInfo::f32(&[2, 3]), TensorInfo::f32(&[3])];
        let run = |n: &NodeProto, x: &[TensorInfo]| infer(n, x, Consts::ints_only(&none));
        assert_eq!(run(&node(None), &ints).unwrap()[0].shape_string(), "[2, 3]");
        assert_eq!(run(&node(Some(1)), &floats).unwrap()[0].dtype, DType::F32);
        assert!(run(&node(None), &floats).is_err());
        assert!(run(&node(Some(2)), &ints).is_err());
        assert!(run(&node(None), &[ints[0].clone(), floats[1].clone()]).is_err());
    }
}
