//! The worker's side: load one runtime as the first frame says, then answer run and time
//! requests until zoo closes the pipe.

use std::io::{BufReader, BufWriter, Write};
use std::os::fd::AsFd;
use std::time::Duration;

use super::wire;
use super::{FAILED, OUTPUT, READY, RUN, Ready, SPEC, Spec, TIME, TIMES};
use crate::onnxruntime::OrtRunner;
use crate::openvino::OvRunner;
use crate::tract::TractRunner;
use crate::{Runner, RuntimeError};

/// Serves zoo over stdin and stdout; returns the process's exit status. Call it first thing in
/// the process, before anything writes to stdout.
pub fn serve() -> i32 {
    // Frames go to a copy of stdout; fd 1 itself then points at stderr, so whatever a C++
    // library prints cannot corrupt a frame.
    let out = match std::io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => std::fs::File::from(fd),
        Err(e) => {
            eprintln!("zoo worker: cannot duplicate stdout: {e}");
            return 2;
        }
    };
    if let Err(e) = nix::unistd::dup2_stdout(std::io::stderr()) {
        eprintln!("zoo worker: cannot redirect stdout: {e}");
        return 2;
    }
    // A crash is reported by zoo; a core file in the user's folder would be litter.
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
    orphan_watch();
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    match session(&mut input, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("zoo worker: {e}");
            3
        }
    }
}

fn session(input: &mut impl std::io::Read, out: &mut impl Write) -> std::io::Result<()> {
    let Some(first) = wire::receive(input)? else { return Ok(()) };
    if first.tag != SPEC {
        return Err(std::io::Error::other(format!("expected the runtime's spec, got frame {}", first.tag)));
    }
    let spec: Spec = first.header()?;
    let mut runner = match guarded(|| load(spec)) {
        Ok((runner, ready)) => {
            wire::send(out, READY, &ready, &[])?;
            runner
        }
        Err(e) => return wire::send(out, FAILED, &e, &[]),
    };
    while let Some(frame) = wire::receive(input)? {
        let answered = match frame.tag {
            RUN => match guarded(|| runner.run(&frame.tensors)) {
                Ok(o) => wire::send(out, OUTPUT, &o.providers, &o.outputs),
                Err(e) => fail(out, e),
            },
            TIME => {
                let (warmup, iters): (usize, usize) = frame.header()?;
                match guarded(|| runner.time(&frame.tensors, warmup, iters)) {
                    Ok(t) => wire::send(out, TIMES, &t, &[]),
                    Err(e) => fail(out, e),
                }
            }
            other => return Err(std::io::Error::other(format!("unknown frame {other}"))),
        };
        answered?;
    }
    Ok(())
}

/// A panic inside a runtime is an error for zoo, not a dead worker.
fn guarded<T>(f: impl FnOnce() -> Result<T, RuntimeError>) -> Result<T, RuntimeError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "no message".into());
        Err(RuntimeError::Crashed(format!("panicked: {what}")))
    })
}

fn fail(out: &mut impl Write, e: RuntimeError) -> std::io::Result<()> {
    wire::send(out, FAILED, &e, &[])
}

fn load(spec: Spec) -> Result<(Box<dyn Runner>, Ready), RuntimeError> {
    match spec {
        Spec::Ort { model, options } => {
            let (r, skipped) = OrtRunner::new(&model, &options)?;
            let ready =
                Ready { label: r.label(), skipped: skipped.into_iter().map(|s| (s.provider, s.reason)).collect() };
            Ok((Box::new(r), ready))
        }
        Spec::Tract { model, inputs } => {
            let r = TractRunner::new(&model, &inputs)?;
            let ready = Ready { label: r.label(), skipped: Vec::new() };
            Ok((Box::new(r), ready))
        }
        Spec::OpenVino { model, inputs, options } => {
            let r = OvRunner::new(&model, &inputs, &options)?;
            let ready = Ready { label: r.label(), skipped: Vec::new() };
            Ok((Box::new(r), ready))
        }
    }
}

/// Ends the worker when zoo is gone (killed, say): it has been re-parented. Polled, because
/// the kernel's parent-death signal follows the parent *thread* that started the worker,
/// which need not live as long as zoo does.
fn orphan_watch() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(4);
            }
        }
    });
}
