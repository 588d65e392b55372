//! Split — https://onnx.ai/onnx/operators/onnx__Split.html
//!
//! Opset history: see `DEF.forms`. Cuts a tensor into parts along `axis`: torch's `chunk` and
//! `split` (attention's fused q/k/v projection, GLU halves, CSP blocks). The part sizes are the
//! `split` attribute before opset 13 (opset 1 also took them as an optional second input), a
//! constant second input from 13 on; without them the parts are equal, one per output (from
//! 18 `num_outputs` names their count and lets the last part be smaller). Several outputs: int8
//! leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use super::slice::fresh;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let a = axis(attr::get_int(node, "axis").unwrap_or(0), x.rank())?;
    let outputs = node.output.len().max(1);
    let bad = |name: &str, reason: String| ShapeError::Attribute { name: name.into(), reason };
    let given = match consts.input_ints(node, 1, "split")? {
        Some(s) if !s.is_empty() => Some(s),
        _ => attr::get_ints(node, "split").filter(|s| !s.is_empty()),
    };
    let num_outputs = attr::get_int(node, "num_outputs");
    if let Some(n) = num_outputs {
        if given.is_some() {
            return Err(bad("num_outputs", "given beside the split sizes".into()));
        }
        if n < 1 || n as usize != outputs {
            return Err(bad("num_outputs", format!("{n} for a node of {outputs} outputs")));
        }
    }
    let sizes: Vec<Dim> = match (given, &x.shape[a]) {
        (Some(split), dim) => {
            if split.len() != outputs {
                return Err(bad("split", format!("{} sizes for {outputs} outputs", split.len())));
            }
            let sizes = split
                .iter()
                .map(|&s| usize::try_from(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| bad("split", format!("negative size in {split:?}")))?;
            if let Dim::Known(d) = dim
                && sizes.iter().sum::<usize>() != *d
            {
                return Err(ShapeError::Mismatch(format!(
                    "split sizes {split:?} do not add up to axis {a} of {}",
                    x.shape_string()
                )));
            }
            sizes.into_iter().map(Dim::Known).collect()
        }
        (None, &Dim::Known(d)) => {
            let chunk = d.div_ceil(outputs);
            if (num_outputs.is_none() && d % outputs != 0) || chunk * (outputs - 1) > d {
                return Err(ShapeError::Mismatch(format!(
                    "axis {a} of {} does not split into {outputs} parts",
                    x.shape_string()
                )));
            }
            // From opset 18 the last part takes what is left (ceil-sized parts before it).
            (0..outputs).map(|i| Dim::Known(if i + 1 < outputs { chunk } else { d - chunk * (outputs - 1) })).collect()
        }
        (None, Dim::Sym(_)) if outputs == 1 => vec![x.shape[a].clone()],
        (None, Dim::Sym(_)) => (0..outputs).map(|i| fresh(node, i, a)).collect(),
    };
    Ok(sizes
        .into_iter()
        .map(|d| {
            let mut shape = x.shape.clone();
            shape[a] = d;
            TensorInfo::new(x.dtype, shape)
        })
        .collect())
}

pub(super) const DEF: OpDef = OpDef {
    name: "Split",
    spec: "https://onnx.ai/onnx/operators/onnx__Split.html",
    inputs: Arity::between(1, 2),
    outputs: Arity::at_least(1),
    forms: &[
        Form { since: 1, change: "first version: split sizes as an attribute or a second input" },
        Form { since: 2, change: "split sizes only as an attribute; more types" },
        Form { since: 11, change: "negative axis" },
        Form { since: 13, change: "split sizes as an int64 input, not an attribute; bfloat16" },
        Form { since: 18, change: "num_outputs (the last part may be smaller)" },
    ],
    types: &[Types::Any, Types::Int64],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("axis", -1)],
        inputs: &[(DType::F32, &[2, 6]), (DType::I64, &[1])],
        consts: &[(1, &[6])],
        output: (DType::F32, &[2, 6]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    fn split(
        outputs: usize,
        attrs: Vec<zoo_proto::AttributeProto>,
        x: &TensorInfo,
    ) -> Result<Vec<TensorInfo>, ShapeError> {
        let node = NodeProto {
            op_type: Some("Split".into()),
            input: vec!["x".into()],
            output: (0..outputs).map(|i| format!("y{i}")).collect(),
            attribute: attrs,
            ..Default::default()
        };
        let none = |_: &str| None;
        infer(&node, std::slice::from_ref(x), Consts::ints_only(&none))
    }

    #[test]
    fn equal_uneven_and_given_parts() {
        let x = TensorInfo::f32(&[2, 7]);
        let dims = |r: Vec<TensorInfo>| r.iter().map(|t| t.dim(1).unwrap()).collect::<Vec<_>>();
        assert_eq!(dims(split(3, vec![attr::int("axis", 1), attr::int("num_outputs", 3)], &x).unwrap()), [3, 3, 1]);
        assert_eq!(dims(split(2, vec![attr::int("axis", 1), attr::ints("split", &[3, 4])], &x).unwrap()), [3, 4]);
        assert!(split(2, vec![attr::int("axis", 1)], &x).is_err());
        assert!(split(2, vec![attr::int("axis", 1), attr::ints("split", &[3, 3])], &x).is_err());
        assert_eq!(dims(split(2, vec![], &TensorInfo::f32(&[4, 7])).unwrap()), [7, 7]);
    }
}
