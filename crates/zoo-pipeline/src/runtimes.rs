//! Where every command gets its runtimes: each in a worker process (`zoo_runtime::isolated`),
//! this executable started again with the hidden [`WORKER`] argument (its `main` must answer
//! it with [`zoo_runtime::isolated::serve`] before anything else), so that a fault inside ONNX
//! Runtime, OpenVINO or tract on a stranger's file (an abort, a segmentation fault, a failed
//! allocation) is reported as that runtime failing, and a runtime past its timeout is stopped
//! instead of left running.
//!
//! [`Runtimes`] is the one selection every command that runs a model makes: which runtimes,
//! each one's options, the timeout; [`Runtimes::start`] turns a name into a running worker.

use std::path::Path;
use std::time::Duration;

use zoo_runtime::isolated::{Isolated, Spec, Worker};
use zoo_runtime::onnxruntime::{OrtOptions, Provider, Skipped};
use zoo_runtime::openvino::OvOptions;
use zoo_runtime::{Runner, RuntimeError};

use crate::options::RuntimeName;

/// The hidden first argument that makes this executable a runtime worker.
pub const WORKER: &str = "__runtime-worker";

/// The default timeout of the commands that run files: loading, and each run.
pub const DEFAULT_TIMEOUT_S: f64 = 600.0;

/// The runtimes a command runs, and how.
#[derive(Debug, Clone)]
pub struct Runtimes {
    pub names: Vec<RuntimeName>,
    /// ONNX Runtime as asked (`trt_int8` is implied per file for Q/DQ files, `profile` per use).
    pub ort: OrtOptions,
    pub ov: OvOptions,
    /// Seconds each runtime may take to load a file, and per run.
    pub timeout_s: f64,
}

impl Default for Runtimes {
    fn default() -> Self {
        Runtimes {
            names: RuntimeName::ALL.to_vec(),
            ort: OrtOptions::default(),
            ov: OvOptions::default(),
            timeout_s: DEFAULT_TIMEOUT_S,
        }
    }
}

/// A runtime started on a file: the runner, and the execution providers ONNX Runtime skipped.
pub struct Started {
    pub runner: Box<dyn Runner + Send>,
    pub skipped: Vec<Skipped>,
}

impl Runtimes {
    pub fn limit(&self) -> Option<Duration> {
        limit(self.timeout_s)
    }

    /// ONNX Runtime's options for a file: Q/DQ files build TensorRT's int8 engines from their
    /// own scales (`trt_int8` implied); `profile` learns which providers ran the nodes.
    pub fn ort_options(&self, qdq: bool, profile: bool) -> OrtOptions {
        let mut o = self.ort.clone();
        o.trt_int8 |= qdq;
        o.profile = profile;
        o
    }

    /// ONNX Runtime on its CPU provider only: how an fp32 reference runs.
    /// Whether ONNX Runtime runs on its CPU provider alone.
    pub fn on_cpu_only(&self) -> bool {
        self.ort.providers.iter().all(|p| *p == Provider::Cpu)
    }

    pub fn cpu_only(&self) -> OrtOptions {
        let mut o = self.ort_options(false, false);
        o.providers = vec![Provider::Cpu];
        o
    }

    /// Starts `name` on `path`: ONNX Runtime for any input shape; tract and OpenVINO compiled
    /// for `shapes` (static shapes).
    pub fn start(
        &self,
        name: RuntimeName,
        path: &Path,
        shapes: &[(String, Vec<usize>)],
        qdq: bool,
        profile: bool,
    ) -> Result<Started, RuntimeError> {
        let limit = self.limit();
        Ok(match name {
            RuntimeName::Ort => {
                let (r, skipped) = ort(path, &self.ort_options(qdq, profile), limit)?;
                Started { runner: Box::new(r), skipped }
            }
            RuntimeName::Tract => Started { runner: Box::new(tract(path, shapes, limit)?), skipped: vec![] },
            RuntimeName::Openvino => {
                Started { runner: Box::new(openvino(path, shapes, &self.ov, limit)?), skipped: vec![] }
            }
        })
    }
}

fn worker(limit: Option<Duration>) -> Result<Worker, RuntimeError> {
    let program = std::env::current_exe().map_err(|e| {
        RuntimeError::Crashed(format!("cannot find zoo's own executable to start a runtime worker: {e}"))
    })?;
    Ok(Worker { program, args: vec![WORKER.into()], limit })
}

pub fn limit(seconds: f64) -> Option<Duration> {
    Some(Duration::from_secs_f64(seconds))
}

pub fn ort(
    path: &Path,
    options: &OrtOptions,
    limit: Option<Duration>,
) -> Result<(Isolated, Vec<Skipped>), RuntimeError> {
    Isolated::start(&worker(limit)?, Spec::Ort { model: path.to_path_buf(), options: options.clone() })
}

pub fn tract(path: &Path, inputs: &[(String, Vec<usize>)], limit: Option<Duration>) -> Result<Isolated, RuntimeError> {
    Isolated::start(&worker(limit)?, Spec::Tract { model: path.to_path_buf(), inputs: inputs.to_vec() }).map(|r| r.0)
}

pub fn openvino(
    path: &Path,
    inputs: &[(String, Vec<usize>)],
    options: &OvOptions,
    limit: Option<Duration>,
) -> Result<Isolated, RuntimeError> {
    let spec = Spec::OpenVino { model: path.to_path_buf(), inputs: inputs.to_vec(), options: options.clone() };
    Isolated::start(&worker(limit)?, spec).map(|r| r.0)
}

/// A runtime error after which its worker is gone (crashed or stopped): the runner must not
/// be used again.
pub fn fatal(e: &RuntimeError) -> bool {
    matches!(e, RuntimeError::Crashed(_) | RuntimeError::TimedOut(_))
}
