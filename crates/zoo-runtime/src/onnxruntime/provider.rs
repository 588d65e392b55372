//! Execution providers: names, parsing, availability and the `ort` registration objects.
//!
//! ONNX Runtime docs, "Execution Providers": providers are tried in the order they are
//! registered, each node going to the first provider that claims it, and the CPU provider is
//! always there last for whatever nobody took. The CPU wheel (`onnxruntime`) contains only the
//! CPU provider (plus Azure); CUDA and TensorRT come with `onnxruntime-gpu`, whose 1.31 build
//! needs CUDA 13, cuDNN 9 and (for TensorRT) TensorRT 10 on the library path.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use ort::ep::{self, ExecutionProvider, ExecutionProviderDispatch};

use super::library::ORT_VERSION;
use crate::RuntimeError;

/// An execution provider, in priority order on the command line: `--ep tensorrt,cuda,cpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Provider {
    Cpu,
    Cuda,
    TensorRt,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Cpu, Provider::Cuda, Provider::TensorRt];

    /// ONNX Runtime's name, as in `get_available_providers()` and the profile's `args.provider`.
    pub fn ort_name(self) -> &'static str {
        match self {
            Provider::Cpu => ep::CPU::NAME,
            Provider::Cuda => ep::CUDA::NAME,
            Provider::TensorRt => ep::TensorRT::NAME,
        }
    }

    /// The provider ONNX Runtime calls `name`, if it is one of ours.
    pub fn from_ort_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.ort_name() == name)
    }

    /// Short name for labels and the command line: `cpu`, `cuda`, `tensorrt`.
    pub fn short_name(self) -> &'static str {
        match self {
            Provider::Cpu => "cpu",
            Provider::Cuda => "cuda",
            Provider::TensorRt => "tensorrt",
        }
    }

    /// Parses a comma-separated priority list, `tensorrt,cuda,cpu`.
    pub fn parse_list(s: &str) -> Result<Vec<Provider>, RuntimeError> {
        s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::parse).collect()
    }

    /// Whether the loaded ONNX Runtime was built with this provider
    /// (`OrtApi::GetAvailableProviders`; says nothing about the CUDA libraries being present).
    pub(crate) fn is_available(self) -> Result<bool, RuntimeError> {
        let r = match self {
            Provider::Cpu => ep::CPU::is_available(),
            Provider::Cuda => ep::CUDA::is_available(),
            Provider::TensorRt => ep::TensorRT::is_available(),
        };
        r.map_err(|e| RuntimeError::Ort(format!("GetAvailableProviders: {e}")))
    }

    /// What this provider needs, for messages: the GPU build of ONNX Runtime and the NVIDIA
    /// libraries its 1.31 release is built against.
    pub(crate) fn requirements(self) -> String {
        let needs = match self {
            Provider::Cpu => return "the CPU provider is always built in".to_string(),
            Provider::Cuda => "CUDA 13 / cuDNN 9",
            Provider::TensorRt => "CUDA 13 / cuDNN 9 / TensorRT 10",
        };
        format!("install onnxruntime-gpu=={ORT_VERSION} with {needs}")
    }

    /// Why this provider cannot be used with the library at `lib`, and what fixes it.
    pub(crate) fn missing_reason(self, lib: &Path) -> String {
        format!("{} is not in this ONNX Runtime build ({}); {}", self.ort_name(), lib.display(), self.requirements())
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

impl FromStr for Provider {
    type Err = RuntimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Provider::Cpu),
            "cuda" => Ok(Provider::Cuda),
            "tensorrt" | "trt" => Ok(Provider::TensorRt),
            _ => Err(RuntimeError::Provider(format!(
                "unknown execution provider `{s}`; valid: cpu, cuda, tensorrt (or trt)"
            ))),
        }
    }
}

/// A requested provider that was left out, and why: a warning for the caller to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub provider: Provider,
    pub reason: String,
}

/// TensorRT settings from [`OrtOptions`](super::OrtOptions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TrtSettings<'a> {
    pub fp16: bool,
    pub int8: bool,
    pub engine_cache: Option<&'a Path>,
}

/// The TensorRT provider with zoo's options (ONNX Runtime docs, "TensorRT Execution Provider",
/// `trt_fp16_enable`, `trt_int8_enable`, `trt_engine_cache_enable`, `trt_engine_cache_path`).
/// Building an engine takes minutes for a large network; the cache makes the second session
/// start at once. int8 is only for Q/DQ files: TensorRT takes each tensor's scale from its
/// QuantizeLinear (explicit quantization), so no calibration table is named; on a float file it
/// would want one.
pub(crate) fn tensorrt(settings: &TrtSettings<'_>) -> ep::TensorRT {
    let mut trt = ep::TensorRT::default().with_fp16(settings.fp16);
    if settings.int8 {
        trt = trt.with_int8(true);
    }
    if let Some(dir) = settings.engine_cache {
        trt = trt.with_engine_cache(true).with_engine_cache_path(dir.display());
    }
    trt
}

/// The registration object for an accelerator. `error_on_failure`: by default ort logs a
/// failed registration (e.g. `libcudart.so.13` missing) and silently continues on the CPU; we
/// want the error, to report it or (with `strict`) to stop.
pub(crate) fn dispatch(p: Provider, trt: &TrtSettings<'_>) -> Option<ExecutionProviderDispatch> {
    match p {
        // Not registered: ONNX Runtime always has it, last. (ort's `ep::CPU` registration
        // would also turn the CPU arena off, which ONNX Runtime and Python keep on.)
        Provider::Cpu => None,
        Provider::Cuda => Some(ep::CUDA::default().build().error_on_failure()),
        Provider::TensorRt => Some(tensorrt(trt).build().error_on_failure()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_priority_list() {
        assert_eq!(
            Provider::parse_list("tensorrt,cuda,cpu").unwrap(),
            [Provider::TensorRt, Provider::Cuda, Provider::Cpu]
        );
        assert_eq!(Provider::parse_list(" TRT , CPU ").unwrap(), [Provider::TensorRt, Provider::Cpu]);
        assert_eq!("cuda".parse::<Provider>().unwrap(), Provider::Cuda);
    }

    #[test]
    fn unknown_provider_lists_the_valid_names() {
        let err = Provider::parse_list("cuda,rocm").unwrap_err();
        assert!(matches!(err, RuntimeError::Provider(_)), "{err:?}");
        let msg = err.to_string();
        for want in ["`rocm`", "cpu", "cuda", "tensorrt", "trt"] {
            assert!(msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_ort_name(p.ort_name()), Some(p));
            assert_eq!(p.to_string().parse::<Provider>().unwrap(), p);
        }
        assert_eq!(Provider::Cpu.ort_name(), "CPUExecutionProvider");
        assert_eq!(Provider::Cuda.ort_name(), "CUDAExecutionProvider");
        assert_eq!(Provider::TensorRt.ort_name(), "TensorrtExecutionProvider");
        assert_eq!(Provider::from_ort_name("AzureExecutionProvider"), None);
    }

    /// Construction only (no GPU here): the options reach ort's TensorRT provider object.
    /// (ort 2.0.0-rc.15 writes booleans as `true`/`false`, which ONNX Runtime's option parser
    /// accepts as it does `1`/`0`.)
    #[test]
    fn tensorrt_options_are_wired() {
        let plain = format!("{:?}", tensorrt(&TrtSettings::default()));
        assert!(plain.contains(r#""trt_fp16_enable": "false""#), "{plain}");
        assert!(!plain.contains("trt_engine_cache"), "{plain}");

        let dir = Path::new("/tmp/zoo-trt-cache");
        let set = format!("{:?}", tensorrt(&TrtSettings { fp16: true, int8: true, engine_cache: Some(dir) }));
        assert!(set.contains(r#""trt_fp16_enable": "true""#), "{set}");
        assert!(set.contains(r#""trt_engine_cache_enable": "true""#), "{set}");
        assert!(set.contains(r#""trt_int8_enable": "true""#), "{set}");
        assert!(!plain.contains("trt_int8_enable"), "{plain}");
        assert!(set.contains(r#""trt_engine_cache_path": "/tmp/zoo-trt-cache""#), "{set}");
        // The dispatch object builds without a library loaded.
        assert!(dispatch(Provider::TensorRt, &TrtSettings::default()).is_some());
        assert!(dispatch(Provider::Cpu, &TrtSettings::default()).is_none());
    }
}
