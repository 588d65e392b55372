//! One file per subcommand.

mod bench;
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

use crate::cli::Command;

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::List { json } => list::run(json),
        Command::Export(args) => export::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Manifests(args) => manifests::run(&args),
        Command::Weights(args) => weights::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Run(args) => run::run(&args),
    }
}
