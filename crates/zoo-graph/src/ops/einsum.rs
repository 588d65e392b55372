//! Einsum — https://onnx.ai/onnx/operators/onnx__Einsum.html
//!
//! Opset history: see `DEF.forms` (new in 12). A sum of products over index labels, numpy's
//! `einsum`: attention's `bhqd,bhkd->bhqk`, bilinear and batched projections as torch exports
//! `torch.einsum`. The `equation` names each operand's axes by letters (`a`–`z`, `A`–`Z`; an
//! `...` stands for the axes the letters leave, broadcast across operands); a label met twice
//! in one term takes a diagonal. After `->` comes the output's labels; without it (implicit
//! mode) the output is the ellipsis' axes, then every label met once, in ASCII order (ONNX's
//! shape inference and numpy; ONNX Runtime refuses upper-case labels there). Every label has
//! one size over the operands, a 1 broadcasting as ONNX Runtime allows. Its cost, as MatMul's,
//! is what a naive evaluation multiplies: one product of the operands per point of the index
//! space (every label and ellipsis axis), `operands − 1` multiplications each, per batch item
//! (the output's first axis) — none for one operand (a transpose, trace or sum).

use std::collections::BTreeMap;

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    Label(u8),
    Ellipsis,
}

fn malformed(reason: String) -> ShapeError {
    ShapeError::Attribute { name: "equation".into(), reason }
}

/// One term's subscripts: labels and at most one ellipsis.
fn subscripts(term: &str) -> Result<Vec<Sub>, ShapeError> {
    let mut out = Vec::new();
    let mut rest = term;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("...") {
            if out.contains(&Sub::Ellipsis) {
                return Err(malformed(format!("term `{term}` has two ellipses")));
            }
            out.push(Sub::Ellipsis);
            rest = after;
        } else if c.is_ascii_alphabetic() {
            out.push(Sub::Label(c as u8));
            rest = &rest[1..];
        } else {
            return Err(malformed(format!("`{c}` in term `{term}` is neither a letter nor `...`")));
        }
    }
    Ok(out)
}

/// One size from two: equal, or one of them 1 (broadcast); a known size over a symbol.
fn merge(label: char, a: &Dim, b: &Dim) -> Result<Dim, ShapeError> {
    match (a, b) {
        (Dim::Known(1), d) | (d, Dim::Known(1)) => Ok(d.clone()),
        (Dim::Known(x), Dim::Known(y)) if x != y => {
            Err(ShapeError::Mismatch(format!("label `{label}` is of size {x} in one place and {y} in another")))
        }
        (Dim::Sym(_), d @ Dim::Known(_)) => Ok(d.clone()),
        (d, _) => Ok(d.clone()),
    }
}

/// The output's shape, and the index space the sum runs over: the output's axes first (in its
/// order), then the axes summed away.
fn contract(equation: &str, inputs: &[TensorInfo]) -> Result<(Vec<Dim>, Vec<Dim>), ShapeError> {
    let eq: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (eq.as_str(), None),
    };
    let terms = lhs.split(',').map(subscripts).collect::<Result<Vec<_>, _>>()?;
    if terms.len() != inputs.len() {
        return Err(malformed(format!("`{equation}` has {} terms for {} inputs", terms.len(), inputs.len())));
    }
    let dtype = inputs[0].dtype;
    let mut sizes: BTreeMap<u8, (Dim, usize)> = BTreeMap::new();
    let mut ellipsis: Option<TensorInfo> = None;
    for (k, (term, x)) in terms.iter().zip(inputs).enumerate() {
        if x.dtype != dtype {
            return Err(ShapeError::Mismatch(format!("element types differ: {dtype} and {}", x.dtype)));
        }
        let labels = term.iter().filter(|s| **s != Sub::Ellipsis).count();
        let spread = match term.contains(&Sub::Ellipsis) {
            true => x.rank().checked_sub(labels),
            false => (x.rank() == labels).then_some(0),
        }
        .ok_or_else(|| {
            ShapeError::Mismatch(format!("term {k} has {labels} labels for input {k} of shape {}", x.shape_string()))
        })?;
        let mut at = 0;
        for s in term {
            match *s {
                Sub::Ellipsis => {
                    let dims = TensorInfo::new(dtype, x.shape[at..at + spread].to_vec());
                    ellipsis = Some(match ellipsis {
                        None => dims,
                        Some(e) => TensorInfo::new(dtype, super::add::broadcast(&e, &dims)?),
                    });
                    at += spread;
                }
                Sub::Label(c) => {
                    let d = &x.shape[at];
                    let entry = sizes.entry(c).or_insert_with(|| (d.clone(), 0));
                    entry.0 = merge(c as char, &entry.0, d)?;
                    entry.1 += 1;
                    at += 1;
                }
            }
        }
    }
    let out = match rhs {
        Some(r) => {
            let out = subscripts(r)?;
            for (i, s) in out.iter().enumerate() {
                if let Sub::Label(c) = *s {
                    if !sizes.contains_key(&c) {
                        return Err(malformed(format!("output label `{}` is no input's", c as char)));
                    }
                    if out[..i].contains(s) {
                        return Err(malformed(format!("output label `{}` is repeated", c as char)));
                    }
                }
            }
            out
        }
        None => ellipsis
            .is_some()
            .then_some(Sub::Ellipsis)
            .into_iter()
            .chain(sizes.iter().filter(|(_, (_, n))| *n == 1).map(|(c, _)| Sub::Label(*c)))
            .collect(),
    };
    let ellipsis = ellipsis.map(|e| e.shape).unwrap_or_default();
    let mut shape = Vec::new();
    for s in &out {
        match *s {
            Sub::Ellipsis => shape.extend(ellipsis.iter().cloned()),
            Sub::Label(c) => shape.push(sizes[&c].0.clone()),
        }
    }
    let mut space = shape.clone();
    if !out.contains(&Sub::Ellipsis) {
        space.extend(ellipsis);
    }
    space.extend(sizes.iter().filter(|(c, _)| !out.contains(&Sub::Label(**c))).map(|(_, (d, _))| d.clone()));
    Ok((shape, space))
}

fn equation(node: &NodeProto) -> Result<String, ShapeError> {
    attr::get_string(node, "equation").ok_or_else(|| malformed("required".into()))
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (shape, _) = contract(&equation(node)?, inputs)?;
    Ok(vec![TensorInfo::new(inputs[0].dtype, shape)])
}

fn macs(node: &NodeProto, inputs: &[TensorInfo], _: &[TensorInfo]) -> u64 {
    // As MatMul's: the inputs may be ones `infer` refused.
    let Ok((shape, space)) = equation(node).and_then(|e| contract(&e, inputs)) else { return 0 };
    let per_item = &space[usize::from(!shape.is_empty())..];
    let points = per_item.iter().try_fold(1u64, |n, d| n.checked_mul(d.known()? as u64));
    points.map_or(0, |p| p.saturating_mul(inputs.len() as u64 - 1))
}

fn describe(node: &NodeProto) -> String {
    attr::get_string(node, "equation").unwrap_or_default()
}

/// An initializer among the operands is a learned tensor (a projection written as einsum).
fn role(_: usize) -> Role {
    Role::Weight
}

pub(super) const DEF: OpDef = OpDef {
    name: "Einsum",
    spec: "https://onnx.ai/onnx/operators/onnx__Einsum.html",
    inputs: Arity::at_least(1),
    forms: &[Form { since: 12, change: "first version" }],
    types: &[Types::Any],
    infer,
    cost: Cost::Products(macs),
    describe,
    role,
    draw: Draw::layer(LayerKind::Fc, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Str("equation", "bij,bjk->bik")],
        inputs: &[(DType::F32, &[2, 3, 4]), (DType::F32, &[2, 4, 5])],
        consts: &[],
        output: (DType::F32, &[2, 3, 5]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::DType;

    fn node(equation: &str) -> NodeProto {
        let attribute = vec![attr::string("equation", equation)];
        NodeProto { op_type: Some("Einsum".into()), attribute, ..Default::default() }
    }

    fn shape(dims: &str) -> TensorInfo {
        let dims = dims.split(',').filter(|d| !d.is_empty());
        TensorInfo::new(DType::F32, dims.map(|d| d.parse().map_or_else(|_| Dim::Sym(d.into()), Dim::Known)).collect())
    }

    fn run(equation: &str, inputs: &[&str]) -> Result<String, ShapeError> {
        let none = |_: &str| None;
        let inputs: Vec<TensorInfo> = inputs.iter().map(|s| shape(s)).collect();
        infer(&node(equation), &inputs, Consts::ints_only(&none)).map(|o| o[0].shape_string())
    }

    #[test]
    fn explicit_implicit_and_ellipsis_forms() {
        // onnx's backend node tests, and ONNX's own inference of the others.
        assert_eq!(run("...ii ->...i", &["3,5,5"]).unwrap(), "[3, 5]");
        assert_eq!(run("bij, bjk -> bik", &["5,2,3", "5,3,4"]).unwrap(), "[5, 2, 4]");
        assert_eq!(run("i,i", &["5", "5"]).unwrap(), "[]");
        assert_eq!(run("ij->i", &["3,4"]).unwrap(), "[3]");
        assert_eq!(run("ij->ji", &["3,K"]).unwrap(), "[K, 3]");
        assert_eq!(run("bij,bjk", &["2,3,4", "2,4,5"]).unwrap(), "[3, 5]");
        assert_eq!(run("aB", &["2,3"]).unwrap(), "[3, 2]");
        assert_eq!(run("ii", &["3,3"]).unwrap(), "[]");
        assert_eq!(run("...ij,...jk", &["1,3,4", "5,4,6"]).unwrap(), "[5, 3, 6]");
        assert_eq!(run("...j,j...", &["2,3", "3,2"]).unwrap(), "[2]");
        assert_eq!(run("i...,i...->...", &["2,3", "2,1"]).unwrap(), "[3]");
        assert_eq!(run("ij,jk->ik", &["N,4", "M,6"]).unwrap(), "[N, 6]");
        assert_eq!(run("ij,jk->ik", &["3,J", "4,6"]).unwrap(), "[3, 6]");
        assert_eq!(run("ij,ij->i", &["3,1", "3,4"]).unwrap(), "[3]");
    }

    #[test]
    fn malformed_equations_and_conflicts_are_refused() {
        for (eq, inputs) in [
            ("ij,jk->ik", &["3,4", "5,6"][..]),
            ("ij->jj", &["3,3"]),
            ("ij->k", &["3,3"]),
            ("ij,jk", &["3,4"]),
            ("ijk", &["3,4"]),
            ("i", &["3,4"]),
            ("...i...", &["3,4"]),
            ("i.j", &["3,4"]),
            ("i1", &["3,4"]),
            ("...ij,...jk", &["2,3,4", "5,4,6"]),
        ] {
            assert!(run(eq, inputs).is_err(), "{eq} {inputs:?}");
        }
        let none = |_: &str| None;
        let mixed = [TensorInfo::f32(&[2]), TensorInfo::new(DType::I64, vec![2.into()])];
        assert!(infer(&node("i,i"), &mixed, Consts::ints_only(&none)).is_err());
        let unnamed = NodeProto { op_type: Some("Einsum".into()), ..Default::default() };
        assert!(infer(&unnamed, &[shape("2")], Consts::ints_only(&none)).is_err());
    }

    #[test]
    fn macs_count_the_index_space_per_batch_item() {
        let macs_of = |eq: &str, inputs: &[&str]| {
            let inputs: Vec<TensorInfo> = inputs.iter().map(|s| shape(s)).collect();
            let n = node(eq);
            let none = |_: &str| None;
            let out = infer(&n, &inputs, Consts::ints_only(&none)).unwrap();
            DEF.macs(&n, &inputs, &out)
        };
        // MatMul's count: 3·5 outputs per item, 4 products each.
        assert_eq!(macs_of("bij,bjk->bik", &["N,3,4", "N,4,5"]), 60);
        assert_eq!(macs_of("i,i", &["7", "7"]), 7);
        assert_eq!(macs_of("ij,jk,kl->il", &["2,3", "3,4", "4,5"]), 3 * 4 * 5 * 2);
        assert_eq!(macs_of("ij->ji", &["3,4"]), 0);
        assert_eq!(macs_of("ij,jk->ik", &["2,J", "J,5"]), 0);
    }
}
