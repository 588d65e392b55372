//! Shipping zoo's ONNX files to serving stacks. For now: the Triton Inference Server model
//! configuration (`config.pbtxt`) of an ONNX file, planned from the file's own inputs and
//! outputs and rendered as byte-reproducible protobuf text.

pub mod error;
pub mod signature;
pub mod triton;

pub use error::ShipError;
