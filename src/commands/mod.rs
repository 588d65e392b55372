//! One file per subcommand: each parses nothing (clap did) and computes little (the engine,
//! `zoo_pipeline`, does); it calls the engine and renders what comes back.

mod bench;
mod bundle;
/// `zoo card` (issue 11 §3): model cards, their evidence.
mod card;
mod compile;
mod diff;
/// `zoo draw`: network drawings and per-layer error plots.
mod draw;
mod export;
mod inspect;
/// `zoo verify --layers`' report (issue 11 §1).
mod layers;
mod lint;
mod list;
mod manifests;
mod run;
mod verify;
mod weights;

use std::path::Path;

use crate::cli::Command;
pub(crate) use zoo_pipeline::onnx::{is_file_target, is_qdq, read_onnx};

/// The zoo/ folder for `--zoo-dir`: see [`zoo_artifacts::ZooDir::locate`]. The build-tree
/// fallback lives here, in the binary: an installed binary on another machine has no build
/// tree, and then finds `ZOO_DIR`, `./zoo` or its embedded manifests.
pub(crate) fn zoo_dir(explicit: Option<&Path>) -> zoo_artifacts::ZooDir {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo");
    zoo_artifacts::ZooDir::locate(explicit, Some(&built))
}

/// The project's own virtualenv, where `scripts/test` installs onnxruntime (a binary built
/// elsewhere simply does not find it and searches on).
pub(crate) fn name_project_venv() {
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
