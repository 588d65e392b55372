use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("no manifest for {model}/{variant} in {dir} (run `zoo manifests --write` to create it)")]
    NoManifest { model: String, variant: String, dir: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{path} is not a valid manifest: {reason}")]
    Parse { path: PathBuf, reason: String },
    /// A file's or derived artefact's SHA-256 differs from the manifest's.
    #[error("checksum mismatch: {what} has SHA-256 {actual}, {manifest} records {expected}{hint}")]
    Checksum { what: String, actual: String, expected: String, manifest: String, hint: &'static str },
}
