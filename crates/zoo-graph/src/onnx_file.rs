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
        let numel: i64 = t.dims.iter().product();
        // A type zoo does not know expects 0 bytes, which any real length then contradicts.
        let size = t.data_type.and_then(DType::from_onnx).map_or(0, |d| d.size() as i64);
        let expected = u64::try_from(numel.saturating_mul(size)).unwrap_or(0);
        external::resolve(t, dir, expected)
            .map_err(|reason| DecodeError::External { name: name.to_string(), reason })?;
    }
    Ok(model)
}
