//! Shipping zoo's ONNX files to serving stacks: the Triton Inference Server model
//! configuration (`config.pbtxt`) of an ONNX file, planned from the file's own inputs and
//! outputs and rendered as byte-reproducible protobuf text, and the model repository it goes
//! into (`zoo bundle triton`).

pub mod error;
pub mod lint;
pub mod repository;
pub mod signature;
pub mod triton;

pub use error::ShipError;
