//! LRN — https://onnx.ai/onnx/operators/onnx__LRN.html
//!
//! Opset history: 1, 13 (bfloat16 only): the same attributes at every opset zoo emits.
//!
//! ONNX defines `y = x / (bias + alpha / size · Σ x²)^beta` over `size` neighbouring channels.
//! Krizhevsky et al. 2012 (§3.3) write `b = a / (k + α Σ a²)^β` with no division by n, so the
//! paper's α must be multiplied by n to express it in ONNX; Caffe (and so BVLC AlexNet), like
//! ONNX, divides by n, and its α goes in unchanged. [`Lrn::paper`] and [`Lrn::caffe`] make the
//! two readings explicit. ONNX Runtime rejects an even `size`.

use zoo_proto::NodeProto;

use super::def::*;
use super::rank;
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

/// The ONNX LRN attributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lrn {
    pub size: usize,
    /// ONNX's alpha: divided by `size` inside the op.
    pub alpha: f32,
    pub beta: f32,
    pub bias: f32,
}

impl Lrn {
    /// The paper's formula with its constants `k, n, α, β`: ONNX alpha = α · n (computed in
    /// f64, so that 1e-4 · 5 lands on the f32 nearest to 5e-4).
    pub fn paper(k: f32, n: usize, alpha: f64, beta: f32) -> Self {
        Lrn { size: n, alpha: (alpha * n as f64) as f32, beta, bias: k }
    }

    /// Caffe's `LRNParameter` (`local_size`, `alpha`, `beta`, `k`): Caffe already divides α by n.
    pub fn caffe(local_size: usize, alpha: f32, beta: f32, k: f32) -> Self {
        Lrn { size: local_size, alpha, beta, bias: k }
    }
}

impl Layer for Lrn {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(
            name,
            DEF.name,
            inputs,
            vec![
                attr::float("alpha", self.alpha),
                attr::float("beta", self.beta),
                attr::float("bias", self.bias),
                attr::int("size", self.size as i64),
            ],
        )
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    rank(&inputs[0], 4)?;
    match attr::get_int(node, "size") {
        Some(s) if s > 0 => Ok(vec![inputs[0].clone()]),
        _ => Err(ShapeError::Attribute { name: "size".into(), reason: "required and positive".into() }),
    }
}

fn describe(node: &NodeProto) -> String {
    format!(
        "n={} α={} β={} k={}{}",
        attr::get_int(node, "size").unwrap_or(0),
        attr::get_float(node, "alpha").unwrap_or(1e-4),
        attr::get_float(node, "beta").unwrap_or(0.75),
        attr::get_float(node, "bias").unwrap_or(1.0),
        paper_alpha(node)
    )
}

/// ONNX divides LRN's alpha by `size`; Krizhevsky et al. 2012 (§3.3) do not. The table says
/// which is which so that the file's 0.0005 is not read as the paper's α = 1e-4.
fn paper_alpha(node: &NodeProto) -> String {
    let alpha = attr::get_float(node, "alpha").unwrap_or(1e-4);
    let size = attr::get_int(node, "size").unwrap_or(1).max(1) as f64;
    // Six significant digits, below f32's precision, so 5e-4 / 5 prints as 0.0001 and not as
    // the f32 quotient's 0.000100000005.
    let paper = f64::from(alpha) / size;
    let scale = if paper == 0.0 { 1.0 } else { 10f64.powi(5 - paper.abs().log10().floor() as i32) };
    format!(" (ONNX α; paper α = α/n = {})", (paper * scale).round() / scale)
}

pub(super) const DEF: OpDef = OpDef {
    name: "LRN",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__LRN.html",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[Form { since: 1, change: "first version" }, Form { since: 13, change: "bfloat16" }],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Free,
    describe,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Norm, Title::Lrn),
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: Example {
        attrs: &[ExampleAttr::Int("size", 5)],
        inputs: &[(DType::F32, &[1, 8, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 8, 4, 4]),
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_alpha_is_scaled_by_n() {
        let l = Lrn::paper(2.0, 5, 1e-4, 0.75);
        assert_eq!((l.size, l.bias, l.beta), (5, 2.0, 0.75));
        assert_eq!(l.alpha, 5e-4_f32);
        let c = Lrn::caffe(5, 1e-4, 0.75, 1.0);
        assert_eq!(c.alpha, 1e-4);
    }
}
