//! Slice — https://onnx.ai/onnx/operators/onnx__Slice.html
//!
//! Opset history: see `DEF.forms`. numpy's `x[a:b:s]` on some axes: torch writes it for every
//! `x[..., :n]` and `chunk` (ends of `INT64_MAX` for "to the end"), YOLO's focus layers take
//! every other pixel with step 2, tf2onnx's strided slices. Opset 1 holds `starts`, `ends` and
//! `axes` as attributes; from 10 they are inputs (constant or computed at run time) with
//! `steps` added (negative: backwards); 11 allows negative axes. Starts and ends are clamped
//! to the dimension as the spec says, so out-of-range bounds are valid. Moves values: int8
//! keeps its input's parameters (ONNX Runtime's QDQ quantizer does the same).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

/// A symbolic dimension `axis` of output `output` of `node` (one the spec's inference leaves
/// unknown because an input dimension is symbolic), named after the output so that two
/// unknown dimensions never look equal.
pub(super) fn fresh(node: &NodeProto, output: usize, axis: usize) -> Dim {
    let name = node.output.get(output).filter(|n| !n.is_empty()).map_or("out", String::as_str);
    Dim::Sym(format!("{name}_d{axis}"))
}

/// Bounds this large select "to the end" of any dimension a real tensor has (torch writes
/// `INT64_MAX`, tf2onnx `INT32_MAX`).
const TO_THE_END: i64 = i32::MAX as i64;

/// The length of `start..end` by `step` over a dimension of `dim`, clamped as the spec says.
fn sliced(dim: i64, mut start: i64, mut end: i64, step: i64) -> i64 {
    if dim == 0 {
        return 0;
    }
    if start < 0 {
        start = start.saturating_add(dim);
    }
    if end < 0 {
        end = end.saturating_add(dim);
    }
    let (start, end) = if step < 0 {
        (start.clamp(0, dim - 1), end.clamp(-1, dim - 1))
    } else {
        (start.clamp(0, dim), end.clamp(0, dim))
    };
    let (span, by) = if step < 0 { (start - end, -step) } else { (end - start, step) };
    if span <= 0 { 0 } else { (span + by - 1) / by }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let r = x.rank();
    let required = |name: &str| ShapeError::Attribute { name: name.into(), reason: "required".into() };
    // Opset 1: attributes; from 10: inputs (starts and ends are required there, so a node with
    // one input is the attribute form).
    let (starts, ends, axes, steps) = if inputs.len() == 1 {
        (
            attr::get_ints(node, "starts").ok_or_else(|| required("starts"))?,
            attr::get_ints(node, "ends").ok_or_else(|| required("ends"))?,
            attr::get_ints(node, "axes"),
            None,
        )
    } else {
        let starts = consts.input_ints(node, 1, "starts")?.ok_or_else(|| required("starts"))?;
        let ends = consts.input_ints(node, 2, "ends")?.ok_or_else(|| required("ends"))?;
        (starts, ends, consts.input_ints(node, 3, "axes")?, consts.input_ints(node, 4, "steps")?)
    };
    let bad = |name: &str, reason: String| ShapeError::Attribute { name: name.into(), reason };
    if starts.len() != ends.len() {
        return Err(bad("ends", format!("{} ends for {} starts", ends.len(), starts.len())));
    }
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    if axes.len() != starts.len() {
        return Err(bad("axes", format!("{} axes for {} starts", axes.len(), starts.len())));
    }
    let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
    if steps.len() != starts.len() {
        return Err(bad("steps", format!("{} steps for {} starts", steps.len(), starts.len())));
    }
    let mut shape = x.shape.clone();
    let mut seen = vec![false; r];
    for (i, &a) in axes.iter().enumerate() {
        let a = axis(a, r)?;
        if std::mem::replace(&mut seen[a], true) {
            return Err(bad("axes", format!("{axes:?} repeats an axis")));
        }
        let (start, end, step) = (starts[i], ends[i], steps[i]);
        if step == 0 {
            return Err(bad("steps", "a step of 0".into()));
        }
        shape[a] = match &x.shape[a] {
            Dim::Known(d) => Dim::Known(sliced(*d as i64, start, end, step) as usize),
            // Every element, forwards or backwards, of a dimension of unknown size.
            Dim::Sym(_)
                if (step == 1 && start == 0 && end >= TO_THE_END)
                    || (step == -1 && (start == -1 || start >= TO_THE_END) && end <= -TO_THE_END) =>
            {
                x.shape[a].clone()
            }
            Dim::Sym(_) => fresh(node, 0, a),
        };
    }
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Slice",
    spec: "https://onnx.ai/onnx/operators/onnx__Slice.html",
    inputs: Arity::between(1, 5),
    forms: &[
        Form { since: 1, change: "first version: starts, ends and axes attributes" },
        Form { since: 10, change: "starts, ends, axes inputs and steps (negative: backwards)" },
        Form { since: 11, change: "negative axes" },
        Form { since: 13, change: "bfloat16" },
    ],
    // Starts, ends, axes and steps are int32 or int64.
    types: &[Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    int8: Int8::SharesInputParams,
    example: Example {
        attrs: &[],
        inputs: &[
            (DType::F32, &[1, 3, 8, 8]),
            (DType::I64, &[2]),
            (DType::I64, &[2]),
            (DType::I64, &[2]),
            (DType::I64, &[2]),
        ],
        consts: &[(1, &[1, -1]), (2, &[i64::MAX, i64::MIN]), (3, &[2, -1]), (4, &[2, -3])],
        output: (DType::F32, &[1, 3, 4, 3]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    fn node(inputs: usize, attrs: Vec<zoo_proto::AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: Some("Slice".into()),
            input: (0..inputs).map(|i| format!("in{i}")).collect(),
            output: vec!["y".into()],
            attribute: attrs,
            ..Default::default()
        }
    }

    #[test]
    fn clamps_like_the_spec() {
        assert_eq!(sliced(10, 0, i64::MAX, 1), 10);
        assert_eq!(sliced(10, -3, i64::MAX, 1), 3);
        assert_eq!(sliced(10, 20, 1000, 1), 0);
        assert_eq!(sliced(10, -1, i64::MIN, -1), 10);
        assert_eq!(sliced(10, 20, -1000, -2), 5);
        assert_eq!(sliced(10, 0, -1, 1), 9);
        assert_eq!(sliced(10, 1, 0, 1), 0);
        assert_eq!(sliced(0, 0, 5, 1), 0);
    }

    #[test]
    fn attribute_form_and_symbolic_dims() {
        let x = TensorInfo::new(DType::F32, vec![Dim::Sym("N".into()), Dim::Known(6)]);
        let n = node(1, vec![attr::ints("starts", &[0, 1]), attr::ints("ends", &[i64::MAX, 5])]);
        let none = |_: &str| None;
        let out = infer(&n, std::slice::from_ref(&x), Consts::ints_only(&none)).unwrap();
        assert_eq!(out[0].shape, vec![Dim::Sym("N".into()), Dim::Known(4)]);
        let n = node(1, vec![attr::ints("starts", &[1]), attr::ints("ends", &[3])]);
        let out = infer(&n, std::slice::from_ref(&x), Consts::ints_only(&none)).unwrap();
        assert_eq!(out[0].shape, vec![Dim::Sym("y_d0".into()), Dim::Known(6)]);
        // Bounds computed at run time: not an inconsistency.
        let n = node(3, vec![]);
        let i = TensorInfo::new(DType::I64, vec![Dim::Known(1)]);
        assert!(matches!(infer(&n, &[x, i.clone(), i], Consts::ints_only(&none)), Err(ShapeError::NotConstant(_))));
    }
}
