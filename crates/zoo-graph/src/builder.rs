//! The graph builder: copyable value handles, named layers, parameters with their recipes,
//! and shape inference on every node as it is added (so an impossible layer fails here, with
//! its name, instead of in a runtime).

use std::collections::HashSet;

use zoo_proto::{NodeProto, StringStringEntryProto};

use crate::error::GraphError;
use crate::model::Model;
use crate::ops;
use crate::opset::Opset;
use crate::param::{Init, Param, ParamKind};
use crate::tensor::{DType, Dim, TensorInfo};

/// A handle to a value of the graph under construction. Cheap to copy; only meaningful for
/// the [`Net`] that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Value(usize);

/// A layer: something that, given its inputs, registers its parameters and emits its node.
/// Each op file under `ops/` defines one.
pub trait Layer {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError>;
}

struct ValueEntry {
    name: String,
    info: TensorInfo,
    /// Predicted scale under the reference weights and a unit input (see [`crate::signal`]).
    signal: crate::signal::Signal,
}

/// A network being built: its values, nodes and parameters, in order.
pub struct Net {
    name: String,
    opset: Opset,
    values: Vec<ValueEntry>,
    nodes: Vec<NodeProto>,
    params: Vec<Param>,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    names: HashSet<String>,
}

impl Net {
    pub fn new(name: impl Into<String>, opset: Opset) -> Self {
        Net {
            name: name.into(),
            opset,
            values: Vec::new(),
            nodes: Vec::new(),
            params: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            names: HashSet::new(),
        }
    }

    pub fn opset(&self) -> Opset {
        self.opset
    }

    pub fn info(&self, v: Value) -> &TensorInfo {
        &self.values[v.0].info
    }

    /// The predicted scale of `v`'s elements under the reference weights, for a zero-mean
    /// unit-variance input (see [`crate::signal`]).
    pub fn signal(&self, v: Value) -> crate::signal::Signal {
        self.values[v.0].signal
    }

    pub fn name_of(&self, v: Value) -> &str {
        &self.values[v.0].name
    }

    fn new_value(&mut self, name: &str, info: TensorInfo) -> Result<Value, GraphError> {
        if !self.names.insert(name.to_string()) {
            return Err(GraphError::DuplicateName(name.to_string()));
        }
        self.values.push(ValueEntry { name: name.to_string(), info, signal: crate::signal::Signal::UNIT });
        Ok(Value(self.values.len() - 1))
    }

    /// A graph input.
    pub fn input(&mut self, name: &str, info: TensorInfo) -> Result<Value, GraphError> {
        let v = self.new_value(name, info)?;
        self.inputs.push(v);
        Ok(v)
    }

    /// A parameter, buffer or constant, stored as an initializer named `name`.
    pub fn param(&mut self, name: &str, dims: &[usize], kind: ParamKind, init: Init) -> Result<Value, GraphError> {
        let dtype = init.dtype();
        let info = TensorInfo::new(dtype, dims.iter().map(|&d| Dim::Known(d)).collect());
        let v = self.new_value(name, info)?;
        self.params.push(Param { name: name.to_string(), dtype, dims: dims.to_vec(), kind, init });
        Ok(v)
    }

    /// Emits one node named `layer` whose single output is also named `layer`, after checking
    /// its inputs with the op's shape inference.
    pub fn node(
        &mut self,
        layer: &str,
        op: &'static str,
        inputs: &[Value],
        attributes: Vec<zoo_proto::AttributeProto>,
    ) -> Result<Value, GraphError> {
        let node = NodeProto {
            name: Some(layer.to_string()),
            op_type: Some(op.to_string()),
            input: inputs.iter().map(|&v| self.name_of(v).to_string()).collect(),
            output: vec![layer.to_string()],
            attribute: attributes,
            ..Default::default()
        };
        let def = ops::lookup(op).ok_or_else(|| GraphError::Layer {
            layer: layer.to_string(),
            op,
            source: crate::ShapeError::Mismatch("op has no shape inference in zoo".into()),
        })?;
        let infos: Vec<TensorInfo> = inputs.iter().map(|&v| self.info(v).clone()).collect();
        let consts = |name: &str| {
            self.params.iter().find(|p| p.name == name).and_then(|p| match &p.init {
                Init::I64(v) => Some(v.clone()),
                _ => None,
            })
        };
        let mut outs = (def.infer)(&node, &infos, crate::ops::Consts::ints_only(&consts))
            .map_err(|source| GraphError::Layer { layer: layer.to_string(), op, source })?;
        let inits: Vec<Option<&Init>> = inputs
            .iter()
            .map(|&v| self.params.iter().find(|p| p.name == self.values[v.0].name).map(|p| &p.init))
            .collect();
        let signals: Vec<crate::signal::Signal> =
            inputs.iter().zip(&inits).filter(|(_, i)| i.is_none()).map(|(&v, _)| self.signal(v)).collect();
        let signal = crate::signal::propagate(&node, &signals, &inits);
        let out = self.new_value(layer, outs.swap_remove(0))?;
        self.values[out.0].signal = signal;
        self.nodes.push(node);
        Ok(out)
    }

    /// Applies `layer` to one input under the given name.
    pub fn layer(&mut self, name: &str, x: Value, layer: impl Layer) -> Result<Value, GraphError> {
        self.layer_n(name, &[x], layer)
    }

    /// Applies `layer` to several inputs (Concat, Add) under the given name. A layer that
    /// fails leaves nothing behind (no parameters, names or nodes).
    pub fn layer_n(&mut self, name: &str, xs: &[Value], layer: impl Layer) -> Result<Value, GraphError> {
        let (values, params, nodes) = (self.values.len(), self.params.len(), self.nodes.len());
        let built = layer.build(self, name, xs);
        if built.is_err() {
            for v in self.values.drain(values..) {
                self.names.remove(&v.name);
            }
            self.params.truncate(params);
            self.nodes.truncate(nodes);
        }
        built
    }

    /// A numbered sequence of layers, named like PyTorch's `nn.Sequential`: `prefix.0`, `prefix.1`, …
    pub fn seq(&mut self, prefix: &str) -> Seq<'_> {
        Seq { net: self, prefix: prefix.to_string(), next: 0 }
    }

    /// Marks `v` as a graph output and renames it to `name`.
    pub fn output(&mut self, v: Value, name: &str) -> Result<(), GraphError> {
        let old = self.values[v.0].name.clone();
        if old != name {
            if !self.names.insert(name.to_string()) {
                return Err(GraphError::DuplicateName(name.to_string()));
            }
            self.names.remove(&old);
            for node in &mut self.nodes {
                for n in node.input.iter_mut().chain(node.output.iter_mut()) {
                    if *n == old {
                        *n = name.to_string();
                    }
                }
            }
            self.values[v.0].name = name.to_string();
        }
        self.outputs.push(v);
        Ok(())
    }

    /// The parameters registered so far, in order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Closes the graph. `metadata` goes into the model's `metadata_props` ahead of what the
    /// serializer appends (the weights' description and checksum).
    pub fn finish(self, doc: &str, metadata: Vec<(String, String)>) -> Model {
        use crate::proto_util::{tensor_skeleton, value_info};
        use zoo_proto::{GraphProto, ModelProto, OperatorSetIdProto};

        let is_io: HashSet<usize> = self.inputs.iter().chain(&self.outputs).map(|v| v.0).collect();
        let param_names: HashSet<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
        let vi = |v: &Value| value_info(&self.values[v.0].name, &self.values[v.0].info);
        let value_infos = self
            .values
            .iter()
            .enumerate()
            .filter(|(i, e)| !is_io.contains(i) && !param_names.contains(e.name.as_str()))
            .map(|(_, e)| value_info(&e.name, &e.info))
            .collect();
        let graph = GraphProto {
            node: self.nodes,
            name: Some(self.name.clone()),
            initializer: self.params.iter().map(tensor_skeleton).collect(),
            input: self.inputs.iter().map(vi).collect(),
            output: self.outputs.iter().map(vi).collect(),
            value_info: value_infos,
            ..Default::default()
        };
        let proto = ModelProto {
            ir_version: Some(self.opset.ir_version()),
            opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(self.opset.version()) }],
            producer_name: Some("zoo".into()),
            producer_version: Some(env!("CARGO_PKG_VERSION").into()),
            doc_string: Some(doc.to_string()),
            graph: Some(graph),
            metadata_props: metadata
                .into_iter()
                .map(|(key, value)| StringStringEntryProto { key: Some(key), value: Some(value) })
                .collect(),
            ..Default::default()
        };
        Model { proto, params: self.params }
    }
}

/// See [`Net::seq`].
pub struct Seq<'a> {
    net: &'a mut Net,
    prefix: String,
    next: usize,
}

impl Seq<'_> {
    /// Applies `layer` as the next module of the sequence.
    pub fn layer(&mut self, x: Value, layer: impl Layer) -> Result<Value, GraphError> {
        let name = format!("{}.{}", self.prefix, self.next);
        self.next += 1;
        self.net.layer(&name, x, layer)
    }

    pub fn net(&mut self) -> &mut Net {
        self.net
    }
}

/// The batch dimension of a graph input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    Fixed(usize),
    /// A symbolic dimension named `N`.
    Dynamic,
}

impl Batch {
    pub fn dim(self) -> Dim {
        match self {
            Batch::Fixed(n) => Dim::Known(n),
            Batch::Dynamic => Dim::Sym("N".into()),
        }
    }
}

/// An image input: `[batch, channels, height, width]`, f32.
pub fn image(batch: Batch, channels: usize, height: usize, width: usize) -> TensorInfo {
    TensorInfo::new(DType::F32, vec![batch.dim(), Dim::Known(channels), Dim::Known(height), Dim::Known(width)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ShapeError;
    use crate::ops::{Add, Concat, Conv, MaxPool};

    fn net_with_input(h: usize) -> (Net, Value) {
        let mut net = Net::new("t", Opset::DEFAULT);
        let x = net.input("input", image(Batch::Dynamic, 6, h, h)).unwrap();
        (net, x)
    }

    #[test]
    fn impossible_layers_are_rejected_with_their_name() {
        let (mut net, x) = net_with_input(5);
        let err = net.layer("conv9", x, Conv::new(8, 7)).unwrap_err();
        assert!(
            matches!(&err, GraphError::Layer { layer, op: "Conv", source: ShapeError::KernelTooLarge { kernel: 7, padded: 5, .. } } if layer == "conv9"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "layer `conv9` (Conv): spatial axis 0: kernel 7 (dilated) is larger than the padded input 5"
        );
        let err = net.layer("conv_g", x, Conv::new(8, 3).groups(4)).unwrap_err();
        assert!(
            matches!(err, GraphError::Layer { source: ShapeError::Groups { channels: 6, groups: 4 }, .. }),
            "{err}"
        );
        let err = net.layer("pool", x, MaxPool::new(6, 1)).unwrap_err();
        assert!(err.to_string().starts_with("layer `pool` (MaxPool)"), "{err}");
        // Nothing of a rejected layer is left in the graph.
        assert!(net.params().is_empty());
    }

    #[test]
    fn multi_input_ops_check_their_inputs() {
        let (mut net, x) = net_with_input(8);
        let a = net.layer("a", x, Conv::new(4, 3).pad(1)).unwrap();
        let b = net.layer("b", x, Conv::new(4, 3)).unwrap();
        assert!(net.layer_n("sum", &[a, b], Add).is_err());
        let c = net.layer_n("cat", &[a, a], Concat { axis: 1 }).unwrap();
        assert_eq!(net.info(c).shape_string(), "[N, 8, 8, 8]");
        assert!(net.layer_n("bad", &[a, b], Concat { axis: 1 }).is_err());
    }

    #[test]
    fn names_are_unique_and_sequences_count_every_module() {
        let (mut net, x) = net_with_input(8);
        let mut f = net.seq("features");
        let y = f.layer(x, Conv::new(4, 3)).unwrap();
        let y = f.layer(y, crate::ops::Relu).unwrap();
        let y = f.layer(y, Conv::new(4, 3)).unwrap();
        assert_eq!(net.name_of(y), "features.2");
        assert!(matches!(net.layer("features.0", y, crate::ops::Relu), Err(GraphError::DuplicateName(_))));
        let names: Vec<&str> = net.params().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias"]);
    }
}
