//! safetensors (https://huggingface.co/docs/safetensors, format: 8-byte little-endian header
//! length, JSON header of `name → {dtype, shape, data_offsets}`, raw little-endian data).
//!
//! The file is read once into memory (one copy of the weights: the export's peak stays near
//! 1× the weight bytes) and its SHA-256 computed; the header is parsed by the `safetensors`
//! crate. Binding checks every parameter before anything is written, so a wrong file fails
//! with all of its problems named and no output.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, Metadata, TensorInfo};
use sha2::{Digest, Sha256};
use zoo_graph::{Param, ParamKind, WeightError, WeightSource};

use crate::error::LoadError;

/// Metadata key under which zoo records the canonical weights' SHA-256 in files it saves;
/// an export from such a file must reproduce it, which catches a corrupted file.
pub const CLAIMED_SHA256_KEY: &str = "zoo.weights_sha256";

pub struct SafetensorsFile {
    path: PathBuf,
    bytes: Vec<u8>,
    data_start: usize,
    tensors: HashMap<String, TensorInfo>,
    metadata: HashMap<String, String>,
    sha256: String,
}

impl SafetensorsFile {
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let (bytes, sha256) = crate::pth::read_hashed(path)?;
        Self::from_parts(path, bytes, sha256)
    }

    /// As [`SafetensorsFile::open`], for bytes already in memory; `path` names the file in
    /// messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, LoadError> {
        let sha256 = zoo_graph::write::hex(&Sha256::digest(&bytes));
        Self::from_parts(path, bytes, sha256)
    }

    fn from_parts(path: &Path, bytes: Vec<u8>, sha256: String) -> Result<Self, LoadError> {
        let (header_len, meta): (usize, Metadata) = safetensors::SafeTensors::read_metadata(&bytes)
            .map_err(|e| LoadError::Format { path: path.to_path_buf(), reason: e.to_string() })?;
        let tensors = meta.tensors().into_iter().map(|(k, v)| (k, v.clone())).collect();
        let metadata = meta.metadata().clone().unwrap_or_default();
        Ok(SafetensorsFile { path: path.to_path_buf(), bytes, data_start: 8 + header_len, tensors, metadata, sha256 })
    }

    /// SHA-256 of the whole file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The `__metadata__` entries of the header.
    pub fn metadata(&self) -> &HashMap<String, String> {
        &self.metadata
    }

    /// Checks that the file holds exactly the weights and buffers of `params` (names and
    /// shapes; PyTorch's `num_batches_tracked` is ignored) in a dtype zoo reads.
    pub fn bind(self, params: &[Param]) -> Result<Bound, LoadError> {
        self.bind_skipping(params, &[])
    }

    /// [`Self::bind`], skipping file keys that start with one of `skip`.
    pub fn bind_skipping(self, params: &[Param], skip: &[&str]) -> Result<Bound, LoadError> {
        let keys: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        crate::check_binding(&self.path, params, &keys, skip, |name| {
            let t = &self.tensors[name];
            let readable = matches!(t.dtype, Dtype::F32 | Dtype::F16 | Dtype::BF16);
            (t.shape.as_slice(), (!readable).then(|| format!("{:?}", t.dtype)))
        })?;
        Ok(Bound { file: self })
    }
}

/// A safetensors file whose tensors match a model's parameters.
pub struct Bound {
    file: SafetensorsFile,
}

impl Bound {
    /// The canonical-weights SHA-256 the file claims (files zoo saved carry one).
    pub fn claimed_sha256(&self) -> Option<&str> {
        self.file.metadata.get(CLAIMED_SHA256_KEY).map(String::as_str)
    }

    pub fn file_sha256(&self) -> &str {
        &self.file.sha256
    }
}

impl WeightSource for Bound {
    fn describe(&self) -> Vec<(String, String)> {
        let name = self.file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        vec![
            ("weights.source".into(), "file".into()),
            ("weights.file".into(), name),
            ("weights.file_sha256".into(), self.file.sha256.clone()),
        ]
    }

    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        let err = |reason: &str| WeightError::Param { name: param.name.clone(), reason: reason.into() };
        let t = self.file.tensors.get(&param.name).ok_or_else(|| err("not in the weights file"))?;
        let size = match t.dtype {
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::BF16 => 2,
            _ => return Err(err("unsupported dtype")),
        };
        let start = self.file.data_start + t.data_offsets.0 + offset * size;
        let bytes = self.file.bytes.get(start..start + out.len() * size).ok_or_else(|| err("data out of range"))?;
        match t.dtype {
            Dtype::F32 => {
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
            Dtype::F16 => {
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = half::f16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
            _ => {
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = half::bf16::from_le_bytes([c[0], c[1]]).to_f32();
                }
            }
        }
        Ok(())
    }
}

struct Owned {
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl safetensors::View for &Owned {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Saves every weight and buffer of `params` from `source` as f32 safetensors, with
/// `metadata` plus the canonical weights' SHA-256 under [`CLAIMED_SHA256_KEY`]; returns it.
/// Written to a temporary file and renamed.
pub fn save_safetensors(
    path: &Path,
    params: &[Param],
    source: &dyn WeightSource,
    metadata: BTreeMap<String, String>,
) -> Result<String, LoadError> {
    let write_err = |reason: String| LoadError::Write { path: path.to_path_buf(), reason };
    let mut hasher = Sha256::new();
    let mut tensors = Vec::new();
    for p in params.iter().filter(|p| p.kind != ParamKind::Constant) {
        let mut v = vec![0f32; p.numel()];
        source.fill(p, 0, &mut v).map_err(|e| write_err(e.to_string()))?;
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        hasher.update(&bytes);
        tensors.push((p.name.clone(), Owned { shape: p.dims.clone(), bytes }));
    }
    let sha = zoo_graph::write::hex(&hasher.finalize());
    let mut info: HashMap<String, String> = metadata.into_iter().collect();
    info.insert(CLAIMED_SHA256_KEY.into(), sha.clone());
    let io_err = |e: std::io::Error| write_err(format!("{e} ({})", zoo_graph::io_fix(&e)));
    let tmp = zoo_graph::write::temp_beside(path, ".safetensors.part").map_err(io_err)?;
    safetensors::serialize_to_file(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(info), tmp.path()).map_err(
        |e| match e {
            safetensors::SafeTensorError::IoError(e) => io_err(e),
            e => write_err(e.to_string()),
        },
    )?;
    zoo_graph::write::persist(tmp, path).map_err(io_err)?;
    Ok(sha)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zoo_graph::ops::{BatchNorm, Conv, Flatten, Linear};
    use zoo_graph::{Batch, Net, Opset, Seeded, image};

    fn params() -> Vec<Param> {
        let mut net = Net::new("t", Opset::DEFAULT);
        let x = net.input("input", image(Batch::Dynamic, 3, 4, 4)).unwrap();
        let x = net.layer("conv", x, Conv::new(2, 3).pad(1)).unwrap();
        let x = net.layer("bn", x, BatchNorm::new(1e-5)).unwrap();
        let x = net.layer("flatten", x, Flatten).unwrap();
        net.layer("fc", x, Linear::new(3)).unwrap();
        net.params().to_vec()
    }

    fn values(source: &dyn WeightSource, p: &Param) -> Vec<f32> {
        let mut v = vec![0f32; p.numel()];
        source.fill(p, 0, &mut v).unwrap();
        v
    }

    #[test]
    fn save_then_bind_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let seeded = Seeded { seed: 3 };
        let ps = params();
        let sha = save_safetensors(&path, &ps, &seeded, BTreeMap::new()).unwrap();
        let bound = SafetensorsFile::open(&path).unwrap().bind(&ps).unwrap();
        assert_eq!(bound.claimed_sha256(), Some(sha.as_str()));
        for p in &ps {
            assert_eq!(values(&bound, p), values(&seeded, p), "{}", p.name);
        }
        // Chunked reads agree with whole reads.
        let w = &ps[0];
        let mut part = vec![0f32; 5];
        bound.fill(w, 7, &mut part).unwrap();
        assert_eq!(part, values(&seeded, w)[7..12]);
    }

    fn write_raw(path: &Path, tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) {
        struct Raw<'a>(Dtype, &'a [usize], &'a [u8]);
        impl safetensors::View for Raw<'_> {
            fn dtype(&self) -> Dtype {
                self.0
            }
            fn shape(&self) -> &[usize] {
                self.1
            }
            fn data(&self) -> std::borrow::Cow<'_, [u8]> {
                self.2.into()
            }
            fn data_len(&self) -> usize {
                self.2.len()
            }
        }
        let views = tensors.iter().map(|(n, d, s, b)| (*n, Raw(*d, s, b)));
        safetensors::serialize_to_file(views, None, path).unwrap();
    }

    fn f32_bytes(n: usize) -> Vec<u8> {
        (0..n).flat_map(|i| (i as f32).to_le_bytes()).collect()
    }

    #[test]
    fn half_precision_and_ignored_counters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.safetensors");
        let ps = params();
        let mut ts: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = ps
            .iter()
            .filter(|p| p.kind != ParamKind::Constant)
            .map(|p| {
                let b = (0..p.numel()).flat_map(|i| half::f16::from_f32(i as f32 * 0.5).to_le_bytes()).collect();
                (p.name.as_str(), Dtype::F16, p.dims.clone(), b)
            })
            .collect();
        ts.push(("bn.num_batches_tracked", Dtype::I64, vec![], 7i64.to_le_bytes().to_vec()));
        write_raw(&path, &ts);
        let bound = SafetensorsFile::open(&path).unwrap().bind(&ps).unwrap();
        assert_eq!(values(&bound, &ps[1]), [0.0, 0.5]);
        assert_eq!(bound.claimed_sha256(), None);
    }

    #[test]
    fn wrong_files_are_named_precisely() {
        let dir = tempfile::tempdir().unwrap();
        let ps = params();
        let all: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = ps
            .iter()
            .filter(|p| p.kind != ParamKind::Constant)
            .map(|p| (p.name.as_str(), Dtype::F32, p.dims.clone(), f32_bytes(p.numel())))
            .collect();
        let check = |name: &str, ts: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)>, needle: &str| {
            let path = dir.path().join(name);
            write_raw(&path, &ts);
            let err = SafetensorsFile::open(&path).and_then(|f| f.bind(&ps)).err().expect("must fail");
            assert!(err.to_string().contains(needle), "{err}");
        };
        check("missing", all[1..].to_vec(), "lacks 1 tensor(s) the model needs: conv.weight");
        let mut extra = all.clone();
        extra.push(("head.weight", Dtype::F32, vec![1], f32_bytes(1)));
        check("extra", extra, "does not use: head.weight");
        let mut shaped = all.clone();
        shaped[0] = ("conv.weight", Dtype::F32, vec![2, 3, 9], f32_bytes(54));
        check("shape", shaped, "`conv.weight` has shape [2, 3, 9], the model needs [2, 3, 3, 3]");
        let mut typed = all.clone();
        typed[1] = ("conv.bias", Dtype::I32, vec![2], vec![0; 8]);
        check("dtype", typed, "`conv.bias` is I32");

        let junk = dir.path().join("junk.safetensors");
        std::fs::write(&junk, b"\x10\x00\x00\x00\x00\x00\x00\x00{not json").unwrap();
        let err = SafetensorsFile::open(&junk).err().unwrap();
        assert!(err.to_string().contains("is not a valid safetensors file"), "{err}");
        let truncated = dir.path().join("t.safetensors");
        save_safetensors(&truncated, &ps, &Seeded { seed: 0 }, BTreeMap::new()).unwrap();
        let bytes = std::fs::read(&truncated).unwrap();
        std::fs::write(&truncated, &bytes[..bytes.len() - 4]).unwrap();
        assert!(SafetensorsFile::open(&truncated).is_err());
    }
}
