//! Typed errors: each names the file, tensor or option at fault and the fix, on one line.

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("{file}: {what} `{tensor}` {reason}")]
    Tensor { file: String, what: &'static str, tensor: String, reason: String },
    #[error("bundle name `{name}` is rejected: {reason} (choose another with --name)")]
    Name { name: String, reason: String },
    #[error("{file}: {reason}")]
    Options { file: String, reason: String },
    #[error("model repository: {path} {reason}")]
    Repository { path: String, reason: String },
    #[error("model repository: {path}: {source} ({})", zoo_graph::io_fix(.source))]
    Io { path: String, source: std::io::Error },
}
