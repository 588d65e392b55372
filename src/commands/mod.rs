//! One file per subcommand.

mod bench;
mod compile;
mod export;
mod fixed_batch;
mod inspect;
/// `zoo verify --layers` (issue 11 §1).
mod layers;
mod list;
mod manifests;
mod run;
mod verify;
mod weights;

use std::path::Path;

use anyhow::Context;
use zoo_proto::{Message, ModelProto};

use crate::cli::Command;

/// Reads and decodes an ONNX file, with the one-line errors every subcommand gives.
pub(crate) fn read_onnx(path: &Path) -> anyhow::Result<ModelProto> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    ModelProto::decode(bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("{} is not an ONNX model (protobuf decoding failed: {e})", path.display()))
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::List { json } => list::run(json),
        Command::Export(args) => export::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Manifests(args) => manifests::run(&args),
        Command::Weights(args) => weights::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Run(args) => run::run(&args),
    }
}
