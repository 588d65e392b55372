//! Serializing a [`Model`] to an ONNX file, streaming the weights.
//!
//! The file is exactly what prost would encode for the complete `ModelProto` (fields in
//! declaration order), but the initializers' `raw_data` is written chunk by chunk straight
//! from the [`WeightSource`], so peak memory stays a few MiB above the graph itself. Lengths
//! are known up front from the shapes. Two SHA-256 digests are computed on the way: the
//! file's, and the canonical weight bytes' (every weight and buffer, little-endian f32, in
//! graph order), which is recorded in `metadata_props` — after the graph, as prost's field
//! order puts it, so it can be computed while the weights stream past.
//!
//! Files are written to a temporary file in the destination folder and renamed into place:
//! an error or a crash never leaves a partial `.onnx` behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;
use prost::encoding::{encode_varint, encoded_len_varint};
use sha2::{Digest, Sha256};
use zoo_proto::{GraphProto, ModelProto, StringStringEntryProto, TensorProto};

use crate::error::WriteError;
use crate::model::Model;
use crate::param::{Param, ParamKind};
use crate::weights::WeightSource;

/// Elements per chunk of streamed weights (4 MiB of f32).
const CHUNK: usize = 1 << 20;

const TAG_MODEL_GRAPH: u64 = (7 << 3) | 2;
const TAG_GRAPH_INITIALIZER: u64 = (5 << 3) | 2;
const TAG_TENSOR_RAW_DATA: u64 = (9 << 3) | 2;

/// What writing produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// SHA-256 of the canonical weight bytes, lowercase hex.
    pub weights_sha256: String,
}

/// Writes `model` with weights from `source` to `path`, atomically.
pub fn write_file(model: &Model, source: &dyn WeightSource, path: &Path) -> Result<Written, WriteError> {
    let io = |source| WriteError::Io { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new().prefix(".zoo-").suffix(".onnx.part").tempfile_in(&dir).map_err(io)?;
    let written = {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
        let w = encode(model, source, &mut out)?;
        out.flush().map_err(io)?;
        w
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(written)
}

/// Encodes `model` with weights from `source` into `out`.
pub fn encode<W: Write>(model: &Model, source: &dyn WeightSource, out: W) -> Result<Written, WriteError> {
    let mut out = HashingWriter { inner: out, hasher: Sha256::new(), bytes: 0 };
    let io = |source| WriteError::Io { path: PathBuf::from("<stream>"), source };
    let proto = &model.proto;
    let empty = GraphProto::default();
    let graph = proto.graph.as_ref().unwrap_or(&empty);
    if graph.initializer.len() != model.params.len() {
        return Err(WriteError::Inconsistent(format!("{} initializers, {} params", graph.initializer.len(), model.params.len())));
    }

    let head = ModelProto { graph: None, metadata_props: vec![], ..proto.clone() }.encode_to_vec();
    let graph_head = GraphProto { node: graph.node.clone(), name: graph.name.clone(), ..Default::default() }.encode_to_vec();
    let graph_tail = GraphProto { node: vec![], name: None, initializer: vec![], ..graph.clone() }.encode_to_vec();
    let tensors: Vec<TensorPlan> =
        graph.initializer.iter().zip(&model.params).map(|(t, p)| TensorPlan::new(t, p)).collect::<Result<_, _>>()?;
    let graph_len = graph_head.len()
        + tensors.iter().map(|t| 1 + encoded_len_varint(t.len as u64) + t.len).sum::<usize>()
        + graph_tail.len();

    out.write_all(&head).map_err(io)?;
    write_key_len(&mut out, TAG_MODEL_GRAPH, graph_len).map_err(io)?;
    out.write_all(&graph_head).map_err(io)?;
    let mut weights = Sha256::new();
    let mut buf = vec![0f32; CHUNK];
    let mut bytes = vec![0u8; CHUNK * 4];
    for (plan, param) in tensors.iter().zip(&model.params) {
        write_key_len(&mut out, TAG_GRAPH_INITIALIZER, plan.len).map_err(io)?;
        out.write_all(&plan.header).map_err(io)?;
        if let Some(data_len) = plan.streamed {
            write_key_len(&mut out, TAG_TENSOR_RAW_DATA, data_len).map_err(io)?;
            let n = param.numel();
            let mut offset = 0;
            while offset < n {
                let len = CHUNK.min(n - offset);
                source.fill(param, offset, &mut buf[..len])?;
                for (dst, x) in bytes.chunks_exact_mut(4).zip(&buf[..len]) {
                    dst.copy_from_slice(&x.to_le_bytes());
                }
                weights.update(&bytes[..len * 4]);
                out.write_all(&bytes[..len * 4]).map_err(io)?;
                offset += len;
            }
        }
    }
    out.write_all(&graph_tail).map_err(io)?;

    let weights_sha256 = hex(&weights.finalize());
    let mut meta = proto.metadata_props.clone();
    meta.extend(source.describe().into_iter().chain([("weights.sha256".to_string(), weights_sha256.clone())]).map(
        |(key, value)| StringStringEntryProto { key: Some(key), value: Some(value) },
    ));
    let tail = ModelProto { metadata_props: meta, ..Default::default() }.encode_to_vec();
    out.write_all(&tail).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(Written { bytes: out.bytes, sha256: hex(&out.hasher.finalize()), weights_sha256 })
}

/// One initializer's encoding: the prost-encoded fields before `raw_data`, and the length of
/// the raw data that follows them (None for constants, whose header holds their data).
struct TensorPlan {
    header: Vec<u8>,
    streamed: Option<usize>,
    len: usize,
}

impl TensorPlan {
    fn new(t: &TensorProto, p: &Param) -> Result<Self, WriteError> {
        if t.name.as_deref() != Some(p.name.as_str()) {
            return Err(WriteError::Inconsistent(p.name.clone()));
        }
        if p.kind == ParamKind::Constant {
            let header = t.encode_to_vec();
            let len = header.len();
            return Ok(TensorPlan { header, streamed: None, len });
        }
        let header = TensorProto { raw_data: None, ..t.clone() }.encode_to_vec();
        let data = p.numel() * 4;
        let len = header.len() + 1 + encoded_len_varint(data as u64) + data;
        Ok(TensorPlan { header, streamed: Some(data), len })
    }
}

fn write_key_len(out: &mut impl Write, key: u64, len: usize) -> std::io::Result<()> {
    let mut b = Vec::with_capacity(16);
    encode_varint(key, &mut b);
    encode_varint(len as u64, &mut b);
    out.write_all(&b)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
