//! Whether two graphs are the same computation node for node, whatever their value names: the
//! same opsets, the same ops in the same order with the same attributes, reading the same
//! tensors (by content) and each other's outputs in the same places. Only what is compared here
//! lets `diff` call files it could not run equivalent.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use zoo_proto::{Message, ModelProto, TensorProto};

pub(super) fn same_computation(a: &ModelProto, pa: &Path, b: &ModelProto, pb: &Path) -> bool {
    match (canonical(a, pa), canonical(b, pb)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The graph with every value name replaced by what it is: the k-th input, a tensor's content
/// hash, or the j-th output of the i-th node. `None` where a tensor cannot be read.
fn canonical(m: &ModelProto, path: &Path) -> Option<Vec<String>> {
    let g = m.graph.as_ref()?;
    let dir = crate::onnx::folder(path);
    let mut out = Vec::new();
    let mut opsets: Vec<String> = m
        .opset_import
        .iter()
        .map(|o| format!("{}:{}", o.domain.as_deref().unwrap_or(""), o.version.unwrap_or(0)))
        .collect();
    opsets.sort();
    out.push(opsets.join(" "));
    let mut token: HashMap<&str, String> = HashMap::new();
    for t in &g.initializer {
        token.insert(t.name.as_deref()?, content(t, dir)?);
    }
    let mut k = 0;
    for i in &g.input {
        let name = i.name.as_deref()?;
        if !token.contains_key(name) {
            token.insert(name, format!("input{k}"));
            k += 1;
        }
    }
    for (i, n) in g.node.iter().enumerate() {
        let inputs: Vec<String> = n
            .input
            .iter()
            .map(|v| if v.is_empty() { Some(String::new()) } else { token.get(v.as_str()).cloned() })
            .collect::<Option<_>>()?;
        let mut attrs: Vec<(String, Vec<u8>)> = n
            .attribute
            .iter()
            .map(|a| {
                let mut a = a.clone();
                if let Some(t) = a.t.as_mut() {
                    t.name = None;
                }
                (a.name.clone().unwrap_or_default(), a.encode_to_vec())
            })
            .collect();
        attrs.sort();
        let attrs = attrs.iter().map(|(name, bytes)| format!("{name}={}", hex(bytes))).collect::<Vec<_>>().join(",");
        out.push(format!("{}:{}({}) [{attrs}]", n.domain.as_deref().unwrap_or(""), n.op_type(), inputs.join(",")));
        for (j, o) in n.output.iter().enumerate().filter(|(_, o)| !o.is_empty()) {
            token.insert(o.as_str(), format!("node{i}.{j}"));
        }
    }
    for o in &g.output {
        out.push(format!("output {}", token.get(o.name.as_deref()?)?));
    }
    Some(out)
}

/// A tensor by its type, dimensions and values (external data read, not its location).
fn content(t: &TensorProto, dir: &Path) -> Option<String> {
    let mut h = Sha256::new();
    if zoo_graph::ir::external::is_external(t) {
        let values = super::layers::values(t, dir)?;
        h.update(format!("{:?}{:?}", t.data_type, t.dims));
        for x in values {
            h.update(x.to_le_bytes());
        }
    } else {
        let mut t = t.clone();
        t.name = None;
        t.doc_string = None;
        h.update(t.encode_to_vec());
    }
    Some(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    zoo_graph::write::hex(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use zoo_proto::{GraphProto, NodeProto, OperatorSetIdProto, ValueInfoProto};

    use super::*;

    fn model(names: [&str; 3], weight: f32, op: &str) -> ModelProto {
        let [x, w, y] = names;
        ModelProto {
            opset_import: vec![OperatorSetIdProto { domain: None, version: Some(17) }],
            graph: Some(GraphProto {
                node: vec![NodeProto {
                    op_type: Some(op.into()),
                    input: vec![x.into(), w.into()],
                    output: vec![y.into()],
                    ..Default::default()
                }],
                initializer: vec![TensorProto {
                    name: Some(w.into()),
                    data_type: Some(1),
                    dims: vec![1],
                    float_data: vec![weight],
                    ..Default::default()
                }],
                input: vec![ValueInfoProto { name: Some(x.into()), ..Default::default() }],
                output: vec![ValueInfoProto { name: Some(y.into()), ..Default::default() }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn names_do_not_matter_and_everything_else_does() {
        let p = Path::new("m.onnx");
        let a = model(["x", "w", "y"], 2.0, "Mul");
        assert!(same_computation(&a, p, &model(["in", "weight", "out"], 2.0, "Mul"), p));
        assert!(!same_computation(&a, p, &model(["x", "w", "y"], 2.5, "Mul"), p));
        assert!(!same_computation(&a, p, &model(["x", "w", "y"], 2.0, "Add"), p));
        let mut other_opset = a.clone();
        other_opset.opset_import[0].version = Some(11);
        assert!(!same_computation(&a, p, &other_opset, p));
    }
}
