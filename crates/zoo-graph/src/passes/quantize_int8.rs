//! Static int8 quantization in QDQ form (QuantizeLinear → DequantizeLinear pairs around float
//! ops, ONNX opset ≥ 13; https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html), the layout
//! ONNX Runtime's `quantize_static(…, quant_format=QDQ, per_channel=True)` writes and its graph
//! optimizer turns into QLinearConv / QGemm / QLinearAdd kernels, and the one TensorRT's
//! explicit quantization reads.
//!
//! What it rewrites, following ONNX Runtime's QDQ rules (`onnxruntime/quantization/registry.py`,
//! 1.31) so that the two can be compared tensor for tensor; each op declares which rule is its
//! own ([`crate::ops::Int8`]):
//! - Conv and Gemm (`transB = 1`): the activation input and the output quantized per tensor;
//!   the weight int8, symmetric, per output channel (axis 0); the bias int32 at scale s_x·s_w,
//!   zero point 0.
//! - Add, Mul, Sigmoid, Concat, GlobalAveragePool: every activation input and the output, each
//!   at its own calibrated range.
//! - MaxPool, AveragePool, Flatten, Reshape: the output at its input's parameters, when the
//!   input is quantized (max and reshapes commute with the rounding).
//! - Relu after a quantized value: its input is quantized at the ReLU output's range when
//!   nothing else reads it; with asymmetric activations the ReLU then goes (zero point = qmin,
//!   so the quantizer itself clamps at 0); with symmetric ones (TensorRT) it stays. A Clip whose
//!   bounds hold 0 (ReLU6) likewise: the range it is quantized at, its calibrated output range
//!   widened to 0, lies inside its bounds, so the quantizer clamps where it would.
//! - Graph outputs stay float (the classifier's logits are not rounded for nothing); every
//!   other op (LRN, Softmax) runs in float between a DequantizeLinear and the next
//!   QuantizeLinear, and the report names it.
//!
//! Names: a DequantizeLinear's output carries the name of the float value it stands for (the
//! weight `features.0.weight`, the activation `relu1`), the value before it becomes `<v>.float`
//! and the integer one `<v>.quantized`; so Conv and Gemm nodes read the same names as before
//! and `zoo verify --layers --reference` compares every quantized tensor with its fp32 value.
//!
//! Numeric effect: each quantized tensor is rounded to its 8-bit grid (error ≤ s/2 inside the
//! calibrated range, clipped outside it); biases to s_x·s_w. Oracle: ONNX Runtime's
//! `quantize_static` on the same fp32 file and calibration data (weight scales within 1 ulp,
//! MinMax activation scales and zero points equal), per-layer SQNR against the fp32 reference,
//! and ONNX Runtime's optimized graph (QLinearConv, no DequantizeLinear→Conv left).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Pass, PassError, PassReport};
use crate::attr;
use crate::ir::data::CHUNK;
use crate::ir::{Graph, Node, Tensor, TensorData};
use crate::ops::Int8;
use crate::param::ParamKind;
use crate::quant::{QParams, Scheme, quantize_bias, scale_zero_point, weight_params};
use crate::tensor::DType;
use crate::weights::WeightSource;

pub struct QuantizeInt8 {
    pub scheme: Scheme,
    /// The calibrated range of every activation of the fp32 graph, by value name.
    pub ranges: HashMap<String, (f32, f32)>,
}

/// Where a quantized value's parameters come from.
#[derive(Debug, Clone)]
enum Params {
    /// Its own calibrated range (of this value name).
    Own(String),
    /// Those of another quantized value (pools and reshapes share their input's).
    Same(String),
}

/// One value to quantize: `from` is what the QuantizeLinear reads, `name` what the
/// DequantizeLinear's output is called (differs only for a folded ReLU).
#[derive(Debug, Clone)]
struct Planned {
    from: String,
    name: String,
    params: Params,
}

impl Pass for QuantizeInt8 {
    fn name(&self) -> &'static str {
        "int8"
    }

    fn run(&self, graph: &mut Graph, source: &dyn WeightSource) -> Result<PassReport, PassError> {
        let mut report = PassReport { pass: self.name(), ..Default::default() };
        if graph.opset < 13 {
            return Err(PassError::Unsupported {
                pass: self.name(),
                reason: format!(
                    "per-channel QuantizeLinear/DequantizeLinear need opset 13 or later, the file has {}: re-export it with --opset 13 or later",
                    graph.opset
                ),
            });
        }
        let symmetric = self.scheme.symmetric_activations();
        let inputs: HashSet<String> = graph.inputs.iter().map(|i| i.name.clone()).collect();
        let is_float = |g: &Graph, v: &str| {
            g.tensor(v).is_none() && g.info(v).is_some_and(|i| i.dtype.is_float()) && !v.is_empty()
        };

        // 1. What to quantize, in graph order (ONNX Runtime's QDQ quantizer's decisions).
        let mut plan: Vec<Planned> = Vec::new();
        let mut folded: Vec<usize> = Vec::new();
        let mut layers: Vec<usize> = Vec::new();
        let planned = |plan: &[Planned], v: &str| plan.iter().position(|p| p.name == v);
        let add = |plan: &mut Vec<Planned>, g: &Graph, v: &str| {
            if is_float(g, v) && !g.is_output(v) && planned(plan, v).is_none() {
                plan.push(Planned { from: v.to_string(), name: v.to_string(), params: Params::Own(v.to_string()) });
            }
        };
        for (k, node) in graph.nodes.iter().enumerate() {
            let op = node.op.as_str();
            let first = node.inputs.first().cloned().unwrap_or_default();
            let out = node.outputs.first().cloned().unwrap_or_default();
            let treatment = node.def().map_or(Int8::Float, |d| d.int8);
            if treatment == Int8::WeightsPerChannel {
                if let Err(why) = quantizable_layer(graph, node) {
                    report.kept.push((node.name.clone(), why));
                    continue;
                }
                if !is_float(graph, &first) {
                    let why = match graph.typed(&first) {
                        Ok(t) => format!("its input `{first}` is {}, not float; stays float", t.dtype),
                        Err(why) => format!("{why}; stays float"),
                    };
                    report.kept.push((node.name.clone(), why));
                    continue;
                }
                add(&mut plan, graph, &first);
                layers.push(k);
                add(&mut plan, graph, &out);
            } else if treatment == Int8::OwnParams {
                if let Some(w) = node.inputs.iter().find(|i| graph.tensor(i).is_some()) {
                    report.kept.push((node.name.clone(), format!("reads the initializer `{w}`; stays float")));
                    continue;
                }
                for i in &node.inputs {
                    add(&mut plan, graph, i);
                }
                add(&mut plan, graph, &out);
            } else if treatment == Int8::SharesInputParams {
                if planned(&plan, &first).is_some() && !graph.is_output(&out) {
                    plan.push(Planned { from: out.clone(), name: out.clone(), params: Params::Same(first.clone()) });
                } else if !graph.is_output(&out) {
                    report
                        .kept
                        .push((node.name.clone(), format!("{op} stays float: its input `{first}` is not quantized")));
                }
            } else if treatment == Int8::FusesIntoInput {
                let Some(p) = planned(&plan, &first) else { continue };
                if !bounds(graph, node).is_some_and(|(lo, hi)| lo <= 0.0 && 0.0 <= hi) {
                    let why = format!("{op} stays float: its bounds do not hold 0, where its quantizer's range starts");
                    report.kept.push((node.name.clone(), why));
                    continue;
                }
                let upstream_only = graph.consumers(&first).len() == 1
                    && !graph.is_output(&first)
                    && !inputs.contains(&first)
                    && matches!(plan[p].params, Params::Own(_));
                if !symmetric && upstream_only && !graph.is_output(&out) {
                    plan[p] = Planned { from: first.clone(), name: out.clone(), params: Params::Own(out.clone()) };
                    folded.push(k);
                } else {
                    // The ReLU stays; its input is still quantized at the ReLU output's range
                    // when nothing else reads it (what ONNX Runtime's `adjust_tensor_ranges`
                    // does): the negative values the wider range would keep are zeroed next.
                    if upstream_only {
                        plan[p].params = Params::Own(out.clone());
                    }
                    if symmetric {
                        report.kept.push((
                            node.name.clone(),
                            format!("{op} stays: symmetric activations (zero point 0) cannot clamp at 0"),
                        ));
                    }
                    add(&mut plan, graph, &out);
                }
            } else if node.inputs.iter().any(|i| planned(&plan, i).is_some()) {
                let why = match self.scheme {
                    Scheme::TensorRt => format!(
                        "{op} has no int8 kernel: TensorRT runs it in fp32/fp16 between the DequantizeLinear and the next QuantizeLinear"
                    ),
                    _ => format!(
                        "{op} has no int8 kernel: runs in fp32 between the DequantizeLinear and the next QuantizeLinear"
                    ),
                };
                report.kept.push((node.name.clone(), why));
            }
        }

        // 2. Parameters of every planned value.
        let (qmin, qmax) = self.scheme.activation_range();
        let mut params: HashMap<String, QParams> = HashMap::new();
        for p in &plan {
            let q = match &p.params {
                Params::Own(key) => {
                    let &(lo, hi) = self.ranges.get(key).ok_or_else(|| PassError::Unsupported {
                        pass: "int8",
                        reason: format!("no calibration range for `{key}` (the calibration did not see this value)"),
                    })?;
                    if lo == 0.0 && hi == 0.0 {
                        report.kept.push((
                            p.name.clone(),
                            "its calibration range collapsed to 0 (every calibration input gave 0 here): scale 1, zero point 0".into(),
                        ));
                    }
                    scale_zero_point(lo, hi, qmin, qmax, symmetric)
                }
                Params::Same(other) => *params.get(other).ok_or_else(|| PassError::Unsupported {
                    pass: "int8",
                    reason: format!("`{}` shares the parameters of `{other}`, which is not quantized", p.name),
                })?,
            };
            params.insert(p.name.clone(), q);
        }

        // 3. Weights and biases of the layers, per output channel.
        let zp_dtype = self.scheme.activation_type();
        let mut before: HashMap<usize, Vec<Node>> = HashMap::new();
        let mut weights = 0;
        for &k in &layers {
            // A weight or bias other nodes read too (torch.onnx.export shares equal initializers:
            // MobileNetV3's zero squeeze-excitation biases) is quantized at this layer's scales:
            // the layer gets its own copy.
            for slot in 1..graph.nodes[k].inputs.len().min(3) {
                let name = graph.nodes[k].inputs[slot].clone();
                if name.is_empty() || graph.consumers(&name).len() < 2 {
                    continue;
                }
                let Some(t) = graph.tensor(&name).cloned() else { continue };
                let own = graph.fresh_name(&format!("{name}.{}", graph.nodes[k].name));
                graph.tensors.push(Tensor { name: own.clone(), ..t });
                graph.nodes[k].inputs[slot] = own;
                report.changed.push(format!("`{name}` copied for `{}` (shared with other nodes)", graph.nodes[k].name));
            }
            let node = graph.nodes[k].clone();
            let x_scale = params.get(&node.inputs[0]).map(|p| p.scale).ok_or_else(|| PassError::Unsupported {
                pass: "int8",
                reason: format!("the input of `{}` is not quantized", node.name),
            })?;
            let w_name = node.inputs[1].clone();
            let wi = graph.tensor_index(&w_name).ok_or_else(|| PassError::Unsupported {
                pass: "int8",
                reason: format!("weight `{w_name}` vanished"),
            })?;
            let w = graph.tensors[wi].clone();
            let channel = channel_params(&w, source).map_err(|source| PassError::Weights { pass: "int8", source })?;
            let scales: Vec<f32> = channel.iter().map(|p| p.scale).collect();
            let c = scales.len();
            let mut nodes = Vec::new();
            let qw = graph.fresh_name(&format!("{w_name}.quantized"));
            let (ws, wz) =
                (graph.fresh_name(&format!("{w_name}.scale")), graph.fresh_name(&format!("{w_name}.zero_point")));
            let row = w.numel() / c.max(1);
            graph.tensors[wi] = Tensor {
                name: qw.clone(),
                dims: w.dims.clone(),
                kind: w.kind,
                data: TensorData::QuantizeRows { base: Box::new(w.data.clone()), row, scale: Arc::new(scales.clone()) },
            };
            graph.tensors.push(constant(&ws, vec![c], f32_bytes(&scales), DType::F32));
            graph.tensors.push(constant(&wz, vec![c], vec![0; c], DType::I8));
            nodes.push(dequantize(graph, &qw, &ws, &wz, &w_name, Some(0)));
            if let Some(b_name) = node.inputs.get(2).filter(|b| !b.is_empty()).cloned() {
                let bi = graph.tensor_index(&b_name).ok_or_else(|| PassError::Unsupported {
                    pass: "int8",
                    reason: format!("bias `{b_name}` of `{}` is not an initializer", node.name),
                })?;
                let b = graph.tensors[bi].clone();
                let values =
                    b.data.to_f32_vec(source, c).map_err(|source| PassError::Weights { pass: "int8", source })?;
                let b_scales: Vec<f32> = scales.iter().map(|&s| x_scale * s).collect();
                let mut q = Vec::with_capacity(c * 4);
                let mut clipped = 0;
                for (&v, &s) in values.iter().zip(&b_scales) {
                    let (x, clip) = quantize_bias(v, s);
                    clipped += usize::from(clip);
                    q.extend_from_slice(&x.to_le_bytes());
                }
                if clipped > 0 {
                    report.kept.push((
                        node.name.clone(),
                        format!("{clipped} bias values exceed int32 at scale s_x·s_w and were clipped"),
                    ));
                }
                let qb = graph.fresh_name(&format!("{b_name}.quantized"));
                let (bs, bz) =
                    (graph.fresh_name(&format!("{b_name}.scale")), graph.fresh_name(&format!("{b_name}.zero_point")));
                graph.tensors[bi] = Tensor {
                    name: qb.clone(),
                    dims: b.dims.clone(),
                    kind: b.kind,
                    data: TensorData::bytes(DType::I32, q),
                };
                graph.tensors.push(constant(&bs, vec![c], f32_bytes(&b_scales), DType::F32));
                graph.tensors.push(constant(&bz, vec![c], vec![0; c * 4], DType::I32));
                nodes.push(dequantize(graph, &qb, &bs, &bz, &b_name, Some(0)));
            }
            weights += 1;
            before.insert(k, nodes);
        }

        // 4. Activations: a QuantizeLinear → DequantizeLinear pair after each planned value.
        let mut scale_of: HashMap<String, (String, String)> = HashMap::new();
        let mut after: HashMap<String, Vec<Node>> = HashMap::new();
        let mut at_start: Vec<Node> = Vec::new();
        for p in &plan {
            let q = params[&p.name];
            let shared = match &p.params {
                Params::Same(other) => scale_of.get(other).cloned(),
                Params::Own(_) => None,
            };
            let (s, z) = match shared {
                Some(sz) => sz,
                None => {
                    let (s, z) = (
                        graph.fresh_name(&format!("{}.scale", p.name)),
                        graph.fresh_name(&format!("{}.zero_point", p.name)),
                    );
                    graph.tensors.push(constant(&s, vec![], q.scale.to_le_bytes().to_vec(), DType::F32));
                    graph.tensors.push(constant(&z, vec![], zero_point_bytes(q.zero_point, zp_dtype), zp_dtype));
                    (s, z)
                }
            };
            scale_of.insert(p.name.clone(), (s.clone(), z.clone()));
            let quantized = graph.fresh_name(&format!("{}.quantized", p.name));
            if inputs.contains(&p.from) {
                // A graph input keeps its name; its readers read the dequantized copy.
                let dq = graph.fresh_name(&format!("{}.dequantized", p.name));
                graph.rename_uses(&p.from, &dq);
                at_start.push(quantize(graph, &p.from, &s, &z, &quantized));
                at_start.push(dequantize(graph, &quantized, &s, &z, &dq, None));
                continue;
            }
            let from = if p.from == p.name {
                // The producer's output becomes `<v>.float`; the dequantized value is `<v>`.
                let float = graph.fresh_name(&format!("{}.float", p.name));
                if let Some(i) = graph.producer(&p.name) {
                    for o in &mut graph.nodes[i].outputs {
                        if *o == p.name {
                            *o = float.clone();
                        }
                    }
                }
                float
            } else {
                p.from.clone()
            };
            let nodes =
                vec![quantize(graph, &from, &s, &z, &quantized), dequantize(graph, &quantized, &s, &z, &p.name, None)];
            after.insert(from, nodes);
        }

        // 5. The new node order: weight dequantizers before their layer, pairs after producers.
        let mut nodes = at_start;
        let removed: HashSet<usize> = folded.iter().copied().collect();
        for (k, node) in std::mem::take(&mut graph.nodes).into_iter().enumerate() {
            if removed.contains(&k) {
                continue;
            }
            nodes.extend(before.remove(&k).unwrap_or_default());
            let outs = node.outputs.clone();
            nodes.push(node);
            for o in outs {
                nodes.extend(after.remove(&o).unwrap_or_default());
            }
        }
        graph.nodes = nodes;
        graph.set_meta("zoo.precision", "int8");
        graph.set_meta("zoo.int8.scheme", self.scheme.name());

        let act = match zp_dtype {
            DType::U8 => "uint8",
            _ => "int8",
        };
        report.changed.push(format!("{weights} Conv/Gemm weights int8 per output channel, biases int32"));
        report.changed.push(format!(
            "{} activations quantized to {act} ({}{})",
            plan.len(),
            self.scheme,
            if symmetric { ", symmetric" } else { ", asymmetric" }
        ));
        if !folded.is_empty() {
            report.changed.push(format!("{} ReLUs folded into their input's quantization range", folded.len()));
        }
        Ok(report)
    }
}

/// Whether a Conv or Gemm can be quantized per output channel: a float initializer weight
/// (and bias), rows along axis 0 (Gemm: `transB = 1`, no `transA`, α = β = 1).
/// The bounds an activation states (Clip's `min` and `max`: attributes before opset 11, constant
/// inputs from 11; absent, unbounded — as Relu's are here, its clamp at 0 being the zero
/// point's); `None` when one is computed at run time.
fn bounds(graph: &Graph, node: &Node) -> Option<(f64, f64)> {
    let proto = node.proto();
    let bound = |k: usize, name: &str, unbounded: f64| match node.inputs.get(k).filter(|i| !i.is_empty()) {
        Some(i) => graph.tensor(i)?.data.f64_values()?.first().copied(),
        None => Some(attr::get_float(&proto, name).map_or(unbounded, f64::from)),
    };
    Some((bound(1, "min", f64::NEG_INFINITY)?, bound(2, "max", f64::INFINITY)?))
}

fn quantizable_layer(graph: &Graph, node: &Node) -> Result<(), String> {
    let w = node.inputs.get(1).and_then(|w| graph.tensor(w)).ok_or("its weight is not an initializer; stays float")?;
    if w.dtype() != DType::F32 {
        return Err(format!("its weight is {}, not float32; stays float", w.dtype()));
    }
    if let Some(b) = node.inputs.get(2).filter(|b| !b.is_empty())
        && graph.tensor(b).is_none_or(|t| t.dtype() != DType::F32 || t.numel() != w.dims[0])
    {
        return Err(format!("its bias `{b}` is not a float32 initializer of one value per output; stays float"));
    }
    if node.is("Gemm") {
        let proto = node.proto();
        let int = |n: &str, d: i64| attr::get_int(&proto, n).unwrap_or(d);
        let float = |n: &str| attr::get_float(&proto, n).unwrap_or(1.0);
        if int("transA", 0) != 0 || int("transB", 0) != 1 || float("alpha") != 1.0 || float("beta") != 1.0 {
            return Err(
                "Gemm without transB = 1 (or with transA, α or β): its rows are not output channels; stays float"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Per output channel (axis 0), the symmetric int8 parameters of a weight, from one streamed
/// pass over its values.
fn channel_params(w: &Tensor, source: &dyn WeightSource) -> Result<Vec<QParams>, crate::WeightError> {
    let c = w.dims.first().copied().unwrap_or(1).max(1);
    let n = w.numel();
    let row = (n / c).max(1);
    let (mut lo, mut hi) = (vec![f32::INFINITY; c], vec![f32::NEG_INFINITY; c]);
    let mut buf = vec![0f32; CHUNK.min(n)];
    let mut offset = 0;
    while offset < n {
        let len = CHUNK.min(n - offset);
        w.data.read_f32(source, offset, &mut buf[..len])?;
        for (i, &x) in buf[..len].iter().enumerate() {
            let o = (offset + i) / row;
            lo[o] = lo[o].min(x);
            hi[o] = hi[o].max(x);
        }
        offset += len;
    }
    Ok(lo.into_iter().zip(hi).map(|(l, h)| weight_params(l, h)).collect())
}

fn constant(name: &str, dims: Vec<usize>, bytes: Vec<u8>, dtype: DType) -> Tensor {
    Tensor { name: name.to_string(), dims, kind: ParamKind::Constant, data: TensorData::bytes(dtype, bytes) }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn zero_point_bytes(z: i32, dtype: DType) -> Vec<u8> {
    match dtype {
        DType::U8 => vec![z as u8],
        _ => vec![z as i8 as u8],
    }
}

fn quantize(graph: &Graph, x: &str, s: &str, z: &str, y: &str) -> Node {
    Node {
        name: graph.fresh_name(&format!("{y}_QuantizeLinear")),
        op: "QuantizeLinear".into(),
        domain: String::new(),
        inputs: vec![x.into(), s.into(), z.into()],
        outputs: vec![y.into()],
        attrs: vec![],
    }
}

fn dequantize(graph: &Graph, x: &str, s: &str, z: &str, y: &str, axis: Option<i64>) -> Node {
    Node {
        name: graph.fresh_name(&format!("{y}_DequantizeLinear")),
        op: "DequantizeLinear".into(),
        domain: String::new(),
        inputs: vec![x.into(), s.into(), z.into()],
        outputs: vec![y.into()],
        attrs: axis.map(|a| vec![attr::int("axis", a)]).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seeded;
    use crate::test_fixtures::small_model;

    /// The small model with its BatchNorm folded and Dropout gone: conv → relu → flatten → fc.
    fn optimized() -> Graph {
        let mut g = Graph::from_model(&small_model()).unwrap();
        crate::passes::run(&mut g, &crate::passes::optimize(), &Seeded { seed: 0 }).unwrap();
        g
    }

    fn ranges(g: &Graph) -> HashMap<String, (f32, f32)> {
        let mut r: HashMap<String, (f32, f32)> =
            g.inputs.iter().chain(&g.value_info).map(|v| (v.name.clone(), (-1.0, 2.0))).collect();
        for n in &g.nodes {
            if n.op == "Relu" {
                r.insert(n.outputs[0].clone(), (0.0, 2.0));
            }
        }
        r
    }

    #[test]
    fn conv_gets_qdq_and_relu_folds_into_the_range() {
        let mut g = optimized();
        let before: Vec<String> = g.nodes.iter().map(|n| format!("{} {}", n.op, n.name)).collect();
        let pass = QuantizeInt8 { scheme: Scheme::U8S8, ranges: ranges(&g) };
        let report = pass.run(&mut g, &Seeded { seed: 0 }).unwrap();
        g.drop_unused_tensors();
        g.infer().unwrap();
        let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.as_str()).collect();
        assert!(ops.contains(&"QuantizeLinear") && ops.contains(&"DequantizeLinear"), "{ops:?} from {before:?}");
        // The conv reads its weight under the old name, now a DequantizeLinear's output.
        let conv = g.nodes.iter().find(|n| n.op == "Conv").unwrap();
        assert_eq!(conv.inputs[1], "conv.weight");
        assert_eq!(g.producer("conv.weight").map(|i| g.nodes[i].op.as_str()), Some("DequantizeLinear"));
        let w = g.tensor("conv.weight.quantized").unwrap();
        assert_eq!(w.dtype(), DType::I8);
        assert_eq!(g.tensor("conv.bias.quantized").unwrap().dtype(), DType::I32);
        assert_eq!(g.tensor("conv.weight.scale").unwrap().dims, vec![w.dims[0]]);
        // ReLU folded (asymmetric), recorded.
        assert!(!ops.contains(&"Relu"), "{ops:?}");
        assert!(report.changed.iter().any(|c| c.contains("ReLUs folded")), "{report:?}");
        // The graph outputs stay float.
        assert_eq!(g.outputs[0].info.dtype, DType::F32);
    }

    #[test]
    fn symmetric_scheme_keeps_relu_and_zero_points() {
        let mut g = optimized();
        let pass = QuantizeInt8 { scheme: Scheme::TensorRt, ranges: ranges(&g) };
        let report = pass.run(&mut g, &Seeded { seed: 0 }).unwrap();
        g.infer().unwrap();
        assert!(g.nodes.iter().any(|n| n.op == "Relu"));
        assert!(report.kept.iter().any(|(_, why)| why.contains("symmetric")), "{report:?}");
        for t in g.tensors.iter().filter(|t| t.name.ends_with(".zero_point")) {
            let TensorData::Bytes { bytes, .. } = &t.data else { panic!() };
            assert!(bytes.iter().all(|&b| b == 0), "{}", t.name);
        }
    }

    /// ReLU6 (Clip with constant bounds 0 and 6, opset 11's inputs) folds as ReLU does; a Clip
    /// whose bounds leave out 0 stays, since the quantizer's range always holds 0.
    #[test]
    fn relu6_folds_and_a_clip_without_zero_stays() {
        for (min, folds) in [(0.0f32, true), (1.0, false)] {
            let mut g = optimized();
            let k = g.nodes.iter().position(|n| n.op == "Relu").unwrap();
            g.tensors.push(constant("clip.min", vec![], f32_bytes(&[min]), DType::F32));
            g.tensors.push(constant("clip.max", vec![], f32_bytes(&[6.0]), DType::F32));
            let relu = &mut g.nodes[k];
            relu.op = "Clip".into();
            relu.inputs.extend(["clip.min".to_string(), "clip.max".to_string()]);
            let mut r = ranges(&g);
            r.insert(g.nodes[k].outputs[0].clone(), (min, 2.0));
            let report = QuantizeInt8 { scheme: Scheme::U8S8, ranges: r }.run(&mut g, &Seeded { seed: 0 }).unwrap();
            let clips = g.nodes.iter().filter(|n| n.op == "Clip").count();
            assert_eq!(clips, usize::from(!folds), "min {min}: {report:?}");
            let said = report.kept.iter().any(|(_, why)| why.contains("its bounds do not hold 0"));
            assert_eq!(said, !folds, "min {min}: {report:?}");
        }
    }

    #[test]
    fn a_missing_range_is_an_error_naming_the_value() {
        let mut g = optimized();
        let pass = QuantizeInt8 { scheme: Scheme::S8S8, ranges: HashMap::new() };
        let e = pass.run(&mut g, &Seeded { seed: 0 }).unwrap_err().to_string();
        assert!(e.contains("no calibration range for `input`"), "{e}");
    }
}
