//! The `zoo/` folder: for every model and variant a manifest (architecture, recipe, the
//! SHA-256 of the canonical weights and of the exported file, tolerances) and golden test
//! data in the ONNX Model Zoo layout (`test_data_set_0/input_0.pb`, `output_0.pb`).
//!
//! Full weights are not stored: they are re-created from the recipe and checked against the
//! recorded SHA-256. Golden outputs are checked twice: their files against their SHA-256
//! (corruption), and re-derived outputs against them within tolerance (a runtime on another
//! machine may differ in the last bits, never more).

mod error;
pub mod evidence;
pub mod golden;
pub mod manifest;

pub use error::ArtifactError;
pub use evidence::Evidence;
pub use manifest::{Manifest, ZooDir};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
