//! The command line: one file per group of subcommands, the options they share here.

mod bundle;
mod compile;
mod inspect;
mod passes;
mod run;
mod verify;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use zoo_graph::{Batch, Opset};

pub use bundle::{BundleCommand, TritonArgs, TritonKind, TrtPrecisionArg};
pub use compile::{CompileArgs, ExportArgs, PassArgs, WeightsArgs};
pub use inspect::{DiffArgs, DrawArgs, InspectArgs, LintArgs, LintTarget};
pub use run::{BenchArgs, OrtArgs, OvArgs, RunArgs};
pub use verify::{CardArgs, ManifestsArgs, VerifyArgs};

#[derive(Debug, Parser)]
#[command(name = "zoo", version, about = "Exact, reproducible ONNX files for the classic CNNs")]
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
    /// Run a model on every available runtime and compare with the golden data and each other.
    Verify(VerifyArgs),
    /// Re-derive every manifest, checksum and golden output in zoo/ and compare (or --write).
    Manifests(ManifestsArgs),
    /// Save a model's reference weights as safetensors (for `export --weights`).
    Weights(WeightsArgs),
    /// Latency and throughput of a model on one or more runtimes, each against the first.
    Bench(BenchArgs),
    /// Rewrite an ONNX file with the compiler's passes (zoo's own files or other exporters').
    Compile(CompileArgs),
    /// Offline checks of what a target stack will refuse in a file, or do differently.
    Lint(LintArgs),
    /// Two ONNX files side by side: layers aligned, weights and outputs compared.
    Diff(DiffArgs),
    /// Put a model into a serving stack's layout (`zoo bundle triton …`).
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Run an ONNX file on TensorProto inputs (`input_0.pb` …) and write `output_0.pb` ….
    Run(RunArgs),
    /// A variant's model card (Markdown): sources, disagreements, layers, checksums, evidence;
    /// `--record` measures the evidence, `--check-evidence` re-checks it here.
    Card(CardArgs),
    /// An SVG drawing of a network (a zoo model or any ONNX file), or with --errors a plot of
    /// `zoo verify --layers --json`'s per-layer errors.
    Draw(DrawArgs),
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
    /// ONNX opset, 13 through 21.
    #[arg(long, default_value_t = 17, value_parser = parse_opset)]
    pub opset: i64,
    /// End with a softmax (default: per variant, see `zoo list`).
    #[arg(long, overrides_with = "no_softmax")]
    pub softmax: bool,
    /// End with logits.
    #[arg(long, overrides_with = "softmax")]
    pub no_softmax: bool,
    /// Prepend the variant's input normalisation: the graph then takes raw 0–255 pixels.
    #[arg(long)]
    pub with_preprocess: bool,
}

impl BuildArgs {
    pub fn options(&self, batch: Batch) -> zoo_models::Options {
        zoo_models::Options {
            num_classes: self.num_classes,
            batch,
            opset: Opset::new(self.opset).unwrap_or_default(),
            softmax: match (self.softmax, self.no_softmax) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            with_preprocess: self.with_preprocess,
        }
    }
}

/// The graph's batch dimension.
#[derive(Debug, Args, Clone)]
pub struct BatchArg {
    /// Batch dimension: a number, or `dynamic` for a symbolic `N`.
    #[arg(long = "batch", default_value = "dynamic", value_parser = parse_batch)]
    pub value: Batch,
}

#[derive(Debug, Args, Clone)]
pub struct ZooArg {
    /// The zoo/ folder of manifests and golden data (default: ZOO_DIR, ./zoo, or the one
    /// this binary was built from).
    #[arg(long, value_name = "DIR")]
    pub zoo_dir: Option<PathBuf>,
}

/// The default of `--peak-gflops`: the fp32 peak of the 2-vCPU AVX-512 machine
/// docs/performance.md measures on.
pub const PEAK_GFLOPS: f64 = 208.0;

fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t.is_finite() && t <= 1e7 => Ok(t),
        Ok(_) => Err("must be a positive number of seconds".into()),
        Err(_) => Err(format!("`{s}` is not a number of seconds")),
    }
}

fn percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 100.0 => Ok(p),
        Ok(_) => Err("must be above 0 and at most 100".into()),
        Err(_) => Err(format!("`{s}` is not a number")),
    }
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
    positive(s).map(Batch::Fixed).map_err(|e| format!("{e} (or `dynamic`)"))
}

fn parse_opset(s: &str) -> Result<i64, String> {
    let v: i64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    Opset::new(v).map(|o| o.version()).map_err(|e| e.to_string())
}

/// `--max-memory`'s parser (see `zoo_pipeline::memory`).
fn parse_size(s: &str) -> Result<u64, String> {
    zoo_pipeline::memory::parse_size(s)
}
