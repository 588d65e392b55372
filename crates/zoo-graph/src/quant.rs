//! The arithmetic of 8-bit linear quantization, `r = s·(q − z)` (ONNX QuantizeLinear /
//! DequantizeLinear, https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html), and the
//! calibration statistics that choose `s` and `z` for activations.
//!
//! Scales and zero points are computed the way ONNX Runtime's quantizer computes them
//! (`onnxruntime/quantization/quant_utils.py`, `compute_scale_zp` and `quantize_nparray`,
//! version 1.31), so that zoo's files can be compared with `quantize_static`'s value for value:
//! the range is widened to hold 0, made symmetric where asked, `s = (rmax − rmin)/(qmax − qmin)`
//! in f64 and stored as f32, `z = round(qmin − rmin/s)` (round half to even) — or the middle of
//! the range when symmetric —, and weights are `clamp(round(w / s), qmin, qmax)` in f32.

use std::fmt;

use crate::tensor::DType;

/// Which int8 flavour a file is written for (`--int8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Asymmetric uint8 activations, symmetric int8 weights: ONNX Runtime's fast path on AVX2
    /// and older x86 (its U8S8 kernels).
    U8S8,
    /// Asymmetric int8 activations, symmetric int8 weights: ONNX Runtime's S8S8 kernels (ARM;
    /// on x86 it leaves part of such a graph in float, see [`Scheme::for_this_cpu`]).
    S8S8,
    /// Symmetric int8 activations (zero points 0) and per-channel weights: what TensorRT's
    /// explicit quantization accepts. ReLUs stay (a symmetric range cannot clamp at zero).
    TensorRt,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        Some(match s {
            "u8s8" => Scheme::U8S8,
            "s8s8" => Scheme::S8S8,
            "tensorrt" => Scheme::TensorRt,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::U8S8 => "u8s8",
            Scheme::S8S8 => "s8s8",
            Scheme::TensorRt => "tensorrt",
        }
    }

    /// The element type of quantized activations.
    pub fn activation_type(self) -> DType {
        match self {
            Scheme::U8S8 => DType::U8,
            Scheme::S8S8 | Scheme::TensorRt => DType::I8,
        }
    }

    pub fn symmetric_activations(self) -> bool {
        self == Scheme::TensorRt
    }

    /// `(qmin, qmax)` of activations: the type's full range, or ±127 when symmetric (as ONNX
    /// Runtime's `get_qmin_qmax_for_qType(…, symmetric=True)`).
    pub fn activation_range(self) -> (i32, i32) {
        match self {
            Scheme::U8S8 => (0, 255),
            Scheme::S8S8 => (-128, 127),
            Scheme::TensorRt => (-127, 127),
        }
    }

    /// The scheme ONNX Runtime's CPU kernels run fastest on this machine, and why (for the
    /// report). On x86 that is U8S8 with or without VNNI: VNNI's `vpdpbusd` multiplies uint8
    /// by int8, and ONNX Runtime 1.31 fuses every QDQ layer of a U8S8 file into QLinearConv /
    /// QLinearAdd, while with int8 activations it leaves the Convs and Adds whose input has
    /// more than one reader in float (measured on an AVX-512 VNNI EPYC, ResNet-18 batch 8:
    /// U8S8 3.4× the fp32 file's images/s, S8S8 1.2×, with `zoo bench FILE --batch 8
    /// --threads 2` on the three files). On ARM, S8S8.
    pub fn for_this_cpu() -> (Scheme, String) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        {
            let vnni = std::arch::is_x86_feature_detected!("avx512vnni");
            let why = if vnni {
                "x86 with AVX-512 VNNI: ONNX Runtime fuses every layer of a u8s8 file, not of an s8s8 one"
            } else if std::arch::is_x86_feature_detected!("avx2") {
                "x86 with AVX2, no VNNI: ONNX Runtime's u8s8 kernels"
            } else {
                "x86 without AVX2: ONNX Runtime's u8s8 kernels"
            };
            (Scheme::U8S8, why.into())
        }
        #[cfg(target_arch = "aarch64")]
        {
            (Scheme::S8S8, "ARM: ONNX Runtime's s8s8 kernels (int8 dot products)".into())
        }
        #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
        {
            (Scheme::U8S8, "unknown CPU architecture".into())
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Scale and zero point of one quantized tensor (or one channel of it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QParams {
    pub scale: f32,
    pub zero_point: i32,
}

/// `s` and `z` for values in `[rmin, rmax]` mapped onto `[qmin, qmax]` (ONNX Runtime's
/// `compute_scale_zp`). A range that collapses to zero gives `s = 1, z = 0`, as there.
pub fn scale_zero_point(rmin: f32, rmax: f32, qmin: i32, qmax: i32, symmetric: bool) -> QParams {
    let (mut lo, mut hi) = (f64::from(rmin.min(0.0)), f64::from(rmax.max(0.0)));
    if symmetric {
        let m = lo.abs().max(hi.abs());
        (lo, hi) = (-m, m);
    }
    let scale = (hi - lo) / f64::from(qmax - qmin);
    // NaN (an infinite range) falls here too.
    if scale.is_nan() || scale < f64::from(f32::MIN_POSITIVE) {
        return QParams { scale: 1.0, zero_point: 0 };
    }
    let zero_point = if symmetric {
        (f64::from(qmin + qmax) / 2.0).round_ties_even()
    } else {
        (f64::from(qmin) - lo / scale).round_ties_even()
    };
    QParams { scale: scale as f32, zero_point: zero_point.clamp(f64::from(qmin), f64::from(qmax)) as i32 }
}

/// Per-channel symmetric int8 weights: `s = max|w|/127`, `z = 0` (ONNX Runtime's
/// `quantize_data(…, INT8, symmetric=True)`: range ±127).
pub fn weight_params(rmin: f32, rmax: f32) -> QParams {
    scale_zero_point(rmin, rmax, -127, 127, true)
}

/// One weight, quantized as ONNX Runtime's `quantize_nparray` does: `w / s` in f32, rounded
/// half to even, plus the zero point, clipped to int8.
pub fn quantize_weight(w: f32, p: QParams) -> i8 {
    ((w / p.scale).round_ties_even() + p.zero_point as f32).clamp(-128.0, 127.0) as i8
}

/// A bias as int32 at scale `s_x·s_w` (f32 product, as ONNX Runtime computes it), zero point 0:
/// `round(b / (s_x·s_w))` in f64, clipped to int32. Also returns whether any value clipped.
pub fn quantize_bias(b: f32, scale: f32) -> (i32, bool) {
    let q = (f64::from(b) / f64::from(scale)).round_ties_even();
    let clipped = q < f64::from(i32::MIN) || q > f64::from(i32::MAX);
    (q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32, clipped)
}

/// How activation ranges are chosen from the calibration statistics (`--calibration-method`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The smallest and largest value seen (ONNX Runtime's `CalibrationMethod.MinMax`).
    MinMax,
    /// Cut `(100 − p)/2` percent of the values off each end (`p/100` of |x| when symmetric),
    /// never beyond what was seen (ONNX Runtime's `Percentile`, default p = 99.99).
    Percentile(f64),
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::MinMax => f.write_str("minmax"),
            Method::Percentile(p) => write!(f, "percentile {p}"),
        }
    }
}

/// Bins of the calibration histogram: the top 16 bits of an f32's bit pattern (sign, exponent
/// and 7 mantissa bits), so every float has a bin whatever the tensor's range, each bin spans
/// at most 2⁻⁷ of its values' magnitude, and no range has to be known before the first input.
const BINS: usize = 1 << 16;
/// The sign bit's place in a bin index.
const NEGATIVE: usize = BINS / 2;

/// What calibration saw of one tensor over every calibration input.
#[derive(Debug, Clone)]
pub struct Stats {
    pub min: f32,
    pub max: f32,
    pub count: u64,
    /// Counts per bin (see [`BINS`]); empty for MinMax, which needs none.
    hist: Vec<u64>,
}

impl Stats {
    pub fn new(histogram: bool) -> Stats {
        Stats {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            count: 0,
            hist: if histogram { vec![0; BINS] } else { vec![] },
        }
    }

    pub fn add(&mut self, values: &[f32]) {
        let histogram = !self.hist.is_empty();
        for &x in values.iter().filter(|x| !x.is_nan()) {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
            if histogram {
                self.hist[(x.to_bits() >> 16) as usize] += 1;
            }
        }
        self.count += values.len() as u64;
    }

    /// The range to quantize to. Percentile without a histogram falls back to MinMax.
    pub fn range(&self, method: Method, symmetric: bool) -> (f32, f32) {
        if self.count == 0 || self.min > self.max {
            return (0.0, 0.0);
        }
        let Method::Percentile(p) = method else { return (self.min, self.max) };
        if self.hist.is_empty() {
            return (self.min, self.max);
        }
        let total = self.hist.iter().sum::<u64>() as f64;
        let keep = (p / 100.0).clamp(0.0, 1.0);
        if symmetric {
            // |x|: the positive bin of a magnitude plus its negative twin.
            let mut cum = 0.0;
            for b in 0..NEGATIVE {
                cum += (self.hist[b] + self.hist[b | NEGATIVE]) as f64;
                if cum >= keep * total {
                    let t = upper_edge(b as u32);
                    return ((-t).max(self.min), t.min(self.max));
                }
            }
            return (self.min, self.max);
        }
        let cut = (1.0 - keep) / 2.0 * total;
        // Signed order: the most negative bin first (negative bins have the sign bit set and
        // grow in magnitude with the index), then the positive ones.
        let order = (0..NEGATIVE).rev().map(|b| b | NEGATIVE).chain(0..NEGATIVE);
        let (mut lo, mut hi) = (self.min, self.max);
        let mut cum = 0.0;
        let mut found_lo = false;
        for b in order {
            let c = self.hist[b] as f64;
            if c == 0.0 {
                continue;
            }
            cum += c;
            if !found_lo && cum > cut {
                lo = lower_edge(b as u32).max(self.min);
                found_lo = true;
            }
            if cum >= total - cut {
                hi = upper_edge(b as u32).min(self.max);
                break;
            }
        }
        (lo, hi)
    }
}

/// The value of bin `b` farthest from zero (its magnitude's upper edge, with its sign).
fn upper_edge(b: u32) -> f32 {
    f32::from_bits((b << 16) | 0xFFFF)
}

/// The lowest value of bin `b` in signed order (the negative bins' far edge).
fn lower_edge(b: u32) -> f32 {
    if b & 0x8000 != 0 { upper_edge(b) } else { f32::from_bits(b << 16) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values checked against ONNX Runtime 1.31's `compute_scale_zp` (numpy) by hand.
    #[test]
    fn scales_and_zero_points_follow_onnx_runtime() {
        // uint8, range [-1, 3]: s = 4/255, z = round(0 + 1/s) = round(63.75) = 64.
        let p = scale_zero_point(-1.0, 3.0, 0, 255, false);
        assert_eq!(p, QParams { scale: (4.0f64 / 255.0) as f32, zero_point: 64 });
        // After a ReLU the range starts at 0: z = qmin.
        assert_eq!(scale_zero_point(0.0, 6.0, 0, 255, false).zero_point, 0);
        assert_eq!(scale_zero_point(0.0, 6.0, -128, 127, false).zero_point, -128);
        // A range that does not hold 0 is widened to.
        assert_eq!(scale_zero_point(2.0, 4.0, 0, 255, false), scale_zero_point(0.0, 4.0, 0, 255, false));
        // Symmetric: ±max, zero point in the middle.
        let p = scale_zero_point(-0.5, 2.0, -127, 127, true);
        assert_eq!(p, QParams { scale: (4.0f64 / 254.0) as f32, zero_point: 0 });
        // Collapsed range.
        assert_eq!(scale_zero_point(0.0, 0.0, 0, 255, false), QParams { scale: 1.0, zero_point: 0 });
        // Weights: max |w| maps to ±127.
        let w = weight_params(-0.25, 0.127);
        assert_eq!(quantize_weight(-0.25, w), -127);
        assert_eq!(quantize_weight(0.0, w), 0);
        assert_eq!(quantize_weight(-0.25 * 3.0, w), -128);
        // Half to even, like numpy's round.
        assert_eq!(quantize_weight(2.5, QParams { scale: 1.0, zero_point: 0 }), 2);
        assert_eq!(quantize_bias(1.5, 1.0), (2, false));
        assert_eq!(quantize_bias(1e12, 1e-3), (i32::MAX, true));
    }

    #[test]
    fn percentile_cuts_the_tails_and_minmax_keeps_them() {
        let mut s = Stats::new(true);
        let mut v: Vec<f32> = (0..100_000).map(|i| i as f32 / 100_000.0).collect();
        v.push(1000.0);
        v.push(-50.0);
        s.add(&v);
        assert_eq!(s.range(Method::MinMax, false), (-50.0, 1000.0));
        let (lo, hi) = s.range(Method::Percentile(99.99), false);
        // 5 values cut at each end: the outliers go, the bulk stays (to the bins' 2⁻⁷).
        assert!((0.0..1e-4).contains(&lo), "{lo}");
        assert!((0.99..=1.0).contains(&hi), "{hi}");
        let (slo, shi) = s.range(Method::Percentile(99.99), true);
        assert_eq!(slo, -shi);
        assert!((0.99..=1.0).contains(&shi), "{shi}");
        // Never beyond what was seen.
        let mut one = Stats::new(true);
        one.add(&[0.5; 10]);
        assert_eq!(one.range(Method::Percentile(99.99), false), (0.5, 0.5));
    }
}
