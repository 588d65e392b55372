//! ScatterND — https://onnx.ai/onnx/operators/onnx__ScatterND.html
//!
//! Opset history: see `DEF.forms`. A copy of `data` with the slices that the last axis of
//! `indices` (int64) addresses replaced by `updates` — or, from opset 16, combined with them by
//! `reduction` (`add`, `mul`; `max`, `min` from 18): in-place index assignment (`x[idx] = v`)
//! as torch exports it. The output is `data`'s type and shape; `updates` must be of
//! `indices.shape[:-1] + data.shape[k:]`, `k` the last axis of `indices`. ONNX Runtime's CPU
//! provider has no float16 kernel for a reduction (test_scatternd_add), so the fp16 pass leaves
//! it float32.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (data, indices, updates) = (&inputs[0], &inputs[1], &inputs[2]);
    if indices.dtype != DType::I64 {
        return Err(ShapeError::Mismatch(format!("indices are {}, not int64", indices.dtype)));
    }
    if updates.dtype != data.dtype {
        return Err(ShapeError::Mismatch(format!("updates are {}, data {}", updates.dtype, data.dtype)));
    }
    if let Some(r) = attr::get_string(node, "reduction")
        && !matches!(r.as_str(), "none" | "add" | "mul" | "max" | "min")
    {
        return Err(ShapeError::Attribute { name: "reduction".into(), reason: format!("unknown value {r}") });
    }
    let Some(last) = indices.rank().checked_sub(1).filter(|_| data.rank() > 0) else {
        return Err(ShapeError::Mismatch(format!(
            "indices {} into data {}: neither may be of rank 0",
            indices.shape_string(),
            data.shape_string()
        )));
    };
    // The slices addressed are known once the index tuples' length is.
    if let Some(k) = indices.dim(last) {
        if k > data.rank() {
            return Err(ShapeError::Mismatch(format!("index tuples of {k} entries into data {}", data.shape_string())));
        }
        let expected: Vec<Dim> = indices.shape[..last].iter().chain(&data.shape[k..]).cloned().collect();
        let fits = updates.rank() == expected.len()
            && updates.shape.iter().zip(&expected).all(|(u, e)| match (u, e) {
                (Dim::Known(u), Dim::Known(e)) => u == e,
                _ => true,
            });
        if !fits {
            return Err(ShapeError::Mismatch(format!(
                "updates {} are not of indices' and data's slices {}",
                updates.shape_string(),
                crate::tensor::shape_string(&expected)
            )));
        }
    }
    Ok(vec![data.clone()])
}

fn describe(node: &NodeProto) -> String {
    attr::get_string(node, "reduction").filter(|r| r != "none").unwrap_or_default()
}

pub(super) const DEF: OpDef = OpDef {
    name: "ScatterND",
    spec: "https://onnx.ai/onnx/operators/onnx__ScatterND.html",
    inputs: Arity::exactly(3),
    forms: &[
        Form { since: 11, change: "first version" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 16, change: "reduction: none, add, mul" },
        Form { since: 18, change: "reduction: max, min" },
    ],
    types: &[Types::Any, Types::Int64, Types::Any],
    infer,
    describe,
    draw: Draw::layer(LayerKind::Other, Title::OpName),
    fp16: Fp16::KeepsFloat32("has no float16 kernel with a reduction in ONNX Runtime"),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[4, 5, 6]), (DType::I64, &[2, 1]), (DType::F32, &[2, 5, 6])],
        consts: &[],
        output: (DType::F32, &[4, 5, 6]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_are_the_addressed_slices() {
        let none = |_: &str| None;
        let node =
            |reduction: &str| NodeProto { attribute: vec![attr::string("reduction", reduction)], ..Default::default() };
        let data = TensorInfo::new(DType::F32, vec![Dim::Sym("N".into()), 5.into(), 6.into()]);
        let idx = |s: &[usize]| TensorInfo::new(DType::I64, s.iter().map(|&d| Dim::Known(d)).collect());
        let run = |r: &str, i: TensorInfo, u: &[usize]| {
            infer(&node(r), &[data.clone(), i, TensorInfo::f32(u)], Consts::ints_only(&none))
        };
        assert_eq!(run("add", idx(&[3, 2]), &[3, 6]).unwrap()[0], data);
        assert_eq!(run("none", idx(&[2, 4, 3]), &[2, 4]).unwrap()[0], data);
        assert!(run("none", idx(&[3, 2]), &[3, 5]).is_err());
        assert!(run("none", idx(&[3, 4]), &[3]).is_err());
        assert!(run("sum", idx(&[3, 2]), &[3, 6]).is_err());
        let unknown_k = TensorInfo::new(DType::I64, vec![3.into(), Dim::Sym("k".into())]);
        assert_eq!(run("none", unknown_k, &[3]).unwrap()[0], data);
    }
}
