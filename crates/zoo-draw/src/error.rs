//! Typed errors: one line naming the problem and the fix.

#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("the model has no graph to draw")]
    NoGraph,
    #[error("the graph has no node zoo can draw (every node computes shapes or constants only)")]
    Empty,
    #[error(
        "no per-layer errors to plot: the report compared no layer (run `zoo verify --layers` on at least two runtimes)"
    )]
    NoLayers,
    #[error("per-layer series `{series}` has {got} values for {layers} layers")]
    Ragged { series: String, got: usize, layers: usize },
    #[error("tolerance {0} is not a positive number")]
    Tolerance(f64),
}
