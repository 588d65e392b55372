//! What is verified: a model variant (built and written here) or a file, with the manifest
//! whose golden data applies to it, and what the file says about itself (precision, fixed
//! batch, preprocessing, memory floor).

use std::path::{Path, PathBuf};

use zoo_artifacts::{Manifest, ZooDir, golden};
use zoo_graph::Seeded;
use zoo_graph::analysis::analyze;
use zoo_proto::ModelProto;
use zoo_runtime::Tensor;

use crate::error::Context;
use crate::shapes::Binding;
use crate::verify::tolerance::{FP16_UNIT, INT8_LAYER_SQNR_DB, INT8_SYMMETRIC_UNIT, INT8_UNIT, Lossy};
use crate::{bail, onnx};

/// A model variant or a file, as a command names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A family, and its variant (default: the family's first).
    Model {
        model: String,
        variant: Option<String>,
    },
    File(PathBuf),
}

impl Target {
    /// A `MODEL | FILE.onnx` argument (see [`onnx::is_file_target`]).
    pub fn parse(target: &str, variant: Option<&str>) -> Target {
        if onnx::is_file_target(target) {
            Target::File(PathBuf::from(target))
        } else {
            Target::Model { model: target.to_string(), variant: variant.map(str::to_string) }
        }
    }
}

/// A file to verify, and the manifest whose golden data applies to it.
pub struct Subject {
    pub label: String,
    pub path: PathBuf,
    pub manifest: Option<Manifest>,
    /// The first input's name and shape per item (C, H, W); the batch is the caller's.
    pub input: (String, Vec<usize>),
    /// The file's other inputs (node tests feed weights as inputs), each fed the same seeded
    /// values at every batch, shaped as declared or by `--shape` (a symbolic first dimension
    /// takes the batch).
    pub others: Vec<zoo_ship::signature::Tensor>,
    /// `--shape` bindings (and those `--inputs` tensors give).
    pub shapes: Vec<Binding>,
    /// Every graph input as the file declares it, in order (the first is [`Subject::input`]).
    pub declared: Vec<zoo_ship::signature::Tensor>,
    /// The input's batch when the file fixes it (`export --batch 1`, most published files).
    pub fixed_batch: Option<usize>,
    pub checks: Vec<(String, bool, String)>,
    /// For fp16 and int8 files (`zoo.precision`): their rounding unit and the Conv/Gemm/MatMul
    /// layers on the longest path.
    pub lossy: Option<Lossy>,
    /// The file's `metadata_props` (its `preprocess.*` prepare `--inputs` images).
    pub metadata: Vec<(String, String)>,
    /// Q/DQ-quantized ([`onnx::is_qdq`]).
    pub qdq: bool,
    /// Q/DQ-quantized with int8 weights past ±64 ([`onnx::int8_weights_past_64`]).
    pub int8_past_64: bool,
    /// Computes in fp16 ([`onnx::is_fp16`]).
    pub fp16: bool,
    /// What one run costs at least (`--max-memory`).
    pub cost: crate::memory::Cost,
    /// Nodes in the graph (large graphs get a load budget: [`crate::runtimes::load_budget`]).
    pub nodes: usize,
    _dir: Option<tempfile::TempDir>,
}

impl Subject {
    /// The subject `target` names; a model is built with `build`; `shapes` bind a file's
    /// symbolic dimensions.
    pub fn of(
        target: &Target,
        build: &zoo_models::Options,
        zoo: &ZooDir,
        shapes: &[Binding],
    ) -> crate::Result<Subject> {
        match target {
            Target::File(path) => file(zoo, path, shapes),
            Target::Model { model: m, variant } => model(build, zoo, m, variant.as_deref()),
        }
    }

    /// The inputs of a run of `batch` items: the first is the golden input when a manifest
    /// applies (its first items equal the golden input whatever the batch), else uniform on
    /// [−1, 1) from a seeded stream; the others ([`Subject::others`]) from streams of their own.
    pub fn input(&self, batch: usize) -> crate::Result<Vec<Tensor>> {
        self.drawable()?;
        let mut shape = vec![batch];
        shape.extend(&self.input.1);
        let mut out = vec![self.first_input(batch, shape)?];
        for (k, t) in self.others.iter().enumerate() {
            out.push(self.draw(t, k + 1, batch)?);
        }
        Ok(out)
    }

    /// Every input is a float one, which verify can draw; otherwise the error naming the first
    /// that is not, and the flag that gives it.
    pub fn drawable(&self) -> crate::Result<()> {
        if let Some((k, t)) = self.declared.iter().enumerate().find(|(_, t)| !crate::diff::is_float(t.elem_type)) {
            bail!(
                "input `{}` of {} is {}: verify draws float inputs only; give its values with --inputs DIR, a folder \
                 with input_{k}.pb for it (laid out as onnx's test data sets: input_K.pb per graph input)",
                t.name,
                self.label,
                zoo_ship::triton::onnx_type_name(t.elem_type)
            );
        }
        Ok(())
    }

    fn first_input(&self, batch: usize, shape: Vec<usize>) -> crate::Result<Tensor> {
        match self.manifest.as_ref().and_then(|m| zoo_models::find(&m.model, Some(&m.variant)).ok()) {
            Some((_, v)) => Ok(golden::input(v, &self.input.0, batch)),
            None => self.seeded(&self.input.0, shape, "verify.input"),
        }
    }

    /// The values verify draws for input `t` (position `k`) at batch `batch`, as
    /// [`Subject::input`] draws them.
    pub(crate) fn draw(&self, t: &zoo_ship::signature::Tensor, k: usize, batch: usize) -> crate::Result<Tensor> {
        let shape = crate::shapes::resolve(t, &self.shapes, batch).map_err(|e| crate::err!("{e}"))?;
        let stream = if k == 0 { "verify.input".to_string() } else { format!("verify.input.{k}") };
        self.seeded(&t.name, shape, &stream)
    }

    /// Uniform on [−1, 1) from the seeded stream `stream`.
    fn seeded(&self, name: &str, shape: Vec<usize>, stream: &str) -> crate::Result<Tensor> {
        // Fallible: past --max-memory's check (raised by hand) the file's declared shape is
        // still the user's word, and a failed allocation would abort zoo.
        let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let mut data = Vec::new();
        if n.is_none_or(|n| data.try_reserve_exact(n).is_err()) {
            bail!(
                "cannot allocate the input {shape:?} of {} ({} bytes of f32): the file declares it; run a \
                 smaller --batch, or leave --max-memory at its default to have such files refused up front",
                self.label,
                n.map_or_else(|| "more than 2^64".to_string(), |n| (4 * n as u128).to_string())
            );
        }
        data.resize(n.unwrap_or(0), 0f32);
        zoo_graph::prng::Stream::new(0, stream).fill_uniform(0, -1.0, 1.0, &mut data);
        Ok(Tensor::new(name, shape, data))
    }
}

/// A variant built with `build` and seed 0, written to a temporary file; its checksums checked
/// against the manifest where the options are the pinned ones.
pub fn model(build: &zoo_models::Options, zoo: &ZooDir, model: &str, variant: Option<&str>) -> crate::Result<Subject> {
    let (family, v) = zoo_models::find(model, variant)?;
    let options = zoo_models::Options { batch: zoo_graph::Batch::Dynamic, ..build.clone() };
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
        others: Vec::new(),
        shapes: Vec::new(),
        declared: vec![zoo_ship::signature::Tensor {
            name: "input".into(),
            elem_type: 1,
            dims: [None, Some(c), Some(h), Some(w)]
                .map(|d| d.map_or(zoo_ship::signature::Dim::Symbolic, |n| zoo_ship::signature::Dim::Fixed(n as i64)))
                .to_vec(),
        }],
        fixed_batch: None,
        checks,
        lossy: None,
        qdq: onnx::is_qdq(&built.proto),
        int8_past_64: onnx::is_qdq(&built.proto) && onnx::int8_weights_past_64(&built.proto),
        fp16: onnx::is_fp16(&built.proto),
        cost: crate::memory::Cost::of(&built.proto, &analyze(&built.proto)),
        nodes: built.proto.graph.as_ref().map_or(0, |g| g.node.len()),
        metadata: onnx::metadata(&built.proto),
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
pub fn file(zoo: &ZooDir, path: &Path, shapes: &[Binding]) -> crate::Result<Subject> {
    let proto = onnx::read_onnx(path)?;
    let a = analyze(&proto);
    let label = path.display().to_string();
    let sig = zoo_ship::signature::signature(&proto, &label).map_err(|e| crate::err!("{e}"))?;
    crate::shapes::check_names(shapes, &sig.inputs).map_err(|e| crate::err!("{e}"))?;
    let (first, others) = sig.inputs.split_first().context("the model has no input")?;
    let name = first.name.clone();
    // Resolved at batch 1 only to learn the dimensions past the batch.
    // A rank-0 first input (Range's `start`) has no batch axis and nothing past it.
    let dims =
        crate::shapes::resolve(first, shapes, 1).map_err(|e| crate::err!("{e}"))?.get(1..).unwrap_or(&[]).to_vec();
    let fixed = match first.dims.first() {
        Some(zoo_ship::signature::Dim::Fixed(n)) => usize::try_from(*n).ok(),
        _ => None,
    };
    for t in others {
        crate::shapes::resolve(t, shapes, 1).map_err(|e| crate::err!("{e}"))?;
    }
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
    let precision = meta("zoo.precision");
    let int8_symmetric = meta("zoo.int8.scheme").as_deref() == Some("tensorrt");
    let lossy = lossy(&proto, precision.as_deref(), int8_symmetric);
    let checks = lossy.map(|l| lossy_check(precision.as_deref(), l)).into_iter().flatten().collect();
    Ok(Subject {
        label,
        path: path.to_path_buf(),
        manifest,
        input: (name, dims),
        others: others.to_vec(),
        shapes: shapes.to_vec(),
        declared: sig.inputs.clone(),
        fixed_batch: fixed,
        checks,
        lossy,
        metadata: a.metadata.clone(),
        qdq: onnx::is_qdq(&proto),
        int8_past_64: onnx::is_qdq(&proto) && onnx::int8_weights_past_64(&proto),
        fp16: onnx::is_fp16(&proto),
        cost: crate::memory::Cost::of(&proto, &a),
        nodes: proto.graph.as_ref().map_or(0, |g| g.node.len()),
        _dir: None,
    })
}

/// The rounding a file's `zoo.precision` says it does, over its layers.
fn lossy(proto: &ModelProto, precision: Option<&str>, int8_symmetric: bool) -> Option<Lossy> {
    let softmax = ends_in_softmax(proto);
    let depth = || zoo_graph::analysis::layer_depth(proto);
    match precision {
        Some("fp16") => Some(Lossy { unit: FP16_UNIT, depth: depth(), softmax, layer_sqnr_db: None }),
        Some("int8") => {
            let unit = if int8_symmetric { INT8_SYMMETRIC_UNIT } else { INT8_UNIT };
            Some(Lossy { unit, depth: depth(), softmax, layer_sqnr_db: Some(INT8_LAYER_SQNR_DB) })
        }
        _ => None,
    }
}

/// Whether the graph's first output is a Softmax's (through the fp16 pass's Cast back to fp32,
/// too).
fn ends_in_softmax(proto: &ModelProto) -> bool {
    proto.graph.as_ref().is_some_and(|g| {
        let out = g.output.first().and_then(|o| o.name.clone()).unwrap_or_default();
        let producer = |v: &str| g.node.iter().find(|n| n.output.iter().any(|o| o == v));
        let mut n = producer(&out);
        if let Some(c) = n.filter(|c| c.op_type() == "Cast") {
            n = c.input.first().and_then(|i| producer(i));
        }
        n.is_some_and(|n| n.op_type() == "Softmax")
    })
}

/// The report's line on how a lossy file is judged.
fn lossy_check(precision: Option<&str>, lossy: Lossy) -> Option<(String, bool, String)> {
    let Lossy { depth: l, unit, .. } = lossy;
    match precision {
        Some("fp16") => Some((
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
        Some("int8") => Some((
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
        _ => None,
    }
}
