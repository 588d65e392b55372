//! `zoo verify`, `zoo manifests`, `zoo card`: checking files against the zoo's records.

use std::path::PathBuf;

use clap::Args;
use zoo_pipeline::RuntimeName;

use super::{BuildArgs, OrtArgs, OvArgs, ZooArg, parse_size, positive, seconds};

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
    #[arg(long, value_delimiter = ',', default_value = "ort,tract,openvino")]
    pub runtime: Vec<RuntimeName>,
    #[command(flatten)]
    pub ort: OrtArgs,
    #[command(flatten)]
    pub ov: OvArgs,
    /// Seconds each runtime may take to load the file and to run one batch; past it the runtime
    /// is reported as timed out (and not used again) and the others go on [default: 600; a
    /// graph of 10,000 nodes or more: 10 s + 0.1 ms per node + 0.2 s per MB of weights].
    #[arg(long, value_parser = seconds)]
    pub timeout: Option<f64>,
    /// Refuse a run whose floor (weights + batch × (input + peak live activations)) exceeds
    /// this: `8G`, `512M`, bytes (default: the memory available now).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
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
    /// --reference, the top-1/top-5 columns are the agreement with it on those inputs. For a
    /// file with several inputs or integer/boolean ones, or a DIR with `output_*.pb`, DIR is a
    /// test data set as onnx's node tests lay them out: `input_K.pb` feeds graph input K (or
    /// the input its tensor names; a float input without one is drawn), `output_K.pb` is
    /// output K expected (integers compared exactly); the tensors' shapes bind symbolic
    /// dimensions.
    #[arg(long, value_name = "DIR", conflicts_with = "all")]
    pub inputs: Option<PathBuf>,
    /// Shape for an input whose dimensions past the batch the file leaves symbolic:
    /// NAME=DIMS, e.g. `x=1,3,224,224` (repeatable; the first input's batch is --batch's).
    #[arg(long = "shape", value_name = "NAME=DIMS", conflicts_with = "all")]
    pub shapes: Vec<zoo_pipeline::shapes::Binding>,
}

impl VerifyArgs {
    /// The engine's options (the target and `--layers` are the caller's).
    pub fn options(&self) -> zoo_pipeline::verify::VerifyOptions {
        let f32 = zoo_runtime::openvino::Precision::F32;
        zoo_pipeline::verify::VerifyOptions {
            build: self.build.options(zoo_graph::Batch::Dynamic),
            batch: self.batch.clone(),
            runtimes: self.ort.runtimes(&self.runtime, &self.ov, f32, self.timeout),
            max_memory: self.max_memory,
            atol: self.atol,
            rtol: self.rtol,
            reference: self.reference.clone(),
            inputs: self.inputs.clone(),
            shapes: self.shapes.clone(),
        }
    }
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
    #[arg(long, value_delimiter = ',', default_value = "ort,tract,openvino")]
    pub runtime: Vec<RuntimeName>,
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
