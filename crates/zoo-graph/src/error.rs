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
    /// An input the inference needs the values of (Reshape's target) is computed at run time:
    /// not an inconsistency of the file, only a type zoo cannot give.
    #[error("{0} is not a constant (it is computed at run time)")]
    NotConstant(String),
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
    #[error("cannot write {path}: {source} ({})", io_fix(.source))]
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

/// Where the encoder's I/O errors say they happened before the caller knows the file.
pub(crate) const STREAM: &str = "<stream>";

impl WriteError {
    /// Names `path` in an I/O error the encoder could only attribute to its output stream
    /// (it writes to any `Write`, a file's name unknown to it).
    pub(crate) fn at(self, path: &std::path::Path) -> Self {
        match self {
            WriteError::Io { path: p, source } if p.as_os_str() == STREAM => {
                WriteError::Io { path: path.to_path_buf(), source }
            }
            other => other,
        }
    }
}

/// What to do about a failed write, by its kind (every writer of zoo's says the same).
pub fn io_fix(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        StorageFull | QuotaExceeded => "free space on that disk or write to another folder",
        FileTooLarge => "the file system or a limit (`ulimit -f`) allows no file this large here: write elsewhere",
        _ => "check that the folder exists and is writable",
    }
}
