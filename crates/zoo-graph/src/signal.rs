//! Expected signal scale through a network built with the reference weights: the mean square
//! E[x²] of every value's elements when the input has unit mean square, propagated op by op
//! as signal-propagation analyses do (He et al. 2015, §2.2; De & Smith 2020 for residual nets).
//!
//! Why: BatchNorm at inference is a fixed affine map. Running statistics drawn without regard
//! to the scale of what reaches the layer do not normalise it, and in a residual network every
//! block then multiplies the scale — ResNet-152's logits reach 1e12. Drawing each BatchNorm's
//! running variance around the predicted E[x²] of its input (and its mean around 0 on that
//! scale) makes it normalise as a trained one does, so depth adds variance instead of
//! multiplying it. Only `+ − × ÷ √` are used, so the prediction — and thus the weights — are
//! the same on every machine.

use zoo_proto::NodeProto;

use crate::attr;
use crate::param::Init;

/// E[w²]·fan_in of a weight recipe: the gain of a linear layer on E[x²].
pub fn weight_gain(init: &Init) -> f64 {
    match init {
        Init::HeUniform { .. } => 2.0,
        Init::LecunUniform { .. } => 1.0,
        Init::Uniform { .. } | Init::F32(_) | Init::I64(_) => 1.0,
    }
}

/// E[b²] of a bias recipe.
pub fn bias_square(init: &Init) -> f64 {
    match init {
        Init::Uniform { low, high } => {
            let (l, h) = (f64::from(*low), f64::from(*high));
            (l * l + l * h + h * h) / 3.0
        }
        _ => 0.0,
    }
}

/// E[max²] / E[x²] of a window of `n` rectified values (σ² = 2·E[x²]): √-only fit to the
/// order statistics of normal samples (n = 4: 3.1, n = 9: 5.2), 1 for n = 1.
fn max_gain(n: usize) -> f64 {
    1.0 + 1.4 * ((n.max(1) - 1) as f64).sqrt()
}

/// The mean square of a value, split into a non-negative part (what a ReLU passes whole, e.g.
/// the identity path of a residual block) and a zero-mean symmetric part (what a ReLU halves).
/// Without the split, `relu(x + f(x))` would be predicted to halve the scale at every
/// residual block, and the prediction would drift from the truth by 2× per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    pub rectified: f64,
    pub symmetric: f64,
}

impl Signal {
    pub const UNIT: Signal = Signal { rectified: 0.0, symmetric: 1.0 };

    pub fn mean_square(self) -> f64 {
        self.rectified + self.symmetric
    }

    /// The mean of the elements: a rectified Gaussian part of mean square r has mean √(r/π).
    pub fn mean(self) -> f64 {
        (self.rectified / std::f64::consts::PI).sqrt()
    }

    /// E[x²] − E[x]².
    pub fn variance(self) -> f64 {
        (self.mean_square() - self.mean() * self.mean()).max(f64::MIN_POSITIVE)
    }

    fn symmetric(m: f64) -> Signal {
        Signal { rectified: 0.0, symmetric: m }
    }
}

/// The output signal of `node` given its activation inputs' signals and its parameter inputs'
/// recipes (`weights[i]` is `None` for activations).
pub fn propagate(node: &NodeProto, inputs: &[Signal], weights: &[Option<&Init>]) -> Signal {
    let x = inputs.first().copied().unwrap_or(Signal::UNIT);
    let window = || attr::get_ints(node, "kernel_shape").unwrap_or_default().iter().product::<i64>().max(1) as usize;
    match node.op_type.as_deref().unwrap_or_default() {
        // Zero-mean weights: the output is symmetric whatever the input.
        "Conv" | "Gemm" | "MatMul" => {
            let gain = weights.get(1).copied().flatten().map_or(1.0, weight_gain);
            let bias = weights.get(2).copied().flatten().map_or(0.0, bias_square);
            Signal::symmetric(gain * x.mean_square() + bias)
        }
        "Relu" => Signal { rectified: x.rectified + x.symmetric / 2.0, symmetric: 0.0 },
        "MaxPool" => Signal { rectified: x.mean_square() * max_gain(window()), symmetric: 0.0 },
        // Averages of positively correlated values keep most of the non-negative part's mean
        // and little of the symmetric part.
        "AveragePool" | "GlobalAveragePool" => {
            let n = if node.op_type.as_deref() == Some("GlobalAveragePool") { 49 } else { window() };
            if n > 1 { Signal { rectified: x.rectified / 2.0, symmetric: x.symmetric / 2.0 } } else { x }
        }
        // Normalised to unit variance, then scaled by γ ~ U(0.5, 1.5) (E[γ²] = 13/12) and
        // shifted by β ~ U(±0.25) (E[β²] = 1/48).
        "BatchNormalization" => Signal::symmetric(13.0 / 12.0 + 1.0 / 48.0),
        "Add" => Signal {
            rectified: inputs.iter().map(|s| s.rectified).sum(),
            symmetric: inputs.iter().map(|s| s.symmetric).sum(),
        },
        "Concat" => {
            let n = inputs.len().max(1) as f64;
            Signal {
                rectified: inputs.iter().map(|s| s.rectified).sum::<f64>() / n,
                symmetric: inputs.iter().map(|s| s.symmetric).sum::<f64>() / n,
            }
        }
        _ => x,
    }
}
