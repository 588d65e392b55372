//! zoo's engine: the compile and verify pipelines, as functions with typed options. The `zoo`
//! binary parses its arguments into these options and renders what comes back.
//!
//! - [`compile`]: a file or a freshly built model through the passes ([`compile::compile_file`],
//!   [`compile::compile_export`]), int8 calibration ([`calibrate`]), and the names a choice of
//!   passes gives its outputs ([`names`]).
//! - [`verify`]: a model or file on every runtime against its golden data and each other
//!   ([`verify::verify`]), layer by layer ([`layers`]), within the tolerances of
//!   [`verify::tolerance`] and the fp16 [`sensitivity`].
//! - [`diff`]: two files side by side, layer by layer and by their outputs.
//! - [`subject`]: what is verified — a model variant or a file, with the manifest that applies.
//! - [`runtimes`]: the one runtime selection every command that runs a model uses, each runtime
//!   in a worker process.
//! - [`memory`], [`fixed_batch`], [`images`], [`onnx`]: the checks and inputs around a run.

pub mod calibrate;
pub mod compile;
pub mod diff;
pub mod error;
pub mod fixed_batch;
pub mod images;
pub mod layers;
pub mod memory;
pub mod names;
pub mod onnx;
pub mod options;
pub mod runtimes;
pub mod sensitivity;
pub mod shapes;
pub mod subject;
pub mod verify;

pub use error::{Error, Result};
pub use options::{CalibrationMethod, Int8Options, Int8Scheme, Io, PassOptions, Precision, RuntimeName};
