//! Serializing a [`Model`] or an IR [`Graph`] to an ONNX file, streaming the weights.
//!
//! The file is exactly what prost would encode for the complete `ModelProto` (fields in tag
//! order; a unit test holds the two equal), but the initializers' `raw_data` is written chunk by
//! chunk straight from the [`WeightSource`], so peak memory stays a few MiB above the graph
//! itself (see [`encode`]). Two SHA-256 digests are computed on the way: the file's, and the
//! canonical weight bytes' (every weight and buffer, little-endian f32, in graph order), which
//! is recorded in `metadata_props`.
//!
//! Files are written to a temporary file in the destination folder and renamed into place
//! ([`temp_beside`], [`persist`]): an error or a crash never leaves a partial `.onnx` behind.

mod atomic;
mod encoder;
mod writeback;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use prost::Message;
use zoo_proto::ModelProto;

use crate::error::WriteError;
use crate::ir::Graph;
use crate::model::Model;
use crate::weights::WeightSource;
pub use atomic::{TEMP_PREFIX, clean_stale, persist, temp_beside};
use encoder::DataSink;
pub use encoder::{PROTOBUF_LIMIT, encode, weights_sha256};
use writeback::with_writeback;

/// What writing produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// SHA-256 of the canonical weight bytes (every weight and buffer as stored), lowercase hex.
    pub weights_sha256: String,
    /// fp16 saturations and flushes to zero met while streaming.
    pub fp16: crate::ir::data::StreamStats,
    /// The external-data side file, when there is one.
    pub data: Option<DataWritten>,
}

/// What went into the external-data side file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataWritten {
    pub location: String,
    pub bytes: u64,
    pub sha256: String,
    pub tensors: usize,
}

/// What can be serialized: a builder's [`Model`] (through its IR, as the writer serializes
/// every model) or an IR [`Graph`] (after passes, or read from a file).
pub trait Encodable {
    fn graph(&self) -> Result<Cow<'_, Graph>, WriteError>;
}

impl Encodable for Model {
    fn graph(&self) -> Result<Cow<'_, Graph>, WriteError> {
        Graph::from_model(self).map(Cow::Owned).map_err(|e| WriteError::Inconsistent(e.to_string()))
    }
}

impl Encodable for Graph {
    fn graph(&self) -> Result<Cow<'_, Graph>, WriteError> {
        Ok(Cow::Borrowed(self))
    }
}

/// A check on what was written, run before the file is put in place.
pub type Accept<'a> = &'a dyn Fn(&Written) -> Result<(), String>;

/// How [`write_file`] writes; the default writes one self-contained file unchecked.
#[derive(Clone, Copy, Default)]
pub struct WriteOptions<'a> {
    /// Sees what was written before the file is put in place; if it refuses (a checksum that
    /// does not match a manifest, say), nothing is left behind.
    pub accept: Option<Accept<'a>>,
    /// Tensors of at least this many bytes go to one side file, [`data_path`], at 4 KiB-aligned
    /// offsets.
    pub external_data: Option<usize>,
}

/// The side file of a model written with external data: `<path>.data` (`m.onnx.data`).
pub fn data_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".data");
    path.with_file_name(name)
}

/// Writes `what` with weights from `source` to `path`, atomically. With
/// [`WriteOptions::external_data`], both files are written to temporary files and renamed into
/// place only when both are complete, the data first: a crash leaves the old pair, or the new
/// data beside the old model (which then fails its checks loudly), never a partial file. An
/// existing side file is replaced only when the model already at `path` is zoo's and points at
/// it.
pub fn write_file(
    what: &(impl Encodable + ?Sized),
    source: &dyn WeightSource,
    path: &Path,
    options: &WriteOptions<'_>,
) -> Result<Written, WriteError> {
    let graph = what.graph()?;
    let accept = |w: &Written| options.accept.map_or(Ok(()), |accept| accept(w)).map_err(WriteError::Rejected);
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| WriteError::Io { path: p, source }
    };
    let Some(threshold) = options.external_data else {
        let tmp = temp_beside(path, ".onnx.part").map_err(io(path))?;
        let written = with_writeback(tmp.as_file(), |out| encode(&*graph, source, out))
            .map_err(io(path))?
            .map_err(|e| e.at(path))?;
        accept(&written)?;
        persist(tmp, path).map_err(io(path))?;
        return Ok(written);
    };
    let data = data_path(path);
    let location = data.file_name().unwrap_or_default().to_string_lossy().into_owned();
    if std::fs::symlink_metadata(&data).is_ok() && !points_at(path, &location) {
        return Err(WriteError::Rejected(format!(
            "{} exists and is not the data of a zoo model at {}: nothing was written (remove it or choose another output)",
            data.display(),
            path.display()
        )));
    }
    let tmp = temp_beside(path, ".onnx.part").map_err(io(path))?;
    let tmp_data = temp_beside(&data, ".data.part").map_err(io(&data))?;
    let mut out = std::io::BufWriter::with_capacity(encoder::CHUNK_BYTES, tmp_data.as_file());
    // No early writeback here (see `with_writeback`): this side file, nearly all the bytes, is
    // written by the producing thread itself, which the syncs stalled (compile --optimize
    // --external-data of VGG-16 BN: median 1.34 s → 1.80 s).
    let sink = DataSink { threshold, location, path: &data, out: &mut out };
    let written = encoder::encode_with(&graph, source, tmp.as_file(), Some(sink)).map_err(|e| e.at(path))?;
    drop(out);
    accept(&written)?;
    persist(tmp_data, &data).map_err(io(&data))?;
    persist(tmp, path).map_err(io(path))?;
    Ok(written)
}

/// Whether the model at `path` is zoo's and keeps tensors in `location`.
fn points_at(path: &Path, location: &str) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    // A model with external data is small; a huge file there is not one of ours.
    if meta.len() > 256 << 20 {
        return false;
    }
    let Ok(m) = std::fs::read(path).map_err(|_| ()).and_then(|b| ModelProto::decode(b.as_slice()).map_err(|_| ()))
    else {
        return false;
    };
    m.producer_name.as_deref() == Some("zoo")
        && m.graph.iter().flat_map(|g| &g.initializer).any(|t| {
            t.external_data.iter().any(|e| e.key.as_deref() == Some("location") && e.value.as_deref() == Some(location))
        })
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::small_model;
    use crate::{Param, Seeded, WeightError};

    struct Failing;
    impl WeightSource for Failing {
        fn describe(&self) -> Vec<(String, String)> {
            vec![]
        }
        fn fill(&self, param: &Param, _: usize, _: &mut [f32]) -> Result<(), WeightError> {
            Err(WeightError::Param { name: param.name.clone(), reason: "broken source".into() })
        }
    }

    #[test]
    fn failures_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        let err = write_file(&small_model(), &Failing, &path, &WriteOptions::default()).unwrap_err();
        assert!(err.to_string().contains("broken source"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let missing = dir.path().join("no/such/dir/m.onnx");
        let err = write_file(&small_model(), &Seeded { seed: 0 }, &missing, &WriteOptions::default()).unwrap_err();
        assert!(err.to_string().contains("cannot write"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let refuse = |_: &Written| Err("checksum differs".to_string());
        let options = WriteOptions { accept: Some(&refuse), ..Default::default() };
        for external_data in [None, Some(0)] {
            let options = WriteOptions { external_data, ..options };
            let err = write_file(&small_model(), &Seeded { seed: 0 }, &path, &options).unwrap_err();
            assert_eq!(err.to_string(), "checksum differs");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    #[test]
    fn same_inputs_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.onnx"), dir.path().join("b.onnx"));
        let plain = WriteOptions::default();
        let wa = write_file(&small_model(), &Seeded { seed: 1 }, &a, &plain).unwrap();
        let wb = write_file(&small_model(), &Seeded { seed: 1 }, &b, &plain).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(wa, wb);
        let wc = write_file(&small_model(), &Seeded { seed: 2 }, &b, &plain).unwrap();
        assert_ne!(wa.weights_sha256, wc.weights_sha256);
        // A model and its IR graph are the same file.
        let graph = Graph::from_model(&small_model()).unwrap();
        assert_eq!(write_file(&graph, &Seeded { seed: 1 }, &b, &plain).unwrap(), wa);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }
}
