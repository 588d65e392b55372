//! Per-layer analysis of any ONNX model — the table lecture notes draw by hand: output shape,
//! parameters, multiply-accumulates and activation memory of every node.
//!
//! Shapes come from the file's `value_info` where it has them and from zoo's own shape
//! inference (the same code the builder uses) otherwise. A node whose op zoo does not know, or
//! whose inputs are unknown, is reported as such; nothing here panics on a strange file.
//! Counts are per batch item.

use std::collections::{HashMap, HashSet};

use zoo_proto::{ModelProto, NodeProto};

use crate::ops::{self, Role};
use crate::proto_util::{tensor_i64, tensor_info};
use crate::receptive_field::{Field, propagate};
use crate::tensor::{DType, Dim, TensorInfo};

#[derive(Debug, Clone, PartialEq)]
pub struct LayerRow {
    pub name: String,
    pub op: String,
    /// Kernel, stride, padding and the like.
    pub detail: String,
    /// Output shape, when known.
    pub output: Option<TensorInfo>,
    /// Trainable parameters first used by this node.
    pub params: u64,
    /// Non-trainable buffers (BatchNorm statistics) first used by this node.
    pub buffers: u64,
    pub macs: u64,
    /// Whether the node computes products zoo cannot count (an op it does not analyse that
    /// may multiply-accumulate, or a shape it cannot infer): `macs` is then 0 and unknown.
    pub macs_unknown: bool,
    /// Bytes of the node's outputs for one batch item.
    pub activation_bytes: u64,
    /// Bytes of the node's data inputs (not initializers) for one batch item, where known.
    pub input_bytes: u64,
    /// Bytes of every initializer the node reads (weights, biases, statistics), whole.
    pub weight_bytes: u64,
    /// Why the row is incomplete, if it is.
    pub note: Option<String>,
    /// Receptive field of the node's first output in input pixels, when zoo can say.
    pub field: Option<Field>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub params: u64,
    pub buffers: u64,
    pub macs: u64,
    pub activation_bytes: u64,
    /// Nodes that could not be fully analysed.
    pub unanalysed: usize,
    /// Nodes whose MACs are unknown: `macs` is then a partial sum, a lower bound.
    pub macs_unknown: usize,
    /// Peak bytes of activations alive at once per batch item (inputs, outputs and every value
    /// still waiting for a consumer), nodes run in file order.
    pub peak_live_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub ir_version: i64,
    pub opsets: Vec<(String, i64)>,
    pub producer: String,
    pub inputs: Vec<(String, Option<TensorInfo>)>,
    pub outputs: Vec<(String, Option<TensorInfo>)>,
    pub metadata: Vec<(String, String)>,
    pub layers: Vec<LayerRow>,
    pub totals: Totals,
}

pub fn analyze(model: &ModelProto) -> Analysis {
    let empty = zoo_proto::GraphProto::default();
    let graph = model.graph.as_ref().unwrap_or(&empty);
    let mut known: HashMap<String, TensorInfo> = HashMap::new();
    let mut consts: HashMap<String, Vec<i64>> = HashMap::new();
    let mut initializers: HashMap<&str, u64> = HashMap::new();
    for t in &graph.initializer {
        let name = t.name.clone().unwrap_or_default();
        let dims: Vec<Dim> = t.dims.iter().map(|&d| Dim::Known(d.max(0) as usize)).collect();
        // Saturating, here and below: counts of a hostile file may pass u64.
        let n: u64 = t.dims.iter().map(|&d| d.max(0) as u64).fold(1, u64::saturating_mul);
        if let Some(dtype) = t.data_type.and_then(DType::from_onnx) {
            known.insert(name.clone(), TensorInfo::new(dtype, dims));
        }
        if let Some(v) = tensor_i64(t) {
            consts.insert(name.clone(), v);
        }
        initializers.insert(t.name.as_deref().unwrap_or_default(), n);
    }
    let from_file: HashMap<String, TensorInfo> = graph
        .input
        .iter()
        .chain(&graph.value_info)
        .chain(&graph.output)
        .filter_map(|vi| Some((vi.name.clone()?, tensor_info(vi)?)))
        .collect();
    let inputs: Vec<(String, Option<TensorInfo>)> = graph
        .input
        .iter()
        .filter(|vi| !initializers.contains_key(vi.name.as_deref().unwrap_or_default()))
        .map(|vi| (vi.name.clone().unwrap_or_default(), tensor_info(vi)))
        .collect();
    for (name, info) in &inputs {
        if let Some(info) = info {
            known.insert(name.clone(), info.clone());
        }
    }

    // Weights held in Constant nodes (paddle2onnx, tf2onnx) count as initializers do.
    for (name, n) in held_constants(graph) {
        initializers.insert(name, n);
    }
    let mut counted: HashSet<&str> = HashSet::new();
    let mut layers = Vec::with_capacity(graph.node.len());
    let mut fields: HashMap<String, Field> = HashMap::new();
    for (name, info) in &inputs {
        if let Some(info) = info.as_ref().filter(|i| i.rank() >= 3) {
            fields.insert(name.clone(), Field::input(info.rank() - 2));
        }
    }
    for node in &graph.node {
        let mut row = analyze_node(node, &mut known, &mut consts, &from_file, &initializers, &mut counted);
        let ins: Vec<Option<Field>> = node
            .input
            .iter()
            .filter(|n| !n.is_empty() && !initializers.contains_key(n.as_str()))
            .map(|n| fields.get(n).cloned())
            .collect();
        let first = node.input.first().and_then(|n| known.get(n));
        row.field = propagate(node, &ins, first);
        if let Some(f) = &row.field {
            for o in &node.output {
                fields.insert(o.clone(), f.clone());
            }
        }
        layers.push(row);
    }
    let peak_live_bytes = peak_live(graph, &inputs, &known);

    let totals = layers.iter().fold(Totals { peak_live_bytes, ..Totals::default() }, |t, r| Totals {
        params: t.params.saturating_add(r.params),
        buffers: t.buffers.saturating_add(r.buffers),
        macs: t.macs.saturating_add(r.macs),
        activation_bytes: t.activation_bytes.saturating_add(r.activation_bytes),
        unanalysed: t.unanalysed + usize::from(r.note.is_some()),
        macs_unknown: t.macs_unknown + usize::from(r.macs_unknown),
        peak_live_bytes: t.peak_live_bytes,
    });
    let outputs = graph
        .output
        .iter()
        .map(|vi| {
            let name = vi.name.clone().unwrap_or_default();
            let info = tensor_info(vi).or_else(|| known.get(&name).cloned());
            (name, info)
        })
        .collect();
    Analysis {
        ir_version: model.ir_version.unwrap_or(0),
        opsets: model
            .opset_import
            .iter()
            .map(|o| (o.domain.clone().unwrap_or_default(), o.version.unwrap_or(0)))
            .collect(),
        producer: format!(
            "{} {}",
            model.producer_name.as_deref().unwrap_or(""),
            model.producer_version.as_deref().unwrap_or("")
        )
        .trim()
        .to_string(),
        inputs,
        outputs,
        metadata: model
            .metadata_props
            .iter()
            .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
            .collect(),
        layers,
        totals,
    }
}

fn analyze_node<'a>(
    node: &'a NodeProto,
    known: &mut HashMap<String, TensorInfo>,
    consts: &mut HashMap<String, Vec<i64>>,
    from_file: &HashMap<String, TensorInfo>,
    initializers: &HashMap<&str, u64>,
    counted: &mut HashSet<&'a str>,
) -> LayerRow {
    let op = node.op_type.clone().unwrap_or_default();
    let name = node.name.clone().filter(|n| !n.is_empty()).or_else(|| node.output.first().cloned()).unwrap_or_default();
    let mut row = LayerRow {
        name,
        op: op.clone(),
        detail: String::new(),
        output: None,
        params: 0,
        buffers: 0,
        macs: 0,
        macs_unknown: false,
        activation_bytes: 0,
        input_bytes: 0,
        weight_bytes: 0,
        note: None,
        field: None,
    };
    let domain = node.domain.as_deref().unwrap_or("");
    let def = if domain.is_empty() || domain == "ai.onnx" { ops::lookup(&op) } else { None };

    // Parameters count once, at the first node that reads them as weights or buffers (torch's
    // unfolded export reads a BatchNorm's scale through an Identity first, to share it).
    for (i, input) in node.input.iter().enumerate() {
        if let Some(&n) = initializers.get(input.as_str()) {
            // An op zoo does not analyse: its float tensors are its weights (an LSTM's W, R, B).
            let role = match def {
                Some(d) => (d.role)(i),
                None if known.get(input.as_str()).is_some_and(|t| t.dtype.is_float()) => Role::Weight,
                None => Role::Data,
            };
            if role == Role::Data || !counted.insert(input.as_str()) {
                continue;
            }
            match role {
                Role::Weight => row.params = row.params.saturating_add(n),
                Role::Buffer => row.buffers = row.buffers.saturating_add(n),
                Role::Data => {}
            }
        }
    }

    // What the node moves: every initializer it reads, whole, and its data inputs per item.
    for input in node.input.iter().filter(|n| !n.is_empty()) {
        let size = known.get(input.as_str()).map_or(4, |i| i.dtype.size() as u64);
        match initializers.get(input.as_str()) {
            Some(&n) => row.weight_bytes = row.weight_bytes.saturating_add(n.saturating_mul(size)),
            None => {
                let per_item = known.get(input.as_str()).and_then(TensorInfo::per_item).unwrap_or(0) as u64;
                row.input_bytes = row.input_bytes.saturating_add(per_item.saturating_mul(size));
            }
        }
    }

    if let Some(b) = bodies(node) {
        row.detail = b;
        // The weights a body holds are the network's parameters too.
        row.params = row.params.saturating_add(body_weights(node));
    }
    let present: Vec<&String> = node.input.iter().filter(|n| !n.is_empty()).collect();
    let infos: Option<Vec<TensorInfo>> = present.iter().map(|n| known.get(n.as_str()).cloned()).collect();
    let inferred = if op == "Constant" {
        constant_output(node, consts)
    } else if op == "ConstantOfShape" && domain.is_empty() {
        constant_of_shape_output(node, consts)
    } else {
        match (def, &infos) {
            (None, _) if domain.is_empty() => Err(format!("op {op} is not analysed by zoo")),
            (None, _) => Err(format!("op {domain}::{op} is not analysed by zoo")),
            (Some(_), None) => Err("an input's shape is unknown".to_string()),
            (Some(d), Some(infos)) => {
                row.detail = (d.describe)(node);
                let lookup = |n: &str| consts.get(n).cloned();
                (d.infer)(node, infos, crate::ops::Consts::ints_only(&lookup)).map_err(|e| e.to_string())
            }
        }
    };
    let outputs: Vec<Option<TensorInfo>> = node
        .output
        .iter()
        .enumerate()
        .map(|(i, o)| from_file.get(o).cloned().or_else(|| inferred.as_ref().ok().and_then(|v| v.get(i).cloned())))
        .collect();
    if let Err(e) = &inferred {
        row.note = Some(e.clone());
    }
    for (o, info) in node.output.iter().zip(&outputs) {
        if let Some(info) = info {
            known.insert(o.clone(), info.clone());
            // A constant is a tensor, not one per batch item: its first dimension is no batch.
            if !matches!(op.as_str(), "Constant" | "ConstantOfShape") {
                row.activation_bytes = row.activation_bytes.saturating_add(bytes_per_item(info));
            }
        }
    }
    row.output = outputs.first().cloned().flatten();
    if let (Some(d), Some(infos)) = (def, &infos) {
        let outs: Option<Vec<TensorInfo>> = outputs.iter().cloned().collect();
        if let Some(outs) = outs
            && !outs.is_empty()
        {
            row.macs = d.macs(node, infos, &outs);
        }
    }
    row.macs_unknown = match def {
        // A product over symbolic sizes (past the batch) is a number zoo does not know.
        Some(d) => {
            let symbolic = |t: &TensorInfo| t.shape.iter().skip(1).any(|d| d.known().is_none());
            d.products()
                && (infos.as_ref().is_none_or(|i| i.iter().any(symbolic))
                    || outputs.iter().any(|o| o.as_ref().is_none_or(symbolic)))
        }
        None => match crate::recurrent::macs(node, known) {
            Some(m) => {
                row.macs = m;
                false
            }
            None => !domain.is_empty() || MAY_MULTIPLY.contains(&op.as_str()),
        },
    };
    // A row whose output shape came from the file is complete even if zoo cannot infer it.
    if row.note.is_some() && row.output.is_some() && def.is_none() {
        row.note = Some(format!("op {op} is not analysed by zoo (shape from the file)"));
    }
    row
}

/// Ops zoo does not analyse yet that may multiply-accumulate: their MACs are unknown, not 0.
/// The other ops it does not analyse (shape arithmetic, element-wise maths) count 0 MACs, as
/// every element-wise op does by the conventions `zoo inspect` prints.
const MAY_MULTIPLY: [&str; 11] = [
    "LSTM",
    "GRU",
    "RNN",
    "If",
    "Loop",
    "Scan",
    "ConvInteger",
    "MatMulInteger",
    "QLinearConv",
    "QLinearMatMul",
    "DeformConv",
];

/// A control-flow node's bodies (If's branches, Loop's and Scan's body) by attribute name,
/// with their node counts and the products among them: `then_branch 12 nodes (3 Conv), …`.
/// zoo carries the bodies verbatim and does not analyse inside them.
pub fn bodies(node: &NodeProto) -> Option<String> {
    let graphs: Vec<(String, &zoo_proto::GraphProto)> = node
        .attribute
        .iter()
        .flat_map(|a| {
            let name = a.name.clone().unwrap_or_default();
            a.g.iter()
                .map(move |g| (name.clone(), g))
                .chain(a.graphs.iter().map(move |g| (a.name.clone().unwrap_or_default(), g)))
        })
        .collect();
    if graphs.is_empty() {
        return None;
    }
    let parts: Vec<String> = graphs
        .iter()
        .map(|(name, g)| {
            let products = g.node.iter().filter(|n| ops::lookup(n.op_type()).is_some_and(|d| d.products())).count();
            let inner = if products > 0 { format!(" ({products} Conv/Gemm/MatMul)") } else { String::new() };
            format!("{name} {} nodes{inner}", g.node.len())
        })
        .collect();
    Some(parts.join(", "))
}

/// Elements of the float tensors a control-flow node's bodies hold (initializers and Constant
/// nodes, nested bodies included).
fn body_weights(node: &NodeProto) -> u64 {
    let count = |t: &zoo_proto::TensorProto| {
        let float = t.data_type.and_then(DType::from_onnx).is_some_and(DType::is_float);
        if float { t.dims.iter().map(|&d| d.max(0) as u64).fold(1, u64::saturating_mul) } else { 0 }
    };
    node.attribute
        .iter()
        .flat_map(|a| a.g.iter().chain(&a.graphs))
        .map(|g| {
            let held = g.initializer.iter().map(count).fold(0, u64::saturating_add);
            let constants = held_constants(g).iter().map(|(_, n)| *n).fold(0, u64::saturating_add);
            g.node.iter().map(body_weights).fold(held.saturating_add(constants), u64::saturating_add)
        })
        .fold(0, u64::saturating_add)
}

/// The tensors a graph's (default-domain) Constant nodes hold in `value`, by output name: the
/// weights paddle2onnx and tf2onnx keep there.
pub fn constant_tensors(graph: &zoo_proto::GraphProto) -> impl Iterator<Item = (&str, &zoo_proto::TensorProto)> {
    graph
        .node
        .iter()
        .filter(|n| n.op_type() == "Constant" && n.domain.as_deref().unwrap_or("").is_empty())
        .filter_map(|n| Some((n.output.first()?.as_str(), crate::attr::get_tensor(n, "value")?)))
}

/// The float ones among [`constant_tensors`], with their element counts; and the float
/// tensors ConstantOfShape nodes make from a constant shape — the stubs the ONNX Model Zoo's
/// light graphs (onnx's `backend/test/data/light/`) hold their weights in, one per weight.
fn held_constants(graph: &zoo_proto::GraphProto) -> Vec<(&str, u64)> {
    let count = |dims: &[i64]| dims.iter().map(|&d| d.max(0) as u64).fold(1, u64::saturating_mul);
    let mut held: Vec<(&str, u64)> = constant_tensors(graph)
        .filter(|(_, t)| t.data_type.and_then(DType::from_onnx).is_some_and(DType::is_float))
        .map(|(name, t)| (name, count(&t.dims)))
        .collect();
    let shapes: HashMap<&str, Vec<i64>> = graph
        .initializer
        .iter()
        .filter_map(|t| Some((t.name.as_deref()?, tensor_i64(t)?)))
        .chain(constant_tensors(graph).filter_map(|(name, t)| Some((name, tensor_i64(t)?))))
        .collect();
    for n in
        graph.node.iter().filter(|n| n.op_type() == "ConstantOfShape" && n.domain.as_deref().unwrap_or("").is_empty())
    {
        let float = crate::attr::get_tensor(n, "value")
            .is_none_or(|t| t.data_type.and_then(DType::from_onnx).is_some_and(DType::is_float));
        if let (true, Some(shape), Some(out)) =
            (float, n.input.first().and_then(|i| shapes.get(i.as_str())), n.output.first())
        {
            held.push((out.as_str(), count(shape)));
        }
    }
    // A weight reshaped, transposed or cast by constant-only nodes (the light graphs' Gemm
    // weight is a Reshape of a stub) is still that weight: its consumer counts it.
    let mut sizes: HashMap<&str, u64> = graph
        .initializer
        .iter()
        .filter(|t| t.data_type.and_then(DType::from_onnx).is_some_and(DType::is_float))
        .filter_map(|t| Some((t.name.as_deref()?, count(&t.dims))))
        .chain(held.iter().copied())
        .collect();
    for n in graph.node.iter().filter(|n| n.domain.as_deref().unwrap_or("").is_empty()) {
        let reshaping =
            matches!(n.op_type(), "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" | "Transpose" | "Identity" | "Cast");
        let Some(&size) = n.input.first().and_then(|i| sizes.get(i.as_str())) else { continue };
        let rest_constant = n.input.iter().skip(1).all(|i| i.is_empty() || shapes.contains_key(i.as_str()));
        if let (true, true, Some(out)) = (reshaping, rest_constant, n.output.first()) {
            held.push((out.as_str(), size));
            sizes.insert(out.as_str(), size);
        }
    }
    held
}

fn constant_output(node: &NodeProto, consts: &mut HashMap<String, Vec<i64>>) -> Result<Vec<TensorInfo>, String> {
    let t = crate::attr::get_tensor(node, "value").ok_or("Constant without a tensor `value`")?;
    let dtype = t.data_type.and_then(DType::from_onnx).ok_or("Constant of an element type zoo does not read")?;
    if let (Some(v), Some(out)) = (tensor_i64(t), node.output.first()) {
        consts.insert(out.clone(), v);
    }
    Ok(vec![TensorInfo::new(dtype, t.dims.iter().map(|&d| Dim::Known(d.max(0) as usize)).collect())])
}

/// ConstantOfShape (onnx/docs/Operators.md#ConstantOfShape, opset 9): a tensor of the shape its
/// input holds, of `value`'s type (float 0 when absent).
fn constant_of_shape_output(node: &NodeProto, consts: &HashMap<String, Vec<i64>>) -> Result<Vec<TensorInfo>, String> {
    let dtype = match crate::attr::get_tensor(node, "value") {
        Some(t) => {
            t.data_type.and_then(DType::from_onnx).ok_or("ConstantOfShape of an element type zoo does not read")?
        }
        None => DType::F32,
    };
    let shape = node.input.first().and_then(|i| consts.get(i)).ok_or("its shape is not a constant")?;
    if shape.iter().any(|&d| d < 0) {
        return Err(format!("ConstantOfShape with a negative dimension {shape:?}"));
    }
    Ok(vec![TensorInfo::new(dtype, shape.iter().map(|&d| Dim::Known(d as usize)).collect())])
}

/// Bytes of one batch item of a value (0 when unknown), saturating.
fn bytes_per_item(info: &TensorInfo) -> u64 {
    (info.per_item().unwrap_or(0) as u64).saturating_mul(info.dtype.size() as u64)
}

/// Liveness over the graph in file order: a value is alive from the node that makes it (graph
/// inputs from the start) until its last consumer has run; graph outputs stay alive to the end.
/// While a node runs, its inputs and outputs are alive together. Branches keep their source
/// alive until the last branch has read it. Unknown shapes count as 0 bytes.
fn peak_live(
    graph: &zoo_proto::GraphProto,
    inputs: &[(String, Option<TensorInfo>)],
    known: &HashMap<String, TensorInfo>,
) -> u64 {
    let bytes = |n: &str| known.get(n).map_or(0, bytes_per_item);
    let end = graph.node.len();
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, node) in graph.node.iter().enumerate() {
        for n in node.input.iter().filter(|n| !n.is_empty()) {
            last.insert(n.as_str(), i);
        }
    }
    for o in &graph.output {
        last.insert(o.name.as_deref().unwrap_or_default(), end);
    }
    let mut live: u64 = inputs.iter().map(|(n, _)| bytes(n)).fold(0, u64::saturating_add);
    let mut peak = live;
    let mut freed: HashSet<&str> = HashSet::new();
    for (i, node) in graph.node.iter().enumerate() {
        live = node.output.iter().map(|o| bytes(o)).fold(live, u64::saturating_add);
        peak = peak.max(live);
        let made_here = node.output.iter().map(String::as_str);
        let read_here = node.input.iter().map(String::as_str).filter(|n| !n.is_empty());
        for n in made_here.chain(read_here) {
            let is_value = known.contains_key(n) && !graph.initializer.iter().any(|t| t.name.as_deref() == Some(n));
            if is_value && last.get(n).copied().unwrap_or(i) <= i && freed.insert(n) {
                live = live.saturating_sub(bytes(n));
            }
        }
    }
    peak
}

/// Nodes of accumulated dot products ([`ops::Cost::Products`]: Conv, Gemm, MatMul) on the
/// longest path from a graph input to an output: the number of rounding steps an error bound
/// for reduced precision counts (inception branches run side by side, so GoogLeNet's depth is
/// its longest branch, not its node count).
pub fn layer_depth(model: &ModelProto) -> usize {
    use std::collections::HashMap;
    let Some(g) = model.graph.as_ref() else { return 0 };
    // Nodes are in topological order (the IR spec requires it), so one forward sweep suffices.
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for n in &g.node {
        let below = n.input.iter().filter_map(|i| depth.get(i.as_str())).copied().max().unwrap_or(0);
        let here = below + usize::from(ops::lookup(n.op_type()).is_some_and(|d| d.products()));
        for o in &n.output {
            depth.insert(o.as_str(), here);
        }
    }
    g.output.iter().filter_map(|o| o.name.as_deref().and_then(|n| depth.get(n))).copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// Found by `cargo fuzz run onnx_inspect`: an initializer of dims
    /// [2, 3, 3, 3, 121, 111, 614104, 1401972547614917] overflowed its element count (a panic
    /// with overflow checks on, a wrapped count without). Counts now saturate.
    #[test]
    fn counts_of_huge_shapes_saturate() {
        let bytes = include_bytes!("../tests/fuzz/onnx_inspect-initializer-dims-overflow.onnx");
        let a = analyze(&ModelProto::decode(&bytes[..]).unwrap());
        assert_eq!(a.layers.len(), 11);
        // The mutated file's Conv reads another name, so only BatchNorm's and Gemm's count.
        assert_eq!(a.totals.params, 6);

        let mut m = ModelProto::decode(&bytes[..]).unwrap();
        m.graph.as_mut().unwrap().node[2].input[1] = "conv.weight".into();
        assert_eq!(analyze(&m).totals.params, u64::MAX);
    }
}
