//! Running ONNX files and comparing what runtimes compute.
//!
//! - [`ort`](crate::onnxruntime): ONNX Runtime through the `ort` crate, loaded at run time from a
//!   shared library (`load-dynamic`), with CPU, CUDA and TensorRT execution providers;
//! - [`tract`](crate::tract): the pure-Rust tract-onnx engine, the CPU cross-check;
//! - [`compare`]: error metrics between two outputs (Polygraphy-style);
//! - [`images`]: PNG/JPEG files to input tensors, as torchvision's (Pillow's) preprocessing;
//! - [`pb`]: `TensorProto` files (`input_0.pb`, `output_0.pb`), the ONNX Model Zoo's golden
//!   test-data format.

pub mod compare;
mod error;
pub mod images;
pub mod onnxruntime;
pub mod openvino;
pub mod pb;
mod tensor;
pub mod tract;

pub use error::RuntimeError;
pub use tensor::Tensor;

/// Outputs of one run, and where the work was actually done.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// In the graph's output order, named as the graph names them.
    pub outputs: Vec<Tensor>,
    /// The execution provider(s) the runtime really used for the nodes, e.g.
    /// `["CPUExecutionProvider"]`; for tract `["tract"]`.
    pub providers: Vec<String>,
}

/// Something that runs one loaded model.
pub trait Runner {
    /// A short label for tables: `ort/cpu`, `ort/cuda`, `tract`.
    fn label(&self) -> String;
    fn run(&mut self, inputs: &[Tensor]) -> Result<RunOutput, RuntimeError>;
}
