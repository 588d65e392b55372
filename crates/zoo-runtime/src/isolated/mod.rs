//! Every runtime in a child process of its own: zoo's answer to "a fault inside a dependency
//! must not end zoo" (issue 9).
//!
//! Why processes and not only `catch_unwind`: ONNX Runtime and OpenVINO are C++ — a
//! `std::terminate`, a failed `new` or a segmentation fault inside them ends the whole process,
//! and Rust's own allocation failure (tract asked for a 26 TB tensor) aborts rather than
//! unwinds. None of these can be caught in-process. A worker that dies takes only itself: the
//! parent sees the pipe close, reads how the child ended (signal or status) and the last lines
//! it wrote to stderr, and reports that runtime as crashed while the other runtimes go on. A
//! worker past its time limit is killed, which frees its CPU at once — a thread stuck inside
//! C++ could only be abandoned.
//!
//! The cost is the transfer of inputs and outputs through a pipe (about 1 GB/s; a batch of
//! eight 224×224 images is 4.8 MB) and one process start per runner. Benchmarks time inside the
//! worker ([`Runner::time`]), so no transfer is ever counted in a latency.
//!
//! The worker is the zoo executable itself, started with a hidden subcommand that calls
//! [`serve`]; the protocol (`wire.rs`) is private to one build of zoo.

mod serve;
mod wire;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use serve::serve;
use wire::Frame;

use crate::onnxruntime::{OrtOptions, Provider, Skipped};
use crate::openvino::OvOptions;
use crate::{RunOutput, Runner, RuntimeError, Tensor};

/// What the worker loads: a runtime, the model file and that runtime's options.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Spec {
    Ort {
        model: PathBuf,
        options: OrtOptions,
    },
    /// tract and OpenVINO compile for fixed input shapes.
    Tract {
        model: PathBuf,
        inputs: Vec<(String, Vec<usize>)>,
    },
    OpenVino {
        model: PathBuf,
        inputs: Vec<(String, Vec<usize>)>,
        options: OvOptions,
    },
}

impl Spec {
    /// The runtime's name in reports.
    pub fn runtime(&self) -> &'static str {
        match self {
            Spec::Ort { .. } => "ONNX Runtime",
            Spec::Tract { .. } => "tract",
            Spec::OpenVino { .. } => "OpenVINO",
        }
    }
}

/// How to start a worker: an executable that calls [`serve`] when given `args` (zoo's own,
/// with its hidden worker subcommand), and the wall-clock limit of each call into it.
#[derive(Debug, Clone)]
pub struct Worker {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Loading and each run; `None` waits for ever.
    pub limit: Option<Duration>,
}

// Frame tags. Parent to worker:
const SPEC: u8 = 1;
const RUN: u8 = 2;
const TIME: u8 = 3;
// Worker to parent:
const READY: u8 = 10;
const OUTPUT: u8 = 11;
const TIMES: u8 = 12;
const FAILED: u8 = 13;

#[derive(Serialize, Deserialize)]
struct Ready {
    label: String,
    skipped: Vec<(Provider, String)>,
}

/// What a worker's stderr ended with: the lines that name a crash's cause ("memory allocation
/// of … bytes failed", "terminate called after throwing …").
const TAIL_LINES: usize = 4;

/// A runtime running in a worker process; a [`Runner`] like the in-process ones.
pub struct Isolated {
    child: Child,
    to: Option<ChildStdin>,
    from: mpsc::Receiver<std::io::Result<Option<Frame>>>,
    label: String,
    runtime: &'static str,
    limit: Option<Duration>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Disconnected when the stderr reader has read the pipe to its end.
    stderr_read: mpsc::Receiver<()>,
    /// Set once the worker crashed or timed out: every later call fails with it.
    dead: Option<RuntimeError>,
    /// The worker's temporary folder (its TMPDIR), removed even when the worker was killed.
    _scratch: tempfile::TempDir,
}

impl Isolated {
    /// Starts a worker and loads `spec` in it; returns when the runtime has loaded the model
    /// (ONNX Runtime: with the providers it skipped, as [`OrtRunner::new`](crate::onnxruntime::OrtRunner::new) does).
    pub fn start(worker: &Worker, spec: Spec) -> Result<(Isolated, Vec<Skipped>), RuntimeError> {
        let runtime = spec.runtime();
        let scratch = tempfile::Builder::new()
            .prefix("zoo-worker-")
            .tempdir()
            .map_err(|e| RuntimeError::Write { path: std::env::temp_dir(), reason: e.to_string() })?;
        let mut child = Command::new(&worker.program)
            .args(&worker.args)
            .env("TMPDIR", scratch.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                RuntimeError::Crashed(format!(
                    "cannot start a worker process for {runtime} ({}: {e}); zoo runs every runtime in one",
                    worker.program.display()
                ))
            })?;
        let (Some(to), Some(out), Some(err)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RuntimeError::Crashed(format!("the {runtime} worker has no pipes")));
        };
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr);
        let (read_to_end, stderr_read) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _read_to_end = read_to_end;
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if let Ok(mut t) = tail.lock() {
                    if t.len() == TAIL_LINES {
                        t.pop_front();
                    }
                    t.push_back(line.chars().take(300).collect());
                }
            }
        });
        let (tx, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::with_capacity(1 << 20, out);
            loop {
                let frame = wire::receive(&mut out);
                let end = !matches!(frame, Ok(Some(_)));
                if tx.send(frame).is_err() || end {
                    break;
                }
            }
        });
        let mut me = Isolated {
            child,
            to: Some(to),
            from,
            label: runtime.to_string(),
            runtime,
            limit: worker.limit,
            stderr,
            stderr_read,
            dead: None,
            _scratch: scratch,
        };
        me.send(SPEC, &spec, &[])?;
        let frame = me.answer(me.limit)?;
        let ready: Ready = me.decode(&frame)?;
        me.label = ready.label;
        let skipped = ready.skipped.into_iter().map(|(provider, reason)| Skipped { provider, reason }).collect();
        Ok((me, skipped))
    }

    fn send(&mut self, tag: u8, header: &impl Serialize, tensors: &[Tensor]) -> Result<(), RuntimeError> {
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        let sent = match self.to.as_mut() {
            Some(to) => wire::send(to, tag, header, tensors),
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        };
        // A write fails when the worker is gone: what matters is how it ended.
        if sent.is_err() {
            return Err(self.died());
        }
        Ok(())
    }

    /// The worker's next frame within `limit`; a worker that dies or overruns is reaped.
    fn answer(&mut self, limit: Option<Duration>) -> Result<Frame, RuntimeError> {
        let got = match limit {
            Some(l) => self.from.recv_timeout(l),
            None => self.from.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        };
        match got {
            Ok(Ok(Some(f))) if f.tag == FAILED => Err(self.decode::<RuntimeError>(&f).unwrap_or_else(|e| e)),
            Ok(Ok(Some(f))) => Ok(f),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let e = RuntimeError::TimedOut(format!(
                    "{} timed out after {} s (--timeout); its worker was stopped",
                    self.runtime,
                    limit.unwrap_or_default().as_secs_f64()
                ));
                self.dead = Some(e.clone());
                Err(e)
            }
            _ => Err(self.died()),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, frame: &Frame) -> Result<T, RuntimeError> {
        frame.header().map_err(|e| RuntimeError::Crashed(format!("the {} worker answered nonsense: {e}", self.runtime)))
    }

    /// How the worker ended, as a one-line error naming the signal or status and what it
    /// last wrote to stderr; the worker is reaped.
    fn died(&mut self) -> RuntimeError {
        drop(self.to.take());
        let status = self.child.wait();
        // The stderr reader may still be draining the last lines: wait until it reaches the
        // pipe's end, bounded in case something the worker started still holds the pipe open.
        let _ = self.stderr_read.recv_timeout(Duration::from_secs(2));
        let said = self.stderr.lock().map(|t| t.iter().cloned().collect::<Vec<_>>().join(" | ")).unwrap_or_default();
        let how = match status {
            Ok(s) => describe(s),
            Err(e) => format!("could not be waited for ({e})"),
        };
        let mut msg = format!("{} crashed: its worker process {how}", self.runtime);
        if !said.is_empty() {
            msg.push_str(&format!("; it said: {said}"));
        }
        msg.push_str(" (a fault inside the runtime; zoo and the other runtimes went on)");
        let e = RuntimeError::Crashed(msg);
        self.dead = Some(e.clone());
        e
    }
}

/// "was killed by SIGABRT", "exited with status 101".
fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        let name =
            nix::sys::signal::Signal::try_from(sig).map(|s| s.as_str().to_string()).unwrap_or(format!("signal {sig}"));
        return format!("was killed by {name}");
    }
    match status.code() {
        Some(c) => format!("exited with status {c}"),
        None => "ended".into(),
    }
}

impl Runner for Isolated {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError> {
        self.send(RUN, &(), inputs)?;
        let frame = self.answer(self.limit)?;
        if frame.tag != OUTPUT {
            return Err(RuntimeError::Crashed(format!("the {} worker answered frame {}", self.runtime, frame.tag)));
        }
        let providers: Vec<String> = self.decode(&frame)?;
        Ok(RunOutput { outputs: frame.tensors, providers })
    }

    /// Timed inside the worker: the pipe's transfer is never part of a latency.
    fn time(&mut self, inputs: &[Tensor], warmup: usize, iters: usize) -> Result<Vec<f64>, RuntimeError> {
        self.send(TIME, &(warmup, iters), inputs)?;
        let limit = self.limit.map(|l| l.saturating_mul(u32::try_from(warmup + iters).unwrap_or(u32::MAX)));
        let frame = self.answer(limit)?;
        if frame.tag != TIMES {
            return Err(RuntimeError::Crashed(format!("the {} worker answered frame {}", self.runtime, frame.tag)));
        }
        self.decode(&frame)
    }
}

impl Drop for Isolated {
    /// Closing its stdin ends a healthy worker's loop, so it drops its runtime and removes its
    /// own temporaries; one that does not finish within a few seconds is killed.
    fn drop(&mut self) {
        drop(self.to.take());
        for _ in 0..100 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
