//! How much a network's output moves when its weights move by fp16-sized errors: part of
//! `verify`'s tolerance for fp16 files.
//!
//! The fp16 bound 2·u·√(L + 1)·max|r| (see `verify::lossy_tolerance`) assumes every layer's
//! rounding error stays a relative error of the signal. A BatchNorm with trained statistics
//! breaks that: it removes a large per-channel mean and rescales what is left, so the error
//! grows relative to the signal at every such layer (measured with `scripts/peer-check`'s
//! trained-like statistics: fp16 errors of 7–9·u·max|r| on VGG-BN, up to 1.35× that bound).
//!
//! So the network is asked directly. Rounding to fp16 changes each weight w to w·(1 + δ), |δ| ≤
//! u = 2⁻¹¹, and for values that are not special δ behaves as a uniform random variable on
//! [−u, u] (the probabilistic model of rounding error; Higham & Mary, "A new approach to
//! probabilistic rounding error analysis", SIAM J. Sci. Comput. 41, 2019). The fp32 reference
//! is run once with every float initializer times (1 + ξ), ξ uniform on [−u, u) from zoo's
//! seeded stream: the output's largest change d is one draw of the error the weights' rounding
//! makes. An fp16 file also rounds its activations, a second set of independent errors of the
//! same size (√2), and one draw's maximum may fall short of another's (2): the file's output
//! must stay within 2·√2·d of the reference. `scripts/peer-check` measured the fp16 error
//! (PyTorch's fp16 kernels) at 0.94–1.36·d on all 15 torchvision networks.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use zoo_proto::{Message, ModelProto};

/// fp16's unit roundoff, 2⁻¹¹.
pub(crate) const UNIT: f64 = 1.0 / 2048.0;

/// The tolerance's multiple of the measured change: √2 (activations) · 2 (one draw).
pub(crate) const FACTOR: f64 = 2.0 * std::f64::consts::SQRT_2;

/// TensorProto.DataType FLOAT.
const FLOAT: i32 = 1;

/// Writes a copy of the fp32 model at `src` whose float initializers are each times (1 + ξ), ξ
/// uniform on [−u, u), into a temporary file beside `src` (so that its external data, kept as it
/// is, still resolves), removed when the handle drops. Returns it and how many tensors moved.
pub(crate) fn perturbed_copy(src: &Path) -> anyhow::Result<(tempfile::NamedTempFile, usize)> {
    let mut proto = super::read_onnx(src)?;
    let mut moved = 0;
    for t in proto.graph.iter_mut().flat_map(|g| g.initializer.iter_mut()) {
        if t.data_type != Some(FLOAT) {
            continue;
        }
        let name = t.name.clone().unwrap_or_default();
        let stream = || zoo_graph::prng::Stream::new(0, &format!("verify.sensitivity/{name}"));
        if let Some(raw) = t.raw_data.as_mut().filter(|r| !r.is_empty()) {
            // Byte to byte: one new buffer per tensor, no f32 copy of it.
            let s = stream();
            let mut out = Vec::with_capacity(raw.len());
            for (i, b) in raw.chunks_exact(4).enumerate() {
                out.extend_from_slice(&moved_by(f32::from_le_bytes([b[0], b[1], b[2], b[3]]), s, i).to_le_bytes());
            }
            *raw = out.into();
            moved += 1;
        } else if !t.float_data.is_empty() {
            let s = stream();
            for (i, v) in t.float_data.iter_mut().enumerate() {
                *v = moved_by(*v, s, i);
            }
            moved += 1;
        }
    }
    let mut tmp = zoo_graph::write::temp_beside(src, ".onnx.part")
        .with_context(|| format!("cannot write a perturbed copy of {} beside it", src.display()))?;
    tmp.write_all(&ModelProto::encode_to_vec(&proto)).context("writing the perturbed copy")?;
    tmp.flush()?;
    Ok((tmp, moved))
}

/// `v · (1 + ξ)` with ξ = element `i` of `stream`, uniform on [−u, u); in f64, rounded once.
fn moved_by(v: f32, stream: zoo_graph::prng::Stream, i: usize) -> f32 {
    let xi = (2.0 * stream.unit_at(i as u64) - 1.0) * UNIT;
    (f64::from(v) * (1.0 + xi)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_moves_by_at_most_one_unit_and_the_same_way_each_time() {
        let base: Vec<f32> = (1..=1000).map(|i| i as f32 * 0.37 - 150.0).collect();
        let moved = |s: zoo_graph::prng::Stream| -> Vec<f32> {
            base.iter().enumerate().map(|(i, &v)| moved_by(v, s, i)).collect()
        };
        let a = moved(zoo_graph::prng::Stream::new(0, "t"));
        assert_eq!(a, moved(zoo_graph::prng::Stream::new(0, "t")));
        assert_ne!(a, moved(zoo_graph::prng::Stream::new(0, "u")));
        let rel: Vec<f64> = a.iter().zip(&base).map(|(p, x)| f64::from(*p) / f64::from(*x) - 1.0).collect();
        assert!(rel.iter().all(|r| r.abs() <= UNIT * 1.0001), "{:?}", rel.iter().fold(0f64, |m, r| m.max(r.abs())));
        // Spread over the whole interval, both signs.
        let (lo, hi) = rel.iter().fold((0f64, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        assert!(lo < -0.9 * UNIT && hi > 0.9 * UNIT, "{lo} {hi}");
    }
}
