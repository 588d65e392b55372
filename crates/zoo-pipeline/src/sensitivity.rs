//! How much a network's output moves when its weights move by fp16-sized errors: part of
//! `verify`'s tolerance for fp16 files.
//!
//! The fp16 bound 2·u·√(L + 1)·max|r| (see `verify::tolerance::lossy_tolerance`) assumes every layer's
//! rounding error stays a relative error of the signal. A BatchNorm with trained statistics
//! breaks that: it removes a large per-channel mean and rescales what is left, so the error
//! grows relative to the signal at every such layer (measured with `scripts/peer-check`'s
//! trained-like statistics on VGG-BN: fp16 errors of 7–9·u·max|r|, PyTorch's fp16 kernels up to
//! 1.13× that bound and ONNX Runtime's weight-only rounding up to 1.35×).
//!
//! So the network is asked directly. Rounding to fp16 changes each weight w to w·(1 + δ), |δ| ≤
//! u = 2⁻¹¹, and for values that are not special δ behaves as a uniform random variable on
//! [−u, u] (the probabilistic model of rounding error; Higham & Mary, "A new approach to
//! probabilistic rounding error analysis", SIAM J. Sci. Comput. 41, 2019). The fp32 reference
//! is run once with every float weight times (1 + ξ), ξ uniform on [−u, u) from zoo's seeded
//! stream: the output's largest change d is one draw of the error the weights' rounding makes.
//! An fp16 file also rounds its activations, a second set of independent errors of the same
//! size (√2), and one draw's maximum may fall short of another's (2): the file's output must
//! stay within 2·√2·d of the reference (`SENSITIVITY_FACTOR`). `scripts/peer-check` measured the fp16 error
//! (PyTorch's fp16 kernels) at 0.94–1.36·d on all 15 torchvision networks.
//!
//! The same ξ reach a weight whichever way the reference comes: as a file (`--reference`,
//! [`perturbed_copy`]) or as zoo's own export drawn from a weight source ([`Perturbed`]).

use std::io::Write;
use std::path::Path;

use crate::bail;
use crate::error::Context;
use zoo_graph::prng::Stream;
use zoo_graph::weights::WeightSource;
use zoo_graph::{DType, Param, WeightError};
use zoo_proto::tensor_proto::{DataLocation, DataType};
use zoo_proto::{Message, ModelProto};

use crate::verify::tolerance::FP16_UNIT;

/// Writes `model` (the decoded fp32 file at `src`) with its float initializers each times
/// (1 + ξ) into a temporary file beside `src`, removed when the handle drops. Initializers in
/// external data are refused rather than left unperturbed (that would understate the change).
pub fn perturbed_copy(mut model: ModelProto, src: &Path) -> crate::Result<tempfile::NamedTempFile> {
    for t in model.graph.iter_mut().flat_map(|g| g.initializer.iter_mut()) {
        if t.data_type != Some(DataType::Float as i32) {
            continue;
        }
        let name = t.name.clone().unwrap_or_default();
        if t.data_location == Some(DataLocation::External as i32) {
            bail!(
                "initializer `{name}` of {} is in external data, which this measurement does not read",
                src.display()
            );
        }
        let s = stream(&name);
        if let Some(raw) = t.raw_data.as_mut().filter(|r| !r.is_empty()) {
            // Byte to byte: one new buffer per tensor, no f32 copy of it.
            let mut out = Vec::with_capacity(raw.len());
            for (i, b) in raw.chunks_exact(4).enumerate() {
                out.extend_from_slice(&moved_by(f32::from_le_bytes([b[0], b[1], b[2], b[3]]), s, i).to_le_bytes());
            }
            *raw = out.into();
        }
        for (i, v) in t.float_data.iter_mut().enumerate() {
            *v = moved_by(*v, s, i);
        }
    }
    let mut tmp = zoo_graph::write::temp_beside(src, ".onnx.part")
        .with_context(|| format!("cannot write a perturbed copy of {} beside it", src.display()))?;
    tmp.write_all(&model.encode_to_vec()).context("writing the perturbed copy")?;
    tmp.flush()?;
    Ok(tmp)
}

/// A weight source whose f32 values are `inner`'s times (1 + ξ): zoo's own reference
/// perturbed as it is written, with no second copy of it to read back.
pub struct Perturbed<'a>(pub &'a dyn WeightSource);

impl WeightSource for Perturbed<'_> {
    fn describe(&self) -> Vec<(String, String)> {
        self.0.describe()
    }

    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        self.0.fill(param, offset, out)?;
        if param.dtype == DType::F32 {
            let s = stream(&param.name);
            for (i, v) in out.iter_mut().enumerate() {
                *v = moved_by(*v, s, offset + i);
            }
        }
        Ok(())
    }
}

/// The ξ of one tensor, keyed by its name.
fn stream(name: &str) -> Stream {
    Stream::new(0, &format!("verify.sensitivity/{name}"))
}

/// `v · (1 + ξ)` with ξ = element `i` of `stream`, uniform on [−u, u); in f64, rounded once.
fn moved_by(v: f32, stream: Stream, i: usize) -> f32 {
    let xi = (2.0 * stream.unit_at(i as u64) - 1.0) * FP16_UNIT;
    (f64::from(v) * (1.0 + xi)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_moves_by_at_most_one_unit_and_the_same_way_each_time() {
        let base: Vec<f32> = (1..=1000).map(|i| i as f32 * 0.37 - 150.0).collect();
        let moved = |s: Stream| -> Vec<f32> { base.iter().enumerate().map(|(i, &v)| moved_by(v, s, i)).collect() };
        let a = moved(Stream::new(0, "t"));
        assert_eq!(a, moved(Stream::new(0, "t")));
        assert_ne!(a, moved(Stream::new(0, "u")));
        let rel: Vec<f64> = a.iter().zip(&base).map(|(p, x)| f64::from(*p) / f64::from(*x) - 1.0).collect();
        assert!(
            rel.iter().all(|r| r.abs() <= FP16_UNIT * 1.0001),
            "{:?}",
            rel.iter().fold(0f64, |m, r| m.max(r.abs()))
        );
        // Spread over the whole interval, both signs.
        let (lo, hi) = rel.iter().fold((0f64, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        assert!(lo < -0.9 * FP16_UNIT && hi > 0.9 * FP16_UNIT, "{lo} {hi}");
    }

    /// A weight perturbed as it is drawn ([`Perturbed`]) equals the same weight perturbed in a
    /// file ([`perturbed_copy`]'s element-wise rule), whichever chunk it is drawn in.
    #[test]
    fn both_routes_move_a_weight_alike() {
        struct Ramp;
        impl WeightSource for Ramp {
            fn describe(&self) -> Vec<(String, String)> {
                vec![]
            }
            fn fill(&self, _: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
                for (i, v) in out.iter_mut().enumerate() {
                    *v = (offset + i) as f32 * 0.01 - 1.0;
                }
                Ok(())
            }
        }
        let param = |dtype| Param {
            name: "fc.weight".into(),
            dtype,
            dims: vec![300],
            kind: zoo_graph::ParamKind::Weight,
            init: zoo_graph::Init::Uniform { low: -1.0, high: 1.0 },
        };
        let s = stream("fc.weight");
        let want: Vec<f32> = (0..300).map(|i| moved_by(i as f32 * 0.01 - 1.0, s, i)).collect();
        let mut got = vec![0f32; 300];
        let (head, tail) = got.split_at_mut(100);
        Perturbed(&Ramp).fill(&param(DType::F32), 0, head).unwrap();
        Perturbed(&Ramp).fill(&param(DType::F32), 100, tail).unwrap();
        assert_eq!(got, want);
        // Other types pass through.
        let mut ints = vec![0f32; 3];
        Perturbed(&Ramp).fill(&param(DType::I64), 0, &mut ints).unwrap();
        assert_eq!(ints, [-1.0, -0.99, -0.98]);
    }
}
