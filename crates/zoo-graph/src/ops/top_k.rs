//! TopK — https://onnx.ai/onnx/operators/onnx__TopK.html
//!
//! The `k` largest (or smallest) elements along `axis` (default −1) and their int64 indices:
//! detectors export their candidate selection and classifiers their top-5 through it.
//! Opset history: see `DEF.forms`. `k` is an attribute in opset 1 and a one-element int64 input
//! from 10 on; `largest` and `sorted` (both default 1) arrive with 11 and change values, not
//! shapes. Both outputs (Values, Indices) are the input's shape with `k` on the axis — a
//! symbol when `k` is computed at run time (the rank and element types are still known).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let a = attr::get_int(node, "axis").unwrap_or(-1);
    let at = axis(a, x.rank()).map_err(|_| ShapeError::Attribute {
        name: "axis".into(),
        reason: format!("{a} is outside a rank-{} tensor", x.rank()),
    })?;
    let k = if let Some(kt) = inputs.get(1) {
        if kt.dtype != DType::I64 {
            return Err(ShapeError::Mismatch(format!("K is {}, not int64", kt.dtype)));
        }
        match consts.input_ints(node, 1, "k") {
            Ok(Some(v)) if v.len() == 1 => Some(v[0]),
            Ok(Some(v)) => return Err(ShapeError::Mismatch(format!("K holds {} values, not one", v.len()))),
            Ok(None) | Err(ShapeError::NotConstant(_)) => None,
            Err(e) => return Err(e),
        }
    } else {
        Some(
            attr::get_int(node, "k")
                .ok_or_else(|| ShapeError::Attribute { name: "k".into(), reason: "required".into() })?,
        )
    };
    let dim = match k {
        Some(k) if k < 0 => return Err(ShapeError::Attribute { name: "k".into(), reason: format!("{k} is negative") }),
        Some(k) => {
            if let Some(n) = x.dim(at).filter(|&n| k as usize > n) {
                return Err(ShapeError::Mismatch(format!("k = {k} is more than the {n} elements of axis {a}")));
            }
            Dim::Known(k as usize)
        }
        None => Dim::Sym(format!("{}_k", node.output.first().map_or("topk", String::as_str))),
    };
    let mut shape = x.shape.clone();
    shape[at] = dim;
    Ok(vec![TensorInfo::new(x.dtype, shape.clone()), TensorInfo::new(DType::I64, shape)])
}

fn describe(node: &NodeProto) -> String {
    let mut s = attr::get_int(node, "k").map_or(String::new(), |k| format!("k={k}, "));
    s += &format!("axis {}", attr::get_int(node, "axis").unwrap_or(-1));
    if attr::get_int(node, "largest") == Some(0) {
        s += ", smallest";
    }
    if attr::get_int(node, "sorted") == Some(0) {
        s += ", unsorted";
    }
    s
}

pub(super) const DEF: OpDef = OpDef {
    name: "TopK",
    spec: "https://onnx.ai/onnx/operators/onnx__TopK.html",
    inputs: Arity::between(1, 2),
    outputs: Arity::exactly(2),
    forms: &[
        Form { since: 1, change: "first version, k an attribute" },
        Form { since: 10, change: "k an int64 input" },
        Form { since: 11, change: "largest, sorted; negative axis; integer types" },
    ],
    types: &[Types::Any, Types::Int64],
    infer,
    describe,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[2, 10]), (DType::I64, &[1])],
        consts: &[(1, &[5])],
        output: (DType::F32, &[2, 5]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    fn node(inputs: &[&str], attrs: Vec<zoo_proto::AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: Some("TopK".into()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec!["values".into(), "indices".into()],
            attribute: attrs,
            ..Default::default()
        }
    }

    #[test]
    fn k_as_attribute_constant_and_computed() {
        let x = TensorInfo::new(DType::F16, vec![Dim::Sym("N".into()), Dim::Known(10)]);
        let k = TensorInfo::new(DType::I64, vec![Dim::Known(1)]);
        let three = |name: &str| (name == "k").then(|| vec![3]);
        let none = |_: &str| None;
        let out =
            infer(&node(&["x"], vec![attr::int("k", 3)]), std::slice::from_ref(&x), Consts::ints_only(&none)).unwrap();
        assert_eq!((out[0].shape_string(), out[1].dtype), ("[N, 3]".to_string(), DType::I64));
        let n = node(&["x", "k"], vec![attr::int("axis", 1)]);
        let out = infer(&n, &[x.clone(), k.clone()], Consts::ints_only(&three)).unwrap();
        assert_eq!((out[0].dtype, out[1].shape_string()), (DType::F16, "[N, 3]".to_string()));
        let out = infer(&n, &[x.clone(), k.clone()], Consts::ints_only(&none)).unwrap();
        assert_eq!(out[1].shape_string(), "[N, values_k]");
        let eleven = |name: &str| (name == "k").then(|| vec![11]);
        assert!(infer(&n, &[x.clone(), k], Consts::ints_only(&eleven)).is_err());
        assert!(infer(&node(&["x"], vec![]), &[x], Consts::ints_only(&none)).is_err());
    }
}
