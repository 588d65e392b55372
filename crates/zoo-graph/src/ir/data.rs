//! Initializer data, produced lazily while the writer streams it (see the module docs of
//! [`crate::ir`]). Every variant streams in bounded chunks, so no pass makes an export hold a
//! second copy of the weights.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use half::f16;

use crate::error::WeightError;
use crate::param::{Param, ParamKind};
use crate::quant::{QParams, quantize_weight};
use crate::tensor::DType;
use crate::weights::WeightSource;

/// Elements per streamed chunk (4 MiB of f32).
pub const CHUNK: usize = 1 << 20;

/// An initializer of the IR.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub name: String,
    pub dims: Vec<usize>,
    /// Weight, buffer or graph constant: decides what the weights' checksum covers.
    pub kind: ParamKind,
    pub data: TensorData,
}

impl Tensor {
    pub fn numel(&self) -> usize {
        self.dims.iter().product()
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn byte_len(&self) -> usize {
        self.numel() * self.dtype().size()
    }
}

/// Where an initializer's bytes come from.
#[derive(Debug, Clone)]
pub enum TensorData {
    /// f32 values drawn from the export's [`WeightSource`] (a builder parameter).
    Param(Param),
    /// Little-endian bytes of `dtype`, held in memory (constants, folded biases).
    Bytes { dtype: DType, bytes: Arc<Vec<u8>> },
    /// Little-endian bytes of `dtype`, a slice of a buffer shared by many tensors (an ONNX file
    /// read once into memory and decoded without copying its tensors).
    Shared { dtype: DType, bytes: prost::bytes::Bytes },
    /// Little-endian bytes of `dtype` at `offset` of an external-data file, already checked to
    /// lie inside the model's folder and inside the file.
    External { dtype: DType, path: Arc<PathBuf>, offset: u64 },
    /// An f32 tensor whose every run of `row` elements is multiplied by its channel's factor,
    /// the runs taking the factors in turn: `W′[o, …] = W[o, …] · k[o]` for a Conv's weight
    /// (one run per output channel, along axis 0), `W′[c, o, …] = W[c, o, …] · k[o]` for a
    /// ConvTranspose's (`[C, M, k…]`: runs of `k…`, the factor of run `r` is `k[r mod M]`).
    /// Computed in f64 and rounded to f32 once.
    ScaleRows { base: Box<TensorData>, row: usize, scale: Arc<Vec<f64>> },
    /// The f32 values of `base` rounded to fp16 (round to nearest even), values beyond ±65504
    /// saturated to ±65504 (and counted by the writer), never infinite.
    ToF16 { base: Box<TensorData> },
    /// The f32 values of `base` as int8, each row (slice along axis 0, of `row` elements) at
    /// its own symmetric scale: `q = clamp(round(w / scale[o]), −128, 127)`, computed in f32
    /// and rounded half to even ([`crate::quant::quantize_weight`]).
    QuantizeRows { base: Box<TensorData>, row: usize, scale: Arc<Vec<f32>> },
}

/// What streaming a tensor observed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StreamStats {
    /// fp16 conversions that saturated at ±65504.
    pub saturated: u64,
    /// Non-zero values that became zero in fp16 (below its smallest subnormal, 2⁻²⁴).
    pub flushed: u64,
}

impl TensorData {
    pub fn bytes(dtype: DType, bytes: Vec<u8>) -> Self {
        TensorData::Bytes { dtype, bytes: Arc::new(bytes) }
    }

    pub fn f32s(values: &[f32]) -> Self {
        Self::bytes(DType::F32, values.iter().flat_map(|x| x.to_le_bytes()).collect())
    }

    /// The stored element type.
    pub fn dtype(&self) -> DType {
        match self {
            TensorData::Param(p) => p.dtype,
            TensorData::Bytes { dtype, .. } | TensorData::Shared { dtype, .. } | TensorData::External { dtype, .. } => {
                *dtype
            }
            TensorData::ScaleRows { .. } => DType::F32,
            TensorData::ToF16 { .. } => DType::F16,
            TensorData::QuantizeRows { .. } => DType::I8,
        }
    }

    /// The values of a small in-memory int64 tensor (Reshape targets, Gather indices).
    pub fn i64_values(&self) -> Option<Vec<i64>> {
        // The reader copies small tensors into `Bytes`, so every shape constant is one.
        let TensorData::Bytes { dtype: DType::I64, bytes: raw } = self else { return None };
        Some(raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }

    /// The values of a small in-memory int32 or int64 tensor (Slice's starts and Range's bounds
    /// may be int32), widened.
    pub fn int_values(&self) -> Option<Vec<i64>> {
        match self {
            TensorData::Bytes { dtype: DType::I32, bytes: raw } => Some(
                raw.chunks_exact(4).map(|c| i64::from(i32::from_le_bytes(c.try_into().unwrap_or([0; 4])))).collect(),
            ),
            _ => self.i64_values(),
        }
    }

    /// The values of a small in-memory float tensor (Resize's scales, Range's bounds).
    pub fn f64_values(&self) -> Option<Vec<f64>> {
        let TensorData::Bytes { dtype, bytes: raw } = self else { return None };
        if !dtype.is_float() {
            return None;
        }
        let mut out = vec![0f32; raw.len() / dtype.size().max(1)];
        decode(*dtype, raw, &mut out).ok()?;
        Some(out.into_iter().map(f64::from).collect())
    }

    /// Elements `offset..offset + out.len()` as f32 (fp16 widened exactly).
    pub fn read_f32(&self, src: &dyn WeightSource, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        let fail = |reason: String| WeightError::Param { name: "<tensor>".into(), reason };
        match self {
            TensorData::Param(p) => src.fill(p, offset, out),
            TensorData::Bytes { dtype, bytes } => {
                decode(*dtype, bytes.get(offset * dtype.size()..).unwrap_or(&[]), out)
            }
            TensorData::Shared { dtype, bytes } => {
                decode(*dtype, bytes.get(offset * dtype.size()..).unwrap_or(&[]), out)
            }
            TensorData::External { dtype, path, offset: base } => {
                let n = out.len() * dtype.size();
                let mut raw = vec![0u8; n];
                let mut f = std::fs::File::open(path.as_ref()).map_err(|e| fail(format!("{}: {e}", path.display())))?;
                f.seek(SeekFrom::Start(base + (offset * dtype.size()) as u64))
                    .and_then(|_| f.read_exact(&mut raw))
                    .map_err(|e| fail(format!("{}: {e} (external data truncated?)", path.display())))?;
                decode(*dtype, &raw, out)
            }
            TensorData::ScaleRows { base, row, scale } => {
                base.read_f32(src, offset, out)?;
                for (i, x) in out.iter_mut().enumerate() {
                    let k = scale.get(((offset + i) / row) % scale.len().max(1)).copied().unwrap_or(1.0);
                    *x = (f64::from(*x) * k) as f32;
                }
                Ok(())
            }
            TensorData::ToF16 { base } => {
                base.read_f32(src, offset, out)?;
                for x in out.iter_mut() {
                    *x = to_f16(*x).0.to_f32();
                }
                Ok(())
            }
            // The value the int8 weight stands for: q · s.
            TensorData::QuantizeRows { base, row, scale } => {
                base.read_f32(src, offset, out)?;
                for (i, x) in out.iter_mut().enumerate() {
                    let s = scale.get((offset + i) / row).copied().unwrap_or(1.0);
                    *x = f32::from(quantize_weight(*x, QParams { scale: s, zero_point: 0 })) * s;
                }
                Ok(())
            }
        }
    }

    /// All `n` elements as f32 (for the small tensors passes read: BatchNorm statistics, biases).
    pub fn to_f32_vec(&self, src: &dyn WeightSource, n: usize) -> Result<Vec<f32>, WeightError> {
        let mut v = vec![0f32; n];
        self.read_f32(src, 0, &mut v)?;
        Ok(v)
    }

    /// Streams the `n` stored elements as little-endian bytes, in chunks, to `sink`.
    pub fn stream(
        &self,
        src: &dyn WeightSource,
        n: usize,
        sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
        stats: &mut StreamStats,
    ) -> Result<(), StreamError> {
        let dtype = self.dtype();
        match self {
            TensorData::Bytes { bytes, .. } => {
                let raw = bytes.get(..n * dtype.size()).ok_or(StreamError::Short)?;
                return sink(raw).map_err(StreamError::Io);
            }
            TensorData::Shared { bytes, .. } => {
                let raw = bytes.get(..n * dtype.size()).ok_or(StreamError::Short)?;
                return sink(raw).map_err(StreamError::Io);
            }
            TensorData::External { path, offset, .. } => {
                let mut f = std::fs::File::open(path.as_ref()).map_err(StreamError::Io)?;
                f.seek(SeekFrom::Start(*offset)).map_err(StreamError::Io)?;
                let mut left = n * dtype.size();
                let mut buf = vec![0u8; left.min(CHUNK * 4)];
                while left > 0 {
                    let k = left.min(buf.len());
                    f.read_exact(&mut buf[..k]).map_err(|_| StreamError::Short)?;
                    sink(&buf[..k]).map_err(StreamError::Io)?;
                    left -= k;
                }
                return Ok(());
            }
            TensorData::QuantizeRows { base, row, scale } => {
                let mut vals = vec![0f32; CHUNK.min(n)];
                let mut bytes = Vec::with_capacity(CHUNK.min(n));
                let mut offset = 0;
                while offset < n {
                    let len = CHUNK.min(n - offset);
                    base.read_f32(src, offset, &mut vals[..len]).map_err(StreamError::Weights)?;
                    bytes.clear();
                    for (i, &x) in vals[..len].iter().enumerate() {
                        let s = scale.get((offset + i) / row).copied().unwrap_or(1.0);
                        bytes.push(quantize_weight(x, QParams { scale: s, zero_point: 0 }) as u8);
                    }
                    sink(&bytes).map_err(StreamError::Io)?;
                    offset += len;
                }
                return Ok(());
            }
            _ => {}
        }
        if !dtype.is_float() {
            return Err(StreamError::Weights(WeightError::Param {
                name: "<tensor>".into(),
                reason: "integer tensor has no lazy recipe".into(),
            }));
        }
        let base: &TensorData = match self {
            TensorData::ToF16 { base } => base,
            other => other,
        };
        let mut vals = vec![0f32; CHUNK.min(n)];
        let mut bytes = Vec::with_capacity(CHUNK.min(n) * 4);
        let mut offset = 0;
        while offset < n {
            let len = CHUNK.min(n - offset);
            base.read_f32(src, offset, &mut vals[..len]).map_err(StreamError::Weights)?;
            bytes.clear();
            if dtype == DType::F16 {
                for &x in &vals[..len] {
                    let (h, saturated) = to_f16(x);
                    stats.saturated += u64::from(saturated);
                    stats.flushed += u64::from(x != 0.0 && h.to_f32() == 0.0);
                    bytes.extend_from_slice(&h.to_le_bytes());
                }
            } else {
                bytes.extend(vals[..len].iter().flat_map(|x| x.to_le_bytes()));
            }
            sink(&bytes).map_err(StreamError::Io)?;
            offset += len;
        }
        Ok(())
    }
}

/// Why a tensor could not be streamed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Io(std::io::Error),
    #[error(transparent)]
    Weights(WeightError),
    #[error("tensor data is shorter than its shape (file truncated?)")]
    Short,
}

/// fp16 of `x`, round to nearest even; finite values beyond the fp16 range saturate to ±65504
/// (the second value says so) — never ±∞, as onnxconverter-common's `max_finite_val` does.
pub fn to_f16(x: f32) -> (f16, bool) {
    if x.is_finite() && x.abs() > f16::MAX.to_f32() {
        let h = if x > 0.0 { f16::MAX } else { f16::MIN };
        // Values that round to MAX anyway (|x| < 65520) are not saturated, only rounded.
        let rounded = f16::from_f32(x);
        return if rounded.is_finite() { (rounded, false) } else { (h, true) };
    }
    (f16::from_f32(x), false)
}

fn decode(dtype: DType, raw: &[u8], out: &mut [f32]) -> Result<(), WeightError> {
    let short = || WeightError::Param { name: "<tensor>".into(), reason: "data shorter than its shape".into() };
    match dtype {
        DType::F32 => {
            let raw = raw.get(..out.len() * 4).ok_or_else(short)?;
            for (o, c) in out.iter_mut().zip(raw.chunks_exact(4)) {
                *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
        DType::F16 => {
            let raw = raw.get(..out.len() * 2).ok_or_else(short)?;
            for (o, c) in out.iter_mut().zip(raw.chunks_exact(2)) {
                *o = f16::from_le_bytes([c[0], c[1]]).to_f32();
            }
        }
        _ => {
            return Err(WeightError::Param { name: "<tensor>".into(), reason: "integer tensor read as float".into() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fp16_saturates_and_rounds_to_nearest_even() {
        assert_eq!(to_f16(1e6), (f16::MAX, true));
        assert_eq!(to_f16(-1e6), (f16::MIN, true));
        // 65519 rounds to 65504 in fp16 without overflowing: not a saturation.
        assert_eq!(to_f16(65519.0), (f16::MAX, false));
        assert_eq!(to_f16(65520.0), (f16::MAX, true));
        // 1 + 2⁻¹¹ is a tie between 1 and 1 + 2⁻¹⁰: to even, 1.
        assert_eq!(to_f16(1.0 + 2f32.powi(-11)).0.to_f32(), 1.0);
        assert!(to_f16(f32::INFINITY).0.is_infinite());
    }

    #[test]
    fn scaled_rows_round_once_from_f64() {
        let base = TensorData::f32s(&[1.0, 3.0, 0.1, 0.2]);
        let data = TensorData::ScaleRows { base: Box::new(base), row: 2, scale: Arc::new(vec![1.0 / 3.0, 10.0]) };
        let mut out = [0f32; 4];
        data.read_f32(&crate::Seeded { seed: 0 }, 0, &mut out).unwrap();
        assert_eq!(
            out,
            [(1.0f64 / 3.0) as f32, 1.0, (f64::from(0.1f32) * 10.0) as f32, (f64::from(0.2f32) * 10.0) as f32]
        );
        // Reading from an offset inside the tensor picks the right rows.
        let mut tail = [0f32; 1];
        data.read_f32(&crate::Seeded { seed: 0 }, 3, &mut tail).unwrap();
        assert_eq!(tail[0], out[3]);
    }
}
