//! PRelu — https://onnx.ai/onnx/operators/onnx__PRelu.html
//!
//! `x < 0 ? slope·x : x` with a learned slope, element-wise: torch's `nn.PReLU` (one slope, or
//! one per channel written `[C, 1, 1]`) in face-recognition and super-resolution nets, drawn
//! folded into the layer before it like ReLU. Opset history: see `DEF.forms`. From opset 7 the
//! slope broadcasts unidirectionally to X (its shape aligned to X's trailing axes, each 1 or
//! equal); before, the spec only said a one-element slope is shared, and converters of that
//! time wrote a per-channel slope `[C]` — still read here. Y has X's type either way.

use zoo_proto::NodeProto;

use super::def::*;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (x, slope) = (&inputs[0], &inputs[1]);
    if x.dtype != slope.dtype {
        return Err(ShapeError::Mismatch(format!("slope is {}, X is {}", slope.dtype, x.dtype)));
    }
    let fits = |s: &Dim, d: &Dim| match (s, d) {
        (Dim::Known(s), Dim::Known(d)) => s == d || *s == 1,
        _ => true,
    };
    let broadcasts =
        slope.rank() <= x.rank() && slope.shape.iter().rev().zip(x.shape.iter().rev()).all(|(s, d)| fits(s, d));
    let shared = slope.numel() == Some(1);
    let per_channel = slope.rank() == 1 && x.rank() >= 2 && fits(&slope.shape[0], &x.shape[1]);
    if !(broadcasts || shared || per_channel) {
        return Err(ShapeError::Mismatch(format!(
            "slope {} does not broadcast to X {}",
            slope.shape_string(),
            x.shape_string()
        )));
    }
    Ok(vec![x.clone()])
}

fn role(i: usize) -> Role {
    if i == 1 { Role::Weight } else { Role::Data }
}

pub(super) const DEF: OpDef = OpDef {
    name: "PRelu",
    spec: "https://onnx.ai/onnx/operators/onnx__PRelu.html",
    inputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 6, change: "consumed_inputs removed" },
        Form { since: 7, change: "slope broadcasts unidirectionally to X" },
        Form { since: 9, change: "integer types" },
        Form { since: 16, change: "bfloat16" },
    ],
    types: &[Types::Any],
    infer,
    role,
    field: FieldRule::Pointwise,
    draw: Draw::follower(LayerKind::Other, Title::OpName, "PReLU"),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[3, 1, 1])],
        consts: &[],
        output: (DType::F32, &[1, 3, 4, 4]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_of_every_form() {
        let n = NodeProto { op_type: Some("PRelu".into()), ..Default::default() };
        let x = TensorInfo::f32(&[1, 3, 4, 5]);
        let none = |_: &str| None;
        let run = |s: &[usize]| infer(&n, &[x.clone(), TensorInfo::f32(s)], Consts::ints_only(&none));
        for ok in [&[3, 1, 1][..], &[5], &[1], &[3], &[4, 5], &[1, 3, 4, 5]] {
            assert_eq!(run(ok).unwrap()[0], x, "{ok:?}");
        }
        for bad in [&[2][..], &[3, 4], &[2, 1, 3, 4, 5]] {
            assert!(run(bad).is_err(), "{bad:?}");
        }
    }
}
