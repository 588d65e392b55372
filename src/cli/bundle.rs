//! `zoo bundle triton`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{BatchArg, BuildArgs, PassArgs};

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Add a model to a Triton Inference Server model repository: REPO/<name>/config.pbtxt and
    /// REPO/<name>/<version>/model.onnx (a changed file becomes a new version; an identical one
    /// changes nothing).
    Triton(TritonArgs),
}

#[derive(Debug, Args)]
pub struct TritonArgs {
    /// A model family (`resnet50`, exported with the build options) or an ONNX file.
    pub target: String,
    /// The model repository folder (created if missing; must hold only model folders).
    #[arg(short, long, value_name = "REPO")]
    pub output: PathBuf,
    /// The model's name in the repository (default: <model>-<variant>, or the file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// Triton's max_batch_size (default 8 for a dynamic-batch file, 0 for a fixed one).
    #[arg(long)]
    pub max_batch_size: Option<u32>,
    /// Model instances per device.
    #[arg(long, default_value_t = 1)]
    pub instances: u32,
    /// Where the instances run: `cpu` or `gpu`.
    #[arg(long, default_value = "cpu")]
    pub kind: TritonKind,
    /// GPU bundles: run through ONNX Runtime's TensorRT accelerator.
    #[arg(long)]
    pub tensorrt: bool,
    /// TensorRT precision: `fp32`, `fp16` or `int8`.
    #[arg(long, default_value = "fp32", requires = "tensorrt")]
    pub trt_precision: TrtPrecisionArg,
    /// Class names, one per line, as the model folder's labels.txt for Triton's classification
    /// extension (default: ImageNet-1k's, torchvision's order, for a 1000-class output).
    #[arg(long, value_name = "FILE", conflicts_with = "no_labels")]
    pub labels: Option<PathBuf>,
    /// No labels file, also for a 1000-class output.
    #[arg(long)]
    pub no_labels: bool,
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub batch: BatchArg,
    #[command(flatten)]
    pub passes: PassArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Triton's instance kind (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TritonKind {
    #[value(name = "cpu")]
    Cpu,
    #[value(name = "gpu")]
    Gpu,
}

/// TensorRT's precision in a Triton bundle (`--trt-precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrtPrecisionArg {
    #[value(name = "fp32")]
    Fp32,
    #[value(name = "fp16")]
    Fp16,
    #[value(name = "int8")]
    Int8,
}
