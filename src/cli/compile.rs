//! `zoo export`, `zoo weights`, `zoo compile`, and the pass options they share.

use std::path::PathBuf;

use clap::Args;
use zoo_pipeline::{CalibrationMethod, Int8Options, Int8Scheme, Io, PassOptions, Precision};

use super::passes::PassFlags;
use super::{BatchArg, BuildArgs, LintTarget, ZooArg, percent, positive};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model family, e.g. `alexnet`.
    pub model: String,
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub batch: BatchArg,
    /// Seed of the reference weights.
    #[arg(long, default_value_t = 0, conflicts_with = "weights")]
    pub seed: u64,
    /// Take the weights from a safetensors file (tensors bound by parameter name).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    #[command(flatten)]
    pub zoo: ZooArg,
    /// Output file (default: <model>-<variant>-opset<N>.onnx, `-optimized` before the
    /// extension with --optimize).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub passes: PassArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Lint the graph for these stacks before writing (`zoo lint`'s rules): an error writes
    /// nothing, warnings are shown.
    #[arg(long, value_delimiter = ',')]
    pub target: Vec<LintTarget>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WeightsArgs {
    /// Model family, e.g. `alexnet`.
    pub model: String,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Seed of the reference weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (default: <model>-<variant>-seed<S>.safetensors).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The ONNX file to compile.
    pub input: PathBuf,
    /// The compiled file (must differ from the input).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub passes: PassArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Where the weights go.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// Keep tensors of --external-threshold bytes or more in one side file, `<output>.data`,
    /// at 4 KiB-aligned offsets (mmap-able; required past protobuf's 2 GiB limit).
    #[arg(long)]
    pub external_data: bool,
    /// With --external-data: the smallest tensor, in bytes, that goes to the side file.
    #[arg(long, default_value_t = 1024, requires = "external_data", value_name = "BYTES")]
    pub external_threshold: usize,
}

impl DataArgs {
    pub fn external(&self) -> Option<usize> {
        self.external_data.then_some(self.external_threshold)
    }
}

/// Which compiler passes to apply.
#[derive(Debug, Args, Clone)]
pub struct PassArgs {
    /// `--optimize` and the registry's other flags.
    #[command(flatten)]
    pub flags: PassFlags,
    /// Precision of the weights and the computation: `fp32` (as exported), `fp16`, or `int8`
    /// (static QDQ quantization, calibrated; implies --optimize).
    #[arg(long, default_value = "fp32")]
    pub precision: Precision,
    /// Type of the graph's inputs and outputs with --precision fp16: `fp32` (a Cast at each
    /// edge) or `fp16`.
    #[arg(long, default_value = "fp32")]
    pub io: Io,
    #[command(flatten)]
    pub int8: Int8Args,
}

impl PassArgs {
    pub fn options(&self) -> PassOptions {
        PassOptions { flags: self.flags.0.clone(), precision: self.precision, io: self.io, int8: self.int8.options() }
    }
}

/// How `--precision int8` quantizes and calibrates.
#[derive(Debug, Args, Clone)]
pub struct Int8Args {
    /// int8 scheme: `u8s8` (uint8 activations: AVX2 and older x86), `s8s8` (VNNI, ARM),
    /// `tensorrt` (symmetric, zero points 0), or `auto` (chosen from this CPU, stated in the
    /// output).
    #[arg(long = "int8", default_value = "auto")]
    pub scheme: Int8Scheme,
    /// Calibrate on N seeded inputs (zero mean, unit variance: the statistics of a normalised
    /// image, drawn from a stream other than the golden input's).
    #[arg(long, default_value_t = 16, value_parser = positive, value_name = "N")]
    pub calibrate: usize,
    /// Calibrate on the `input_*.pb` tensors (ONNX test-data format) and PNG/JPEG images in
    /// DIR instead (images prepared as the model's `preprocess.*` metadata says: torchvision's
    /// resize 256, centre crop, normalise).
    #[arg(long, value_name = "DIR", conflicts_with = "calibrate")]
    pub calibration: Option<PathBuf>,
    /// Take the activation ranges from a table `--save-calibration` wrote instead of
    /// calibrating: the int8 file is then byte-identical on every machine (calibration runs
    /// ONNX Runtime's fp32 kernels, whose rounding differs between CPU families).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["calibrate", "calibration"])]
    pub calibration_table: Option<PathBuf>,
    /// Write the activation ranges used to FILE (JSON), for --calibration-table.
    #[arg(long, value_name = "FILE")]
    pub save_calibration: Option<PathBuf>,
    /// How activation ranges are chosen: `minmax` or `percentile`.
    #[arg(long, default_value = "percentile")]
    pub calibration_method: CalibrationMethod,
    /// With --calibration-method percentile: the share of values kept, in percent.
    #[arg(long, default_value_t = 99.99, value_parser = percent)]
    pub percentile: f64,
    /// Shape to calibrate with for an input whose dimensions past the batch the file leaves
    /// symbolic: NAME=DIMS, e.g. `x=1,3,224,224` (its first dimension is the calibration batch)
    #[arg(long = "shape", value_name = "NAME=DIMS")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
}

impl Int8Args {
    pub fn options(&self) -> Int8Options {
        Int8Options {
            scheme: self.scheme,
            calibrate: self.calibrate,
            calibration: self.calibration.clone(),
            calibration_table: self.calibration_table.clone(),
            save_calibration: self.save_calibration.clone(),
            method: self.calibration_method,
            percentile: self.percentile,
            shapes: self.shapes.clone(),
        }
    }
}
