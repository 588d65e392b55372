//! `zoo inspect`, `zoo draw`, `zoo diff`, `zoo lint`: reading files, running little.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{BatchArg, BuildArgs, OrtArgs, PEAK_GFLOPS, positive};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A model family (`alexnet`) or an ONNX file.
    pub target: String,
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub batch: BatchArg,
    /// Add each layer's arithmetic intensity and roofline time estimate, and whether memory or
    /// compute bounds it (Williams et al. 2009).
    #[arg(long)]
    pub roofline: bool,
    /// With --roofline: the batch the estimate is for.
    #[arg(long, default_value_t = 1, value_parser = positive, requires = "roofline")]
    pub roofline_batch: usize,
    /// With --roofline: the machine's fp32 peak in GFLOP/s (default: 208, the 2-vCPU AVX-512
    /// machine whose figures docs/performance.md gives; `zoo bench` shows what a model reaches).
    #[arg(long, default_value_t = PEAK_GFLOPS, requires = "roofline")]
    pub peak_gflops: f64,
    /// With --roofline: memory bandwidth in GB/s (default: measured now, a 256 MiB copy).
    #[arg(long, requires = "roofline")]
    pub bandwidth_gbs: Option<f64>,
    /// Concrete dimensions for an input the file leaves symbolic, counted as a run at that
    /// shape: NAME=DIMS, e.g. `x=1,3,224,224` (repeatable).
    #[arg(long = "shape", value_name = "NAME=DIMS")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// A model family (`resnet50`, built with the build options) or an ONNX file; omit with --errors.
    #[arg(required_unless_present = "errors", conflicts_with = "errors")]
    pub target: Option<String>,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Plot the per-layer errors of a `zoo verify --layers --json` report (or of a variant's
    /// evidence.json) instead.
    #[arg(long, value_name = "LAYERS.json")]
    pub errors: Option<PathBuf>,
    /// Concrete dimensions for an input the file leaves symbolic: NAME=DIMS (repeatable).
    #[arg(long = "shape", value_name = "NAME=DIMS", conflicts_with = "errors")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
    /// The SVG file to write (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
    /// Absolute tolerance for the outputs.
    #[arg(long, default_value_t = 1e-4)]
    pub atol: f64,
    /// Relative tolerance for the outputs.
    #[arg(long, default_value_t = 1e-3)]
    pub rtol: f64,
    #[command(flatten)]
    pub ort: OrtArgs,
    /// Shape for an input whose dimensions past the batch the files leave symbolic:
    /// NAME=DIMS, e.g. `x=1,3,224,224` (repeatable).
    #[arg(long = "shape", value_name = "NAME=DIMS")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The ONNX file to check.
    pub file: PathBuf,
    /// Target stacks, comma-separated: `tensorrt`, `onnxruntime`, `openvino`, `tract`, `triton`,
    /// or `all`.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub target: Vec<LintTarget>,
    /// Concrete dimensions for an input the file leaves symbolic, for the suggested commands:
    /// NAME=DIMS, e.g. `x=1,3,224,224` (repeatable).
    #[arg(long = "shape", value_name = "NAME=DIMS")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// A stack `zoo lint` checks for (`zoo_ship::lint`'s target names), or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintTarget {
    #[value(name = "tensorrt")]
    Tensorrt,
    #[value(name = "onnxruntime")]
    Onnxruntime,
    #[value(name = "openvino")]
    Openvino,
    #[value(name = "tract")]
    Tract,
    #[value(name = "triton")]
    Triton,
    #[value(name = "all")]
    All,
}

impl LintTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            LintTarget::Tensorrt => "tensorrt",
            LintTarget::Onnxruntime => "onnxruntime",
            LintTarget::Openvino => "openvino",
            LintTarget::Tract => "tract",
            LintTarget::Triton => "triton",
            LintTarget::All => "all",
        }
    }
}
