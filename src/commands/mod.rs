//! One file per subcommand.

mod bench;
mod bundle;
mod calibrate;
/// `zoo card` (issue 11 §3): model cards, their evidence.
mod card;
mod compile;
mod diff;
/// `zoo draw`: network drawings and per-layer error plots.
mod draw;
mod export;
mod fixed_batch;
mod images;
mod inspect;
/// `zoo verify --layers` (issue 11 §1).
mod layers;
mod lint;
mod list;
mod manifests;
mod memory;
mod run;
/// Every runtime in a worker process.
pub(crate) mod runtimes;
mod sensitivity;
mod verify;
mod weights;

use std::path::Path;

use anyhow::Context;
use zoo_proto::ModelProto;

use crate::cli::Command;
pub(crate) use runtimes::DEFAULT_TIMEOUT_S;

/// The zoo/ folder for `--zoo-dir`: see [`zoo_artifacts::ZooDir::locate`]. The build-tree
/// fallback lives here, in the binary: an installed binary on another machine has no build
/// tree, and then finds `ZOO_DIR`, `./zoo` or its embedded manifests.
pub(crate) fn zoo_dir(explicit: Option<&Path>) -> zoo_artifacts::ZooDir {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo");
    zoo_artifacts::ZooDir::locate(explicit, Some(&built))
}

/// Whether a `MODEL | FILE.onnx` argument names a file (an existing file, or any `.onnx`
/// path, so that a missing file is reported as one rather than as an unknown model).
pub(crate) fn is_file_target(target: &str) -> bool {
    Path::new(target).is_file() || target.ends_with(".onnx")
}

/// `--max-memory`'s parser (see `memory.rs`).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    memory::parse_size(s)
}

/// Whether the graph is Q/DQ-quantized (has QuantizeLinear nodes): zoo's int8 files and other
/// quantizers' QDQ files alike.
pub(crate) fn is_qdq(proto: &ModelProto) -> bool {
    proto.graph.iter().flat_map(|g| &g.node).any(|n| n.op_type() == "QuantizeLinear")
}

/// Whether the graph computes in fp16: an fp16 initializer or a Cast to fp16 (zoo's fp16 files
/// and other converters' alike).
pub(crate) fn is_fp16(proto: &ModelProto) -> bool {
    let f16 = zoo_proto::tensor_proto::DataType::Float16 as i32;
    proto.graph.iter().any(|g| {
        g.initializer.iter().any(|t| t.data_type == Some(f16))
            || g.node.iter().any(|n| {
                n.op_type() == "Cast" && n.attribute.iter().any(|a| a.name() == "to" && a.i == Some(i64::from(f16)))
            })
    })
}

/// Reads and decodes an ONNX file, with the one-line errors every subcommand gives. Its external
/// data, if any, is checked (inside the model's folder, no symlinks, long enough) before any
/// runtime is handed the file (`zoo_graph::onnx_file::decode`).
pub(crate) fn read_onnx(path: &Path) -> anyhow::Result<ModelProto> {
    use zoo_graph::onnx_file::DecodeError;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    zoo_graph::onnx_file::decode(&bytes, compile::folder(path)).map_err(|e| match e {
        DecodeError::TooManyEntries(e) => anyhow::anyhow!("{}: {e}; nothing was decoded", path.display()),
        DecodeError::Protobuf(e) => anyhow::anyhow!(
            "{} is not an ONNX model (protobuf decoding failed: {e}); is the file truncated?",
            path.display()
        ),
        DecodeError::NotAModel => {
            anyhow::anyhow!("{} is not an ONNX model (it has no graph or IR version)", path.display())
        }
        e @ DecodeError::External { .. } => anyhow::anyhow!("{}: {e}", path.display()),
    })
}

/// The project's own virtualenv, where `scripts/test` installs onnxruntime (a binary built
/// elsewhere simply does not find it and searches on).
fn name_project_venv() {
    zoo_runtime::set_project_venv(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
}

pub fn run(command: Command) -> anyhow::Result<()> {
    name_project_venv();
    match command {
        Command::List { json } => list::run(json),
        Command::Export(args) => export::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Manifests(args) => manifests::run(&args),
        Command::Weights(args) => weights::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Bundle(crate::cli::BundleCommand::Triton(args)) => bundle::triton(&args),
        Command::Run(args) => run::run(&args),
        Command::Card(args) => card::run(&args),
        Command::Draw(args) => draw::run(&args),
    }
}
