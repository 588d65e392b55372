//! LayerNormalization — https://onnx.ai/onnx/operators/onnx__LayerNormalization.html
//!
//! Normalises each item over the axes from `axis` (default −1) to the last, then scales by
//! `Scale` and shifts by the optional `B`: every transformer block, and ConvNeXt's
//! channels-last norm, which torch.onnx writes as one node from opset 17 (before it, a chain of
//! ReduceMean, Sub, Pow, Sqrt, Div). One form (opset 17); `stash_type` (default float32) is
//! the precision of the statistics and the element type of the optional Mean and InvStdDev
//! outputs, X's shape with the normalised axes 1 — float32 even when X is float16. The
//! receptive field is unknown: the axes decide whether positions mix (over C, H, W) or not
//! (over the channels of a token).

use zoo_proto::NodeProto;

use super::def::*;
use super::instance_norm::{normalized, same_type, scale_and_bias};
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    same_type(inputs)?;
    let a = attr::get_int(node, "axis").unwrap_or(-1);
    let at = axis(a, x.rank()).map_err(|_| ShapeError::Attribute {
        name: "axis".into(),
        reason: format!("{a} is outside a rank-{} tensor", x.rank()),
    })?;
    let stash = attr::get_int(node, "stash_type").unwrap_or(1);
    let stash = i32::try_from(stash).ok().and_then(DType::from_onnx).ok_or_else(|| ShapeError::Attribute {
        name: "stash_type".into(),
        reason: format!("{stash} is no element type zoo knows"),
    })?;
    let mut stats = x.shape.clone();
    stats[at..].fill(Dim::Known(1));
    let stats = TensorInfo::new(stash, stats);
    Ok(vec![x.clone(), stats.clone(), stats])
}

fn describe(node: &NodeProto) -> String {
    format!("axis {}, {}", attr::get_int(node, "axis").unwrap_or(-1), super::instance_norm::describe_epsilon(node))
}

pub(super) const DEF: OpDef = OpDef {
    name: "LayerNormalization",
    spec: "https://onnx.ai/onnx/operators/onnx__LayerNormalization.html",
    inputs: Arity::between(2, 3),
    outputs: Arity::between(1, 3),
    forms: &[Form { since: 17, change: "first version" }],
    types: &[Types::Float],
    infer,
    describe,
    role: scale_and_bias,
    signal: normalized,
    draw: Draw::layer(LayerKind::Norm, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("axis", -1)],
        inputs: &[(DType::F32, &[2, 8, 16]), (DType::F32, &[16]), (DType::F32, &[16])],
        consts: &[],
        output: (DType::F32, &[2, 8, 16]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_float32_and_one_on_the_normalised_axes() {
        let n = |axis: i64| NodeProto {
            op_type: Some("LayerNormalization".into()),
            input: vec!["x".into(), "scale".into()],
            output: vec!["y".into(), "mean".into(), "inv_std".into()],
            attribute: vec![attr::int("axis", axis)],
            ..Default::default()
        };
        let x = TensorInfo::new(DType::F16, vec![Dim::Sym("N".into()), Dim::Known(8), Dim::Known(16)]);
        let scale = TensorInfo::new(DType::F16, vec![Dim::Known(8), Dim::Known(16)]);
        let none = |_: &str| None;
        let out = infer(&n(-2), &[x.clone(), scale.clone()], Consts::ints_only(&none)).unwrap();
        assert_eq!(out[0], x);
        assert_eq!((out[1].dtype, out[2].shape_string()), (DType::F32, "[N, 1, 1]".to_string()));
        assert!(infer(&n(3), &[x, scale], Consts::ints_only(&none)).is_err());
    }
}
