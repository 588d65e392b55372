//! How far a file's outputs may be from their reference: fp32 runtimes agree within the
//! manifest's tolerance (or [`DEFAULT_TOLERANCE`]); an fp16 or int8 file, whose every layer
//! rounds, within a budget that grows with its depth ([`lossy_tolerance`]).

use zoo_runtime::Tensor;
use zoo_runtime::compare::Tolerance;

/// Tolerance for files without a manifest: fp32 runtimes agree far closer than this.
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance { atol: 1e-4, rtol: 1e-3 };

/// The tolerance's multiple of the fp32 reference's measured sensitivity (`sensitivity.rs`):
/// √2 (activations round too) · 2 (one draw's maximum may fall short of another's).
pub const SENSITIVITY_FACTOR: f64 = 2.0 * std::f64::consts::SQRT_2;

/// max|x| of a tensor.
pub fn max_abs(t: &Tensor) -> f64 {
    t.data.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()))
}

/// fp16's unit roundoff: half the spacing of fp16 values at 1, 2⁻¹¹.
pub const FP16_UNIT: f64 = 1.0 / 2048.0;

/// int8's: a tensor quantized to 255 steps over its range is rounded by half a step, 2⁻⁹ of
/// the range, at most; with u = 2⁻⁸ the bound below allows four half-steps per layer, for
/// the weights' rounding and the ranges' clipping on top of the activations'.
pub const INT8_UNIT: f64 = 1.0 / 256.0;

/// The `tensorrt` scheme's: symmetric int8 activations with zero point 0 and the ReLUs kept,
/// so a ReLU's output (every conv's, in these nets) uses only the 127 positive steps — each
/// step twice u8's. Measured on alexnet/torchvision, MinMax, 8 seeded inputs: ONNX Runtime
/// 0.295 and OpenVINO 0.387 off the fp32 output against the 0.337 that 2⁻⁸ allowed, while
/// every layer of both stays at 34.9–72.0 dB SQNR against the other.
pub const INT8_SYMMETRIC_UNIT: f64 = 1.0 / 128.0;

/// An int8 file's layers are judged by SQNR, not element by element: percentile calibration
/// clips the rare largest values on purpose, and a value rounded to the neighbouring step by
/// one runtime moves the values after it, so a layer's worst element says little, its noise
/// power a lot. 20 dB (noise at 1% of the signal's power)
/// is far below what 8-bit rounding of a calibrated tensor gives (30.5–45.4 dB on ResNet-18's
/// layers) and far above a broken weight scale (−69.8 dB at that layer, −10.7 dB after it;
/// `tests/int8.rs`).
pub const INT8_LAYER_SQNR_DB: f64 = 20.0;

/// How a lossy file's output may differ from its fp32 reference.
#[derive(Debug, Clone, Copy)]
pub struct Lossy {
    pub unit: f64,
    pub depth: usize,
    /// The output is a Softmax's: the budget applies to its logits (see [`lossy_tolerance`]).
    pub softmax: bool,
    /// `verify --layers` judges layers by SQNR ≥ this instead of element-wise (int8).
    pub layer_sqnr_db: Option<f64>,
}

impl Lossy {
    /// The relative budget, 2·u·√(L + 1).
    pub fn rtol(self) -> f64 {
        2.0 * self.unit * ((self.depth + 1) as f64).sqrt()
    }
}

/// The tolerance an fp16 or int8 file's output must meet against its fp32 reference `r`, on
/// top of the fp32 tolerance: every one of the L layers on the longest path rounds its weights
/// and its output, each an error of at most u of the signal's scale (fp16: u = 2⁻¹¹ relative;
/// int8: u = 2⁻⁸ of the tensor's range). Those errors are independent and add in quadrature,
/// so the output's error stays within 2·u·√(L + 1)·max|r| (fp16, measured on five of zoo's
/// seeded nets: 0.75–1.4 u of max|r|, 5–17× inside the bound; int8: see the closing notes of
/// the int8 issue and `tests/int8.rs`).
///
/// Through a Softmax the budget holds for the logits z, not for the probabilities:
/// Δp_i = p_i·(Δz_i − Σ_j p_j Δz_j), so |Δp_i| ≤ 2·p_i·max|Δz| with max|Δz| ≤ 2u√(L+1)·max|z|,
/// and max|z| of centred logits is at most their spread, max ln p − min ln p (read back from
/// the reference's probabilities): an element-wise bound 2·(2u√(L+1))·spread·p_i.
///
/// For fp16 files, `sensitivity` is how far fp16-sized weight errors moved the fp32 reference's
/// output (see `sensitivity.rs`): the tolerance is at least 2·√2 times that, which holds where
/// the formula above does not (BatchNorm with trained statistics amplifies errors).
pub fn lossy_tolerance(base: Tolerance, lossy: Lossy, reference: &Tensor, sensitivity: Option<f64>) -> Tolerance {
    let tol = formula_tolerance(base, lossy, reference);
    match sensitivity {
        Some(d) => Tolerance { atol: tol.atol.max(base.atol + SENSITIVITY_FACTOR * d), rtol: tol.rtol },
        None => tol,
    }
}

fn formula_tolerance(base: Tolerance, lossy: Lossy, reference: &Tensor) -> Tolerance {
    if lossy.softmax {
        let (lo, hi) = reference
            .data
            .iter()
            .filter(|&&x| x > 0.0)
            .fold((f64::INFINITY, 0f64), |(lo, hi), &x| (lo.min(f64::from(x)), hi.max(f64::from(x))));
        let spread = if hi > 0.0 { hi.ln() - lo.max(f64::from(f32::MIN_POSITIVE)).ln() } else { 0.0 };
        return Tolerance { atol: base.atol, rtol: base.rtol + 2.0 * lossy.rtol() * spread };
    }
    Tolerance { atol: base.atol + lossy.rtol() * max_abs(reference), rtol: base.rtol }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fp16 tolerance is the formula's or 2√2 times the measured sensitivity, whichever is
    /// larger; for a Softmax output the formula is relative and the sensitivity absolute.
    #[test]
    fn the_measured_sensitivity_widens_the_fp16_tolerance_only_beyond_the_formula() {
        let base = Tolerance { atol: 1e-5, rtol: 1e-4 };
        let lossy = Lossy { unit: FP16_UNIT, depth: 15, softmax: false, layer_sqnr_db: None };
        let r = Tensor::new("y", vec![1, 4], vec![-2.0, 0.5, 4.0, 1.0]);
        let formula = base.atol + 2.0 * FP16_UNIT * 4.0 * 4.0;
        assert_eq!(lossy_tolerance(base, lossy, &r, None).atol, formula);
        assert_eq!(lossy_tolerance(base, lossy, &r, Some(1e-4)).atol, formula);
        let wide = lossy_tolerance(base, lossy, &r, Some(0.1));
        assert!((wide.atol - (base.atol + 0.2 * std::f64::consts::SQRT_2)).abs() < 1e-12, "{wide:?}");
        assert_eq!(wide.rtol, base.rtol);
        let soft = Lossy { softmax: true, ..lossy };
        let p = Tensor::new("p", vec![1, 2], vec![0.25, 0.75]);
        let t = lossy_tolerance(base, soft, &p, Some(0.01));
        // The formula's relative part for probabilities: 2·(2u√(L+1))·spread, spread = ln(0.75/0.25).
        assert!((t.rtol - (base.rtol + 2.0 * (2.0 * FP16_UNIT * 4.0) * 3f64.ln())).abs() < 1e-12, "{t:?}");
        assert!((t.atol - (base.atol + 0.02 * std::f64::consts::SQRT_2)).abs() < 1e-12);
    }
}
