//! The command line: `zoo list`, `zoo export`, `zoo inspect`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use zoo_graph::{Batch, Opset};

#[derive(Debug, Parser)]
#[command(
    name = "zoo",
    version,
    about = "Exact, reproducible ONNX files for the classic CNNs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the models and variants zoo builds, with their parameter and MAC counts.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Build a model with reference weights and write it as an ONNX file.
    Export(ExportArgs),
    /// Per-layer table of a zoo model or of any ONNX file.
    Inspect(InspectArgs),
}

/// Options that shape a model's graph.
#[derive(Debug, Args, Clone)]
pub struct BuildArgs {
    /// Variant of the model (default: the family's first; see `zoo list`).
    #[arg(long)]
    pub variant: Option<String>,
    /// Units of the last layer.
    #[arg(long, default_value_t = 1000, value_parser = positive)]
    pub num_classes: usize,
    /// Batch dimension: a number, or `dynamic` for a symbolic `N`.
    #[arg(long, default_value = "dynamic", value_parser = parse_batch)]
    pub batch: Batch,
    /// ONNX opset, 13 through 21.
    #[arg(long, default_value_t = 17, value_parser = parse_opset)]
    pub opset: i64,
    /// End with a softmax (default: per variant, see `zoo list`).
    #[arg(long, overrides_with = "no_softmax")]
    pub softmax: bool,
    /// End with logits.
    #[arg(long, overrides_with = "softmax")]
    pub no_softmax: bool,
}

impl BuildArgs {
    pub fn options(&self) -> zoo_models::Options {
        zoo_models::Options {
            num_classes: self.num_classes,
            batch: self.batch,
            opset: Opset::new(self.opset).unwrap_or_default(),
            softmax: match (self.softmax, self.no_softmax) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model family, e.g. `alexnet`.
    pub model: String,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Seed of the reference weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (default: <model>-<variant>-opset<N>.onnx).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A model family (`alexnet`) or an ONNX file.
    pub target: String,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a positive integer")),
    }
}

fn parse_batch(s: &str) -> Result<Batch, String> {
    if s == "dynamic" {
        return Ok(Batch::Dynamic);
    }
    positive(s)
        .map(Batch::Fixed)
        .map_err(|e| format!("{e} (or `dynamic`)"))
}

fn parse_opset(s: &str) -> Result<i64, String> {
    let v: i64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    Opset::new(v)
        .map(|o| o.version())
        .map_err(|e| e.to_string())
}
