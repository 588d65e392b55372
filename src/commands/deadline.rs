//! A wall-clock bound on work inside a dependency (a runtime's session creation, graph
//! optimisation or inference): the work runs on its own thread and the caller waits at most
//! the limit. Past it, the caller reports a timeout and goes on; the abandoned thread keeps
//! its CPU until the process ends (nothing can stop a thread inside C++ or tract safely), which
//! is why a timed-out runtime is never reused. Child processes would free it at once, at the
//! cost of sending every model and tensor across; a timeout is the rare case, so the thread
//! is the cheaper design here.

use std::sync::mpsc;
use std::time::Duration;

/// `f`'s result, or `None` if it did not finish within `limit`. A panic inside `f` is the
/// thread's, reported as `Some(Err)` by the caller's own catch (here: an error message).
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<Result<T, String>> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("zoo-bounded".into()).spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out.map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())
        }));
    });
    if let Err(e) = spawned {
        return Some(Err(format!("cannot start a thread: {e}")));
    }
    match rx.recv_timeout(limit) {
        Ok(r) => Some(r),
        Err(mpsc::RecvTimeoutError::Timeout) => None,
        Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err("the worker thread ended without a result".into())),
    }
}

/// `--timeout`'s text for a report: "timed out after 2.5 s (--timeout)".
pub(crate) fn timed_out(limit: Duration) -> String {
    format!("timed out after {} s (--timeout; the runtime is not used again in this run)", limit.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_work_times_out_and_quick_work_returns() {
        assert_eq!(within(Duration::from_secs(5), || 7), Some(Ok(7)));
        let slow = within(Duration::from_millis(20), || std::thread::sleep(Duration::from_secs(2)));
        assert!(slow.is_none());
        let panicked = within(Duration::from_secs(5), || -> u8 { panic!("inside a dependency") });
        assert_eq!(panicked, Some(Err("inside a dependency".into())));
    }
}
