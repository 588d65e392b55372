//! The tract runner: zoo's pure-Rust CPU cross-check of ONNX Runtime, on `tract-onnx`
//! (<https://docs.rs/tract-onnx>, <https://github.com/sonos/tract>).
//!
//! tract follows the usual recipe, `onnx().model_for_path()` taken in its two steps (decode,
//! then parse, so that the decoded file can be mended in between): an `InferenceModel` (a graph
//! with partial type/shape facts), the input facts made concrete, and
//! `into_optimized()?.into_runnable()?` to analyse, declutter and compile it into a plan.
//!
//! Three things need care with zoo's files:
//! - **Symbolic batch.** zoo declares the batch as a symbol `N`, on the input and in every
//!   `value_info`, which tract loads as facts too. Pinning only the input fails analysis
//!   ("Unifying shapes N,8,12,12 and 1,8,12,12: Impossible to unify Sym(N) with Val(1)"), so
//!   each symbol of an input's declared shape is bound to the given size and substituted in
//!   *all* declared facts (`InferenceModelExt::set_symbols`) before the inputs are pinned: the
//!   plan is then fully concrete, and tract optimises for the actual batch.
//! - **fp16 Gemm.** tract-onnx 0.23.9 refuses an fp16 Gemm with a bias (it scales the bias by
//!   an f32 β); `f16_gemm` splits such a node into Gemm + Add in the decoded file, so that fp16
//!   files run.
//! - **Output names.** tract names nodes after ONNX nodes (`prob`, `classifier.6`), but the
//!   graph's outputs are values (`prob`, `logits`). tract-onnx's parser labels every outlet
//!   with its ONNX value name and keeps `output_outlets()` in the graph's output order; the
//!   labels are read from the `InferenceModel` before optimisation (which may rename nodes),
//!   so the `.onnx` file is decoded only once, by tract.

mod f16_gemm;

use std::collections::HashMap;
use std::path::Path;

use tract_onnx::prelude::{
    Datum, DatumType, Framework, InferenceFact, InferenceModelExt, IntoRunnable, IntoTValue, TDim, TVec,
    Tensor as TractTensor, TractError, TypedRunnableModel,
};
use tract_onnx::tract_hir::infer::GenericFactoid;

use crate::error::RuntimeError;
use crate::tensor::{IntType, Tensor};
use crate::{RunOutput, Runner};

/// The tract-onnx release compiled into zoo, as evidence records it (tract is a library, with
/// no version to ask at run time; a unit test holds this to Cargo.lock).
pub const VERSION: &str = "0.23.9";

/// A model loaded into tract and compiled for fixed input shapes.
pub struct TractRunner {
    plan: std::sync::Arc<TypedRunnableModel>,
    /// Graph inputs in graph order, with the shapes the plan was compiled for.
    inputs: Vec<(String, Vec<usize>)>,
    /// The integer or boolean type each input declares (`None`: float, fed as f32).
    input_types: Vec<Option<IntType>>,
    /// Graph output names (ONNX value names), in graph order.
    outputs: Vec<String>,
}

/// tract's errors are `anyhow` chains; `{:#}` joins the causes with `: `, and some messages
/// embed debug dumps with newlines, which a one-line report cannot carry.
fn tract_error(e: TractError) -> RuntimeError {
    let msg = format!("{e:#}");
    RuntimeError::Tract(msg.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// tract panics on some malformed files (tract-onnx 0.23.9, `model.rs:187`, "no entry found for
/// key", on a bit-flipped graph). A panic inside tract becomes tract's error, so that the other
/// runtimes still run and the user reads one line, not a backtrace: the panic hook is silenced
/// while tract runs and restored after. (zoo runs its runtimes one at a time, so no other
/// thread's panic is silenced meanwhile.)
fn guarded<T>(f: impl FnOnce() -> Result<T, RuntimeError>) -> Result<T, RuntimeError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(RuntimeError::Tract(format!(
            "tract failed inside (it panicked: {what}): the file is malformed in a way tract does not check"
        )))
    })
}

impl TractRunner {
    /// Loads `model`, fixes every graph input to the given concrete shape (batch included:
    /// zoo's files may have a symbolic batch `N`), then optimises it into a runnable plan.
    ///
    /// Every graph input needs a shape, and only graph inputs may be named. A given size that
    /// contradicts a fixed dimension of the file, or two sizes for one symbol, is an error.
    pub fn new(model: &Path, input_shapes: &[(String, Vec<usize>)]) -> Result<TractRunner, RuntimeError> {
        guarded(|| Self::load(model, input_shapes))
    }

    fn load(model: &Path, input_shapes: &[(String, Vec<usize>)]) -> Result<TractRunner, RuntimeError> {
        let onnx = tract_onnx::onnx();
        let mut proto = onnx.proto_model_for_path(model).map_err(tract_error)?;
        f16_gemm::split_bias(&mut proto);
        // As `model_for_path` does: external data is found beside the file.
        let dir = model.parent().and_then(Path::to_str);
        let parsed = onnx.parse(&proto, dir).map_err(tract_error)?;
        if !parsed.unresolved_inputs.is_empty() {
            return Err(RuntimeError::Tract(format!(
                "{}: node inputs no node or initializer makes: {}",
                model.display(),
                parsed.unresolved_inputs.join(", ")
            )));
        }
        let mut m = parsed.model;
        let input_names: Vec<String> =
            m.input_outlets().map_err(tract_error)?.iter().map(|o| m.node(o.node).name.clone()).collect();
        for (name, _) in input_shapes {
            if !input_names.contains(name) {
                return Err(RuntimeError::Mismatch(format!(
                    "{} has no input `{name}` (its inputs: {})",
                    model.display(),
                    input_names.join(", ")
                )));
            }
        }

        let mut inputs = Vec::with_capacity(input_names.len());
        let mut input_types = Vec::with_capacity(input_names.len());
        let mut symbols = HashMap::new();
        for name in &input_names {
            let shape = input_shapes.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone()).ok_or_else(|| {
                RuntimeError::Mismatch(format!("no shape given for input `{name}` of {}", model.display()))
            })?;
            let ix = inputs.len();
            let fact = m.input_fact(ix).map_err(tract_error)?;
            input_types.push(bind_symbols(name, fact, &shape, &mut symbols)?);
            inputs.push((name.clone(), shape));
        }
        let outputs = m
            .output_outlets()
            .map_err(tract_error)?
            .iter()
            .map(|&o| {
                m.outlet_label(o)
                    .map(str::to_string)
                    // tract-onnx labels every ONNX output; a node name is the best fallback.
                    .unwrap_or_else(|| m.node(o.node).name.clone())
            })
            .collect();

        m.set_symbols(&symbols).map_err(tract_error)?;
        for (ix, ((_, shape), ty)) in inputs.iter().zip(&input_types).enumerate() {
            let dt = ty.map_or(f32::datum_type(), datum_type);
            m.set_input_fact(ix, InferenceFact::dt_shape(dt, shape.clone())).map_err(tract_error)?;
        }
        let plan = m.into_optimized().and_then(|typed| typed.into_runnable()).map_err(tract_error)?;
        Ok(TractRunner { plan, inputs, input_types, outputs })
    }

    /// Graph inputs with the shapes the plan was compiled for, in graph order.
    pub fn inputs(&self) -> &[(String, Vec<usize>)] {
        &self.inputs
    }

    /// Graph output names, in graph order.
    pub fn output_names(&self) -> &[String] {
        &self.outputs
    }
}

/// tract's type for an integer or boolean type.
fn datum_type(ty: IntType) -> DatumType {
    match ty {
        IntType::Bool => DatumType::Bool,
        IntType::U8 => DatumType::U8,
        IntType::I8 => DatumType::I8,
        IntType::U16 => DatumType::U16,
        IntType::I16 => DatumType::I16,
        IntType::I32 => DatumType::I32,
        IntType::U32 => DatumType::U32,
        IntType::I64 => DatumType::I64,
    }
}

/// The integer or boolean type of tract's type `dt`, if it is one.
fn int_type(dt: DatumType) -> Option<IntType> {
    IntType::ALL.into_iter().find(|&t| datum_type(t) == dt)
}

/// Checks `shape` against the declared fact of input `name` and records what each of its
/// symbols stands for; the input's integer or boolean type, `None` for f32.
fn bind_symbols(
    name: &str,
    fact: &InferenceFact,
    shape: &[usize],
    symbols: &mut HashMap<tract_onnx::prelude::Symbol, TDim>,
) -> Result<Option<IntType>, RuntimeError> {
    let mut ty = None;
    if let GenericFactoid::Only(dt) = fact.datum_type
        && dt != f32::datum_type()
    {
        ty = Some(int_type(dt).ok_or_else(|| {
            RuntimeError::Mismatch(format!("input `{name}` is {dt:?}; zoo feeds f32, bool and integers to tract"))
        })?);
    }
    let declared: Vec<_> = fact.shape.dims().cloned().collect();
    if !fact.shape.is_open() && declared.len() != shape.len() {
        return Err(RuntimeError::Mismatch(format!(
            "input `{name}` has rank {}, given shape {shape:?}",
            declared.len()
        )));
    }
    for (axis, (dim, &size)) in declared.iter().zip(shape).enumerate() {
        let GenericFactoid::Only(dim) = dim else {
            continue;
        };
        match dim {
            TDim::Val(v) if *v != size as i64 => {
                return Err(RuntimeError::Mismatch(format!(
                    "input `{name}` has size {v} on axis {axis}, given shape {shape:?}"
                )));
            }
            TDim::Sym(s) => {
                let size = TDim::Val(size as i64);
                match symbols.get(s) {
                    Some(bound) if *bound != size => {
                        return Err(RuntimeError::Mismatch(format!(
                            "symbol `{s}` (axis {axis} of input `{name}`) given both {bound} and {size}"
                        )));
                    }
                    _ => {
                        symbols.insert(s.clone(), size);
                    }
                }
            }
            // Fixed sizes that agree, and expressions, which tract checks itself.
            _ => {}
        }
    }
    Ok(ty)
}

impl Runner for TractRunner {
    fn label(&self) -> String {
        "tract".into()
    }

    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError> {
        guarded(|| self.run_unguarded(inputs))
    }
}

impl TractRunner {
    fn run_unguarded(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError> {
        // The plan was compiled for these shapes; another one would fail deep inside tract.
        let mut feed = TVec::new();
        let given = crate::tensor::match_static(inputs, &self.inputs, "tract plan was built")?;
        for (t, declared) in given.into_iter().zip(&self.input_types) {
            t.fits(*declared).map_err(RuntimeError::Mismatch)?;
            let tensor = match &t.ints {
                None => TractTensor::from_shape(&t.shape, &t.data).map_err(tract_error)?,
                Some(i) => {
                    let wide = TractTensor::from_shape(&t.shape, &i.values).map_err(tract_error)?;
                    wide.cast_to_dt(datum_type(i.ty)).map_err(tract_error)?.into_owned()
                }
            };
            feed.push(tensor.into_tvalue());
        }
        let results = self.plan.run(feed).map_err(tract_error)?;
        let outputs = results
            .into_iter()
            .zip(&self.outputs)
            .map(|(value, name)| {
                // tract types a Shape's output as TDim (symbolic dimensions): concrete here, INT64
                // as the file declares it.
                let ty = if value.datum_type() == DatumType::TDim {
                    Some(IntType::I64)
                } else {
                    int_type(value.datum_type())
                };
                if let Some(ty) = ty {
                    let wide = value.cast_to::<i64>().map_err(tract_error)?;
                    let view = wide.to_plain_array_view::<i64>().map_err(tract_error)?;
                    return Ok(Tensor::int(name.clone(), view.shape().to_vec(), ty, view.iter().copied().collect()));
                }
                let view = value.to_plain_array_view::<f32>().map_err(|_| {
                    RuntimeError::Mismatch(format!(
                        "output `{name}` is {:?}; zoo compares f32 only",
                        value.datum_type()
                    ))
                })?;
                // Logical (row-major) order, whatever the strides.
                Ok(Tensor::new(name.clone(), view.shape().to_vec(), view.iter().copied().collect()))
            })
            .collect::<Result<Vec<_>, RuntimeError>>()?;
        Ok(RunOutput { outputs, providers: vec!["tract".into()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zoo_graph::ops::{BatchNorm, Conv, Dropout, Flatten, Linear, Lrn, MaxPool, Relu, Softmax};
    use zoo_graph::{Batch, Net, Opset, image};

    /// Deterministic inputs in `[-scale, scale)` (SplitMix64), so failures reproduce.
    fn values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                ((z >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    /// A small AlexNet-shaped network with every op zoo's AlexNets use. Its output value is
    /// `scores` while the node that makes it is `prob`, as in zoo's torchvision files
    /// (node `classifier.6`, value `logits`).
    fn small_net(dir: &Path, opset: i64, batch: Batch) -> std::path::PathBuf {
        let mut net = Net::new("small", Opset::new(opset).unwrap());
        let x = net.input("input", image(batch, 3, 12, 12)).unwrap();
        let x = net.layer("conv1", x, Conv::new(8, 3).pad(1)).unwrap();
        let x = net.layer("relu1", x, Relu).unwrap();
        let x = net.layer("norm1", x, Lrn::paper(2.0, 5, 1e-4, 0.75)).unwrap();
        let x = net.layer("pool1", x, MaxPool::new(3, 2)).unwrap();
        let x = net.layer("bn1", x, BatchNorm::new(BatchNorm::KERAS_EPS)).unwrap();
        let x = net.layer("flatten", x, Flatten).unwrap();
        let x = net.layer("fc1", x, Linear::new(16)).unwrap();
        let x = net.layer("drop1", x, Dropout(0.5)).unwrap();
        let x = net.layer("fc2", x, Linear::new(10)).unwrap();
        let x = net.layer("prob", x, Softmax { axis: 1 }).unwrap();
        net.output(x, "scores").unwrap();
        let path = dir.join(format!("small-{opset}.onnx"));
        let model = net.finish("test", vec![]);
        zoo_graph::write::write_file(&model, &zoo_graph::Seeded { seed: 0 }, &path, &Default::default()).unwrap();
        path
    }

    /// Integer and boolean inputs in their declared types, outputs read back exactly, as ONNX
    /// Runtime's runner does.
    #[test]
    fn integer_and_bool_tensors_are_exchanged_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::test_nets::typed_net(dir.path());
        let inputs = crate::test_nets::typed_inputs();
        let mut r = TractRunner::new(&path, &crate::test_nets::typed_shapes()).unwrap();
        let out = r.run(&inputs).unwrap();
        crate::test_nets::check_typed_outputs("tract", &out.outputs);
        let mut wrong = inputs.clone();
        wrong[2] = Tensor::new(wrong[2].name.clone(), vec![3], vec![0.0; 3]);
        let msg = r.run(&wrong).unwrap_err().to_string();
        assert!(msg.contains("`x_uint8` is UINT8 in the model, given FLOAT"), "{msg}");
    }

    fn run1(path: &Path, x: Tensor) -> Tensor {
        let mut r = TractRunner::new(path, &[(x.name.clone(), x.shape.clone())]).unwrap();
        let mut out = r.run(&[x]).unwrap();
        assert_eq!(out.providers, ["tract"]);
        assert_eq!(out.outputs.len(), 1);
        out.outputs.remove(0)
    }

    fn assert_close(a: &[f32], b: &[f32], rel: f32) {
        assert_eq!(a.len(), b.len());
        let scale = b.iter().fold(0f32, |m, x| m.max(x.abs()));
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= rel * scale.max(f32::MIN_POSITIVE), "element {i}: {x} vs {y} (scale {scale})");
        }
    }

    #[test]
    fn symbolic_batch_runs_at_any_size_with_graph_output_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = small_net(dir.path(), 17, Batch::Dynamic);
        let x3 = Tensor::new("input", vec![3, 3, 12, 12], values(3 * 432, 1, 2.0));
        let mut r3 = TractRunner::new(&path, &[("input".into(), vec![3, 3, 12, 12])]).unwrap();
        assert_eq!(r3.label(), "tract");
        assert_eq!(r3.output_names(), ["scores"]);
        let y3 = r3.run(std::slice::from_ref(&x3)).unwrap().outputs.remove(0);
        assert_eq!(y3.name, "scores");
        assert_eq!(y3.shape, [3, 10]);
        // Softmax rows sum to one: the whole graph ran, not a stub.
        for b in 0..3 {
            let s: f32 = y3.item(b).iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "{s}");
        }
        // Batch items are independent. Within one plan, bit for bit: an item gives the same
        // row whatever the other items are.
        for b in 0..3 {
            let mut other = values(3 * 432, 9, 2.0);
            other[b * 432..(b + 1) * 432].copy_from_slice(x3.item(b));
            let yo = r3.run(&[Tensor::new("input", vec![3, 3, 12, 12], other)]);
            assert_eq!(yo.unwrap().outputs[0].item(b), y3.item(b));
        }
        // Across plans for different batch sizes tract picks other kernels (matrix-vector for
        // batch 1), so the sums run in another order: measured 4e-6 relative, not 1e-6.
        for b in 0..3 {
            let xb = Tensor::new("input", vec![1, 3, 12, 12], x3.item(b).to_vec());
            let yb = run1(&path, xb);
            assert_eq!(yb.shape, [1, 10]);
            assert_close(&yb.data, y3.item(b), 1e-5);
        }
        // The same runner runs again with new values.
        let again = r3.run(&[Tensor::new("input", vec![3, 3, 12, 12], values(3 * 432, 2, 2.0))]);
        assert_ne!(again.unwrap().outputs[0].data, y3.data);
    }

    #[test]
    fn every_opset_zoo_writes_loads() {
        let dir = tempfile::tempdir().unwrap();
        let x = Tensor::new("input", vec![2, 3, 12, 12], values(2 * 432, 3, 1.0));
        let reference = run1(&small_net(dir.path(), 17, Batch::Dynamic), x.clone());
        for opset in [13, 21] {
            let y = run1(&small_net(dir.path(), opset, Batch::Dynamic), x.clone());
            assert_eq!(y.shape, [2, 10]);
            // Same weights (keyed by name, not opset), same ops: same numbers.
            assert_close(&y.data, &reference.data, 1e-6);
        }
    }

    /// Krizhevsky et al. 2012, §3.3, in f64: `b_c = a_c / (k + α Σ_{j=c−n/2}^{c+n/2} a_j²)^β`.
    fn paper_lrn(x: &[f32], channels: usize, hw: usize, k: f64, n: usize, alpha: f64, beta: f64) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        for item in 0..x.len() / (channels * hw) {
            for c in 0..channels {
                for p in 0..hw {
                    let at = |j: usize| f64::from(x[(item * channels + j) * hw + p]);
                    let lo = c.saturating_sub(n / 2);
                    let hi = (c + n / 2).min(channels - 1);
                    let sum: f64 = (lo..=hi).map(|j| at(j) * at(j)).sum();
                    out[(item * channels + c) * hw + p] = at(c) / (k + alpha * sum).powf(beta);
                }
            }
        }
        out
    }

    #[test]
    fn lrn_matches_the_paper_formula() {
        let dir = tempfile::tempdir().unwrap();
        let mut net = Net::new("lrn", Opset::DEFAULT);
        let x = net.input("input", image(Batch::Dynamic, 7, 3, 3)).unwrap();
        let lrn = Lrn { size: 5, alpha: 5e-4, beta: 0.75, bias: 2.0 };
        let y = net.layer("norm", x, lrn).unwrap();
        net.output(y, "y").unwrap();
        let path = dir.path().join("lrn.onnx");
        zoo_graph::write::write_file(
            &net.finish("", vec![]),
            &zoo_graph::Seeded { seed: 0 },
            &path,
            &Default::default(),
        )
        .unwrap();
        // Values up to 100, so that α·Σa² (up to ~5) is comparable to k and the test sees α.
        let x = Tensor::new("input", vec![2, 7, 3, 3], values(126, 4, 100.0));
        let y = run1(&path, x.clone());
        let want = paper_lrn(&x.data, 7, 9, 2.0, 5, 1e-4, 0.75);
        // If the test could not tell ONNX's alpha from the paper's, it would prove nothing.
        let wrong = paper_lrn(&x.data, 7, 9, 2.0, 5, 5e-4, 0.75);
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-30);
        let worst_wrong = want.iter().zip(&wrong).map(|(a, b)| rel(*b, *a)).fold(0.0, f64::max);
        assert!(worst_wrong > 0.1, "{worst_wrong}");
        for (i, (got, want)) in y.data.iter().zip(&want).enumerate() {
            assert!(rel(f64::from(*got), *want) <= 1e-5, "element {i}: {got} vs {want}");
        }
    }

    /// An fp16 file (zoo's fp16 pass: Gemm with an fp16 bias, as every fp16 classifier head
    /// has) loads and runs; tract-onnx 0.23.9 alone refuses it (see `f16_gemm`).
    #[test]
    fn fp16_files_run() {
        use zoo_graph::passes::{Pass, ToFp16};
        let dir = tempfile::tempdir().unwrap();
        let mut net = Net::new("fp16", Opset::DEFAULT);
        let x = net.input("input", image(Batch::Dynamic, 3, 4, 4)).unwrap();
        let x = net.layer("flatten", x, Flatten).unwrap();
        let x = net.layer("fc", x, Linear::new(10)).unwrap();
        net.output(x, "logits").unwrap();
        let model = net.finish("test", vec![]);
        let seeded = zoo_graph::Seeded { seed: 3 };
        let (f32_path, f16_path) = (dir.path().join("f32.onnx"), dir.path().join("f16.onnx"));
        zoo_graph::write::write_file(&model, &seeded, &f32_path, &Default::default()).unwrap();
        let mut graph = zoo_graph::ir::Graph::from_model(&model).unwrap();
        let passes: Vec<Box<dyn Pass>> = vec![Box::new(ToFp16 { io_fp16: false })];
        zoo_graph::passes::run(&mut graph, &passes, &seeded).unwrap();
        zoo_graph::write::write_file(&graph, &seeded, &f16_path, &Default::default()).unwrap();

        let x = Tensor::new("input", vec![2, 3, 4, 4], values(96, 5, 1.0));
        let (want, got) = (run1(&f32_path, x.clone()), run1(&f16_path, x));
        assert_eq!(got.shape, [2, 10]);
        // fp16 weights and activations: a few 2⁻¹¹ steps of the largest output.
        assert_close(&got.data, &want.data, 1e-2);
    }

    #[test]
    fn bad_shapes_and_names_are_mismatches() {
        let dir = tempfile::tempdir().unwrap();
        let path = small_net(dir.path(), 17, Batch::Dynamic);
        let err = |r: Result<TractRunner, RuntimeError>| match r {
            Err(e) => e,
            Ok(_) => panic!("accepted"),
        };
        let e = err(TractRunner::new(&path, &[]));
        assert!(matches!(&e, RuntimeError::Mismatch(m) if m.starts_with("no shape given for input `input`")), "{e}");
        let e = err(TractRunner::new(&path, &[("image".into(), vec![1, 3, 12, 12])]));
        assert!(e.to_string().contains("has no input `image` (its inputs: input)"), "{e}");
        let e = err(TractRunner::new(&path, &[("input".into(), vec![1, 3, 12])]));
        assert!(e.to_string().contains("rank 4"), "{e}");
        let e = err(TractRunner::new(&path, &[("input".into(), vec![1, 3, 13, 12])]));
        assert_eq!(e.to_string(), "input `input` has size 12 on axis 2, given shape [1, 3, 13, 12]");

        let fixed = small_net(dir.path(), 13, Batch::Fixed(2));
        assert!(TractRunner::new(&fixed, &[("input".into(), vec![3, 3, 12, 12])]).is_err());
        assert!(TractRunner::new(&fixed, &[("input".into(), vec![2, 3, 12, 12])]).is_ok());

        let mut r = TractRunner::new(&path, &[("input".into(), vec![1, 3, 12, 12])]).unwrap();
        let e = r.run(&[Tensor::new("input", vec![2, 3, 12, 12], vec![0.0; 864])]).unwrap_err();
        assert!(e.to_string().contains("built for [1, 3, 12, 12]"), "{e}");
        let e = r.run(&[]).unwrap_err();
        assert_eq!(e.to_string(), "no value given for input `input`");
        let e = r.run(&[Tensor::new("x", vec![1], vec![0.0])]).unwrap_err();
        assert!(e.to_string().contains("no input `x`"), "{e}");
    }

    #[test]
    fn tract_errors_are_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.onnx");
        let e = match TractRunner::new(&missing, &[]) {
            Err(e) => e,
            Ok(_) => panic!("loaded a missing file"),
        };
        assert!(matches!(e, RuntimeError::Tract(_)));
        let msg = e.to_string();
        assert!(msg.starts_with("tract: ") && !msg.contains('\n'), "{msg}");
        let garbage = dir.path().join("garbage.onnx");
        std::fs::write(&garbage, b"\x0a\xff\xff\xff\xff\x0f not onnx").unwrap();
        let e = TractRunner::new(&garbage, &[]).err().unwrap();
        assert!(matches!(e, RuntimeError::Tract(_)) && !e.to_string().contains('\n'), "{e}");
    }

    #[test]
    fn version_is_the_locked_release() {
        let lock = include_str!("../../../../Cargo.lock");
        let entry =
            lock.split("[[package]]").find(|p| p.contains("name = \"tract-onnx\"")).expect("tract-onnx in Cargo.lock");
        assert!(entry.contains(&format!("version = \"{VERSION}\"")), "Cargo.lock has {entry}");
    }
}
