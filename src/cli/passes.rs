//! The pass flags (`--optimize` …), one per entry of `zoo_graph::passes::SELECTABLE`: a pass
//! added there is an option of `export`, `compile` and `bundle` without a line here.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use zoo_graph::passes::SELECTABLE;

/// The registry flags given, in the registry's order.
#[derive(Debug, Clone, Default)]
pub struct PassFlags(pub Vec<&'static str>);

impl FromArgMatches for PassFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let given = |flag: &str| m.try_get_one::<bool>(flag).ok().flatten().copied().unwrap_or(false);
        Ok(PassFlags(SELECTABLE.iter().map(|s| s.flag).filter(|f| given(f)).collect()))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for PassFlags {
    fn augment_args(cmd: Command) -> Command {
        SELECTABLE
            .iter()
            .fold(cmd, |cmd, s| cmd.arg(Arg::new(s.flag).long(s.flag).action(ArgAction::SetTrue).help(s.help)))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}
