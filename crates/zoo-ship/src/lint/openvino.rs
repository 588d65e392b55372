//! OpenVINO 2026.4's CPU plugin: what it computes differently from the file.
//!
//! Source: OpenVINO docs, "Precision Control" and the CPU device's "Inference precision":
//! `INFERENCE_PRECISION_HINT` defaults to bf16 on CPUs with AVX-512 BF16 or AMX (and f16 on
//! some ARM CPUs), so float32 convolutions and matrix products run in a 7-bit-mantissa format
//! unless the application pins f32. zoo verify pins it; `zoo bench --ov-precision bf16`
//! measured ResNet-50 batch 8 at 2.06× ONNX Runtime's fp32 speed on an AVX-512 BF16 EPYC.

use super::{Finding, Severity, finding};
use zoo_proto::ModelProto;
use zoo_proto::tensor_proto::DataType;

const SOURCE: &str = "OpenVINO 2026.4 docs: Precision Control, CPU device (INFERENCE_PRECISION_HINT)";

const MEASURED: &str = "OpenVINO 2026.4, measured: read_model + compile_model on its CPU plugin";

pub(super) fn rules(model: &ModelProto, out: &mut Vec<Finding>) {
    // Dropout before opset 7 trains unless `is_test` is 1, and OpenVINO runs inference only.
    if super::default_opset(model).is_some_and(|v| v < 7) {
        for n in super::nodes(model)
            .filter(|n| n.op_type() == "Dropout" && zoo_graph::attr::get_int(n, "is_test") != Some(1))
        {
            let m = "Dropout before opset 7 without is_test=1 is in training mode: OpenVINO refuses it (\"Training mode is not supported\"); set is_test=1 or remove the node".to_string();
            out.push(finding("openvino", "dropout-training", Severity::Error, Some(&super::label(n)), m, MEASURED));
        }
    }
    // Upsample-1 (before opset 7) was experimental: OpenVINO's ONNX frontend has no translator for it.
    if let Some(v) = super::default_opset(model).filter(|&v| v < 7) {
        for n in
            super::nodes(model).filter(|n| n.op_type() == "Upsample" && n.domain.as_deref().unwrap_or("").is_empty())
        {
            let m = format!(
                "Upsample at opset {v} (experimental before 7): OpenVINO does not read it; {}",
                super::reexport(model, "7 or later")
            );
            out.push(finding("openvino", "old-opset", Severity::Error, Some(&super::label(n)), m, MEASURED));
        }
    }
    // test_quantizelinear_blocked_symmetric: without a zero point, OpenVINO's ONNX frontend
    // builds the default one with a shape that a blocked scale does not fit ("Model wasn't
    // fully converted … QuantizeLinear-21 … Reshape").
    for n in super::nodes(model).filter(|n| {
        n.op_type() == "QuantizeLinear"
            && n.domain.as_deref().unwrap_or("").is_empty()
            && zoo_graph::attr::get_int(n, "block_size").is_some_and(|b| b > 0)
            && n.input.get(2).is_none_or(String::is_empty)
    }) {
        let m = "QuantizeLinear with block_size and no zero point: OpenVINO's ONNX frontend does not convert it; \
                 give the zero point explicitly"
            .to_string();
        out.push(finding("openvino", "blocked-quantize", Severity::Error, Some(&super::label(n)), m, MEASURED));
    }
    // test_unsqueeze_*: axes from a graph input leave the output's rank unknown, which the CPU
    // plugin refuses ("CPU plug-in doesn't support Unsqueeze operation with dynamic rank").
    let constant: std::collections::HashSet<&str> = model
        .graph
        .iter()
        .flat_map(|g| &g.initializer)
        .map(|t| t.name())
        .chain(
            super::nodes(model).filter(|n| n.op_type() == "Constant").flat_map(|n| n.output.iter().map(String::as_str)),
        )
        .collect();
    for n in super::nodes(model).filter(|n| n.op_type() == "Unsqueeze" && n.domain.as_deref().unwrap_or("").is_empty())
    {
        if let Some(v) = n.input.get(1).filter(|v| !v.is_empty() && !constant.contains(v.as_str())) {
            let m = format!(
                "Unsqueeze takes its axes from `{v}`, which is not a constant: the output's rank is unknown, and \
                 OpenVINO's CPU plugin refuses dynamic ranks"
            );
            out.push(finding("openvino", "dynamic-rank", Severity::Error, Some(&super::label(n)), m, MEASURED));
        }
    }
    // test_reduce_log_sum_asc_axes_expanded: a reduction over axes from a graph input, without
    // keepdims, has an unknown rank, and the CPU plugin refuses the node that reads it.
    for n in super::nodes(model).filter(|n| {
        n.op_type().starts_with("Reduce")
            && n.domain.as_deref().unwrap_or("").is_empty()
            && zoo_graph::attr::get_int(n, "keepdims") == Some(0)
    }) {
        let Some(v) = n.input.get(1).filter(|v| !v.is_empty() && !constant.contains(v.as_str())) else { continue };
        // OpenVINO's frontend writes ReduceLogSum as ReduceSum then Log (test_reduce_log_sum_asc_axes):
        // a reader of its own.
        let read = n.op_type() == "ReduceLogSum"
            || n.output.first().is_some_and(|y| super::nodes(model).any(|m| m.input.contains(y)));
        if read {
            let m = format!(
                "{} takes its axes from `{v}`, which is not a constant, and drops them (keepdims 0): its output's \
                 rank is unknown, and OpenVINO's CPU plugin refuses the node that reads it",
                n.op_type()
            );
            out.push(finding("openvino", "dynamic-rank", Severity::Error, Some(&super::label(n)), m, MEASURED));
        }
    }
    // test_resize_tf_crop_and_resize*, test_resize_*_half_pixel_symmetric: "this type of
    // coordinate transformation mode is not supported"; test_wrap_pad: "Unsupported padding
    // mode: [wrap]".
    for n in super::nodes(model).filter(|n| n.domain.as_deref().unwrap_or("").is_empty()) {
        let refused = match n.op_type() {
            "Resize" => zoo_graph::attr::get_string(n, "coordinate_transformation_mode")
                .filter(|m| matches!(m.as_str(), "tf_crop_and_resize" | "half_pixel_symmetric"))
                .map(|m| format!("Resize with coordinate_transformation_mode {m}")),
            "Pad" => {
                zoo_graph::attr::get_string(n, "mode").filter(|m| m == "wrap").map(|_| "Pad mode wrap".to_string())
            }
            _ => None,
        };
        if let Some(what) = refused {
            let m = format!("{what}: OpenVINO's ONNX frontend does not convert it");
            out.push(finding("openvino", "unsupported-mode", Severity::Error, Some(&super::label(n)), m, MEASURED));
        }
    }
    let heavy = super::products_with_weights(model, DataType::Float).count();
    if heavy > 0 {
        let m = format!(
            "{heavy} float32 Conv/Gemm/MatMul: OpenVINO's CPU plugin computes them in bf16 by default on CPUs with \
             AVX-512 BF16 or AMX; set INFERENCE_PRECISION_HINT=f32 for float32 results"
        );
        out.push(finding("openvino", "inference-precision", Severity::Warning, None, m, SOURCE));
    }
}
