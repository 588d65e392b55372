//! GroupNormalization — https://onnx.ai/onnx/operators/onnx__GroupNormalization.html
//!
//! Normalises each item's channels in `num_groups` groups (statistics over the group's channels
//! and every spatial position), then scales and shifts: torch's `nn.GroupNorm` in detection
//! heads and diffusion U-Nets, which exporters wrote as Reshape + InstanceNormalization before
//! the op existed. Opset history: see `DEF.forms`. In opset 18 `scale` and `bias` hold one
//! value per group; opset 21 made them one per channel (the 18 form is deprecated) and added
//! `stash_type`, the precision of the statistics. Both forms are read: their lengths are
//! `num_groups` or C. Y has X's type.

use zoo_proto::NodeProto;

use super::def::*;
use super::instance_norm::{normalized, same_type, scale_and_bias};
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::TensorInfo;

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    if x.rank() < 2 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    same_type(inputs)?;
    let groups = attr::get_int(node, "num_groups")
        .ok_or_else(|| ShapeError::Attribute { name: "num_groups".into(), reason: "required".into() })?;
    if groups < 1 {
        return Err(ShapeError::Attribute { name: "num_groups".into(), reason: format!("{groups} is not positive") });
    }
    let groups = groups as usize;
    if let Some(c) = x.dim(1).filter(|c| c % groups != 0) {
        return Err(ShapeError::Groups { channels: c, groups });
    }
    for p in &inputs[1..] {
        let fits = p.rank() == 1 && p.dim(0).is_none_or(|n| n == groups || x.dim(1).is_none_or(|c| n == c));
        if !fits {
            return Err(ShapeError::Mismatch(format!(
                "scale and bias must be [num_groups] (opset 18) or [C] (21): {} for {groups} groups of X {}",
                p.shape_string(),
                x.shape_string()
            )));
        }
    }
    Ok(vec![x.clone()])
}

fn describe(node: &NodeProto) -> String {
    let groups = attr::get_int(node, "num_groups").map_or("?".to_string(), |g| g.to_string());
    format!("{groups} groups, {}", super::instance_norm::describe_epsilon(node))
}

pub(super) const DEF: OpDef = OpDef {
    name: "GroupNormalization",
    spec: "https://onnx.ai/onnx/operators/onnx__GroupNormalization.html",
    inputs: Arity::exactly(3),
    forms: &[
        Form { since: 18, change: "first version, scale and bias per group" },
        Form { since: 21, change: "scale and bias per channel; stash_type" },
    ],
    types: &[Types::Float],
    infer,
    describe,
    role: scale_and_bias,
    signal: normalized,
    field: FieldRule::Global,
    draw: Draw::follower(LayerKind::Norm, Title::OpName, "GN"),
    example: Example {
        attrs: &[ExampleAttr::Int("num_groups", 2)],
        inputs: &[(DType::F32, &[1, 4, 4, 4]), (DType::F32, &[4]), (DType::F32, &[4])],
        consts: &[],
        output: (DType::F32, &[1, 4, 4, 4]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_per_group_or_per_channel() {
        let n = NodeProto {
            op_type: Some("GroupNormalization".into()),
            input: vec!["x".into(), "scale".into(), "bias".into()],
            output: vec!["y".into()],
            attribute: vec![attr::int("num_groups", 2)],
            ..Default::default()
        };
        let x = TensorInfo::f32(&[1, 6, 4, 4]);
        let none = |_: &str| None;
        let run =
            |p: &[usize]| infer(&n, &[x.clone(), TensorInfo::f32(p), TensorInfo::f32(p)], Consts::ints_only(&none));
        assert_eq!(run(&[2]).unwrap()[0], x);
        assert_eq!(run(&[6]).unwrap()[0], x);
        assert!(run(&[3]).is_err());
        let odd = TensorInfo::f32(&[1, 5, 4, 4]);
        let p = TensorInfo::f32(&[5]);
        assert!(matches!(infer(&n, &[odd, p.clone(), p], Consts::ints_only(&none)), Err(ShapeError::Groups { .. })));
    }
}
