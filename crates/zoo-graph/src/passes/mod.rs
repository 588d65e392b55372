//! The compiler's passes: each rewrites an [`ir::Graph`](crate::ir::Graph) in place and says
//! what it changed and what it left alone, and why. One pass per file; each file opens with
//! what it rewrites, its numeric effect and the oracle its tests use.
//!
//! Weight-rewriting passes compose [`TensorData`](crate::ir::TensorData) recipes instead of
//! computing weights, so an export stays streaming after them: the folded values are produced
//! while the writer streams the file.

mod fold_batch_norm;
mod quantize_int8;
mod remove_identity;
mod to_fp16;

pub use fold_batch_norm::FoldBatchNorm;
pub use quantize_int8::QuantizeInt8;
pub use remove_identity::RemoveIdentity;
pub use to_fp16::ToFp16;

use crate::error::WeightError;
use crate::ir::Graph;
use crate::weights::WeightSource;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub pass: &'static str,
    /// One line per rewrite (`bn1 → conv1`).
    pub changed: Vec<String>,
    /// Nodes the pass could have rewritten but left, each with the reason.
    pub kept: Vec<(String, String)>,
}

/// Why a pass could not run.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error("pass {pass}: {source}")]
    Weights {
        pass: &'static str,
        #[source]
        source: WeightError,
    },
    #[error("pass {pass}: {reason}")]
    Unsupported { pass: &'static str, reason: String },
    #[error("after the passes: {0}")]
    Graph(#[from] crate::GraphError),
}

/// A graph rewrite.
pub trait Pass {
    /// The name recorded in the compiled file's metadata (`zoo.passes`).
    fn name(&self) -> &'static str;
    /// Rewrites `graph`; `source` gives the values of tensors that are builder parameters.
    fn run(&self, graph: &mut Graph, source: &dyn WeightSource) -> Result<PassReport, PassError>;
}

/// `--optimize`: what torch.onnx.export does to an eval-mode model — Dropout and Identity
/// gone, BatchNorm folded into the convolution before it.
pub fn optimize() -> Vec<Box<dyn Pass>> {
    vec![Box::new(RemoveIdentity), Box::new(FoldBatchNorm)]
}

/// Passes a user selects with a flag of their own (`zoo export|compile|bundle --<flag>`). The
/// command line, the manifest key (`--<flag>`) and the output names (`-<suffix>`) are derived
/// from this list, in its order; the selected passes run in it too, before fp16 and int8.
/// A new pass is its file plus one line here.
pub const SELECTABLE: &[Selectable] = &[Selectable {
    flag: "optimize",
    help: "Remove Dropout and Identity and fold BatchNorm into the Conv or Gemm before it, where that is exact \
           (what torch.onnx.export does to an eval-mode model)",
    suffix: "optimized",
    before_int8: true,
    passes: optimize,
}];

/// A flag's passes, and what the flag is called where it shows.
pub struct Selectable {
    /// The command-line flag without its `--` (and the manifest key's word).
    pub flag: &'static str,
    /// The flag's `--help` (one sentence, no closing period, as clap prints doc comments).
    pub help: &'static str,
    /// Its part of an output file's name, after a `-`.
    pub suffix: &'static str,
    /// int8 runs it too, first (a BatchNorm left unfolded would run in float between two
    /// quantizers); an int8 file's name then leaves its suffix implied.
    pub before_int8: bool,
    pub passes: fn() -> Vec<Box<dyn Pass>>,
}

/// Runs `passes` in order, then drops the tensors nothing reads any more and recomputes the
/// intermediate types. Records the passes in `metadata_props` (`zoo.passes`, appended to any
/// earlier compilation's).
pub fn run(
    graph: &mut Graph,
    passes: &[Box<dyn Pass>],
    source: &dyn WeightSource,
) -> Result<Vec<PassReport>, PassError> {
    let mut reports = Vec::new();
    for p in passes {
        reports.push(p.run(graph, source)?);
    }
    graph.drop_unused_tensors();
    graph.infer()?;
    let names: Vec<&str> = passes.iter().map(|p| p.name()).collect();
    record(graph, &names);
    Ok(reports)
}

/// Appends `names` to the graph's `zoo.passes` (after any earlier compilation's), for rewrites
/// done outside [`run`] too (the reader's `fold-shape-chains`).
pub fn record(graph: &mut Graph, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let applied = match graph.meta("zoo.passes") {
        Some(before) if !before.is_empty() => format!("{before},{}", names.join(",")),
        _ => names.join(","),
    };
    graph.set_meta("zoo.passes", applied);
}
