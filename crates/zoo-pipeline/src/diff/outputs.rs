//! Both files on ONNX Runtime's CPU provider on the same seeded inputs, every output compared
//! by position — or the reason they could not be.

use serde::Serialize;
use zoo_runtime::compare::{Tolerance, compare};
use zoo_runtime::onnxruntime::Provider;
use zoo_runtime::{Runner, Tensor};
use zoo_ship::signature::{Signature, signature};

use super::DiffOptions;
use crate::error::chain;
use crate::runtimes;
use crate::shapes::{self, declared};
use zoo_proto::ModelProto;

#[derive(Debug, Serialize)]
pub struct OutputDiff {
    pub output: String,
    pub shape: Vec<usize>,
    pub max_abs: f64,
    pub max_rel: f64,
    pub cosine: f64,
    pub tolerance: Tolerance,
    pub pass: bool,
}

pub(super) enum Outcome {
    Compared(Vec<OutputDiff>),
    /// Found different without comparing values (outputs differ in number or shape).
    Differ(String),
    NotCompared(String),
}

pub(super) fn compare_outputs(options: &DiffOptions, a: &ModelProto, b: &ModelProto) -> Outcome {
    let sigs = (signature(a, "A"), signature(b, "B"));
    let (sa, sb) = match sigs {
        (Ok(sa), Ok(sb)) => (sa, sb),
        (Err(e), _) | (_, Err(e)) => return Outcome::NotCompared(e.to_string()),
    };
    if sa.outputs.len() != sb.outputs.len() {
        return Outcome::Differ(format!("A has {} output(s), B {}", sa.outputs.len(), sb.outputs.len()));
    }
    let inputs = match feeds(options, &sa, &sb) {
        Ok(x) => x,
        Err(why) => return Outcome::NotCompared(why),
    };
    match run_both(options, &inputs, &sb) {
        Ok((oa, ob)) => pair_up(oa, ob, options.tolerance),
        Err(why) => Outcome::NotCompared(why),
    }
}

/// The element types verify and diff draw inputs of: float and float16 (integer and boolean
/// ones are given, and compared exactly).
pub(crate) fn is_float(elem_type: i32) -> bool {
    zoo_graph::DType::from_onnx(elem_type).is_some_and(zoo_graph::DType::is_float)
}

/// A's inputs, seeded, in the shapes both files accept; the same values go to B's inputs of the
/// same position.
fn feeds(options: &DiffOptions, sa: &Signature, sb: &Signature) -> Result<Vec<Tensor>, String> {
    let describe =
        |s: &Signature| s.inputs.iter().map(|i| format!("`{}` {}", i.name, declared(i))).collect::<Vec<_>>().join(", ");
    if sa.inputs.len() != sb.inputs.len() {
        return Err(format!("A takes {} and B takes {}", describe(sa), describe(sb)));
    }
    let names: Vec<_> = sa.inputs.iter().chain(&sb.inputs).cloned().collect();
    shapes::check_names(&options.shapes, &names)?;
    let mut out = Vec::new();
    for (k, (ia, ib)) in sa.inputs.iter().zip(&sb.inputs).enumerate() {
        if !is_float(ia.elem_type) || !is_float(ib.elem_type) {
            return Err(format!(
                "input {k} (`{}`) is not a float tensor in both files, and diff draws float inputs only",
                ia.name
            ));
        }
        // A binding for either name applies to the pair; else whichever file fixes the dimensions.
        let shape = match options.shapes.iter().find(|s| s.name == ia.name || s.name == ib.name) {
            Some(s) => s.dims.clone(),
            None => shapes::resolve(ia, &[], 1).or_else(|e| shapes::resolve(ib, &[], 1).map_err(|_| e))?,
        };
        if shapes::resolve(ia, &[bind(&ia.name, &shape)], 1).is_err()
            || shapes::resolve(ib, &[bind(&ib.name, &shape)], 1).is_err()
        {
            return Err(format!(
                "input {k}: A's `{}` is {}, B's `{}` is {}, and {shape:?} fits not both",
                ia.name,
                declared(ia),
                ib.name,
                declared(ib)
            ));
        }
        let mut data = vec![0f32; shape.iter().product()];
        zoo_graph::prng::Stream::new(k as u64, "diff.input").fill_uniform(0, -1.0, 1.0, &mut data);
        out.push(Tensor::new(ia.name.clone(), shape, data));
    }
    Ok(out)
}

fn bind(name: &str, dims: &[usize]) -> shapes::Binding {
    shapes::Binding { name: name.to_string(), dims: dims.to_vec() }
}

/// Both files on ONNX Runtime's CPU provider; B is fed A's values under its own input names.
fn run_both(options: &DiffOptions, inputs: &[Tensor], sb: &Signature) -> Result<(Vec<Tensor>, Vec<Tensor>), String> {
    let mut opts = options.ort.clone();
    (opts.profile, opts.providers) = (false, vec![Provider::Cpu]);
    let for_b: Vec<Tensor> = inputs
        .iter()
        .zip(&sb.inputs)
        .map(|(t, i)| Tensor::new(i.name.clone(), t.shape.clone(), t.data.clone()))
        .collect();
    let mut outs = Vec::new();
    for (which, path, x) in [("A", &options.a, inputs), ("B", &options.b, &for_b[..])] {
        let run = || -> crate::Result<Vec<Tensor>> {
            let (mut r, _) = runtimes::ort(path, &opts, runtimes::limit(runtimes::DEFAULT_TIMEOUT_S))?;
            Ok(r.run(x)?.outputs)
        };
        outs.push(run().map_err(|e| format!("{which} did not run on ONNX Runtime: {}", chain(&e)))?);
    }
    let b = outs.pop().unwrap_or_default();
    let a = outs.pop().unwrap_or_default();
    Ok((a, b))
}

fn pair_up(a: Vec<Tensor>, b: Vec<Tensor>, tol: Tolerance) -> Outcome {
    if a.len() != b.len() {
        return Outcome::Differ(format!("A returned {} output(s), B {}", a.len(), b.len()));
    }
    let mut diffs = Vec::new();
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        if x.shape != y.shape {
            return Outcome::Differ(format!(
                "output {k}: A's `{}` is {:?}, B's `{}` is {:?}",
                x.name, x.shape, y.name, y.shape
            ));
        }
        match compare(x, y, tol) {
            Ok(m) => diffs.push(OutputDiff {
                output: x.name.clone(),
                shape: x.shape.clone(),
                max_abs: m.max_abs,
                max_rel: m.max_rel,
                cosine: m.cosine,
                tolerance: tol,
                pass: m.pass,
            }),
            Err(e) => return Outcome::NotCompared(format!("output {k}: {e}")),
        }
    }
    Outcome::Compared(diffs)
}
