//! Pictures of networks as the papers draw them, in SVG that is the same bytes on every
//! machine (integer coordinates or fixed decimals, no timestamps, no external fonts: a
//! font-family fallback list, and text widths estimated from character counts):
//!
//! - [`network`]: one block per layer (its op, key attributes and output shape), the layers a
//!   paper's table merges into one row (a conv with its BatchNorm and ReLU) merged into one
//!   block; parallel branches (inception) side by side, residual shortcuts drawn as a path
//!   around the blocks they skip (He et al. 2016, Figure 2/3), projections as a side branch;
//!   long networks wrapped into columns. Any ONNX graph zoo can read: shape arithmetic
//!   (`Shape → Gather → … → Reshape`) and constant-only nodes are left out and counted.
//! - [`layer_errors`]: the per-layer error of `zoo verify --layers` across runtimes, on a log
//!   scale against the tolerance, the first failing layer marked.
//!
//! Layered drawing by series-parallel decomposition: a fork's branches meet at its immediate
//! post-dominator (Cooper, Harvey & Kennedy, "A Simple, Fast Dominance Algorithm", 2001, run on
//! the reversed graph), which for CNNs is the Concat of an inception module or the Add of a
//! residual block.

mod blocks;
mod error;
mod layer_error_plot;
mod layout;
mod network;
mod number;
mod svg;

pub use blocks::{Block, Kind, Layers, layers};
pub use error::DrawError;
pub use layer_error_plot::{ErrorPlot, Plot, Series, layer_errors};
pub use network::{Drawing, network};
