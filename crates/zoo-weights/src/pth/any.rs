//! One entry point for every weights file zoo reads, chosen by content, not by extension:
//! a zip archive or a legacy torch.save file is a PyTorch checkpoint, anything else is read
//! as safetensors.

use std::io::Read;
use std::path::Path;

use zoo_graph::{Param, WeightError, WeightSource};

use super::{PthBound, PthFile, SNIFF_LEN, ZIP_MAGIC, check_published_name, is_legacy};
use crate::error::LoadError;
use crate::safetensors_file::{Bound, SafetensorsFile};

/// A weights file, opened and checked, not yet matched to a model.
pub enum WeightsFile {
    Safetensors(SafetensorsFile),
    Pth(PthFile),
}

/// Opens `path` as a PyTorch checkpoint (zip or legacy, by its first bytes) or as safetensors,
/// and refuses a published file (`name-<8 hex>.pth`) whose SHA-256 does not match its name.
pub fn open_weights(path: &Path) -> Result<WeightsFile, LoadError> {
    WeightsFile::open(path)
}

impl WeightsFile {
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let io = |source| LoadError::Io { path: path.to_path_buf(), source };
        let mut head = Vec::with_capacity(SNIFF_LEN);
        std::fs::File::open(path).map_err(io)?.take(SNIFF_LEN as u64).read_to_end(&mut head).map_err(io)?;
        if is_pth(&head) {
            return PthFile::open(path).map(WeightsFile::Pth);
        }
        let file = SafetensorsFile::open(path)?;
        check_published_name(path, file.sha256())?;
        Ok(WeightsFile::Safetensors(file))
    }

    /// As [`WeightsFile::open`], for bytes already in memory (the fuzz targets' entry point);
    /// `path` names the file in messages and in the published-name check.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, LoadError> {
        if is_pth(&bytes[..bytes.len().min(SNIFF_LEN)]) {
            return PthFile::from_bytes(path, bytes).map(WeightsFile::Pth);
        }
        let file = SafetensorsFile::from_bytes(path, bytes)?;
        check_published_name(path, file.sha256())?;
        Ok(WeightsFile::Safetensors(file))
    }

    /// SHA-256 of the whole file.
    pub fn sha256(&self) -> &str {
        match self {
            WeightsFile::Safetensors(f) => f.sha256(),
            WeightsFile::Pth(f) => f.sha256(),
        }
    }

    /// Checks the file against a model's parameters (see [`SafetensorsFile::bind`] and
    /// [`PthFile::bind`]: missing, extra and mis-shaped tensors are named).
    pub fn bind(self, params: &[Param]) -> Result<BoundWeights, LoadError> {
        self.bind_skipping(params, &[])
    }

    /// [`Self::bind`], skipping file keys that start with one of `skip`.
    pub fn bind_skipping(self, params: &[Param], skip: &[&str]) -> Result<BoundWeights, LoadError> {
        Ok(match self {
            WeightsFile::Safetensors(f) => BoundWeights::Safetensors(f.bind_skipping(params, skip)?),
            WeightsFile::Pth(f) => BoundWeights::Pth(f.bind_skipping(params, skip)?),
        })
    }
}

/// Whether a file's first [`SNIFF_LEN`] bytes make it a PyTorch checkpoint.
fn is_pth(head: &[u8]) -> bool {
    head.starts_with(ZIP_MAGIC) || is_legacy(head)
}

/// A weights file whose tensors match a model's parameters; a [`WeightSource`].
pub enum BoundWeights {
    Safetensors(Bound),
    Pth(PthBound),
}

impl BoundWeights {
    /// The canonical-weights SHA-256 the file claims (safetensors files zoo saved carry one;
    /// PyTorch checkpoints never do).
    pub fn claimed_sha256(&self) -> Option<&str> {
        match self {
            BoundWeights::Safetensors(b) => b.claimed_sha256(),
            BoundWeights::Pth(_) => None,
        }
    }

    pub fn file_sha256(&self) -> &str {
        match self {
            BoundWeights::Safetensors(b) => b.file_sha256(),
            BoundWeights::Pth(b) => b.file_sha256(),
        }
    }
}

impl WeightSource for BoundWeights {
    fn describe(&self) -> Vec<(String, String)> {
        match self {
            BoundWeights::Safetensors(b) => b.describe(),
            BoundWeights::Pth(b) => b.describe(),
        }
    }

    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        match self {
            BoundWeights::Safetensors(b) => b.fill(param, offset, out),
            BoundWeights::Pth(b) => b.fill(param, offset, out),
        }
    }
}
