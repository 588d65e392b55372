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

pub(super) fn rules(model: &ModelProto, out: &mut Vec<Finding>) {
    let heavy = super::products_with_weights(model, DataType::Float).count();
    if heavy > 0 {
        let m = format!(
            "{heavy} float32 Conv/Gemm/MatMul: OpenVINO's CPU plugin computes them in bf16 by default on CPUs with \
             AVX-512 BF16 or AMX; set INFERENCE_PRECISION_HINT=f32 for float32 results"
        );
        out.push(finding("openvino", "inference-precision", Severity::Warning, None, m, SOURCE));
    }
}
