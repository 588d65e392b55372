//! The command line: `zoo list`, `zoo export`, `zoo inspect`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use zoo_graph::{Batch, Opset};

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
    /// Latency and throughput of a model on one runtime.
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
    #[arg(long, value_delimiter = ',', value_parser = ["tensorrt", "onnxruntime", "openvino", "tract", "triton", "all"])]
    pub target: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
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
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = ["tensorrt", "onnxruntime", "openvino", "tract", "triton", "all"])]
    pub target: Vec<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

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
    #[arg(long, default_value = "cpu", value_parser = ["cpu", "gpu"])]
    pub kind: String,
    /// GPU bundles: run through ONNX Runtime's TensorRT accelerator.
    #[arg(long)]
    pub tensorrt: bool,
    /// TensorRT precision: `fp32`, `fp16` or `int8`.
    #[arg(long, default_value = "fp32", value_parser = ["fp32", "fp16", "int8"], requires = "tensorrt")]
    pub trt_precision: String,
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
    /// Remove Dropout and Identity and fold BatchNorm into the Conv or Gemm before it, where
    /// that is exact (what torch.onnx.export does to an eval-mode model).
    #[arg(long)]
    pub optimize: bool,
    /// Precision of the weights and the computation: `fp32` (as exported), `fp16`, or `int8`
    /// (static QDQ quantization, calibrated; implies --optimize).
    #[arg(long, default_value = "fp32", value_parser = ["fp32", "fp16", "int8"])]
    pub precision: String,
    /// Type of the graph's inputs and outputs with --precision fp16: `fp32` (a Cast at each
    /// edge) or `fp16`.
    #[arg(long, default_value = "fp32", value_parser = ["fp32", "fp16"])]
    pub io: String,
    #[command(flatten)]
    pub int8: Int8Args,
}

/// How `--precision int8` quantizes and calibrates.
#[derive(Debug, Args, Clone)]
pub struct Int8Args {
    /// int8 scheme: `u8s8` (uint8 activations: AVX2 and older x86), `s8s8` (VNNI, ARM),
    /// `tensorrt` (symmetric, zero points 0), or `auto` (chosen from this CPU, stated in the
    /// output).
    #[arg(long = "int8", default_value = "auto", value_parser = ["auto", "u8s8", "s8s8", "tensorrt"])]
    pub scheme: String,
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
    #[arg(long, default_value = "percentile", value_parser = ["minmax", "percentile"])]
    pub calibration_method: String,
    /// With --calibration-method percentile: the share of values kept, in percent.
    #[arg(long, default_value_t = 99.99, value_parser = percent)]
    pub percentile: f64,
}

impl Default for Int8Args {
    fn default() -> Self {
        Int8Args {
            scheme: "auto".into(),
            calibrate: 16,
            calibration: None,
            calibration_table: None,
            save_calibration: None,
            calibration_method: "percentile".into(),
            percentile: 99.99,
        }
    }
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
    /// machine measured in docs/performance.md; `zoo bench` shows what a model reaches).
    #[arg(long, default_value_t = 208.0, requires = "roofline")]
    pub peak_gflops: f64,
    /// With --roofline: memory bandwidth in GB/s (default: measured now, a 256 MiB copy).
    #[arg(long, requires = "roofline")]
    pub bandwidth_gbs: Option<f64>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
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

/// How ONNX Runtime runs.
#[derive(Debug, Args, Clone)]
pub struct OrtArgs {
    /// ONNX Runtime execution providers in priority order: `tensorrt,cuda,cpu`.
    #[arg(long, value_delimiter = ',', default_value = "cpu")]
    pub ep: Vec<zoo_runtime::onnxruntime::Provider>,
    /// An unavailable execution provider is an error instead of a skipped one.
    #[arg(long)]
    pub strict_ep: bool,
    /// The ONNX Runtime shared library (default: ORT_DYLIB_PATH, the project's .venv, python3's onnxruntime).
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
    /// Intra-op threads (default: the machine's cores, at most 8).
    #[arg(long, value_parser = positive)]
    pub threads: Option<usize>,
    /// TensorRT: build fp16 engines.
    #[arg(long)]
    pub trt_fp16: bool,
    /// TensorRT: build int8 engines from a Q/DQ file's own scales (implied for a file with
    /// QuantizeLinear nodes).
    #[arg(long)]
    pub trt_int8: bool,
    /// TensorRT: cache built engines in DIR (first builds take minutes).
    #[arg(long, value_name = "DIR")]
    pub trt_cache: Option<PathBuf>,
}

/// How OpenVINO runs (its threads are `--threads`, like ONNX Runtime's).
#[derive(Debug, Args, Clone)]
pub struct OvArgs {
    /// OpenVINO's C API library, `libopenvino_c.so.*` (default: OPENVINO_LIB_PATH, the
    /// project's .venv, python3's openvino).
    #[arg(long, value_name = "PATH")]
    pub ov_lib: Option<PathBuf>,
}

impl OvArgs {
    /// f32 unless a benchmark asks otherwise: verification compares f32 with f32.
    pub fn ov_options(
        &self,
        ort: &OrtArgs,
        precision: zoo_runtime::openvino::Precision,
    ) -> zoo_runtime::openvino::OvOptions {
        zoo_runtime::openvino::OvOptions { library: self.ov_lib.clone(), precision, threads: ort.threads }
    }
}

impl OrtArgs {
    /// [`OrtArgs::ort_options`] for a file that is Q/DQ-quantized or not
    /// ([`crate::commands::is_qdq`]): TensorRT builds such a file's int8 engines from its own
    /// scales, so `--trt-int8` is implied for it.
    pub fn ort_options_for(&self, profile: bool, qdq: bool) -> zoo_runtime::onnxruntime::OrtOptions {
        let mut o = self.ort_options(profile);
        o.trt_int8 |= qdq;
        o
    }

    pub fn ort_options(&self, profile: bool) -> zoo_runtime::onnxruntime::OrtOptions {
        zoo_runtime::onnxruntime::OrtOptions {
            library: self.ort_lib.clone(),
            providers: self.ep.clone(),
            strict: self.strict_ep,
            threads: self.threads,
            trt_fp16: self.trt_fp16,
            trt_int8: self.trt_int8,
            trt_engine_cache: self.trt_cache.clone(),
            profile,
            optimize: true,
            save_optimized: None,
        }
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A model family (`alexnet`) or an ONNX file; omit with --all.
    #[arg(required_unless_present = "all")]
    pub target: Option<String>,
    /// Every model and variant in the zoo, checksums included.
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Batch sizes to run, comma-separated (default: the golden set's 2).
    #[arg(long, value_delimiter = ',', value_parser = positive)]
    pub batch: Vec<usize>,
    /// Runtimes, comma-separated: `ort`, `tract`, `openvino` (one whose library is missing is
    /// skipped with the reason).
    #[arg(long, value_delimiter = ',', default_value = "ort,tract,openvino", value_parser = ["ort", "tract", "openvino"])]
    pub runtime: Vec<String>,
    #[command(flatten)]
    pub ort: OrtArgs,
    #[command(flatten)]
    pub ov: OvArgs,
    /// Seconds each runtime may take to load the file and to run one batch; past it the runtime
    /// is reported as timed out (and not used again) and the others go on.
    #[arg(long, default_value_t = crate::commands::DEFAULT_TIMEOUT_S, value_parser = seconds)]
    pub timeout: f64,
    /// Refuse a run whose floor (weights + batch × (input + peak live activations)) exceeds
    /// this: `8G`, `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = crate::commands::parse_size)]
    pub max_memory: Option<u64>,
    /// Absolute tolerance (default: the manifest's).
    #[arg(long)]
    pub atol: Option<f64>,
    /// Relative tolerance (default: the manifest's).
    #[arg(long)]
    pub rtol: Option<f64>,
    #[command(flatten)]
    pub zoo: ZooArg,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Compare every intermediate value, layer by layer, instead of the outputs only.
    #[arg(long, conflicts_with = "all")]
    pub layers: bool,
    /// Also compare against this (fp32) file run by ONNX Runtime on the same inputs: its
    /// outputs (a compiled file's reference), or with --layers its values of the same names.
    #[arg(long, conflicts_with = "all")]
    pub reference: Option<PathBuf>,
    /// With --layers: values marked as outputs per session run (bounds memory).
    #[arg(long, default_value_t = 8, value_parser = positive, requires = "layers")]
    pub slice: usize,
    /// Feed the `input_*.pb` tensors and PNG/JPEG images of DIR (images prepared as the file's
    /// `preprocess.*` metadata says) instead of the golden input, as one batch; with
    /// --reference, the top-1/top-5 columns are the agreement with it on those inputs.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["all", "layers"])]
    pub inputs: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// Regenerate the manifests and golden data instead of checking them.
    #[arg(long)]
    pub write: bool,
    /// Only this model (default: all).
    pub model: Option<String>,
    /// Only this variant.
    #[arg(long)]
    pub variant: Option<String>,
    #[command(flatten)]
    pub zoo: ZooArg,
    /// The ONNX Runtime shared library used to compute golden outputs.
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// A model family (`alexnet`); omit with --all.
    #[arg(required_unless_present = "all")]
    pub model: Option<String>,
    /// Variant of the model (default: the family's first).
    #[arg(long)]
    pub variant: Option<String>,
    /// Every model and variant, one after the other (with --record or --check-evidence).
    #[arg(long, conflicts_with_all = ["model", "variant"])]
    pub all: bool,
    /// Write the card to FILE instead of printing it.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["record", "check_evidence", "all"])]
    pub output: Option<PathBuf>,
    /// Run `verify` and `verify --layers --batch 1` on every runtime of --runtime here, record
    /// the result as zoo/<model>/<variant>/evidence.json, and rewrite the card and its pictures.
    #[arg(long, conflicts_with = "check_evidence")]
    pub record: bool,
    /// Re-run the recorded runtimes here and check that the recorded evidence still holds (same
    /// versions, every output and layer within the recorded tolerance).
    #[arg(long)]
    pub check_evidence: bool,
    /// Runtimes to record, comma-separated: `ort`, `tract`, `openvino` (each must run).
    #[arg(long, value_delimiter = ',', default_value = "ort,tract,openvino", value_parser = ["ort", "tract", "openvino"])]
    pub runtime: Vec<String>,
    /// Intra-op threads of every runtime (default: their own).
    #[arg(long, value_parser = positive)]
    pub threads: Option<usize>,
    /// The ONNX Runtime shared library (default: ORT_DYLIB_PATH, the project's .venv, python3's onnxruntime).
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
    #[command(flatten)]
    pub ov: OvArgs,
    #[command(flatten)]
    pub zoo: ZooArg,
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
    /// The SVG file to write (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
pub struct BenchArgs {
    /// A model family (`alexnet`) or an ONNX file.
    pub target: String,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Runtimes, comma-separated: `ort`, `tract`, `openvino`; from the second on, a column gives
    /// each one's speed against the first's, measured in the same run.
    #[arg(long, value_delimiter = ',', default_value = "ort", value_parser = ["ort", "tract", "openvino"])]
    pub runtime: Vec<String>,
    /// OpenVINO's inference precision: `f32`, or `bf16`/`f16` where the CPU has them (the
    /// plugin falls back to f32 where not; the runtime column says what it used).
    #[arg(long, default_value = "f32")]
    pub ov_precision: zoo_runtime::openvino::Precision,
    /// Refuse a batch whose floor (weights + batch × peak live values) exceeds this: `8G`,
    /// `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = crate::commands::parse_size)]
    pub max_memory: Option<u64>,
    /// Seconds a runtime may take to load the file, and per run (a batch's warm-up and timed
    /// runs together get that many times their count); past it the runtime is stopped.
    #[arg(long, default_value_t = crate::commands::DEFAULT_TIMEOUT_S, value_parser = seconds)]
    pub timeout: f64,
    #[command(flatten)]
    pub ov: OvArgs,
    /// Batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8", value_parser = positive)]
    pub batch: Vec<usize>,
    /// Timed runs per batch size.
    #[arg(long, default_value_t = 20, value_parser = positive)]
    pub iters: usize,
    /// Untimed warm-up runs.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// The machine's fp32 peak in GFLOP/s, for the fraction-of-peak column (default: 208, the
    /// 2-vCPU AVX-512 machine measured in docs/performance.md).
    #[arg(long, default_value_t = 208.0)]
    pub peak_gflops: f64,
    #[command(flatten)]
    pub ort: OrtArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The ONNX file.
    pub model: PathBuf,
    /// Input tensors as serialized TensorProto files, in graph input order.
    #[arg(long = "input", required_unless_present = "images", conflicts_with = "images", value_name = "PB")]
    pub inputs: Vec<PathBuf>,
    /// PNG/JPEG images, each run on its own and prepared as the file's `preprocess.*` metadata
    /// says (torchvision's resize 256, centre crop, normalise); prints the top classes of each
    /// (with ImageNet-1k names for 1000-class heads).
    #[arg(long = "image", value_name = "IMAGE", num_args = 1..)]
    pub images: Vec<PathBuf>,
    /// With --image: how many classes to print per image.
    #[arg(long, default_value_t = 5, value_parser = positive)]
    pub top: usize,
    /// Runtime: `ort`, `tract` or `openvino`.
    #[arg(long, default_value = "ort", value_parser = ["ort", "tract", "openvino"])]
    pub runtime: String,
    #[command(flatten)]
    pub ov: OvArgs,
    /// Folder for `output_<i>.pb` (created if needed); with --image, one
    /// `test_data_set_<k>/{input_0,output_0}.pb` per image. Required with --input.
    #[arg(short, long, value_name = "DIR", required_unless_present = "images")]
    pub output_dir: Option<PathBuf>,
    /// With --image: print the classes as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub ort: OrtArgs,
    /// Seconds the runtime may take to load the file and to run one input; past it the run
    /// is stopped and reported as timed out.
    #[arg(long, default_value_t = crate::commands::DEFAULT_TIMEOUT_S, value_parser = seconds)]
    pub timeout: f64,
    /// Refuse a run whose floor (weights + batch × peak live values) exceeds this: `8G`,
    /// `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = crate::commands::parse_size)]
    pub max_memory: Option<u64>,
}

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
