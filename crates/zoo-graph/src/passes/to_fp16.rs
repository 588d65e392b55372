//! Converts a graph's float computation to fp16 (IEEE 754 binary16).
//!
//! Every float32 initializer becomes float16, rounded to nearest even while it streams (see
//! [`crate::ir::data::to_f16`]): finite values beyond ±65504 saturate to ±65504 and are counted
//! — never silently infinite, as onnxconverter-common's `convert_float_to_float16(…,
//! max_finite_val=65504)` does — and values below fp16's smallest subnormal (2⁻²⁴) that become
//! zero are counted too. The graph's float inputs and outputs stay float32 behind a Cast at each
//! edge (onnxconverter-common's `keep_io_types=True`), or become float16 with `--io fp16`. Every
//! op zoo reads is defined for float16 at every opset it writes (BatchNormalization's
//! statistics too; opset 15 would also allow fp32 statistics beside fp16 data, which zoo does
//! not use, so that files of every opset behave the same) and computes in fp16.
//!
//! What zoo carries without knowing it — an op of its block list's kind (recurrent layers,
//! control flow, Resize with its float scales, other domains), or a node whose inputs zoo
//! cannot type — stays float32, as onnxconverter-common's `op_block_list` keeps its ops: a Cast
//! to float32 before each of its float inputs that comes from the fp16 part, a Cast to float16
//! after each of its float outputs that an fp16 node reads, and the initializers it reads kept
//! float32 (a Cast gives an fp16 reader its own copy). Values zoo cannot type are never cast
//! (they may be integers); a node that reads one stays float32 too.
//!
//! Numeric effect: each weight moves by at most 2⁻¹¹ of its magnitude (half an fp16 ulp), and
//! every value between nodes is rounded to fp16 by a runtime that computes in fp16 (ONNX
//! Runtime's CPU provider has no fp16 Conv: it inserts Casts and computes in fp32, so on a CPU
//! the file proves the rounding of weights and activations, not fp16 accumulation).
//! Oracle: onnxconverter-common's conversion of the same fp32 file (same fp16 weights, bit for
//! bit) and ONNX Runtime's outputs against the fp32 reference, per layer as SQNR.

use std::collections::{HashMap, HashSet};

use super::{Pass, PassError, PassReport};
use crate::attr;
use crate::ir::{Graph, Node, TensorData};
use crate::ops::Fp16;
use crate::tensor::DType;
use crate::weights::WeightSource;

pub struct ToFp16 {
    /// Graph inputs and outputs in fp16 too (else fp32, with a Cast at each).
    pub io_fp16: bool,
}

impl Pass for ToFp16 {
    fn name(&self) -> &'static str {
        if self.io_fp16 { "fp16-io" } else { "fp16" }
    }

    fn run(&self, graph: &mut Graph, _: &dyn WeightSource) -> Result<PassReport, PassError> {
        let mut report = PassReport { pass: self.name(), ..Default::default() };
        let is_f32 = |g: &Graph, v: &str| !v.is_empty() && g.info(v).is_some_and(|t| t.dtype == DType::F32);
        // Which nodes stay float32, and why.
        let mut full = Vec::with_capacity(graph.nodes.len());
        for n in &graph.nodes {
            let why = if n.def().is_none() {
                Some(format!("op `{}` is carried, not converted; stays float32 behind Casts", n.op_name()))
            } else if let Some(Fp16::KeepsFloat32(why)) = n.def().map(|d| d.fp16) {
                Some(format!("{} {why}; it stays float32 behind Casts", n.op))
            } else if n.is("LayerNormalization") && n.outputs.iter().skip(1).any(|o| !o.is_empty()) {
                // Its Mean and InvStdDev are of `stash_type` (float32), whatever X's type.
                Some(
                    "LayerNormalization's Mean and InvStdDev are float32 (stash_type); it stays float32 behind Casts"
                        .into(),
                )
            } else {
                n.inputs.iter().chain(&n.outputs).filter(|v| !v.is_empty()).find(|v| graph.info(v).is_none()).map(|v| {
                    format!("`{v}` has no type zoo knows (it may not be float); the node stays float32 behind Casts")
                })
            };
            full.push(why.is_some());
            if let Some(why) = why {
                report.kept.push((n.name.clone(), why));
            }
        }
        // Whether node `k` reads `v` in float32: a float32 node, or an input its op keeps float32.
        let wants_f32 = |k: usize, v: &str| {
            let n = &graph.nodes[k];
            full[k]
                || matches!(n.def().map(|d| d.fp16), Some(Fp16::KeepsInputs(kept))
                    if kept.iter().any(|&p| n.inputs.get(p).is_some_and(|i| i == v)))
        };
        let full_outputs: HashSet<String> =
            graph.nodes.iter().zip(&full).filter(|(_, f)| **f).flat_map(|(n, _)| n.outputs.iter().cloned()).collect();
        // Initializers: float16 unless a float32 node reads them.
        let mut converted = 0;
        let mut kept_f32: HashSet<String> = HashSet::new();
        for t in &mut graph.tensors {
            if t.dtype() != DType::F32 {
                continue;
            }
            let readers: Vec<usize> =
                graph.nodes.iter().enumerate().filter(|(_, n)| n.reads().contains(&t.name)).map(|(k, _)| k).collect();
            if readers.iter().any(|&k| wants_f32(k, &t.name)) {
                kept_f32.insert(t.name.clone());
                continue;
            }
            let base = std::mem::replace(&mut t.data, TensorData::f32s(&[]));
            t.data = TensorData::ToF16 { base: Box::new(base) };
            converted += 1;
        }
        report.changed.push(format!("{converted} float32 initializers stored as float16"));
        if !kept_f32.is_empty() {
            report.changed.push(format!("{} initializers kept float32 (read by float32 nodes)", kept_f32.len()));
        }
        // Each float edge whose two ends differ in precision gets a Cast: (value, to fp16?) → the
        // edges (node, input slot) that read the cast value.
        let producers: HashMap<&str, usize> =
            graph.nodes.iter().enumerate().flat_map(|(k, n)| n.outputs.iter().map(move |o| (o.as_str(), k))).collect();
        let home_f16 = |v: &str| -> bool {
            if graph.inputs.iter().any(|i| i.name == v) {
                self.io_fp16
            } else if graph.tensor(v).is_some() {
                !kept_f32.contains(v)
            } else {
                producers.get(v).is_some_and(|&p| !full[p])
            }
        };
        // Edges are (node, value read): an input, or a value its sub-graphs capture.
        let mut casts: Vec<((String, bool), Vec<usize>)> = Vec::new();
        for (k, n) in graph.nodes.iter().enumerate() {
            for v in n.reads() {
                let f32_here = wants_f32(k, &v);
                if !is_f32(graph, &v) || home_f16(&v) != f32_here {
                    continue;
                }
                let key = (v, !f32_here);
                match casts.iter_mut().find(|(c, _)| *c == key) {
                    Some((_, edges)) => edges.push(k),
                    None => casts.push((key, vec![k])),
                }
            }
        }
        let cast = |name: String, from: &str, to: &str, dtype: DType| Node {
            name,
            op: "Cast".into(),
            domain: String::new(),
            inputs: vec![from.to_string()],
            outputs: vec![to.to_string()],
            attrs: vec![attr::int("to", dtype.onnx() as i64)],
        };
        // Casts of graph inputs and initializers open the graph (inputs first, in their order);
        // the others go just before their first reader.
        let is_input = |v: &str| graph.inputs.iter().any(|i| i.name == v);
        casts.sort_by_key(|((v, _), edges)| {
            let first = edges[0];
            let at_top = is_input(v) || graph.tensor(v).is_some();
            (!at_top, !is_input(v), graph.inputs.iter().position(|i| i.name == *v), first)
        });
        let mut before: Vec<Vec<Node>> = vec![vec![]; graph.nodes.len() + 1];
        let mut renames: Vec<(usize, String, String)> = Vec::new();
        for ((v, to_f16), edges) in &casts {
            let (suffix, dtype) = if *to_f16 { ("fp16", DType::F16) } else { ("fp32", DType::F32) };
            let h = graph.fresh_name(&format!("{v}.{suffix}"));
            let name = graph.fresh_name(&format!("{v}.to_{suffix}"));
            let at = if is_input(v) || graph.tensor(v).is_some() { 0 } else { edges[0] };
            before[at].push(cast(name, v, &h, dtype));
            renames.extend(edges.iter().map(|&k| (k, v.clone(), h.clone())));
            report.changed.push(match (is_input(v), *to_f16) {
                (true, true) => format!("Cast float32 → float16 after input `{v}`"),
                (true, false) => format!("Cast float16 → float32 after input `{v}` for the float32 nodes"),
                (false, true) => format!("Cast float32 → float16 of `{v}` for the float16 nodes"),
                (false, false) => format!("Cast float16 → float32 of `{v}` for the float32 nodes"),
            });
        }
        for (k, v, h) in renames {
            graph.nodes[k].rename_read(&v, &h);
        }
        let old = std::mem::take(&mut graph.nodes);
        for (k, n) in old.into_iter().enumerate() {
            graph.nodes.append(&mut before[k]);
            graph.nodes.push(n);
        }
        // Graph outputs in the precision the option asks for.
        let outputs: Vec<String> =
            graph.outputs.iter().filter(|o| o.info.dtype == DType::F32).map(|o| o.name.clone()).collect();
        for y in outputs {
            let Some(p) = graph.producer(&y) else {
                report.kept.push((y.clone(), "is not computed by a node; stays float32".into()));
                continue;
            };
            let produced_f16 = !full_outputs.contains(&y);
            if produced_f16 == self.io_fp16 {
                continue;
            }
            let (suffix, to, dtype, line) = if produced_f16 {
                ("fp16", "fp32", DType::F32, format!("Cast float16 → float32 before output `{y}`"))
            } else {
                ("fp32", "fp16", DType::F16, format!("Cast float32 → float16 before output `{y}`"))
            };
            let h = graph.fresh_name(&format!("{y}.{suffix}"));
            for o in &mut graph.nodes[p].outputs {
                if *o == y {
                    *o = h.clone();
                }
            }
            graph.rename_uses(&y, &h);
            let name = graph.fresh_name(&format!("{y}.to_{to}"));
            graph.nodes.push(cast(name, &h, &y, dtype));
            report.changed.push(line);
        }
        if self.io_fp16 {
            for io in graph.inputs.iter_mut().chain(graph.outputs.iter_mut()) {
                if io.info.dtype == DType::F32 {
                    io.info.dtype = DType::F16;
                    report.changed.push(format!("`{}` is float16", io.name));
                }
            }
        }
        graph.set_meta("zoo.precision", "fp16");
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seeded;
    use crate::test_fixtures::small_model;

    #[test]
    fn weights_become_fp16_behind_fp32_edges() {
        let model = small_model();
        let mut g = Graph::from_model(&model).unwrap();
        let report = ToFp16 { io_fp16: false }.run(&mut g, &Seeded { seed: 0 }).unwrap();
        assert!(report.kept.is_empty(), "{report:?}");
        g.infer().unwrap();
        assert!(g.tensors.iter().all(|t| t.dtype() != DType::F32));
        assert_eq!((g.nodes[0].op.as_str(), g.nodes.last().unwrap().op.as_str()), ("Cast", "Cast"));
        assert_eq!(g.inputs[0].info.dtype, DType::F32);
        assert_eq!(g.outputs[0].info.dtype, DType::F32);
        // Inside, everything computes in fp16.
        assert!(g.value_info.iter().filter(|v| v.name != "input").all(|v| v.info.dtype == DType::F16));

        let mut g = Graph::from_model(&model).unwrap();
        ToFp16 { io_fp16: true }.run(&mut g, &Seeded { seed: 0 }).unwrap();
        g.infer().unwrap();
        assert_eq!(g.outputs[0].info.dtype, DType::F16);
        assert!(g.nodes.iter().all(|n| n.op != "Cast"));
    }

    /// Resize's `scales` is float32 by its type constraint: it stays float32 (no Cast, not
    /// stored as fp16) while the Resize itself computes in fp16.
    #[test]
    fn resize_scales_stay_float32() {
        use prost::Message;
        let mut bytes = Vec::new();
        crate::write::encode(&small_model(), &Seeded { seed: 3 }, &mut bytes).unwrap();
        let mut m = zoo_proto::ModelProto::decode(bytes.as_slice()).unwrap();
        let g = m.graph.as_mut().unwrap();
        let relu = g.node.iter_mut().find(|n| n.op_type() == "Relu").unwrap();
        relu.op_type = Some("Resize".into());
        relu.input = vec![relu.input[0].clone(), String::new(), "scales".into()];
        g.initializer.push(zoo_proto::TensorProto {
            name: Some("scales".into()),
            data_type: Some(DType::F32.onnx() as i32),
            dims: vec![4],
            float_data: vec![1.0; 4],
            ..Default::default()
        });
        let mut g = crate::ir::read::read_model(m).unwrap();
        let report = ToFp16 { io_fp16: false }.run(&mut g, &Seeded { seed: 0 }).unwrap();
        assert!(report.kept.is_empty(), "{report:?}");
        g.infer().unwrap();
        assert_eq!(g.tensor("scales").unwrap().dtype(), DType::F32);
        assert!(g.nodes.iter().filter(|n| n.op == "Cast").all(|n| n.inputs[0] != "scales"));
        let resize = g.nodes.iter().find(|n| n.op == "Resize").unwrap();
        assert_eq!(resize.inputs[2], "scales");
        assert_eq!(g.info(&resize.inputs[0]).unwrap().dtype, DType::F16);
        assert_eq!(g.info(&resize.outputs[0]).unwrap().dtype, DType::F16);
    }
}
