//! PyTorch checkpoints (`.pth`, `.pt`) as `torch.save(model.state_dict(), f)` writes them,
//! read without Python and without running any pickled code.
//!
//! Two containers:
//! - **zip** (torch ≥ 1.6): `<name>/data.pkl` (the pickle), `<name>/data/<key>` (one raw,
//!   uncompressed little-endian record per storage), `<name>/byteorder` (`little`; absent
//!   before torch 1.10), `<name>/version` and a few more records zoo does not need;
//! - **legacy** (torch 0.1.10–1.5, and the torchvision files published then, e.g.
//!   `vgg16-397923af.pth`): five pickles in a row — the magic number
//!   `0x1950a86a20f9469cfc6c`, the protocol version 1001, a `sys_info` dict (`little_endian`
//!   must be true), the object itself, then the sorted list of storage keys — followed, for
//!   each key in that order, by the storage's element count (8 bytes, little-endian) and its
//!   raw bytes.
//!
//! In both, tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`
//! (torch 0.3: `_rebuild_tensor(storage, offset, size, stride)`; before that
//! `torch.FloatTensor.__new__()` then `set_(storage, offset, size, stride)` via BUILD) where
//! `storage` is a persistent id `('storage', torch.FloatStorage, key, location, numel)`
//! (legacy adds a sixth element, an old storage view). The pickle is decoded by
//! [`pickle`](self::pickle), which knows only the globals and opcodes a state_dict uses; the
//! state_dict may be wrapped (`{"state_dict": …}`, `{"model": …}`) and its keys may all
//! start with DataParallel's `module.`, which is removed.
//!
//! The file is read once into memory and its SHA-256 computed on the way; tensors are byte
//! ranges into that buffer (a storage shared by several tensors, with offsets, is read
//! once), so the peak stays near one copy of the weights. Non-contiguous tensors (a
//! transposed view) are gathered element by element when the weights are streamed.

mod any;
mod legacy;
mod pickle;
mod torch;
mod zipfile;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};
use zoo_graph::{Param, WeightError, WeightSource};

use crate::error::LoadError;

pub use any::{BoundWeights, WeightsFile, open_weights};
pub use torch::PthDtype;

/// Which container `torch.save` used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PthFormat {
    /// torch ≥ 1.6: a zip archive.
    Zip,
    /// torch < 1.6: consecutive pickles followed by raw storages.
    Legacy,
}

/// First bytes of a zip archive (a local file header).
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// LONG1 of 10 bytes holding torch's magic number 0x1950a86a20f9469cfc6c (little-endian): the
/// first pickle of a legacy checkpoint, after PROTO (and FRAME from protocol 4 on).
const LEGACY_MAGIC: &[u8] = b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

/// Bytes [`is_legacy`] needs to decide.
pub(crate) const SNIFF_LEN: usize = 2 + 9 + LEGACY_MAGIC.len();

/// Whether `bytes` starts like a legacy checkpoint (torch writes protocol 2; `pickle_protocol`
/// can make it 3–5). Safetensors cannot start so: its first 8 bytes are a header length
/// below 100 MB, so its fourth byte is never 0x0a.
pub(crate) fn is_legacy(bytes: &[u8]) -> bool {
    let rest = match bytes {
        [0x80, 2 | 3, rest @ ..] => rest,
        [0x80, 4 | 5, 0x95, _, _, _, _, _, _, _, _, rest @ ..] => rest,
        _ => return false,
    };
    rest.starts_with(LEGACY_MAGIC)
}

/// How a container reader reports a problem; `mod.rs` adds the path.
#[derive(Debug)]
pub(crate) enum Problem {
    Format(String),
    Forbidden { part: String, offset: usize, what: String },
}

impl Problem {
    fn pickle(part: &str, e: pickle::PickleError) -> Problem {
        match e {
            pickle::PickleError::Malformed { offset, reason } => {
                Problem::Format(format!("at byte {offset} of {part}: {reason}"))
            }
            pickle::PickleError::Forbidden { offset, what } => Problem::Forbidden { part: part.into(), offset, what },
        }
    }
}

/// Where a storage's bytes are.
pub(crate) enum StorageData {
    /// `len` bytes at `start` in the file.
    File { start: usize, len: usize },
    /// Decompressed from a deflated zip record (torch never writes those; a re-zipped file).
    Owned(Vec<u8>),
}

/// What a container reader produces: the unpickled object and the storages it names.
pub(crate) struct Parts {
    pub root: pickle::Value,
    pub storages: HashMap<Rc<str>, StorageData>,
}

struct Entry {
    dtype: PthDtype,
    shape: Vec<usize>,
    stride: Vec<usize>,
    /// First element, in the storage.
    offset: usize,
    storage: usize,
    contiguous: bool,
}

/// A PyTorch checkpoint holding a state_dict, read and checked (every tensor's bytes lie in
/// the file), not yet matched to a model.
pub struct PthFile {
    path: PathBuf,
    format: PthFormat,
    bytes: Vec<u8>,
    storages: Vec<StorageData>,
    tensors: HashMap<String, Entry>,
    /// Names in the file's order.
    names: Vec<String>,
    sha256: String,
}

impl std::fmt::Debug for PthFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PthFile")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("tensors", &self.names.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl PthFile {
    /// Reads a checkpoint in either format (chosen by content), computes its SHA-256 and
    /// applies [`check_published_name`].
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let (bytes, sha256) = read_hashed(path)?;
        Self::from_parts(path, bytes, sha256)
    }

    /// As [`PthFile::open`], for bytes already in memory; `path` names the file in messages
    /// and in the published-name check.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, LoadError> {
        let sha256 = zoo_graph::write::hex(&Sha256::digest(&bytes));
        Self::from_parts(path, bytes, sha256)
    }

    fn from_parts(path: &Path, bytes: Vec<u8>, sha256: String) -> Result<Self, LoadError> {
        check_published_name(path, &sha256)?;
        let to_error = |p: Problem| match p {
            Problem::Format(reason) => LoadError::Checkpoint { path: path.to_path_buf(), reason },
            Problem::Forbidden { part, offset, what } => {
                LoadError::Forbidden { path: path.to_path_buf(), part, offset, what }
            }
        };
        let (format, parts) = if bytes.starts_with(ZIP_MAGIC) {
            (PthFormat::Zip, zipfile::read(&bytes).map_err(to_error)?)
        } else if is_legacy(&bytes) {
            (PthFormat::Legacy, legacy::read(&bytes).map_err(to_error)?)
        } else {
            return Err(LoadError::Checkpoint { path: path.to_path_buf(), reason: sniff(&bytes) });
        };
        let named = torch::state_dict(&parts.root)
            .map_err(|reason| LoadError::Checkpoint { path: path.to_path_buf(), reason })?;
        let mut index: HashMap<Rc<str>, usize> = HashMap::new();
        let mut storages = Vec::new();
        for (key, data) in parts.storages {
            index.insert(key, storages.len());
            storages.push(data);
        }
        let mut tensors = HashMap::with_capacity(named.len());
        let mut names = Vec::with_capacity(named.len());
        for n in named {
            let t = &n.tensor;
            let storage = *index.get(&t.storage.key).ok_or_else(|| LoadError::Checkpoint {
                path: path.to_path_buf(),
                reason: format!("`{}`: storage '{}' has no data", n.name, t.storage.key),
            })?;
            let entry = entry(t, storage).map_err(|reason| LoadError::Checkpoint {
                path: path.to_path_buf(),
                reason: format!("`{}`: {reason}", n.name),
            })?;
            names.push(n.name.clone());
            tensors.insert(n.name, entry);
        }
        Ok(PthFile { path: path.to_path_buf(), format, bytes, storages, tensors, names, sha256 })
    }

    /// SHA-256 of the whole file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn format(&self) -> PthFormat {
        self.format
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Name, dtype and shape of every tensor, in the file's order (after removing a common
    /// `module.` prefix).
    pub fn tensors(&self) -> impl Iterator<Item = (&str, PthDtype, &[usize])> {
        self.names.iter().map(|n| {
            let e = &self.tensors[n];
            (n.as_str(), e.dtype, e.shape.as_slice())
        })
    }

    /// Checks that the file holds exactly the weights and buffers of `params` (names and
    /// shapes; PyTorch's `num_batches_tracked` is ignored) in a float dtype zoo reads.
    pub fn bind(self, params: &[Param]) -> Result<PthBound, LoadError> {
        self.bind_skipping(params, &[])
    }

    /// [`Self::bind`], skipping checkpoint keys that start with one of `skip` (tensors the
    /// graph deliberately lacks, such as GoogLeNet's training-only auxiliary heads).
    pub fn bind_skipping(self, params: &[Param], skip: &[&str]) -> Result<PthBound, LoadError> {
        let keys: Vec<&str> = self.names.iter().map(String::as_str).collect();
        crate::check_binding(&self.path, params, &keys, skip, |name| {
            let t = &self.tensors[name];
            (t.shape.as_slice(), (!t.dtype.is_float()).then(|| t.dtype.to_string()))
        })?;
        Ok(PthBound { file: self })
    }

    fn storage_bytes(&self, i: usize) -> &[u8] {
        match self.storages.get(i) {
            Some(StorageData::File { start, len }) => self.bytes.get(*start..start + len).unwrap_or(&[]),
            Some(StorageData::Owned(v)) => v,
            None => &[],
        }
    }
}

/// What the first bytes say when they are neither a zip nor a legacy checkpoint.
fn sniff(bytes: &[u8]) -> String {
    if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        "a tar archive: torch < 0.4 wrote checkpoints as tar files, which zoo does not read \
         (load and re-save it with a newer torch)"
            .into()
    } else if bytes.first() == Some(&0x80) {
        "a pickle, but not one torch.save wrote (no torch magic number): zoo reads only state_dicts \
         saved with torch.save"
            .into()
    } else {
        "neither a zip archive (torch ≥ 1.6) nor a legacy torch.save file (torch < 1.6)".into()
    }
}

/// Checks a tensor's extent against its storage and describes it for reading.
fn entry(t: &torch::TensorRef, storage: usize) -> Result<Entry, String> {
    let s = &t.storage;
    let (view_start, limit) = match s.view {
        Some((start, len)) => (start, start + len),
        None => (0, s.numel),
    };
    let numel =
        t.shape.iter().try_fold(1u128, |acc, &d| acc.checked_mul(d as u128).filter(|n| *n <= usize::MAX as u128));
    let Some(numel) = numel else {
        return Err(format!("shape {:?} has too many elements", t.shape));
    };
    if numel > 0 {
        let last: u128 =
            t.offset as u128 + t.shape.iter().zip(&t.stride).map(|(&n, &s)| (n as u128 - 1) * s as u128).sum::<u128>();
        if last >= limit as u128 {
            return Err(format!(
                "shape {:?} with stride {:?} from element {} reaches element {last} (byte {}) of storage '{}', \
                 which has {} elements of {} ({} bytes)",
                t.shape,
                t.stride,
                t.offset - view_start,
                last * s.dtype.size() as u128,
                s.key,
                limit - view_start,
                s.dtype,
                (limit - view_start) * s.dtype.size() as u64
            ));
        }
    }
    let mut expected = 1usize;
    let mut contiguous = true;
    for (&n, &st) in t.shape.iter().zip(&t.stride).rev() {
        if n > 1 && st != expected {
            contiguous = false;
        }
        expected = expected.saturating_mul(n);
    }
    Ok(Entry {
        dtype: s.dtype,
        shape: t.shape.clone(),
        stride: t.stride.clone(),
        offset: usize::try_from(t.offset).map_err(|_| "storage offset too large")?,
        storage,
        contiguous: contiguous || numel == 0,
    })
}

/// Reads a whole file into one buffer while a second thread hashes the chunks already read,
/// so that SHA-256 (the slower of the two) overlaps the read instead of following it.
pub(crate) fn read_hashed(path: &Path) -> Result<(Vec<u8>, String), LoadError> {
    const CHUNK: usize = 8 << 20;
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map(|m| m.len()).map_err(io)?;
    let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0)];
    let (filled, mut hasher) = std::thread::scope(|scope| {
        let (to_hasher, chunks) = std::sync::mpsc::sync_channel::<&[u8]>(4);
        let hashing = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for c in chunks {
                hasher.update(c);
            }
            hasher
        });
        let mut filled = 0;
        let mut result = Ok(());
        for chunk in bytes.chunks_mut(CHUNK) {
            let n = match read_full(&mut file, chunk) {
                Ok(n) => n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            filled += n;
            let done: &[u8] = chunk;
            // The hasher only stops early if it panicked; the join below reports that.
            let _ = to_hasher.send(&done[..n]);
            if n < done.len() {
                break;
            }
        }
        drop(to_hasher);
        let hasher = hashing.join().map_err(|_| std::io::Error::other("hashing thread panicked"));
        result.and(hasher.map(|h| (filled, h)))
    })
    .map_err(io)?;
    bytes.truncate(filled);
    // Whatever the file grew by since its size was read.
    let mut rest = Vec::new();
    file.read_to_end(&mut rest).map_err(io)?;
    hasher.update(&rest);
    bytes.extend_from_slice(&rest);
    Ok((bytes, zoo_graph::write::hex(&hasher.finalize())))
}

/// Fills `buf` unless the file ends first; returns how much was read.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// torchvision (and `torch.hub`) name published files `<model>-<first 8 hex digits of the
/// file's SHA-256>.pth`, e.g. `vgg16-397923af.pth`. A file named that way whose SHA-256 does
/// not start with those digits is corrupt, truncated or not the published file: refused.
/// Other names pass.
pub fn check_published_name(path: &Path, sha256: &str) -> Result<(), LoadError> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return Ok(()) };
    let Some((_, tail)) = name.strip_suffix(".pth").and_then(|stem| stem.rsplit_once('-')) else {
        return Ok(());
    };
    let is_prefix = tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if is_prefix && !sha256.to_ascii_lowercase().starts_with(tail) {
        return Err(LoadError::PublishedName {
            path: path.to_path_buf(),
            prefix: tail.to_string(),
            sha256: sha256.to_string(),
        });
    }
    Ok(())
}

/// A checkpoint whose tensors match a model's parameters.
pub struct PthBound {
    file: PthFile,
}

impl PthBound {
    pub fn file_sha256(&self) -> &str {
        &self.file.sha256
    }

    pub fn file(&self) -> &PthFile {
        &self.file
    }
}

impl WeightSource for PthBound {
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
        let e = self.file.tensors.get(&param.name).ok_or_else(|| err("not in the weights file"))?;
        if !e.dtype.is_float() {
            return Err(err("unsupported dtype"));
        }
        let numel: usize = e.shape.iter().product();
        if offset.checked_add(out.len()).is_none_or(|end| end > numel) {
            return Err(err("data out of range"));
        }
        if out.is_empty() {
            return Ok(());
        }
        let data = self.file.storage_bytes(e.storage);
        let size = e.dtype.size();
        if e.contiguous {
            let start = (e.offset + offset) * size;
            let bytes = data.get(start..start + out.len() * size).ok_or_else(|| err("data out of range"))?;
            convert(e.dtype, bytes, out);
            return Ok(());
        }
        // Gather: walk the multi-index of elements offset.. in row-major order.
        let nd = e.shape.len();
        let mut idx = vec![0usize; nd];
        let mut rem = offset;
        let mut pos = e.offset;
        for d in (0..nd).rev() {
            idx[d] = rem % e.shape[d];
            rem /= e.shape[d];
            pos += idx[d] * e.stride[d];
        }
        for o in out.iter_mut() {
            let b = data.get(pos * size..(pos + 1) * size).ok_or_else(|| err("data out of range"))?;
            convert(e.dtype, b, std::slice::from_mut(o));
            for d in (0..nd).rev() {
                idx[d] += 1;
                pos += e.stride[d];
                if idx[d] < e.shape[d] {
                    break;
                }
                pos -= e.shape[d] * e.stride[d];
                idx[d] = 0;
            }
        }
        Ok(())
    }
}

/// Little-endian elements of `dtype` to f32 (F64 narrowed).
fn convert(dtype: PthDtype, bytes: &[u8], out: &mut [f32]) {
    match dtype {
        PthDtype::F32 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
        PthDtype::F16 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = half::f16::from_le_bytes([c[0], c[1]]).to_f32();
            }
        }
        PthDtype::BF16 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = half::bf16::from_le_bytes([c[0], c[1]]).to_f32();
            }
        }
        PthDtype::F64 => {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                *o = f64::from_le_bytes(a) as f32;
            }
        }
        _ => {}
    }
}
