//! Reading an ONNX file into the IR, so that passes apply to files zoo did not write
//! (torch.onnx.export's, the ONNX Model Zoo's).
//!
//! Spec: https://onnx.ai/onnx/repo-docs/IR.html. The reader takes every node: the ops zoo knows
//! (`ops::lookup`) it types and its passes rewrite; every other op — recurrent layers, control
//! flow with its sub-graphs, other domains (com.microsoft, custom) — is carried through verbatim
//! (attributes, sub-graphs, domain, the domain's opset import, model-local functions), typed
//! from the file's `value_info` where it declares one ([`Graph::infer`]). It turns `Constant`
//! nodes into initializers, folds the `Shape → Gather → Unsqueeze → Concat → Reshape` chains of
//! `x.view(n, -1)` and reads a spatial `ReduceMean` (torch's dynamo exporter's global pool) as
//! GlobalAveragePool where it can; what it cannot fold stays as the file wrote it.
//! What cannot be carried is one error listing every such tensor at once (a type zoo cannot
//! write, data shorter or longer than its shape); a file inconsistent with itself (a value
//! defined twice, an initializer listed as an input of another type, nodes out of topological
//! order) is an error naming the node.
//! Tensor data is moved out of the decoded protobuf (no second copy); external data stays in
//! its file, confined to the model's folder ([`super::external`]), and streams from there.
//! Node order must already be topological (as the IR spec requires); shape inference over the
//! read graph ([`Graph::infer`]) checks it and the shapes, naming the first node that fails.

use std::path::Path;
use std::sync::Arc;

use zoo_proto::{ModelProto, NodeProto, TensorProto};

use super::{Graph, Io, Node, Tensor, TensorData, default_opset, external, node_from_proto};
use crate::GraphError;
use crate::ops::Role;
use crate::param::ParamKind;
use crate::passes::PassReport;
use crate::proto_util::tensor_info;
use crate::tensor::{DType, Dim, TensorInfo};

/// Tensors up to this many bytes are copied out of the file's buffer.
const SMALL: usize = 4096;

/// Why a model cannot be read into the IR.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the model has no graph")]
    NoGraph,
    #[error("the model imports no version of the default ONNX domain")]
    NoOpset,
    #[error("initializer `{name}`: {reason}")]
    Tensor { name: String, reason: String },
    #[error("{} tensors cannot be carried through (nothing was written): {}", .0.len(), .0.join("; "))]
    Uncarried(Vec<String>),
    #[error("value `{name}` is defined twice: by {first} and by {second}; each value must have one producer")]
    Twice { name: String, first: String, second: String },
    #[error(
        "graph input `{name}` is declared {declared}, but the initializer of that name is {actual}: re-export the file"
    )]
    Contradicts { name: String, declared: String, actual: String },
    #[error("graph {what} `{name}` has no tensor type zoo reads (a tensor of a numeric element type)")]
    Io { what: &'static str, name: String },
    #[error("node `{node}` (Constant): {reason}")]
    Constant { node: String, reason: String },
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
    let mut uncarried = Vec::new();
    for t in std::mem::take(&mut g.initializer) {
        match read_tensor(t, ParamKind::Weight, dir) {
            Ok(t) => tensors.push(t),
            Err(ReadError::Tensor { name, reason }) => uncarried.push(format!("initializer `{name}`: {reason}")),
            Err(e) => return Err(e),
        }
    }
    let mut nodes = Vec::with_capacity(g.node.len());
    for (i, n) in g.node.iter().enumerate() {
        let mut node = node_from_proto(n);
        if node.name.is_empty() {
            // Reports and `verify --layers` name nodes; give anonymous ones a stable name.
            node.name = format!("{}_{i}", node.op);
        }
        if node.is("Constant") {
            match constant(n, &node.name) {
                Ok(t) => {
                    tensors.push(t);
                    continue;
                }
                // A value zoo cannot hold as an initializer (a sparse tensor, strings) stays a
                // Constant node, carried as the file wrote it.
                Err(ReadError::Constant { .. } | ReadError::Tensor { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        nodes.push(node);
    }
    if !uncarried.is_empty() {
        return Err(ReadError::Uncarried(uncarried));
    }
    check_single_definitions(&tensors, &g.input, &nodes)?;
    classify(&mut tensors, &nodes);

    let is_init = |name: &str| tensors.iter().any(|t| t.name == name);
    // Files from IR < 4 list initializers among the graph inputs as well; their types must agree.
    for v in g.input.iter().filter(|v| is_init(v.name())) {
        let t = tensors.iter().find(|t| t.name == v.name()).expect("an initializer");
        let actual = TensorInfo::new(t.dtype(), t.dims.iter().map(|&d| Dim::Known(d)).collect());
        if let Some(declared) = tensor_info(v)
            && (declared.dtype != actual.dtype || (declared.rank() != actual.rank() && !declared.shape.is_empty()))
        {
            return Err(ReadError::Contradicts {
                name: v.name().to_string(),
                declared: format!("{} {}", declared.dtype, declared.shape_string()),
                actual: format!("{} {}", actual.dtype, actual.shape_string()),
            });
        }
    }
    let mut unranked = Vec::new();
    let inputs = g
        .input
        .iter()
        .filter(|v| !is_init(v.name.as_deref().unwrap_or_default()))
        .map(|v| io(v, "input", &mut unranked))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = g.output.iter().map(|v| io(v, "output", &mut unranked)).collect::<Result<Vec<_>, _>>()?;
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
        imports: proto
            .opset_import
            .iter()
            .filter(|o| !matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
            .cloned()
            .collect(),
        functions: std::mem::take(&mut proto.functions),
        declared: std::mem::take(&mut g.value_info),
        untyped: vec![],
        unranked,
    };
    // Shape arithmetic first: what it folds types what follows it (ShuffleNetV2's pool after its
    // channel shuffles), which the pools' rewrite needs the ranks of.
    graph.infer()?;
    let (mut chains, chains_kept) = super::shape_chains::fold(&mut graph);
    graph.infer()?;
    let (pools, pools_kept) = super::reduce_mean::rewrite(&mut graph);
    if !pools.is_empty() {
        graph.infer()?;
    }
    let flattened = super::shape_chains::flatten_reshapes(&mut graph);
    if !flattened.is_empty() {
        chains.extend(flattened);
        graph.infer()?;
    }
    let carried: Vec<(String, String)> = graph
        .nodes
        .iter()
        .filter(|n| n.def().is_none() && !n.is("Constant"))
        .map(|n| (n.name.clone(), format!("op `{}` carried through as the file wrote it", n.op_name())))
        .collect();
    let reports = [
        PassReport {
            pass: "reduce-mean-to-global-pool",
            changed: pools.into_iter().map(|(_, l)| l).collect(),
            kept: pools_kept,
        },
        PassReport { pass: "fold-shape-chains", changed: chains, kept: chains_kept },
        PassReport { pass: "carry-through", changed: vec![], kept: carried },
    ];
    Ok((graph, reports.into_iter().filter(|r| !r.changed.is_empty() || !r.kept.is_empty()).collect()))
}

/// Every value has one producer: a graph input, an initializer or one node's output.
fn check_single_definitions(
    tensors: &[Tensor],
    inputs: &[zoo_proto::ValueInfoProto],
    nodes: &[Node],
) -> Result<(), ReadError> {
    let mut by: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for t in tensors {
        if let Some(first) = by.insert(&t.name, format!("initializer `{}`", t.name)) {
            return Err(ReadError::Twice { name: t.name.clone(), first, second: "another initializer".into() });
        }
    }
    for v in inputs {
        // IR < 4: an initializer listed as an input too is one value.
        by.entry(v.name()).or_insert_with(|| format!("graph input `{}`", v.name()));
    }
    for n in nodes {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            if let Some(first) = by.insert(o, format!("node `{}`", n.name)) {
                return Err(ReadError::Twice { name: o.clone(), first, second: format!("node `{}`", n.name) });
            }
        }
    }
    Ok(())
}

/// A graph input or output; one whose tensor type has no shape at all (an If's output, often)
/// is read with rank 0 and recorded in `unranked`, so that it is written back without one.
fn io(v: &zoo_proto::ValueInfoProto, what: &'static str, unranked: &mut Vec<String>) -> Result<Io, ReadError> {
    use zoo_proto::type_proto;
    let name = v.name.clone().unwrap_or_default();
    if let Some(info) = tensor_info(v) {
        return Ok(Io { name, info });
    }
    let elem = match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) if t.shape.is_none() => t.elem_type.and_then(DType::from_onnx),
        _ => None,
    };
    let dtype = elem.ok_or_else(|| ReadError::Io { what, name: name.clone() })?;
    unranked.push(name.clone());
    Ok(Io { name, info: TensorInfo::new(dtype, vec![]) })
}

fn read_tensor(t: TensorProto, kind: ParamKind, dir: Option<&Path>) -> Result<Tensor, ReadError> {
    let name = t.name.clone().unwrap_or_default();
    let fail = |reason: String| ReadError::Tensor { name: name.clone(), reason };
    let code = t.data_type.unwrap_or(0);
    let dtype = DType::from_onnx(code).ok_or_else(|| {
        fail(format!("element type {code} ({}) is not a numeric type zoo can write", type_name(code)))
    })?;
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
        // The carried types' typed fields (onnx.proto's TensorProto comments).
        (DType::Bool, None) => t.int32_data.iter().map(|&x| u8::from(x != 0)).collect::<Vec<u8>>().into(),
        (DType::I16 | DType::U16 | DType::BF16, None) => {
            t.int32_data.iter().flat_map(|&x| (x as u16).to_le_bytes()).collect::<Vec<u8>>().into()
        }
        (DType::U32, None) => t.uint64_data.iter().flat_map(|&x| (x as u32).to_le_bytes()).collect::<Vec<u8>>().into(),
        (DType::U64, None) => t.uint64_data.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into(),
        (DType::F64, None) => t.double_data.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into(),
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

/// An element type's name as onnx.proto spells it.
fn type_name(code: i32) -> &'static str {
    zoo_proto::tensor_proto::DataType::try_from(code).map_or("unknown", |d| d.as_str_name())
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
                let def = n.def();
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

    /// An op zoo does not know, or one of another domain, is carried through as the file wrote
    /// it, typed from the file's `value_info`; the domain's opset import goes with it.
    #[test]
    fn unknown_ops_are_carried_verbatim() {
        let mut m = written();
        m.graph.as_mut().unwrap().node[2].op_type = Some("Shrink".into());
        m.graph.as_mut().unwrap().node[2].attribute.push(crate::attr::float("lambd", 0.5));
        let (g, reports) = read_model_report(m.clone(), None).unwrap();
        let carry = reports.iter().find(|r| r.pass == "carry-through").unwrap();
        assert_eq!(carry.kept, [("relu".to_string(), "op `Shrink` carried through as the file wrote it".to_string())]);
        assert!(g.untyped.is_empty(), "{:?}", g.untyped);
        assert_eq!(g.skeleton().graph.unwrap().node[2], m.graph.as_ref().unwrap().node[2]);

        let mut m = written();
        m.graph.as_mut().unwrap().node[2].domain = Some("com.example".into());
        m.opset_import.push(zoo_proto::OperatorSetIdProto { domain: Some("com.example".into()), version: Some(3) });
        let relu_out = m.graph.as_ref().unwrap().node[2].output[0].clone();
        m.graph.as_mut().unwrap().value_info.retain(|v| v.name() != relu_out);
        let g = read_model(m.clone()).unwrap();
        // Without a declaration its output has no type, and neither has what reads it.
        assert!(g.untyped.iter().any(|(v, why)| *v == relu_out && why.contains("com.example:Relu")), "{:?}", g.untyped);
        let back = g.skeleton();
        assert_eq!(back.graph.as_ref().unwrap().node[2].domain.as_deref(), Some("com.example"));
        assert!(back.opset_import.iter().any(|o| o.domain.as_deref() == Some("com.example") && o.version == Some(3)));
    }

    #[test]
    fn what_cannot_be_carried_is_named_at_once() {
        let mut m = written();
        let g = m.graph.as_mut().unwrap();
        let raw = g.initializer[0].raw_data.as_mut().unwrap();
        raw.truncate(raw.len() - 4);
        g.initializer.push(TensorProto {
            name: Some("labels".into()),
            data_type: Some(zoo_proto::tensor_proto::DataType::String as i32),
            dims: vec![1],
            string_data: vec![b"cat".to_vec()],
            ..Default::default()
        });
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.starts_with("2 tensors cannot be carried through (nothing was written)"), "{err}");
        assert!(err.contains("initializer `conv.weight`") && err.contains("truncated"), "{err}");
        assert!(err.contains("initializer `labels`: element type 8 (STRING)"), "{err}");
    }

    /// A spatial ReduceMean without an output is left as it is (indexing its output panicked);
    /// what reads the value it does not make is the error.
    #[test]
    fn a_reduce_mean_without_output_is_no_panic() {
        let mut m = written();
        let g = m.graph.as_mut().unwrap();
        let relu = &mut g.node[2];
        relu.op_type = Some("ReduceMean".into());
        relu.attribute = vec![crate::attr::ints("axes", &[2, 3])];
        relu.output.clear();
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("is not defined before it"), "{err}");
    }

    /// A file inconsistent with itself: one line naming the node.
    #[test]
    fn inconsistent_files_name_the_node() {
        let mut m = written();
        m.graph.as_mut().unwrap().node.swap(0, 1);
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("is computed by node") && err.contains("not in topological order"), "{err}");

        let mut m = written();
        let g = m.graph.as_mut().unwrap();
        let first = g.node[0].output[0].clone();
        g.node[1].output = vec![first.clone()];
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains(&format!("value `{first}` is defined twice")), "{err}");

        let mut m = written();
        let g = m.graph.as_mut().unwrap();
        let mut as_input =
            crate::proto_util::value_info("conv.weight", &TensorInfo::new(DType::I64, vec![Dim::Known(3)]));
        as_input.name = Some("conv.weight".into());
        g.input.push(as_input);
        let err = read_model(m).unwrap_err().to_string();
        assert!(err.contains("graph input `conv.weight` is declared i64 [3]"), "{err}");
    }

    /// Found by `cargo fuzz run onnx_ir`: a shape chain whose Gather has no output panicked
    /// (indexing `outputs[0]`); so did one gathering from a tensor with a shape as the index.
    /// Now the first is the error of the node that reads the missing value, and the second the
    /// Gather's own: its data is a scalar.
    #[test]
    fn malformed_shape_chains_are_errors_or_carried() {
        let bytes = include_bytes!("../../tests/fuzz/onnx_ir-gather-without-output.onnx");
        let m = ModelProto::decode(&bytes[..]).unwrap();
        let err = read_model(m.clone()).unwrap_err().to_string();
        assert!(err.contains("layer `unsqueeze`") && err.contains("input `n` is not defined before it"), "{err}");

        let mut m = m;
        let gather = &mut m.graph.as_mut().unwrap().node[3];
        gather.output = vec!["n".into()];
        gather.input.reverse();
        // Gather is a registry op now: gathering from a rank-0 tensor is what the spec forbids.
        let err = read_model_report(m, None).unwrap_err().to_string();
        assert!(err.contains("layer `gather`") && err.contains("data of rank 0 has no axis"), "{err}");
    }
}
