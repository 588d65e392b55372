//! Running `zoo` and the Python checkers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn zoo(args: &[&str]) -> Output {
    zoo_in(&std::env::temp_dir(), args)
}

pub fn zoo_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zoo")).args(args).current_dir(dir).output().expect("running zoo")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "zoo failed: {}\n{}", stderr(&o), stdout(&o));
    stdout(&o)
}

/// Asserts a clean failure: non-zero exit, one line on stderr that contains `needle`, no panic.
pub fn fails_with(o: Output, needle: &str) {
    let err = stderr(&o);
    assert!(!o.status.success(), "expected failure, got success: {}", stdout(&o));
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not a one-line error: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The interpreter with onnx, onnxruntime and numpy: `ZOO_PYTHON`, or the `.venv` that
/// `scripts/test` makes.
pub fn python() -> PathBuf {
    let p = std::env::var_os("ZOO_PYTHON").map_or_else(|| root().join(".venv/bin/python"), PathBuf::from);
    assert!(
        p.exists(),
        "{} not found: run `scripts/test` (it installs the Python checkers) or set ZOO_PYTHON",
        p.display()
    );
    p
}

/// Runs `tests/python/<script>` with `args`; returns its parsed JSON stdout, or panics with
/// its stderr when it reports a failed check.
pub fn python_check(script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(python()).arg(root().join("tests/python").join(script)).args(args).output().expect("python");
    assert!(out.status.success(), "{script} {args:?} failed:\n{}\n{}", stderr(&out), stdout(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{script}: bad JSON ({e}): {}", stdout(&out)))
}

pub fn json(o: Output) -> serde_json::Value {
    let s = ok(o);
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("bad JSON ({e}): {s}"))
}

pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    zoo_graph::write::hex(&sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Calls `probe` until `done` holds for its value or `bound` has passed, and returns the last
/// value: tests that watch processes or files wait for the state they check instead of
/// assuming it has been reached (a spawned child may not have exec'd yet, a killed one may not
/// have been reaped).
pub fn wait_until<T>(bound: std::time::Duration, mut probe: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let start = std::time::Instant::now();
    loop {
        let value = probe();
        if done(&value) || start.elapsed() >= bound {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
