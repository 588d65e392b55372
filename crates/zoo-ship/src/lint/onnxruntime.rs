//! ONNX Runtime 1.31's refusals and differences, measured on the `onnxruntime==1.31.1` wheel
//! (a Relu model stamped with each opset and IR version, `InferenceSession` on the CPU
//! provider): opset 26 loads and 27 is refused (`model_load_utils.h`, "ONNX Runtime only
//! *guarantees* support for models stamped with official released onnx opset versions");
//! IR version 13 loads and 14 is refused ("Unsupported model IR version: 14, max supported IR
//! version: 13"); LRN with an even size is refused when the session is created
//! (`providers/cpu/nn/lrn.h:23`, "size_ % 2 == 1 was false"). Its x86 CPU provider has no float16 Conv/Gemm/MatMul kernel: it inserts
//! Casts and computes those in float32 (the fp16 section of the README).

use super::{Finding, Severity, finding, label, nodes};
use zoo_proto::ModelProto;
use zoo_proto::tensor_proto::DataType;

/// The newest default-domain opset ONNX Runtime 1.31 loads.
pub const MAX_OPSET: i64 = 26;
/// The newest IR version it loads.
pub const MAX_IR: i64 = 13;

const SOURCE: &str =
    "ONNX Runtime 1.31.1 (measured: session creation on its CPU provider; model_load_utils.h, model.cc)";

/// Ops whose first ONNX Runtime 1.31 CPU kernel is for opset 7: a file stamped below 7 with
/// one of them is refused at session creation (measured; Relu, Conv, MaxPool, LRN, Concat,
/// Sum, Softmax and the other ops of tests/python/lint_corpus.py load at opset 6, and so does
/// Dropout-6, which the graph optimizer removes before kernels are chosen).
pub const SINCE_7: [&str; 8] = ["Add", "Sub", "Mul", "Div", "AveragePool", "BatchNormalization", "PRelu", "Upsample"];

pub(super) fn rules(model: &ModelProto, out: &mut Vec<Finding>) {
    if let Some(v) = super::default_opset(model).filter(|&v| v < 7) {
        for n in nodes(model).filter(|n| n.domain.as_deref().unwrap_or("").is_empty() && SINCE_7.contains(&n.op_type()))
        {
            let m = format!(
                "{} at opset {v}: ONNX Runtime has no kernel for it below opset 7; {}",
                n.op_type(),
                super::reexport(model, "7–26")
            );
            out.push(finding("onnxruntime", "old-opset", Severity::Error, Some(&label(n)), m, SOURCE));
        }
    }
    if let Some(v) = super::default_opset(model).filter(|&v| v > MAX_OPSET) {
        let m = format!(
            "opset {v} is above {MAX_OPSET}, the newest ONNX Runtime 1.31 loads: {}",
            super::reexport(model, "7–26")
        );
        out.push(finding("onnxruntime", "opset", Severity::Error, None, m, SOURCE));
    }
    if let Some(ir) = model.ir_version.filter(|&ir| ir > MAX_IR) {
        let m = format!(
            "IR version {ir} is above {MAX_IR}, the newest ONNX Runtime 1.31 loads: write the file with IR version \
             {MAX_IR} or lower (onnx 1.23's helper.make_model stamps 14 unless given ir_version)"
        );
        out.push(finding("onnxruntime", "ir-version", Severity::Error, None, m, SOURCE));
    }
    for n in nodes(model).filter(|n| n.op_type() == "LRN") {
        if let Some(size) = zoo_graph::attr::get_int(n, "size").filter(|s| s % 2 == 0) {
            let m = format!("LRN size {size} is even: ONNX Runtime's CPU LRN kernel takes odd sizes only");
            out.push(finding("onnxruntime", "lrn-size", Severity::Error, Some(&label(n)), m, SOURCE));
        }
    }
    // test_max_int16, test_min_uint16: "Could not find an implementation for Max(13) node with
    // name ''"; test_pow_types_float32_uint32: likewise for Pow's exponent.
    let (i16, u16, u32) = (DataType::Int16 as i32, DataType::Uint16 as i32, DataType::Uint32 as i32);
    for n in nodes(model).filter(|n| n.domain.as_deref().unwrap_or("").is_empty()) {
        let of = |k: usize| n.input.get(k).and_then(|v| super::elem_type(model, v));
        let refused = match n.op_type() {
            "Max" | "Min" => of(0).filter(|t| [i16, u16].contains(t)),
            "Pow" => of(1).filter(|&t| t == u32),
            _ => None,
        };
        if let Some(t) = refused {
            let name = DataType::try_from(t).map_or("?", |d| d.as_str_name());
            let m = format!("{} of {name}: ONNX Runtime's CPU provider has no kernel for it", n.op_type());
            out.push(finding("onnxruntime", "no-kernel", Severity::Error, Some(&label(n)), m, SOURCE));
        }
    }
    for n in super::products_with_weights(model, DataType::Float16) {
        let m = format!(
            "float16 {}: ONNX Runtime's CPU provider has no float16 kernel for it on x86 and computes it in float32 \
             between inserted Casts (CUDA and TensorRT run float16)",
            n.op_type()
        );
        out.push(finding("onnxruntime", "fp16-on-cpu", Severity::Warning, Some(&label(n)), m, SOURCE));
    }
}
