//! Triton Inference Server model configuration for the onnxruntime backend.
//!
//! Sources: Triton's docs/user_guide/model_configuration.md (max_batch_size, dims without the
//! batch dimension when max_batch_size > 0, -1 for variable dimensions, reshape for inputs whose
//! only dimension is the batch, dynamic_batching, instance_group; the name must equal the model
//! folder's), common/protobuf/model_config.proto (field names, DataType enum), and the
//! onnxruntime_backend README ("ONNX Runtime with TensorRT optimization": the `tensorrt`
//! gpu_execution_accelerator with precision_mode FP32|FP16|INT8, max_workspace_size_bytes,
//! trt_engine_cache_enable, trt_engine_cache_path). Labels: ModelOutput's `label_filename`, a
//! file in the model folder with one class name per line, which Triton's classification
//! extension uses to return "score:index:label" (docs/protocol/extension_classification.md).

use std::fmt::Write as _;

use crate::ShipError;
use crate::signature::{Dim, Signature, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cpu,
    Gpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrtPrecision {
    Fp32,
    Fp16,
    Int8,
}

impl TrtPrecision {
    fn mode(self) -> &'static str {
        match self {
            Self::Fp32 => "FP32",
            Self::Fp16 => "FP16",
            Self::Int8 => "INT8",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// None: 8 for a file with a dynamic batch, 0 for a fixed one.
    pub max_batch_size: Option<u32>,
    pub instances: u32,
    pub kind: Kind,
    pub tensorrt: Option<TrtPrecision>,
    /// The output whose classes [`LABELS`] names, one per line.
    pub labels: Option<String>,
}

/// The labels file's name in the model folder.
pub const LABELS: &str = "labels.txt";

/// Checks a bundle (model folder) name. Triton takes the model's name from its folder, and
/// serves it under `/v2/models/<name>`: one plain path segment.
pub fn check_name(name: &str) -> Result<(), ShipError> {
    let bad = |reason: &str| Err(ShipError::Name { name: name.into(), reason: reason.into() });
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 200 {
        return bad("it is longer than 200 bytes");
    }
    if name.starts_with('.') || name.starts_with('-') {
        return bad("it starts with `.` or `-` (hidden folder or option-like)");
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))) {
        return bad(&format!("it contains {c:?}; use letters, digits, `_`, `-` and `.` only"));
    }
    Ok(())
}

/// model_config.proto's DataType for an ONNX `TensorProto.DataType`, or None where Triton has
/// no such type (complex, float8, 4-bit).
pub fn data_type(onnx: i32) -> Option<&'static str> {
    Some(match onnx {
        1 => "TYPE_FP32",
        2 => "TYPE_UINT8",
        3 => "TYPE_INT8",
        4 => "TYPE_UINT16",
        5 => "TYPE_INT16",
        6 => "TYPE_INT32",
        7 => "TYPE_INT64",
        8 => "TYPE_STRING",
        9 => "TYPE_BOOL",
        10 => "TYPE_FP16",
        11 => "TYPE_FP64",
        12 => "TYPE_UINT32",
        13 => "TYPE_UINT64",
        16 => "TYPE_BF16",
        _ => return None,
    })
}

/// An ONNX element type by its `TensorProto.DataType` name (`INT64`), or its number.
pub fn onnx_type_name(onnx: i32) -> String {
    zoo_proto::tensor_proto::DataType::try_from(onnx)
        .map_or_else(|_| format!("type {onnx}"), |t| t.as_str_name().into())
}

/// A dynamic first dimension on every input and output: Triton may batch.
fn batchable(sig: &Signature) -> bool {
    sig.inputs.iter().chain(&sig.outputs).all(|t| t.dims.first() == Some(&Dim::Symbolic))
}

/// Renders `config.pbtxt` for `sig` under `name`. Same inputs, same bytes.
pub fn config(name: &str, file: &str, sig: &Signature, opts: &Options) -> Result<String, ShipError> {
    check_name(name)?;
    let opt_err = |reason: String| ShipError::Options { file: file.into(), reason };
    if opts.instances == 0 {
        return Err(opt_err("--instances must be at least 1".into()));
    }
    if opts.tensorrt.is_some() && opts.kind == Kind::Cpu {
        return Err(opt_err("--tensorrt needs --kind gpu (TensorRT runs on GPUs only)".into()));
    }
    let can_batch = batchable(sig);
    let max_batch = match (opts.max_batch_size, can_batch) {
        (Some(b), false) if b > 0 => {
            return Err(opt_err(format!(
                "--max-batch-size {b} needs a dynamic first dimension on every input and output; \
                 this file's batch is fixed: export it with --batch dynamic, or drop --max-batch-size"
            )));
        }
        (Some(b), _) => b,
        (None, true) => 8,
        (None, false) => 0,
    };
    let mut out = String::new();
    let w = &mut out;
    // Writing to a String cannot fail.
    let _ = writeln!(w, "# Triton model configuration written by `zoo bundle triton`.");
    let _ = writeln!(w, "name: \"{name}\"");
    let _ = writeln!(w, "backend: \"onnxruntime\"");
    let _ = writeln!(w, "max_batch_size: {max_batch}");
    if let Some(l) = &opts.labels
        && !sig.outputs.iter().any(|t| t.name == *l)
    {
        return Err(opt_err(format!("labels for output `{l}`, which the file does not have")));
    }
    tensors(w, file, "input", &sig.inputs, max_batch > 0, None)?;
    tensors(w, file, "output", &sig.outputs, max_batch > 0, opts.labels.as_deref())?;
    if max_batch > 0 {
        let _ = writeln!(w, "dynamic_batching {{");
        if max_batch >= 2 {
            let _ = writeln!(w, "  preferred_batch_size: [ {}, {max_batch} ]", max_batch / 2);
        }
        let _ = writeln!(w, "  max_queue_delay_microseconds: 100");
        let _ = writeln!(w, "}}");
    }
    let kind = if opts.kind == Kind::Gpu { "KIND_GPU" } else { "KIND_CPU" };
    let _ = writeln!(w, "instance_group [\n  {{\n    count: {}\n    kind: {kind}\n  }}\n]", opts.instances);
    if let Some(p) = opts.tensorrt {
        let _ = writeln!(w, "optimization {{\n  execution_accelerators {{\n    gpu_execution_accelerator [\n      {{");
        let _ = writeln!(w, "        name: \"tensorrt\"");
        let param = |w: &mut String, k: &str, v: &str| {
            let _ = writeln!(w, "        parameters {{ key: \"{k}\" value: \"{v}\" }}");
        };
        param(w, "max_workspace_size_bytes", "1073741824");
        param(w, "precision_mode", p.mode());
        param(w, "trt_engine_cache_enable", "1");
        param(w, "trt_engine_cache_path", &format!("/tmp/zoo-trt-cache/{name}"));
        let _ = writeln!(w, "      }}\n    ]\n  }}\n}}");
    }
    Ok(out)
}

fn tensors(
    w: &mut String,
    file: &str,
    what: &'static str,
    ts: &[Tensor],
    batched: bool,
    labels: Option<&str>,
) -> Result<(), ShipError> {
    let _ = writeln!(w, "{what} [");
    for (i, t) in ts.iter().enumerate() {
        let bad = |reason: String| ShipError::Tensor { file: file.into(), what, tensor: t.name.clone(), reason };
        if t.name.is_empty() {
            return Err(bad("has no name; Triton addresses tensors by name".into()));
        }
        if t.name.contains(['"', '\\', '\n']) {
            return Err(bad("has a quote, backslash or newline in its name".into()));
        }
        let ty = data_type(t.elem_type).ok_or_else(|| {
            bad(format!(
                "is {}, which Triton has no data type for (model_config.proto DataType)",
                onnx_type_name(t.elem_type)
            ))
        })?;
        let dims = if batched { &t.dims[1..] } else { &t.dims[..] };
        let mut text = Vec::with_capacity(dims.len());
        for d in dims {
            match d {
                Dim::Symbolic => text.push("-1".to_string()),
                Dim::Fixed(n) if *n >= 1 => text.push(n.to_string()),
                Dim::Fixed(n) => {
                    return Err(bad(format!(
                        "has dimension {n}; Triton takes dimensions ≥ 1, or -1 for a dynamic one (export it with a symbolic dimension)"
                    )));
                }
            }
        }
        if text.is_empty() && !batched {
            return Err(bad("is a scalar and the batch is fixed; Triton needs at least one dimension".into()));
        }
        let _ = writeln!(w, "  {{\n    name: \"{}\"\n    data_type: {ty}", t.name);
        if text.is_empty() {
            // Only the batch dimension: Triton wants dims [1] reshaped to [] (model_configuration.md, Reshape).
            let _ = writeln!(w, "    dims: [ 1 ]\n    reshape {{ shape: [ ] }}");
        } else {
            let _ = writeln!(w, "    dims: [ {} ]", text.join(", "));
        }
        if labels == Some(t.name.as_str()) {
            let _ = writeln!(w, "    label_filename: \"{LABELS}\"");
        }
        let _ = writeln!(w, "  }}{}", if i + 1 < ts.len() { "," } else { "" });
    }
    let _ = writeln!(w, "]");
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(name: &str, ty: i32, dims: Vec<Dim>) -> Tensor {
        Tensor { name: name.into(), elem_type: ty, dims }
    }

    fn cnn(batch: Dim) -> Signature {
        Signature {
            inputs: vec![t("input", 1, vec![batch.clone(), Dim::Fixed(3), Dim::Fixed(224), Dim::Fixed(224)])],
            outputs: vec![t("logits", 1, vec![batch, Dim::Fixed(1000)])],
        }
    }

    const CPU: Options = Options { max_batch_size: None, instances: 1, kind: Kind::Cpu, tensorrt: None, labels: None };

    #[test]
    fn dynamic_batch_drops_the_batch_dim() {
        let c = config("alexnet", "a.onnx", &cnn(Dim::Symbolic), &CPU).unwrap();
        assert!(c.contains("max_batch_size: 8\n"), "{c}");
        assert!(c.contains("dims: [ 3, 224, 224 ]"), "{c}");
        assert!(c.contains("dims: [ 1000 ]"), "{c}");
        assert!(c.contains("preferred_batch_size: [ 4, 8 ]"), "{c}");
        assert!(c.contains("kind: KIND_CPU"), "{c}");
        assert!(!c.contains("optimization"), "{c}");
        assert_eq!(c, config("alexnet", "a.onnx", &cnn(Dim::Symbolic), &CPU).unwrap());
    }

    #[test]
    fn labels_go_on_the_named_output_only() {
        let o = Options { labels: Some("logits".into()), ..CPU };
        let c = config("m", "a.onnx", &cnn(Dim::Symbolic), &o).unwrap();
        assert!(c.contains("dims: [ 1000 ]\n    label_filename: \"labels.txt\"\n"), "{c}");
        assert_eq!(c.matches("label_filename").count(), 1, "{c}");
        let o = Options { labels: Some("prob".into()), ..CPU };
        let e = config("m", "a.onnx", &cnn(Dim::Symbolic), &o).unwrap_err().to_string();
        assert!(e.contains("`prob`, which the file does not have"), "{e}");
    }

    #[test]
    fn fixed_batch_keeps_full_dims() {
        let c = config("m", "a.onnx", &cnn(Dim::Fixed(1)), &CPU).unwrap();
        assert!(c.contains("max_batch_size: 0\n") && c.contains("dims: [ 1, 3, 224, 224 ]"), "{c}");
        assert!(!c.contains("dynamic_batching"), "{c}");
        let e = config("m", "a.onnx", &cnn(Dim::Fixed(1)), &Options { max_batch_size: Some(4), ..CPU }).unwrap_err();
        assert!(e.to_string().contains("--batch dynamic"), "{e}");
    }

    #[test]
    fn tensorrt_accelerator() {
        let o = Options { kind: Kind::Gpu, tensorrt: Some(TrtPrecision::Fp16), instances: 2, ..CPU };
        let c = config("m", "a.onnx", &cnn(Dim::Symbolic), &o).unwrap();
        assert!(c.contains("parameters { key: \"precision_mode\" value: \"FP16\" }"), "{c}");
        assert!(c.contains("trt_engine_cache_path") && c.contains("count: 2") && c.contains("KIND_GPU"), "{c}");
        let e = config("m", "a.onnx", &cnn(Dim::Symbolic), &Options { kind: Kind::Cpu, ..o }).unwrap_err();
        assert!(e.to_string().contains("--kind gpu"), "{e}");
    }

    #[test]
    fn several_inputs_and_outputs_all_listed() {
        let sig = Signature {
            inputs: vec![t("a", 1, vec![Dim::Symbolic, Dim::Fixed(4)]), t("ids", 7, vec![Dim::Symbolic])],
            outputs: vec![
                t("x", 10, vec![Dim::Symbolic, Dim::Symbolic]),
                t("y", 9, vec![Dim::Symbolic, Dim::Fixed(2)]),
            ],
        };
        let c = config("m", "f.onnx", &sig, &CPU).unwrap();
        for s in [
            "\"a\"",
            "\"ids\"",
            "\"x\"",
            "\"y\"",
            "TYPE_INT64",
            "TYPE_FP16",
            "TYPE_BOOL",
            "reshape { shape: [ ] }",
            "dims: [ -1 ]",
        ] {
            assert!(c.contains(s), "{s} missing: {c}");
        }
    }

    #[test]
    fn refusals_name_the_problem() {
        let mut sig = cnn(Dim::Symbolic);
        sig.outputs[0].elem_type = 14; // COMPLEX64
        let e = config("m", "f.onnx", &sig, &CPU).unwrap_err().to_string();
        assert!(e.contains("f.onnx") && e.contains("`logits`") && e.contains("COMPLEX64"), "{e}");
        for bad in ["", ".hidden", "a/b", "a b", "-x", "naïve"] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["alexnet", "resnet50-v1.5", "vgg_16"] {
            check_name(good).unwrap();
        }
    }
}
