//! The threaded encoder: a [`Graph`]'s bytes as prost would encode the whole `ModelProto`
//! (fields in tag order; a unit test holds the two equal), with the initializers' `raw_data`
//! streamed chunk by chunk straight from the [`WeightSource`], so peak memory stays a few MiB
//! above the graph itself. Lengths are known up front from the shapes. The canonical weights'
//! digest is recorded in `metadata_props` — after the graph, as the tag order puts it, so it
//! can be computed while the weights stream past.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use prost::Message;
use prost::encoding::{encode_varint, encoded_len_varint};
use sha2::{Digest, Sha256};
use zoo_proto::tensor_proto::DataLocation;
use zoo_proto::{GraphProto, ModelProto, StringStringEntryProto, TensorProto};

use super::{DataWritten, Encodable, Written, hex};
use crate::error::{STREAM, WriteError};
use crate::ir::data::{StreamError, StreamStats};
use crate::ir::external::ALIGN;
use crate::ir::{Graph, Tensor};
use crate::model::Model;
use crate::param::ParamKind;
use crate::weights::WeightSource;

/// Bytes per chunk handed on to be hashed and written (4 MiB).
pub(super) const CHUNK_BYTES: usize = 4 << 20;

const TAG_MODEL_GRAPH: u64 = (7 << 3) | 2;
const TAG_GRAPH_INITIALIZER: u64 = (5 << 3) | 2;
const TAG_TENSOR_RAW_DATA: u64 = (9 << 3) | 2;

/// protobuf cannot encode or parse a message of 2 GiB or more.
pub const PROTOBUF_LIMIT: u64 = (1 << 31) - 1;

/// Encodes `what` with weights from `source` into `out`.
///
/// Three threads share the work, which is bound by SHA-256 and memory bandwidth: this one makes
/// the bytes (weights drawn or read, converted, hashed as canonical weights), a second hashes
/// the file bytes, a third writes them. Buffers go round between them, so memory stays bounded;
/// the two hashes and the copy into the file run side by side (on two cores, hashing and writing
/// on one thread made the writer the bottleneck of `compile`).
pub fn encode<W: Write + Send>(
    what: &(impl Encodable + ?Sized),
    source: &dyn WeightSource,
    out: W,
) -> Result<Written, WriteError> {
    encode_with(&*what.graph()?, source, out, None)
}

/// Where tensors go that are kept out of the `.onnx` file.
pub(super) struct DataSink<'a> {
    /// Tensors of at least this many bytes go to the side file.
    pub threshold: usize,
    /// The side file's name as the model records it (relative to the model's folder).
    pub location: String,
    /// The side file itself, as its write errors name it.
    pub path: &'a Path,
    pub out: &'a mut dyn Write,
}

/// [`encode`], with tensors of at least `data.threshold` bytes in a side file.
pub(super) fn encode_with<W: Write + Send>(
    graph: &Graph,
    source: &dyn WeightSource,
    out: W,
    data: Option<DataSink<'_>>,
) -> Result<Written, WriteError> {
    let (to_hasher, from_producer) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
    let (to_writer, from_hasher) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
    let (to_producer, recycled) = mpsc::sync_channel::<Vec<u8>>(2 * BUFFERS + 2);
    for _ in 0..2 * BUFFERS {
        let _ = to_producer.send(Vec::with_capacity(CHUNK_BYTES));
    }
    std::thread::scope(|scope| {
        let hasher = scope.spawn(move || -> String {
            let mut hasher = Sha256::new();
            for buf in from_producer {
                hasher.update(&buf);
                // The writer may have stopped on an error; it reports that itself.
                if to_writer.send(buf).is_err() {
                    break;
                }
            }
            hex(&hasher.finalize())
        });
        let writer = scope.spawn(move || -> std::io::Result<u64> {
            let mut out = out;
            let mut total = 0u64;
            for mut buf in from_hasher {
                out.write_all(&buf)?;
                total += buf.len() as u64;
                buf.clear();
                // The producer may have finished already; then the buffer is simply dropped.
                let _ = to_producer.send(buf);
            }
            out.flush()?;
            Ok(total)
        });
        let mut sink = ChunkSink { current: Vec::with_capacity(CHUNK_BYTES), to_writer: to_hasher, recycled };
        let produced = produce(graph, source, &mut sink, data);
        let sent = produced.is_ok() && sink.flush().is_ok();
        drop(sink);
        let sha256 = hasher.join().map_err(|_| std::io::Error::other("hashing thread panicked"));
        let written = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("writer thread panicked")));
        let io = |source| WriteError::Io { path: PathBuf::from(STREAM), source };
        // A failed write (a full disk) comes first: the producer then only saw the pipe close.
        match (produced, written, sha256) {
            (_, Err(e), _) => Err(io(e)),
            (Err(e), _, _) => Err(e),
            (Ok(_), _, Err(e)) => Err(io(e)),
            (Ok(_), Ok(_), Ok(_)) if !sent => Err(io(std::io::Error::other("writer stopped early"))),
            (Ok(p), Ok(bytes), Ok(sha256)) => {
                Ok(Written { bytes, sha256, weights_sha256: p.weights_sha256, fp16: p.stats, data: p.data })
            }
        }
    })
}

/// Buffers in flight between two of the threads.
const BUFFERS: usize = 3;

/// Collects bytes into chunk-sized buffers and hands full ones on to be hashed and written.
struct ChunkSink {
    current: Vec<u8>,
    to_writer: mpsc::SyncSender<Vec<u8>>,
    recycled: mpsc::Receiver<Vec<u8>>,
}

impl ChunkSink {
    fn flush(&mut self) -> std::io::Result<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let next = self.recycled.recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES));
        let full = std::mem::replace(&mut self.current, next);
        self.to_writer.send(full).map_err(|_| std::io::Error::other("writer stopped"))
    }

    fn write_all(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            let room = CHUNK_BYTES - self.current.len();
            let n = room.min(data.len());
            self.current.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.current.len() == CHUNK_BYTES {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// Produces the whole file's bytes into `sink`; returns the canonical weights' SHA-256 and
/// what streaming the tensors observed (fp16 saturations).
fn produce(
    graph: &Graph,
    source: &dyn WeightSource,
    sink: &mut ChunkSink,
    mut data: Option<DataSink<'_>>,
) -> Result<Produced, WriteError> {
    let io = |source| WriteError::Io { path: PathBuf::from(STREAM), source };
    let proto = graph.skeleton();
    let empty = GraphProto::default();
    let g = proto.graph.as_ref().unwrap_or(&empty);

    // prost writes fields in tag order: ModelProto's 1–6, then graph (7), then the rest.
    let head = ModelProto {
        ir_version: proto.ir_version,
        producer_name: proto.producer_name.clone(),
        producer_version: proto.producer_version.clone(),
        domain: proto.domain.clone(),
        model_version: proto.model_version,
        doc_string: proto.doc_string.clone(),
        ..Default::default()
    }
    .encode_to_vec();
    let graph_head = GraphProto { node: g.node.clone(), name: g.name.clone(), ..Default::default() }.encode_to_vec();
    let graph_tail = GraphProto { node: vec![], name: None, initializer: vec![], ..g.clone() }.encode_to_vec();
    // Offsets in the side file are known up front: each tensor starts at the next 4 KiB.
    let mut pos = 0u64;
    let plans: Vec<TensorPlan> = graph
        .tensors
        .iter()
        .map(|t| match &data {
            Some(d) if t.byte_len() >= d.threshold => {
                let offset = pos.div_ceil(ALIGN) * ALIGN;
                pos = offset + t.byte_len() as u64;
                TensorPlan::external(t, &d.location, offset)
            }
            _ => TensorPlan::inline(t),
        })
        .collect();
    let graph_len = graph_head.len()
        + plans.iter().map(|t| 1 + encoded_len_varint(t.len as u64) + t.len).sum::<usize>()
        + graph_tail.len();
    // The tail (opset imports and metadata) is small; 64 KiB covers it with room to spare.
    let total = (head.len() + graph_len) as u64 + (64 << 10);
    if total > PROTOBUF_LIMIT {
        return Err(WriteError::TooLarge { bytes: total });
    }

    sink.write_all(&head).map_err(io)?;
    sink.write_all(&key_len(TAG_MODEL_GRAPH, graph_len)).map_err(io)?;
    sink.write_all(&graph_head).map_err(io)?;
    let mut weights = Sha256::new();
    let mut data_hash = Sha256::new();
    let mut data_pos = 0u64;
    let mut stats = StreamStats::default();
    fn stream_err(name: &str) -> impl Fn(StreamError) -> WriteError + '_ {
        move |e| match e {
            StreamError::Io(e) => WriteError::Io { path: PathBuf::from(STREAM), source: e },
            StreamError::Weights(e) => WriteError::Weights(e),
            StreamError::Short => WriteError::Inconsistent(format!("data of `{name}` is shorter than its shape")),
        }
    }
    for (plan, tensor) in plans.iter().zip(&graph.tensors) {
        sink.write_all(&key_len(TAG_GRAPH_INITIALIZER, plan.len)).map_err(io)?;
        sink.write_all(&plan.header).map_err(io)?;
        // The canonical weights are every weight and buffer as stored, in graph order.
        let hashed = tensor.kind != ParamKind::Constant;
        if let (Some(offset), Some(d)) = (plan.external, data.as_mut()) {
            let side = |source| WriteError::Io { path: d.path.to_path_buf(), source };
            let pad = vec![0u8; (offset - data_pos) as usize];
            d.out.write_all(&pad).map_err(side)?;
            data_hash.update(&pad);
            let mut put = |bytes: &[u8]| {
                if hashed {
                    weights.update(bytes);
                }
                data_hash.update(bytes);
                d.out.write_all(bytes)
            };
            tensor.data.stream(source, tensor.numel(), &mut put, &mut stats).map_err(|e| match e {
                StreamError::Io(e) => side(e),
                e => stream_err(&tensor.name)(e),
            })?;
            data_pos = offset + tensor.byte_len() as u64;
            continue;
        }
        sink.write_all(&key_len(TAG_TENSOR_RAW_DATA, plan.data)).map_err(io)?;
        // Hashed a chunk at a time, each handed on before the next is hashed: the file's hash
        // takes in chunk k while this thread hashes chunk k + 1. (Hashing a 400 MB tensor
        // whole first left the other threads idle for it: compile took 1.2× as long.)
        let mut put = |bytes: &[u8]| {
            for piece in bytes.chunks(CHUNK_BYTES) {
                if hashed {
                    weights.update(piece);
                }
                sink.write_all(piece)?;
            }
            Ok(())
        };
        tensor.data.stream(source, tensor.numel(), &mut put, &mut stats).map_err(stream_err(&tensor.name))?;
    }
    sink.write_all(&graph_tail).map_err(io)?;
    let data = match data {
        Some(d) => {
            d.out.flush().map_err(io)?;
            Some(DataWritten {
                location: d.location,
                bytes: data_pos,
                sha256: hex(&data_hash.finalize()),
                tensors: plans.iter().filter(|p| p.external.is_some()).count(),
            })
        }
        None => None,
    };

    let weights_sha256 = hex(&weights.finalize());
    let mut meta = graph.metadata.clone();
    for (key, value) in source.describe().into_iter().chain([("weights.sha256".to_string(), weights_sha256.clone())]) {
        match meta.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => meta.push((key, value)),
        }
    }
    let tail = ModelProto {
        ir_version: None,
        producer_name: None,
        producer_version: None,
        domain: None,
        model_version: None,
        doc_string: None,
        graph: None,
        metadata_props: meta
            .into_iter()
            .map(|(key, value)| StringStringEntryProto { key: Some(key), value: Some(value) })
            .collect(),
        ..proto
    }
    .encode_to_vec();
    sink.write_all(&tail).map_err(io)?;
    Ok(Produced { weights_sha256, stats, data })
}

struct Produced {
    weights_sha256: String,
    stats: StreamStats,
    data: Option<DataWritten>,
}

/// One initializer's encoding. Inline: the prost-encoded fields before `raw_data` (dims,
/// data_type, name: tags 1, 2 and 8, all below raw_data's 9), and the length of the raw data
/// after them. External: the whole TensorProto, pointing at `offset` of the side file.
struct TensorPlan {
    header: Vec<u8>,
    data: usize,
    len: usize,
    external: Option<u64>,
}

impl TensorPlan {
    fn skeleton(t: &Tensor) -> TensorProto {
        TensorProto {
            dims: t.dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(t.dtype().onnx() as i32),
            name: Some(t.name.clone()),
            ..Default::default()
        }
    }

    fn inline(t: &Tensor) -> Self {
        let header = Self::skeleton(t).encode_to_vec();
        let data = t.byte_len();
        let len = header.len() + 1 + encoded_len_varint(data as u64) + data;
        TensorPlan { header, data, len, external: None }
    }

    fn external(t: &Tensor, location: &str, offset: u64) -> Self {
        let entry = |k: &str, v: String| StringStringEntryProto { key: Some(k.into()), value: Some(v) };
        let header = TensorProto {
            external_data: vec![
                entry("location", location.to_string()),
                entry("offset", offset.to_string()),
                entry("length", t.byte_len().to_string()),
            ],
            data_location: Some(DataLocation::External as i32),
            ..Self::skeleton(t)
        }
        .encode_to_vec();
        let len = header.len();
        TensorPlan { header, data: 0, len, external: Some(offset) }
    }
}

/// The canonical weights' SHA-256 of `model` with weights from `source`, without writing
/// anything: what [`write_file`] would record as `weights.sha256` (a compiled file records its
/// reference's this way).
pub fn weights_sha256(model: &Model, source: &dyn WeightSource) -> Result<String, WriteError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0f32; CHUNK_BYTES / 4];
    let mut bytes = Vec::with_capacity(CHUNK_BYTES);
    for p in model.params.iter().filter(|p| p.kind != ParamKind::Constant) {
        let n = p.numel();
        let mut offset = 0;
        while offset < n {
            let len = buf.len().min(n - offset);
            source.fill(p, offset, &mut buf[..len])?;
            bytes.clear();
            bytes.extend(buf[..len].iter().flat_map(|x| x.to_le_bytes()));
            hasher.update(&bytes);
            offset += len;
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn key_len(key: u64, len: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(16);
    encode_varint(key, &mut b);
    encode_varint(len as u64, &mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Flatten, Linear};
    use crate::test_fixtures::small_model;
    use crate::{Batch, Net, Opset, Seeded, image};

    /// A network whose classifier weights (25 MB) span several of the pipeline's chunks.
    fn wide_model() -> Model {
        let mut net = Net::new("wide", Opset::DEFAULT);
        let x = net.input("input", image(Batch::Dynamic, 3, 32, 32)).unwrap();
        let x = net.layer("flatten", x, Flatten).unwrap();
        let x = net.layer("fc", x, Linear::new(2048)).unwrap();
        net.output(x, "logits").unwrap();
        net.finish("doc", vec![("model".into(), "wide".into())])
    }

    /// The streamed file is byte for byte what prost encodes for the same model held whole,
    /// for tensors inside one chunk and across many.
    #[test]
    fn streaming_equals_prost_encoding() {
        streams_as_prost_encodes(small_model());
        streams_as_prost_encodes(wide_model());
    }

    fn streams_as_prost_encodes(model: Model) {
        let source = Seeded { seed: 7 };
        let mut streamed = Vec::new();
        let written = encode(&model, &source, &mut streamed).unwrap();

        let mut whole = model.proto.clone();
        let graph = whole.graph.as_mut().unwrap();
        let mut canonical = Vec::new();
        for (t, p) in graph.initializer.iter_mut().zip(&model.params) {
            if p.kind != ParamKind::Constant {
                let mut v = vec![0f32; p.numel()];
                source.fill(p, 0, &mut v).unwrap();
                let raw: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                canonical.extend_from_slice(&raw);
                t.raw_data = Some(raw.into());
            }
        }
        let weights_sha = hex(&Sha256::digest(&canonical));
        for (key, value) in source.describe().into_iter().chain([("weights.sha256".into(), weights_sha.clone())]) {
            whole.metadata_props.push(StringStringEntryProto { key: Some(key), value: Some(value) });
        }
        let expected = whole.encode_to_vec();
        let first_difference = streamed.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!((first_difference, streamed.len()), (None, expected.len()));
        assert_eq!(written.bytes, expected.len() as u64);
        assert_eq!(written.sha256, hex(&Sha256::digest(&expected)));
        assert_eq!(written.weights_sha256, weights_sha);
        assert_eq!(weights_sha256(&model, &source).unwrap(), weights_sha);
        assert_eq!(ModelProto::decode(streamed.as_slice()).unwrap(), whole);
    }

    /// A file that takes `room` bytes, then fails as a full disk does.
    struct FullDisk {
        room: usize,
    }
    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A write failing at any point of the pipeline (first chunk, middle, last bytes) ends the
    /// encoding with that error: no thread is left waiting on another.
    #[test]
    fn a_failing_write_ends_the_encoding_with_its_error() {
        let model = wide_model();
        let whole = encode(&model, &Seeded { seed: 1 }, std::io::sink()).unwrap().bytes as usize;
        for room in [0, 1000, CHUNK_BYTES, 3 * CHUNK_BYTES + 17, whole - 1] {
            let err = encode(&model, &Seeded { seed: 1 }, FullDisk { room }).unwrap_err();
            assert!(err.to_string().contains("no space left"), "{room}: {err}");
        }
        assert_eq!(encode(&model, &Seeded { seed: 1 }, FullDisk { room: whole }).unwrap().bytes as usize, whole);
    }
}
