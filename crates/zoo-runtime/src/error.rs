//! Typed runtime errors. Each message names the problem and what fixes it.

use std::path::PathBuf;

// Clone and serde: a runtime's error crosses from its worker process (crate::isolated) intact.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum RuntimeError {
    /// The ONNX Runtime shared library could not be found or loaded.
    #[error("{0}")]
    OrtLibrary(String),
    /// A requested execution provider is not available (and `--strict-ep` was given, or no
    /// provider at all is left).
    #[error("{0}")]
    Provider(String),
    /// ONNX Runtime's own messages may end in, or embed, newlines; a report line cannot.
    #[error("ONNX Runtime: {}", one_line(.0))]
    Ort(String),
    #[error("tract: {0}")]
    Tract(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{0}")]
    Mismatch(String),
    /// The OpenVINO C API library could not be found, loaded, or is another release.
    #[error("{0}")]
    OvLibrary(String),
    /// OpenVINO's own messages embed newlines and source locations; a report line cannot.
    #[error("OpenVINO: {}", one_line(.0))]
    OpenVino(String),
    /// The runtime's worker process died (a fault inside the runtime) or its reply made no
    /// sense; the message names the signal or status and what it last wrote.
    #[error("{}", one_line(.0))]
    Crashed(String),
    /// A runtime call ran past `--timeout`; its worker was stopped.
    #[error("{0}")]
    TimedOut(String),
}

/// `text` with every run of whitespace (newlines included) as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ort_messages_are_one_line() {
        let e = super::RuntimeError::Ort("Load model failed: This is an invalid model.\n  Graph output (y)\n".into());
        assert_eq!(e.to_string(), "ONNX Runtime: Load model failed: This is an invalid model. Graph output (y)");
    }
}
