//! The OpenVINO runner: an ONNX file read by OpenVINO's ONNX frontend, fixed to the given input
//! shapes, compiled for the CPU plugin, and run one synchronous request at a time. f32 and f16
//! inputs and outputs (a `--io fp16` file) are exchanged as f32, like ONNX Runtime's runner.
//!
//! Why these settings (OpenVINO docs, "Inference precision", "Performance hints"):
//! - `INFERENCE_PRECISION_HINT`: the CPU plugin runs f32 graphs in bf16 by default where the CPU
//!   has AVX-512 BF16 or AMX (and may use f16 on ARM). A verification must compare f32 with f32,
//!   so it is pinned to `f32` unless `zoo bench --ov-precision` asks for speed; the precision the
//!   plugin reports back after compiling is what the label states.
//! - Static shapes: like tract, the model is reshaped to the batch being run, so the plugin
//!   plans for real sizes instead of dynamic ones.
//! - `PERFORMANCE_HINT=LATENCY` and `INFERENCE_NUM_THREADS`: one stream, the same thread count
//!   as ONNX Runtime gets, so `zoo bench` compares like with like.

use std::path::{Path, PathBuf};

use super::ffi::{Codes, Compiled, Core, HostData, Model, OutputData, OvLibrary, Request};
use super::library::{self, LibraryInfo};
use crate::error::RuntimeError;
use crate::tensor::{IntType, Tensor};
use crate::{RunOutput, Runner};

/// `ov_element_type_e::F32` of the 2026.4 C API, as the library reports a float input (the
/// enum's order has changed between releases, so this is pinned with the release, which is
/// checked before any model is read; the unit tests read a float input with the real library
/// and fail if the code differs — an earlier guess of 5, from the header's order, failed so).
pub(crate) const F32: i32 = 4;
/// `ov_element_type_e::F16`, as the library reports an f16 input (a `--io fp16` file; the
/// integration tests run one).
pub(crate) const F16: i32 = 3;
/// `ov_element_type_e`'s integer and boolean codes in the 2026.4 C API (`OV_BOOLEAN` … `U32`),
/// pinned like [`F32`]; the unit tests read a file with an input of each type and fail if a
/// code differs.
pub(crate) const INTS: [(IntType, i32); 8] = [
    (IntType::Bool, 1),
    (IntType::I8, 7),
    (IntType::I16, 8),
    (IntType::I32, 9),
    (IntType::I64, 10),
    (IntType::U8, 16),
    (IntType::U16, 17),
    (IntType::U32, 18),
];
pub(crate) const CODES: Codes = Codes { f32: F32, f16: F16, ints: &INTS };

/// The precision OpenVINO computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Precision {
    /// What verification uses.
    #[default]
    F32,
    Bf16,
    F16,
}

impl Precision {
    fn hint(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::F16 => "f16",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(Precision::F32),
            "bf16" => Ok(Precision::Bf16),
            "f16" => Ok(Precision::F16),
            _ => Err(format!("unknown OpenVINO precision `{s}` (expected f32, bf16 or f16)")),
        }
    }
}

/// How OpenVINO runs (serde: sent to a worker process, `crate::isolated`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OvOptions {
    /// `libopenvino_c` (default: [`library::find_library`]'s rules).
    pub library: Option<PathBuf>,
    pub precision: Precision,
    /// Inference threads (default: the plugin's choice).
    pub threads: Option<usize>,
}

/// Everything the library hands out borrows it; it lives for the process (see `OvLibrary`), so
/// the handles are `'static` and the runner owns them in drop order: request, compiled, model,
/// core.
pub struct OvRunner {
    request: Request<'static>,
    _compiled: Compiled<'static>,
    _model: Model<'static>,
    _core: Core<'static>,
    inputs: Vec<(String, Vec<usize>)>,
    /// Inputs the file declares f16 (fed converted, round to nearest even, as ONNX Runtime's
    /// runner does).
    f16_inputs: Vec<bool>,
    /// The integer or boolean type of each input (`None`: float).
    int_inputs: Vec<Option<IntType>>,
    outputs: Vec<String>,
    /// The inputs of the last run, kept alive because the request still refers to them.
    fed: Vec<(i32, Vec<usize>, HostData)>,
    precision: String,
    library: LibraryInfo,
}

/// The graph inputs of the ONNX file at `path` that no initializer fills, in order; `None` where
/// it does not decode.
fn graph_inputs(path: &Path) -> Option<Vec<String>> {
    use prost::Message;
    let bytes = std::fs::read(path).ok()?;
    let m = zoo_proto::ModelProto::decode(bytes.as_slice()).ok()?;
    let g = m.graph?;
    let inits: std::collections::HashSet<&str> = g.initializer.iter().filter_map(|t| t.name.as_deref()).collect();
    Some(g.input.iter().filter_map(|i| i.name.clone()).filter(|n| !inits.contains(n.as_str())).collect())
}

fn ov(e: String) -> RuntimeError {
    RuntimeError::OpenVino(e)
}

impl OvRunner {
    /// Reads `model`, fixes every input to its given shape (the batch included), and compiles it
    /// for the CPU. Every graph input needs a shape; a float input is all zoo feeds.
    pub fn new(
        model: &Path,
        input_shapes: &[(String, Vec<usize>)],
        opts: &OvOptions,
    ) -> Result<OvRunner, RuntimeError> {
        let (lib, library): (&'static OvLibrary, LibraryInfo) = library::load(opts.library.as_deref())?;
        let core = lib.core().map_err(ov)?;
        let m = core.read_model(model).map_err(ov)?;
        let mut ports = m.inputs().map_err(ov)?;
        // OpenVINO names a parameter after any one of its tensor names: where an identity (a
        // Dropout at inference) follows a graph input, that can be the identity's output. The
        // file's own input names, in order (parameter order), say which port is which then.
        if input_shapes.iter().any(|(n, _)| !ports.iter().any(|p| p.name == *n))
            && let Some(names) = graph_inputs(model)
                .filter(|names| names.len() == ports.len() && input_shapes.iter().all(|(n, _)| names.contains(n)))
        {
            for (p, n) in ports.iter_mut().zip(names) {
                p.onnx_name = Some(n);
            }
        }
        for (name, _) in input_shapes {
            if !ports.iter().any(|p| p.onnx_name.as_ref().unwrap_or(&p.name) == name) {
                return Err(RuntimeError::Mismatch(format!(
                    "{} has no input `{name}` for OpenVINO (its inputs: {})",
                    model.display(),
                    ports.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let mut inputs = Vec::with_capacity(ports.len());
        let mut f16_inputs = Vec::with_capacity(ports.len());
        let mut int_inputs = Vec::with_capacity(ports.len());
        for port in &ports {
            let given = port.onnx_name.as_ref().unwrap_or(&port.name);
            let shape = input_shapes.iter().find(|(n, _)| n == given).map(|(_, s)| s.clone()).ok_or_else(|| {
                RuntimeError::Mismatch(format!("no shape given for input `{}` of {}", port.name, model.display()))
            })?;
            let int = CODES.int_type(port.element_type);
            if port.element_type != F32 && port.element_type != F16 && int.is_none() {
                return Err(RuntimeError::Mismatch(format!(
                    "input `{}` has OpenVINO element type code {}, none of f32, f16, boolean or an integer up to 64 \
                     bits: zoo cannot feed it",
                    port.name, port.element_type
                )));
            }
            f16_inputs.push(port.element_type == F16);
            int_inputs.push(int);
            check_shape(&port.name, port.shape.as_deref(), &shape)?;
            m.reshape_input(&port.name, &shape).map_err(ov)?;
            inputs.push((given.clone(), shape));
        }
        let outputs = m.outputs().map_err(ov)?.into_iter().map(|p| p.name).collect();
        let mut props = vec![
            ("INFERENCE_PRECISION_HINT", opts.precision.hint().to_string()),
            ("PERFORMANCE_HINT", "LATENCY".to_string()),
        ];
        if let Some(t) = opts.threads {
            props.push(("INFERENCE_NUM_THREADS", t.to_string()));
        }
        let compiled = core.compile(&m, "CPU", &props).map_err(ov)?;
        let precision = compiled.property("INFERENCE_PRECISION_HINT").map_err(ov)?;
        let request = compiled.request().map_err(ov)?;
        Ok(OvRunner {
            request,
            _compiled: compiled,
            _model: m,
            _core: core,
            inputs,
            f16_inputs,
            int_inputs,
            outputs,
            fed: Vec::new(),
            precision,
            library,
        })
    }

    /// Graph inputs with the shapes the model was compiled for, in graph order.
    pub fn inputs(&self) -> &[(String, Vec<usize>)] {
        &self.inputs
    }

    /// Graph output names as OpenVINO names them (the ONNX value names), in graph order.
    pub fn output_names(&self) -> &[String] {
        &self.outputs
    }

    /// The precision the CPU plugin reports it computes in (`f32`, `bf16`, `f16`).
    pub fn precision(&self) -> &str {
        &self.precision
    }

    pub fn library(&self) -> &LibraryInfo {
        &self.library
    }
}

/// A given shape must agree with the file's fixed dimensions.
fn check_shape(name: &str, declared: Option<&[Option<i64>]>, shape: &[usize]) -> Result<(), RuntimeError> {
    let Some(declared) = declared else { return Ok(()) };
    if declared.len() != shape.len() {
        return Err(RuntimeError::Mismatch(format!(
            "input `{name}` has rank {}, given shape {shape:?}",
            declared.len()
        )));
    }
    for (axis, (d, &s)) in declared.iter().zip(shape).enumerate() {
        if let Some(d) = d
            && *d != s as i64
        {
            return Err(RuntimeError::Mismatch(format!(
                "input `{name}` has size {d} on axis {axis}, given shape {shape:?}"
            )));
        }
    }
    Ok(())
}

impl Runner for OvRunner {
    fn label(&self) -> String {
        match self.precision.as_str() {
            "f32" => "openvino/cpu".into(),
            p => format!("openvino/cpu-{p}"),
        }
    }

    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError> {
        let given = crate::tensor::match_static(inputs, &self.inputs, "OpenVINO model was compiled")?;
        let mut fed = Vec::with_capacity(self.inputs.len());
        for ((t, &f16), declared) in given.into_iter().zip(&self.f16_inputs).zip(&self.int_inputs) {
            t.fits(*declared).map_err(RuntimeError::Mismatch)?;
            fed.push(match (&t.ints, f16) {
                (Some(i), _) => {
                    // Measured (unit test): the CPU plugin computes INT64 in 32 bits, so
                    // 2^63 − 1 comes back as −1. Refused rather than compared wrong.
                    if let Some(v) = i.values.iter().find(|&&v| i.ty == IntType::I64 && i32::try_from(v).is_err()) {
                        return Err(RuntimeError::Mismatch(format!(
                            "input `{}` holds {v}: OpenVINO's CPU plugin computes INT64 in 32 bits and would wrap it",
                            t.name
                        )));
                    }
                    let code = CODES.int_code(i.ty).unwrap_or(F32);
                    (code, t.shape.clone(), HostData::Int(i.ty, i.ty.to_le_bytes(&i.values)))
                }
                (None, true) => {
                    (F16, t.shape.clone(), HostData::F16(t.data.iter().map(|&x| half::f16::from_f32(x)).collect()))
                }
                (None, false) => (F32, t.shape.clone(), HostData::F32(t.data.clone())),
            });
        }
        self.fed = fed;
        let raw = self.request.infer(CODES, &mut self.fed, self.outputs.len()).map_err(ov)?;
        let outputs = raw
            .into_iter()
            .zip(&self.outputs)
            .map(|(o, name)| match o.data {
                OutputData::Float(data) => Ok(Tensor::new(name.clone(), o.shape, data)),
                OutputData::Int(ty, values) => Ok(Tensor::int(name.clone(), o.shape, ty, values)),
                OutputData::Other => Err(RuntimeError::Mismatch(format!(
                    "output `{name}` has OpenVINO element type code {}, none of f32, f16, boolean or an integer up \
                     to 64 bits: zoo cannot compare it",
                    o.element_type
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RunOutput { outputs, providers: vec![format!("OpenVINO {} CPU {}", self.library.version, self.precision)] })
    }
}
