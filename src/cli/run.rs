//! `zoo run`, `zoo bench`, and how ONNX Runtime and OpenVINO run (shared with `verify`).

use std::path::PathBuf;

use clap::Args;
use zoo_pipeline::RuntimeName;
use zoo_pipeline::runtimes::{DEFAULT_TIMEOUT_S, Runtimes};
use zoo_runtime::openvino::Precision;

use super::{BuildArgs, PEAK_GFLOPS, parse_size, positive, seconds};

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

impl OrtArgs {
    /// ONNX Runtime's options as asked (profiling on; see [`Runtimes::ort_options`]).
    pub fn ort_options(&self) -> zoo_runtime::onnxruntime::OrtOptions {
        zoo_runtime::onnxruntime::OrtOptions {
            library: self.ort_lib.clone(),
            providers: self.ep.clone(),
            strict: self.strict_ep,
            threads: self.threads,
            trt_fp16: self.trt_fp16,
            trt_int8: self.trt_int8,
            trt_engine_cache: self.trt_cache.clone(),
            profile: true,
            optimize: true,
            save_optimized: None,
        }
    }

    /// The runtime selection of a command: `names`, ONNX Runtime as here, OpenVINO as `ov`
    /// says at `precision` (its threads are `--threads`), each load and run within `timeout`
    /// (`None`: the default, which large graphs may shorten to their load budget).
    pub fn runtimes(&self, names: &[RuntimeName], ov: &OvArgs, precision: Precision, timeout: Option<f64>) -> Runtimes {
        Runtimes {
            names: names.to_vec(),
            ort: self.ort_options(),
            ov: zoo_runtime::openvino::OvOptions { library: ov.ov_lib.clone(), precision, threads: self.threads },
            timeout_s: timeout.unwrap_or(zoo_pipeline::runtimes::DEFAULT_TIMEOUT_S),
            timeout_default: timeout.is_none(),
        }
    }
}

/// How OpenVINO runs (its threads are `--threads`, like ONNX Runtime's).
#[derive(Debug, Args, Clone)]
pub struct OvArgs {
    /// OpenVINO's C API library, `libopenvino_c.so.*` (default: OPENVINO_LIB_PATH, the
    /// project's .venv, python3's openvino).
    #[arg(long, value_name = "PATH")]
    pub ov_lib: Option<PathBuf>,
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
    #[arg(long, default_value = "ort")]
    pub runtime: RuntimeName,
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
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_S, value_parser = seconds)]
    pub timeout: f64,
    /// Refuse a run whose floor (weights + batch × peak live values) exceeds this: `8G`,
    /// `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A model family (`alexnet`) or an ONNX file.
    pub target: String,
    #[command(flatten)]
    pub build: BuildArgs,
    /// Runtimes, comma-separated: `ort`, `tract`, `openvino`; from the second on, a column gives
    /// each one's speed against the first's, measured in the same run.
    #[arg(long, value_delimiter = ',', default_value = "ort")]
    pub runtime: Vec<RuntimeName>,
    /// OpenVINO's inference precision: `f32`, or `bf16`/`f16` where the CPU has them (the
    /// plugin falls back to f32 where not; the runtime column says what it used).
    #[arg(long, default_value = "f32")]
    pub ov_precision: Precision,
    /// Refuse a batch whose floor (weights + batch × peak live values) exceeds this: `8G`,
    /// `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Seconds a runtime may take to load the file, and per run (a batch's warm-up and timed
    /// runs together get that many times their count); past it the runtime is stopped.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_S, value_parser = seconds)]
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
    /// 2-vCPU AVX-512 machine whose figures docs/performance.md gives).
    #[arg(long, default_value_t = PEAK_GFLOPS)]
    pub peak_gflops: f64,
    #[command(flatten)]
    pub ort: OrtArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}
