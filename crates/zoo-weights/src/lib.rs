//! Weights from files: read a checkpoint, bind its tensors to a graph's parameters by name
//! (every shape checked), and stream them into the ONNX file as a [`zoo_graph::WeightSource`].
//! Also the reverse: save a model's reference weights as safetensors.

mod error;
mod safetensors_file;

pub use error::LoadError;
pub use safetensors_file::{Bound, CLAIMED_SHA256_KEY, SafetensorsFile, save_safetensors};

/// PyTorch's BatchNorm counter, present in every `state_dict` with BatchNorm; not a weight.
pub(crate) fn ignored(name: &str) -> bool {
    name.ends_with(".num_batches_tracked")
}
