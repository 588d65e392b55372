//! Typed errors of the graph builder, the shape inference and the serializer.

use std::path::PathBuf;

/// Why an op cannot be applied to its inputs (shape, attribute or arity problems).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("expects {expected} inputs, got {got}")]
    Arity { expected: String, got: usize },
    #[error("expects a rank-{expected} input, got shape {shape}")]
    Rank { expected: usize, shape: String },
    #[error("{what}: kernel {kernel} (dilated) is larger than the padded input {padded}")]
    KernelTooLarge { what: String, kernel: usize, padded: usize },
    #[error("{channels} channels are not divisible by {groups} groups")]
    Groups { channels: usize, groups: usize },
    #[error("{0}")]
    Mismatch(String),
    #[error("attribute `{name}`: {reason}")]
    Attribute { name: String, reason: String },
}

/// Errors of the graph builder: every one names the layer it comes from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("layer `{layer}` ({op}): {source}")]
    Layer {
        layer: String,
        op: &'static str,
        #[source]
        source: ShapeError,
    },
    #[error("name `{0}` is used twice in the graph")]
    DuplicateName(String),
    #[error("opset {0} is not supported: zoo emits opsets 13 through 21")]
    Opset(i64),
    #[error("invalid option: {0}")]
    Option(String),
}

/// Errors while producing weights for a parameter.
#[derive(Debug, thiserror::Error)]
pub enum WeightError {
    #[error("weights for `{name}`: {reason}")]
    Param { name: String, reason: String },
}

/// Errors while writing an ONNX file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source} (check that the folder exists and is writable)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Weights(#[from] WeightError),
    /// What was written did not pass the caller's check (e.g. a manifest's checksum).
    #[error("{0}")]
    Rejected(String),
    #[error(
        "the model would be {bytes} bytes, above protobuf's 2 GiB limit: write its weights to a side file with --external-data"
    )]
    TooLarge { bytes: u64 },
    #[error("graph has no parameter list entry for initializer `{0}` (internal inconsistency)")]
    Inconsistent(String),
}
