//! Removes Identity nodes and inference-mode Dropout.
//!
//! Spec: Dropout (https://onnx.ai/onnx/operators/onnx__Dropout.html) is the identity when
//! `training_mode` is absent or false (opset ≥ 12) and its `mask` output is unused; before
//! opset 12 the `is_test`-free form is inference-only in every runtime. Numeric effect: none —
//! the output is bit-for-bit the input. Oracle: ONNX Runtime runs the file before and after and
//! the outputs are equal.
//!
//! A removed node's consumers read its input instead, so every other value keeps its name. When
//! the node's output is a graph output, the producer of its input is renamed to produce the
//! graph output directly; if there is no producer (the output is a graph input or an
//! initializer passed through), the node stays.

use super::{Pass, PassError, PassReport};
use crate::ir::Graph;
use crate::weights::WeightSource;

pub struct RemoveIdentity;

impl Pass for RemoveIdentity {
    fn name(&self) -> &'static str {
        "remove-identity"
    }

    fn run(&self, graph: &mut Graph, _: &dyn WeightSource) -> Result<PassReport, PassError> {
        let mut report = PassReport { pass: self.name(), ..Default::default() };
        let mut i = 0;
        while i < graph.nodes.len() {
            let node = &graph.nodes[i];
            if !node.is("Identity") && !node.is("Dropout") {
                i += 1;
                continue;
            }
            if let Some(why) = blocker(graph, i) {
                report.kept.push((graph.nodes[i].name.clone(), why));
                i += 1;
                continue;
            }
            let node = graph.nodes.remove(i);
            let (x, y) = (node.inputs[0].clone(), node.outputs[0].clone());
            if graph.is_output(&y) {
                // The producer of x now writes y; x's other readers follow it.
                let p = graph.producer(&x).expect("checked by blocker");
                for o in &mut graph.nodes[p].outputs {
                    if *o == x {
                        *o = y.clone();
                    }
                }
                graph.rename_uses(&x, &y);
            } else {
                graph.rename_uses(&y, &x);
            }
            report.changed.push(format!("{} ({})", node.name, node.op));
        }
        Ok(report)
    }
}

/// Why node `i` must stay, if it must.
fn blocker(graph: &Graph, i: usize) -> Option<String> {
    let n = &graph.nodes[i];
    let (Some(x), Some(y)) = (n.inputs.first(), n.outputs.first()) else {
        return Some("has no input or output".into());
    };
    if n.op == "Dropout" {
        if n.outputs.get(1).is_some_and(|m| !m.is_empty() && (!graph.consumers(m).is_empty() || graph.is_output(m))) {
            return Some("its mask output is used".into());
        }
        // zoo reads no bool tensors, so a training_mode input cannot be proven false.
        if let Some(t) = n.inputs.get(2).filter(|t| !t.is_empty()) {
            return Some(format!("has a training_mode input `{t}`"));
        }
    }
    if graph.is_output(y) && (graph.producer(x).is_none() || graph.is_output(x)) {
        return Some("passes a graph input, initializer or output straight to a graph output".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seeded;
    use crate::test_fixtures::small_model;

    #[test]
    fn dropout_goes_and_names_stay() {
        let model = small_model();
        let mut g = Graph::from_model(&model).unwrap();
        let report = RemoveIdentity.run(&mut g, &Seeded { seed: 0 }).unwrap();
        assert_eq!(report.changed, ["drop (Dropout)"]);
        assert!(g.nodes.iter().all(|n| n.op != "Dropout"));
        // fc now reads flatten's output; the graph output keeps its name.
        let fc = g.nodes.iter().find(|n| n.name == "fc").unwrap();
        assert_eq!(fc.inputs[0], "flatten");
        assert_eq!(g.outputs[0].name, "logits");
    }

    #[test]
    fn identity_feeding_a_graph_output_renames_its_producer() {
        let model = small_model();
        let mut g = Graph::from_model(&model).unwrap();
        // Append `logits → Identity → out` and make `out` the graph output.
        g.nodes.push(crate::ir::Node {
            name: "id".into(),
            op: "Identity".into(),
            domain: String::new(),
            inputs: vec!["logits".into()],
            outputs: vec!["out".into()],
            attrs: vec![],
        });
        g.outputs[0].name = "out".into();
        let report = RemoveIdentity.run(&mut g, &Seeded { seed: 0 }).unwrap();
        assert_eq!(report.changed.len(), 2);
        assert_eq!(g.nodes.last().unwrap().outputs, ["out"]);
        g.infer().unwrap();
    }
}
