//! From an ONNX graph to layers as a paper's table counts them: one block per layer, a conv
//! or fully connected node together with the BatchNorm, ReLU and Dropout that follow it alone
//! (the rows of He et al.'s Table 1, the boxes of their Figure 3), with the data edges between
//! blocks.
//!
//! Left out, and counted: `Constant`, `Shape` and `Size` nodes, nodes that read only
//! initializers or values left out (a QDQ file's weight DequantizeLinear; the `Gather →
//! Unsqueeze → Concat` after a `Shape`), and nodes whose output is int64 — together the shape
//! arithmetic of torch.onnx.export's `x.view(n, -1)`, which is not data flowing through the
//! network. The `Reshape` it feeds stays, with its data input.

use std::collections::{HashMap, HashSet};

use zoo_graph::analysis::{LayerRow, analyze};
use zoo_graph::ops::{self, LayerKind, Title};
use zoo_graph::{DType, Dim, TensorInfo};
use zoo_proto::{ModelProto, NodeProto};

use crate::DrawError;

/// What a block is, for its colour and the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Conv,
    Fc,
    Pool,
    Norm,
    Merge,
    Reshape,
    Softmax,
    Other,
    /// A graph input or output.
    Io,
}

impl Kind {
    /// The kind the op declares ([`ops::draw`]).
    fn of(op: &str) -> Kind {
        match ops::draw(op).kind {
            LayerKind::Conv => Kind::Conv,
            LayerKind::Fc => Kind::Fc,
            LayerKind::Pool => Kind::Pool,
            LayerKind::Norm => Kind::Norm,
            LayerKind::Merge => Kind::Merge,
            LayerKind::Reshape => Kind::Reshape,
            LayerKind::Softmax => Kind::Softmax,
            LayerKind::Other => Kind::Other,
        }
    }

    /// The legend's word for it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Conv => "convolution",
            Kind::Fc => "fully connected",
            Kind::Pool => "pooling",
            Kind::Norm => "normalization",
            Kind::Merge => "concat / add",
            Kind::Reshape => "reshape",
            Kind::Softmax => "softmax",
            Kind::Other => "other",
            Kind::Io => "input / output",
        }
    }
}

/// One layer: the nodes it merges, what it computes and what it produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: Kind,
    /// The first node's name (`conv1`, `features.0`), or the graph input's or output's.
    pub name: String,
    /// The first node's op (`Conv`), or `input` / `output`.
    pub op: String,
    /// Paper-style: `3×3 conv, 64, /2 + BN + ReLU`.
    pub title: String,
    /// The first node's kernel/stride/pad as `zoo inspect` prints it.
    pub detail: String,
    /// Output shape per batch item, `64×56×56` (`?` where unknown).
    pub shape: String,
    /// Graph node indices merged into the block, in order (none for inputs and outputs).
    pub nodes: Vec<usize>,
    /// Blocks whose outputs this one reads, in the order it reads them.
    pub inputs: Vec<usize>,
    pub params: u64,
    pub macs: u64,
}

/// The blocks of a graph, in topological order (every block's inputs come before it).
#[derive(Debug, Clone, PartialEq)]
pub struct Layers {
    pub blocks: Vec<Block>,
    /// Nodes left out: constants and shape arithmetic.
    pub hidden: usize,
    /// Nodes whose MACs zoo cannot count: the blocks' MACs are then a lower bound.
    pub macs_unknown: usize,
}

impl Layers {
    /// Blocks that are layers (graph inputs and outputs excluded).
    pub fn layer_count(&self) -> usize {
        self.blocks.iter().filter(|b| b.kind != Kind::Io).count()
    }
}

/// The layers of `model`; see the module docs for what merges and what is left out.
pub fn layers(model: &ModelProto) -> Result<Layers, DrawError> {
    let graph = model.graph.as_ref().ok_or(DrawError::NoGraph)?;
    let analysis = analyze(model);
    let rows = &analysis.layers;
    let init: HashSet<&str> = graph.initializer.iter().filter_map(|t| t.name.as_deref()).collect();

    // Which nodes are drawn: those that read data and produce a float (or unknown) tensor.
    let mut hidden_values: HashSet<&str> = HashSet::new();
    let mut drawn = vec![false; graph.node.len()];
    for (i, node) in graph.node.iter().enumerate() {
        let reads_data = data_inputs(node, &init, &hidden_values).next().is_some();
        let int_out = rows.get(i).and_then(|r| r.output.as_ref()).is_some_and(|t| t.dtype == DType::I64);
        // Shape and Size read a tensor's metadata, not its values: where zoo cannot infer their
        // int64 output (other exporters' files), the op says what they are.
        let metadata = ops::draw(node.op_type()).metadata;
        // A control-flow node holds a network of its own: drawn, named with its bodies' sizes.
        let control = zoo_graph::analysis::bodies(node).is_some();
        drawn[i] = control || (!metadata && reads_data && !int_out);
        if !drawn[i] {
            hidden_values.extend(node.output.iter().map(String::as_str));
        }
    }
    // How many drawn nodes (and graph outputs) read each value.
    let outputs: HashSet<&str> = graph.output.iter().filter_map(|o| o.name.as_deref()).collect();
    let mut readers: HashMap<&str, usize> = HashMap::new();
    for (node, _) in graph.node.iter().zip(&drawn).filter(|(_, d)| **d) {
        for v in data_inputs(node, &init, &hidden_values) {
            *readers.entry(v).or_default() += 1;
        }
    }

    let mut blocks: Vec<Block> = Vec::new();
    let mut block_of: HashMap<&str, usize> = HashMap::new();
    for vi in graph.input.iter().filter(|v| !init.contains(v.name.as_deref().unwrap_or_default())) {
        let name = vi.name.clone().unwrap_or_default();
        let info = analysis.inputs.iter().find(|(n, _)| *n == name).and_then(|(_, t)| t.clone());
        block_of.insert(vi.name.as_deref().unwrap_or_default(), blocks.len());
        blocks.push(io_block(&name, "input", &info, vec![]));
    }
    for (i, node) in graph.node.iter().enumerate().filter(|(i, _)| drawn[*i]) {
        let mut from: Vec<&str> = data_inputs(node, &init, &hidden_values).collect();
        from.dedup();
        let sole = match from.as_slice() {
            [v] if readers.get(v) == Some(&1) && !outputs.contains(v) => block_of.get(v).copied(),
            _ => None,
        };
        let target = match sole {
            Some(p) if ops::draw(node.op_type()).folds && blocks[p].kind != Kind::Io => p,
            _ => {
                let mut inputs: Vec<usize> = from.iter().filter_map(|v| block_of.get(v).copied()).collect();
                inputs.dedup();
                blocks.push(Block {
                    kind: Kind::of(node.op_type()),
                    name: rows[i].name.clone(),
                    op: node.op_type().to_string(),
                    title: String::new(),
                    detail: rows[i].detail.clone(),
                    shape: String::new(),
                    nodes: vec![],
                    inputs,
                    params: 0,
                    macs: 0,
                });
                blocks.len() - 1
            }
        };
        let b = &mut blocks[target];
        b.nodes.push(i);
        b.params += rows[i].params;
        b.macs += rows[i].macs;
        for o in node.output.iter().filter(|o| !o.is_empty()) {
            block_of.insert(o.as_str(), target);
        }
    }
    for b in blocks.iter_mut().filter(|b| b.kind != Kind::Io) {
        let (first, last) = (b.nodes[0], b.nodes[b.nodes.len() - 1]);
        b.title =
            title(&graph.node[first], &rows[first], &b.nodes[1..].iter().map(|&n| &graph.node[n]).collect::<Vec<_>>());
        b.shape = per_item(&rows[last].output);
    }
    if blocks.iter().all(|b| b.kind == Kind::Io) {
        return Err(DrawError::Empty);
    }
    for (name, info) in &analysis.outputs {
        let Some(&from) = block_of.get(name.as_str()) else { continue };
        blocks.push(io_block(name, "output", info, vec![from]));
    }
    let hidden = drawn.iter().filter(|d| !**d).count();
    Ok(Layers { blocks, hidden, macs_unknown: analysis.totals.macs_unknown })
}

/// The values `node` reads that flow through the network: not initializers, not outputs of
/// nodes left out.
fn data_inputs<'a>(
    node: &'a NodeProto,
    init: &'a HashSet<&str>,
    hidden: &'a HashSet<&str>,
) -> impl Iterator<Item = &'a str> + 'a {
    node.input.iter().map(String::as_str).filter(move |v| !v.is_empty() && !init.contains(v) && !hidden.contains(v))
}

fn io_block(name: &str, op: &str, info: &Option<TensorInfo>, inputs: Vec<usize>) -> Block {
    Block {
        kind: Kind::Io,
        name: name.to_string(),
        op: op.to_string(),
        title: op.to_string(),
        detail: String::new(),
        shape: per_item(info),
        nodes: vec![],
        inputs,
        params: 0,
        macs: 0,
    }
}

/// `96×55×55`: the shape without its batch axis.
fn per_item(info: &Option<TensorInfo>) -> String {
    let Some(t) = info else { return "?".into() };
    let dims: Vec<String> = t
        .shape
        .iter()
        .skip(1)
        .map(|d| match d {
            Dim::Known(n) => n.to_string(),
            Dim::Sym(s) => s.clone(),
        })
        .collect();
    if dims.is_empty() { "scalar".into() } else { dims.join("×") }
}

fn ints(node: &NodeProto, name: &str) -> Vec<i64> {
    zoo_graph::attr::get_ints(node, name).unwrap_or_default()
}

/// `3×3`, or `1×7`.
fn window(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join("×")
}

/// `, /2` when any stride exceeds 1.
fn stride(node: &NodeProto) -> String {
    let s = ints(node, "strides");
    if s.iter().all(|&x| x <= 1) {
        String::new()
    } else if s.iter().all(|&x| x == s[0]) {
        format!(", /{}", s[0])
    } else {
        format!(", /{}", window(&s))
    }
}

/// The block's caption, as the papers' figures write layers: `3×3 conv, 64, /2`,
/// `fc, 4096`, `3×3 max pool, /2`, then what it merges: ` + BN + ReLU`.
fn title(node: &NodeProto, row: &LayerRow, followers: &[&NodeProto]) -> String {
    let channels = row.output.as_ref().and_then(|t| t.dim(1));
    let last = row.output.as_ref().and_then(|t| t.shape.last().and_then(Dim::known));
    let c = |n: Option<usize>| n.map_or(String::new(), |n| format!(", {n}"));
    if let Some(b) = zoo_graph::analysis::bodies(node) {
        return format!("{}: {b}", node.op_type());
    }
    let mut s = match ops::draw(node.op_type()).title {
        Title::Conv(word) => {
            let mut s = format!("{} {word}{}{}", window(&ints(node, "kernel_shape")), c(channels), stride(node));
            if let Some(g) = zoo_graph::attr::get_int(node, "group").filter(|&g| g > 1) {
                s += &format!(", {g} groups");
            }
            s.trim_start().to_string()
        }
        Title::Fc => format!("fc{}", c(last)),
        Title::Pool(word) => format!("{} {word} pool{}", window(&ints(node, "kernel_shape")), stride(node)),
        Title::Lrn => format!("LRN, n={}", zoo_graph::attr::get_int(node, "size").unwrap_or(0)),
        Title::Concat => format!("concat{}", c(channels)),
        Title::Text(text) => text.to_string(),
        Title::OpName => node.op_type().to_string(),
    };
    for f in followers {
        let tag = ops::draw(f.op_type()).tag;
        if !tag.is_empty() {
            s += &format!(" + {tag}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use zoo_proto::{GraphProto, ValueInfoProto};

    use super::*;

    fn node(op: &str, input: &str, output: &str) -> NodeProto {
        NodeProto {
            op_type: Some(op.into()),
            name: Some(output.into()),
            input: vec![input.into()],
            output: vec![output.into()],
            attribute: if op == "ConvTranspose" {
                vec![zoo_graph::attr::ints("kernel_shape", &[3, 3])]
            } else {
                vec![]
            },
            ..Default::default()
        }
    }

    /// Ops zoo does not compile draw as `ops::foreign` says; ops nobody knows as their own
    /// `other` block.
    #[test]
    fn foreign_and_unknown_ops_are_drawn_by_the_fallbacks() {
        let value = |n: &str| ValueInfoProto { name: Some(n.into()), ..Default::default() };
        let graph = GraphProto {
            node: vec![
                node("ConvTranspose", "x", "up"),
                node("Relu", "up", "relu"),
                node("Sigmoid", "relu", "gate"),
                node("NoSuchOp", "gate", "y"),
            ],
            input: vec![value("x")],
            output: vec![value("y")],
            ..Default::default()
        };
        let model = ModelProto { graph: Some(graph), ..Default::default() };
        let l = layers(&model).unwrap();
        let drawn: Vec<(Kind, &str)> = l.blocks.iter().map(|b| (b.kind, b.title.as_str())).collect();
        assert_eq!(
            drawn,
            [
                (Kind::Io, "input"),
                (Kind::Conv, "3×3 deconv + ReLU"),
                (Kind::Other, "Sigmoid"),
                (Kind::Other, "NoSuchOp"),
                (Kind::Io, "output")
            ]
        );
    }
}
