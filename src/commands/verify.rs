//! `zoo verify`: prove that a file computes the same thing on every runtime. The same inputs
//! go to ONNX Runtime (each requested execution provider), tract and OpenVINO (CPU, f32);
//! every output is compared
//! with the golden data of the variant's manifest and with the first runtime's, Polygraphy
//! style. A runtime that cannot run is reported as skipped with its reason, never as passed.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;
use zoo_artifacts::{Manifest, ZooDir, golden};
use zoo_graph::Seeded;
use zoo_graph::analysis::analyze;
use zoo_proto::ModelProto;
use zoo_runtime::compare::{Metrics, Tolerance, compare};
use zoo_runtime::openvino::Precision;
use zoo_runtime::{Runner, Tensor};

use super::runtimes;
use crate::cli::VerifyArgs;
use crate::format::table;

/// Tolerance for files without a manifest: fp32 runtimes agree far closer than this.
const DEFAULT_TOLERANCE: Tolerance = Tolerance { atol: 1e-4, rtol: 1e-3 };

#[derive(Debug, Serialize)]
pub(super) struct Comparison {
    pub(super) runtime: String,
    pub(super) providers: Vec<String>,
    pub(super) batch: usize,
    pub(super) output: String,
    pub(super) against: String,
    pub(super) tolerance: Tolerance,
    #[serde(flatten)]
    pub(super) metrics: Metrics,
}

#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) target: String,
    pub(super) checks: Vec<(String, bool, String)>,
    pub(super) comparisons: Vec<Comparison>,
    pub(super) skipped: Vec<(String, String)>,
    pub(super) pass: bool,
}

/// What is being verified: a file, and the manifest whose golden data applies to it.
struct Subject {
    label: String,
    path: PathBuf,
    manifest: Option<Manifest>,
    /// Input name and shape per item (C, H, W); the batch comes from --batch.
    input: (String, Vec<usize>),
    /// The input's batch when the file fixes it (`export --batch 1`, most published files).
    fixed_batch: Option<usize>,
    checks: Vec<(String, bool, String)>,
    /// For fp16 and int8 files (`zoo.precision`): their rounding unit and the Conv/Gemm/MatMul
    /// layers on the longest path.
    lossy: Option<Lossy>,
    /// The file's `metadata_props` (its `preprocess.*` prepare `--inputs` images).
    metadata: Vec<(String, String)>,
    /// Q/DQ-quantized ([`super::is_qdq`]).
    qdq: bool,
    /// Computes in fp16 ([`super::is_fp16`]).
    fp16: bool,
    /// What one run costs at least (`--max-memory`).
    cost: super::memory::Cost,
    _dir: Option<tempfile::TempDir>,
}

/// Why tract does not verify fp16 files. Measured with `zoo run --runtime tract` on a Conv of
/// 4096 channels × 3×3 of ones over inputs of 0.1 (exact 3685.5): tract 256, ONNX Runtime
/// 3686.4, PyTorch's fp16 CPU kernels 3686 (an fp16 MatMul of the same kind was exact).
const TRACT_FP16: &str = "tract 0.23.9 accumulates fp16 convolutions in fp16 (4096×3×3 ones over inputs of 0.1 sum \
     to 256, not 3685.5; sonos/tract#2588), and zoo's fp16 bound is for fp32 accumulation, as in cuDNN, TensorRT \
     and PyTorch; `zoo run --runtime tract` still runs the file";

/// The fp32 reference of an fp16 file, as it is and with its weights perturbed, on ONNX
/// Runtime's CPU provider (`sensitivity.rs`).
struct Sensitivity {
    perturbed: Box<dyn Runner + Send>,
    /// The unperturbed reference when `--reference` does not already run it.
    plain: Option<Box<dyn Runner + Send>>,
    _files: (Option<tempfile::TempDir>, Option<tempfile::NamedTempFile>),
}

impl Sensitivity {
    /// From `--reference FILE` (`reference`, already decoded), or else the default export of the
    /// variant whose golden data applies, built with the manifest's seed (its weights' SHA-256
    /// checked) and written a second time with its weights perturbed as they are drawn.
    fn start(
        args: &VerifyArgs,
        s: &Subject,
        reference: Option<(&Path, ModelProto)>,
        limit: Option<std::time::Duration>,
    ) -> anyhow::Result<Sensitivity> {
        let opts = cpu_only(args);
        let ort = |path: &Path| -> anyhow::Result<Box<dyn Runner + Send>> {
            Ok(Box::new(runtimes::ort(path, &opts, limit)?.0))
        };
        if let Some((path, proto)) = reference {
            let copy = super::sensitivity::perturbed_copy(proto, path)?;
            return Ok(Sensitivity { perturbed: ort(copy.path())?, plain: None, _files: (None, Some(copy)) });
        }
        let Some(m) = &s.manifest else { bail!("no fp32 reference: name one with --reference") };
        let built = zoo_models::build(&m.model, Some(&m.variant), &zoo_models::Options::default())?;
        let dir = tempfile::tempdir()?;
        let (plain, perturbed) = (dir.path().join("reference.onnx"), dir.path().join("perturbed.onnx"));
        let seeded = Seeded { seed: m.weights.seed };
        let accept = |w: &zoo_graph::write::Written| -> Result<(), String> {
            if w.weights_sha256 == m.weights.sha256 {
                Ok(())
            } else {
                Err("the rebuilt reference's weights differ from the manifest's".into())
            }
        };
        let options = zoo_graph::write::WriteOptions { accept: Some(&accept), ..Default::default() };
        zoo_graph::write::write_file(&built, &seeded, &plain, &options)?;
        zoo_graph::write::write_file(&built, &super::sensitivity::Perturbed(&seeded), &perturbed, &Default::default())?;
        Ok(Sensitivity { perturbed: ort(&perturbed)?, plain: Some(ort(&plain)?), _files: (Some(dir), None) })
    }

    /// Each output's largest change, and the first output's max|r|.
    fn measure(
        &mut self,
        input: &Tensor,
        reference: Option<&(String, Vec<Tensor>)>,
    ) -> anyhow::Result<(Vec<f64>, f64)> {
        let ran;
        let plain: &[Tensor] = match (&mut self.plain, reference) {
            (Some(r), _) => {
                ran = r.run(std::slice::from_ref(input))?.outputs;
                &ran
            }
            (None, Some((_, outs))) => outs,
            (None, None) => bail!("the reference did not run"),
        };
        let moved = self.perturbed.run(std::slice::from_ref(input))?.outputs;
        let exact = Tolerance { atol: 0.0, rtol: 0.0 };
        let changes =
            moved.iter().zip(plain).map(|(a, b)| Ok(compare(a, b, exact)?.max_abs)).collect::<anyhow::Result<_>>()?;
        Ok((changes, plain.first().map_or(0.0, max_abs)))
    }
}

/// ONNX Runtime on its CPU provider only: how the fp32 reference runs.
fn cpu_only(args: &VerifyArgs) -> zoo_runtime::onnxruntime::OrtOptions {
    let mut opts = args.ort.ort_options(false);
    opts.providers = vec![zoo_runtime::onnxruntime::Provider::Cpu];
    opts
}

/// max|x| of a tensor.
fn max_abs(t: &Tensor) -> f64 {
    t.data.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()))
}

/// fp16's unit roundoff: half the spacing of fp16 values at 1, 2⁻¹¹.
pub(super) const FP16_UNIT: f64 = 1.0 / 2048.0;

/// int8's: a tensor quantized to 255 steps over its range is rounded by half a step, 2⁻⁹ of
/// the range, at most; with u = 2⁻⁸ the bound below allows four half-steps per layer, for
/// the weights' rounding and the ranges' clipping on top of the activations'.
const INT8_UNIT: f64 = 1.0 / 256.0;

/// The `tensorrt` scheme's: symmetric int8 activations with zero point 0 and the ReLUs kept,
/// so a ReLU's output (every conv's, in these nets) uses only the 127 positive steps — each
/// step twice u8's. Measured on alexnet/torchvision, MinMax, 8 seeded inputs: ONNX Runtime
/// 0.295 and OpenVINO 0.387 off the fp32 output against the 0.337 that 2⁻⁸ allowed, while
/// every layer of both stays at 34.9–72.0 dB SQNR against the other.
const INT8_SYMMETRIC_UNIT: f64 = 1.0 / 128.0;

/// An int8 file's layers are judged by SQNR, not element by element: percentile calibration
/// clips the rare largest values on purpose, and a value rounded to the neighbouring step by
/// one runtime moves the values after it, so a layer's worst element says little, its noise
/// power a lot. 20 dB (noise at 1% of the signal's power)
/// is far below what 8-bit rounding of a calibrated tensor gives (30.5–45.4 dB on ResNet-18's
/// layers) and far above a broken weight scale (−69.8 dB at that layer, −10.7 dB after it;
/// `tests/int8.rs`).
pub(super) const INT8_LAYER_SQNR_DB: f64 = 20.0;

/// How a lossy file's output may differ from its fp32 reference.
#[derive(Debug, Clone, Copy)]
struct Lossy {
    unit: f64,
    depth: usize,
    /// The output is a Softmax's: the budget applies to its logits (see [`lossy_tolerance`]).
    softmax: bool,
    /// `verify --layers` judges layers by SQNR ≥ this instead of element-wise (int8).
    layer_sqnr_db: Option<f64>,
}

impl Lossy {
    /// The relative budget, 2·u·√(L + 1).
    fn rtol(self) -> f64 {
        2.0 * self.unit * ((self.depth + 1) as f64).sqrt()
    }
}

/// The tolerance an fp16 or int8 file's output must meet against its fp32 reference `r`, on
/// top of the fp32 tolerance: every one of the L layers on the longest path rounds its weights
/// and its output, each an error of at most u of the signal's scale (fp16: u = 2⁻¹¹ relative;
/// int8: u = 2⁻⁸ of the tensor's range). Those errors are independent and add in quadrature,
/// so the output's error stays within 2·u·√(L + 1)·max|r| (fp16, measured on five of zoo's
/// seeded nets: 0.75–1.4 u of max|r|, 5–17× inside the bound; int8: see the closing notes of
/// the int8 issue and `tests/int8.rs`).
///
/// Through a Softmax the budget holds for the logits z, not for the probabilities:
/// Δp_i = p_i·(Δz_i − Σ_j p_j Δz_j), so |Δp_i| ≤ 2·p_i·max|Δz| with max|Δz| ≤ 2u√(L+1)·max|z|,
/// and max|z| of centred logits is at most their spread, max ln p − min ln p (read back from
/// the reference's probabilities): an element-wise bound 2·(2u√(L+1))·spread·p_i.
///
/// For fp16 files, `sensitivity` is how far fp16-sized weight errors moved the fp32 reference's
/// output (see `sensitivity.rs`): the tolerance is at least 2·√2 times that, which holds where
/// the formula above does not (BatchNorm with trained statistics amplifies errors).
fn lossy_tolerance(base: Tolerance, lossy: Lossy, reference: &Tensor, sensitivity: Option<f64>) -> Tolerance {
    let tol = formula_tolerance(base, lossy, reference);
    match sensitivity {
        Some(d) => Tolerance { atol: tol.atol.max(base.atol + super::sensitivity::FACTOR * d), rtol: tol.rtol },
        None => tol,
    }
}

fn formula_tolerance(base: Tolerance, lossy: Lossy, reference: &Tensor) -> Tolerance {
    if lossy.softmax {
        let (lo, hi) = reference
            .data
            .iter()
            .filter(|&&x| x > 0.0)
            .fold((f64::INFINITY, 0f64), |(lo, hi), &x| (lo.min(f64::from(x)), hi.max(f64::from(x))));
        let spread = if hi > 0.0 { hi.ln() - lo.max(f64::from(f32::MIN_POSITIVE)).ln() } else { 0.0 };
        return Tolerance { atol: base.atol, rtol: base.rtol + 2.0 * lossy.rtol() * spread };
    }
    Tolerance { atol: base.atol + lossy.rtol() * max_abs(reference), rtol: base.rtol }
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    if args.layers {
        let report = layer_report(args)?;
        let label = report.target.clone();
        if !super::layers::print(&report, args.json)? {
            bail!("layer-by-layer verification failed for {label}");
        }
        return Ok(());
    }
    let reports = reports(args)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        for r in &reports {
            out!("{}", render(r))?;
        }
    }
    let failed: Vec<&str> = reports.iter().filter(|r| !r.pass).map(|r| r.target.as_str()).collect();
    if !failed.is_empty() {
        bail!("verification failed for {}", failed.join(", "));
    }
    Ok(())
}

/// The verification `args` ask for (outputs, not `--layers`), one report per model or file.
pub(super) fn reports(args: &VerifyArgs) -> anyhow::Result<Vec<Report>> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    let mut reports = Vec::new();
    if args.all {
        for f in zoo_models::families() {
            for v in f.variants {
                reports.push(verify_subject(args, &zoo, model_subject(args, &zoo, f.name, Some(v.name))?)?);
            }
        }
    } else {
        reports.push(verify_subject(args, &zoo, subject(args, &zoo)?)?);
    }
    Ok(reports)
}

/// The model or file `args.target` names.
fn subject(args: &VerifyArgs, zoo: &ZooDir) -> anyhow::Result<Subject> {
    let target = args.target.as_deref().context("give a model, a file, or --all")?;
    let path = Path::new(target);
    if super::is_file_target(target) {
        file_subject(zoo, path)
    } else {
        model_subject(args, zoo, target, args.build.variant.as_deref())
    }
}

/// `verify --layers`: every intermediate value of the target, layer by layer.
pub(super) fn layer_report(args: &VerifyArgs) -> anyhow::Result<super::layers::LayerReport> {
    let zoo = super::zoo_dir(args.zoo.zoo_dir.as_deref());
    let subject = subject(args, &zoo)?;
    let batch = args.batch.first().copied().unwrap_or(1);
    let lossy = subject.lossy.map(Lossy::rtol);
    let rtol = args.rtol.or(lossy).or(subject.manifest.as_ref().map(|m| m.golden.tolerance.rtol));
    super::memory::check(&subject.label, &subject.cost, batch, args.max_memory)?;
    let input = make_input(&subject, batch)?;
    super::layers::report(
        args,
        &subject.label,
        &subject.path,
        &input,
        rtol.unwrap_or(DEFAULT_TOLERANCE.rtol),
        subject.lossy.and_then(|l| l.layer_sqnr_db),
    )
}

fn model_subject(args: &VerifyArgs, zoo: &ZooDir, model: &str, variant: Option<&str>) -> anyhow::Result<Subject> {
    let (family, v) = zoo_models::find(model, variant)?;
    let options = args.build.options(zoo_graph::Batch::Dynamic);
    let built = zoo_models::build(family.name, Some(v.name), &options)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(format!("{}-{}.onnx", family.name, v.name));
    let written = zoo_graph::write::write_file(&built, &Seeded { seed: 0 }, &path, &Default::default())?;
    let label = format!("{}/{} opset {}", family.name, v.name, options.opset);
    let mut checks = Vec::new();
    let manifest = zoo.load(family.name, v.name)?;
    let where_ = zoo.manifest_path(family.name, v.name);
    // The weights depend on the seed and the head only; the file on every default option.
    let default_head = options.is_pinned_graph(v);
    if options.num_classes == 1000 {
        let ok = written.weights_sha256 == manifest.weights.sha256;
        checks.push((
            "weights sha256".into(),
            ok,
            checksum_note(&written.weights_sha256, &manifest.weights.sha256, &where_),
        ));
    }
    if default_head && options.opset.version() == manifest.export.opset {
        let ok = written.sha256 == manifest.export.sha256;
        checks.push(("file sha256".into(), ok, checksum_note(&written.sha256, &manifest.export.sha256, &where_)));
    }
    let [c, h, w] = v.input;
    Ok(Subject {
        label,
        path,
        manifest: default_head.then_some(manifest),
        input: ("input".into(), vec![c, h, w]),
        fixed_batch: None,
        checks,
        lossy: None,
        qdq: super::is_qdq(&built.proto),
        fp16: super::is_fp16(&built.proto),
        cost: super::memory::Cost::of(&built.proto, &analyze(&built.proto)),
        metadata: built
            .proto
            .metadata_props
            .iter()
            .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
            .collect(),
        _dir: Some(dir),
    })
}

fn checksum_note(actual: &str, expected: &str, manifest: &str) -> String {
    if actual == expected {
        format!("{} = {manifest}", &actual[..16])
    } else {
        format!("checksum mismatch: {actual} ≠ {expected} recorded in {manifest}")
    }
}

/// A file zoo may or may not have written: golden data applies when its metadata names a
/// variant whose manifest records the same weights and output.
fn file_subject(zoo: &ZooDir, path: &Path) -> anyhow::Result<Subject> {
    let proto = super::read_onnx(path)?;
    let a = analyze(&proto);
    let (name, info) = a.inputs.first().cloned().context("the model has no input")?;
    let info = info.with_context(|| format!("input `{name}` has no tensor type"))?;
    let dims: Option<Vec<usize>> = info.shape.iter().skip(1).map(|d| d.known()).collect();
    let dims =
        dims.with_context(|| format!("input `{name}` {} has symbolic dimensions past the batch", info.shape_string()))?;
    let meta = |k: &str| a.metadata.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    // A compiled file computes what its reference computes: the reference's golden data applies.
    let reference_weights = meta("zoo.reference.weights.sha256").or_else(|| meta("weights.sha256"));
    let manifest = match (meta("model"), meta("variant"), reference_weights) {
        (Some(m), Some(v), Some(sha)) => zoo.load(&m, &v).ok().filter(|man| {
            man.weights.sha256 == sha
                && a.outputs.first().is_some_and(|(n, t)| {
                    *n == man.golden.output.name
                        && t.as_ref().and_then(|t| t.dim(1)) == man.golden.output.shape.get(1).copied()
                })
        }),
        _ => None,
    };
    let mut checks = vec![];
    let precision = meta("zoo.precision");
    let softmax = proto.graph.as_ref().is_some_and(|g| {
        let out = g.output.first().and_then(|o| o.name.clone()).unwrap_or_default();
        // Through the fp16 pass's Cast back to fp32, too.
        let producer = |v: &str| g.node.iter().find(|n| n.output.iter().any(|o| o == v));
        let mut n = producer(&out);
        if let Some(c) = n.filter(|c| c.op_type() == "Cast") {
            n = c.input.first().and_then(|i| producer(i));
        }
        n.is_some_and(|n| n.op_type() == "Softmax")
    });
    let depth = || zoo_graph::analysis::layer_depth(&proto);
    let lossy = match precision.as_deref() {
        Some("fp16") => Some(Lossy { unit: FP16_UNIT, depth: depth(), softmax, layer_sqnr_db: None }),
        Some("int8") => {
            let unit =
                if meta("zoo.int8.scheme").as_deref() == Some("tensorrt") { INT8_SYMMETRIC_UNIT } else { INT8_UNIT };
            Some(Lossy { unit, depth: depth(), softmax, layer_sqnr_db: Some(INT8_LAYER_SQNR_DB) })
        }
        _ => None,
    };
    match (precision.as_deref(), lossy) {
        (Some("fp16"), Some(Lossy { depth: l, .. })) => checks.push((
            "fp16".into(),
            true,
            format!(
                "tolerance + 2·2⁻¹¹·√(L+1)·max|r| with L = {l} layers, or 2√2 times the fp32 reference's measured \
                 sensitivity to fp16-sized weight errors if larger (BatchNorm with trained statistics amplifies them); \
                 on a CPU this proves the fp16 rounding of the \
                 weights only: ONNX Runtime's CPU provider has no fp16 Conv kernel and removes the Casts between ops, \
                 so activations stay fp32 (its output equals the fp32 file's with fp16-rounded weights, bit for bit); \
                 fp16 activations need a GPU (`--ep cuda`) or `scripts/peer-check`'s PyTorch fp16 run"
            ),
        )),
        (Some("int8"), Some(Lossy { depth: l, unit, .. })) => checks.push((
            "int8".into(),
            true,
            format!(
                "tolerance + 2·{}·√(L+1)·max|r| with L = {l} layers (four half-steps of a {}-step range per layer); \
                 with seeded weights this shows the runtimes compute the same int8 graph, not that it keeps a trained \
                 net's accuracy (see `zoo verify --layers --reference` for the per-layer SQNR)",
                if unit == INT8_UNIT { "2⁻⁸" } else { "2⁻⁷" },
                if unit == INT8_UNIT { "255" } else { "127" }
            ),
        )),
        _ => {}
    }
    Ok(Subject {
        label: path.display().to_string(),
        path: path.to_path_buf(),
        manifest,
        input: (name, dims),
        fixed_batch: info.shape.first().and_then(|d| d.known()),
        checks,
        lossy,
        metadata: a.metadata.clone(),
        qdq: super::is_qdq(&proto),
        fp16: super::is_fp16(&proto),
        cost: super::memory::Cost::of(&proto, &a),
        _dir: None,
    })
}

fn verify_subject(args: &VerifyArgs, zoo: &ZooDir, mut s: Subject) -> anyhow::Result<Report> {
    let mut checks = std::mem::take(&mut s.checks);
    let mut skipped = Vec::new();
    // --inputs: the user's tensors and images, as one batch, instead of the golden input.
    let user_input = match &args.inputs {
        Some(dir) => {
            let items = super::calibrate::read_dir(dir, &s.input.0, &s.input.1, &s.metadata)?;
            if let Some(b) = s.fixed_batch.filter(|&b| b != items.len()) {
                bail!("{} takes a fixed batch of {b}; {} holds {} inputs", s.label, dir.display(), items.len());
            }
            let mut shape = items[0].shape.clone();
            shape[0] = items.len();
            let data = items.iter().flat_map(|t| t.data.iter().copied()).collect();
            checks.push(("inputs".into(), true, format!("{} inputs from {}", items.len(), dir.display())));
            Some(Tensor::new(s.input.0.clone(), shape, data))
        }
        None => None,
    };
    let golden = match &s.manifest {
        _ if user_input.is_some() => {
            skipped.push(("golden".to_string(), "--inputs: the golden data is for the golden input only".to_string()));
            None
        }
        None => {
            skipped.push((
                "golden".to_string(),
                "no manifest's golden data applies (non-default head, or a file zoo did not write)".to_string(),
            ));
            None
        }
        Some(m) => match golden::load(zoo, m) {
            Ok(g) => {
                checks.push((
                    "golden files".into(),
                    true,
                    format!("sha256 match {}", zoo.manifest_path(&m.model, &m.variant)),
                ));
                Some(g)
            }
            Err(e) => {
                checks.push(("golden files".into(), false, e.to_string()));
                None
            }
        },
    };
    let tol = Tolerance {
        atol: args.atol.or(s.manifest.as_ref().map(|m| m.golden.tolerance.atol)).unwrap_or(DEFAULT_TOLERANCE.atol),
        rtol: args.rtol.or(s.manifest.as_ref().map(|m| m.golden.tolerance.rtol)).unwrap_or(DEFAULT_TOLERANCE.rtol),
    };
    let batches = match &user_input {
        Some(x) => vec![x.batch()],
        None => crate::commands::fixed_batch::batches(&args.batch, s.fixed_batch, golden::BATCH)?,
    };
    if let Some(b) = s.fixed_batch {
        checks.push(("fixed batch".into(), true, crate::commands::fixed_batch::note(b, golden::BATCH)));
    }
    // Before any input is made or runtime loaded: what the largest batch costs at least.
    if let Some(&largest) = batches.iter().max() {
        super::memory::check(&s.label, &s.cost, largest, args.max_memory)?;
    }

    let limit = runtimes::limit(args.timeout);
    let mut runners: Vec<Box<dyn Runner + Send>> = Vec::new();
    let ort_options = args.ort.ort_options_for(true, s.qdq);
    let mut tract_wanted = false;
    let mut openvino_wanted = false;
    for r in &args.runtime {
        match r.as_str() {
            "ort" => match runtimes::ort(&s.path, &ort_options, limit) {
                Ok((runner, skips)) => {
                    for sk in skips {
                        skipped.push((format!("ort/{}", sk.provider), sk.reason));
                    }
                    runners.push(Box::new(runner));
                }
                // --strict-ep turns an unavailable provider into an error, at once.
                Err(e @ zoo_runtime::RuntimeError::Provider(_)) if args.ort.strict_ep => return Err(e.into()),
                Err(e) => skipped.push(("ort".into(), e.to_string())),
            },
            // Loaded per batch, in its worker (zoo itself never loads a runtime's library).
            "openvino" => openvino_wanted = true,
            // tract's numbers for an fp16 file are its accumulator's, not the file's.
            _ if s.fp16 => skipped.push(("tract".into(), TRACT_FP16.into())),
            _ => tract_wanted = true,
        }
    }

    // The named reference runs on ONNX Runtime's CPU provider: the fp32 truth the file must match.
    // Decoded once: checked here, and kept (only) to be perturbed for an fp16 file's sensitivity.
    let sensitive = s.fp16 && s.lossy.is_some();
    let mut reference_proto = None;
    let mut reference_runner = match &args.reference {
        Some(p) => {
            let proto = super::read_onnx(p)?;
            reference_proto = sensitive.then_some((p.as_path(), proto));
            let (r, _) =
                runtimes::ort(p, &cpu_only(args), limit).with_context(|| format!("reference {}", p.display()))?;
            Some((format!("reference {} (ort/cpu)", p.display()), r))
        }
        None => None,
    };

    let mut comparisons = Vec::new();
    let mut notes = Vec::new();
    let mut sensitivity = None;
    if sensitive {
        match Sensitivity::start(args, &s, reference_proto, limit) {
            Ok(x) => sensitivity = Some(x),
            Err(e) => notes.push((
                "fp16 sensitivity".into(),
                true,
                format!("not measured ({e:#}): the formula alone applies"),
            )),
        }
    }
    for &batch in &batches {
        let input = match user_input.clone() {
            Some(x) => x,
            None => make_input(&s, batch)?,
        };
        let reference_out = match reference_runner.as_mut() {
            Some((label, r)) => Some((label.clone(), r.run(std::slice::from_ref(&input))?.outputs)),
            None => None,
        };
        // How far the fp32 reference's outputs move under fp16-sized weight errors.
        let moved: Vec<f64> = match sensitivity.as_mut().map(|x| x.measure(&input, reference_out.as_ref())) {
            Some(Ok((moved, scale))) => {
                if let Some(d) = moved.first() {
                    notes.push((
                        format!("fp16 sensitivity, batch {batch}"),
                        true,
                        format!(
                            "weights × (1 ± 2⁻¹¹) moved the fp32 reference's output by {d:.2e} ({:.2} u·max|r|): \
                             the tolerance is at least 2√2 times that",
                            d / (FP16_UNIT * scale)
                        ),
                    ));
                }
                moved
            }
            Some(Err(e)) => {
                notes.push((format!("fp16 sensitivity, batch {batch}"), true, format!("not measured ({e:#})")));
                vec![]
            }
            None => vec![],
        };
        let mut batch_runners: Vec<Box<dyn Runner + Send>> = Vec::new();
        let shapes = vec![(input.name.clone(), input.shape.clone())];
        if tract_wanted {
            match runtimes::tract(&s.path, &shapes, limit) {
                Ok(t) => batch_runners.push(Box::new(t)),
                Err(e) => skipped.push((format!("tract (batch {batch})"), e.to_string())),
            }
        }
        // OpenVINO, like tract, is compiled for the batch it runs (static shapes), in f32.
        if openvino_wanted {
            match runtimes::openvino(&s.path, &shapes, &args.ov.ov_options(&args.ort, Precision::F32), limit) {
                Ok(r) => batch_runners.push(Box::new(r)),
                // A missing library or another release is skipped once, not retried per batch.
                Err(e @ zoo_runtime::RuntimeError::OvLibrary(_)) => {
                    skipped.push(("openvino".into(), e.to_string()));
                    openvino_wanted = false;
                }
                Err(e) => skipped.push((format!("openvino (batch {batch})"), e.to_string())),
            }
        }
        let mut reference: Option<(String, Vec<Tensor>)> = None;
        // A runner whose worker crashed or was stopped is not used again.
        let persistent = runners.len();
        let mut back = Vec::with_capacity(persistent);
        for (k, mut runner) in std::mem::take(&mut runners).into_iter().chain(batch_runners).enumerate() {
            let label = runner.label();
            let out = runner.run(std::slice::from_ref(&input));
            let dead = out.as_ref().is_err_and(runtimes::fatal);
            if k < persistent && !dead {
                back.push(runner);
            }
            let out = match out {
                Ok(o) => o,
                Err(e) => {
                    checks.push((format!("{label} batch {batch}"), false, e.to_string()));
                    continue;
                }
            };
            for (i, o) in out.outputs.iter().enumerate() {
                if let Some((_, g)) = &golden
                    && i == 0
                {
                    let n = batch.min(g.batch());
                    let reference = head(g, n);
                    let tol = s.lossy.map_or(tol, |l| lossy_tolerance(tol, l, &reference, moved.get(i).copied()));
                    let metrics = compare(&head(o, n), &reference, tol)?;
                    comparisons.push(Comparison {
                        runtime: label.clone(),
                        providers: out.providers.clone(),
                        batch,
                        output: o.name.clone(),
                        against: format!("golden (first {n})"),
                        tolerance: tol,
                        metrics,
                    });
                }
                // A lossy file's end-to-end error against its fp32 reference, raw and on the
                // part of the output that depends on the input: seeded deep nets map every
                // input to nearly the same output, so the raw figure flatters.
                if let (Some(_), Some((_, ref_outs)), 0) = (s.lossy, reference_out.as_ref(), i)
                    && let Some(r) = ref_outs.first()
                    && batch > 1
                {
                    let (raw, dependent, share) = input_dependent_sqnr(o, r);
                    notes.push((
                        format!("{label} end-to-end, batch {batch}"),
                        true,
                        format!(
                            "SQNR against the reference {raw:.1} dB raw, {dependent:.1} dB on the input-dependent part \
                             (each output minus the mean over the {batch} inputs), which is {:.1}% of the output's norm",
                            100.0 * share
                        ),
                    ));
                }
                // Against the named fp32 reference, and against the first runtime that ran.
                for (ref_label, ref_outs) in reference_out.iter().chain(reference.iter()) {
                    let Some(r) = ref_outs.get(i) else { continue };
                    let tol = s.lossy.map_or(tol, |l| lossy_tolerance(tol, l, r, moved.get(i).copied()));
                    comparisons.push(Comparison {
                        runtime: label.clone(),
                        providers: out.providers.clone(),
                        batch,
                        output: o.name.clone(),
                        against: ref_label.clone(),
                        tolerance: tol,
                        metrics: compare(o, r, tol)?,
                    });
                }
            }
            if reference.is_none() {
                reference = Some((label, out.outputs));
            }
        }
        runners = back;
    }
    checks.extend(notes);
    let ran_against_something = !comparisons.is_empty();
    if !ran_against_something {
        checks.push((
            "comparisons".into(),
            false,
            "nothing was compared: no runtime ran (see skipped), or only one ran on a file without golden data".into(),
        ));
    }
    let pass = checks.iter().all(|c| c.1) && comparisons.iter().all(|c| c.metrics.pass);
    Ok(Report { target: s.label, checks, comparisons, skipped, pass })
}

/// SQNR of `a` against `r` in dB, raw and with each item's mean over the batch removed from
/// both, and the share of `r`'s norm that the input-dependent part is.
fn input_dependent_sqnr(a: &Tensor, r: &Tensor) -> (f64, f64, f64) {
    let (n, per) = (r.batch().max(1), r.per_item());
    let mean = |t: &Tensor| -> Vec<f64> {
        (0..per).map(|j| (0..n).map(|b| f64::from(t.data[b * per + j])).sum::<f64>() / n as f64).collect()
    };
    let (ma, mr) = (mean(a), mean(r));
    let (mut sig, mut noise, mut dsig, mut dnoise) = (0f64, 0f64, 0f64, 0f64);
    for (k, (&x, &y)) in a.data.iter().zip(&r.data).enumerate() {
        let (x, y) = (f64::from(x), f64::from(y));
        sig += y * y;
        noise += (x - y) * (x - y);
        let (dx, dy) = (x - ma[k % per], y - mr[k % per]);
        dsig += dy * dy;
        dnoise += (dx - dy) * (dx - dy);
    }
    let db = |s: f64, n: f64| if n == 0.0 { f64::INFINITY } else { 10.0 * (s / n).log10() };
    (db(sig, noise), db(dsig, dnoise), if sig > 0.0 { (dsig / sig).sqrt() } else { 0.0 })
}

/// The first `n` batch items of `t`.
fn head(t: &Tensor, n: usize) -> Tensor {
    let mut shape = t.shape.clone();
    shape[0] = n;
    Tensor::new(t.name.clone(), shape, t.data[..n * t.per_item()].to_vec())
}

fn make_input(s: &Subject, batch: usize) -> anyhow::Result<Tensor> {
    match s.manifest.as_ref().and_then(|m| zoo_models::find(&m.model, Some(&m.variant)).ok()) {
        // The golden recipe: the first items equal the golden input whatever the batch.
        Some((_, v)) => Ok(golden::input(v, &s.input.0, batch)),
        None => {
            let mut shape = vec![batch];
            shape.extend(&s.input.1);
            // Fallible: past --max-memory's check (raised by hand) the file's declared shape is
            // still the user's word, and a failed allocation would abort zoo.
            let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let mut data = Vec::new();
            if n.is_none_or(|n| data.try_reserve_exact(n).is_err()) {
                bail!(
                    "cannot allocate the input {shape:?} of {} ({} bytes of f32): the file declares it; run a \
                     smaller --batch, or leave --max-memory at its default to have such files refused up front",
                    s.label,
                    n.map_or_else(|| "more than 2^64".to_string(), |n| (4 * n as u128).to_string())
                );
            }
            data.resize(n.unwrap_or(0), 0f32);
            zoo_graph::prng::Stream::new(0, "verify.input").fill_uniform(0, -1.0, 1.0, &mut data);
            Ok(Tensor::new(s.input.0.clone(), shape, data))
        }
    }
}

fn render(r: &Report) -> String {
    let mut out = format!("{}: {}\n", r.target, if r.pass { "PASS" } else { "FAIL" });
    for (name, ok, note) in &r.checks {
        out += &format!("  {} {name}: {note}\n", if *ok { "ok  " } else { "FAIL" });
    }
    for (what, why) in &r.skipped {
        out += &format!("  skip {what}: {why}\n");
    }
    let rows: Vec<Vec<String>> = r
        .comparisons
        .iter()
        .map(|c| {
            let m = &c.metrics;
            vec![
                c.runtime.clone(),
                c.providers.join("+"),
                c.batch.to_string(),
                c.against.clone(),
                format!("{:.2e}", m.max_abs),
                format!("{:.2e}", m.mean_abs),
                format!("{:.2e}", m.max_rel),
                format!("{:.7}", m.cosine),
                format!("{:.0}%", m.top1 * 100.0),
                format!("{:.0}%", m.top5 * 100.0),
                format!("abs {:.1e} | rel {:.1e}", m.min_atol, m.min_rtol),
                if m.pass { "pass".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    if !rows.is_empty() {
        let t = table(
            &[
                "runtime",
                "provider",
                "batch",
                "against",
                "max abs",
                "mean abs",
                "max rel",
                "cosine",
                "top-1",
                "top-5",
                "min tolerance",
                "",
            ],
            &rows,
            &[2, 4, 5, 6, 7, 8, 9],
        );
        for line in t.lines() {
            out += &format!("  {line}\n");
        }
        if let Some(c) = r.comparisons.first() {
            out += &format!("  tolerance: |a − r| ≤ {:.1e} + {:.1e}·|r|\n", c.tolerance.atol, c.tolerance.rtol);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fp16 tolerance is the formula's or 2√2 times the measured sensitivity, whichever is
    /// larger; for a Softmax output the formula is relative and the sensitivity absolute.
    #[test]
    fn the_measured_sensitivity_widens_the_fp16_tolerance_only_beyond_the_formula() {
        let base = Tolerance { atol: 1e-5, rtol: 1e-4 };
        let lossy = Lossy { unit: FP16_UNIT, depth: 15, softmax: false, layer_sqnr_db: None };
        let r = Tensor::new("y", vec![1, 4], vec![-2.0, 0.5, 4.0, 1.0]);
        let formula = base.atol + 2.0 * FP16_UNIT * 4.0 * 4.0;
        assert_eq!(lossy_tolerance(base, lossy, &r, None).atol, formula);
        assert_eq!(lossy_tolerance(base, lossy, &r, Some(1e-4)).atol, formula);
        let wide = lossy_tolerance(base, lossy, &r, Some(0.1));
        assert!((wide.atol - (base.atol + 0.2 * std::f64::consts::SQRT_2)).abs() < 1e-12, "{wide:?}");
        assert_eq!(wide.rtol, base.rtol);
        let soft = Lossy { softmax: true, ..lossy };
        let p = Tensor::new("p", vec![1, 2], vec![0.25, 0.75]);
        let t = lossy_tolerance(base, soft, &p, Some(0.01));
        // The formula's relative part for probabilities: 2·(2u√(L+1))·spread, spread = ln(0.75/0.25).
        assert!((t.rtol - (base.rtol + 2.0 * (2.0 * FP16_UNIT * 4.0) * 3f64.ln())).abs() < 1e-12, "{t:?}");
        assert!((t.atol - (base.atol + 0.02 * std::f64::consts::SQRT_2)).abs() < 1e-12);
    }
}
