//! Converts a graph's float computation to fp16 (IEEE 754 binary16).
//!
//! Every float32 initializer becomes float16, rounded to nearest even while it streams (see
//! [`crate::ir::data::to_f16`]): finite values beyond ±65504 saturate to ±65504 and are counted
//! — never silently infinite, as onnxconverter-common's `convert_float_to_float16(…,
//! max_finite_val=65504)` does — and values below fp16's smallest subnormal (2⁻²⁴) that become
//! zero are counted too. The graph's float inputs and outputs stay float32 behind a Cast at each
//! edge (onnxconverter-common's `keep_io_types=True`), or become float16 with `--io fp16`. No op
//! stays fp32: every op zoo reads is defined for float16 at every opset it writes
//! (BatchNormalization's statistics too; opset 15 would also allow fp32 statistics beside fp16
//! data, which zoo does not use, so that files of every opset behave the same).
//!
//! Numeric effect: each weight moves by at most 2⁻¹¹ of its magnitude (half an fp16 ulp), and
//! every value between nodes is rounded to fp16 by a runtime that computes in fp16 (ONNX
//! Runtime's CPU provider has no fp16 Conv: it inserts Casts and computes in fp32, so on a CPU
//! the file proves the rounding of weights and activations, not fp16 accumulation).
//! Oracle: onnxconverter-common's conversion of the same fp32 file (same fp16 weights, bit for
//! bit) and ONNX Runtime's outputs against the fp32 reference, per layer as SQNR.

use super::{Pass, PassError, PassReport};
use crate::attr;
use crate::ir::{Graph, Node, TensorData};
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
        let mut converted = 0;
        for t in &mut graph.tensors {
            if t.dtype() == DType::F32 {
                let base = std::mem::replace(&mut t.data, TensorData::f32s(&[]));
                t.data = TensorData::ToF16 { base: Box::new(base) };
                converted += 1;
            }
        }
        report.changed.push(format!("{converted} float32 initializers stored as float16"));
        if self.io_fp16 {
            for io in graph.inputs.iter_mut().chain(graph.outputs.iter_mut()) {
                if io.info.dtype == DType::F32 {
                    io.info.dtype = DType::F16;
                    report.changed.push(format!("`{}` is float16", io.name));
                }
            }
        } else {
            let cast = |name: String, from: &str, to: &str, dtype: DType| Node {
                name,
                op: "Cast".into(),
                inputs: vec![from.to_string()],
                outputs: vec![to.to_string()],
                attrs: vec![attr::int("to", dtype.onnx() as i64)],
            };
            let inputs: Vec<String> =
                graph.inputs.iter().filter(|i| i.info.dtype == DType::F32).map(|i| i.name.clone()).collect();
            for (k, x) in inputs.iter().enumerate() {
                let h = graph.fresh_name(&format!("{x}.fp16"));
                graph.rename_uses(x, &h);
                let name = graph.fresh_name(&format!("{x}.to_fp16"));
                graph.nodes.insert(k, cast(name, x, &h, DType::F16));
                report.changed.push(format!("Cast float32 → float16 after input `{x}`"));
            }
            let outputs: Vec<String> =
                graph.outputs.iter().filter(|o| o.info.dtype == DType::F32).map(|o| o.name.clone()).collect();
            for y in outputs {
                let Some(p) = graph.producer(&y) else {
                    report.kept.push((y.clone(), "is not computed by a node; stays float32".into()));
                    continue;
                };
                let h = graph.fresh_name(&format!("{y}.fp16"));
                for o in &mut graph.nodes[p].outputs {
                    if *o == y {
                        *o = h.clone();
                    }
                }
                graph.rename_uses(&y, &h);
                let name = graph.fresh_name(&format!("{y}.to_fp32"));
                graph.nodes.push(cast(name, &h, &y, DType::F32));
                report.changed.push(format!("Cast float16 → float32 before output `{y}`"));
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
}
