//! Typed runtime errors. Each message names the problem and what fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The ONNX Runtime shared library could not be found or loaded.
    #[error("{0}")]
    OrtLibrary(String),
    /// A requested execution provider is not available (and `--strict-ep` was given, or no
    /// provider at all is left).
    #[error("{0}")]
    Provider(String),
    #[error("ONNX Runtime: {0}")]
    Ort(String),
    #[error("tract: {0}")]
    Tract(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{0}")]
    Mismatch(String),
}
