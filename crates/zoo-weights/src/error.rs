//! Typed errors: each names the file and what is wrong with it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid safetensors file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path} lacks {count} tensor(s) the model needs: {names}")]
    Missing { path: PathBuf, count: usize, names: String },
    #[error("{path} has {count} tensor(s) the model does not use: {names} (is it for another model or variant?)")]
    Extra { path: PathBuf, count: usize, names: String },
    #[error("{path}: tensor `{name}` has shape {got:?}, the model needs {expected:?}")]
    Shape { path: PathBuf, name: String, expected: Vec<usize>, got: Vec<usize> },
    #[error("{path}: tensor `{name}` is {dtype}; zoo reads F32, F16 and BF16")]
    Dtype { path: PathBuf, name: String, dtype: String },
    #[error("{path} is not a readable PyTorch checkpoint: {reason}")]
    Checkpoint { path: PathBuf, reason: String },
    #[error(
        "{path}: refused {what} at byte {offset} of {part}: zoo reads state_dicts (names → tensors) and never \
         runs code from a pickle (a checkpoint of a whole model object must be re-saved as its state_dict)"
    )]
    Forbidden { path: PathBuf, part: String, offset: usize, what: String },
    #[error(
        "{path}: its name says its SHA-256 starts with {prefix}, but the file's SHA-256 is {sha256}: \
         the file is corrupt, truncated or not the published one"
    )]
    PublishedName { path: PathBuf, prefix: String, sha256: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}
