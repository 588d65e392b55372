//! Two ONNX files side by side (`zoo diff A.onnx B.onnx`) — zoo's export and another exporter's, two
//! zoo versions, a file before and after `compile`. The parameterised layers (nodes reading a
//! float initializer or Constant node) are aligned by the names of their weights where the files
//! agree, else in graph order; per pair it reports op, attribute and output-shape differences and
//! whether the weights are equal (per-tensor SHA-256) or how far apart (max |a − b|). Then both
//! files run on ONNX Runtime's CPU provider on the same inputs and every output is compared.
//!
//! The verdict is only as strong as what was compared:
//! - **equivalent**: every output agrees within the tolerance (`|a − b| ≤ atol + rtol·|b|`,
//!   verify's defaults for files without a manifest), or — where the files cannot both run — the
//!   two graphs are the same computation node for node ([`structure`]);
//! - **differ**: an output is outside the tolerance, or the outputs differ in number or shape;
//! - **not compared**: neither, with the reason (inputs that differ, a symbolic dimension
//!   without `--shape`, a file that does not run). Two unrelated models are never equivalent.

mod layers;
mod outputs;
mod structure;

use std::path::PathBuf;

use serde::Serialize;
use zoo_runtime::compare::Tolerance;
use zoo_runtime::onnxruntime::OrtOptions;

pub use layers::{Layer, Pair, Weight};
pub use outputs::OutputDiff;
pub(crate) use outputs::is_float;

use crate::onnx::read_onnx;
use crate::shapes::Binding;

/// How far a comparison got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Equivalent,
    Differ,
    NotCompared,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub a: String,
    pub b: String,
    pub layers: Vec<Pair>,
    /// Every output, paired by position; empty when they were not compared.
    pub outputs: Vec<OutputDiff>,
    /// Why the outputs were not compared (or were found to differ before any value was).
    pub skipped: Option<String>,
    /// Whether the graphs are the same computation node for node (names aside).
    pub identical_graphs: bool,
    pub verdict: Verdict,
    /// The verdict in one line: what was compared, or why nothing was.
    pub why: String,
    pub equivalent: bool,
}

/// Two files to compare, and how.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub a: PathBuf,
    pub b: PathBuf,
    /// For the outputs: `|a − b| ≤ atol + rtol·|b|`.
    pub tolerance: Tolerance,
    /// ONNX Runtime as asked (it runs on its CPU provider, unprofiled, whatever the providers).
    pub ort: OrtOptions,
    /// Shapes for inputs whose dimensions past the batch are symbolic (`--shape`).
    pub shapes: Vec<Binding>,
}

/// Aligns and compares the parameterised layers of both files, then runs both.
pub fn diff(options: &DiffOptions) -> crate::Result<Report> {
    let (a, b) = (read_onnx(&options.a)?, read_onnx(&options.b)?);
    let (la, lb) = (layers::layers(&a, &options.a)?, layers::layers(&b, &options.b)?);
    let pairs = layers::align(&la, &lb);
    let identical_graphs = structure::same_computation(&a, &options.a, &b, &options.b);
    let outcome = outputs::compare_outputs(options, &a, &b);
    let (verdict, why) = judge(&outcome, identical_graphs, &pairs);
    let (outputs, skipped) = match outcome {
        outputs::Outcome::Compared(o) => (o, None),
        outputs::Outcome::Differ(why) | outputs::Outcome::NotCompared(why) => (vec![], Some(why)),
    };
    Ok(Report {
        a: options.a.display().to_string(),
        b: options.b.display().to_string(),
        layers: pairs,
        outputs,
        skipped,
        identical_graphs,
        verdict,
        why,
        equivalent: verdict == Verdict::Equivalent,
    })
}

fn judge(outcome: &outputs::Outcome, identical: bool, pairs: &[Pair]) -> (Verdict, String) {
    match outcome {
        outputs::Outcome::Compared(o) => {
            let bad: Vec<&str> = o.iter().filter(|d| !d.pass).map(|d| d.output.as_str()).collect();
            let n = o.len();
            if bad.is_empty() {
                (
                    Verdict::Equivalent,
                    format!("all {n} output(s) agree within the tolerance on ONNX Runtime, on one seeded input"),
                )
            } else {
                (Verdict::Differ, format!("{} of {n} output(s) outside the tolerance: {}", bad.len(), bad.join(", ")))
            }
        }
        outputs::Outcome::Differ(why) => (Verdict::Differ, why.clone()),
        outputs::Outcome::NotCompared(why) if identical => {
            (Verdict::Equivalent, format!("the graphs are the same computation node for node (outputs not run: {why})"))
        }
        outputs::Outcome::NotCompared(why) => {
            let aligned = pairs.iter().filter(|p| p.a.is_some() && p.b.is_some()).count();
            let layers = if aligned == 0 {
                "no parameterised layer aligned".to_string()
            } else {
                let differ = pairs.iter().filter(|p| !p.differences.is_empty()).count();
                format!(
                    "{aligned} parameterised layer(s) aligned, {differ} with differences, and the graphs are not identical"
                )
            };
            (Verdict::NotCompared, format!("outputs not compared ({why}); {layers}"))
        }
    }
}
