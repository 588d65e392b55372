//! One file per subcommand.

mod export;
mod inspect;
mod list;

use crate::cli::Command;

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::List { json } => list::run(json),
        Command::Export(args) => export::run(&args),
        Command::Inspect(args) => inspect::run(&args),
    }
}
