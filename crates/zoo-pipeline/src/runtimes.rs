//! Where every command gets its runtimes: each in a worker process (`zoo_runtime::isolated`),
//! this executable started again with the hidden [`WORKER`] subcommand, so that a fault inside
//! ONNX Runtime, OpenVINO or tract on a stranger's file (an abort, a segmentation fault, a
//! failed allocation) is reported as that runtime failing, and a runtime past `--timeout` is
//! stopped instead of left running.

use std::path::Path;
use std::time::Duration;

use zoo_runtime::RuntimeError;
use zoo_runtime::isolated::{Isolated, Spec, Worker};
use zoo_runtime::onnxruntime::{OrtOptions, Skipped};
use zoo_runtime::openvino::OvOptions;

/// The hidden first argument that makes zoo a runtime worker (`main.rs`).
pub(crate) const WORKER: &str = "__runtime-worker";

/// The default `--timeout` of the commands that run files: loading, and each run.
pub(crate) const DEFAULT_TIMEOUT_S: f64 = 600.0;

/// Serves as a worker (the child's side); the process's exit status.
pub(crate) fn serve() -> i32 {
    super::name_project_venv();
    zoo_runtime::isolated::serve()
}

fn worker(limit: Option<Duration>) -> Result<Worker, RuntimeError> {
    let program = std::env::current_exe().map_err(|e| {
        RuntimeError::Crashed(format!("cannot find zoo's own executable to start a runtime worker: {e}"))
    })?;
    Ok(Worker { program, args: vec![WORKER.into()], limit })
}

pub(crate) fn limit(seconds: f64) -> Option<Duration> {
    Some(Duration::from_secs_f64(seconds))
}

pub(crate) fn ort(
    path: &Path,
    options: &OrtOptions,
    limit: Option<Duration>,
) -> Result<(Isolated, Vec<Skipped>), RuntimeError> {
    Isolated::start(&worker(limit)?, Spec::Ort { model: path.to_path_buf(), options: options.clone() })
}

pub(crate) fn tract(
    path: &Path,
    inputs: &[(String, Vec<usize>)],
    limit: Option<Duration>,
) -> Result<Isolated, RuntimeError> {
    Isolated::start(&worker(limit)?, Spec::Tract { model: path.to_path_buf(), inputs: inputs.to_vec() }).map(|r| r.0)
}

pub(crate) fn openvino(
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
pub(crate) fn fatal(e: &RuntimeError) -> bool {
    matches!(e, RuntimeError::Crashed(_) | RuntimeError::TimedOut(_))
}
