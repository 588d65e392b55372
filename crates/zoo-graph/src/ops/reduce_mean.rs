//! ReduceMean — https://onnx.ai/onnx/operators/onnx__ReduceMean.html
//!
//! torch.onnx writes `x.mean(dim)` and the dynamo exporter's global average pool as a
//! ReduceMean (the reader turns the spatial one of an NCHW tensor into a GlobalAveragePool,
//! `ir::reduce_mean`); Keras' GlobalAveragePooling and transformers' hand-written norms reach
//! ONNX through it too. Opset history: see `DEF.forms`. The axes are an attribute before
//! opset 18 and an optional int64 input from 18 on, where `noop_with_empty_axes = 1` makes
//! "no axes" the identity instead of a reduction over every axis; `keepdims` (default 1) keeps
//! the reduced axes as 1s.
//!
//! The five reductions zoo reads (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2) share
//! one shape rule, ONNX's `ReduceOpGenerator`: [`reduction`] declares each.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

/// A reduction over `axes` (an attribute, or the optional second input): its file declares its
/// name, spec page, forms and drawing, and this fills in the rest — any element type, the
/// shape rule of ONNX's reductions, no multiply-accumulates worth counting, an unknown
/// receptive field (a mean over channels is pointwise, over H and W global: the axes decide),
/// converted by fp16, left float by int8.
pub(super) const fn reduction(name: &'static str, spec: &'static str, forms: &'static [Form], draw: Draw) -> OpDef {
    OpDef {
        name,
        spec,
        inputs: Arity::between(1, 2),
        forms,
        types: &[Types::Any, Types::Int64],
        infer: reduce_infer,
        describe,
        draw,
        example: Example {
            attrs: &[ExampleAttr::Int("keepdims", 0)],
            inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::I64, &[2])],
            consts: &[(1, &[2, -1])],
            output: (DType::F32, &[1, 3]),
        },
        ..FREE
    }
}

/// The output of a reduction, as ONNX's shape inference gives it: each reduced axis 1 (or
/// dropped with `keepdims = 0`), every axis when there are none — or the input as it is with
/// `noop_with_empty_axes = 1`. Axes computed at run time leave a `keepdims` output's rank known:
/// each axis is the input's or 1, written as a symbol where the input's is not 1.
fn reduce_infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    Arity::between(1, 2).check(inputs)?;
    let x = &inputs[0];
    let keepdims = attr::get_int(node, "keepdims").unwrap_or(1) != 0;
    let noop = attr::get_int(node, "noop_with_empty_axes").unwrap_or(0) != 0;
    let from_input = node.input.get(1).is_some_and(|a| !a.is_empty());
    if from_input && attr::get_ints(node, "axes").is_some() {
        return Err(ShapeError::Attribute {
            name: "axes".into(),
            reason: "given both as an attribute and an input".into(),
        });
    }
    if let Some(a) = inputs.get(1).filter(|a| a.dtype != DType::I64) {
        return Err(ShapeError::Mismatch(format!("axes are {}, not int64", a.dtype)));
    }
    let axes = match axes_of(node, consts, from_input) {
        Ok(axes) => axes.unwrap_or_default(),
        Err(ShapeError::NotConstant(_)) if keepdims => {
            let out = node.output.first().map_or("reduced", String::as_str);
            let shape = x
                .shape
                .iter()
                .enumerate()
                .map(|(i, d)| if *d == Dim::Known(1) { d.clone() } else { Dim::Sym(format!("{out}_d{i}")) })
                .collect();
            return Ok(vec![TensorInfo::new(x.dtype, shape)]);
        }
        Err(e) => return Err(e),
    };
    if axes.is_empty() && noop {
        return Ok(vec![x.clone()]);
    }
    let reduced = axes.iter().map(|&a| axis(a, x.rank())).collect::<Result<Vec<_>, _>>()?;
    let shape = x
        .shape
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match reduced.is_empty() || reduced.contains(&i) {
            false => Some(d.clone()),
            true => keepdims.then_some(Dim::Known(1)),
        })
        .collect();
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

fn describe(node: &NodeProto) -> String {
    let mut parts = Vec::new();
    if let Some(axes) = attr::get_ints(node, "axes") {
        parts.push(format!("axes {axes:?}"));
    }
    if attr::get_int(node, "keepdims") == Some(0) {
        parts.push("keepdims 0".to_string());
    }
    if attr::get_int(node, "noop_with_empty_axes").unwrap_or(0) != 0 {
        parts.push("no axes: identity".to_string());
    }
    parts.join(", ")
}

pub(super) const DEF: OpDef = reduction(
    "ReduceMean",
    "https://onnx.ai/onnx/operators/onnx__ReduceMean.html",
    &[
        Form { since: 1, change: "first version, axes an attribute" },
        Form { since: 11, change: "negative axes" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 18, change: "axes an optional input; noop_with_empty_axes" },
    ],
    Draw::layer(LayerKind::Pool, Title::OpName),
);

#[cfg(test)]
mod tests {
    use super::*;

    fn node(inputs: &[&str], attrs: Vec<zoo_proto::AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: Some("ReduceMean".into()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec!["y".into()],
            attribute: attrs,
            ..Default::default()
        }
    }

    fn shape(t: &TensorInfo) -> String {
        t.shape_string()
    }

    #[test]
    fn every_form_of_the_axes() {
        let x = TensorInfo::new(DType::F32, vec![Dim::Sym("N".into()), Dim::Known(3), Dim::Known(4), Dim::Known(1)]);
        let i = TensorInfo::new(DType::I64, vec![Dim::Known(2)]);
        let axes = |name: &str| (name == "axes").then(|| vec![2, -1]);
        let empty = |name: &str| (name == "axes").then(Vec::new);
        let none = |_: &str| None;
        let run = |n: &NodeProto, ins: &[TensorInfo], c: &dyn Fn(&str) -> Option<Vec<i64>>| {
            reduce_infer(n, ins, Consts::ints_only(c)).map(|o| shape(&o[0]))
        };
        let both = [x.clone(), i];
        let one = std::slice::from_ref(&x);
        // Attribute (before 18), keepdims default 1 and 0, every axis when none are given.
        let n = node(&["x"], vec![attr::ints("axes", &[1])]);
        assert_eq!(run(&n, one, &none).unwrap(), "[N, 1, 4, 1]");
        let n = node(&["x"], vec![attr::ints("axes", &[-3]), attr::int("keepdims", 0)]);
        assert_eq!(run(&n, one, &none).unwrap(), "[N, 4, 1]");
        assert_eq!(run(&node(&["x"], vec![]), one, &none).unwrap(), "[1, 1, 1, 1]");
        assert_eq!(run(&node(&["x"], vec![attr::int("keepdims", 0)]), one, &none).unwrap(), "[]");
        // Input (from 18; ReduceSum from 13), an empty one, and noop_with_empty_axes.
        let n = node(&["x", "axes"], vec![attr::int("keepdims", 0)]);
        assert_eq!(run(&n, &both, &axes).unwrap(), "[N, 3]");
        assert_eq!(run(&n, &both, &empty).unwrap(), "[]");
        let n = node(&["x", "axes"], vec![attr::int("noop_with_empty_axes", 1)]);
        assert_eq!(run(&n, &both, &empty).unwrap(), "[N, 3, 4, 1]");
        assert_eq!(
            run(&node(&["x", ""], vec![attr::int("noop_with_empty_axes", 1)]), one, &none).unwrap(),
            "[N, 3, 4, 1]"
        );
        // Axes computed at run time: rank known with keepdims, not without.
        let n = node(&["x", "axes"], vec![]);
        assert_eq!(run(&n, &both, &none).unwrap(), "[y_d0, y_d1, y_d2, 1]");
        let n = node(&["x", "axes"], vec![attr::int("keepdims", 0)]);
        assert!(matches!(run(&n, &both, &none), Err(ShapeError::NotConstant(_))));
        // What the spec forbids.
        assert!(run(&node(&["x"], vec![attr::ints("axes", &[4])]), one, &none).is_err());
        assert!(run(&node(&["x", "axes"], vec![attr::ints("axes", &[1])]), &both, &axes).is_err());
    }
}
