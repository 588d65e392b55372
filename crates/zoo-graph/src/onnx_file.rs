//! A stranger's `.onnx` bytes, decoded with the checks every subcommand that reads a model
//! applies (`inspect`, `verify`, `lint`, `diff`, `run`, `bench`, `bundle`): the graph's entries
//! counted before anything is decoded ([`crate::wire_limits`]), a graph and an IR version
//! present, and every external tensor confined to the model's folder
//! ([`crate::ir::external::resolve`]). It lives here rather than in the binary so that the
//! fuzz target `onnx_inspect` runs exactly this code on the bytes it is given; the binary only
//! adds the file's path to the messages.

use std::path::Path;

use prost::Message;
use zoo_proto::ModelProto;

use crate::ir::external;
use crate::tensor::DType;

/// Why a file is not a model zoo reads; the binary puts the file's path in front.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Past [`crate::wire_limits::MAX_ENTRIES`]: refused before decoding.
    #[error("{0}")]
    TooManyEntries(String),
    #[error("protobuf decoding failed: {0}")]
    Protobuf(#[from] prost::DecodeError),
    #[error("it has no graph or IR version")]
    NotAModel,
    #[error("initializer `{name}`: {reason}")]
    External { name: String, reason: String },
}

/// Decodes a serialized `ModelProto` whose external data, if any, lives in `dir`.
pub fn decode(bytes: &[u8], dir: &Path) -> Result<ModelProto, DecodeError> {
    crate::wire_limits::check(bytes).map_err(DecodeError::TooManyEntries)?;
    let model = ModelProto::decode(bytes)?;
    if model.graph.is_none() || model.ir_version.is_none() {
        return Err(DecodeError::NotAModel);
    }
    for t in model.graph.iter().flat_map(|g| &g.initializer).filter(|t| external::is_external(t)) {
        let name = t.name.as_deref().unwrap_or_default();
        let fail = |reason: String| DecodeError::External { name: name.to_string(), reason };
        // A type zoo does not know expects 0 bytes, which any real length then contradicts.
        let size = t.data_type.and_then(DType::from_onnx).map_or(0, |d| d.size() as u64);
        // Checked: a product that wrapped could come out as the length the file claims.
        let expected = t
            .dims
            .iter()
            .try_fold(size, |n, &d| u64::try_from(d).ok().and_then(|d| n.checked_mul(d)))
            .ok_or_else(|| fail(format!("dims {:?} are negative or hold more than 2^64 bytes", t.dims)))?;
        external::resolve(t, dir, expected).map_err(fail)?;
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `cargo fuzz run onnx_inspect`: an external tensor whose dims multiply past
    /// i64 (a panic with overflow checks; wrapped, the product could match the claimed length).
    #[test]
    fn external_dims_that_overflow_are_refused() {
        let bytes = include_bytes!("../tests/fuzz/onnx_inspect-external-dims-overflow.onnx");
        // The folder the fuzz target gives it: the file's first external tensor is fine there.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.data"), [0u8; 8192]).unwrap();
        let e = decode(bytes, dir.path()).unwrap_err().to_string();
        assert!(e.contains("are negative or hold more than 2^64 bytes"), "{e}");
    }
}
