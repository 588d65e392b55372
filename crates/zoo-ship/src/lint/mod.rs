//! Offline portability checks: what a target stack will refuse in a file, or do differently,
//! found without running that stack. Each rule names its source.
//!
//! Shapes come from the caller (zoo's analysis of the file), so a rule that needs them is
//! skipped, not guessed, where they are unknown.

use std::collections::HashMap;

use zoo_graph::attr::{get_int as int_attr, get_ints as ints_attr};
use zoo_proto::tensor_proto::DataType;
use zoo_proto::{ModelProto, NodeProto, TensorProto};

use crate::signature::Signature;

mod onnxruntime;
mod openvino;
mod tract;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The stack refuses the file, or computes something else.
    Error,
    /// The file works, with a step the user must take or a difference to know about.
    Warning,
}

/// The stacks `zoo lint --target` knows.
pub const TARGETS: [&str; 5] = ["tensorrt", "onnxruntime", "openvino", "tract", "triton"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub target: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// The node or tensor at fault, where there is one.
    pub at: Option<String>,
    pub message: String,
    pub source: &'static str,
}

/// Known dimensions of values (graph inputs and node outputs), `None` for a symbolic one.
pub type Shapes = HashMap<String, Vec<Option<i64>>>;

/// What the caller knows of the file beside its graph.
pub struct Context<'a> {
    /// Its served inputs and outputs, or why they cannot be read (an output without a shape).
    pub sig: Result<&'a Signature, String>,
    /// Known dimensions of its values.
    pub shapes: &'a Shapes,
    /// `--shape NAME=DIMS` given: concrete dimensions for inputs the file leaves symbolic.
    pub bound: &'a [(String, Vec<usize>)],
    /// Its name, for messages and suggested commands.
    pub file: &'a str,
}

/// Every finding of `targets` for `model`.
pub fn lint(model: &ModelProto, cx: &Context, targets: &[&str]) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in targets {
        match *t {
            "tensorrt" => tensorrt(model, cx, &mut out),
            "onnxruntime" => onnxruntime::rules(model, &mut out),
            "openvino" => openvino::rules(model, &mut out),
            "tract" => tract::rules(model, &mut out),
            "triton" => triton(cx, &mut out),
            _ => {}
        }
        foreign_domains(model, t, &mut out);
    }
    out
}

/// Domains the runtimes implement beside the default one: ONNX Runtime its contrib ops
/// (com.microsoft), the others some of them; nobody implements a domain of one's own.
const KNOWN_DOMAINS: [&str; 4] = ["", "ai.onnx", "ai.onnx.ml", "com.microsoft"];

/// An op of a domain no runtime implements (a custom op) is refused by every runtime (measured:
/// ONNX Runtime 1.31, OpenVINO 2026.4 and tract 0.23 all refuse `org.example::Frobnicate`).
fn foreign_domains(model: &ModelProto, target: &str, out: &mut Vec<Finding>) {
    let target: &'static str = match target {
        "onnxruntime" => "onnxruntime",
        "openvino" => "openvino",
        "tract" => "tract",
        // Not measured for TensorRT here (no GPU): its parser's plugin lookup is not claimed.
        _ => return,
    };
    for n in nodes(model) {
        let domain = n.domain.as_deref().unwrap_or("");
        if !KNOWN_DOMAINS.contains(&domain) {
            let m = format!(
                "{domain}::{} is a custom op: {target} has no kernel for it unless its library is registered with \
                 that runtime; replace it in the file with standard ops",
                n.op_type()
            );
            out.push(finding(target, "custom-op", Severity::Error, Some(&label(n)), m, CUSTOM));
        }
    }
}

const CUSTOM: &str = "measured: session creation / model loading of a file with an `org.example` op";

fn finding(
    target: &'static str,
    rule: &'static str,
    severity: Severity,
    at: Option<&str>,
    message: String,
    source: &'static str,
) -> Finding {
    Finding { target, rule, severity, at: at.map(str::to_string), message, source }
}

fn nodes(model: &ModelProto) -> impl Iterator<Item = &NodeProto> {
    model.graph.iter().flat_map(|g| &g.node)
}

fn initializer<'a>(model: &'a ModelProto, name: &str) -> Option<&'a TensorProto> {
    model.graph.iter().flat_map(|g| &g.initializer).find(|t| t.name.as_deref() == Some(name))
}

/// The nodes of dot products (Conv, Gemm, MatMul: [`zoo_graph::ops::Cost::Products`]) whose
/// weight (input 1) is an initializer of `dtype`: the products a runtime computes at that type
/// or, where it cannot, differently.
fn products_with_weights(model: &ModelProto, dtype: DataType) -> impl Iterator<Item = &NodeProto> {
    nodes(model).filter(|n| zoo_graph::ops::lookup(n.op_type()).is_some_and(|d| d.products())).filter(move |n| {
        n.input.get(1).and_then(|w| initializer(model, w)).is_some_and(|t| t.data_type == Some(dtype as i32))
    })
}

/// The element type the file declares for value `name` (graph input, output, `value_info` or
/// initializer), if it declares one.
fn elem_type(model: &ModelProto, name: &str) -> Option<i32> {
    let g = model.graph.as_ref()?;
    if let Some(t) = g.initializer.iter().find(|t| t.name() == name) {
        return t.data_type;
    }
    g.input.iter().chain(&g.output).chain(&g.value_info).find(|v| v.name() == name).and_then(|v| {
        match v.r#type.as_ref()?.value.as_ref()? {
            zoo_proto::type_proto::Value::TensorType(t) => t.elem_type,
            _ => None,
        }
    })
}

fn label(n: &NodeProto) -> String {
    n.name.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| n.op_type().to_string())
}

const TRT_PARSER: &str = "TensorRT 10 ONNX parser (onnx-tensorrt 10.x: README, docs/operators.md)";

/// The default (ai.onnx) domain's opset.
fn default_opset(model: &ModelProto) -> Option<i64> {
    model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .and_then(|o| o.version)
}

/// Whether zoo wrote the file (its metadata names a zoo model): advice may then name `zoo export`.
fn zoo_wrote(model: &ModelProto) -> bool {
    model.metadata_props.iter().any(|e| e.key.as_deref() == Some("model"))
        && model.producer_name.as_deref().is_some_and(|p| p.starts_with("zoo"))
}

/// How to get `model` at another opset: `zoo export --opset N` for zoo's files, a re-export
/// from the framework for anyone else's (zoo does not convert opsets).
pub(crate) fn reexport(model: &ModelProto, opsets: &str) -> String {
    if zoo_wrote(model) {
        format!("export it again with `zoo export MODEL --opset N` for N in {opsets}")
    } else {
        format!(
            "export the network again from its framework at an opset in {opsets} (torch.onnx.export's opset_version); \
             zoo compile keeps a file's opset"
        )
    }
}

fn tensorrt(model: &ModelProto, cx: &Context, out: &mut Vec<Finding>) {
    use Severity::*;
    let shapes = cx.shapes;
    if let Some(v) = default_opset(model).filter(|v| !(9..=20).contains(v)) {
        let m =
            format!("opset {v} is outside the opsets 9–20 TensorRT 10's parser supports: {}", reexport(model, "9–20"));
        out.push(finding("tensorrt", "opset", Error, None, m, TRT_PARSER));
    }
    for n in nodes(model) {
        match n.op_type() {
            "LRN" => {
                let size = int_attr(n, "size").unwrap_or(0);
                if size % 2 == 0 || !(1..=15).contains(&size) {
                    let m = format!("LRN size {size}: TensorRT takes odd sizes from 1 to 15");
                    out.push(finding("tensorrt", "lrn-size", Error, Some(&label(n)), m, TRT_PARSER));
                }
            }
            "Dropout" => {
                if let Some(t) = n.input.get(2).filter(|t| !t.is_empty()) {
                    let off = initializer(model, t).is_some_and(|t| {
                        t.data_type == Some(DataType::Bool as i32)
                            && (t.raw_data.as_deref() == Some(&[0u8][..]) || t.int32_data == [0])
                    });
                    if !off {
                        let m = format!(
                            "Dropout's training_mode `{t}` is not a constant false: TensorRT runs inference only"
                        );
                        out.push(finding("tensorrt", "dropout-training", Error, Some(&label(n)), m, TRT_PARSER));
                    }
                }
            }
            "QuantizeLinear" | "DequantizeLinear" => {
                let zp = n.input.get(2).filter(|z| !z.is_empty()).and_then(|z| initializer(model, z));
                let nonzero = zp.is_some_and(|t| {
                    t.raw_data.as_deref().is_some_and(|r| r.iter().any(|&b| b != 0))
                        || t.int32_data.iter().any(|&v| v != 0)
                });
                if nonzero {
                    let m = "int8 QDQ with a non-zero zero point: TensorRT's explicit quantization is symmetric (zero points 0)".to_string();
                    out.push(finding(
                        "tensorrt",
                        "qdq-asymmetric",
                        Error,
                        Some(&label(n)),
                        m,
                        "TensorRT developer guide, Explicit quantization (Q/DQ): zero points must be 0",
                    ));
                }
            }
            "MaxPool" | "AveragePool" if int_attr(n, "ceil_mode") == Some(1) => {
                if let Some(why) = ceil_window_in_padding(n, shapes) {
                    out.push(finding(
                        "tensorrt",
                        "ceil-pool-padding",
                        Warning,
                        Some(&label(n)),
                        format!("ceil-mode pooling whose last window starts in the padding ({why}): runtimes differ on whether that window exists; compare TensorRT's output before shipping"),
                        "ONNX MaxPool/AveragePool (opset 19 notes on ceil_mode); PyTorch drops such windows",
                    ));
                }
            }
            _ => {}
        }
    }
    if let Ok(sig) = &cx.sig {
        dynamic_shapes(sig, cx, out);
    }
}

/// TensorRT's optimization profile for inputs with symbolic dimensions: a runnable trtexec line
/// where every dimension past the batch is known (from the file or `--shape`), else what to give.
fn dynamic_shapes(sig: &Signature, cx: &Context, out: &mut Vec<Finding>) {
    use crate::signature::Dim;
    let dynamic: Vec<_> = sig.inputs.iter().filter(|t| t.dims.contains(&Dim::Symbolic)).collect();
    if dynamic.is_empty() {
        return;
    }
    // What is dynamic, as it is: the batch, other dimensions, or both.
    let what: Vec<String> = dynamic
        .iter()
        .map(|t| {
            let axes: Vec<String> = t
                .dims
                .iter()
                .enumerate()
                .filter(|(_, d)| **d == Dim::Symbolic)
                .map(|(i, _)| if i == 0 { "0 (batch)".to_string() } else { i.to_string() })
                .collect();
            format!("`{}` {} (dynamic axes {})", t.name, crate::signature::declared(t), axes.join(", "))
        })
        .collect();
    let mut unknown = Vec::new();
    let shape = |b: usize, unknown: &mut Vec<String>| {
        dynamic
            .iter()
            .map(|t| {
                let bound = cx.bound.iter().find(|(n, _)| *n == t.name).map(|(_, d)| d);
                let dims: Vec<String> = t
                    .dims
                    .iter()
                    .enumerate()
                    .map(|(i, d)| match (d, bound.and_then(|b| b.get(i))) {
                        (Dim::Fixed(n), _) => n.to_string(),
                        (Dim::Symbolic, _) if i == 0 => b.to_string(),
                        (Dim::Symbolic, Some(n)) => n.to_string(),
                        (Dim::Symbolic, None) => {
                            if !unknown.contains(&t.name) {
                                unknown.push(t.name.clone());
                            }
                            "?".into()
                        }
                    })
                    .collect();
                format!("{}:{}", t.name, dims.join("x"))
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let (min, opt, max) = (shape(1, &mut unknown), shape(8, &mut unknown), shape(32, &mut unknown));
    let m = if unknown.is_empty() {
        format!(
            "{}: TensorRT needs an optimization profile, e.g. `trtexec --onnx={} --minShapes={min} --optShapes={opt} --maxShapes={max}`",
            what.join("; "),
            cx.file
        )
    } else {
        format!(
            "{}: TensorRT needs an optimization profile with concrete sizes; give them with `zoo lint {} --shape {}=…` \
             for a trtexec line to run",
            what.join("; "),
            cx.file,
            unknown.join("=… --shape ")
        )
    };
    out.push(finding(
        "tensorrt",
        "dynamic-shapes",
        Severity::Warning,
        None,
        m,
        "TensorRT developer guide, Working with dynamic shapes (optimization profiles)",
    ));
}

/// Why the last window of a ceil-mode pooling node starts inside the end padding, if it does.
fn ceil_window_in_padding(n: &NodeProto, shapes: &Shapes) -> Option<String> {
    let x = shapes.get(n.input.first()?)?;
    let kernel = ints_attr(n, "kernel_shape")?;
    let k = kernel.len();
    let strides = ints_attr(n, "strides").unwrap_or_else(|| vec![1; k]);
    let pads = ints_attr(n, "pads").unwrap_or_else(|| vec![0; 2 * k]);
    for (axis, &kk) in kernel.iter().enumerate() {
        let size = (*x.get(2 + axis)?)?;
        let (s, pb, pe) = (strides.get(axis).copied()?, pads.get(axis).copied()?, pads.get(k + axis).copied()?);
        let span = size + pb + pe - kk;
        let outputs = (span + s - 1).div_euclid(s) + 1;
        let last_start = (outputs - 1) * s;
        if last_start >= size + pb {
            return Some(format!(
                "axis {axis}: input {size}, kernel {kk}, stride {s}, pads {pb}/{pe}, window {outputs} starts at {last_start}"
            ));
        }
    }
    None
}

fn triton(cx: &Context, out: &mut Vec<Finding>) {
    let source = "Triton model_configuration.md and model_config.proto (names, data types, dims)";
    let sig = match &cx.sig {
        Ok(sig) => *sig,
        Err(e) => {
            out.push(finding("triton", "model-config", Severity::Error, None, e.clone(), source));
            return;
        }
    };
    let file = cx.file;
    let opts = crate::triton::Options {
        max_batch_size: None,
        instances: 1,
        kind: crate::triton::Kind::Cpu,
        tensorrt: None,
        labels: None,
    };
    if let Err(e) = crate::triton::config("model", file, sig, &opts) {
        out.push(finding(
            "triton",
            "model-config",
            Severity::Error,
            None,
            e.to_string(),
            "Triton model_configuration.md and model_config.proto (names, data types, dims)",
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pool(size: i64, k: i64, s: i64, pads: [i64; 2]) -> (NodeProto, Shapes) {
        let a = |name: &str, ints: Vec<i64>| zoo_proto::AttributeProto {
            name: Some(name.into()),
            ints,
            ..Default::default()
        };
        let n = NodeProto {
            op_type: Some("MaxPool".into()),
            input: vec!["x".into()],
            attribute: vec![
                a("kernel_shape", vec![k, k]),
                a("strides", vec![s, s]),
                a("pads", vec![pads[0], pads[0], pads[1], pads[1]]),
            ],
            ..Default::default()
        };
        (n, HashMap::from([("x".to_string(), vec![Some(1), Some(3), Some(size), Some(size)])]))
    }

    /// The last ceil-mode window starts in the padding only when the padding makes room for it.
    #[test]
    fn ceil_mode_windows() {
        // GoogLeNet's pool: 112 → 56 with kernel 3, stride 2, no padding: the last window starts at 110 < 112.
        let (n, s) = pool(112, 3, 2, [0, 0]);
        assert_eq!(ceil_window_in_padding(&n, &s), None);
        // Input 5, kernel 2, stride 2, pad 1/1: ceil((5+2-2)/2)+1 = 4 windows, the last at 6 ≥ 5 + 1.
        let (n, s) = pool(5, 2, 2, [1, 1]);
        assert!(ceil_window_in_padding(&n, &s).unwrap().contains("window 4 starts at 6"));
    }
}
