//! Reading an ONNX file into the IR, so that passes apply to files zoo did not write
//! (torch.onnx.export's, the ONNX Model Zoo's).
//!
//! Spec: https://onnx.ai/onnx/repo-docs/IR.html. The reader accepts the default domain's ops
//! zoo's builder knows (`ops::lookup`), turns `Constant` nodes into initializers and folds the
//! `Shape → Gather → Unsqueeze → Concat → Reshape` chains of `x.view(n, -1)` and reads a
//! spatial `ReduceMean` (torch's dynamo exporter's global pool) as GlobalAveragePool; every
//! other op, another domain, sub-graphs, a tensor type other than float/float16/int64, or
//! initializer data shorter or longer than its shape is an error naming the node or tensor.
//! Tensor data is moved out of the decoded protobuf (no second copy); external data stays in
//! its file, confined to the model's folder ([`super::external`]), and streams from there.
//! Node order must already be topological (as the IR spec requires); shape inference over the
//! read graph ([`Graph::infer`]) checks it and the shapes, naming the first node that fails.

use std::path::Path;
use std::sync::Arc;

use zoo_proto::{ModelProto, NodeProto, TensorProto};

use super::{Graph, Io, Node, Tensor, TensorData, default_opset, external, node_from_proto};
use crate::GraphError;
use crate::ops::{self, Role};
use crate::param::ParamKind;
use crate::passes::PassReport;
use crate::proto_util::tensor_info;
use crate::tensor::DType;

/// Tensors up to this many bytes are copied out of the file's buffer.
const SMALL: usize = 4096;

/// Why a model cannot be read into the IR.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the model has no graph")]
    NoGraph,
    #[error("the model imports no version of the default ONNX domain")]
    NoOpset,
    #[error(
        "node `{node}`: op `{op}` is not supported by zoo's reader (it reads the ops zoo builds, Identity, Constant, x.view(n, -1) shape chains and spatial ReduceMean)"
    )]
    UnsupportedOp { node: String, op: String },
    #[error("node `{node}` ({op}) is in domain `{domain}`: zoo reads only the default ONNX domain")]
    Domain { node: String, op: String, domain: String },
    #[error("initializer `{name}`: {reason}")]
    Tensor { name: String, reason: String },
    #[error("graph {what} `{name}` has no tensor type zoo reads (float, float16 or int64 with a shape)")]
    Io { what: &'static str, name: String },
    #[error("node `{node}` (Constant): {reason}")]
    Constant { node: String, reason: String },
    #[error("node `{node}`: {reason}")]
    ShapeChain { node: String, reason: String },
    #[error("node `{node}`: {reason}")]
    Reduction { node: String, reason: String },
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// The IR of a decoded ONNX model. Takes the model by value to move tensor data out of it.
/// External data is refused (no folder to confine it to); see [`read_model_report`].
pub fn read_model(proto: ModelProto) -> Result<Graph, ReadError> {
    read_model_report(proto, None).map(|(g, _)| g)
}

/// [`read_model`], with what the reader rewrote on the way in, as pass reports (only those that
/// rewrote something): the spatial ReduceMeans it read as GlobalAveragePool
/// (`reduce-mean-to-global-pool`, see [`super::reduce_mean`]) and the shape chains and
/// flattening Reshapes it folded (`fold-shape-chains`, see [`super::shape_chains`]).
/// External data is read from `dir`, the model's folder, confined to it
/// ([`super::external::resolve`]).
pub fn read_model_report(mut proto: ModelProto, dir: Option<&Path>) -> Result<(Graph, Vec<PassReport>), ReadError> {
    let opset = default_opset(&proto.opset_import).ok_or(ReadError::NoOpset)?;
    let mut g = proto.graph.take().ok_or(ReadError::NoGraph)?;

    let mut tensors = Vec::with_capacity(g.initializer.len());
    for t in std::mem::take(&mut g.initializer) {
        tensors.push(read_tensor(t, ParamKind::Weight, dir)?);
    }
    let mut nodes = Vec::with_capacity(g.node.len());
    for (i, n) in g.node.iter().enumerate() {
        let mut node = node_from_proto(n);
        if node.name.is_empty() {
            // Reports and `verify --layers` name nodes; give anonymous ones a stable name.
            node.name = format!("{}_{i}", node.op);
        }
        if let Some(domain) = n.domain.as_deref().filter(|d| !d.is_empty() && *d != "ai.onnx") {
            return Err(ReadError::Domain { node: node.name, op: node.op, domain: domain.to_string() });
        }
        if node.op == "Constant" {
            tensors.push(constant(n, &node.name)?);
            continue;
        }
        if ops::lookup(&node.op).is_none()
            && !["Shape", "Gather", "Unsqueeze", "ReduceMean"].contains(&node.op.as_str())
        {
            return Err(ReadError::UnsupportedOp { node: node.name, op: node.op });
        }
        nodes.push(node);
    }
    classify(&mut tensors, &nodes);

    let is_init = |name: &str| tensors.iter().any(|t| t.name == name);
    // Files from IR < 4 list initializers among the graph inputs as well.
    let inputs = g
        .input
        .iter()
        .filter(|v| !is_init(v.name.as_deref().unwrap_or_default()))
        .map(|v| io(v, "input"))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = g.output.iter().map(|v| io(v, "output")).collect::<Result<Vec<_>, _>>()?;
    let mut graph = Graph {
        name: g.name.clone().unwrap_or_default(),
        ir_version: proto.ir_version.unwrap_or(0),
        opset,
        producer_name: proto.producer_name.clone().unwrap_or_default(),
        producer_version: proto.producer_version.clone().unwrap_or_default(),
        doc: proto.doc_string.clone().unwrap_or_default(),
        inputs,
        outputs,
        nodes,
        tensors,
        value_info: vec![],
        metadata: proto
            .metadata_props
            .iter()
            .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
            .collect(),
    };
    // Pools first: the shape-chain fold types every node it passes with zoo's ops.
    let pools =
        super::reduce_mean::rewrite(&mut graph).map_err(|(node, reason)| ReadError::Reduction { node, reason })?;
    let mut chains =
        super::shape_chains::fold(&mut graph).map_err(|(node, reason)| ReadError::ShapeChain { node, reason })?;
    graph.infer()?;
    super::reduce_mean::check_ranks(&graph, &pools).map_err(|(node, reason)| ReadError::Reduction { node, reason })?;
    let flattened = super::shape_chains::flatten_reshapes(&mut graph);
    if !flattened.is_empty() {
        chains.extend(flattened);
        graph.infer()?;
    }
    let reports = [
        PassReport {
            pass: "reduce-mean-to-global-pool",
            changed: pools.into_iter().map(|(_, l)| l).collect(),
            kept: vec![],
        },
        PassReport { pass: "fold-shape-chains", changed: chains, kept: vec![] },
    ];
    Ok((graph, reports.into_iter().filter(|r| !r.changed.is_empty()).collect()))
}

fn io(v: &zoo_proto::ValueInfoProto, what: &'static str) -> Result<Io, ReadError> {
    let name = v.name.clone().unwrap_or_default();
    let info = tensor_info(v).ok_or_else(|| ReadError::Io { what, name: name.clone() })?;
    Ok(Io { name, info })
}

fn read_tensor(t: TensorProto, kind: ParamKind, dir: Option<&Path>) -> Result<Tensor, ReadError> {
    let name = t.name.clone().unwrap_or_default();
    let fail = |reason: String| ReadError::Tensor { name: name.clone(), reason };
    let code = t.data_type.unwrap_or(0);
    let dtype = DType::from_onnx(code)
        .ok_or_else(|| fail(format!("element type {code} is not float, float16, int64, int32, int8 or uint8")))?;
    let dims = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| fail(format!("negative dimension {d}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let numel = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| fail("shape overflows".into()))?;
    if external::is_external(&t) {
        let dir = dir.ok_or_else(|| fail("external data, but no model folder to read it from".into()))?;
        let bytes = numel.checked_mul(dtype.size()).ok_or_else(|| fail("shape overflows".into()))? as u64;
        let at = external::resolve(&t, dir, bytes).map_err(fail)?;
        let data = TensorData::External { dtype, path: Arc::new(at.path), offset: at.offset };
        return Ok(Tensor { name, dims, kind, data });
    }
    let bytes = match (dtype, t.raw_data) {
        (_, Some(raw)) => raw,
        (DType::F32, None) => t.float_data.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into(),
        (DType::I64, None) => t.int64_data.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into(),
        // float16 values travel as the low 16 bits of int32_data.
        (DType::F16, None) => t.int32_data.iter().flat_map(|&x| (x as u16).to_le_bytes()).collect::<Vec<u8>>().into(),
        // int8/uint8 also travel in int32_data, one value per element.
        (DType::I8 | DType::U8, None) => t.int32_data.iter().map(|&x| x as u8).collect::<Vec<u8>>().into(),
        (DType::I32, None) => t.int32_data.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into(),
    };
    let expected = numel.checked_mul(dtype.size()).ok_or_else(|| fail("shape overflows".into()))?;
    if bytes.len() != expected {
        return Err(fail(format!(
            "holds {} bytes, its shape {dims:?} of {dtype} needs {expected} (file truncated or corrupt?)",
            bytes.len()
        )));
    }
    // Small tensors (shape constants, biases) are copied out so passes can read them as
    // plain bytes; big ones stay slices of the file's buffer.
    let data = if bytes.len() <= SMALL {
        TensorData::bytes(dtype, bytes.to_vec())
    } else {
        TensorData::Shared { dtype, bytes }
    };
    Ok(Tensor { name, dims, kind, data })
}

/// A `Constant` node's value as an initializer of the same name.
fn constant(n: &NodeProto, node: &str) -> Result<Tensor, ReadError> {
    let fail = |reason: &str| ReadError::Constant { node: node.to_string(), reason: reason.to_string() };
    let [output] = n.output.as_slice() else { return Err(fail("expects one output")) };
    let [a] = n.attribute.as_slice() else { return Err(fail("expects exactly one value attribute")) };
    let data = match a.name.as_deref() {
        Some("value") => {
            let t = a.t.clone().ok_or_else(|| fail("`value` holds no tensor"))?;
            return Ok(Tensor { name: output.clone(), ..read_tensor(t, ParamKind::Constant, None)? });
        }
        Some("value_ints") => {
            (vec![a.ints.len()], TensorData::bytes(DType::I64, a.ints.iter().flat_map(|x| x.to_le_bytes()).collect()))
        }
        Some("value_int") => (vec![], TensorData::bytes(DType::I64, a.i.unwrap_or(0).to_le_bytes().to_vec())),
        Some("value_floats") => (vec![a.floats.len()], TensorData::f32s(&a.floats)),
        Some("value_float") => (vec![], TensorData::f32s(&[a.f.unwrap_or(0.0)])),
        _ => return Err(fail("only `value`, `value_int(s)` and `value_float(s)` are read")),
    };
    Ok(Tensor { name: output.clone(), dims: data.0, kind: ParamKind::Constant, data: data.1 })
}

/// Weight, buffer or constant, from the role the reading ops give each initializer (so that
/// the canonical weights' checksum covers what it covers for zoo's own exports).
fn classify(tensors: &mut [Tensor], nodes: &[Node]) {
    for t in tensors.iter_mut() {
        let roles: Vec<Role> = nodes
            .iter()
            .flat_map(|n| {
                let def = ops::lookup(&n.op);
                n.inputs
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| **i == t.name)
                    .map(move |(k, _)| def.map_or(Role::Data, |d| (d.role)(k)))
            })
            .collect();
        t.kind = if t.dtype() == DType::I64 {
            ParamKind::Constant
        } else if roles.contains(&Role::Weight) {
            ParamKind::Weight
        } else if roles.contains(&Role::Buffer) {
            ParamKind::Buffer
        } else {
            ParamKind::Constant
        };
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::test_fixtures::small_model;
    use crate::{Seeded, write};

    fn written() -> ModelProto {
        let mut bytes = Vec::new();
        write::encode(&small_model(), &Seeded { seed: 3 }, &mut bytes).unwrap();
        ModelProto::decode(bytes.as_slice()).unwrap()
    }

    /// Reading a file zoo wrote and writing it again gives the same bytes: the reader loses
    /// nothing the writer wrote.
    #[test]
    fn read_then_write_is_the_identity() {
        let mut bytes = Vec::new();
        write::encode(&small_model(), &Seeded { seed: 3 }, &mut bytes).unwrap();
        let graph = read_model(ModelProto::decode(bytes.as_slice()).unwrap()).unwrap();
        let mut again = Vec::new();
        // Nothing is drawn from the source: every tensor's bytes come from the file.
        write::encode(&graph, &crate::weights::NoWeights, &mut again).unwrap();
        assert_eq!(again, bytes);
    }

    #[test]
    fn unknown_ops_and_bad_tensors_are_named() {
        let mut m = written();
        m.graph.as_mut().unwrap().node[2].op_type = Some("Elu".into());
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("node `relu`: op `Elu` is not supported"), "{err}");

        let mut m = written();
        let raw = m.graph.as_mut().unwrap().initializer[0].raw_data.as_mut().unwrap();
        raw.truncate(raw.len() - 4);
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("initializer `conv.weight`") && err.contains("truncated"), "{err}");

        let mut m = written();
        m.graph.as_mut().unwrap().node.swap(0, 1);
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("is not defined before it"), "{err}");
    }

    /// Found by `cargo fuzz run onnx_ir`: a shape chain whose Gather has no output panicked
    /// (indexing `outputs[0]`); so did one gathering from a tensor with a shape as the index.
    #[test]
    fn malformed_shape_chains_are_errors() {
        let bytes = include_bytes!("../../tests/fuzz/onnx_ir-gather-without-output.onnx");
        let m = ModelProto::decode(&bytes[..]).unwrap();
        let err = read_model(m.clone()).unwrap_err().to_string();
        assert!(err.contains("node `gather`: Gather has no output"), "{err}");

        let mut m = m;
        let gather = &mut m.graph.as_mut().unwrap().node[3];
        gather.output = vec!["n".into()];
        gather.input.reverse();
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("gathers from `i`, which is not a shape computed before it"), "{err}");
    }
}
