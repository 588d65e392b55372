//! Folds inference BatchNormalization into the Conv, ConvTranspose or Gemm that feeds it.
//!
//! BatchNormalization (https://onnx.ai/onnx/operators/onnx__BatchNormalization.html) computes
//! `y = (x − μ)·k + β` per channel with `k = γ / √(σ² + ε)`. When `x = W∗v + b` comes from a
//! convolution (or `x = v·Wᵀ + b` from a Gemm with `transB = 1`, α = β = 1) whose output nothing
//! else reads, `y = (W·k)∗v + (b − μ)·k + β`: one node instead of two (Jacob et al. 2018, §3.2;
//! what torch.onnx.export and ONNX Runtime's basic optimizer do). A ConvTranspose of one group
//! (a decoder's upsampling) folds the same way: its output channels are axis 1 of its
//! `[C, M, k…]` weight, so `W′[c, o, …] = W[c, o, …]·k[o]`. With groups its channels
//! interleave by group, and it stays.
//!
//! Numeric effect: `W′ = W·k` and `b′ = (b − μ)·k + β` are computed in f64 from the f32 inputs and
//! rounded to f32 once, so each folded weight is within ½ ulp of the exact product; the
//! computation differs from the unfolded graph by the reassociation of one multiply per output
//! (a relative error of order 2⁻²⁴ per layer, growing with depth as rounding errors do).
//! Oracle: ONNX Runtime's own fold (its basic-level optimized model) and its outputs on the
//! unfolded file.
//!
//! A BatchNormalization that cannot fold exactly stays, and the report says why: its input is
//! not a Conv or Gemm (alexnet/bn's BatchNorm after ReLU and pooling — folding it forward into
//! the next convolution would be wrong where that convolution pads with zeros), the producer's
//! output is read elsewhere, or its statistics are not constants. Weights or a bias another
//! node also reads are copied for the folded node (and the report says so).

use std::sync::Arc;

use super::{Pass, PassError, PassReport};
use crate::attr;
use crate::ir::{Graph, Tensor, TensorData};
use crate::param::ParamKind;
use crate::tensor::DType;
use crate::weights::WeightSource;

pub struct FoldBatchNorm;

impl Pass for FoldBatchNorm {
    fn name(&self) -> &'static str {
        "fold-batch-norm"
    }

    fn run(&self, graph: &mut Graph, source: &dyn WeightSource) -> Result<PassReport, PassError> {
        let mut report = PassReport { pass: self.name(), ..Default::default() };
        let mut i = 0;
        while i < graph.nodes.len() {
            if !graph.nodes[i].is("BatchNormalization") {
                i += 1;
                continue;
            }
            let plan = match plan(graph, i) {
                Ok(p) => p,
                Err(why) => {
                    report.kept.push((graph.nodes[i].name.clone(), why));
                    i += 1;
                    continue;
                }
            };
            let weights = |source: crate::WeightError| PassError::Weights { pass: "fold-batch-norm", source };
            let read = |name: &str| -> Result<Vec<f64>, PassError> {
                let t = graph.tensor(name).expect("checked by plan");
                let v = t.data.to_f32_vec(source, t.numel()).map_err(weights)?;
                Ok(v.into_iter().map(f64::from).collect())
            };
            let [gamma, beta, mean, var] =
                [&plan.bn_params[0], &plan.bn_params[1], &plan.bn_params[2], &plan.bn_params[3]];
            let (gamma, beta, mean, var) = (read(gamma)?, read(beta)?, read(mean)?, read(var)?);
            let k: Vec<f64> = gamma.iter().zip(&var).map(|(g, v)| g / (v + plan.epsilon).sqrt()).collect();
            let bias = match &plan.bias {
                Some(b) => read(b)?,
                None => vec![0.0; k.len()],
            };
            let folded: Vec<f32> = (0..k.len()).map(|c| ((bias[c] - mean[c]) * k[c] + beta[c]) as f32).collect();

            // Weights another node also reads (torch.onnx.export gives identical tensors one
            // initializer: VGG's zero conv biases) are copied for this node, not scaled in place.
            let shared = |g: &Graph, name: &str| g.consumers(name).len() != 1 || g.is_output(name);
            let mut notes = Vec::new();
            let mut w = graph.tensor_index(&plan.weight).expect("checked by plan");
            if shared(graph, &plan.weight) {
                let mut copy = graph.tensors[w].clone();
                copy.name = graph.fresh_name(&plan.weight);
                graph.nodes[plan.producer].inputs[1] = copy.name.clone();
                notes.push(format!("weights copied from the shared `{}`", plan.weight));
                graph.tensors.insert(w + 1, copy);
                w += 1;
            }
            // Runs of one output channel's weights: a row of a Conv's or Gemm's, the kernel of a
            // ConvTranspose's (whose runs cycle through the channels).
            let row = if graph.nodes[plan.producer].is("ConvTranspose") {
                graph.tensors[w].dims.iter().skip(2).product()
            } else {
                graph.tensors[w].numel() / k.len()
            };
            let base = std::mem::replace(&mut graph.tensors[w].data, TensorData::f32s(&[]));
            graph.tensors[w].data = TensorData::ScaleRows { base: Box::new(base), row, scale: Arc::new(k) };
            let bias_name = match &plan.bias {
                Some(b) if !shared(graph, b) => {
                    let t = graph.tensor_index(b).expect("checked by plan");
                    graph.tensors[t].data = TensorData::f32s(&folded);
                    b.clone()
                }
                shared_or_none => {
                    if let Some(b) = shared_or_none {
                        notes.push(format!("the shared bias `{b}` copied"));
                    }
                    let stem = plan.weight.strip_suffix(".weight").unwrap_or(&plan.weight);
                    let name = graph.fresh_name(&format!("{stem}.bias"));
                    graph.tensors.insert(
                        w + 1,
                        Tensor {
                            name: name.clone(),
                            dims: vec![folded.len()],
                            kind: ParamKind::Weight,
                            data: TensorData::f32s(&folded),
                        },
                    );
                    let p = &mut graph.nodes[plan.producer];
                    p.inputs.truncate(2);
                    p.inputs.resize(2, String::new());
                    p.inputs.push(name.clone());
                    name
                }
            };
            let bn = graph.nodes.remove(i);
            let p = &mut graph.nodes[plan.producer];
            p.outputs[0] = bn.outputs[0].clone();
            let notes: String = notes.iter().map(|n| format!("; {n}")).collect();
            report.changed.push(format!("{} → {} (bias {bias_name}{notes})", bn.name, p.name));
        }
        Ok(report)
    }
}

struct Plan {
    producer: usize,
    weight: String,
    bias: Option<String>,
    /// γ, β, μ, σ² tensor names.
    bn_params: Vec<String>,
    epsilon: f64,
}

/// What folding BatchNormalization node `i` touches, or why it cannot fold exactly.
fn plan(graph: &Graph, i: usize) -> Result<Plan, String> {
    let bn = &graph.nodes[i];
    let proto = bn.proto();
    if bn.inputs.len() != 5 {
        return Err(format!("has {} inputs, not 5", bn.inputs.len()));
    }
    if bn.outputs.iter().skip(1).any(|o| !o.is_empty()) || attr::get_int(&proto, "training_mode").unwrap_or(0) != 0 {
        return Err("is in training mode (it computes batch statistics)".into());
    }
    if attr::get_int(&proto, "spatial").is_some_and(|s| s == 0) {
        return Err("has spatial = 0 (per-activation statistics)".into());
    }
    let f32_param = |name: &str| graph.tensor(name).is_some_and(|t| t.dtype() == DType::F32 && t.dims.len() == 1);
    if let Some(p) = bn.inputs[1..].iter().find(|p| !f32_param(p)) {
        return Err(format!("its parameter `{p}` is not a constant f32 vector"));
    }
    let x = &bn.inputs[0];
    let producer = graph.producer(x).ok_or_else(|| format!("its input `{x}` is a graph input"))?;
    let p = &graph.nodes[producer];
    let pp = p.proto();
    if !p.is("Conv") && !p.is("Gemm") && !p.is("ConvTranspose") {
        return Err(format!("its input comes from {} `{}`, not from a Conv, ConvTranspose or Gemm", p.op, p.name));
    }
    if p.is("ConvTranspose") && attr::get_int(&pp, "group").unwrap_or(1) != 1 {
        return Err(format!("ConvTranspose `{}` has groups (its weight's channels interleave)", p.name));
    }
    if graph.consumers(x).len() != 1 || graph.is_output(x) {
        return Err(format!("the output of {} `{}` is also read elsewhere", p.op, p.name));
    }
    if p.op == "Gemm" {
        let alpha = attr::get_float(&pp, "alpha").unwrap_or(1.0);
        let beta = attr::get_float(&pp, "beta").unwrap_or(1.0);
        if attr::get_int(&pp, "transB").unwrap_or(0) != 1 || attr::get_int(&pp, "transA").unwrap_or(0) != 0 {
            return Err(format!("Gemm `{}` does not have transA = 0, transB = 1 (weights as [out, in])", p.name));
        }
        if alpha != 1.0 || beta != 1.0 {
            return Err(format!("Gemm `{}` has alpha {alpha}, beta {beta} (not 1)", p.name));
        }
    }
    let weight = p.inputs.get(1).cloned().unwrap_or_default();
    let channels = graph.tensor(&bn.inputs[1]).map_or(0, |t| t.numel());
    // A ConvTranspose's output channels are axis 1 of its weight.
    let axis = usize::from(p.is("ConvTranspose"));
    match graph.tensor(&weight) {
        Some(t) if t.dtype() == DType::F32 && t.dims.len() > axis && t.dims[axis] == channels => {}
        _ => {
            return Err(format!(
                "the weights of {} `{}` are not a constant f32 tensor of {channels} output channels",
                p.op, p.name
            ));
        }
    }
    let bias = p.inputs.get(2).filter(|b| !b.is_empty()).cloned();
    if let Some(b) = &bias {
        let ok = graph.tensor(b).is_some_and(|t| t.dtype() == DType::F32 && t.dims == [channels]);
        if !ok {
            return Err(format!("the bias `{b}` is not a constant f32 vector of {channels}"));
        }
    }
    // The statistics are only read, so another node may share them.
    let bn_params = bn.inputs[1..].to_vec();
    let epsilon = f64::from(attr::get_float(&proto, "epsilon").unwrap_or(1e-5));
    Ok(Plan { producer, weight, bias, bn_params, epsilon })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seeded;
    use crate::test_fixtures::small_model;

    /// The folded weights are W·k and the bias (b − μ)·k + β, from the same source values.
    #[test]
    fn folds_conv_bn_exactly() {
        let model = small_model();
        let source = Seeded { seed: 5 };
        let reference = Graph::from_model(&model).unwrap();
        let mut g = reference.clone();
        let report = FoldBatchNorm.run(&mut g, &source).unwrap();
        assert_eq!(report.changed, ["bn → conv (bias conv.bias)"]);
        assert!(report.kept.is_empty());
        assert!(g.nodes.iter().all(|n| n.op != "BatchNormalization"));
        assert_eq!(g.nodes[0].outputs, ["bn"]);

        let get = |g: &Graph, name: &str| {
            let t = g.tensor(name).unwrap();
            t.data.to_f32_vec(&source, t.numel()).unwrap()
        };
        let (w, b) = (get(&reference, "conv.weight"), get(&reference, "conv.bias"));
        let (gamma, beta) = (get(&reference, "bn.weight"), get(&reference, "bn.bias"));
        let (mean, var) = (get(&reference, "bn.running_mean"), get(&reference, "bn.running_var"));
        let (w2, b2) = (get(&g, "conv.weight"), get(&g, "conv.bias"));
        let row = w.len() / 4;
        for c in 0..4 {
            let k = f64::from(gamma[c]) / (f64::from(var[c]) + f64::from(1e-5f32)).sqrt();
            assert_eq!(b2[c], ((f64::from(b[c]) - f64::from(mean[c])) * k + f64::from(beta[c])) as f32);
            for j in 0..row {
                assert_eq!(w2[c * row + j], (f64::from(w[c * row + j]) * k) as f32);
            }
        }
    }

    /// Two convolutions reading one weight and one bias (torch.onnx.export stores identical
    /// tensors once), each followed by its BatchNorm: both fold, each into a copy of its own,
    /// and the shared tensors keep their values.
    #[test]
    fn shared_weights_are_copied_not_scaled_in_place() {
        let source = Seeded { seed: 3 };
        let mut g = Graph::from_model(&small_model()).unwrap();
        let mut conv2 = g.nodes[0].clone();
        conv2.name = "conv2".into();
        conv2.outputs = vec!["conv2".into()];
        let mut bn2 = g.nodes[1].clone();
        bn2.name = "bn2".into();
        bn2.inputs[0] = "conv2".into();
        bn2.outputs = vec!["bn2".into()];
        g.nodes.insert(2, conv2);
        g.nodes.insert(3, bn2);
        g.outputs.push(crate::ir::Io { name: "bn2".into(), info: g.outputs[0].info.clone() });
        g.infer().unwrap();
        let reference = g.clone();
        let report = FoldBatchNorm.run(&mut g, &source).unwrap();
        assert_eq!(
            report.changed,
            [
                "bn → conv (bias conv.bias_1; weights copied from the shared `conv.weight`; the shared bias `conv.bias` copied)",
                "bn2 → conv2 (bias conv.bias)",
            ]
        );
        let get = |g: &Graph, name: &str| {
            let t = g.tensor(name).unwrap();
            t.data.to_f32_vec(&source, t.numel()).unwrap()
        };
        // conv2 folded last, in place (nothing else reads them by then); conv got copies.
        assert_eq!(g.nodes[0].inputs, ["input", "conv.weight_1", "conv.bias_1"]);
        assert_eq!(g.nodes[1].inputs, ["input", "conv.weight", "conv.bias"]);
        let (w, w1) = (get(&reference, "conv.weight"), get(&g, "conv.weight_1"));
        let (gamma, var) = (get(&reference, "bn.weight"), get(&reference, "bn.running_var"));
        let k0 = f64::from(gamma[0]) / (f64::from(var[0]) + f64::from(1e-5f32)).sqrt();
        assert_eq!(w1[0], (f64::from(w[0]) * k0) as f32);
        assert_eq!(g.nodes.iter().filter(|n| n.op == "BatchNormalization").count(), 0);
    }

    #[test]
    fn a_batch_norm_after_relu_stays_with_its_reason() {
        let model = small_model();
        let mut g = Graph::from_model(&model).unwrap();
        // Rewire conv → bn → relu → flatten as conv → relu → bn → flatten.
        let (bn, relu, flatten) = (1, 2, 3);
        g.nodes[relu].inputs[0] = "conv".into();
        g.nodes[bn].inputs[0] = "relu".into();
        g.nodes[flatten].inputs[0] = "bn".into();
        g.nodes.swap(bn, relu);
        g.infer().unwrap();
        let report = FoldBatchNorm.run(&mut g, &Seeded { seed: 0 }).unwrap();
        assert!(report.changed.is_empty());
        assert_eq!(report.kept[0].0, "bn");
        assert!(report.kept[0].1.contains("comes from Relu `relu`"), "{:?}", report.kept);
    }

    /// A ConvTranspose's weight is `[C, M, k…]`: BatchNorm's factor k[o] scales axis 1.
    #[test]
    fn folds_conv_transpose_bn_along_its_output_channels() {
        use zoo_proto::{GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto};
        let f32s = |name: &str, dims: &[i64], v: Vec<f32>| TensorProto {
            name: Some(name.into()),
            data_type: Some(DType::F32.onnx() as i32),
            dims: dims.to_vec(),
            float_data: v,
            ..Default::default()
        };
        let node = |op: &str, inputs: &[&str], output: &str| NodeProto {
            op_type: Some(op.into()),
            name: Some(output.into()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            ..Default::default()
        };
        let info = |name: &str, dims: &[usize]| {
            crate::proto_util::value_info(
                name,
                &crate::tensor::TensorInfo::new(
                    DType::F32,
                    dims.iter().map(|&d| crate::tensor::Dim::Known(d)).collect(),
                ),
            )
        };
        let w: Vec<f32> = (0..24).map(|i| i as f32 * 0.25 - 3.0).collect();
        let mut up = node("ConvTranspose", &["x", "w", "b"], "up");
        up.attribute = vec![attr::ints("strides", &[2, 2])];
        let model = ModelProto {
            ir_version: Some(8),
            opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(17) }],
            graph: Some(GraphProto {
                name: Some("g".into()),
                node: vec![up, node("BatchNormalization", &["up", "gamma", "beta", "mean", "var"], "y")],
                initializer: vec![
                    f32s("w", &[2, 3, 2, 2], w.clone()),
                    f32s("b", &[3], vec![0.5, -1.0, 2.0]),
                    f32s("gamma", &[3], vec![1.5, 0.5, -2.0]),
                    f32s("beta", &[3], vec![0.1, 0.2, 0.3]),
                    f32s("mean", &[3], vec![1.0, -1.0, 0.0]),
                    f32s("var", &[3], vec![4.0, 0.25, 1.0]),
                ],
                input: vec![info("x", &[1, 2, 3, 3])],
                output: vec![info("y", &[1, 3, 6, 6])],
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut g = crate::ir::read::read_model(model).unwrap();
        let source = Seeded { seed: 0 };
        let report = FoldBatchNorm.run(&mut g, &source).unwrap();
        assert_eq!(report.changed, ["y → up (bias b)"], "{report:?}");
        let t = g.tensor("w").unwrap();
        let folded = t.data.to_f32_vec(&source, t.numel()).unwrap();
        let (gamma, var) = ([1.5f64, 0.5, -2.0], [4.0f64, 0.25, 1.0]);
        for (i, (&v, &f)) in w.iter().zip(&folded).enumerate() {
            let o = (i / 4) % 3;
            assert_eq!(f, (f64::from(v) * gamma[o] / (var[o] + f64::from(1e-5f32)).sqrt()) as f32, "element {i}");
        }
    }
}
