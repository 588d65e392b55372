//! The small int64 tensors a shape computation holds while the reader folds it, and the ops
//! that compute them, as onnx's spec defines them (https://onnx.ai/onnx/operators/): Shape,
//! Gather, Slice, Squeeze, Unsqueeze, Concat, Reshape, Transpose, ConstantOfShape, Cast,
//! Identity, Add, Sub, Mul, Div and Mod, on values known at export time or naming a symbolic
//! dimension of a typed tensor.
//!
//! Why these: they are what exporters emit between a `Shape` and the node that reads the result
//! — torch's `x.view(b, g, c // g, h, w)` and `torch.chunk`, `F.pad`'s pads (a `Mod` for the
//! padding to a multiple, then `ConstantOfShape → Concat → Reshape [-1, 2] → Slice (reversed) →
//! Transpose → Reshape` to reorder them), tf2onnx's and jax2tf's strided slices. Arithmetic on a
//! symbolic dimension is refused unless it is the identity (`N + 0`, `N * 1`), so a folded value
//! is always exactly what the run-time computation gives.

use crate::attr;
use zoo_proto::NodeProto;

/// One element of a shape computed at run time.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Elem {
    Known(i64),
    /// Axis `axis` of value `of`, whose size is the symbol `sym` (e.g. the batch `N`).
    Sym {
        of: String,
        axis: usize,
        sym: String,
    },
}

/// A shape value: a small int64 tensor, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ShapeValue {
    pub elems: Vec<Elem>,
    pub dims: Vec<usize>,
    /// An Equal's result (elements 0 and 1), for a Where; never written as a constant.
    pub boolean: bool,
}

/// The most elements a computed value may have (a ConstantOfShape of an image's shape is data,
/// not shape arithmetic).
const MAX_ELEMS: usize = 4096;

impl ShapeValue {
    pub fn known(values: &[i64], dims: Vec<usize>) -> Self {
        ShapeValue { elems: values.iter().map(|&v| Elem::Known(v)).collect(), dims, boolean: false }
    }

    /// Other elements of the same element type.
    fn with(&self, elems: Vec<Elem>, dims: Vec<usize>) -> Self {
        ShapeValue { elems, dims, boolean: self.boolean }
    }

    pub fn vector(elems: Vec<Elem>) -> Self {
        let n = elems.len();
        ShapeValue { elems, dims: vec![n], boolean: false }
    }

    pub fn is_scalar(&self) -> bool {
        self.dims.is_empty()
    }

    /// Its values, when every one is known at export time.
    pub fn values(&self) -> Option<Vec<i64>> {
        self.elems.iter().map(|e| if let Elem::Known(v) = e { Some(*v) } else { None }).collect()
    }

    /// The first element not known at export time, said for a reason line.
    pub fn unknown(&self) -> Option<String> {
        self.elems.iter().find_map(|e| match e {
            Elem::Sym { of, axis, sym } => Some(format!("axis {axis} of `{of}` ({sym})")),
            Elem::Known(_) => None,
        })
    }
}

/// onnx's `TensorProto.INT64`: a Cast to it leaves a shape value as it is.
const INT64: i64 = 7;

/// ConstantOfShape's int64 fill value (its default fill is float 0).
fn fill(node: &NodeProto) -> Option<i64> {
    crate::proto_util::tensor_i64(attr::get_tensor(node, "value")?)?.first().copied()
}

/// Shape's output for a tensor of dimensions `dims` (known, or symbols of a typed tensor): its
/// `start`..`end` (opset 15), clamped as the spec says.
pub(super) fn shape(node: &NodeProto, dims: Vec<Elem>) -> ShapeValue {
    let rank = dims.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
    let start = clamp(attr::get_int(node, "start").unwrap_or(0));
    let end = clamp(attr::get_int(node, "end").unwrap_or(rank)).max(start);
    ShapeValue::vector(dims[start..end].to_vec())
}

type Known<'a> = dyn Fn(usize, &str) -> Result<Option<Vec<i64>>, String> + 'a;

/// What `node` computes from `inputs` (one per node input; `None` for an absent optional one or
/// an input that is not a shape value), or why it cannot be computed at export time; `None`
/// when it is not shape arithmetic — data made from the values (a Cast to float for a scale, a
/// float ConstantOfShape for a mask, a Range, an Expand), which reads them as constants.
pub(super) fn evaluate(node: &NodeProto, inputs: &[Option<&ShapeValue>]) -> Result<Option<ShapeValue>, String> {
    let op = node.op_type.as_deref().unwrap_or_default();
    let input = |k: usize| inputs.get(k).copied().flatten();
    let data = input(0).ok_or_else(|| format!("{op}'s first input is not a shape computed before it"))?;
    // An index, axis or bound must be known; a symbolic one would make the result's length unknown.
    let known = |k: usize, what: &str| -> Result<Option<Vec<i64>>, String> {
        match input(k) {
            None => Ok(None),
            Some(v) => v.values().map(Some).ok_or_else(|| format!("{what} is not known at export time")),
        }
    };
    let value = match op {
        "Identity" => Ok(data.clone()),
        "Shape" => Ok(shape(node, data.dims.iter().map(|&d| Elem::Known(d as i64)).collect())),
        "Cast" if attr::get_int(node, "to") == Some(INT64) => Ok(data.clone()),
        "Gather" => {
            if data.dims.len() != 1 || !matches!(attr::get_int(node, "axis").unwrap_or(0), 0 | -1) {
                return Err("gathers from a shape along an axis other than its one".into());
            }
            let idx = known(1, "the index")?.ok_or("has no index")?;
            let n = data.elems.len() as i64;
            let elems = idx
                .iter()
                .map(|&i| {
                    let j = if i < 0 { i + n } else { i };
                    usize::try_from(j)
                        .ok()
                        .and_then(|j| data.elems.get(j).cloned())
                        .ok_or_else(|| format!("index {i} out of range of a shape of {n}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(data.with(elems, input(1).map(|i| i.dims.clone()).unwrap_or_default()))
        }
        "Unsqueeze" => {
            let axes = known(1, "the axes")?.or_else(|| attr::get_ints(node, "axes")).ok_or("has no axes")?;
            let out_rank = data.dims.len() + axes.len();
            let mut axes = normalized(&axes, out_rank)?;
            axes.sort_unstable();
            let mut dims = data.dims.clone();
            for a in axes {
                dims.insert(a.min(dims.len()), 1);
            }
            Ok(data.with(data.elems.clone(), dims))
        }
        "Squeeze" => {
            let axes = match known(1, "the axes")?.or_else(|| attr::get_ints(node, "axes")) {
                Some(a) => normalized(&a, data.dims.len())?,
                None => (0..data.dims.len()).filter(|&a| data.dims[a] == 1).collect(),
            };
            if axes.iter().any(|&a| data.dims[a] != 1) {
                return Err("squeezes an axis whose size is not 1".into());
            }
            let dims = data.dims.iter().enumerate().filter(|(a, _)| !axes.contains(a)).map(|(_, &d)| d).collect();
            Ok(data.with(data.elems.clone(), dims))
        }
        "Concat" => {
            let mut elems = Vec::new();
            for k in 0..inputs.len() {
                match input(k) {
                    Some(v) if v.dims.len() == 1 => elems.extend(v.elems.iter().cloned()),
                    _ => return Err(format!("joins input {k}, which is not a shape vector")),
                }
            }
            Ok(ShapeValue::vector(elems))
        }
        "Reshape" => reshape(node, data, &known),
        "Transpose" => {
            let perm = match attr::get_ints(node, "perm") {
                Some(p) => normalized(&p, data.dims.len())?,
                None => (0..data.dims.len()).rev().collect(),
            };
            let dims: Vec<usize> = perm.iter().map(|&p| data.dims[p]).collect();
            let from = strides(&data.dims);
            let elems = indices(&dims)
                .map(|idx| data.elems[idx.iter().zip(&perm).map(|(&i, &p)| i * from[p]).sum::<usize>()].clone())
                .collect();
            Ok(data.with(elems, dims))
        }
        "ConstantOfShape" if fill(node).is_some() => {
            let dims = data.values().ok_or("its shape is not known at export time")?;
            let dims = dims
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| format!("a dimension of {d}")))
                .collect::<Result<Vec<_>, _>>()?;
            let n: usize = dims.iter().product();
            if n > MAX_ELEMS {
                return Err(format!("makes {n} elements, data rather than a shape"));
            }
            Ok(ShapeValue::known(&vec![fill(node).unwrap_or_default(); n], dims))
        }
        "Slice" => slice(node, data, &known),
        "Equal" => equal(data, input(1).ok_or("Equal's second input is not a shape or a constant")?),
        "Where" => {
            let (x, y) = (input(1), input(2));
            where_(
                data,
                x.ok_or("Where's x is not a shape or a constant")?,
                y.ok_or("Where's y is not a shape or a constant")?,
            )
        }
        "Add" | "Sub" | "Mul" | "Div" | "Mod" => {
            let rhs = input(1).ok_or_else(|| format!("{op}'s second input is not a shape or a constant"))?;
            let fmod = attr::get_int(node, "fmod").unwrap_or(0) != 0;
            elementwise(op, fmod, data, rhs)
        }
        _ => return Ok(None),
    };
    value.map(Some)
}

/// Axes with negative ones counted from the end, each checked against `rank`.
fn normalized(axes: &[i64], rank: usize) -> Result<Vec<usize>, String> {
    axes.iter()
        .map(|&a| {
            let r = rank as i64;
            let b = if a < 0 { a + r } else { a };
            if (0..r).contains(&b) { Ok(b as usize) } else { Err(format!("axis {a} out of range of rank {rank}")) }
        })
        .collect()
}

/// Row-major strides of `dims`.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for a in (0..dims.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * dims[a + 1];
    }
    s
}

/// Every index of a tensor of `dims`, in row-major order.
fn indices(dims: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let n: usize = dims.iter().product();
    let s = strides(dims);
    (0..n).map(move |flat| dims.iter().enumerate().map(|(a, &d)| (flat / s[a]) % d.max(1)).collect())
}

/// Reshape with a known target: `0` copies the input's dimension (unless `allowzero`), `-1` is
/// the rest.
fn reshape(node: &NodeProto, data: &ShapeValue, known: &Known) -> Result<ShapeValue, String> {
    let target = known(1, "the target shape")?.ok_or("has no target shape")?;
    let allow_zero = attr::get_int(node, "allowzero").unwrap_or(0) != 0;
    let n = data.elems.len();
    let mut dims = Vec::with_capacity(target.len());
    let mut rest = None;
    for (a, &t) in target.iter().enumerate() {
        dims.push(match t {
            0 if !allow_zero => *data.dims.get(a).ok_or("copies a dimension the input does not have")?,
            -1 if rest.is_none() => {
                rest = Some(a);
                1
            }
            t => usize::try_from(t).map_err(|_| format!("a target dimension of {t}"))?,
        });
    }
    let known_part: usize = dims.iter().product();
    if let Some(a) = rest {
        if known_part == 0 || !n.is_multiple_of(known_part) {
            return Err(format!("reshapes {n} elements to {target:?}"));
        }
        dims[a] = n / known_part;
    }
    if dims.iter().product::<usize>() != n {
        return Err(format!("reshapes {n} elements to {target:?}"));
    }
    Ok(data.with(data.elems.clone(), dims))
}

/// Slice along any of the value's axes, bounds clamped as the spec says (opset 10+ inputs, or
/// 1's attributes).
fn slice(node: &NodeProto, data: &ShapeValue, known: &Known) -> Result<ShapeValue, String> {
    let from_attr = |name: &str| attr::get_ints(node, name);
    let starts = known(1, "starts")?.or_else(|| from_attr("starts")).ok_or("has no starts")?;
    let ends = known(2, "ends")?.or_else(|| from_attr("ends")).ok_or("has no ends")?;
    let axes = match known(3, "axes")?.or_else(|| from_attr("axes")) {
        Some(a) => normalized(&a, data.dims.len())?,
        None => (0..starts.len()).collect(),
    };
    let steps = known(4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() || data.is_scalar() {
        return Err("slices with bounds of different lengths".into());
    }
    // Which positions of each axis are kept, in order.
    let mut kept: Vec<Vec<usize>> = data.dims.iter().map(|&d| (0..d).collect()).collect();
    for (k, &axis) in axes.iter().enumerate() {
        let (n, step) = (data.dims[axis] as i64, steps[k]);
        if step == 0 {
            return Err("slices with step 0".into());
        }
        let resolve = |v: i64| if v < 0 { v.saturating_add(n) } else { v };
        let (mut i, end) = if step > 0 {
            (resolve(starts[k]).clamp(0, n), resolve(ends[k]).clamp(0, n))
        } else {
            (resolve(starts[k]).clamp(0, n - 1), resolve(ends[k]).clamp(-1, n - 1))
        };
        kept[axis].clear();
        while (step > 0 && i < end) || (step < 0 && i > end) {
            kept[axis].push(i as usize);
            i += step;
        }
    }
    let dims: Vec<usize> = kept.iter().map(Vec::len).collect();
    let s = strides(&data.dims);
    let elems = indices(&dims)
        .map(|idx| data.elems[idx.iter().enumerate().map(|(a, &i)| kept[a][i] * s[a]).sum::<usize>()].clone())
        .collect();
    Ok(data.with(elems, dims))
}

/// `f` of the values' elements, broadcast as numpy does; `boolean` says what the result holds.
fn broadcast(
    op: &str,
    values: &[&ShapeValue],
    boolean: bool,
    f: impl Fn(&[Elem]) -> Result<Elem, String>,
) -> Result<ShapeValue, String> {
    let rank = values.iter().map(|v| v.dims.len()).max().unwrap_or(0);
    let padded: Vec<Vec<usize>> =
        values.iter().map(|v| [vec![1; rank - v.dims.len()], v.dims.clone()].concat()).collect();
    let mut dims = vec![1; rank];
    for d in &padded {
        for (a, &x) in d.iter().enumerate() {
            match (dims[a], x) {
                (o, x) if o == x || x == 1 => {}
                (1, x) => dims[a] = x,
                _ => return Err(format!("{op} of shapes {:?}", values.iter().map(|v| &v.dims).collect::<Vec<_>>())),
            }
        }
    }
    let strides: Vec<Vec<usize>> = padded.iter().map(|d| strides(d)).collect();
    indices(&dims)
        .map(|idx| {
            let elems: Vec<Elem> = values
                .iter()
                .zip(&padded)
                .zip(&strides)
                .map(|((v, d), s)| {
                    v.elems[idx.iter().enumerate().map(|(k, &i)| if d[k] == 1 { 0 } else { i * s[k] }).sum::<usize>()]
                        .clone()
                })
                .collect();
            f(&elems)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|elems| ShapeValue { elems, dims, boolean })
}

/// Add, Sub, Mul, Div or Mod of two values.
fn elementwise(op: &str, fmod: bool, a: &ShapeValue, b: &ShapeValue) -> Result<ShapeValue, String> {
    if a.boolean || b.boolean {
        return Err(format!("{op} of a boolean"));
    }
    broadcast(op, &[a, b], false, |e| match (&e[0], &e[1]) {
        (Elem::Known(x), Elem::Known(y)) => known_op(op, fmod, *x, *y).map(Elem::Known),
        // The identities keep a symbolic dimension; any other arithmetic on it is unknown.
        (s @ Elem::Sym { .. }, Elem::Known(0)) if matches!(op, "Add" | "Sub") => Ok(s.clone()),
        (s @ Elem::Sym { .. }, Elem::Known(1)) if matches!(op, "Mul" | "Div") => Ok(s.clone()),
        (Elem::Known(0), s @ Elem::Sym { .. }) if op == "Add" => Ok(s.clone()),
        (Elem::Known(1), s @ Elem::Sym { .. }) if op == "Mul" => Ok(s.clone()),
        _ => Err(format!(
            "{op} of a dimension not known at export time ({})",
            ShapeValue::vector(e.to_vec()).unknown().unwrap_or_default()
        )),
    })
}

/// Equal of two values: a symbolic dimension is never negative (torch's `expand` asks whether a
/// size is -1) and equals itself.
fn equal(a: &ShapeValue, b: &ShapeValue) -> Result<ShapeValue, String> {
    broadcast("Equal", &[a, b], true, |e| match (&e[0], &e[1]) {
        (Elem::Known(x), Elem::Known(y)) => Ok(Elem::Known(i64::from(x == y))),
        (Elem::Sym { .. }, Elem::Known(v)) | (Elem::Known(v), Elem::Sym { .. }) if *v < 0 => Ok(Elem::Known(0)),
        (Elem::Sym { sym: x, .. }, Elem::Sym { sym: y, .. }) if x == y => Ok(Elem::Known(1)),
        _ => Err("compares a dimension not known at export time".into()),
    })
}

/// Where(condition, x, y) with a condition known at export time.
fn where_(c: &ShapeValue, x: &ShapeValue, y: &ShapeValue) -> Result<ShapeValue, String> {
    if !c.boolean || x.boolean != y.boolean {
        return Err("selects by a condition that is not a folded Equal".into());
    }
    broadcast("Where", &[c, x, y], x.boolean, |e| match &e[0] {
        Elem::Known(0) => Ok(e[2].clone()),
        Elem::Known(_) => Ok(e[1].clone()),
        Elem::Sym { .. } => Err("selects by a condition not known at export time".into()),
    })
}

fn known_op(op: &str, fmod: bool, x: i64, y: i64) -> Result<i64, String> {
    let overflow = || format!("{op} of {x} and {y} overflows int64");
    match op {
        "Add" => x.checked_add(y).ok_or_else(overflow),
        "Sub" => x.checked_sub(y).ok_or_else(overflow),
        "Mul" => x.checked_mul(y).ok_or_else(overflow),
        _ if y == 0 => Err(format!("divides {x} by 0")),
        // Mod's sign follows the divisor (Python's %), or the dividend with fmod (C's fmod).
        "Mod" if fmod => x.checked_rem(y).ok_or_else(overflow),
        "Mod" => x.checked_rem_euclid(y).map(|r| if r != 0 && y < 0 { r + y } else { r }).ok_or_else(overflow),
        // Integer Div is truncation in ONNX Runtime and floor in numpy: fold only where they agree.
        _ if x % y == 0 || (x >= 0 && y > 0) => x.checked_div(y).ok_or_else(overflow),
        _ => Err(format!("divides {x} by {y}, which runtimes round differently")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, attrs: Vec<zoo_proto::AttributeProto>) -> NodeProto {
        NodeProto { op_type: Some(op.into()), attribute: attrs, ..Default::default() }
    }

    fn eval(node: &NodeProto, inputs: &[Option<&ShapeValue>]) -> Result<ShapeValue, String> {
        evaluate(node, inputs).map(|v| v.expect("shape arithmetic"))
    }

    fn vector(v: &[i64]) -> ShapeValue {
        ShapeValue::known(v, vec![v.len()])
    }

    fn sym(axis: usize) -> Elem {
        Elem::Sym { of: "x".into(), axis, sym: "N".into() }
    }

    #[test]
    fn torch_chunk_bounds_fold_to_numbers() {
        // torch.chunk(x, 2, dim=1) on [N, 48, 28, 28]: (C + 1) / 2 * k, as TorchScript writes it.
        let shape = ShapeValue::vector(vec![sym(0), Elem::Known(48), Elem::Known(28), Elem::Known(28)]);
        let c = eval(&node("Gather", vec![attr::int("axis", 0)]), &[Some(&shape), Some(&vector(&[1]))]).unwrap();
        assert_eq!(c, vector(&[48]));
        let c1 = eval(&node("Add", vec![]), &[Some(&c), Some(&vector(&[1]))]).unwrap();
        let half = eval(&node("Div", vec![]), &[Some(&c1), Some(&vector(&[2]))]).unwrap();
        assert_eq!(half.values(), Some(vec![24]), "floor((48 + 1) / 2)");
    }

    #[test]
    fn torch_pad_reorders_its_pads_by_reshape_slice_transpose() {
        // F.pad(x, (0, 0, 0, r, 0, b)) of Swin: pads (last axis first) → onnx's begin…end order.
        let pads = vector(&[0, 0, 0, 3, 0, 5]);
        let zeros = eval(&node("ConstantOfShape", vec![int64_value(0)]), &[Some(&vector(&[2]))]).unwrap();
        let all = eval(&node("Concat", vec![attr::int("axis", 0)]), &[Some(&pads), Some(&zeros)]).unwrap();
        let pairs = eval(&node("Reshape", vec![]), &[Some(&all), Some(&vector(&[-1, 2]))]).unwrap();
        assert_eq!(pairs.dims, [4, 2]);
        let bounds = [vector(&[-1]), vector(&[i64::MIN + 1]), vector(&[0]), vector(&[-1])];
        let reversed = eval(
            &node("Slice", vec![]),
            &[Some(&pairs), Some(&bounds[0]), Some(&bounds[1]), Some(&bounds[2]), Some(&bounds[3])],
        )
        .unwrap();
        let t = eval(&node("Transpose", vec![attr::ints("perm", &[1, 0])]), &[Some(&reversed)]).unwrap();
        let flat = eval(&node("Reshape", vec![]), &[Some(&t), Some(&vector(&[-1]))]).unwrap();
        assert_eq!(flat.values(), Some(vec![0, 0, 0, 0, 0, 5, 3, 0]), "begins, then ends: H by 5, W by 3");
    }

    fn int64_value(v: i64) -> zoo_proto::AttributeProto {
        let t = zoo_proto::TensorProto {
            data_type: Some(INT64 as i32),
            dims: vec![1],
            int64_data: vec![v],
            ..Default::default()
        };
        attr::tensor("value", t)
    }

    #[test]
    fn symbolic_dimensions_survive_only_identities() {
        let n = ShapeValue { elems: vec![sym(0)], dims: vec![], boolean: false };
        let one = ShapeValue::known(&[1], vec![]);
        assert_eq!(eval(&node("Mul", vec![]), &[Some(&n), Some(&one)]).unwrap(), n);
        let e = eval(&node("Add", vec![]), &[Some(&n), Some(&one)]).unwrap_err();
        assert!(e.contains("axis 0 of `x` (N)"), "{e}");
    }

    #[test]
    fn slices_clamp_and_step_backwards_as_the_spec_says() {
        let v = vector(&[1, 3, 224, 224]);
        let bounds = |s: i64, e: i64, st: i64| {
            let (s, e, st, axes) = (vector(&[s]), vector(&[e]), vector(&[st]), vector(&[0]));
            eval(&node("Slice", vec![]), &[Some(&v), Some(&s), Some(&e), Some(&axes), Some(&st)]).unwrap().values()
        };
        assert_eq!(bounds(2, i64::MAX, 1), Some(vec![224, 224]));
        assert_eq!(bounds(-1, i64::MIN, -1), Some(vec![224, 224, 3, 1]));
        assert_eq!(bounds(0, -2, 1), Some(vec![1, 3]));
    }

    #[test]
    fn integer_division_and_mod_fold_as_runtimes_compute_them() {
        assert_eq!(known_op("Div", false, 7, 2), Ok(3));
        assert_eq!(known_op("Div", false, -8, 2), Ok(-4));
        assert!(known_op("Div", false, -7, 2).is_err());
        assert!(known_op("Div", false, 7, 0).is_err());
        assert!(known_op("Mul", false, i64::MAX, 2).is_err());
        // onnx's node tests test_mod_mixed_sign_int64 and test_mod_mixed_sign_int64 with fmod.
        assert_eq!(known_op("Mod", false, -4, 3), Ok(2));
        assert_eq!(known_op("Mod", false, 4, -3), Ok(-2));
        assert_eq!(known_op("Mod", true, -4, 3), Ok(-1));
        assert_eq!(known_op("Mod", false, 56, 7), Ok(0));
    }
}
