//! The graph IR between the builder and `ModelProto`: what the compiler's passes rewrite.
//!
//! A [`Graph`] holds nodes and values by name (as ONNX does, so a pass that keeps a value keeps
//! its name and a compiled file can be compared with its reference value by value), typed
//! inputs and outputs, and initializers whose data is *lazy*: a [`TensorData`] says how to
//! produce the bytes when the writer streams them — drawn from a [`WeightSource`], held in
//! memory, a slice of a file read once, a region of an external-data file, or derived from
//! another tensor (a folded convolution's `W·k`, computed in f64 and rounded once; an fp16 copy,
//! saturated and counted). Exports therefore stay streaming after any pass.
//!
//! [`Graph::from_model`] takes what `Net::finish` produced; [`Graph::skeleton`] gives back the
//! `ModelProto` the streaming writer fills; [`read::read_model`] reads any ONNX file of the ops
//! zoo knows into it, and [`crate::passes`] rewrite it.

pub mod data;
pub mod external;
pub mod read;
mod reduce_mean;
mod shape_chains;
mod shape_values;

use std::collections::{HashMap, HashSet};

use zoo_proto::{
    AttributeProto, FunctionProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, ValueInfoProto,
};

pub use data::{Tensor, TensorData};

use crate::error::ShapeError;
use crate::model::Model;
use crate::ops;
use crate::param::{Init, ParamKind};
use crate::proto_util::{tensor_info, value_info};
use crate::tensor::{DType, Dim, TensorInfo};

/// One node: its op (and the op's domain), value names and attributes. Attributes are kept as
/// the file wrote them, sub-graphs (If, Loop, Scan bodies) included, so an op zoo does not know
/// is carried through a compilation verbatim.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    pub name: String,
    pub op: String,
    /// `""` for the default ONNX domain (also when a file spells it `ai.onnx`).
    pub domain: String,
    /// Input value names; `""` marks an omitted optional input, as in ONNX.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attrs: Vec<AttributeProto>,
}

impl Node {
    pub fn proto(&self) -> NodeProto {
        NodeProto {
            name: Some(self.name.clone()),
            op_type: Some(self.op.clone()),
            domain: (!self.domain.is_empty()).then(|| self.domain.clone()),
            input: self.inputs.clone(),
            output: self.outputs.clone(),
            attribute: self.attrs.clone(),
            ..Default::default()
        }
    }

    /// What zoo knows of the node's op: `None` for an op of another domain or one the registry
    /// does not hold (the node is carried through as it is).
    pub fn def(&self) -> Option<&'static ops::OpDef> {
        if self.domain.is_empty() { ops::lookup(&self.op) } else { None }
    }

    /// Whether the node is op `op` of the default domain (a custom domain's `Conv` is not).
    pub fn is(&self, op: &str) -> bool {
        self.op == op && self.domain.is_empty()
    }

    /// The values of the enclosing graph that the node's sub-graphs (If, Loop, Scan bodies) read
    /// by name without listing them as inputs: as much its inputs as `inputs` are.
    pub fn captures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.attrs {
            for g in a.g.iter().chain(&a.graphs) {
                captured(g, &mut out);
            }
        }
        out
    }

    /// Every value the node reads: its inputs, then what its sub-graphs capture.
    pub fn reads(&self) -> Vec<String> {
        let mut r: Vec<String> = self.inputs.iter().filter(|i| !i.is_empty()).cloned().collect();
        r.extend(self.captures());
        r
    }

    /// Renames value `from` to `to` where the node reads it: its inputs and, inside its
    /// sub-graphs, every read of the captured value (not where a sub-graph defines its own).
    pub fn rename_read(&mut self, from: &str, to: &str) {
        for i in &mut self.inputs {
            if i == from {
                *i = to.to_string();
            }
        }
        for a in &mut self.attrs {
            for g in a.g.iter_mut().chain(a.graphs.iter_mut()) {
                rename_captured(g, from, to);
            }
        }
    }

    /// `Op` or `domain:Op`, for reports.
    pub fn op_name(&self) -> String {
        if self.domain.is_empty() { self.op.clone() } else { format!("{}:{}", self.domain, self.op) }
    }
}

/// A named, typed graph input or output.
#[derive(Debug, Clone, PartialEq)]
pub struct Io {
    pub name: String,
    pub info: TensorInfo,
}

/// A model as the compiler sees it.
#[derive(Debug, Clone)]
pub struct Graph {
    pub name: String,
    pub ir_version: i64,
    /// Version of the default ONNX domain.
    pub opset: i64,
    pub producer_name: String,
    pub producer_version: String,
    pub doc: String,
    pub inputs: Vec<Io>,
    pub outputs: Vec<Io>,
    pub nodes: Vec<Node>,
    pub tensors: Vec<Tensor>,
    /// Types of intermediate values, in graph order (recomputed by [`Graph::infer`]).
    pub value_info: Vec<Io>,
    pub metadata: Vec<(String, String)>,
    /// Opset imports of domains other than the default one (custom ops, com.microsoft), kept
    /// as the file declared them.
    pub imports: Vec<OperatorSetIdProto>,
    /// The file's model-local functions, kept verbatim.
    pub functions: Vec<FunctionProto>,
    /// The file's own `value_info`: the types of values produced by ops zoo carries without
    /// typing them (written back for exactly those values).
    pub declared: Vec<ValueInfoProto>,
    /// Values whose type zoo's inference cannot give, each with why (recomputed by
    /// [`Graph::infer`]): a pass that needs one of their types names it.
    pub untyped: Vec<(String, String)>,
    /// Graph inputs and outputs the file declares without a shape (held with rank 0; written
    /// back without one).
    pub unranked: Vec<String>,
}

impl Graph {
    /// The IR of a model the builder finished. Lossless: writing it gives the same bytes as
    /// writing the model itself.
    pub fn from_model(model: &Model) -> Result<Graph, ShapeError> {
        let proto = &model.proto;
        let g = proto.graph.clone().unwrap_or_default();
        let opset = default_opset(&proto.opset_import).unwrap_or(0);
        let io = |vi: &ValueInfoProto| -> Result<Io, ShapeError> {
            let name = vi.name.clone().unwrap_or_default();
            let info =
                tensor_info(vi).ok_or_else(|| ShapeError::Mismatch(format!("value `{name}` has no tensor type")))?;
            Ok(Io { name, info })
        };
        let tensors = model
            .params
            .iter()
            .map(|p| {
                let data = match &p.init {
                    Init::I64(v) => TensorData::bytes(DType::I64, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                    Init::F32(v) if p.kind == ParamKind::Constant => {
                        TensorData::bytes(DType::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect())
                    }
                    _ => TensorData::Param(p.clone()),
                };
                Tensor { name: p.name.clone(), dims: p.dims.clone(), kind: p.kind, data }
            })
            .collect();
        Ok(Graph {
            name: g.name.unwrap_or_default(),
            ir_version: proto.ir_version.unwrap_or(0),
            opset,
            producer_name: proto.producer_name.clone().unwrap_or_default(),
            producer_version: proto.producer_version.clone().unwrap_or_default(),
            doc: proto.doc_string.clone().unwrap_or_default(),
            inputs: g.input.iter().map(io).collect::<Result<_, _>>()?,
            outputs: g.output.iter().map(io).collect::<Result<_, _>>()?,
            nodes: g.node.iter().map(node_from_proto).collect(),
            tensors,
            value_info: g.value_info.iter().map(io).collect::<Result<_, _>>()?,
            metadata: proto
                .metadata_props
                .iter()
                .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
                .collect(),
            imports: vec![],
            functions: vec![],
            declared: vec![],
            untyped: vec![],
            unranked: vec![],
        })
    }

    /// The model without its initializers' data (skeletons carry name, type and dims; the
    /// writer streams the data or points at the external file).
    pub fn skeleton(&self) -> ModelProto {
        use zoo_proto::GraphProto;
        let graph = GraphProto {
            node: self.nodes.iter().map(Node::proto).collect(),
            name: Some(self.name.clone()),
            initializer: vec![],
            input: self.inputs.iter().map(|v| self.io_info(v)).collect(),
            output: self.outputs.iter().map(|v| self.io_info(v)).collect(),
            value_info: self
                .value_info
                .iter()
                .map(|v| self.anonymous_derived(value_info(&v.name, &v.info)))
                .chain(self.carried_info())
                .collect(),
            ..Default::default()
        };
        let mut opset_import = vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(self.opset) }];
        opset_import.extend(self.imports.iter().cloned());
        ModelProto {
            ir_version: Some(self.ir_version),
            opset_import,
            functions: self.functions.clone(),
            producer_name: Some(self.producer_name.clone()),
            producer_version: Some(self.producer_version.clone()),
            doc_string: Some(self.doc.clone()),
            graph: Some(graph),
            metadata_props: self
                .metadata
                .iter()
                .map(|(k, v)| StringStringEntryProto { key: Some(k.clone()), value: Some(v.clone()) })
                .collect(),
            ..Default::default()
        }
    }

    /// `vi` with every symbolic dimension that no graph input names left unnamed: zoo's
    /// inference names what it cannot compute (`up_d2`, a Resize of a symbolic size) so that
    /// two unknown sizes never look equal, but a name in the file is a claim a runtime holds it
    /// to (tract refuses a Resize whose `N_resized0` it finds to be 2); an unnamed dimension
    /// claims nothing.
    fn anonymous_derived(&self, mut vi: ValueInfoProto) -> ValueInfoProto {
        use zoo_proto::tensor_shape_proto::dimension::Value;
        let named =
            |s: &str| self.inputs.iter().any(|i| i.info.shape.iter().any(|d| matches!(d, Dim::Sym(n) if n == s)));
        if let Some(zoo_proto::type_proto::Value::TensorType(t)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut()) {
            for d in t.shape.iter_mut().flat_map(|s| s.dim.iter_mut()) {
                if matches!(&d.value, Some(Value::DimParam(s)) if !named(s)) {
                    d.value = None;
                }
            }
        }
        vi
    }

    fn io_info(&self, v: &Io) -> ValueInfoProto {
        let mut vi = value_info(&v.name, &v.info);
        if self.unranked.contains(&v.name)
            && let Some(zoo_proto::type_proto::Value::TensorType(t)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut())
        {
            t.shape = None;
        }
        vi
    }

    /// The file's declarations of the values zoo could not type, as it wrote them.
    fn carried_info(&self) -> impl Iterator<Item = ValueInfoProto> + '_ {
        let untyped: HashSet<&str> = self.untyped.iter().map(|(v, _)| v.as_str()).collect();
        self.declared.iter().filter(move |v| untyped.contains(v.name())).cloned()
    }

    /// The lowest IR version that can hold this graph: the one of the onnx release that
    /// introduced its default opset (onnx's `helper.VERSION_TABLE`), raised where the file uses
    /// something later IR versions added — initializers that are not graph inputs (IR 4),
    /// model-local functions (IR 8). Runtimes refuse IR versions newer than they know even when
    /// nothing in the file needs them (ONNX Runtime 1.31 refuses IR 14, which onnx 1.23's
    /// `make_model` stamps on opset-13 files).
    pub fn lowest_ir_version(&self) -> i64 {
        let by_opset = match self.opset {
            ..=8 => 3,
            9 => 4,
            10 => 5,
            11 => 6,
            12..=14 => 7,
            15..=18 => 8,
            19..=20 => 9,
            21..=22 => 10,
            23 => 11,
            24 => 12,
            25..=27 => 13,
            _ => 14,
        };
        let mut ir = by_opset;
        if !self.tensors.is_empty() {
            ir = ir.max(4);
        }
        if !self.functions.is_empty() {
            ir = ir.max(8);
        }
        ir
    }

    pub fn tensor(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    pub fn tensor_index(&self, name: &str) -> Option<usize> {
        self.tensors.iter().position(|t| t.name == name)
    }

    /// Nodes reading value `name`, by index.
    pub fn consumers(&self, name: &str) -> Vec<usize> {
        self.nodes.iter().enumerate().filter(|(_, n)| n.reads().iter().any(|i| i == name)).map(|(i, _)| i).collect()
    }

    /// The node producing value `name`, by index.
    pub fn producer(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.outputs.iter().any(|o| o == name))
    }

    pub fn is_output(&self, name: &str) -> bool {
        self.outputs.iter().any(|o| o.name == name)
    }

    /// The type of value `name` where it is known (input, output, initializer, value_info).
    pub fn info(&self, name: &str) -> Option<TensorInfo> {
        if let Some(t) = self.tensor(name) {
            return Some(TensorInfo::new(t.dtype(), t.dims.iter().map(|&d| Dim::Known(d)).collect()));
        }
        self.inputs.iter().chain(&self.outputs).chain(&self.value_info).find(|v| v.name == name).map(|v| v.info.clone())
    }

    /// Renames every use of value `from` (as a node input) to `to`.
    pub fn rename_uses(&mut self, from: &str, to: &str) {
        for n in &mut self.nodes {
            n.rename_read(from, to);
        }
    }

    /// Drops initializers nothing reads (after a pass made them dead), keeping order.
    pub fn drop_unused_tensors(&mut self) -> Vec<String> {
        let reads: Vec<String> = self.nodes.iter().flat_map(Node::reads).collect();
        let used: HashSet<&str> = reads.iter().map(String::as_str).collect();
        let outputs: HashSet<&str> = self.outputs.iter().map(|o| o.name.as_str()).collect();
        let (keep, dropped): (Vec<Tensor>, Vec<Tensor>) = std::mem::take(&mut self.tensors)
            .into_iter()
            .partition(|t| used.contains(t.name.as_str()) || outputs.contains(t.name.as_str()));
        self.tensors = keep;
        dropped.into_iter().map(|t| t.name).collect()
    }

    /// Drops nodes whose outputs nothing reads and that are not graph outputs, repeatedly.
    pub fn drop_dead_nodes(&mut self) -> usize {
        let mut removed = 0;
        loop {
            let mut live: HashSet<String> = self.outputs.iter().map(|o| o.name.clone()).collect();
            for n in &self.nodes {
                live.extend(n.reads());
            }
            let before = self.nodes.len();
            // A node with an output that nobody reads is still live if another of its outputs is.
            self.nodes.retain(|n| n.outputs.iter().any(|o| live.contains(o)));
            removed += before - self.nodes.len();
            if self.nodes.len() == before {
                return removed;
            }
        }
    }

    /// Recomputes every intermediate value's type with zoo's shape inference (one definition
    /// per op, shared with the builder and `inspect`), in graph order. A node zoo does not know
    /// (or whose inputs it could not type, or whose inference needs a value computed at run
    /// time) takes the types the file declares for its outputs; an output without one is
    /// recorded in [`Graph::untyped`] with why, and nothing fails for it. What fails, naming the
    /// node: an input read before anything defines it, and a known op whose inference rejects
    /// the types it was given (a file inconsistent with itself).
    pub fn infer(&mut self) -> Result<(), crate::GraphError> {
        let mut types: HashMap<String, TensorInfo> = HashMap::new();
        for i in &self.inputs {
            types.insert(i.name.clone(), i.info.clone());
        }
        for t in &self.tensors {
            types.insert(t.name.clone(), TensorInfo::new(t.dtype(), t.dims.iter().map(|&d| Dim::Known(d)).collect()));
        }
        let declared: HashMap<&str, TensorInfo> =
            self.declared.iter().filter_map(|v| Some((v.name(), tensor_info(v)?))).collect();
        let consts: HashMap<String, Vec<i64>> =
            self.tensors.iter().filter_map(|t| t.data.int_values().map(|v| (t.name.clone(), v))).collect();
        // Float constants are decoded only when a node asks (Resize's scales): every small
        // float initializer (biases, BatchNorm statistics) is one, and few are ever read so.
        let data: HashMap<&str, &TensorData> = self.tensors.iter().map(|t| (t.name.as_str(), &t.data)).collect();
        let lookup_const = |name: &str| consts.get(name).cloned();
        let lookup_float = |name: &str| data.get(name).and_then(|d| d.f64_values());
        let io_names: HashSet<&str> =
            self.inputs.iter().chain(&self.outputs).map(|v| v.name.as_str()).collect::<HashSet<_>>();
        let mut defined: HashSet<String> = types.keys().cloned().collect();
        let mut value_info = Vec::new();
        let mut untyped: Vec<(String, String)> = Vec::new();
        let mut outputs_seen: HashMap<String, TensorInfo> = HashMap::new();
        for node in &self.nodes {
            let err = |reason: String| crate::GraphError::Layer {
                layer: node.name.clone(),
                op: "node",
                source: ShapeError::Mismatch(format!("{} node: {reason}", node.op_name())),
            };
            let mut infos = Vec::new();
            let mut missing = None;
            for i in node.captures() {
                if !defined.contains(i.as_str()) {
                    return Err(err(format!("a sub-graph reads `{i}`, which is not defined before the node")));
                }
            }
            for i in node.inputs.iter().filter(|i| !i.is_empty()) {
                if !defined.contains(i.as_str()) {
                    return Err(err(match self.nodes.iter().find(|n| n.outputs.contains(i)) {
                        Some(later) => format!(
                            "input `{i}` is computed by node `{}` after it: the nodes are not in topological order (or form a cycle)",
                            later.name
                        ),
                        None => format!("input `{i}` is not defined before it"),
                    }));
                }
                match types.get(i) {
                    Some(t) => infos.push(t.clone()),
                    None => missing = missing.or(Some(i.as_str())),
                }
            }
            let inferred = match (node.def(), missing) {
                (None, _) => Err(format!("zoo carries op `{}` without typing it", node.op_name())),
                (Some(_), Some(i)) => Err(format!("its input `{i}` has no type zoo knows")),
                (Some(def), None) => {
                    match (def.infer)(&node.proto(), &infos, crate::ops::Consts::new(&lookup_const, &lookup_float)) {
                        Ok(outs) => Ok(outs),
                        Err(e @ ShapeError::NotConstant(_)) => Err(e.to_string()),
                        Err(e) => return Err(err(e.to_string())),
                    }
                }
            };
            for (k, name) in node.outputs.iter().enumerate() {
                if name.is_empty() {
                    continue;
                }
                defined.insert(name.clone());
                let info = match &inferred {
                    Ok(outs) => outs.get(k).cloned(),
                    Err(_) => None,
                };
                let Some(info) = info.or_else(|| declared.get(name.as_str()).cloned()) else {
                    let why = match &inferred {
                        Err(why) => why.clone(),
                        Ok(_) => format!("zoo's inference gives no output {k}"),
                    };
                    untyped.push((name.clone(), format!("node `{}`: {why}", node.name)));
                    continue;
                };
                if !io_names.contains(name.as_str()) {
                    value_info.push(Io { name: name.clone(), info: info.clone() });
                }
                outputs_seen.insert(name.clone(), info.clone());
                types.insert(name.clone(), info);
            }
        }
        for o in &mut self.outputs {
            if let Some(info) = outputs_seen.get(&o.name) {
                // Keep the declared symbolic names (e.g. `N`); take dtype from the inference.
                o.info.dtype = info.dtype;
            }
        }
        self.value_info = value_info;
        self.untyped = untyped;
        Ok(())
    }

    /// The type of value `name`, or why zoo has none (for a pass that needs it).
    pub fn typed(&self, name: &str) -> Result<TensorInfo, String> {
        self.info(name).ok_or_else(|| {
            self.untyped.iter().find(|(v, _)| v == name).map_or_else(
                || format!("value `{name}` has no type"),
                |(v, why)| format!("value `{v}` has no type ({why})"),
            )
        })
    }

    /// A metadata entry's value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets (replacing) a metadata entry.
    pub fn set_meta(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.metadata.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value,
            None => self.metadata.push((key.to_string(), value)),
        }
    }

    pub fn remove_meta(&mut self, key: &str) {
        self.metadata.retain(|(k, _)| k != key);
    }

    /// A value name not used anywhere in the graph, starting from `base`.
    pub fn fresh_name(&self, base: &str) -> String {
        let used = |n: &str| {
            self.tensor(n).is_some()
                || self.inputs.iter().chain(&self.outputs).any(|v| v.name == n)
                || self.nodes.iter().any(|x| x.name == n || x.outputs.iter().any(|o| o == n))
        };
        if !used(base) {
            return base.to_string();
        }
        (1..).map(|i| format!("{base}_{i}")).find(|n| !used(n)).unwrap_or_else(|| base.to_string())
    }
}

/// Names `g`'s nodes read that `g` does not define (its inputs, initializers, node outputs),
/// recursively: the enclosing scopes' values it captures.
fn captured(g: &zoo_proto::GraphProto, out: &mut Vec<String>) {
    let mut defined: HashSet<&str> = g.input.iter().map(|v| v.name()).collect();
    defined.extend(g.initializer.iter().map(|t| t.name()));
    defined.extend(g.sparse_initializer.iter().filter_map(|t| t.values.as_ref()).map(|t| t.name()));
    for n in &g.node {
        let mut reads: Vec<String> = n.input.iter().filter(|i| !i.is_empty()).cloned().collect();
        for a in &n.attribute {
            for sub in a.g.iter().chain(&a.graphs) {
                captured(sub, &mut reads);
            }
        }
        for r in reads {
            if !defined.contains(r.as_str()) && !out.contains(&r) {
                out.push(r);
            }
        }
        defined.extend(n.output.iter().map(String::as_str));
    }
    for o in &g.output {
        if !defined.contains(o.name()) && !out.iter().any(|x| x == o.name()) {
            out.push(o.name().to_string());
        }
    }
}

/// Renames the captured value `from` in `g` (and its sub-graphs), unless `g` defines a value of
/// that name itself (which shadows the outer one).
fn rename_captured(g: &mut zoo_proto::GraphProto, from: &str, to: &str) {
    let shadows = g.input.iter().any(|v| v.name() == from)
        || g.initializer.iter().any(|t| t.name() == from)
        || g.node.iter().any(|n| n.output.iter().any(|o| o == from));
    if shadows {
        return;
    }
    for n in &mut g.node {
        for i in &mut n.input {
            if i == from {
                *i = to.to_string();
            }
        }
        for a in &mut n.attribute {
            for sub in a.g.iter_mut().chain(a.graphs.iter_mut()) {
                rename_captured(sub, from, to);
            }
        }
    }
    for o in &mut g.output {
        if o.name() == from {
            o.name = Some(to.to_string());
        }
    }
}

pub(crate) fn node_from_proto(n: &NodeProto) -> Node {
    Node {
        name: n.name.clone().unwrap_or_default(),
        op: n.op_type.clone().unwrap_or_default(),
        domain: n.domain.clone().filter(|d| d != "ai.onnx").unwrap_or_default(),
        inputs: n.input.clone(),
        outputs: n.output.clone(),
        attrs: n.attribute.clone(),
    }
}

pub(crate) fn default_opset(imports: &[OperatorSetIdProto]) -> Option<i64> {
    imports.iter().find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx"))).and_then(|o| o.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::small_model;

    /// The IR holds everything of the builder's model: its skeleton is the model's proto
    /// without initializers, field for field.
    #[test]
    fn from_model_is_lossless() {
        let model = small_model();
        let graph = Graph::from_model(&model).unwrap();
        let mut expected = model.proto.clone();
        expected.graph.as_mut().unwrap().initializer.clear();
        assert_eq!(graph.skeleton(), expected);
        assert_eq!(graph.tensors.len(), model.params.len());
        // Constants (Dropout's ratio) carry their bytes; weights stay recipes.
        let ratio = graph.tensors.iter().find(|t| t.kind == ParamKind::Constant).unwrap();
        assert!(matches!(ratio.data, TensorData::Bytes { dtype: DType::F32, .. }));
        assert!(matches!(graph.tensor("conv.weight").unwrap().data, TensorData::Param(_)));
    }

    /// Shape inference over the IR gives back the builder's own value types.
    #[test]
    fn infer_reproduces_the_builders_types() {
        let model = small_model();
        let mut graph = Graph::from_model(&model).unwrap();
        let built = graph.value_info.clone();
        graph.value_info.clear();
        graph.infer().unwrap();
        assert_eq!(graph.value_info, built);
    }

    #[test]
    fn graph_queries_and_dead_code() {
        let model = small_model();
        let mut graph = Graph::from_model(&model).unwrap();
        assert_eq!(graph.consumers("conv"), [1]);
        assert_eq!(graph.producer("logits"), Some(5));
        // Bypass Dropout: its node and ratio become dead and are dropped.
        let drop = &graph.nodes[4];
        let (from, to) = (drop.outputs[0].clone(), drop.inputs[0].clone());
        graph.rename_uses(&from, &to);
        assert_eq!(graph.drop_dead_nodes(), 1);
        let dropped = graph.drop_unused_tensors();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert!(graph.nodes.iter().all(|n| n.op != "Dropout"));
        assert_eq!(graph.fresh_name("conv"), "conv_1");
        assert_eq!(graph.fresh_name("unused"), "unused");
    }
}
