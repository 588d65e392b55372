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
    /// Whether `timeout_s` is the default rather than the user's: then a graph of many nodes
    /// gets its [`load_budget`] instead.
    pub timeout_default: bool,
}

/// Graphs from this many nodes on get a load budget proportional to their size.
pub const BUDGET_FROM_NODES: usize = 10_000;

/// Why large graphs get a budget, measured as the wall time of `zoo verify CHAIN --runtime R`
/// (load, one run, zoo's checks) on chains of Relus, 2-core AMD EPYC with AVX2; tract at
/// 100,000 nodes is issue 23's report, not measured here.
pub const BUDGET_REASON: &str = "load time grows faster than linearly with the node count in tract (0.3 s at \
     4,000 Relus in a chain, 4.7 s at 16,000; 300 s at 100,000 reported) and in OpenVINO (3.7 s at 1,000, past 120 s \
     at 4,000), about linearly in ONNX Runtime (0.4 s at 4,000, 1.2 s at 16,000, 8.8 s at 100,000)";

/// The seconds a runtime may take to load and run a graph of `nodes` nodes and `weight_bytes`
/// of weights: 10 s + 0.1 ms per node + 0.2 s per MB, from [`BUDGET_FROM_NODES`] nodes on
/// (`None` below): a linear runtime fits it with room to spare, a superlinear one is stopped.
pub fn load_budget(nodes: usize, weight_bytes: u64) -> Option<f64> {
    (nodes >= BUDGET_FROM_NODES).then(|| 10.0 + 1e-4 * nodes as f64 + 0.2 * weight_bytes as f64 / 1e6)
}

impl Default for Runtimes {
    fn default() -> Self {
        Runtimes {
            names: RuntimeName::ALL.to_vec(),
            ort: OrtOptions::default(),
            ov: OvOptions::default(),
            timeout_s: DEFAULT_TIMEOUT_S,
            timeout_default: true,
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

    /// These runtimes for a graph of `nodes` nodes and `weight_bytes` of weights: with the
    /// default timeout, a large graph's [`load_budget`] where it is shorter, and the report's line
    /// saying so.
    pub fn bounded_for(&self, nodes: usize, weight_bytes: u64) -> (Runtimes, Option<String>) {
        let mut r = self.clone();
        match load_budget(nodes, weight_bytes) {
            Some(b) if self.timeout_default && b < self.timeout_s => {
                r.timeout_s = b;
                let note = format!(
                    "a graph of {nodes} nodes: each runtime gets {b:.0} s to load it and per run (10 s + 0.1 ms per \
                     node + 0.2 s per MB of weights) instead of {:.0} s, since {BUDGET_REASON}; give --timeout S to \
                     wait longer",
                    self.timeout_s
                );
                (r, Some(note))
            }
            _ => (r, None),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_grows_with_the_graph_and_only_replaces_the_default() {
        assert_eq!(load_budget(9_999, 0), None);
        assert_eq!(load_budget(100_000, 0), Some(20.0));
        assert_eq!(load_budget(10_000, 50_000_000), Some(21.0));
        let default = Runtimes::default();
        assert_eq!(default.bounded_for(100_000, 0).0.timeout_s, 20.0);
        assert_eq!(default.bounded_for(500, 0).0.timeout_s, DEFAULT_TIMEOUT_S);
        let given = Runtimes { timeout_s: 900.0, timeout_default: false, ..Runtimes::default() };
        assert_eq!(given.bounded_for(100_000, 0).0.timeout_s, 900.0);
    }
}
