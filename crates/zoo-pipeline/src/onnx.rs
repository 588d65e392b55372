//! Reading ONNX files as every command does, and what a file is.

use std::path::Path;

use zoo_graph::onnx_file::DecodeError;
use zoo_proto::ModelProto;

use crate::err;
use crate::error::Context;

/// Whether a `MODEL | FILE.onnx` argument names a file (an existing file, or any `.onnx`
/// path, so that a missing file is reported as one rather than as an unknown model).
pub fn is_file_target(target: &str) -> bool {
    Path::new(target).is_file() || target.ends_with(".onnx")
}

/// The folder a file's relative paths (its external data) start from.
pub fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether the graph is Q/DQ-quantized (has QuantizeLinear nodes): zoo's int8 files and other
/// quantizers' QDQ files alike.
pub fn is_qdq(proto: &ModelProto) -> bool {
    proto.graph.iter().flat_map(|g| &g.node).any(|n| n.op_type() == "QuantizeLinear")
}

/// Whether ONNX Runtime's (CPU provider) and OpenVINO's int8 kernels can saturate on this file
/// here: Q/DQ, int8 weights past ±64 and no VNNI ([`INT16_PAIRS`]).
pub fn int8_kernels_saturate(proto: &ModelProto) -> bool {
    is_qdq(proto) && int8_weights_past_64(proto) && !cpu_has_vnni()
}

/// Whether an int8 kernel that adds pairs of uint8 × int8 products in int16 (x86's
/// `vpmaddubsw`, which ONNX Runtime's and OpenVINO's CPU kernels use where the CPU has no VNNI)
/// can saturate on this file: some int8 initializer reaches past ±64, so two products of a
/// uint8 activation (up to 255) with it can pass 32767. ONNX Runtime's quantizer offers
/// `reduce_range` (7-bit weights) against exactly this. An int8 tensor stored as external data
/// is not read here and counts as reaching past ±64.
pub fn int8_weights_past_64(proto: &ModelProto) -> bool {
    let int8 = zoo_proto::tensor_proto::DataType::Int8 as i32;
    proto.graph.iter().flat_map(|g| &g.initializer).filter(|t| t.data_type == Some(int8)).any(|t| {
        let raw = t.raw_data.as_deref().unwrap_or_default();
        if raw.is_empty() {
            // int32_data holds int8 values when raw_data is not used; external data is unread.
            return t.int32_data.iter().any(|&v| !(-64..=64).contains(&v)) || t.int32_data.is_empty();
        }
        raw.iter().any(|&b| !(-64..=64).contains(&(b as i8)))
    })
}

/// Why ONNX Runtime's and OpenVINO's CPU kernels do not verify an int8 file on an x86 CPU
/// without VNNI. Measured on zoo's ResNet-18 int8 file (u8s8, `zoo export resnet18 --precision
/// int8`) on a 2-core AVX2 EPYC: against the fp32 golden output ONNX Runtime's fused kernels
/// were off by 0.280, OpenVINO's by 0.264, while the same file with ONNX Runtime's graph
/// optimizations off (its Q/DQ computed in float, exactly) and tract (int32 accumulation) were
/// off by 0.068 and 0.067.
pub const INT16_PAIRS: &str = "this CPU has no VNNI, so its int8 kernels add pairs of uint8 × int8 products in int16 with \
     saturation (vpmaddubsw), and this file's int8 weights pass ±64, so the pairs can overflow: its error is the \
     kernel's, not the file's (measured on zoo's ResNet-18 int8: 0.28 off the fp32 output here, 0.068 with exact \
     arithmetic). Quantize the weights to ±64 (ONNX Runtime's reduce_range), or verify on a CPU with VNNI";

/// Whether this CPU has VNNI (AVX-512 VNNI or AVX-VNNI), whose `vpdpbusd` accumulates
/// uint8 × int8 products in int32 and cannot saturate.
pub fn cpu_has_vnni() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("avx512vnni") || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        true
    }
}

/// Whether the graph computes in fp16: an fp16 initializer or a Cast to fp16 (zoo's fp16 files
/// and other converters' alike).
pub fn is_fp16(proto: &ModelProto) -> bool {
    let f16 = zoo_proto::tensor_proto::DataType::Float16 as i32;
    proto.graph.iter().any(|g| {
        g.initializer.iter().any(|t| t.data_type == Some(f16))
            || g.node.iter().any(|n| {
                n.op_type() == "Cast" && n.attribute.iter().any(|a| a.name() == "to" && a.i == Some(i64::from(f16)))
            })
    })
}

/// Reads and decodes an ONNX file, with the one-line errors every subcommand gives. Its external
/// data, if any, is checked (inside the model's folder, no symlinks, long enough) before any
/// runtime is handed the file (`zoo_graph::onnx_file::decode`).
pub fn read_onnx(path: &Path) -> crate::Result<ModelProto> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    zoo_graph::onnx_file::decode(&bytes, folder(path)).map_err(|e| match e {
        DecodeError::TooManyEntries(e) => err!("{}: {e}; nothing was decoded", path.display()),
        DecodeError::Protobuf(e) => {
            err!("{} is not an ONNX model (protobuf decoding failed: {e}); is the file truncated?", path.display())
        }
        DecodeError::NotAModel => err!("{} is not an ONNX model (it has no graph or IR version)", path.display()),
        e @ DecodeError::External { .. } => err!("{}: {e}", path.display()),
    })
}

/// A file's `metadata_props` as (key, value) pairs.
pub fn metadata(proto: &ModelProto) -> Vec<(String, String)> {
    proto
        .metadata_props
        .iter()
        .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
        .collect()
}

/// The inputs a caller feeds, in graph order: graph inputs that no initializer fills (IR ≥ 4
/// files may list initializers among the inputs; onnx.proto `GraphProto.input`).
pub fn fed_inputs(proto: &ModelProto) -> Vec<String> {
    let Some(g) = &proto.graph else { return vec![] };
    g.input
        .iter()
        .filter_map(|i| i.name.clone())
        .filter(|n| !g.initializer.iter().any(|t| t.name.as_deref() == Some(n.as_str())))
        .collect()
}

/// Names the tensors that came without a name (a `TensorProto` file's `name` is optional) after
/// the graph input at their position, as `--input` files are taken in graph input order.
pub fn name_by_position(proto: &ModelProto, tensors: &mut [zoo_runtime::Tensor]) -> crate::Result<()> {
    let names = fed_inputs(proto);
    if tensors.len() > names.len() {
        crate::bail!(
            "{} input tensors given, but the model takes {} ({}): pass one --input per graph input",
            tensors.len(),
            names.len(),
            names.join(", ")
        );
    }
    for (t, n) in tensors.iter_mut().zip(names) {
        if t.name.is_empty() {
            t.name = n;
        }
    }
    Ok(())
}
