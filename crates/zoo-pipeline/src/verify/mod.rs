//! Verification: prove that a file computes the same thing on every runtime. The same inputs
//! go to ONNX Runtime (each requested execution provider), tract and OpenVINO (CPU, f32);
//! every output is compared with the golden data of the variant's manifest and with the first
//! runtime's, Polygraphy style. A runtime that cannot run is reported as skipped with its
//! reason, never as passed.

mod batch;
mod given;
mod reference;
pub mod tolerance;

use std::path::PathBuf;

use serde::Serialize;
use zoo_artifacts::{ZooDir, golden};
use zoo_runtime::compare::{Metrics, Tolerance};
use zoo_runtime::{Runner, RuntimeError, Tensor};

use crate::options::RuntimeName;
use crate::runtimes::Runtimes;
use crate::subject::{Subject, Target};
use crate::{bail, err, error::Context};
use tolerance::DEFAULT_TOLERANCE;

/// What `zoo verify` is asked to do, past its target.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// How zoo models are built (the batch is always dynamic here).
    pub build: zoo_models::Options,
    /// Batch sizes to run (empty: the golden set's).
    pub batch: Vec<usize>,
    pub runtimes: Runtimes,
    /// Refuse a run whose floor exceeds this (default: the memory available now).
    pub max_memory: Option<u64>,
    /// Tolerances (default: the manifest's).
    pub atol: Option<f64>,
    pub rtol: Option<f64>,
    /// An fp32 file to compare against, run by ONNX Runtime on the CPU.
    pub reference: Option<PathBuf>,
    /// A folder of `input_*.pb` tensors and images to feed instead of the golden input.
    pub inputs: Option<PathBuf>,
    /// Shapes for a file's inputs whose dimensions past the batch are symbolic (`--shape`).
    pub shapes: Vec<crate::shapes::Binding>,
}

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub runtime: String,
    pub providers: Vec<String>,
    pub batch: usize,
    pub output: String,
    pub against: String,
    pub tolerance: Tolerance,
    #[serde(flatten)]
    pub metrics: Metrics,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub target: String,
    pub checks: Vec<(String, bool, String)>,
    pub comparisons: Vec<Comparison>,
    pub skipped: Vec<(String, String)>,
    pub pass: bool,
}

/// Why tract does not verify fp16 files. Measured with `zoo run --runtime tract` on a Conv of
/// 4096 channels × 3×3 of ones over inputs of 0.1 (exact 3685.5): tract 256, ONNX Runtime
/// 3686.4, PyTorch's fp16 CPU kernels 3686 (an fp16 MatMul of the same kind was exact).
const TRACT_FP16: &str = "tract 0.23.9 accumulates fp16 convolutions in fp16 (4096×3×3 ones over inputs of 0.1 sum \
     to 256, not 3685.5; sonos/tract#2588), and zoo's fp16 bound is for fp32 accumulation, as in cuDNN, TensorRT \
     and PyTorch; `zoo run --runtime tract` still runs the file";

/// Verifies every model and variant of the zoo, one report each.
pub fn verify_all(options: &VerifyOptions, zoo: &ZooDir) -> crate::Result<Vec<Report>> {
    let mut reports = Vec::new();
    for f in zoo_models::families() {
        for v in f.variants {
            reports.push(verify_subject(
                options,
                zoo,
                crate::subject::model(&options.build, zoo, f.name, Some(v.name))?,
            )?);
        }
    }
    Ok(reports)
}

/// Verifies the model or file `target` names.
pub fn verify(target: &Target, options: &VerifyOptions, zoo: &ZooDir) -> crate::Result<Report> {
    verify_subject(options, zoo, subject(target, options, zoo)?)
}

/// The subject `target` names, its symbolic dimensions bound by `--shape` and, for a file, by
/// the shapes of the `--inputs` tensors.
fn subject(target: &Target, options: &VerifyOptions, zoo: &ZooDir) -> crate::Result<Subject> {
    let mut shapes = options.shapes.clone();
    if let (Some(dir), Target::File(path)) = (&options.inputs, target) {
        let proto = crate::onnx::read_onnx(path)?;
        let sig = zoo_ship::signature::signature(&proto, &path.display().to_string()).map_err(|e| err!("{e}"))?;
        crate::shapes::check_names(&options.shapes, &sig.inputs).map_err(|e| err!("{e}"))?;
        shapes = given::bindings(dir, &sig.inputs, &options.shapes)?;
    }
    Subject::of(target, &options.build, zoo, &shapes)
}

/// `verify --layers`: every intermediate value of the target, layer by layer, `slice` values
/// marked per run — against `--reference`, else, for a file whose metadata claims a zoo
/// variant's weights, against that variant rebuilt and checked against its manifest (with its
/// final output against the golden data too), else between runtimes only, as the report says.
/// A model target's checksums count as they do for plain `verify`.
pub fn verify_layers(
    target: &Target,
    options: &VerifyOptions,
    slice: usize,
    zoo: &ZooDir,
) -> crate::Result<crate::layers::LayerReport> {
    let subject = subject(target, options, zoo)?;
    let (runtimes, budget) = options.runtimes.bounded_for(subject.nodes, subject.cost.weights);
    let options = &VerifyOptions { runtimes, ..options.clone() };
    let batch = options.batch.first().copied().unwrap_or(1);
    let lossy = subject.lossy.map(tolerance::Lossy::rtol);
    let rtol = options.rtol.or(lossy).or(subject.manifest.as_ref().map(|m| m.golden.tolerance.rtol));
    crate::memory::check(&subject.label, &subject.cost, batch, options.max_memory)?;
    let mut checks = subject.checks.clone();
    let input = match user_input(options, &subject, &mut Findings::default())? {
        Some(given) => {
            let unused = match given.expected.len() {
                0 => String::new(),
                n => format!("; its {n} output_K.pb are compared by plain verify, not by --layers"),
            };
            checks.push(("inputs".into(), true, format!("{}{unused}", given.note)));
            given.inputs
        }
        None => subject.input(batch)?,
    };
    checks.extend(budget.map(|note| ("load budget".to_string(), true, note)));
    // Kept alive until the report is made: the rebuilt reference's temporary folder.
    let mut rebuilt = None;
    let (reference, scope) = match (&options.reference, target, &subject.manifest) {
        (Some(p), _, _) => (Some(p.clone()), format!("against the reference {}", p.display())),
        (None, Target::File(_), Some(m)) => {
            let r = crate::subject::model(&options.build, zoo, &m.model, Some(&m.variant))?;
            checks.extend(r.checks.iter().map(|(n, ok, note)| (format!("reference {n}"), *ok, note.clone())));
            let path = r.path.clone();
            let scope = format!(
                "against {} rebuilt from zoo's code and checked against {} (the file's metadata names it)",
                r.label,
                zoo.manifest_path(&m.model, &m.variant)
            );
            rebuilt = Some(r);
            (Some(path), scope)
        }
        (None, Target::Model { .. }, _) => {
            (None, "between runtimes; the file is zoo's own build, its checksums checked against the manifest".into())
        }
        (None, Target::File(_), None) => (
            None,
            "between runtimes only: no reference (give --reference FILE); a file wrong the same way on every \
             runtime would pass"
                .into(),
        ),
    };
    let layers = crate::layers::LayerOptions { runtimes: &options.runtimes, reference: reference.as_deref(), slice };
    let mut report = crate::layers::report(
        &layers,
        &subject.label,
        &subject.path,
        &input,
        rtol.unwrap_or(DEFAULT_TOLERANCE.rtol),
        subject.lossy.and_then(|l| l.layer_sqnr_db),
    )?;
    drop(rebuilt);
    // A file claiming a variant's weights: its final output against the golden data, as plain
    // `verify` does it, so `--layers` never passes what `verify` fails.
    if matches!(target, Target::File(_)) && subject.manifest.is_some() {
        let golden =
            verify_subject(&VerifyOptions { batch: vec![batch], reference: None, ..options.clone() }, zoo, subject)?;
        checks.extend(golden.comparisons.iter().filter(|c| c.against.starts_with("golden")).map(|c| {
            (
                format!("output on {} against the golden data", c.runtime),
                c.metrics.pass,
                format!(
                    "max abs {:.2e} (tolerance {:.1e} + {:.1e}·|r|)",
                    c.metrics.max_abs, c.tolerance.atol, c.tolerance.rtol
                ),
            )
        }));
        checks.extend(golden.checks.into_iter().filter(|c| !c.1));
    }
    report.pass &= checks.iter().all(|c| c.1);
    report.checks = checks;
    report.scope = Some(scope);
    Ok(report)
}

/// Runtimes started on a file.
type Runners = Vec<Box<dyn Runner + Send>>;

/// A runner and what the report calls it.
type Labelled = (String, Box<dyn Runner + Send>);

/// What a verification found so far.
#[derive(Default)]
struct Findings {
    checks: Vec<(String, bool, String)>,
    /// Checks that are notes (always ok), listed after the others.
    notes: Vec<(String, bool, String)>,
    skipped: Vec<(String, String)>,
    comparisons: Vec<Comparison>,
}

fn verify_subject(options: &VerifyOptions, zoo: &ZooDir, mut s: Subject) -> crate::Result<Report> {
    let mut f = Findings { checks: std::mem::take(&mut s.checks), ..Findings::default() };
    let (runtimes, budget) = options.runtimes.bounded_for(s.nodes, s.cost.weights);
    let options = &VerifyOptions { runtimes, ..options.clone() };
    if let Some(note) = budget {
        f.notes.push(("load budget".into(), true, note));
    }
    let user_input = user_input(options, &s, &mut f)?;
    if user_input.is_none() {
        s.drawable()?;
    }
    let golden = golden_data(zoo, &s, user_input.is_some(), &mut f);
    let tol = Tolerance {
        atol: options.atol.or(s.manifest.as_ref().map(|m| m.golden.tolerance.atol)).unwrap_or(DEFAULT_TOLERANCE.atol),
        rtol: options.rtol.or(s.manifest.as_ref().map(|m| m.golden.tolerance.rtol)).unwrap_or(DEFAULT_TOLERANCE.rtol),
    };
    let batches = match &user_input {
        Some(x) => vec![x.inputs.first().map_or(1, Tensor::batch)],
        None => crate::fixed_batch::batches(&options.batch, s.fixed_batch, golden::BATCH)?,
    };
    if let Some(b) = s.fixed_batch {
        f.checks.push((
            "fixed batch".into(),
            true,
            crate::fixed_batch::note(b, golden.as_ref().map(|_| golden::BATCH)),
        ));
    }
    // Before any input is made or runtime loaded: what the largest batch costs at least.
    if let Some(&largest) = batches.iter().max() {
        crate::memory::check(&s.label, &s.cost, largest, options.max_memory)?;
    }
    let mut pool = batch::Pool::start(options, &s, &mut f)?;
    let truth =
        batch::Truth { golden: golden.as_ref(), expected: user_input.as_ref().map_or(&[][..], |u| &u.expected[..]) };
    for &n in &batches {
        let input = match &user_input {
            Some(x) => x.inputs.clone(),
            None => s.input(n)?,
        };
        pool.run_batch(&s, n, &input, tol, &truth, &mut f)?;
    }
    let Findings { mut checks, notes, skipped, comparisons } = f;
    checks.extend(notes);
    if comparisons.is_empty() {
        checks.push((
            "comparisons".into(),
            false,
            "nothing was compared: no runtime ran (see skipped), or only one ran on a file without golden data".into(),
        ));
    }
    let pass = checks.iter().all(|c| c.1) && comparisons.iter().all(|c| c.metrics.pass);
    Ok(Report { target: s.label, checks, comparisons, skipped, pass })
}

/// What `--inputs` feeds: the tensors of one run, the outputs expected (onnx's test data sets
/// hold them), and the report's line on where they came from.
struct UserInput {
    inputs: Vec<Tensor>,
    expected: Vec<(String, Tensor)>,
    note: String,
}

/// `--inputs`: the user's tensors and images, as one batch, instead of the golden input; for a
/// file with several or integer inputs, one tensor per input ([`given`]).
fn user_input(options: &VerifyOptions, s: &Subject, f: &mut Findings) -> crate::Result<Option<UserInput>> {
    let Some(dir) = &options.inputs else { return Ok(None) };
    if given::is_tensor_set(dir, &s.declared) {
        let mut drawn = Vec::new();
        let g = given::read(dir, &s.declared, |d, k| {
            drawn.push(d.name.clone());
            s.draw(d, k, 1)
        })?;
        let from_dir: Vec<&str> =
            g.inputs.iter().map(|t| t.name.as_str()).filter(|n| !drawn.iter().any(|d| d == n)).collect();
        let mut note = format!("{} from {}", from_dir.join(", "), dir.display());
        if !drawn.is_empty() {
            note.push_str(&format!("; {} drawn (seeded)", drawn.join(", ")));
        }

        let g_expected = g.expected.len();
        let expected = g
            .expected
            .into_iter()
            .map(|(p, t)| (p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()), t))
            .collect();
        let compared = match g_expected {
            0 => String::new(),
            n => format!("; {n} expected output(s) from the same folder"),
        };
        f.checks.push(("inputs".into(), true, format!("{note}{compared}")));
        return Ok(Some(UserInput { inputs: g.inputs, expected, note }));
    }
    let items = crate::calibrate::read_dir(dir, &s.input.0, &s.input.1, &s.metadata)?;
    if let Some(b) = s.fixed_batch.filter(|&b| b != items.len()) {
        bail!("{} takes a fixed batch of {b}; {} holds {} inputs", s.label, dir.display(), items.len());
    }
    let mut shape = items[0].shape.clone();
    shape[0] = items.len();
    let data = items.iter().flat_map(|t| t.data.iter().copied()).collect();
    let note = format!("{} inputs from {}", items.len(), dir.display());
    f.checks.push(("inputs".into(), true, note.clone()));
    Ok(Some(UserInput { inputs: vec![Tensor::new(s.input.0.clone(), shape, data)], expected: Vec::new(), note }))
}

/// The golden (input, output) pair that applies, or why none does.
fn golden_data(zoo: &ZooDir, s: &Subject, user_input: bool, f: &mut Findings) -> Option<(Tensor, Tensor)> {
    match &s.manifest {
        _ if user_input => {
            f.skipped.push(("golden".into(), "--inputs: the golden data is for the golden input only".into()));
            None
        }
        None => {
            f.skipped.push((
                "golden".into(),
                "no manifest's golden data applies (non-default head, or a file zoo did not write)".into(),
            ));
            None
        }
        Some(m) => match golden::load(zoo, m) {
            Ok(g) => {
                f.checks.push((
                    "golden files".into(),
                    true,
                    format!("sha256 match {}", zoo.manifest_path(&m.model, &m.variant)),
                ));
                Some(g)
            }
            Err(e) => {
                f.checks.push(("golden files".into(), false, e.to_string()));
                None
            }
        },
    }
}

/// Starts the runtimes of `options` that run for every batch (ONNX Runtime); which of the
/// others (compiled per batch) are wanted.
fn persistent(options: &VerifyOptions, s: &Subject, f: &mut Findings) -> crate::Result<(Runners, Vec<RuntimeName>)> {
    let mut runners: Runners = Vec::new();
    let mut per_batch = Vec::new();
    let saturates = s.int8_past_64 && !crate::onnx::cpu_has_vnni();
    let ort_on_cpu = options.runtimes.on_cpu_only();
    for &r in &options.runtimes.names {
        match r {
            RuntimeName::Ort if saturates && ort_on_cpu => {
                f.skipped.push(("ort/cpu".into(), crate::onnx::INT16_PAIRS.into()))
            }
            RuntimeName::Openvino if saturates => {
                f.skipped.push(("openvino/cpu".into(), crate::onnx::INT16_PAIRS.into()))
            }
            RuntimeName::Ort => match options.runtimes.start(r, &s.path, &[], s.qdq, true) {
                Ok(started) => {
                    for sk in started.skipped {
                        f.skipped.push((format!("ort/{}", sk.provider), sk.reason));
                    }
                    runners.push(started.runner);
                }
                // --strict-ep turns an unavailable provider into an error, at once.
                Err(e @ RuntimeError::Provider(_)) if options.runtimes.ort.strict => return Err(e.into()),
                Err(e) => f.skipped.push(("ort".into(), e.to_string())),
            },
            // Loaded per batch, in its worker (zoo itself never loads a runtime's library).
            RuntimeName::Openvino => per_batch.push(r),
            // tract's numbers for an fp16 file are its accumulator's, not the file's.
            RuntimeName::Tract if s.fp16 => f.skipped.push(("tract".into(), TRACT_FP16.into())),
            RuntimeName::Tract => per_batch.push(r),
        }
    }
    // tract before OpenVINO, as the reports have always listed them.
    per_batch.sort_by_key(|r| *r != RuntimeName::Tract);
    per_batch.dedup();
    Ok((runners, per_batch))
}

/// The named fp32 reference, on ONNX Runtime's CPU provider: the truth the file must match.
/// Decoded once: checked here, and kept (only) to be perturbed for an fp16 file's sensitivity.
fn named_reference(
    options: &VerifyOptions,
    sensitive: bool,
) -> crate::Result<(Option<Labelled>, Option<zoo_proto::ModelProto>)> {
    let Some(p) = &options.reference else { return Ok((None, None)) };
    let proto = crate::onnx::read_onnx(p)?;
    let (r, _) = crate::runtimes::ort(p, &options.runtimes.cpu_only(), options.runtimes.limit())
        .with_context(|| format!("reference {}", p.display()))?;
    Ok((Some((format!("reference {} (ort/cpu)", p.display()), Box::new(r))), sensitive.then_some(proto)))
}
