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
pub fn max_gain(n: usize) -> f64 {
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

    pub fn symmetric(m: f64) -> Signal {
        Signal { rectified: 0.0, symmetric: m }
    }
}

/// The output signal of `node` given its activation inputs' signals and its parameter inputs'
/// recipes (`weights[i]` is `None` for activations): each op's own rule ([`crate::ops::OpDef`]'s
/// `signal`); an op zoo does not know passes its first input's signal on.
pub fn propagate(node: &NodeProto, inputs: &[Signal], weights: &[Option<&Init>]) -> Signal {
    match crate::ops::lookup(node.op_type.as_deref().unwrap_or_default()) {
        Some(def) => (def.signal)(node, inputs, weights),
        None => first(inputs),
    }
}

/// The first input's signal (unit where there is none).
pub fn first(inputs: &[Signal]) -> Signal {
    inputs.first().copied().unwrap_or(Signal::UNIT)
}

/// An op that leaves the signal as it is (Identity, Dropout at inference, Flatten, …).
pub fn unchanged(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    first(inputs)
}

/// Conv, Gemm, MatMul: zero-mean weights make the output symmetric whatever the input, of
/// mean square gain·E[x²] + E[b²].
pub fn linear(_: &NodeProto, inputs: &[Signal], weights: &[Option<&Init>]) -> Signal {
    let gain = weights.get(1).copied().flatten().map_or(1.0, weight_gain);
    let bias = weights.get(2).copied().flatten().map_or(0.0, bias_square);
    Signal::symmetric(gain * first(inputs).mean_square() + bias)
}

/// Elements per pooling window (`kernel_shape`'s product).
pub fn window(node: &NodeProto) -> usize {
    attr::get_ints(node, "kernel_shape").unwrap_or_default().iter().product::<i64>().max(1) as usize
}
