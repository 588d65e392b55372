//! Receptive field of every value: size, jump and start per spatial axis.
//!
//! The recurrence of Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
//! Networks", Distill 2019 (https://distill.pub/2019/computing-receptive-fields/), eqs. 1–4,
//! applied layer by layer from the input (r₀ = 1, j₀ = 1, start₀ = 0):
//!
//! - `r_out = r_in + (k_eff − 1) · j_in`, with `k_eff = dilation · (k − 1) + 1`;
//! - `j_out = j_in · stride`;
//! - `start_out = start_in − pad_begin · j_in` — the input pixel index of the left (top) edge of
//!   the first output unit's field; negative when the field reaches into the padding.
//!
//! Where paths meet (Concat of inception branches, the Add of a residual block) the field of
//! the first unit is the union of the branches' fields: from the smallest start to the largest
//! end, i.e. the widest path decides (Araujo et al. §"Handling multiple paths"). Layers that mix
//! every position (Flatten, Gemm, MatMul, Reshape, GlobalAveragePool) see the whole input. Each
//! op's rule is its [`crate::ops::FieldRule`].

use zoo_proto::NodeProto;

use crate::attr;
use crate::ops::{self, FieldRule};
use crate::tensor::TensorInfo;

/// The field of one value, per spatial axis (H, W for images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Local {
        size: Vec<i64>,
        jump: Vec<i64>,
        start: Vec<i64>,
    },
    /// Every output unit depends on the whole input.
    Global,
}

impl Field {
    /// The field of a graph input with `axes` spatial axes: each unit sees itself.
    pub fn input(axes: usize) -> Self {
        Field::Local { size: vec![1; axes], jump: vec![1; axes], start: vec![0; axes] }
    }
}

/// The field of `node`'s outputs from the fields of its data inputs (`None` where unknown) and
/// the shape of its first input. `None` when zoo cannot say.
pub fn propagate(node: &NodeProto, inputs: &[Option<Field>], first_input: Option<&TensorInfo>) -> Option<Field> {
    let op = node.op_type.as_deref().unwrap_or("");
    let known: Vec<&Field> = inputs.iter().flatten().collect();
    if known.is_empty() {
        return None;
    }
    let rule = ops::field(op);
    if rule == FieldRule::Global || known.iter().any(|f| **f == Field::Global) {
        return Some(Field::Global);
    }
    match rule {
        FieldRule::Pointwise => return union(&known),
        FieldRule::Windowed => {}
        FieldRule::Global | FieldRule::Unknown => return None,
    }
    let Field::Local { size, jump, start } = known[0] else { return None };
    let axes = size.len();
    let kernel = attr::get_ints(node, "kernel_shape")?;
    if kernel.len() != axes {
        return None;
    }
    let strides = attr::get_ints(node, "strides").unwrap_or_else(|| vec![1; axes]);
    let dilations = attr::get_ints(node, "dilations").unwrap_or_else(|| vec![1; axes]);
    let pads = pad_begin(node, axes, &kernel, &strides, &dilations, first_input)?;
    let (mut s, mut j, mut st) = (Vec::new(), Vec::new(), Vec::new());
    for a in 0..axes {
        let k_eff = dilations.get(a)?.checked_mul(kernel[a].checked_sub(1)?)?.checked_add(1)?;
        s.push(size[a].checked_add((k_eff - 1).checked_mul(jump[a])?)?);
        j.push(jump[a].checked_mul(*strides.get(a)?)?);
        st.push(start[a].checked_sub(pads[a].checked_mul(jump[a])?)?);
    }
    Some(Field::Local { size: s, jump: j, start: st })
}

fn pad_begin(
    node: &NodeProto,
    axes: usize,
    kernel: &[i64],
    strides: &[i64],
    dilations: &[i64],
    input: Option<&TensorInfo>,
) -> Option<Vec<i64>> {
    let auto = attr::get_string(node, "auto_pad").unwrap_or_else(|| "NOTSET".into());
    match auto.as_str() {
        "NOTSET" => {
            let pads = attr::get_ints(node, "pads").unwrap_or_else(|| vec![0; 2 * axes]);
            (pads.len() == 2 * axes).then(|| pads[..axes].to_vec())
        }
        "VALID" => Some(vec![0; axes]),
        // SAME_*: the total padding makes out = ceil(in / stride); it needs the input size.
        same => {
            let input = input?;
            (0..axes)
                .map(|a| {
                    let n = input.dim(input.rank().checked_sub(axes)? + a)? as i64;
                    let s = *strides.get(a)?;
                    let k_eff = dilations.get(a)? * (kernel[a] - 1) + 1;
                    let out = (n + s - 1) / s;
                    let total = ((out - 1) * s + k_eff - n).max(0);
                    Some(if same == "SAME_LOWER" { total - total / 2 } else { total / 2 })
                })
                .collect()
        }
    }
}

fn union(fields: &[&Field]) -> Option<Field> {
    let Field::Local { size, jump, start } = fields[0].clone() else { return Some(Field::Global) };
    let (mut size, mut jump, mut start) = (size, jump, start);
    for f in &fields[1..] {
        let Field::Local { size: s, jump: j, start: st } = f else { return Some(Field::Global) };
        if s.len() != size.len() {
            return None;
        }
        for a in 0..size.len() {
            let end = (start[a] + size[a]).max(st[a] + s[a]);
            start[a] = start[a].min(st[a]);
            size[a] = end - start[a];
            jump[a] = jump[a].max(j[a]);
        }
    }
    Some(Field::Local { size, jump, start })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(k: i64, s: i64, p: i64) -> NodeProto {
        NodeProto {
            op_type: Some("MaxPool".into()),
            attribute: vec![attr::ints("kernel_shape", &[k]), attr::ints("strides", &[s]), attr::ints("pads", &[p, p])],
            ..Default::default()
        }
    }

    #[test]
    fn one_layer_follows_the_recurrence() {
        let f = propagate(&pool(3, 2, 1), &[Some(Field::input(1))], None).unwrap();
        assert_eq!(f, Field::Local { size: vec![3], jump: vec![2], start: vec![-1] });
        let g = propagate(&pool(3, 2, 1), &[Some(f)], None).unwrap();
        assert_eq!(g, Field::Local { size: vec![7], jump: vec![4], start: vec![-3] });
    }

    #[test]
    fn branches_meet_as_the_union_of_their_fields() {
        let a = Field::Local { size: vec![3], jump: vec![1], start: vec![-1] };
        let b = Field::Local { size: vec![5], jump: vec![1], start: vec![-2] };
        let concat = NodeProto { op_type: Some("Concat".into()), ..Default::default() };
        assert_eq!(propagate(&concat, &[Some(a), Some(b.clone())], None), Some(b));
    }
}
